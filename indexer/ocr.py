"""Reading inscriptions (榜题) with RapidOCR's Chinese PP-OCR models, shipped in its wheel.

An element's crop is read from the mural pyramid at a bounded size; nothing is downloaded.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .imagery import Pyramid

# The longest side a crop is read at: PP-OCR's detector works at about 736 px on the short
# side and caps the long side at 2000, so more pixels only cost time.
MAX_READ_SIDE = 1600
# Context around the box, as a fraction of its size: the text detector needs a margin.
CONTEXT_MARGIN = 0.06
# A column of text is taller than this times its width (Chinese inscriptions run vertically).
VERTICAL_ASPECT = 1.5


@dataclass(frozen=True)
class TextLine:
    """One line or column of text found in a crop; box is (x0, y0, x1, y1) in crop pixels."""

    text: str
    score: float
    box: tuple[float, float, float, float]

    @property
    def orientation(self) -> str:
        """vertical (a column), horizontal (a row), or square (one character, undecided)."""
        x0, y0, x1, y1 = self.box
        if (y1 - y0) > VERTICAL_ASPECT * (x1 - x0):
            return "vertical"
        if (x1 - x0) > VERTICAL_ASPECT * (y1 - y0) and len(self.text) > 1:
            return "horizontal"
        return "square"


@dataclass(frozen=True)
class Reading:
    """What was read in one crop: the lines in reading order, joined by newlines, and the
    mean line confidence (0.0 when no text was found)."""

    text: str
    confidence: float
    lines: tuple[TextLine, ...] = ()


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """Overlap of two intervals over the shorter one (0..1)."""
    shorter = max(min(a1 - a0, b1 - b0), 1e-6)
    return max(0.0, min(a1, b1) - max(a0, b0)) / shorter


def _group(lines: list[TextLine], axis: int) -> list[list[TextLine]]:
    """Group lines whose extents along `axis` (0: x, 1: y) overlap by half or more."""
    groups: list[list[TextLine]] = []
    spans: list[tuple[float, float]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[axis] + ln.box[axis + 2]) / 2):
        lo, hi = line.box[axis], line.box[axis + 2]
        for k, (g_lo, g_hi) in enumerate(spans):
            if _overlap(lo, hi, g_lo, g_hi) >= 0.5:
                groups[k].append(line)
                spans[k] = (min(g_lo, lo), max(g_hi, hi))
                break
        else:
            groups.append([line])
            spans.append((lo, hi))
    return groups


def _join(pieces: Iterable[str]) -> str:
    """Join pieces of one line: no space between CJK characters, one between Latin words."""
    out = ""
    for piece in pieces:
        if out and out[-1].isascii() and out[-1].isalnum() and piece[:1].isascii():
            out += " "
        out += piece
    return out


def reading_order(lines: list[TextLine]) -> list[str]:
    """The text of `lines` in the order a reader takes it.

    Vertical text is read in columns from right to left, each top to bottom, as Dunhuang
    inscriptions are written; horizontal text in rows from top to bottom, each left to right.
    The lines' shapes decide; where all are single characters, their arrangement does (stacked
    characters form columns). Returns one string per column or row.
    """
    if not lines:
        return []
    votes = [line.orientation for line in lines]
    columns = _group(lines, axis=0)
    if votes.count("vertical") != votes.count("horizontal"):
        vertical = votes.count("vertical") > votes.count("horizontal")
    else:
        vertical = len(columns) <= len(_group(lines, axis=1))
    if vertical:
        columns.sort(key=lambda col: -max(line.box[2] for line in col))
        return [_join(ln.text for ln in sorted(col, key=lambda ln: ln.box[1])) for col in columns]
    rows = _group(lines, axis=1)
    rows.sort(key=lambda row: min(line.box[1] for line in row))
    return [_join(ln.text for ln in sorted(row, key=lambda ln: ln.box[0])) for row in rows]


class InscriptionReader:
    """RapidOCR (PP-OCRv4 Chinese detection and recognition, ONNX Runtime on CPU).

    The engine is built on first use; `threads` caps ONNX Runtime's threads (None: all cores).
    Lines below `min_score` are dropped, as RapidOCR does by default.
    """

    def __init__(self, threads: int | None = None, min_score: float = 0.5):
        self.threads = threads
        self.min_score = min_score
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from rapidocr_onnxruntime import RapidOCR

            n = self.threads if self.threads else -1
            self._engine = RapidOCR(
                text_score=self.min_score, intra_op_num_threads=n, inter_op_num_threads=1
            )
        return self._engine

    def read_array(self, rgb: np.ndarray) -> Reading:
        """Read an (h, w, 3) uint8 RGB array."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an (h, w, 3) uint8 RGB array, not {rgb.shape} {rgb.dtype}")
        bgr = np.ascontiguousarray(rgb[..., ::-1])  # RapidOCR takes arrays in OpenCV's BGR
        result, _elapsed = self.engine(bgr)
        lines = []
        for quad, text, score in result or []:
            text = str(text).strip()
            if not text:
                continue
            xs, ys = [p[0] for p in quad], [p[1] for p in quad]
            lines.append(TextLine(text, float(score), (min(xs), min(ys), max(xs), max(ys))))
        if not lines:
            return Reading("", 0.0, ())
        text = "\n".join(reading_order(lines))
        confidence = float(np.mean([line.score for line in lines]))
        return Reading(text, round(confidence, 4), tuple(lines))

    def read_box(self, pyramid: Pyramid, x: int, y: int, w: int, h: int) -> Reading:
        """Read the box (x, y, w, h) of a mural, in full-resolution mural pixels, with a small
        margin of context, at most MAX_READ_SIDE px on its long side (from a coarser pyramid
        level where the box is large)."""
        x0, y0, x1, y1 = crop_with_margin(x, y, w, h, pyramid.width, pyramid.height)
        cw, ch = x1 - x0, y1 - y0
        scale = min(1.0, MAX_READ_SIDE / max(cw, ch))
        out_w, out_h = max(1, round(cw * scale)), max(1, round(ch * scale))
        return self.read_array(pyramid.read_region(x0, y0, cw, ch, out_w, out_h).numpy())


def crop_with_margin(
    x: int, y: int, w: int, h: int, width: int, height: int, margin: float = CONTEXT_MARGIN
) -> tuple[int, int, int, int]:
    """The box grown by `margin` of its size on each side (at least 4 px), clipped to the
    image; returns (x0, y0, x1, y1)."""
    mx = max(4, math.ceil(w * margin))
    my = max(4, math.ceil(h * margin))
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(width, x + w + mx), min(height, y + h + my)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"box {x},{y},{w},{h} lies outside the {width}x{height} image")
    return x0, y0, x1, y1


def read_inscriptions(
    pyramid_path: str | os.PathLike,
    boxes: list[tuple[int, int, int, int]],
    reader: InscriptionReader,
    on_read: Callable[[int, Reading], None] | None = None,
) -> list[Reading]:
    """Read each (x, y, w, h) box of one mural; `on_read(index, reading)` after each."""
    pyramid = Pyramid(pyramid_path)
    readings = []
    for index, (x, y, w, h) in enumerate(boxes):
        reading = reader.read_box(pyramid, x, y, w, h)
        readings.append(reading)
        if on_read is not None:
            on_read(index, reading)
    return readings
