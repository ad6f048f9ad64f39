"""Detector evaluation in the paper's Table 3 terms: COCO mAP@[.5:.95], mAP@0.5 and average
recall, overall and per category, computed by pycocotools.

Two levels: on tiles (what the detector sees), and on whole murals through the indexer's own
path (tiling, projection, merging), which shows the merge errors that tile numbers hide.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .datasets import Geometry, LabelledMural, tile_labels
from .imagery import Pyramid
from .pipeline import Checkpoint, IndexConfig, LocalRunner, batches, detect_mural, read_tiles
from .tiling import tile_mural

Progress = Callable[..., Iterable]
MAX_DETS = 1000  # COCO's default of 100 would truncate a whole mural's answers


@dataclass
class Boxes:
    """Ground truth or detections on one image: (x, y, w, h), labels, and scores for detections."""

    xywh: list[tuple[float, float, float, float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


def coco_metrics(
    truth: Sequence[Boxes], found: Sequence[Boxes], names: Sequence[str]
) -> dict:
    """{"map50_95", "map50", "ar", "per_category": {name: {"ap50_95", "ap50", "ar"}}}.

    One image per item of truth (with found[i] its detections). Categories without any ground
    truth get null, as pycocotools marks them (-1).
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if len(truth) != len(found):
        raise ValueError("truth and found must describe the same images")
    images, annotations, results = [], [], []
    for image_id, (gt, dt) in enumerate(zip(truth, found, strict=True), start=1):
        images.append({"id": image_id})
        for (x, y, w, h), label in zip(gt.xywh, gt.labels, strict=True):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": int(label) + 1,
                    "bbox": [float(x), float(y), float(w), float(h)],
                    "area": float(w) * float(h),
                    "iscrowd": 0,
                }
            )
        for (x, y, w, h), label, score in zip(dt.xywh, dt.labels, dt.scores, strict=True):
            results.append(
                {
                    "image_id": image_id,
                    "category_id": int(label) + 1,
                    "bbox": [float(x), float(y), float(w), float(h)],
                    "score": float(score),
                }
            )
    categories = [{"id": i + 1, "name": name} for i, name in enumerate(names)]
    empty = {"map50_95": 0.0, "map50": 0.0, "ar": 0.0}
    if not annotations:
        return {**empty, "per_category": {n: None for n in names}, "images": len(images)}
    with contextlib.redirect_stdout(io.StringIO()):
        gt_coco = COCO()
        gt_coco.dataset = {"images": images, "annotations": annotations, "categories": categories}
        gt_coco.createIndex()
        if not results:
            per = {n: {"ap50_95": 0.0, "ap50": 0.0, "ar": 0.0} for n in names}
            return {**empty, "per_category": per, "images": len(images)}
        dt_coco = gt_coco.loadRes(results)
        evaluator = COCOeval(gt_coco, dt_coco, "bbox")
        evaluator.params.maxDets = [1, 10, MAX_DETS]
        evaluator.evaluate()
        evaluator.accumulate()
    precision = evaluator.eval["precision"]  # [iou, recall, category, area, maxdets]
    recall = evaluator.eval["recall"]  # [iou, category, area, maxdets]
    per_category = {}
    for k, name in enumerate(names):
        p_all, p_50, r = precision[:, :, k, 0, -1], precision[0, :, k, 0, -1], recall[:, k, 0, -1]
        if (r > -1).sum() == 0:
            per_category[name] = None
            continue
        per_category[name] = {
            "ap50_95": _mean_valid(p_all),
            "ap50": _mean_valid(p_50),
            "ar": _mean_valid(r),
        }
    # COCOeval.summarize's stats are read at 100 detections an image; ours are at MAX_DETS
    # (the last maxDets), averaged over valid entries as summarize does
    return {
        "map50_95": _mean_valid(precision[:, :, :, 0, -1]),
        "map50": _mean_valid(precision[0, :, :, 0, -1]),
        "ar": _mean_valid(recall[:, :, 0, -1]),
        "per_category": per_category,
        "images": len(images),
        "truth_boxes": len(annotations),
        "detections": len(results),
    }


def _mean_valid(values: np.ndarray) -> float:
    valid = values[values > -1]
    return round(float(valid.mean()), 4) if valid.size else 0.0


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
            height, width = array.shape[:2]
            gt = Boxes()
            for label, cx, cy, w, h in tile_labels(mural.boxes, tile, geometry.min_visible):
                gt.xywh.append(((cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height))
                gt.labels.append(label)
            dt = Boxes()
            for (x1, y1, x2, y2), score, label in zip(
                boxes.boxes, boxes.scores, boxes.labels, strict=True
            ):
                dt.xywh.append((x1, y1, x2 - x1, y2 - y1))
                dt.labels.append(int(label))
                dt.scores.append(float(score))
            truth.append(gt)
            found.append(dt)
    return coco_metrics(truth, found, names)


def evaluate_murals(
    detector,
    murals: Sequence[LabelledMural],
    config: IndexConfig,
    names: Sequence[str],
    progress: Progress | None = None,
) -> dict:
    """The detector on whole murals through the indexer's tiling, projection and merging."""
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
    return coco_metrics(truth, found, names)
