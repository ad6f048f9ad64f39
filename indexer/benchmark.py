"""Benchmark of the indexer against SAHI on a synthetic mural whose every element is known.

Times our tile loop (detection + merge, then end to end) and SAHI's sliced prediction, each in
a fresh child process (so each peak RSS is its own), and scores both at IoU 0.5.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from .pipeline import LocalRunner

OVERLAP = 0.5  # half-overlap windows, ours and SAHI's alike
IOU_MATCH = 0.5
GIGAPIXEL = (40_000, 25_000)
SAHI_POSTPROCESS = ("GREEDYNMM", "IOS", 0.5)  # get_sliced_prediction's defaults, forced
RSS_TARGET_MB = 1500
SPEEDUP_TARGET = 2.0


class BenchmarkError(ValueError):
    """Unusable benchmark input (weights, sizes); the message is one readable line."""


@dataclass(frozen=True)
class BenchOptions:
    """One benchmark run. width/height/seed/scale decide the synthetic mural (scale is the
    generator's: element sizes); the detector sees windows of `tile` mural pixels."""

    weights: str
    runtime: str = "torch"
    tile: int = 640
    width: int = 8192
    height: int = 8192
    seed: int = 1
    scale: float = 1.0
    conf: float = 0.25
    detector_batch: int = 1
    index_batch: int = 8
    max_det: int = 300
    export_dir: str | None = None
    embedder: str = "efficientnet-lite0"
    sahi: bool = True
    sahi_skip_reason: str = "--no-sahi"
    end_to_end: bool = True
    tiff: bool = False
    cache_root: str | None = None
    progress: bool = True
    # Experiments on our side only, for levers the indexer does not pull yet: None keeps its
    # behaviour (OpenVINO in f32; the torch threads ultralytics sets, cpu_count - 1).
    openvino_precision: str | None = None
    torch_threads: int | None = None

    @classmethod
    def gigapixel(cls, **kwargs: Any) -> BenchOptions:
        """40,000 x 25,000 BigTIFF, our detection only (SAHI would decode 3 GB of pixels)."""
        width, height = GIGAPIXEL
        return cls(
            width=width,
            height=height,
            tiff=True,
            sahi=False,
            sahi_skip_reason="decodes the whole image",
            end_to_end=False,
            **kwargs,
        )


@dataclass(frozen=True)
class Box:
    """A labelled box in mural pixels (x2, y2 exclusive); ground truth has score 1."""

    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    score: float = 1.0


@dataclass(frozen=True)
class MatchScore:
    """Greedy class-aware matches at one IoU threshold."""

    true_positives: int
    predictions: int
    truths: int

    @property
    def recall(self) -> float:
        return self.true_positives / self.truths if self.truths else float(not self.predictions)

    @property
    def precision(self) -> float:
        if not self.predictions:
            return float(not self.truths)
        return self.true_positives / self.predictions


def match_at_iou(
    predictions: Sequence[Box], truths: Sequence[Box], threshold: float = IOU_MATCH
) -> MatchScore:
    """Match predictions to truths of the same label, best score first, each truth at most once
    (to its highest-IoU free truth at IoU >= threshold). A duplicate is a false positive."""
    cell = 1024
    grid: dict[tuple[str, int, int], list[int]] = {}
    for index, truth in enumerate(truths):
        for key in _cells(truth, cell):
            grid.setdefault(key, []).append(index)
    taken = np.zeros(len(truths), dtype=bool)
    true_positives = 0
    for pred in sorted(predictions, key=lambda b: -b.score):
        candidates = sorted({i for key in _cells(pred, cell) for i in grid.get(key, ())})
        best, best_iou = -1, threshold
        for i in candidates:
            if not taken[i] and (overlap := _iou(pred, truths[i])) >= best_iou:
                best, best_iou = i, overlap
        if best >= 0:
            taken[best] = True
            true_positives += 1
    return MatchScore(true_positives, len(predictions), len(truths))


def _cells(box: Box, cell: int) -> Iterable[tuple[str, int, int]]:
    for cy in range(int(box.y1 // cell), int(max(box.y1, box.y2 - 1e-9) // cell) + 1):
        for cx in range(int(box.x1 // cell), int(max(box.x1, box.x2 - 1e-9) // cell) + 1):
            yield box.label, cx, cy


def _iou(a: Box, b: Box) -> float:
    iw = min(a.x2, b.x2) - max(a.x1, b.x1)
    ih = min(a.y2, b.y2) - max(a.y1, b.y1)
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class BenchMural:
    image: Path  # what SAHI decodes: JPEG, or a BigTIFF in gigapixel mode
    pyramid: Path  # what our indexer reads, region by region
    width: int
    height: int
    truth: list[Box]


def cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "dunhuang-search" / "bench"


def prepare_mural(options: BenchOptions) -> BenchMural:
    """The synthetic mural, its pyramid and its ground truth, generated once and then cached
    under <cache>/bench/<generator version, size, seed, scale, format>/."""
    from .imagery import build_pyramid
    from .synthetic import GENERATOR_VERSION, plan_mural, write_mural_image

    fmt = "tif" if options.tiff else "jpg"
    key = (
        f"g{GENERATOR_VERSION}-{options.width}x{options.height}-seed{options.seed}"
        f"-scale{options.scale:g}-{fmt}"
    )
    root = Path(options.cache_root) if options.cache_root else cache_root()
    folder = root / key
    if not (folder / "truth.json").is_file():
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
        try:
            _say(options, f"generating the {options.width}x{options.height} mural {key}")
            spec = plan_mural(options.width, options.height, options.seed, options.scale)
            bar = _tqdm(options)
            write_mural_image(spec, staging / f"mural.{fmt}", tiff=options.tiff, progress=bar)
            with _percent_bar(options, "pyramid") as report:
                build_pyramid(staging / f"mural.{fmt}", staging / "pyramid.tif", report)
            (staging / "pyramid.tif").chmod(0o644)  # a cache other users may read
            truth = [[i.x, i.y, i.x + i.w, i.y + i.h, i.category] for i in spec.instances]
            (staging / "truth.json").write_text(json.dumps(truth))
            staging.chmod(0o755)
            try:
                os.rename(staging, folder)
            except OSError:  # a concurrent run finished first, or a stale entry is in the way
                if not (folder / "truth.json").is_file():
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    truth = [Box(*row) for row in json.loads((folder / "truth.json").read_text())]
    return BenchMural(
        folder / f"mural.{fmt}", folder / "pyramid.tif", options.width, options.height, truth
    )


def run_benchmark(options: BenchOptions) -> dict[str, Any]:
    """Run the benchmark and return its JSON-ready report. Whatever the libraries print on
    the way (export logs) goes to stderr: stdout is left to the caller's report."""
    _check(options)
    with _stdout_to_stderr():
        return _run_benchmark(options)


def _run_benchmark(options: BenchOptions) -> dict[str, Any]:
    from .detection import Detector, DetectorError

    detector_spec = {
        "weights": options.weights,
        "runtime": options.runtime,
        "device": "cpu",
        "imgsz": options.tile,
        "conf": options.conf,
        "batch_size": options.detector_batch,
        "cache_dir": options.export_dir,
        "max_det": options.max_det,
    }
    try:  # checks the weights and exports openvino/onnx once, before anything is timed
        detector = Detector(**detector_spec)
    except DetectorError as exc:
        raise BenchmarkError(str(exc)) from exc
    names, version = detector.names, detector.version
    del detector
    from .synthetic import CATEGORIES

    if not set(names.values()) & set(CATEGORIES):
        raise BenchmarkError(
            f"{options.weights} has classes {sorted(names.values())}, none a category slug"
        )
    mural = prepare_mural(options)
    from .tiling import tile_mural

    tiles = len(tile_mural(mural.width, mural.height, options.tile, OVERLAP))
    job = {"options": asdict(options), "detector": detector_spec, "pyramid": str(mural.pyramid)}
    ours = _in_child(_run_ours, job)
    our_boxes = [Box(*row[:4], names[row[4]], row[5]) for row in ours.pop("boxes")]
    our_score = match_at_iou(our_boxes, mural.truth)
    report: dict[str, Any] = {
        "tiles": tiles,
        "tiles_detected": ours["tiles_detected"],
        "our_seconds": round(ours["seconds"], 2),
        "our_tiles_per_s": round(tiles / ours["seconds"], 2),
        "our_merge_seconds": round(ours["merge_seconds"], 2),
        "our_end_to_end_seconds": _rounded(ours["end_to_end_seconds"]),
        "elements": len(our_boxes),
        "sahi_seconds": None,
        "speedup_vs_sahi": None,
        "our_recall50": round(our_score.recall, 4),
        "sahi_recall50": None,
        "our_precision50": round(our_score.precision, 4),
        "sahi_precision50": None,
        "gt": len(mural.truth),
        "our_detections": len(our_boxes),
        "sahi_detections": None,
        "peak_rss_mb": round(ours["peak_rss_mb"], 1),
        "sahi_peak_rss_mb": None,
        "runtime": options.runtime,
        "device": "cpu",
        "sahi_slices": None,
        "sahi_decode_seconds": None,
        "sahi": f"skipped: {options.sahi_skip_reason}",
    }
    if options.sahi:
        sahi = _in_child(_run_sahi, {**job, "image": str(mural.image)})
        sahi_boxes = [Box(*row) for row in sahi.pop("boxes")]
        sahi_score = match_at_iou(sahi_boxes, mural.truth)
        report.update(
            sahi_seconds=round(sahi["seconds"], 2),
            speedup_vs_sahi=round(sahi["seconds"] / ours["seconds"], 2),
            sahi_recall50=round(sahi_score.recall, 4),
            sahi_precision50=round(sahi_score.precision, 4),
            sahi_detections=len(sahi_boxes),
            sahi_peak_rss_mb=round(sahi["peak_rss_mb"], 1),
            sahi_slices=sahi["slices"],
            sahi_decode_seconds=round(sahi["decode_seconds"], 2),
            sahi=(
                f"sahi {sahi['version']} get_sliced_prediction, ultralytics .pt on cpu, "
                f"{SAHI_POSTPROCESS[0]} {SAHI_POSTPROCESS[1]} {SAHI_POSTPROCESS[2]}, "
                "no standard pred, batch 1; decode not timed"
            ),
        )
    report.update(
        targets={
            "speedup_vs_sahi>=2": None if report["speedup_vs_sahi"] is None
            else report["speedup_vs_sahi"] >= SPEEDUP_TARGET,
            "recall50>=sahi": None if report["sahi_recall50"] is None
            else report["our_recall50"] >= report["sahi_recall50"],
            "peak_rss_mb<=1500": report["peak_rss_mb"] <= RSS_TARGET_MB,
        },
        mural={
            "width": mural.width,
            "height": mural.height,
            "seed": options.seed,
            "scale": options.scale,
            "format": mural.image.suffix.lstrip("."),
        },
        tile=options.tile,
        overlap=OVERLAP,
        conf=options.conf,
        detector=version,
        detector_batch=options.detector_batch,
        openvino_precision=(options.openvino_precision or _openvino_precision())
        if options.runtime == "openvino" else None,
        index_batch=options.index_batch,
        embedder=options.embedder if options.end_to_end else None,
        cpu=f"{os.cpu_count()} cpus, {platform.machine()}, torch threads {ours['threads']}",
        bench_process_peak_rss_mb=round(_peak_rss_mb(), 1),
    )
    return report


def _openvino_precision() -> str:
    from .detection import OPENVINO_PRECISION

    return OPENVINO_PRECISION


def _check(options: BenchOptions) -> None:
    if options.runtime not in ("torch", "openvino", "onnx"):
        raise BenchmarkError(f"unknown runtime {options.runtime!r}; use torch, openvino or onnx")
    if options.tile < 32 or options.tile % 32:
        raise BenchmarkError(f"--tile must be a positive multiple of 32, not {options.tile}")
    if min(options.width, options.height) < options.tile:
        raise BenchmarkError(
            f"--size {options.width}x{options.height} is smaller than one {options.tile} px tile"
        )
    if max(options.width, options.height) > 65_500 or options.width * options.height > 2**31:
        raise BenchmarkError(f"--size {options.width}x{options.height} is too large")
    if not 0.05 <= options.scale <= 20:
        raise BenchmarkError(f"--scale must be between 0.05 and 20, not {options.scale:g}")
    if not 0 <= options.conf <= 1:
        raise BenchmarkError(f"conf must be between 0 and 1, not {options.conf}")
    if options.detector_batch < 1 or options.index_batch < 1:
        raise BenchmarkError("batch sizes must be positive")
    if options.openvino_precision not in (None, "f32", "bf16", "f16"):
        raise BenchmarkError(f"unknown OpenVINO precision {options.openvino_precision!r}")
    if options.torch_threads is not None and options.torch_threads < 1:
        raise BenchmarkError("--torch-threads must be positive")
    if not Path(options.weights).expanduser().is_file():
        raise BenchmarkError(f"detector weights not found: {options.weights}")


def _in_child(function: Callable[[dict], dict], job: dict) -> dict:
    """function(job) in a fresh spawned interpreter, whose ru_maxrss is the job's alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_quietly, function, job).result()


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send file descriptor 1 (and sys.stdout) to stderr for a while."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _quietly(function: Callable[[dict], dict], job: dict) -> dict:
    """In a child: its prints go to stderr, so stdout carries the benchmark's JSON alone."""
    sys.stdout.flush()
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return function(job)


def _run_ours(job: dict) -> dict:
    """Our indexer on the pyramid: index_mural with a fresh checkpoint, timed to the merge
    (detection + merge) and to the end (crops embedded, or nothing when end_to_end is off)."""
    import torch

    from .detection import Detector
    from .embedding import load_embedder
    from .pipeline import Checkpoint, IndexConfig, index_mural

    options = BenchOptions(**job["options"])
    if options.openvino_precision:
        from . import detection

        detection.OPENVINO_PRECISION = options.openvino_precision
    detector = _CountingDetector(Detector(**job["detector"]))
    runner_class = LocalRunner if options.end_to_end else _DetectOnlyRunner
    embedder = load_embedder(options.embedder, device="cpu") if options.end_to_end else None
    detector.detect([np.zeros((options.tile, options.tile, 3), np.uint8)])  # warm-up
    if embedder is not None:
        embedder.embed_images([np.zeros((64, 64, 3), np.uint8)])
    if options.torch_threads:  # after the warm-up, where ultralytics sets its own
        torch.set_num_threads(options.torch_threads)
    detector.tiles = 0
    config = IndexConfig(tile_size=options.tile, overlap=OVERLAP, batch_size=options.index_batch)
    marks: dict[str, float] = {}
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "tiles" and done == total:
            marks["detected"] = time.perf_counter()
        if stage == "crops":
            marks.setdefault("merged", time.perf_counter())
        if options.progress:
            if stage not in bars:
                from tqdm import tqdm

                bars[stage] = tqdm(total=total, desc=f"ours {stage}", unit=stage[:-1])
            bars[stage].total = total
            bars[stage].update(done - bars[stage].n)

    embedder_id = embedder.id if embedder is not None else "none"
    with tempfile.TemporaryDirectory(prefix="bench-checkpoint-") as folder:
        checkpoint = Checkpoint(folder, config.fingerprint(detector.version, embedder_id))
        start = time.perf_counter()
        found = index_mural(
            job["pyramid"], runner_class(detector, embedder), config, checkpoint, progress
        )
        end = time.perf_counter()
    for bar in bars.values():
        bar.close()
    merged = marks.get("merged", end)
    return {
        "seconds": merged - start,
        "merge_seconds": merged - marks.get("detected", start),
        "end_to_end_seconds": end - start if options.end_to_end else None,
        "tiles_detected": detector.tiles,
        "boxes": [(f.x, f.y, f.x + f.w, f.y + f.h, f.label, f.score) for f in found],
        "peak_rss_mb": _peak_rss_mb(),
        "threads": torch.get_num_threads(),  # as the tiles ran
    }


def _run_sahi(job: dict) -> dict:
    """SAHI as its users run it: the whole image decoded, then get_sliced_prediction."""
    from .detection import offline_ultralytics

    offline_ultralytics()  # SAHI loads the .pt through ultralytics: offline, never installing
    import sahi
    from sahi import AutoDetectionModel
    from sahi.predict import get_sliced_prediction
    from sahi.utils.cv import read_image

    options = BenchOptions(**job["options"])
    started = time.perf_counter()
    image = read_image(job["image"])
    decode_seconds = time.perf_counter() - started
    model = AutoDetectionModel.from_pretrained(
        model_type="ultralytics",
        model_path=str(Path(options.weights).expanduser().absolute()),
        confidence_threshold=options.conf,
        device="cpu",
        image_size=options.tile,
    )
    model.perform_inference(np.zeros((options.tile, options.tile, 3), np.uint8))  # warm-up
    kind, metric, threshold = SAHI_POSTPROCESS
    start = time.perf_counter()
    result = get_sliced_prediction(
        image,
        model,
        slice_height=options.tile,
        slice_width=options.tile,
        overlap_height_ratio=OVERLAP,
        overlap_width_ratio=OVERLAP,
        perform_standard_pred=False,
        postprocess_type=kind,
        postprocess_match_metric=metric,
        postprocess_match_threshold=threshold,
        force_postprocess_type=True,  # stay GREEDYNMM/IOS even at a low conf
        verbose=0,
        progress_bar=options.progress,
    )
    seconds = time.perf_counter() - start
    boxes = [
        (*p.bbox.to_xyxy(), p.category.name, float(p.score.value))
        for p in result.object_prediction_list
    ]
    slices = len(_sahi_slices(image.shape[1], image.shape[0], options.tile))
    return {
        "seconds": seconds,
        "decode_seconds": decode_seconds,
        "slices": slices,
        "boxes": boxes,
        "peak_rss_mb": _peak_rss_mb(),
        "version": sahi.__version__,
    }


def _sahi_slices(width: int, height: int, tile: int) -> list:
    from sahi.slicing import get_slice_bboxes

    return get_slice_bboxes(height, width, tile, tile, False, OVERLAP, OVERLAP)


class _CountingDetector:
    """A Detector that counts the tiles it is shown (blank tiles never reach it)."""

    def __init__(self, detector: Any):
        self.detector, self.tiles = detector, 0
        self.version, self.names = detector.version, detector.names

    def detect(self, tiles: Sequence[np.ndarray]) -> list:
        self.tiles += len(tiles)
        return self.detector.detect(tiles)


class _DetectOnlyRunner(LocalRunner):
    """LocalRunner whose embedding stage reads no crops: empty vectors, at once."""

    def embed(self, pyramid_path, det_batches, config):
        for dets in det_batches:
            yield np.zeros((len(dets), 0), dtype=np.float32)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _say(options: BenchOptions, message: str) -> None:
    if options.progress:
        print(message, file=sys.stderr, flush=True)


def _tqdm(options: BenchOptions) -> Callable[..., Iterable] | None:
    if not options.progress:
        return None
    from tqdm import tqdm

    return tqdm


@contextlib.contextmanager
def _percent_bar(options: BenchOptions, desc: str) -> Iterator[Callable[[int], None] | None]:
    """A 0-100 tqdm bar fed by build_pyramid's percentage callback; None without progress."""
    if not options.progress:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=100, desc=desc, unit="%") as bar:
        yield lambda percent: bar.update(max(0, min(100, percent) - bar.n))
