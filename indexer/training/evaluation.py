"""Detector evaluation in the paper's Table 3 terms: COCO mAP@[.5:.95], mAP@0.5 and average
recall, overall and per category, computed by pycocotools (coco.py).

Two levels: on tiles (what the detector sees), and on whole murals through the indexer's own
path (tiling, projection, merging), which shows the merge errors that tile numbers hide.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ..imagery import Pyramid
from ..pipeline import Checkpoint, IndexConfig, LocalRunner, batches, detect_mural, read_tiles
from ..tiling import tile_mural
from .coco import Boxes, coco_metrics
from .datasets import Geometry, LabelledMural, tile_labels
from .thresholds import operating_points

Progress = Callable[..., Iterable]


def evaluate_tiles(
    detector,
    murals: Sequence[LabelledMural],
    geometry: Geometry,
    names: Sequence[str],
    batch_size: int = 8,
    progress: Progress | None = None,
) -> dict:
    """The detector on every tile of the murals, cut as the data set and the indexer cut them."""
    truth, found = [], []
    work = []
    for mural in murals:
        pyramid = Pyramid(mural.pyramid)
        tiles = tile_mural(
            pyramid.width, pyramid.height, geometry.tile_size, geometry.overlap, geometry.scale
        )
        work.extend((mural, pyramid, group) for group in batches(tiles, batch_size))
    items: Iterable = work
    if progress is not None:
        items = progress(work, desc="val tiles", unit="batch", total=len(work))
    for mural, pyramid, group in items:
        arrays = read_tiles(pyramid, group, geometry.scale)
        for tile, array, boxes in zip(group, arrays, detector.detect(arrays), strict=True):
            truth.append(_tile_truth(mural, tile, array.shape, geometry.min_visible))
            found.append(
                Boxes(
                    [(x1, y1, x2 - x1, y2 - y1) for x1, y1, x2, y2 in boxes.boxes],
                    [int(label) for label in boxes.labels],
                    [float(score) for score in boxes.scores],
                )
            )
    return coco_metrics(truth, found, names)


def _tile_truth(mural: LabelledMural, tile, shape: tuple, min_visible: float) -> Boxes:
    """The mural's boxes visible enough in the tile, in the tile's (detector) pixels."""
    height, width = shape[:2]
    truth = Boxes()
    for label, cx, cy, w, h in tile_labels(mural.boxes, tile, min_visible):
        truth.xywh.append(((cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height))
        truth.labels.append(label)
    return truth


def evaluate_murals(
    detector,
    murals: Sequence[LabelledMural],
    config: IndexConfig,
    names: Sequence[str],
    progress: Progress | None = None,
    stored_thresholds: dict | None = None,
) -> dict:
    """The detector on whole murals through the indexer's tiling, projection and merging.

    Also, under "operating", per class precision and recall at every confidence, the operating
    threshold the rule picks (thresholds.py), and the numbers at `stored_thresholds`."""
    truth, found = [], []
    items: Iterable = murals
    if progress is not None:
        items = progress(murals, desc="val murals", unit="mural", total=len(murals))
    runner = LocalRunner(detector, None)
    for mural in items:
        with tempfile.TemporaryDirectory(prefix="evaluate-") as tmp:
            checkpoint = Checkpoint(Path(tmp), {"evaluate": mural.key})
            merged = detect_mural(mural.pyramid, runner, config, checkpoint)
        gt = Boxes(
            xywh=[(b.x, b.y, b.w, b.h) for b in mural.boxes],
            labels=[b.label for b in mural.boxes],
        )
        dt = Boxes()
        for det in merged:
            dt.xywh.append(det.xywh())  # the integer box the element row stores
            dt.labels.append(int(det.label))
            dt.scores.append(float(det.score))
        truth.append(gt)
        found.append(dt)
    metrics = coco_metrics(truth, found, names)
    metrics["operating"] = operating_points(truth, found, names, stored=stored_thresholds)
    return metrics
