"""The inscription category: light cartouches (榜题) with a border, sometimes a canopy and
lotus base, holding columns of brush-written glyph-like characters.
"""

from __future__ import annotations

import numpy as np

from .canvas import Canvas, pointed_ellipse
from .palette import CINNABAR, INK, PINK, Colour, mix, palette_for, pick, vary

_STROKES = (
    ((0.15, 0.25), (0.85, 0.22)),
    ((0.12, 0.5), (0.88, 0.48)),
    ((0.15, 0.8), (0.85, 0.8)),
    ((0.5, 0.08), (0.5, 0.92)),
    ((0.3, 0.2), (0.3, 0.85)),
    ((0.7, 0.2), (0.7, 0.85)),
    ((0.55, 0.35), (0.12, 0.9)),
    ((0.45, 0.4), (0.9, 0.9)),
    ((0.45, 0.05), (0.55, 0.18)),
    ((0.2, 0.3), (0.8, 0.3), (0.8, 0.75), (0.2, 0.75)),
)


def _glyph(canvas: Canvas, rng, x: float, y: float, g: float, ink: Colour) -> None:
    """A brush-written character: a few strokes from a small repertoire."""
    width = max(1.0, g * rng.uniform(0.07, 0.12))
    for k in rng.choice(len(_STROKES), int(rng.integers(3, 7)), replace=False):
        pts = np.asarray(_STROKES[k], np.float64) + rng.uniform(-0.06, 0.06, (len(_STROKES[k]), 2))
        canvas.stroke(pts * g + (x, y), ink, width, closed=len(pts) == 4 and rng.random() < 0.7)


def draw_cartouche(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A light inscription panel with a border and columns of glyphs (榜题).

    size is the long side; params aspect (long/short, >= 1) and vertical choose the shape.
    """
    pal = palette_for(params["period"])
    aspect = params.get("aspect", 3.0)
    vertical = params.get("vertical", True)
    long_side, short = size, max(8.0, size / aspect)
    w, h = (short, long_side) if vertical else (long_side, short)
    cap = params.get("cap", False) and vertical
    capped = short * 0.35 if cap else 0.0
    canvas = Canvas(int(w + short * 0.3) + 6, int(h + 2 * capped) + 6)
    x0, y0 = (canvas.width - w) / 2, 3 + capped
    ground = params.get("ground") or pick(rng, pal.cartouches, 8)
    border = params.get("border") or pick(rng, (CINNABAR, INK, pal.accents[0], (150, 60, 40)), 8)
    lw = max(1.0, short / 28)
    rect = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]
    if cap:
        cx = x0 + w / 2
        canvas.shape(
            [(cx - w * 0.65, y0), (cx, y0 - capped), (cx + w * 0.65, y0)],
            vary(rng, pal.accents[1], 8),
            INK,
            lw,
        )
        for k in (-1, 0, 1):
            petal = pointed_ellipse(
                (cx + k * w * 0.35, y0 + h + capped * 0.2), (w * 0.22, capped * 0.8), -0.5
            )
            canvas.shape(petal, vary(rng, PINK, 10), CINNABAR, lw)
    canvas.shape(rect, ground, border, lw * rng.uniform(1.0, 2.2))
    if rng.random() < 0.5:
        inset = lw * 3
        canvas.stroke(
            [
                (x0 + inset, y0 + inset),
                (x0 + w - inset, y0 + inset),
                (x0 + w - inset, y0 + h - inset),
                (x0 + inset, y0 + h - inset),
            ],
            border,
            max(1.0, lw * 0.6),
            closed=True,
        )
    cols = params.get("columns") or max(1, min(6, int(round(w / max(6.0, h / 9)))))
    g = min(w / (cols * 1.35), h / 3)
    if g >= 4:
        ink = mix(INK, ground, float(rng.uniform(0.0, 0.45)))
        gap = (w - cols * g) / (cols + 1)
        rows = int((h - g * 0.6) // (g * 1.12))
        for c in range(cols):
            gx = x0 + w - (c + 1) * (gap + g)  # Chinese columns run right to left
            used = rows if rng.random() < 0.5 else int(rng.integers(max(1, rows // 3), rows + 1))
            for r in range(used):
                if rng.random() < 0.1:  # flaked-off character
                    continue
                _glyph(canvas, rng, gx, y0 + g * 0.4 + r * g * 1.12, g, ink)
    canvas.mottle(rng, 0.1)
    canvas.fade(float(rng.uniform(0.85, 1.0)))
    return canvas.finish()
