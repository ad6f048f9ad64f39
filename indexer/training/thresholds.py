"""Per-class operating thresholds: precision and recall of a detector's answers at every
confidence, matched to the truth by pycocotools (COCO's greedy rule at one IoU), and the
threshold each class is shown at.

COCO matches detections best score first, so the matches of the detections at or above a
confidence do not depend on the ones below it: one matching of all answers gives precision and
recall at every confidence exactly.

The rule (issue 16): the lowest confidence at which precision is at least `target` (0.9) with
95% confidence (the Wilson lower bound of the answers above it), so recall is as high as that
precision allows on murals the threshold has not seen. The point estimate alone puts the cut
where precision only just reaches the target, and half the time new murals fall below it.
Where too few answers can show it with that confidence, the lowest confidence whose observed
precision reaches the target; where none does, the confidence of the best F1. Each pick says
which rule made it. Classes without ground truth or without answers get no threshold (None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .coco import Boxes, _evaluated, _records

PRECISION_TARGET = 0.9
MATCH_IOU = 0.5
CURVE_STEP = 0.05  # the confidences the reported curve is read at
CONFIDENCE_Z = 1.6448536  # one-sided 95%: the normal quantile of the Wilson lower bound


@dataclass(frozen=True)
class ClassAnswers:
    """One class's detections, best first, with whether each matched a truth, and the truths."""

    scores: np.ndarray
    matched: np.ndarray
    truths: int

    def at(self, threshold: float) -> dict:
        """Precision, recall and counts of the detections scoring at least `threshold`."""
        kept = self.scores >= threshold
        found = int(kept.sum())
        hits = int(self.matched[kept].sum())
        precision = hits / found if found else 1.0
        recall = hits / self.truths if self.truths else 0.0
        return {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(_f1(precision, recall), 4),
            "detections": found,
            "true_positives": hits,
        }


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def class_answers(
    truth: Sequence[Boxes], found: Sequence[Boxes], names: Sequence[str], iou: float = MATCH_IOU
) -> dict[str, ClassAnswers]:
    """Every detection of every class matched by COCOeval at `iou`, none cut by maxDets."""
    records = _records(truth, found)
    per: dict[str, tuple[list, list, int]] = {name: ([], [], 0) for name in names}
    if records.annotations:
        for ann in records.annotations:
            name = names[ann["category_id"] - 1]
            scores, matched, count = per[name]
            per[name] = (scores, matched, count + 1)
    if records.annotations and records.results:
        evaluator = _evaluated(
            records,
            names,
            iouThrs=np.array([iou]),
            maxDets=[len(records.results)],
            areaRng=[[0.0, float("inf")]],
            areaRngLbl=["all"],
        )
        for image in evaluator.evalImgs:
            if image is None:
                continue
            scores, matched, _ = per[names[image["category_id"] - 1]]
            scores.extend(image["dtScores"])
            matched.extend(bool(m > 0) for m in image["dtMatches"][0])
    elif records.results:  # answers without any truth: all false positives
        for result in records.results:
            scores, matched, _ = per[names[result["category_id"] - 1]]
            scores.append(result["score"])
            matched.append(False)
    out = {}
    for name, (scores, matched, count) in per.items():
        order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
        out[name] = ClassAnswers(
            np.asarray(scores, dtype=np.float64)[order], np.asarray(matched, bool)[order], count
        )
    return out


def pick_threshold(answers: ClassAnswers, target: float = PRECISION_TARGET) -> dict:
    """{"threshold", "precision", "recall", "f1", "rule"} for one class (see the module doc).

    The threshold is a detection's own score, rounded down to 6 decimals (as element rows store
    scores), so `score >= threshold` keeps exactly the detections it was measured on.
    """
    if not answers.truths or not answers.scores.size:
        rule = "no ground truth" if not answers.truths else "no detections"
        return {"threshold": None, "precision": None, "recall": None, "f1": None, "rule": rule}
    hits = np.cumsum(answers.matched)
    count = np.arange(1, answers.scores.size + 1)
    precision, recall = hits / count, hits / answers.truths
    # a cut can only fall after the last detection of a score (ties go together)
    last = np.r_[answers.scores[1:] != answers.scores[:-1], True]
    candidates = np.flatnonzero(last)
    sure = candidates[wilson_lower(hits, count)[candidates] >= target]
    reaching = candidates[precision[candidates] >= target]
    if sure.size:
        cut = int(sure[-1])
        rule = f"lowest confidence with precision >= {target} at 95% confidence"
    elif reaching.size:
        cut = int(reaching[-1])
        rule = f"lowest confidence with precision >= {target} (too few answers for 95% confidence)"
    else:
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        best = candidates[f1[candidates] == f1[candidates].max()]
        cut, rule = int(best[0]), f"best F1 (precision {target} not reached)"
    threshold = math.floor(float(answers.scores[cut]) * 1e6) / 1e6
    return {"threshold": threshold, **_point(answers, threshold), "rule": rule}


def wilson_lower(hits: np.ndarray, count: np.ndarray, z: float = CONFIDENCE_Z) -> np.ndarray:
    """The Wilson score interval's lower bound of hits/count (one-sided, z)."""
    n = count.astype(np.float64)
    p = hits / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def _point(answers: ClassAnswers, threshold: float) -> dict:
    point = answers.at(threshold)
    return {key: point[key] for key in ("precision", "recall", "f1")}


def curve(answers: ClassAnswers, step: float = CURVE_STEP) -> list[dict]:
    """Precision and recall at confidences 0, step, 2*step, ... below 1."""
    levels = np.round(np.arange(0.0, 1.0, step), 4)
    return [{"confidence": float(c), **answers.at(float(c))} for c in levels]


def operating_points(
    truth: Sequence[Boxes],
    found: Sequence[Boxes],
    names: Sequence[str],
    target: float = PRECISION_TARGET,
    stored: dict | None = None,
) -> dict:
    """Per class: the curve, the threshold picked by the rule, and (given `stored`, thresholds
    {class: {"threshold"...}} chosen elsewhere) precision and recall at the stored ones."""
    answers = class_answers(truth, found, names)
    out: dict = {"iou": MATCH_IOU, "precision_target": target, "per_category": {}}
    for name, rows in answers.items():
        entry = {
            "truths": rows.truths,
            "picked": pick_threshold(rows, target),
            "curve": curve(rows),
        }
        given = (stored or {}).get(name) or {}
        if given.get("threshold") is not None:
            entry["at_stored"] = {"threshold": given["threshold"], **rows.at(given["threshold"])}
        out["per_category"][name] = entry
    return out


def thresholds_of(points: dict) -> dict[str, dict]:
    """{class: {"threshold", "precision", "recall", "rule"}}: what DetectorModel.thresholds and
    the card store."""
    return {
        name: {key: entry["picked"][key] for key in ("threshold", "precision", "recall", "rule")}
        for name, entry in points["per_category"].items()
    }
