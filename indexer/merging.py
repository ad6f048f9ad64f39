"""Project tile detections to mural coordinates and merge the duplicates that overlaps create.

Strategies share one signature (detections -> detections): class-aware NMS, SAHI's greedy NMM,
and the default edge-aware merge, which knows which boxes a tile edge cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .boxes import pairwise_overlap


@dataclass(frozen=True)
class Detection:
    """A box in mural pixels (x1, y1, x2, y2; x2/y2 exclusive), with class and confidence."""

    x1: float
    y1: float
    x2: float
    y2: float
    score: float
    label: int
    cut: bool = False  # touches an inner tile edge: probably part of a larger object

    @property
    def area(self) -> float:
        return max(0.0, self.x2 - self.x1) * max(0.0, self.y2 - self.y1)

    def xywh(self) -> tuple[int, int, int, int]:
        """Integer (x, y, w, h) covering the box, as stored on an Element."""
        x, y = int(np.floor(self.x1)), int(np.floor(self.y1))
        return x, y, int(np.ceil(self.x2)) - x, int(np.ceil(self.y2)) - y


MergeStrategy = Callable[[Sequence[Detection]], list[Detection]]


def project_tile_boxes_to_mural(
    boxes: np.ndarray,
    scores: np.ndarray,
    labels: np.ndarray,
    tile_x: int,
    tile_y: int,
    scale: float,
    mural_width: int,
    mural_height: int,
    tile_width: int | None = None,
    tile_height: int | None = None,
    edge_margin: float = 4.0,
) -> list[Detection]:
    """Boxes (N, 4) in tile detector pixels -> Detections in mural pixels, clipped to the mural.

    The tile's origin is (tile_x, tile_y) in mural pixels and it was resized by `scale` before
    detection. Boxes that clip to nothing are dropped. Given the tile's size (mural pixels), a
    box within edge_margin detector pixels of a tile edge that is not the mural's edge is
    marked `cut`.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4) / scale
    cut = np.zeros(len(boxes), dtype=bool)
    if tile_width is not None and tile_height is not None:
        margin = edge_margin / scale
        if tile_x > 0:
            cut |= boxes[:, 0] <= margin
        if tile_y > 0:
            cut |= boxes[:, 1] <= margin
        if tile_x + tile_width < mural_width:
            cut |= boxes[:, 2] >= tile_width - margin
        if tile_y + tile_height < mural_height:
            cut |= boxes[:, 3] >= tile_height - margin
    boxes[:, [0, 2]] += tile_x
    boxes[:, [1, 3]] += tile_y
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, mural_width)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, mural_height)
    out = []
    for (x1, y1, x2, y2), score, label, is_cut in zip(boxes, scores, labels, cut, strict=True):
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            out.append(
                Detection(
                    float(x1),
                    float(y1),
                    float(x2),
                    float(y2),
                    float(score),
                    int(label),
                    bool(is_cut),
                )
            )
    return out


def _as_arrays(dets: Sequence[Detection]) -> tuple[np.ndarray, np.ndarray]:
    boxes = np.array([(d.x1, d.y1, d.x2, d.y2) for d in dets], dtype=np.float64).reshape(-1, 4)
    scores = np.array([d.score for d in dets], dtype=np.float64)
    return boxes, scores


def _by_label(dets: Sequence[Detection]) -> dict[int, list[Detection]]:
    groups: dict[int, list[Detection]] = {}
    for det in dets:
        groups.setdefault(det.label, []).append(det)
    return groups


def nms(dets: Sequence[Detection], iou_threshold: float = 0.5) -> list[Detection]:
    """Class-aware non-maximum suppression (torchvision's batched_nms): of boxes of one class
    overlapping above iou_threshold, only the best scored is kept."""
    if not dets:
        return []
    import torch
    from torchvision.ops import batched_nms

    boxes, scores = _as_arrays(dets)
    labels = torch.tensor([d.label for d in dets], dtype=torch.int64)
    keep = batched_nms(torch.from_numpy(boxes), torch.from_numpy(scores), labels, iou_threshold)
    return sorted((dets[i] for i in keep.tolist()), key=lambda d: -d.score)


def greedy_nmm(
    dets: Sequence[Detection], match_threshold: float = 0.8, metric: str = "ios"
) -> list[Detection]:
    """Greedy non-maximum merging (SAHI's GREEDYNMM), class-aware.

    The best box absorbs every lower-scored box of its class whose overlap with it (by default
    intersection over the smaller box) exceeds match_threshold: the merged box is their union
    and keeps the best score. A box that a tile edge cut in two, or the cut part inside the
    whole, is then one box again; neighbours that merely touch are kept apart.
    """
    merged: list[Detection] = []
    for group in _by_label(dets).values():
        group = sorted(group, key=lambda d: -d.score)
        boxes, _ = _as_arrays(group)
        alive = np.ones(len(group), dtype=bool)
        for i in range(len(group)):
            if not alive[i]:
                continue
            rest = np.nonzero(alive[i + 1 :])[0] + i + 1
            best = group[i]
            if len(rest):
                overlap = pairwise_overlap(boxes[i], boxes[rest], metric)
                matched = rest[overlap > match_threshold]
                alive[matched] = False
                if len(matched):
                    union = np.vstack([boxes[i], boxes[matched]])
                    best = replace(
                        best,
                        x1=float(union[:, 0].min()),
                        y1=float(union[:, 1].min()),
                        x2=float(union[:, 2].max()),
                        y2=float(union[:, 3].max()),
                    )
            merged.append(best)
    return sorted(merged, key=lambda d: -d.score)


def _grown(box: np.ndarray, is_cut: bool, fraction: float = 0.05, minimum: float = 4.0):
    """A whole box grown a little, so that the slivers a tile edge cut off its borders (whose
    edges the detector places a few pixels apart from the whole box's) count as inside it."""
    if is_cut:
        return box
    pad = np.maximum([box[2] - box[0], box[3] - box[1]], 0) * fraction
    pad = np.maximum(pad, minimum)
    return np.array([box[0] - pad[0], box[1] - pad[1], box[2] + pad[0], box[3] + pad[1]])


class _ByX:
    """Boxes sorted by x1, to find the ones that may overlap a query box without scanning all.

    A box can only intersect the query if its x1 lies in [query.x1 - widest, query.x2].
    """

    def __init__(self, boxes: np.ndarray):
        self.order = np.argsort(boxes[:, 0], kind="stable")
        self.x1 = boxes[self.order, 0]
        self.widest = float((boxes[:, 2] - boxes[:, 0]).max()) if len(boxes) else 0.0
        self.boxes = boxes

    def near(self, box: np.ndarray, alive: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self.x1, box[0] - self.widest, side="left")
        hi = np.searchsorted(self.x1, box[2], side="right")
        cand = self.order[lo:hi]
        cand = cand[alive[cand]]
        ys = self.boxes[cand]
        return np.sort(cand[(ys[:, 1] <= box[3]) & (ys[:, 3] >= box[1])])


def merge_tile_duplicates(
    dets: Sequence[Detection], iou_threshold: float = 0.5, ios_threshold: float = 0.6
) -> list[Detection]:
    """The indexer's default merge, class-aware and aware of tile edges.

    Whole boxes (not cut by a tile edge) are taken first, best score first: a whole box absorbs
    the whole boxes overlapping it above iou_threshold (duplicates from overlapping tiles) and
    the cut boxes it covers above ios_threshold (intersection over the smaller box, measured
    against the whole box grown by 5%), and keeps its own extent. Cut boxes that no whole box
    explains are pieces of an object no tile saw whole: they are unioned with every piece they
    overlap above ios_threshold, until stable.
    Distinct neighbours that merely touch or overlap a little stay apart.
    """
    merged: list[Detection] = []
    for group in _by_label(dets).values():
        group = sorted(group, key=lambda d: (d.cut, -d.score))
        boxes, _ = _as_arrays(group)
        cut = np.array([d.cut for d in group], dtype=bool)
        alive = np.ones(len(group), dtype=bool)
        by_x = _ByX(boxes)
        for i in range(len(group)):
            if not alive[i]:
                continue
            alive[i] = False
            box, best, score = boxes[i].copy(), group[i], group[i].score
            while True:
                # only boxes touching the (grown) box can reach either threshold
                rest = by_x.near(_grown(box, best.cut), alive)
                if not len(rest):
                    break
                iou = pairwise_overlap(box, boxes[rest], "iou")
                ios = pairwise_overlap(_grown(box, best.cut), boxes[rest], "ios")
                both_whole = ~cut[rest] & (not best.cut)
                matched = rest[np.where(both_whole, iou > iou_threshold, ios > ios_threshold)]
                if not len(matched):
                    break
                alive[matched] = False
                score = max(score, max(group[j].score for j in matched))
                if best.cut:  # pieces: grow to their union and look again
                    box = np.concatenate(
                        [
                            np.minimum(box[:2], boxes[matched, :2].min(axis=0)),
                            np.maximum(box[2:], boxes[matched, 2:].max(axis=0)),
                        ]
                    )
                else:
                    break
            merged.append(
                replace(
                    best,
                    x1=float(box[0]),
                    y1=float(box[1]),
                    x2=float(box[2]),
                    y2=float(box[3]),
                    score=score,
                )
            )
    return sorted(merged, key=lambda d: -d.score)


STRATEGIES: dict[str, MergeStrategy] = {
    "nms": nms,
    "greedy_nmm": greedy_nmm,
    "edge_aware": merge_tile_duplicates,
}
