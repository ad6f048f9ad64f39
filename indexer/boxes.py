"""Box overlap written once: intersection, IoU, and intersection over the smaller box (IoS).

Two shapes: (x, y, w, h) tuples in plain Python floats, for the synthetic generator (no torch,
and exactly the same arithmetic for a seed), and one (x1, y1, x2, y2) numpy box against many,
for merging tile detections. IoU matrices and NMS come from torchvision.ops, which has no IoS.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

XYWH = Sequence[float]  # x, y, w, h


def intersection(a: XYWH, b: XYWH) -> float:
    """The area two (x, y, w, h) boxes share (0 when apart)."""
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0.0, ix) * max(0.0, iy)


def iou(a: XYWH, b: XYWH) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    inter = intersection(a, b)
    if inter <= 0:
        return 0.0
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def ios(a: XYWH, b: XYWH) -> float:
    """Intersection over the smaller box (0 when apart, 1 when one holds the other)."""
    inter = intersection(a, b)
    if inter <= 0:
        return 0.0
    return inter / max(1e-9, min(a[2] * a[3], b[2] * b[3]))


def pairwise_overlap(box: np.ndarray, others: np.ndarray, metric: str = "iou") -> np.ndarray:
    """IoU ("iou") or IoS ("ios") of one (x1, y1, x2, y2) box against each row of `others`."""
    ix1 = np.maximum(box[0], others[:, 0])
    iy1 = np.maximum(box[1], others[:, 1])
    ix2 = np.minimum(box[2], others[:, 2])
    iy2 = np.minimum(box[3], others[:, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    if metric == "iou":
        denominator = area + areas - inter
    elif metric == "ios":
        denominator = np.minimum(area, areas)
    else:
        raise ValueError(f"unknown overlap metric {metric!r}")
    return np.where(denominator > 0, inter / np.maximum(denominator, 1e-12), 0.0)
