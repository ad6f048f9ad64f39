"""Unlabelled clutter: clouds, falling flowers, trees, mountains, animals, lotuses, mats,
and the repeating border bands (valances, scrolls, pearls, rhombi) between registers.
"""

from __future__ import annotations

import math

import numpy as np

from .canvas import Canvas, Frame, ellipse_points, spline
from .palette import BLACK, CINNABAR, INK, PINK, WHITE, mix, palette_for, pick, vary

_GREENS = ((82, 146, 118), (52, 102, 82), (112, 150, 100), (70, 120, 90))


def _box(kx: float, ky: float, pad: int):
    return lambda size, params, seed=0: (int(size * kx) + pad, int(size * ky) + pad)


def _mountains_extent(size: float, params: dict, seed: int = 0) -> tuple[int, int]:
    return int(size * (0.5 * params["peaks"] + 0.5)) + 6, int(size) + 6


def _mat_extent(size: float, params: dict, seed: int = 0) -> tuple[int, int]:
    return int(size) + 6, int(size * params.get("depth", 0.12)) + 6


def _band_extent(size: float, params: dict, seed: int = 0) -> tuple[int, int]:
    h, w = max(8, int(round(size))), int(params["repeat"])
    return (h, w) if params.get("vertical") else (w, h)


# canvas (width, height) of each motif, known without drawing it (for the renderer's index)
EXTENTS = {
    "cloud": _box(1.6, 0.9, 6),
    "flowers": _box(1.0, 1.0, 6),
    "tree": _box(0.8, 1.0, 6),
    "mountains": _mountains_extent,
    "animal": _box(1.4, 1.0, 6),
    "lotus": _box(1.0, 1.0, 6),
    "mat": _mat_extent,
    "band": _band_extent,
}


def draw_cloud(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A ruyi cloud: a cluster of curls with a trailing tail."""
    pal = palette_for(params["period"])
    canvas = Canvas(*EXTENTS["cloud"](size, params))
    f = Frame(size, (canvas.width * 0.62, canvas.height * 0.5))
    colour = pick(rng, (WHITE, (180, 200, 210), (200, 220, 190), PINK) + pal.accents[:2], 10)
    lw = max(1.0, size / 60)
    tail = spline([(0, 0.1), (-0.35, 0.15), (-0.6, 0.05), (-0.85, 0.12)], 8)
    canvas.band(f(tail), np.linspace(0.25, 0.03, len(tail)) * size, colour, INK, lw)
    for _ in range(int(rng.integers(3, 6))):
        c = (rng.uniform(-0.15, 0.2), rng.uniform(-0.12, 0.12))
        r = rng.uniform(0.12, 0.22)
        canvas.ellipse(f([c])[0], (f.length(r), f.length(r * 0.85)), colour, INK, lw)
        turns = np.linspace(0, 3 * math.pi, 20)
        spiral = (
            np.stack([np.cos(turns), np.sin(turns)], 1) * (r * 0.7 * turns / turns[-1])[:, None]
        )
        canvas.stroke(f(spiral + c), mix(colour, INK, 0.5), lw * 0.8)
    return canvas.finish(flip=rng.random() < 0.5)


def draw_flowers(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """Flowers scattered from the sky (散花) over a square patch."""
    pal = palette_for(params["period"])
    canvas = Canvas(*EXTENTS["flowers"](size, params))
    for _ in range(int(rng.integers(4, 12))):
        cx, cy = rng.uniform(0.1, 0.9, 2) * size + 3
        r = rng.uniform(0.025, 0.06) * size
        petals = int(rng.integers(4, 7))
        colour = pick(rng, pal.accents + (PINK, WHITE), 10)
        rot = rng.uniform(0, 2 * math.pi)
        for k in range(petals):
            a = rot + 2 * math.pi * k / petals
            canvas.ellipse(
                (cx + r * math.cos(a), cy + r * math.sin(a)),
                (r * 0.7, r * 0.45),
                colour,
                INK,
                1,
                angle=math.degrees(a),
            )
        canvas.ellipse((cx, cy), (r * 0.4, r * 0.4), pick(rng, (CINNABAR, (200, 160, 60)), 8))
        if rng.random() < 0.5:
            canvas.stroke([(cx, cy + r), (cx - r * 0.8, cy + r * 2.5)], _GREENS[0], max(1, r / 5))
    return canvas.finish()


def draw_tree(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A stylised tree: a forked trunk and a crown of leaves."""
    canvas = Canvas(*EXTENTS["tree"](size, params))
    f = Frame(size, (canvas.width / 2, 3))
    lw = max(1.0, size / 80)
    bark = vary(rng, (110, 76, 50), 10)
    canvas.band(f([(0, 1.0), (0.02, 0.7), (-0.02, 0.45)]), f.length(0.06), bark, INK, lw)
    for side in (-1, 1):
        canvas.band(
            f([(0, 0.65), (side * 0.15, 0.45), (side * 0.2, 0.35)]), f.length(0.03), bark, INK, lw
        )
    green = pick(rng, _GREENS, 12)
    for _ in range(int(rng.integers(14, 26))):
        c = (rng.normal(0, 0.14), rng.normal(0.28, 0.1))
        canvas.ellipse(
            f([c])[0],
            (f.length(0.07), f.length(0.045)),
            mix(green, WHITE, float(rng.uniform(0, 0.25))),
            INK,
            lw * 0.8,
            angle=float(rng.uniform(0, 180)),
        )
    return canvas.finish()


def draw_mountains(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A row of banded peaks, the landscape of hunting scenes; size is the height."""
    pal = palette_for(params["period"])
    n = int(params["peaks"])
    canvas = Canvas(*_mountains_extent(size, params))
    lw = max(1.0, size / 70)
    for k in range(n):
        cx = size * (0.5 + 0.5 * k) + rng.uniform(-0.1, 0.1) * size
        top = rng.uniform(0.05, 0.45) * size + 3
        half = rng.uniform(0.3, 0.5) * size
        base = size + 3
        bands = (
            pick(rng, _GREENS, 10),
            pick(rng, (pal.accents[1], (60, 90, 150)), 10),
            pick(rng, (pal.walls[0], (200, 170, 110)), 10),
        )
        for i, colour in enumerate(bands):
            s = 1 - 0.3 * i
            peak = [
                (cx - half * s, base),
                (cx - half * 0.3 * s, top + (base - top) * 0.25 * i),
                (cx, top + (base - top) * 0.3 * i),
                (cx + half * 0.35 * s, top + (base - top) * 0.2 * i + 4),
                (cx + half * s, base),
            ]
            canvas.shape(spline(peak, 6), colour, INK, lw)
    return canvas.finish()


def draw_animal(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A deer, boar or tiger running from the hunters; size is the body length."""
    kind = params.get("kind") or str(rng.choice(["deer", "boar", "tiger"]))
    canvas = Canvas(*EXTENTS["animal"](size, params))
    f = Frame(size, (canvas.width / 2, canvas.height * 0.45))
    lw = max(1.0, size / 80)
    coat = {"deer": (176, 118, 70), "boar": (70, 56, 48), "tiger": (204, 140, 60)}[kind]
    coat = vary(rng, coat, 10)
    thick = 0.05 if kind == "deer" else 0.07
    for leg in (
        [(0.2, 0.05), (0.38, 0.18), (0.5, 0.25)],
        [(0.15, 0.05), (0.3, 0.2), (0.42, 0.28)],
        [(-0.2, 0.05), (-0.38, 0.18), (-0.52, 0.2)],
        [(-0.25, 0.05), (-0.4, 0.14), (-0.58, 0.12)],
    ):
        canvas.band(f(spline(leg, 5)), f.length(thick), coat, INK, lw)
    body_h = 0.12 if kind == "deer" else 0.16
    canvas.ellipse(f([(0, 0)])[0], (f.length(0.32), f.length(body_h)), coat, INK, lw)
    if kind == "tiger":
        for x in np.linspace(-0.22, 0.22, 6):
            canvas.stroke(f([(x, -0.14), (x + 0.03, 0.0)]), BLACK, lw * 1.5)
        canvas.band(
            f(spline([(-0.3, -0.02), (-0.5, -0.1), (-0.6, -0.3)], 6)), f.length(0.04), coat, INK, lw
        )
    head = (0.38, -0.12) if kind != "boar" else (0.38, 0.0)
    canvas.band(f([(0.22, -0.05), head]), f.length(0.12), coat, INK, lw)
    canvas.ellipse(f([head])[0], (f.length(0.1), f.length(0.06)), coat, INK, lw, angle=20)
    if kind == "deer":
        for side in (-1, 1):
            canvas.stroke(
                f(spline([(0.36, -0.16), (0.33 + side * 0.04, -0.3), (0.3, -0.42)], 5)),
                (120, 80, 50),
                lw * 1.5,
            )
    elif kind == "boar":
        canvas.stroke(f([(0.45, 0.02), (0.5, -0.04)]), WHITE, lw * 1.5)
    return canvas.finish(flip=params.get("facing", 1) < 0)


def draw_lotus(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A lotus seen from above, rings of pointed petals round a seed pod; size is the diameter."""
    pal = palette_for(params["period"])
    canvas = Canvas(*EXTENTS["lotus"](size, params))
    c = (canvas.width / 2, canvas.height / 2)
    lw = max(1.0, size / 90)
    for ring, (r, colour) in enumerate(
        (
            (0.48, pick(rng, pal.accents, 8)),
            (0.36, pick(rng, (PINK, WHITE), 8)),
            (0.24, pick(rng, pal.accents, 8)),
        )
    ):
        n = 8 + 4 * (ring == 0)
        for k in range(n):
            a = 2 * math.pi * (k + 0.5 * ring) / n
            pts = ellipse_points((0, 0), (r * size * 0.5, r * size * 0.2))
            pts[:, 0] += r * size * 0.5
            rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
            canvas.shape(pts @ rot.T + c, colour, INK, lw)
    canvas.ellipse(c, (size * 0.1, size * 0.1), (200, 160, 60), INK, lw)
    return canvas.finish()


def draw_mat(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A patterned mat or carpet under seated musicians; size is the length."""
    pal = palette_for(params["period"])
    w, h = size, size * params.get("depth", 0.12)
    canvas = Canvas(*_mat_extent(size, params))
    base, edge = pick(rng, pal.accents, 8), pick(rng, pal.robes, 8)
    rect = np.array([(3, 3), (w + 3, 3), (w + 3, h + 3), (3, h + 3)], np.float64)
    canvas.shape(rect, edge, INK, 1)
    inner = rect + np.array([(1, 1), (-1, 1), (-1, -1), (1, -1)]) * h * 0.2
    canvas.shape(inner, base, INK, 1)
    for x in np.arange(h * 0.5, w, h * 0.8):
        canvas.ellipse((x + 3, h / 2 + 3), (h * 0.15, h * 0.15), edge)
    return canvas.finish()


def draw_band(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """One repeat of a border band of thickness `size`; the renderer tiles it along the band.

    Drawn three repeats wide and cut from the middle, so the repeats join seamlessly.
    """
    pal = palette_for(params["period"])
    style = params["style"]
    h = max(8, int(round(size)))
    period = int(params["repeat"])
    canvas = Canvas(period * 3, h)
    ground = params.get("ground") or pick(rng, pal.panels, 6)
    a, b = pick(rng, pal.accents, 8), pick(rng, pal.accents, 8)
    lw = max(1.0, h / 40)
    canvas.shape([(0, 0), (period * 3, 0), (period * 3, h), (0, h)], ground)
    for edge in (lw, h - lw - 1):
        canvas.stroke([(0, edge), (period * 3, edge)], INK, lw)
    draw_repeat = _BAND_REPEATS.get(style, _stripes_repeat)
    for rep in range(3):
        draw_repeat(canvas, rep * period, period, h, (a, b), lw, style)
    unit = canvas.finish()[:, period : 2 * period]
    return np.ascontiguousarray(np.rot90(unit)) if params.get("vertical") else unit


def _valance_repeat(canvas: Canvas, x0: float, period: int, h: int, colours, lw, style) -> None:
    """The valance under a ceiling: a strip and two hanging triangles with a fold each."""
    a, b = colours
    canvas.shape([(x0, 0), (x0 + period, 0), (x0 + period, h * 0.3), (x0, h * 0.3)], a, INK, lw)
    for k, colour in enumerate((b, a)):
        left = x0 + k * period / 2
        tri = [(left, h * 0.3), (left + period / 2, h * 0.3), (left + period / 4, h * 0.92)]
        canvas.shape(tri, colour, INK, lw)
        canvas.stroke(
            [(left + period / 4, h * 0.3), (left + period / 4, h * 0.8)],
            mix(colour, INK, 0.4),
            lw,
        )


def _scroll_repeat(canvas: Canvas, x0: float, period: int, h: int, colours, lw, style) -> None:
    """A wavy green stem with a leaf (scroll) or a lotus flower in each half-wave."""
    a, b = colours
    xs = np.linspace(x0, x0 + period, 24)
    ys = h / 2 + np.sin((xs - x0) / period * 2 * math.pi) * h * 0.25
    canvas.stroke(np.stack([xs, ys], 1), _GREENS[1], lw * 1.5)
    for k, sign in ((0.25, -1), (0.75, 1)):
        cx, cy = x0 + k * period, h / 2 - sign * h * 0.25
        if style == "lotus":
            canvas.ellipse((cx, cy), (h * 0.22, h * 0.16), PINK, CINNABAR, lw)
            canvas.ellipse((cx, cy - sign * h * 0.05), (h * 0.1, h * 0.1), WHITE, INK, lw)
            continue
        leaf = spline(
            [
                (cx - period * 0.2, h / 2),
                (cx, cy + sign * h * 0.15),
                (cx + period * 0.1, cy - sign * h * 0.05),
                (cx, cy - sign * 0.02),
            ],
            6,
        )
        canvas.band(
            leaf, np.linspace(h * 0.18, h * 0.03, len(leaf)), a if sign < 0 else b, INK, lw
        )


def _pearls_repeat(canvas: Canvas, x0: float, period: int, h: int, colours, lw, style) -> None:
    n = max(1, int(round(period / (h * 0.7))))
    for k in range(n):
        cx = x0 + (k + 0.5) * period / n
        canvas.ellipse((cx, h / 2), (h * 0.28, h * 0.28), WHITE, INK, lw)
        canvas.ellipse((cx, h / 2), (h * 0.1, h * 0.1), colours[0])


def _rhombus_repeat(canvas: Canvas, x0: float, period: int, h: int, colours, lw, style) -> None:
    for k, colour in enumerate(colours):
        left = x0 + k * period / 2
        canvas.shape(
            [
                (left, h / 2),
                (left + period / 4, h * 0.12),
                (left + period / 2, h / 2),
                (left + period / 4, h * 0.88),
            ],
            colour,
            INK,
            lw,
        )


def _stripes_repeat(canvas: Canvas, x0: float, period: int, h: int, colours, lw, style) -> None:
    a, b = colours
    for k, colour in enumerate((a, b, a)):
        y = h * (0.2 + 0.25 * k)
        canvas.shape(
            [(x0, y), (x0 + period, y), (x0 + period, y + h * 0.15), (x0, y + h * 0.15)],
            colour,
        )


_BAND_REPEATS = {
    "valance": _valance_repeat,
    "scroll": _scroll_repeat,
    "lotus": _scroll_repeat,
    "pearls": _pearls_repeat,
    "rhombus": _rhombus_repeat,
}
