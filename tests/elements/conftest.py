"""Fixtures for indexing tests: settings that run the tiny trained detector."""

from __future__ import annotations

import pytest


@pytest.fixture
def detector_settings(settings, tiny_detector_weights):
    settings.DETECTOR_WEIGHTS = str(tiny_detector_weights)
    settings.DETECTOR_CONF = 0.001  # the tiny detector is barely trained: take what it sees
    settings.DETECTOR_MAX_DET = 20
    settings.INDEX_TILE_SIZE = 320
    return settings
