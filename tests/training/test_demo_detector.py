"""The committed demo detector: small, reproducible, registered by load_demo, and good enough
that `make demo` shows real element boxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from dunhuang_search.elements.models import Element, IndexJob
from dunhuang_search.training.models import DetectorModel
from dunhuang_search.training.registry import active_detector, weights_card
from indexer.detection import Detector
from indexer.synthetic import CATEGORIES

DEMO = Path(django_settings.BASE_DIR) / "fixtures" / "detector" / "dunhuang-yolov8n.pt"


def test_the_demo_detector_is_small_and_carries_its_card():
    assert DEMO.stat().st_size <= 10 * 1024 * 1024
    card = weights_card(DEMO)
    assert card["classes"] == list(CATEGORIES)
    assert (card["tile_size"], card["scale"]) == (640, 0.5)
    assert card["command"].startswith("python manage.py train_detector")
    detector = Detector(DEMO, device="cpu")
    assert [detector.names[i] for i in sorted(detector.names)] == list(CATEGORIES)


@pytest.mark.django_db
def test_load_demo_registers_the_demo_detector_and_indexes_with_it(isolated_var, settings):
    settings.VAR_DIR = isolated_var
    settings.DETECTOR_WEIGHTS = str(DEMO)
    call_command("load_demo", "--count", "1", "--size", "1600x1200", "--seed", "11")
    row = DetectorModel.active()
    assert row is not None and row.weights == str(DEMO)
    assert (active_detector().tile_size, active_detector().scale) == (640, 0.5)
    job = IndexJob.objects.get()
    assert job.state == IndexJob.State.DONE, job.error
    found = Element.objects.filter(source=Element.Source.DETECTOR)
    assert found.count() >= 10
    assert {e.category.slug for e in found} <= set(CATEGORIES)
    truth = json.loads(
        (isolated_var / "demo" / "1600x1200-seed11" / "metadata.json").read_text()
    )
    assert len(truth) == 1
    # running it again keeps the murals, the detector and the elements as they are
    call_command("load_demo", "--count", "1", "--size", "1600x1200", "--seed", "11")
    assert DetectorModel.objects.count() == 1
