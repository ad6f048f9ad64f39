"""Figure styles that change with the period, as the art-historical accounts date figures.

Palettes date a wall (indexer.synthetic.palette); the figures date it too: the plain mandorlas
of the earliest caves, the flame-rayed ones and pearl-ringed halos of the Tang, the striped
robes of Western Wei and Northern Zhou donors, the large roundels of High Tang silks. Styles
belong to an era of two or three neighbouring periods, and no era is uniform: a figure wears
its era's style with probability FAVOURED, else any style (workshops copied older models).

Every choice here is drawn from a random stream of the figure's own (`style_stream`), so the
draws of the figure's main generator, and with them its silhouette and box, do not change.
"""

from __future__ import annotations

import numpy as np

from .canvas import Canvas, Frame
from .palette import CREAM, INK, WHITE, Colour, Palette, distinct, mix

FAVOURED = 0.7

ERAS: dict[str, int] = {
    "northern-liang": 0,
    "northern-wei": 0,
    "western-wei": 1,
    "northern-zhou": 1,
    "sui": 2,
    "early-tang": 2,
    "high-tang": 3,
    "middle-tang": 3,
    "late-tang": 4,
    "five-dynasties": 4,
    "song": 5,
    "uyghur": 5,
    "western-xia": 6,
    "yuan": 6,
}

# each era's seated-Buddha details: (mandorla, halo, robe, mudra), see buddha.BuddhaDetails
BUDDHA_STYLES: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0),  # plain mandorla and halo, meditation
    (1, 2, 1, 0),  # an inner band, a rayed halo, a diagonal sash
    (1, 1, 2, 3),  # a ringed halo, hanging folds, teaching
    (2, 3, 2, 3),  # a rayed mandorla, a ring of pearls
    (2, 1, 1, 2),  # rays, a ring, earth-touching
    (0, 3, 0, 1),  # pearls, fear-not
    (1, 2, 0, 2),
)
BUDDHA_CHOICES = (3, 4, 3, 4)  # how many mandorlas, halos, robes and mudras there are


def style_stream(rng: np.random.Generator) -> np.random.Generator:
    """A stream of its own for a figure's styled details, seeded from its generator's state
    without drawing from it."""
    return np.random.Generator(rng.bit_generator.jumped())


def styled(rng: np.random.Generator, own: int, choices: int) -> int:
    """The era's own variant with probability FAVOURED, else any of `choices` (two draws
    whatever the outcome, so later draws do not depend on it)."""
    keep, other = rng.random(), int(rng.integers(choices))
    return own if keep < FAVOURED else other


def buddha_style(rng: np.random.Generator, period: str) -> tuple[int, ...]:
    own = BUDDHA_STYLES[ERAS[period]]
    return tuple(styled(rng, o, n) for o, n in zip(own, BUDDHA_CHOICES, strict=True))


def _era_pattern(rng: np.random.Generator, period: str, patterns: tuple, pal: Palette, ground):
    """One of `patterns`, mostly the era's, and an accent that stands out from `ground`."""
    pattern = patterns[styled(rng, ERAS[period], len(patterns))]
    return pattern, distinct(rng, (*pal.accents, WHITE, CREAM), ground)


# donors' robe textiles ---------------------------------------------------------------------
# All lie in the robe's body (motif units x 0.04-0.27, y 0.45-0.94, inside both donor bodies),
# so they never change the figure's silhouette.

X0, X1, Y0, Y1 = 0.04, 0.27, 0.45, 0.94


def _hem_bands(canvas: Canvas, f: Frame, rng, colour: Colour, lw: float) -> None:
    for y in (0.84, 0.9):
        canvas.stroke(f([(X0, y), (X1, y)]), colour, lw * 2.5)


def _stripes(canvas: Canvas, f: Frame, rng, colour: Colour, lw: float) -> None:
    for x in np.linspace(X0 + 0.03, X1 - 0.03, 4):
        canvas.stroke(f([(x, Y0), (x + 0.01, Y1)]), colour, lw * 1.6)


def _dot_grid(canvas: Canvas, f: Frame, rng, colour: Colour, lw: float) -> None:
    for y in np.linspace(Y0 + 0.04, Y1 - 0.04, 6):
        for x in np.linspace(X0 + 0.03, X1 - 0.03, 4):
            canvas.ellipse(f([(x, y)])[0], (f.length(0.011), f.length(0.011)), colour)


def _roundels(canvas: Canvas, f: Frame, rng, colour: Colour, lw: float) -> None:
    for x, y in ((0.1, 0.54), (0.2, 0.7), (0.1, 0.86)):
        centre = f([(x, y)])[0]
        canvas.ellipse(centre, (f.length(0.05), f.length(0.05)), colour, INK, lw * 0.7)
        canvas.ellipse(centre, (f.length(0.02), f.length(0.02)), mix(colour, INK, 0.5))


def _lattice(canvas: Canvas, f: Frame, rng, colour: Colour, lw: float) -> None:
    rise = (X1 - X0) * 0.8
    for y in np.linspace(Y0, Y1 - rise, 4):
        canvas.stroke(f([(X0, y), (X1, y + rise)]), colour, lw)
        canvas.stroke(f([(X0, y + rise), (X1, y)]), colour, lw)


def _chevrons(canvas: Canvas, f: Frame, rng, colour: Colour, lw: float) -> None:
    xs = np.linspace(X0, X1, 7)
    for y in np.linspace(Y0 + 0.05, Y1 - 0.06, 5):
        zig = [(x, y + (0.04 if i % 2 else 0.0)) for i, x in enumerate(xs)]
        canvas.stroke(f(zig), colour, lw * 1.3)


def _scattered_dots(canvas: Canvas, f: Frame, rng, colour: Colour, lw: float) -> None:
    for _ in range(40):
        p = f([(rng.uniform(X0, X1), rng.uniform(Y0, Y1))])[0]
        canvas.ellipse(p, (f.length(0.006), f.length(0.006)), colour)


TEXTILES = (_hem_bands, _stripes, _dot_grid, _roundels, _lattice, _chevrons, _scattered_dots)


def donor_textile(
    canvas: Canvas, f: Frame, rng: np.random.Generator, period: str, pal: Palette, robe, lw
) -> None:
    """The robe's textile in the style of the donor's era (rng: the figure's style stream)."""
    pattern, colour = _era_pattern(rng, period, TEXTILES, pal, robe)
    pattern(canvas, f, rng, colour, lw)


# apsaras' skirts ----------------------------------------------------------------------------
# Drawn along the skirt's centreline (path, with its unit normals), within half its width,
# so inside its band.


def _skirt_plain(canvas, f, path, normals, half, colour, lw) -> None:
    return None


def _skirt_cross_bands(canvas, f, path, normals, half, colour, lw) -> None:
    for i in range(1, len(path) - 1, 2):
        ends = [path[i] - normals[i] * half[i] * 0.8, path[i] + normals[i] * half[i] * 0.8]
        canvas.stroke(f(ends), colour, lw * 1.5)


def _skirt_dots(canvas, f, path, normals, half, colour, lw) -> None:
    for i in range(len(path)):
        for side in (-0.45, 0.45):
            p = f([path[i] + normals[i] * half[i] * side])[0]
            canvas.ellipse(p, (f.length(0.012), f.length(0.012)), colour)


def _skirt_roundels(canvas, f, path, normals, half, colour, lw) -> None:
    for i in range(1, len(path) - 1, 3):
        r = f.length(float(half[i]) * 0.55)
        canvas.ellipse(f([path[i]])[0], (r, r), colour, INK, lw * 0.6)


def _skirt_centre_stripe(canvas, f, path, normals, half, colour, lw) -> None:
    canvas.stroke(f(path), colour, max(1.0, f.length(float(np.min(half)) * 0.5)))


def _skirt_zigzag(canvas, f, path, normals, half, colour, lw) -> None:
    signs = np.where(np.arange(len(path)) % 2, 0.6, -0.6)
    zig = path + normals * (half * signs)[:, None]
    canvas.stroke(f(zig), colour, lw * 1.3)


def _skirt_edges(canvas, f, path, normals, half, colour, lw) -> None:
    for side in (-0.7, 0.7):
        canvas.stroke(f(path + normals * half[:, None] * side), colour, lw * 1.4)


SKIRTS = (
    _skirt_plain,
    _skirt_edges,
    _skirt_cross_bands,
    _skirt_roundels,
    _skirt_dots,
    _skirt_zigzag,
    _skirt_centre_stripe,
)


def _normals(path: np.ndarray) -> np.ndarray:
    tangents = np.gradient(path, axis=0)
    normals = np.stack([-tangents[:, 1], tangents[:, 0]], axis=1)
    return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-9)


def apsara_skirt(
    canvas: Canvas, f: Frame, rng: np.random.Generator, period: str, pal: Palette, skirt, legs,
    widths, lw,
) -> None:  # fmt: skip
    """The skirt's pattern in the style of the apsara's era (rng: the figure's style stream);
    legs is the skirt's centreline and widths its full widths, in motif units."""
    pattern, colour = _era_pattern(rng, period, SKIRTS, pal, skirt)
    path = np.asarray(legs, float)
    pattern(canvas, f, path, _normals(path), np.asarray(widths, float) / 2, colour, lw)
