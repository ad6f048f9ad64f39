"""Detector evaluation: pycocotools numbers, on tiles and on whole murals through the indexer."""

from __future__ import annotations

import json

import pytest

from indexer.imagery import Pyramid
from indexer.pipeline import IndexConfig
from indexer.synthetic import CATEGORIES, image_seed, plan_mural
from indexer.training.coco import Boxes, coco_metrics
from indexer.training.datasets import Geometry, synthetic_murals
from indexer.training.evaluation import evaluate_murals
from tests.cli import run_manage
from tests.indexer.oracle import OracleDetector

NAMES = list(CATEGORIES)


def test_perfect_answers_score_one_and_none_score_zero():
    truth = [Boxes([(10, 10, 50, 80), (200, 40, 30, 30)], [3, 0])]
    perfect = [Boxes([(10, 10, 50, 80), (200, 40, 30, 30)], [3, 0], [0.9, 0.8])]
    result = coco_metrics(truth, perfect, NAMES)
    assert (result["map50_95"], result["map50"], result["ar"]) == (1.0, 1.0, 1.0)
    assert result["per_category"]["apsara"] == {"ap50_95": 1.0, "ap50": 1.0, "ar": 1.0}
    assert result["per_category"]["donor"] is None  # no ground truth: not a zero
    assert coco_metrics(truth, [Boxes()], NAMES)["map50_95"] == 0.0


def test_loose_boxes_keep_map50_and_lose_map50_95():
    truth = [Boxes([(100, 100, 100, 100)], [1])]
    loose = [Boxes([(110, 110, 100, 100)], [1], [0.9])]  # IoU 0.68
    result = coco_metrics(truth, loose, NAMES)
    assert result["map50"] == 1.0
    assert 0.2 < result["map50_95"] < 0.5
    wrong_class = [Boxes([(100, 100, 100, 100)], [2], [0.9])]
    assert coco_metrics(truth, wrong_class, NAMES)["map50"] == 0.0


def test_whole_murals_through_the_indexer_score_one_with_a_perfect_detector(tmp_path):
    (mural,) = synthetic_murals(tmp_path, 1, 1500, 1100, 21, NAMES)
    config = IndexConfig(tile_size=640, batch_size=4)
    spec = plan_mural(1500, 1100, image_seed(21, 0))
    detector = OracleDetector(spec, Pyramid(mural.pyramid), config)
    result = evaluate_murals(detector, [mural], config, NAMES)
    assert result["truth_boxes"] == len(spec.instances)
    assert result["map50_95"] == pytest.approx(1.0, abs=0.01)
    assert result["ar"] == pytest.approx(1.0, abs=0.01)
    assert Geometry(tile_size=640).scale == 1.0


@pytest.mark.django_db
def test_evaluate_detector_prints_table_3_for_tiles_and_murals(tmp_path, demo_detector_weights):
    result = run_manage(
        "evaluate_detector", "--model", str(demo_detector_weights), "--synthetic", "1",
        "--synthetic-size", "960x700", "--synthetic-seed", "77", "--json",
        var_dir=tmp_path / "var",
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    for level in ("tile", "full_mural"):
        metrics = record[level]
        assert set(metrics) >= {"map50_95", "map50", "ar", "per_category"}
        assert 0 <= metrics["map50_95"] <= metrics["map50"] <= 1
        assert set(metrics["per_category"]) == set(NAMES)
    assert record["model"]["tile_size"] == 640  # the card's geometry
    assert record["dataset"]["murals"] == 1 and record["dataset"]["seed"] == 77


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the evaluation set is empty"),
        (["--model", "nothing-here"], "no DetectorModel of that name"),
        (["--levels", "walls"], "--levels takes tile and/or full_mural"),
    ],
)
def test_bad_evaluations_exit_2_with_one_line(tmp_path, args, message):
    result = run_manage("evaluate_detector", *args, var_dir=tmp_path / "var")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
