"""Detection scores through pycocotools' COCOeval, the one scorer of the project.

coco_metrics gives the paper's Table 3 numbers (mAP@[.5:.95], mAP@0.5, AR, per category) for
evaluate_detector; count_matches gives the true positives at one IoU that bench_index turns
into recall and precision. Both feed COCOeval the same records, one COCO image per item.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MAX_DETS = 1000  # COCO's default of 100 would truncate a whole mural's answers


@dataclass
class Boxes:
    """Ground truth or detections on one image: (x, y, w, h), labels, and scores for detections."""

    xywh: list[tuple[float, float, float, float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class MatchCount:
    """Detections matched one to one to truths of their class at one IoU (COCO's greedy rule:
    best score first, each to its highest-IoU free truth); a duplicate is a false positive."""

    true_positives: int
    detections: int
    truths: int

    @property
    def recall(self) -> float:
        return self.true_positives / self.truths if self.truths else float(not self.detections)

    @property
    def precision(self) -> float:
        if not self.detections:
            return float(not self.truths)
        return self.true_positives / self.detections


@dataclass
class _Records:
    images: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)


def _records(truth: Sequence[Boxes], found: Sequence[Boxes]) -> _Records:
    """COCO images, ground-truth annotations and detection results (category ids from 1)."""
    if len(truth) != len(found):
        raise ValueError("truth and found must describe the same images")
    out = _Records()
    for image_id, (gt, dt) in enumerate(zip(truth, found, strict=True), start=1):
        out.images.append({"id": image_id})
        for (x, y, w, h), label in zip(gt.xywh, gt.labels, strict=True):
            out.annotations.append(
                {
                    "id": len(out.annotations) + 1,
                    "image_id": image_id,
                    "category_id": int(label) + 1,
                    "bbox": [float(x), float(y), float(w), float(h)],
                    "area": float(w) * float(h),
                    "iscrowd": 0,
                }
            )
        for (x, y, w, h), label, score in zip(dt.xywh, dt.labels, dt.scores, strict=True):
            out.results.append(
                {
                    "image_id": image_id,
                    "category_id": int(label) + 1,
                    "bbox": [float(x), float(y), float(w), float(h)],
                    "score": float(score),
                }
            )
    return out


def _evaluated(records: _Records, names: Sequence[str], **params):
    """COCOeval over the records after evaluate() (its prints silenced); params override
    COCOeval.params (iouThrs, maxDets, areaRng...). Needs annotations and results."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    categories = [{"id": i + 1, "name": name} for i, name in enumerate(names)]
    with contextlib.redirect_stdout(io.StringIO()):
        gt_coco = COCO()
        gt_coco.dataset = {
            "images": records.images,
            "annotations": records.annotations,
            "categories": categories,
        }
        gt_coco.createIndex()
        evaluator = COCOeval(gt_coco, gt_coco.loadRes(records.results), "bbox")
        for name, value in params.items():
            setattr(evaluator.params, name, value)
        evaluator.evaluate()
    return evaluator


def coco_metrics(truth: Sequence[Boxes], found: Sequence[Boxes], names: Sequence[str]) -> dict:
    """{"map50_95", "map50", "ar", "per_category": {name: {"ap50_95", "ap50", "ar"}}}.

    One image per item of truth (with found[i] its detections). Categories without any ground
    truth get null, as pycocotools marks them (-1).
    """
    records = _records(truth, found)
    empty = {"map50_95": 0.0, "map50": 0.0, "ar": 0.0}
    if not records.annotations:
        return {**empty, "per_category": {n: None for n in names}, "images": len(records.images)}
    if not records.results:
        per = {n: {"ap50_95": 0.0, "ap50": 0.0, "ar": 0.0} for n in names}
        return {**empty, "per_category": per, "images": len(records.images)}
    evaluator = _evaluated(records, names, maxDets=[1, 10, MAX_DETS])
    with contextlib.redirect_stdout(io.StringIO()):
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
        "images": len(records.images),
        "truth_boxes": len(records.annotations),
        "detections": len(records.results),
    }


def count_matches(
    truth: Sequence[Boxes], found: Sequence[Boxes], names: Sequence[str], iou: float = 0.5
) -> MatchCount:
    """Every detection matched by COCOeval at one IoU threshold, none cut by maxDets.

    COCOeval's matching loop is Python over detections x truths of a class in an image: a
    whole gigapixel wall (15,000 elements, 7,500 of one class) takes about a minute and 1 GB.
    """
    records = _records(truth, found)
    counted = MatchCount(0, len(records.results), len(records.annotations))
    if not records.annotations or not records.results:
        return counted
    evaluator = _evaluated(
        records,
        names,
        iouThrs=np.array([iou]),
        maxDets=[len(records.results)],
        areaRng=[[0.0, float("inf")]],
        areaRngLbl=["all"],
    )
    matched = sum(
        int((image["dtMatches"][0] > 0).sum()) for image in evaluator.evalImgs if image is not None
    )
    return MatchCount(matched, counted.detections, counted.truths)


def _mean_valid(values: np.ndarray) -> float:
    valid = values[values > -1]
    return round(float(valid.mean()), 4) if valid.size else 0.0
