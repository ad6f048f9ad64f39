"""The two timed runs, each in a fresh spawned interpreter whose peak RSS is its own: our
indexer on the pyramid, and SAHI's sliced prediction on the decoded image.
"""

from __future__ import annotations

import contextlib
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from ..pipeline import LocalRunner
from .options import OVERLAP, SAHI_POSTPROCESS, BenchOptions


def in_child(function: Callable[[dict], dict], job: dict) -> dict:
    """function(job) in a fresh spawned interpreter, whose ru_maxrss is the job's alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_quietly, function, job).result()


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
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


def run_ours(job: dict) -> dict:
    """Our indexer on the pyramid: index_mural with a fresh checkpoint, timed to the merge
    (detection + merge) and to the end (crops embedded, or nothing when end_to_end is off)."""
    import torch

    from ..pipeline import Checkpoint, IndexConfig, index_mural

    options = BenchOptions(**job["options"])
    detector, embedder = _warm_models(options, job["detector"])
    config = IndexConfig(
        tile_size=options.tile,
        overlap=OVERLAP,
        scale=options.detector_scale,
        batch_size=options.index_batch,
    )
    progress = _StageClock(options.progress)
    runner_class = LocalRunner if options.end_to_end else _DetectOnlyRunner
    embedder_id = embedder.id if embedder is not None else "none"
    with tempfile.TemporaryDirectory(prefix="bench-checkpoint-") as folder:
        checkpoint = Checkpoint(folder, config.fingerprint(detector.version, embedder_id))
        start = time.perf_counter()
        found = index_mural(
            job["pyramid"], runner_class(detector, embedder), config, checkpoint, progress
        )
        end = time.perf_counter()
    progress.close()
    merged = progress.marks.get("merged", end)
    return {
        "seconds": merged - start,
        "merge_seconds": merged - progress.marks.get("detected", start),
        "end_to_end_seconds": end - start if options.end_to_end else None,
        "tiles_detected": detector.tiles,
        "boxes": [(f.x, f.y, f.x + f.w, f.y + f.h, f.label, f.score) for f in found],
        "peak_rss_mb": peak_rss_mb(),
        "threads": torch.get_num_threads(),  # as the tiles ran
    }


def _warm_models(options: BenchOptions, detector_spec: dict) -> tuple[_CountingDetector, Any]:
    """The detector (counting tiles from zero) and the embedder (None without end_to_end),
    each run once so that no load or first-call cost is timed."""
    import torch

    from ..detection import Detector
    from ..embedding import load_embedder

    if options.openvino_precision:
        from .. import detection

        detection.OPENVINO_PRECISION = options.openvino_precision
    detector = _CountingDetector(Detector(**detector_spec))
    embedder = load_embedder(options.embedder, device="cpu") if options.end_to_end else None
    detector.detect([np.zeros((options.tile, options.tile, 3), np.uint8)])
    if embedder is not None:
        embedder.embed_images([np.zeros((64, 64, 3), np.uint8)])
    if options.torch_threads:  # after the warm-up, where ultralytics sets its own
        torch.set_num_threads(options.torch_threads)
    detector.tiles = 0
    return detector, embedder


class _StageClock:
    """index_mural's progress callback: marks when the last tile is detected and when the
    first crop stage begins (the merge is done), and draws tqdm bars if asked."""

    def __init__(self, bars: bool):
        self.marks: dict[str, float] = {}
        self.show = bars
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "tiles" and done == total:
            self.marks["detected"] = time.perf_counter()
        if stage == "crops":
            self.marks.setdefault("merged", time.perf_counter())
        if self.show:
            if stage not in self.bars:
                from tqdm import tqdm

                self.bars[stage] = tqdm(total=total, desc=f"ours {stage}", unit=stage[:-1])
            self.bars[stage].total = total
            self.bars[stage].update(done - self.bars[stage].n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def run_sahi(job: dict) -> dict:
    """SAHI as its users run it: the whole image decoded, then get_sliced_prediction."""
    from ..detection import offline_ultralytics

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
        slice_height=options.window,  # the same windows as ours, resized to image_size
        slice_width=options.window,
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
    return {
        "seconds": seconds,
        "decode_seconds": decode_seconds,
        "slices": len(_sahi_slices(image.shape[1], image.shape[0], options.window)),
        "boxes": boxes,
        "peak_rss_mb": peak_rss_mb(),
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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
