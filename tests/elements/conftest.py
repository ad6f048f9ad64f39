"""Fixtures for indexing tests: settings that run the committed demo detector."""

from __future__ import annotations

import pytest


@pytest.fixture
def detector_settings(settings, demo_detector_weights):
    """The demo detector at its card's geometry (320 px tiles at scale 0.5) and the product's
    default confidence: what `make demo` indexes with."""
    settings.DETECTOR_WEIGHTS = str(demo_detector_weights)
    return settings
