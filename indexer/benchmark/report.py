"""A benchmark run and its JSON-ready report: the detector checked, the mural prepared, ours
and SAHI timed in child processes, both scored, targets judged."""

from __future__ import annotations

import importlib.util
import os
import platform
from dataclasses import asdict
from typing import Any

from .options import (
    OVERLAP,
    RSS_TARGET_MB,
    SAHI_POSTPROCESS,
    SPEEDUP_TARGET,
    BenchmarkError,
    BenchOptions,
    check_options,
)
from .runs import in_child, peak_rss_mb, run_ours, run_sahi, stdout_to_stderr
from .truth import BenchMural, Box, prepare_mural, score_at_iou


def run_benchmark(options: BenchOptions) -> dict[str, Any]:
    """Run the benchmark and return its JSON-ready report. Whatever the libraries print on
    the way (export logs) goes to stderr: stdout is left to the caller's report."""
    check_options(options)
    with stdout_to_stderr():
        return _run(options)


def _run(options: BenchOptions) -> dict[str, Any]:
    from ..tiling import tile_mural

    names, version = _detector_classes(options)
    mural = prepare_mural(options)
    tiles = len(
        tile_mural(mural.width, mural.height, options.tile, OVERLAP, options.detector_scale)
    )
    job = {
        "options": asdict(options),
        "detector": options.detector_spec(),
        "pyramid": str(mural.pyramid),
    }
    ours = in_child(run_ours, job)
    our_boxes = [Box(*row[:4], names[row[4]], row[5]) for row in ours.pop("boxes")]
    report = _our_report(options, ours, our_boxes, mural, tiles)
    if options.sahi and importlib.util.find_spec("sahi") is None:
        report["sahi"] = "skipped: sahi is not installed (it comes with requirements-dev.txt)"
    elif options.sahi:
        sahi = in_child(run_sahi, {**job, "image": str(mural.image)})
        report.update(_sahi_report(sahi, ours, mural))
    report.update(
        targets=_targets(report),
        **_settings(options, mural, version, ours["threads"]),
        bench_process_peak_rss_mb=round(peak_rss_mb(), 1),
    )
    return report


def _detector_classes(options: BenchOptions) -> tuple[dict[int, str], str]:
    """The detector's class names and version; checks the weights and exports openvino/onnx
    once, before anything is timed."""
    from ..detection import Detector, DetectorError
    from ..synthetic import CATEGORIES

    try:
        detector = Detector(**options.detector_spec())
    except DetectorError as exc:
        raise BenchmarkError(str(exc)) from exc
    names, version = detector.names, detector.version
    if not set(names.values()) & set(CATEGORIES):
        raise BenchmarkError(
            f"{options.weights} has classes {sorted(names.values())}, none a category slug"
        )
    return names, version


def _our_report(
    options: BenchOptions, ours: dict, boxes: list[Box], mural: BenchMural, tiles: int
) -> dict[str, Any]:
    """Our numbers, with SAHI's keys in their places (None until SAHI runs)."""
    score = score_at_iou(boxes, mural.truth)
    return {
        "tiles": tiles,
        "tiles_detected": ours["tiles_detected"],
        "our_seconds": round(ours["seconds"], 2),
        "our_tiles_per_s": round(tiles / ours["seconds"], 2),
        "our_merge_seconds": round(ours["merge_seconds"], 2),
        "our_end_to_end_seconds": _rounded(ours["end_to_end_seconds"]),
        "elements": len(boxes),
        "sahi_seconds": None,
        "speedup_vs_sahi": None,
        "our_recall50": round(score.recall, 4),
        "sahi_recall50": None,
        "our_precision50": round(score.precision, 4),
        "sahi_precision50": None,
        "gt": len(mural.truth),
        "our_detections": len(boxes),
        "sahi_detections": None,
        "peak_rss_mb": round(ours["peak_rss_mb"], 1),
        "sahi_peak_rss_mb": None,
        "runtime": options.runtime,
        "device": "cpu",
        "sahi_slices": None,
        "sahi_decode_seconds": None,
        "sahi": f"skipped: {options.sahi_skip_reason}",
    }


def _sahi_report(sahi: dict, ours: dict, mural: BenchMural) -> dict[str, Any]:
    boxes = [Box(*row) for row in sahi.pop("boxes")]
    score = score_at_iou(boxes, mural.truth)
    kind, metric, threshold = SAHI_POSTPROCESS
    return {
        "sahi_seconds": round(sahi["seconds"], 2),
        "speedup_vs_sahi": round(sahi["seconds"] / ours["seconds"], 2),
        "sahi_recall50": round(score.recall, 4),
        "sahi_precision50": round(score.precision, 4),
        "sahi_detections": len(boxes),
        "sahi_peak_rss_mb": round(sahi["peak_rss_mb"], 1),
        "sahi_slices": sahi["slices"],
        "sahi_decode_seconds": round(sahi["decode_seconds"], 2),
        "sahi": (
            f"sahi {sahi['version']} get_sliced_prediction, ultralytics .pt on cpu, "
            f"{kind} {metric} {threshold}, no standard pred, batch 1; decode not timed"
        ),
    }


def _targets(report: dict[str, Any]) -> dict[str, bool | None]:
    speedup, sahi_recall = report["speedup_vs_sahi"], report["sahi_recall50"]
    return {
        "speedup_vs_sahi>=2": None if speedup is None else speedup >= SPEEDUP_TARGET,
        "recall50>=sahi": None if sahi_recall is None else report["our_recall50"] >= sahi_recall,
        "peak_rss_mb<=1500": report["peak_rss_mb"] <= RSS_TARGET_MB,
    }


def _settings(
    options: BenchOptions, mural: BenchMural, version: str, threads: int
) -> dict[str, Any]:
    """What was run: the mural, the tiling, the detector, the machine."""
    openvino = options.runtime == "openvino"
    return {
        "mural": {
            "width": mural.width,
            "height": mural.height,
            "seed": options.seed,
            "scale": options.scale,
            "format": mural.image.suffix.lstrip("."),
        },
        "tile": options.tile,
        "detector_scale": options.detector_scale,
        "window": options.window,
        "overlap": OVERLAP,
        "conf": options.conf,
        "detector": version,
        "detector_batch": options.detector_batch,
        "openvino_precision": (options.openvino_precision or _openvino_precision())
        if openvino
        else None,
        "index_batch": options.index_batch,
        "embedder": options.embedder if options.end_to_end else None,
        "cpu": f"{os.cpu_count()} cpus, {platform.machine()}, torch threads {threads}",
    }


def _openvino_precision() -> str:
    from ..detection import OPENVINO_PRECISION

    return OPENVINO_PRECISION


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
