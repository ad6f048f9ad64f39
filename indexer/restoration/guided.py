"""Search-guided inpainting, the Django-free half: intact copies of the same motif (found by
the caller, with FAISS or by labels) are aligned to the damaged crop by scale and translation
on edge maps (phase correlation, then OpenCV ECC), colour-matched, and their median fills the
lost pixels; seams are blended (Poisson, cv2.seamlessClone). Poor alignment falls back to pconv.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from .errors import RestorationError

MAX_RESIDUAL = 18.0  # RMS grey levels on the kept pixels; above it a candidate is not used
SCALES: tuple[float, ...] = (0.9, 0.95, 1.0, 1.05, 1.1)
BLENDS: tuple[str, ...] = ("seamless", "none")
MIN_OVERLAP = 0.5  # a candidate must cover at least half of the kept pixels once aligned
SEARCH = 0.12  # shifts searched, as a fraction of the crop's shorter side


@dataclass
class Alignment:
    """One candidate aligned to the damaged crop: warp (2x3, inverse map), residual, colour."""

    index: int
    id: Any
    scale: float
    shift: tuple[float, float]
    residual: float
    overlap: float
    image: np.ndarray = field(repr=False)  # aligned and colour-matched, float32 RGB
    covered: np.ndarray = field(repr=False)  # bool (H, W)

    def summary(self) -> dict:
        return {
            "candidate": self.id,
            "scale": round(self.scale, 4),
            "shift": [round(self.shift[0], 2), round(self.shift[1], 2)],
            "residual": round(self.residual, 2),
            "overlap": round(self.overlap, 3),
        }


@dataclass
class GuidedResult:
    image: np.ndarray
    alignments: list[Alignment]
    used: list[Alignment]
    fallback: str | None = None  # why pconv restored instead, if it did
    blend: str = "seamless"
    filled_by_model: int = 0  # lost pixels that no aligned candidate covered
    model: dict | None = None

    def details(self) -> dict:
        return {
            "sources": [a.id for a in self.used],
            "alignments": [a.summary() for a in self.alignments],
            "fallback": self.fallback,
            "blend": self.blend,
            "filled_by_model": self.filled_by_model,
            **({"model": self.model} if self.model else {}),
        }


def edge_map(image: np.ndarray) -> np.ndarray:
    """Smoothed gradient magnitude of the lightness, float32: what the alignment compares."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)
    grey = cv2.GaussianBlur(grey, (0, 0), 1.5)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.GaussianBlur(cv2.magnitude(gx, gy), (0, 0), 1.0)


def _scale_warp(scale: float, shift: tuple[float, float], size: tuple[int, int]) -> np.ndarray:
    """Inverse map x_candidate = scale * (x - c) + c + shift, as a 2x3 float32 matrix."""
    h, w = size
    cx, cy = (w - 1) / 2, (h - 1) / 2
    return np.array(
        [[scale, 0, cx - scale * cx + shift[0]], [0, scale, cy - scale * cy + shift[1]]],
        np.float32,
    )


def _warp(image: np.ndarray, warp: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(image, warp, (size[1], size[0]), flags=flags,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _ncc(a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> float:
    wsum = weight.sum()
    if wsum < 1:
        return -1.0
    ma, mb = (a * weight).sum() / wsum, (b * weight).sum() / wsum
    da, db = (a - ma) * weight, (b - mb) * weight
    denom = np.sqrt((da * da).sum() * (db * db).sum())
    return float((da * db).sum() / denom) if denom > 0 else -1.0


def _coarse(target_edges, cand_edges, valid, size) -> tuple[float, tuple[float, float]]:
    """The best (scale, shift) over SCALES, each shift from an exhaustive masked correlation
    (cv2.matchTemplate with the kept pixels as its mask) within SEARCH of the crop's side."""
    h, w = size
    reach = max(4, int(round(SEARCH * min(h, w))))
    weight = valid.astype(np.float32)
    wsum = max(1.0, float(weight.sum()))
    template = target_edges - float((target_edges * weight).sum() / wsum)
    best, best_score = (1.0, (0.0, 0.0)), -2.0
    for scale in SCALES:
        scaled = _warp(cand_edges, _scale_warp(scale, (0, 0), size), size)
        scaled = scaled - float(scaled.mean())
        padded = cv2.copyMakeBorder(scaled, reach, reach, reach, reach, cv2.BORDER_CONSTANT, 0)
        scores = cv2.matchTemplate(padded, template, cv2.TM_CCORR_NORMED, mask=weight)
        scores = np.nan_to_num(scores, nan=-1.0, posinf=-1.0, neginf=-1.0)
        _, top, _, (px, py) = cv2.minMaxLoc(scores)
        if top > best_score:
            best, best_score = (scale, (float(px - reach), float(py - reach))), top
    return best


def _refine(target_edges, cand_edges, valid, warp) -> np.ndarray:
    """ECC (affine, masked to the kept pixels) from the coarse warp, projected back to scale
    and translation; kept only where it correlates better than the coarse warp."""
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-4)
    try:
        _, refined = cv2.findTransformECC(
            target_edges, cand_edges, warp.copy(), cv2.MOTION_AFFINE, criteria,
            (valid > 0).astype(np.uint8), 5,
        )
    except cv2.error:
        return warp
    a = refined[:, :2]
    scale = float((a[0, 0] + a[1, 1]) / 2)
    if not 0.8 <= scale <= 1.25:
        return warp
    h, w = target_edges.shape
    centre = np.array([(w - 1) / 2, (h - 1) / 2], np.float32)
    mapped = a @ centre + refined[:, 2]
    shift = mapped - centre  # where the centre maps, with the scale kept pure
    projected = _scale_warp(scale, (float(shift[0]), float(shift[1])), (h, w))
    ones = np.ones((h, w), np.float32)

    def fit(m):
        covered = _warp(ones, m, (h, w)) > 0.99
        return _ncc(target_edges, _warp(cand_edges, m, (h, w)), valid * covered)

    return projected if fit(projected) >= fit(warp) else warp


def _colour_match(source: np.ndarray, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per-band gain and offset (least squares on the kept pixels) taking source to target."""
    out = np.empty_like(source)
    sel = weight > 0
    for band in range(3):
        s, t = source[..., band][sel], target[..., band][sel]
        if s.size < 16 or s.std() < 1e-3:
            gain, offset = 1.0, float(t.mean() - s.mean()) if s.size else 0.0
        else:
            gain = float(np.clip(np.cov(s, t)[0, 1] / s.var(), 0.5, 2.0))
            offset = float(t.mean() - gain * s.mean())
        out[..., band] = source[..., band] * gain + offset
    return out


def align_candidate(
    image: np.ndarray, valid: np.ndarray, candidate: np.ndarray, index: int = 0, ident=None
) -> Alignment:
    """Align one candidate crop (any size: first resized to the crop) by scale + translation."""
    h, w = image.shape[:2]
    cand = check_candidate(candidate, index)
    if cand.shape[:2] != (h, w):
        cand = cv2.resize(cand, (w, h), interpolation=cv2.INTER_AREA)
    # edges of a Telea-filled crop: the blanked holes would add edges of their own
    smooth = cv2.inpaint(image, np.where(valid, 0, 255).astype(np.uint8), 3, cv2.INPAINT_TELEA)
    target_edges, cand_edges = edge_map(smooth), edge_map(cand)
    inner = cv2.erode(valid.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(np.float32)
    scale, shift = _coarse(target_edges, cand_edges, inner, (h, w))
    warp = _refine(target_edges, cand_edges, inner, _scale_warp(scale, shift, (h, w)))
    aligned = _warp(cand.astype(np.float32), warp, (h, w))
    covered = _warp(np.ones((h, w), np.float32), warp, (h, w)) > 0.99
    weight = (valid > 0) & covered
    overlap = float(weight.sum()) / max(1.0, float((valid > 0).sum()))
    matched = _colour_match(aligned, image.astype(np.float32), weight)
    if weight.any():
        diff = (matched - image.astype(np.float32))[weight]
        residual = float(np.sqrt(np.mean(diff.mean(axis=1) ** 2)))
    else:
        residual = float("inf")
    s = float(warp[0, 0])
    centre = np.array([(w - 1) / 2, (h - 1) / 2])
    shift_out = (float(warp[0, 2] - centre[0] + s * centre[0]),
                 float(warp[1, 2] - centre[1] + s * centre[1]))
    return Alignment(index, index if ident is None else ident, s, shift_out, residual, overlap,
                     matched, covered)


def check_candidate(candidate: Any, index: int) -> np.ndarray:
    array = np.asarray(candidate)
    shape_ok = array.ndim == 3 and array.shape[2] == 3 and min(array.shape[:2]) >= 8
    if not shape_ok or array.dtype != np.uint8:
        raise RestorationError(
            f"candidate {index} must be an RGB uint8 image of at least 8x8, not {array.shape}"
        )
    return np.ascontiguousarray(array)


def _candidates(candidates: Sequence) -> list[tuple[Any, np.ndarray]]:
    out = []
    for i, c in enumerate(candidates):
        if isinstance(c, tuple) and len(c) == 2:
            out.append((c[0], check_candidate(c[1], i)))
        else:
            out.append((i, check_candidate(c, i)))
    return out


def seamless_blend(source: np.ndarray, filled: np.ndarray, lost: np.ndarray) -> np.ndarray:
    """Poisson-blend (cv2.seamlessClone, NORMAL_CLONE) the source's gradients into the lost
    pixels, with the kept pixels around each hole as the boundary. `filled` is the image with
    its holes already filled from the source; both are reflect-padded so that holes touching
    the border are placed exactly and meet no blank padding. Kept pixels are unchanged."""
    pad = 16
    region = cv2.dilate(lost, np.ones((7, 7), np.uint8))  # seamlessClone erodes it by 1 px
    src = cv2.copyMakeBorder(source, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    dst = cv2.copyMakeBorder(filled, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    m = cv2.copyMakeBorder(region, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    x, y, w, h = cv2.boundingRect(m)
    centre = (x + w // 2, y + h // 2)
    try:
        out = cv2.seamlessClone(src, dst, m, centre, cv2.NORMAL_CLONE)
    except cv2.error:
        return filled
    out = out[pad:-pad, pad:-pad]
    return np.where(lost[..., None] > 0, out, filled)


def guided_fill(
    image: np.ndarray,
    lost: np.ndarray,
    candidates: Sequence = (),
    max_residual: float = MAX_RESIDUAL,
    blend: str = "seamless",
    model: str | None = None,
    max_candidates: int = 8,
) -> GuidedResult:
    """Fill `lost` (0/255) from the aligned median of the candidates; pconv where none covers a
    lost pixel, and for the whole crop when no candidate aligns within max_residual."""
    from .methods import pconv as pconv_method

    if blend not in BLENDS:
        raise RestorationError(f"unknown blend {blend!r}: use {' or '.join(BLENDS)}")
    cands = _candidates(candidates)[: max(1, int(max_candidates))]
    valid = lost == 0
    alignments = [align_candidate(image, valid, c, i, ident) for i, (ident, c) in
                  enumerate(cands)]
    used = [a for a in alignments if a.residual <= max_residual and a.overlap >= MIN_OVERLAP]
    if not used:
        best = min((a.residual for a in alignments), default=None)
        reason = (
            "no candidates were given" if best is None else
            f"no candidate aligned within a residual of {max_residual:g} (best {best:.1f})"
        )
        out, details = pconv_method(image, lost, model=model)
        return GuidedResult(out, alignments, [], f"pconv: {reason}", blend, int(lost.astype(
            bool).sum()), details.get("model"))
    stack = np.stack([np.where(a.covered[..., None], a.image, np.nan) for a in used])
    with warnings.catch_warnings():  # pixels no candidate covers are all-NaN: expected
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(stack, axis=0) if len(used) > 1 else stack[0]
    gaps = np.isnan(median).any(axis=2)
    uncovered = gaps & (lost > 0)
    source = np.where(gaps[..., None], 0, np.clip(median, 0, 255)).astype(np.uint8)
    fill = np.where(lost[..., None] > 0, source, image)
    model_info = None
    if uncovered.any():
        hole = np.where(uncovered, 255, 0).astype(np.uint8)
        fill, details = pconv_method(fill, hole, model=model)
        model_info = details.get("model")
    if blend == "seamless":
        fill = seamless_blend(np.where(gaps[..., None], fill, source), fill, lost)
    return GuidedResult(fill, alignments, used, None, blend, int(uncovered.sum()), model_info)
