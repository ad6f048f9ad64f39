"""The indexer benchmark: one scoring function for both methods (pycocotools at IoU 0.5), and a
tiny run of the whole benchmark (ours and SAHI, each in a child process) whose report has every
key, sane values."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indexer.benchmark import BenchOptions, Box, prepare_mural, run_benchmark, score_at_iou
from indexer.benchmark.runs import run_sahi as run_sahi_in_process
from indexer.synthetic import CATEGORIES

REQUIRED_KEYS = {
    "tiles": int,
    "our_seconds": float,
    "our_tiles_per_s": float,
    "sahi_seconds": float,
    "speedup_vs_sahi": float,
    "our_recall50": float,
    "sahi_recall50": float,
    "our_precision50": float,
    "sahi_precision50": float,
    "peak_rss_mb": float,
    "runtime": str,
    "device": str,
    "our_end_to_end_seconds": float,
    "elements": int,
    "gt": int,
    "our_detections": int,
    "sahi_detections": int,
    "sahi_peak_rss_mb": float,
}
TRUTH = [
    Box(0, 0, 100, 100, "donor"),
    Box(200, 0, 260, 80, "apsara"),
    Box(1000, 1000, 1100, 1200, "inscription"),
]


def tiny_options(weights: Path, cache: Path, **kwargs) -> BenchOptions:
    # the demo detector sees 320 px tiles of murals whose figures are half size (scale 0.5)
    return BenchOptions(
        weights=str(weights),
        tile=320,
        width=1024,
        height=1024,
        scale=0.5,
        max_det=50,
        cache_root=str(cache),
        export_dir=str(cache / "exports"),
        progress=False,
        **kwargs,
    )


@pytest.fixture(scope="module")
def bench_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bench-cache")


def test_a_perfect_prediction_scores_full_recall_and_precision():
    predictions = [Box(b.x1 + 2, b.y1 - 1, b.x2 + 1, b.y2, b.label, 0.9) for b in TRUTH]
    score = score_at_iou(predictions, TRUTH)
    assert (score.true_positives, score.recall, score.precision) == (3, 1.0, 1.0)


def test_a_missed_box_lowers_recall_only():
    score = score_at_iou(TRUTH[:2], TRUTH)
    assert score.recall == pytest.approx(2 / 3)
    assert score.precision == 1.0


def test_a_box_of_the_wrong_class_matches_nothing():
    predictions = [*TRUTH[:2], Box(1000, 1000, 1100, 1200, "donor", 0.8)]
    score = score_at_iou(predictions, TRUTH)
    assert score.recall == pytest.approx(2 / 3)
    assert score.precision == pytest.approx(2 / 3)


def test_a_duplicate_counts_against_precision_and_the_best_score_takes_the_match():
    duplicate = Box(0, 0, 90, 100, "donor", 0.3)
    score = score_at_iou([*TRUTH, duplicate], TRUTH)
    assert score.recall == 1.0
    assert score.precision == pytest.approx(3 / 4)


def test_the_best_scored_prediction_takes_its_truth_first_as_coco_matches():
    left, right = Box(0, 0, 100, 100, "donor"), Box(50, 0, 150, 100, "donor")
    confident = Box(20, 0, 120, 100, "donor", 0.9)  # IoU 0.67 with left, 0.54 with right
    exact = Box(0, 0, 100, 100, "donor", 0.5)  # IoU 1 with left (taken), 0.33 with right
    score = score_at_iou([exact, confident], [left, right])
    assert (score.true_positives, score.detections, score.truths) == (1, 2, 2)


def test_a_box_under_half_iou_is_a_miss_and_empty_inputs_score_vacuously():
    shifted = Box(60, 0, 160, 100, "donor")  # IoU 40 / 160 = 0.25
    score = score_at_iou([shifted], TRUTH[:1])
    assert (score.recall, score.precision) == (0.0, 0.0)
    assert (score_at_iou([], []).recall, score_at_iou([], []).precision) == (1.0, 1.0)
    assert (score_at_iou([], TRUTH).recall, score_at_iou(TRUTH, []).precision) == (0.0, 0.0)


def test_it_benchmarks_ours_against_sahi_and_reports_every_key(demo_detector_weights, bench_cache):
    report = run_benchmark(tiny_options(demo_detector_weights, bench_cache))
    json.dumps(report)  # JSON-ready as it is
    for key, kind in REQUIRED_KEYS.items():
        assert isinstance(report[key], kind), (key, report[key])
    assert report["tiles"] == 36  # 6 x 6 windows of 320 px at a stride of 160
    assert report["tiles_detected"] == 36
    assert report["sahi_slices"] == 36
    assert report["runtime"] == "torch" and report["device"] == "cpu"
    assert 0 < report["our_seconds"] <= report["our_end_to_end_seconds"]
    assert report["our_tiles_per_s"] == pytest.approx(36 / report["our_seconds"], rel=0.02)
    assert report["speedup_vs_sahi"] == pytest.approx(
        report["sahi_seconds"] / report["our_seconds"], rel=0.02
    )
    for key in ("our_recall50", "sahi_recall50", "our_precision50", "sahi_precision50"):
        assert 0.0 <= report[key] <= 1.0
    assert report["gt"] > 0 and report["elements"] == report["our_detections"] > 0
    assert 100 < report["peak_rss_mb"] < 4000 and 100 < report["sahi_peak_rss_mb"] < 4000
    assert set(report["targets"]) == {"speedup_vs_sahi>=2", "recall50>=sahi", "peak_rss_mb<=1500"}


def test_it_times_our_detection_alone_without_sahi(demo_detector_weights, bench_cache):
    options = tiny_options(demo_detector_weights, bench_cache, sahi=False, end_to_end=False)
    report = run_benchmark(options)
    assert report["sahi"] == "skipped: --no-sahi"
    assert report["sahi_seconds"] is None and report["speedup_vs_sahi"] is None
    assert report["our_end_to_end_seconds"] is None and report["embedder"] is None
    assert report["our_seconds"] > 0 and report["our_detections"] > 0
    # peak RSS is the whole pytest process's (models loaded by earlier tests count): only its
    # presence is checked here; the target is read from the bench_index command itself.
    assert isinstance(report["targets"]["peak_rss_mb<=1500"], bool)


def test_sahi_runs_offline_on_the_local_weights(
    demo_detector_weights, bench_cache, no_network, capsys
):
    options = tiny_options(demo_detector_weights, bench_cache)
    mural = prepare_mural(options)
    job = {"options": asdict(options), "image": str(mural.image)}
    result = run_sahi_in_process(job)
    assert result["slices"] == 36 and result["seconds"] > 0
    assert result["boxes"] and {label for *_, label, _ in result["boxes"]} <= set(CATEGORIES)
    assert capsys.readouterr().out == ""  # nothing that would precede the JSON line


@pytest.mark.django_db  # the command checks the schema before it starts
@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--weights", "/nonexistent/best.pt"], "detector weights not found"),
        (["--size", "100"], "smaller than one 640 px window"),  # 320 px at the card's 0.5
        (["--size", "big"], "--size must be N or WxH"),
        (["--tile", "100"], "multiple of 32"),
        (["--scale", "0"], "--scale must be between"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_2_and_one_line(
    arguments, message, demo_detector_weights
):
    defaults = {"--weights": str(demo_detector_weights), "--tile": "320", "--size": "1024"}
    given = dict(zip(arguments[::2], arguments[1::2], strict=True))
    argv = [word for pair in {**defaults, **given}.items() for word in pair]
    with pytest.raises(CommandError) as error:
        call_command("bench_index", "--json", *argv, verbosity=0)
    assert error.value.returncode == 2
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_detector_scale_sets_the_windows_of_ours_and_sahis_alike(
    demo_detector_weights, bench_cache
):
    options = tiny_options(demo_detector_weights, bench_cache, sahi=False, end_to_end=False,
                           detector_scale=0.5)  # fmt: skip
    assert options.window == 640
    report = run_benchmark(options)
    assert report["window"] == 640 and report["detector_scale"] == 0.5
    # 640 px windows at a stride of 320 over 1024 px: 3 x 3 (the last ones flush with the edge)
    assert report["tiles"] == 9 == report["tiles_detected"]
    from indexer.benchmark.runs import _sahi_slices

    assert len(_sahi_slices(1024, 1024, options.window)) == 9


@pytest.mark.django_db
def test_the_command_defaults_to_the_detectors_card_geometry_and_the_auto_runtime(
    monkeypatch, settings
):
    from dunhuang_search.training.management.commands import bench_index
    from indexer.detection import resolve_runtime

    seen = {}

    def fake_run(options):
        seen["options"] = options
        return {"fake": True}

    monkeypatch.setattr(bench_index, "run_benchmark", fake_run)
    settings.DETECTOR_RUNTIME = "auto"
    call_command("bench_index", "--json", "--no-sahi", "--size", "2048", verbosity=0)
    options = seen["options"]
    card = json.loads(Path(settings.DETECTOR_WEIGHTS).with_suffix(".json").read_text())
    assert (options.tile, options.detector_scale) == (card["tile_size"], card["scale"])
    assert options.weights == str(settings.DETECTOR_WEIGHTS)
    assert options.runtime == resolve_runtime("auto", "cpu") == "openvino"
    call_command("bench_index", "--json", "--runtime", "torch", "--tile", "640",
                 "--detector-scale", "1", verbosity=0)  # fmt: skip
    assert (seen["options"].runtime, seen["options"].tile) == ("torch", 640)
    assert seen["options"].detector_scale == 1.0
