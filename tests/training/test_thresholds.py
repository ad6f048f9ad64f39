"""Per-class operating thresholds: the curve and the rule, stored on the model and its card,
and applied to elements (confident), which search then shows or hides."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dunhuang_search.elements.models import Element
from dunhuang_search.training.models import DetectorModel
from dunhuang_search.training.thresholds import reflag_elements, save_thresholds
from indexer.training.coco import Boxes
from indexer.training.thresholds import (
    ClassAnswers,
    class_answers,
    operating_points,
    pick_threshold,
    thresholds_of,
    wilson_lower,
)
from tests.factories import add_element, make_mural

NAMES = ["inscription", "thousand-buddha", "donor", "apsara", "non-buddhist-figure"]


def answers(pairs, truths):
    scores = np.array([s for s, _ in pairs], float)
    order = np.argsort(-scores, kind="stable")
    return ClassAnswers(scores[order], np.array([m for _, m in pairs], bool)[order], truths)


def test_the_lowest_confidence_keeping_precision_0_9_is_picked():
    # 9 hits above 0.5, one miss at 0.45, then hits and misses mixed below
    rows = [(0.95 - 0.05 * i, True) for i in range(9)]
    rows += [(0.45, False), (0.40, True), (0.35, False), (0.30, False), (0.20, True)]
    picked = pick_threshold(answers(rows, truths=12))
    # at 0.40: 10 hits of 11 = 0.909; at 0.35: 10/12 = 0.83
    assert picked["threshold"] == pytest.approx(0.40)
    assert picked["precision"] == pytest.approx(10 / 11, abs=1e-4)
    assert picked["recall"] == pytest.approx(10 / 12, abs=1e-4)
    assert picked["rule"].startswith("lowest confidence with precision >= 0.9")


def bound(point: dict) -> float:
    return wilson_lower(np.array([point["true_positives"]]), np.array([point["detections"]]))[0]


def test_with_enough_answers_the_cut_keeps_precision_0_9_at_95_percent_confidence():
    # 200 hits, then 40 answers of which every fourth is a hit: observed precision reaches 0.9
    # only near the bottom, the Wilson lower bound of the answers above much higher up
    rows = [(0.99 - 0.002 * i, True) for i in range(200)]
    rows += [(0.59 - 0.01 * i, i % 4 == 0) for i in range(40)]
    points = answers(rows, truths=215)
    picked = pick_threshold(points)
    assert picked["rule"] == "lowest confidence with precision >= 0.9 at 95% confidence"
    assert bound(points.at(picked["threshold"])) >= 0.9
    # one answer further down the bound drops under 0.9, though the observed precision does not
    lower = points.scores[points.scores < picked["threshold"]][0]
    below = points.at(float(lower))
    assert below["precision"] >= 0.9
    assert bound(below) < 0.9


def test_the_wilson_bound_is_scipys():
    from scipy.stats import binomtest

    for hits, count in [(9, 10), (90, 100), (900, 1000), (25, 25)]:
        low = binomtest(hits, count).proportion_ci(0.90, method="wilson").low
        assert wilson_lower(np.array([hits]), np.array([count]))[0] == pytest.approx(low)


def test_best_f1_where_precision_0_9_is_never_reached():
    rows = [(0.95, False), (0.9, True), (0.8, False), (0.7, True), (0.6, False), (0.5, True)]
    rows.append((0.1, False))
    picked = pick_threshold(answers(rows, truths=3))
    assert picked["rule"].startswith("best F1")
    # F1: 0.9 -> 0.4, 0.7 -> 0.571, 0.5 -> 0.667, 0.1 -> 0.6
    assert picked["threshold"] == pytest.approx(0.5)
    assert picked["recall"] == 1.0


def test_classes_without_truth_or_answers_get_no_threshold():
    assert pick_threshold(answers([], truths=4))["rule"] == "no detections"
    assert pick_threshold(answers([(0.9, False)], truths=0))["threshold"] is None


def test_pycocotools_matching_counts_duplicates_and_wrong_classes_as_false_positives():
    truth = [Boxes([(0, 0, 100, 100), (300, 300, 50, 50)], [3, 2])]
    found = [
        Boxes(
            [(0, 0, 100, 100), (2, 2, 100, 100), (300, 300, 50, 50), (600, 0, 40, 40)],
            [3, 3, 3, 2],
            [0.9, 0.8, 0.7, 0.3],
        )
    ]
    got = class_answers(truth, found, NAMES)
    assert got["apsara"].truths == 1
    assert got["apsara"].matched.tolist() == [True, False, False]  # duplicate, wrong class
    assert got["donor"].matched.tolist() == [False] and got["donor"].truths == 1
    points = operating_points(truth, found, NAMES, stored={"apsara": {"threshold": 0.85}})
    apsara = points["per_category"]["apsara"]
    assert apsara["picked"]["threshold"] == pytest.approx(0.9)
    assert apsara["at_stored"] == {
        "threshold": 0.85, "precision": 1.0, "recall": 1.0, "f1": 1.0, "detections": 1,
        "true_positives": 1,
    }  # fmt: skip
    at_zero = apsara["curve"][0]
    assert at_zero["confidence"] == 0.0 and at_zero["precision"] == pytest.approx(1 / 3, 1e-3)
    assert thresholds_of(points)["inscription"]["rule"] == "no ground truth"


@pytest.fixture
def detector_row(tmp_path, demo_detector_weights):
    weights = tmp_path / "demo.pt"
    shutil.copyfile(demo_detector_weights, weights)
    shutil.copyfile(demo_detector_weights.with_suffix(".json"), weights.with_suffix(".json"))
    return DetectorModel.objects.create(
        name="demo", weights=str(weights), sha256="ab" * 32, classes=NAMES, tile_size=320,
        scale=0.5,
    )  # fmt: skip


@pytest.mark.django_db
def test_saving_thresholds_flags_the_models_elements_in_one_update_per_class(detector_row):
    mural = make_mural()
    version = f"demo@{'ab' * 6}/torch"
    low = add_element(mural, "apsara", score=0.3, model_version=version)
    high = add_element(mural, "apsara", score=0.8, model_version=version, x=300)
    donor = add_element(mural, "donor", score=0.2, model_version=version, x=500)
    other = add_element(mural, "apsara", score=0.3, model_version="other@0123456789ab/torch")
    manual = add_element(mural, "apsara", score=None, source="manual", x=700)
    thresholds = {
        "apsara": {"threshold": 0.5, "precision": 0.93, "recall": 0.8, "rule": "r"},
        "donor": {"threshold": None, "precision": None, "recall": None, "rule": "no detections"},
    }
    with CaptureQueriesContext(connection) as queries:
        touched = reflag_elements(
            DetectorModel(**{**_fields(detector_row), "thresholds": thresholds})
        )
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == len(NAMES)  # one per class of the model
    assert touched["apsara"] == 2
    save_thresholds(detector_row, thresholds, {"seed": 700, "source": "synthetic"})
    flags = dict(Element.objects.values_list("pk", "confident"))
    assert flags == {low.pk: False, high.pk: True, donor.pk: True, other.pk: True, manual.pk: True}
    card = json.loads(Path(detector_row.weights).with_suffix(".json").read_text("utf-8"))
    assert card["thresholds"]["apsara"]["threshold"] == 0.5
    assert card["calibration"]["seed"] == 700
    detector_row.refresh_from_db()
    assert detector_row.thresholds == thresholds
    assert detector_row.parameters["calibration"]["seed"] == 700
    visible = set(Element.objects.visible().values_list("pk", flat=True))
    assert low.pk not in visible and high.pk in visible and manual.pk in visible
    assert set(Element.objects.uncertain().values_list("pk", flat=True)) == {low.pk}


def _fields(row: DetectorModel) -> dict:
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


@pytest.mark.django_db
def test_activating_a_model_flags_its_elements_by_its_thresholds(detector_row):
    mural = make_mural()
    element = add_element(mural, "apsara", score=0.3, model_version=f"demo@{'ab' * 6}/torch")
    detector_row.thresholds = {"apsara": {"threshold": 0.4}}
    detector_row.save()
    assert Element.objects.get(pk=element.pk).confident is True  # saved, not yet applied
    detector_row.activate()
    assert Element.objects.get(pk=element.pk).confident is False


@pytest.mark.django_db
def test_the_indexer_stores_boxes_below_the_threshold_as_not_confident():
    from dunhuang_search.elements.indexing import category_map, write_elements
    from dunhuang_search.elements.models import IndexJob
    from indexer.pipeline import FoundElement

    mural = make_mural()
    job = IndexJob.objects.create(mural=mural)
    vector = np.zeros(4, np.float32)
    found = [
        FoundElement(10, 10, 50, 50, 3, 0.31, vector),  # apsara below 0.5
        FoundElement(100, 10, 50, 50, 3, 0.5, vector),  # at it
        FoundElement(200, 10, 50, 50, 2, 0.12, vector),  # donor: no threshold
    ]
    categories = category_map(dict(enumerate(NAMES)))
    write_elements(job, found, categories, "demo@x/torch", "e", thresholds={3: 0.5})
    rows = Element.objects.order_by("x").values_list("score", "confident")
    assert list(rows) == [(0.31, False), (0.5, True), (0.12, True)]
