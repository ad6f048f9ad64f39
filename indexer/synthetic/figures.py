"""Figure motifs of the Buddhist categories: seated Buddhas, donors and flying apsaras.

Each draws one instance on its own canvas from a seeded generator and returns the RGBA patch.
"""

from __future__ import annotations

import math

import numpy as np

from .buddha import BuddhaDetails
from .canvas import Canvas, Frame, ellipse_points, line_width, pointed_ellipse, spline
from .palette import (
    BLACK,
    CINNABAR,
    CREAM,
    INK,
    PINK,
    WHITE,
    Colour,
    mix,
    palette_for,
    pick,
    vary,
)
from .styles import apsara_skirt, donor_textile, style_stream


def draw_seated_buddha(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """One small Buddha of a thousand-Buddha grid: lotus seat, robe, halo and mandorla."""
    pal = palette_for(params["period"])
    scheme: tuple[Colour, ...] = params[
        "scheme"
    ]  # mandorla, mandorla inner, halo, halo inner, robe
    skin = params.get("skin") or pick(rng, pal.skins, 6)
    canvas = Canvas(int(size * 0.92) + 6, int(size * 1.08) + 6)
    f = Frame(size, (canvas.width / 2, 3 + size * 0.06))
    ink, lw = INK, line_width(size, 70)
    # the template's drawn details come from a stream of their own, so every draw of `rng`
    # (and with it the silhouette, hence the box) is what it was before they existed
    detail = BuddhaDetails.drawn(style_stream(rng), params["period"])
    if rng.random() < 0.25:  # canopy over the halo
        canopy = [(-0.22, 0.02), (0.22, 0.02), (0.28, 0.07), (-0.28, 0.07)]
        canvas.shape(f(canopy), vary(rng, scheme[2], 8), ink, lw)
        for x in np.linspace(-0.24, 0.24, 5):
            canvas.stroke(f([(x, 0.07), (x, 0.11)]), scheme[4], lw)
    canvas.shape(f(pointed_ellipse((0, 0.56), (0.36, 0.4), 0.35)), scheme[0], ink, lw)
    if rng.random() < 0.8:
        canvas.shape(f(pointed_ellipse((0, 0.58), (0.29, 0.33), 0.3)), scheme[1], ink, lw)
    for k in range(int(rng.integers(0, 9))):  # flame rays of the mandorla
        a = math.radians(200 + k * 17.5)
        canvas.stroke(
            f(
                [
                    (0.3 * math.cos(a), 0.56 + 0.34 * math.sin(a)),
                    (0.35 * math.cos(a), 0.56 + 0.4 * math.sin(a)),
                ]
            ),
            scheme[2],
            lw,
        )
    detail.mandorla(canvas, f, scheme, lw)
    canvas.ellipse(f([(0, 0.27)])[0], (f.length(0.16), f.length(0.16)), scheme[2], ink, lw)
    canvas.ellipse(f([(0, 0.27)])[0], (f.length(0.115), f.length(0.115)), scheme[3], ink, lw)
    detail.halo(canvas, f, lw)
    robe = scheme[4]
    right = [(0.05, 0.37), (0.16, 0.41), (0.21, 0.52), (0.22, 0.66), (0.34, 0.76), (0.33, 0.86)]
    body = right + [(0.0, 0.9)] + [(-x, y) for x, y in reversed(right)]
    canvas.shape(f(body), robe, ink, lw)
    canvas.shape(f([(-0.06, 0.38), (0.06, 0.38), (0.0, 0.5)]), pick(rng, (WHITE, CREAM), 8))
    for r in (0.07, 0.11):  # U-shaped folds of the robe
        canvas.stroke(f(ellipse_points((0, 0.44), (r, r * 1.1), 0, 20, 160)), ink, max(1, lw * 0.7))
    canvas.ellipse(
        f([(0, 0.79)])[0], (f.length(0.31), f.length(0.085)), mix(robe, ink, 0.18), ink, lw
    )
    canvas.ellipse(f([(0, 0.7)])[0], (f.length(0.08), f.length(0.04)), skin, ink, lw)
    detail.robe_and_hands(canvas, f, skin, lw)
    petals = int(rng.integers(5, 8))
    seat = pick(rng, (PINK, WHITE, CREAM, scheme[1]), 8)
    for x in np.linspace(-0.3, 0.3, petals):
        canvas.shape(f(pointed_ellipse((x, 0.955), (0.055, 0.045), 0.6)), seat, CINNABAR, lw)
    hair = pick(rng, (BLACK, (40, 52, 90)), 6)
    canvas.ellipse(f([(0, 0.35)])[0], (f.length(0.035), f.length(0.03)), skin)  # neck
    canvas.ellipse(f([(0, 0.22)])[0], (f.length(0.075), f.length(0.055)), hair, ink, lw)
    canvas.ellipse(f([(0, 0.165)])[0], (f.length(0.045), f.length(0.04)), hair, ink, lw)
    for side in (-1, 1):
        canvas.ellipse(
            f([(side * 0.072, 0.29)])[0], (f.length(0.018), f.length(0.04)), skin, ink, lw * 0.7
        )
    canvas.ellipse(f([(0, 0.285)])[0], (f.length(0.068), f.length(0.075)), skin, ink, lw)
    features = WHITE if pal.dark_skin else ink
    for side in (-1, 1):
        canvas.stroke(f([(side * 0.015, 0.28), (side * 0.045, 0.28)]), features, lw * 0.6)
    if pal.dark_skin:
        canvas.stroke(f([(0, 0.27), (0, 0.31)]), WHITE, lw * 0.8)
    canvas.mottle(rng, 0.12)
    canvas.fade(float(rng.uniform(0.85, 1.0)))
    return canvas.finish()


_DONOR_BODIES = {
    "lady": [
        (0.08, 0.17),
        (0.2, 0.17),
        (0.27, 0.24),
        (0.27, 0.34),
        (0.3, 0.6),
        (0.38, 0.9),
        (0.42, 0.995),
        (-0.12, 0.995),
        (-0.22, 0.985),
        (-0.06, 0.88),
        (0.0, 0.6),
        (0.03, 0.3),
    ],
    "other": [
        (0.06, 0.17),
        (0.2, 0.17),
        (0.27, 0.22),
        (0.3, 0.4),
        (0.31, 0.65),
        (0.34, 0.96),
        (0.36, 0.995),
        (-0.06, 0.995),
        (-0.1, 0.99),
        (-0.03, 0.9),
        (0.0, 0.6),
        (0.02, 0.35),
    ],
}
_DONOR_SLEEVE = [
    (0.12, 0.22),
    (0.24, 0.25),
    (0.34, 0.3),
    (0.41, 0.33),
    (0.42, 0.37),
    (0.37, 0.45),
    (0.32, 0.56),
    (0.25, 0.53),
    (0.15, 0.38),
]
_DONOR_FACE = [
    (0.12, 0.06),
    (0.2, 0.05),
    (0.225, 0.09),
    (0.245, 0.115),
    (0.222, 0.13),
    (0.215, 0.165),
    (0.16, 0.18),
    (0.115, 0.14),
]


def draw_donor(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A standing donor in profile, hands joined, robe trailing (供养人); size is the height."""
    pal = palette_for(params["period"])
    style = style_stream(rng)  # the era's textile, drawn without touching rng (nor the box)
    kind = params.get("kind", "official")
    canvas = Canvas(int(size * 0.8) + 8, int(size * 1.08) + 8)
    f = Frame(size, (size * 0.3 + 4, 4 + size * 0.07))
    ink, lw = INK, line_width(size, 110)
    robe = params.get("robe") or pick(rng, pal.robes, 12)
    sleeve = mix(robe, pick(rng, pal.robes, 12), float(rng.choice([0.0, 0.3, 1.0])))
    skin = pick(rng, pal.skins, 6)
    j = rng.uniform(-0.015, 0.015, (12, 2))
    body = _DONOR_BODIES["lady" if kind == "lady" else "other"]
    canvas.shape(f(np.asarray(body) + j), robe, ink, lw)
    donor_textile(canvas, f, style, params["period"], pal, robe, lw)
    _donor_robe(canvas, f, rng, kind, robe, pal, lw)
    canvas.shape(f(_DONOR_SLEEVE), sleeve, ink, lw)
    canvas.shape(
        f([(0.14, 0.17), (0.22, 0.17), (0.17, 0.27)]), pick(rng, (WHITE, CREAM), 6), ink, lw * 0.8
    )
    canvas.ellipse(f([(0.42, 0.32)])[0], (f.length(0.035), f.length(0.026)), skin, ink, lw)
    held = params.get("held") or str(rng.choice(["lotus", "censer", "none", "none"]))
    _donor_holding(canvas, f, held, lw)
    canvas.ellipse(f([(0.34, 0.995)])[0], (f.length(0.04), f.length(0.012)), BLACK)
    canvas.ellipse(f([(0.16, 0.17)])[0], (f.length(0.03), f.length(0.04)), skin)  # neck
    canvas.shape(f(_DONOR_FACE), skin, ink, lw)
    canvas.stroke(f([(0.19, 0.1), (0.21, 0.098)]), WHITE if pal.dark_skin else ink, lw * 0.7)
    _donor_headdress(canvas, f, rng, kind, pal, lw)
    canvas.mottle(rng, 0.12)
    canvas.fade(float(rng.uniform(0.88, 1.0)))
    return canvas.finish(flip=params.get("facing", 1) < 0)


def _donor_robe(canvas: Canvas, f: Frame, rng, kind: str, robe, pal, lw: float) -> None:
    """A lady's pleats, sash and shawl, else a belt; a monk's kasaya; perhaps rosettes."""
    ink = INK
    if kind == "lady":  # skirt pleats and a high sash
        for x in np.linspace(0.05, 0.3, 4):
            canvas.stroke(
                f([(x, 0.4), (x + 0.02, 0.7), (x + 0.05, 0.98)]), mix(robe, ink, 0.35), lw * 0.8
            )
        canvas.shape(
            f([(0.03, 0.3), (0.28, 0.3), (0.28, 0.34), (0.03, 0.35)]),
            pick(rng, pal.accents, 8),
            ink,
            lw,
        )
        shawl = pick(rng, pal.accents, 10)
        canvas.band(
            f(spline([(0.2, 0.2), (0.05, 0.35), (-0.05, 0.6), (-0.14, 0.8)])),
            f.length(0.035),
            shawl,
            ink,
            lw,
        )
    else:
        canvas.stroke(f([(0.02, 0.4), (0.3, 0.41)]), ink, lw * 1.5)  # belt
    if kind == "monk":  # kasaya draped from the far shoulder, with patchwork seams
        kasaya = pick(rng, (CINNABAR, (150, 70, 50), (120, 80, 50), (170, 120, 60)), 8)
        drape = [
            (0.06, 0.18),
            (0.16, 0.17),
            (0.3, 0.42),
            (0.32, 0.72),
            (0.1, 0.76),
            (0.0, 0.6),
            (0.02, 0.3),
        ]
        canvas.shape(f(drape), kasaya, ink, lw)
        seam = mix(kasaya, ink, 0.5)
        for x in (0.09, 0.16, 0.23):
            canvas.stroke(f([(x, 0.42 + x * 0.3), (x + 0.01, 0.73)]), seam, lw * 0.7)
        for y in (0.55, 0.65):
            canvas.stroke(f([(0.02, y), (0.31, y)]), seam, lw * 0.7)
    if rng.random() < 0.4:  # dotted rosettes on the robe
        dot = pick(rng, (WHITE, CREAM, CINNABAR), 8)
        for _ in range(int(rng.integers(4, 12))):
            p = f([(rng.uniform(0.05, 0.28), rng.uniform(0.45, 0.95))])[0]
            canvas.ellipse(p, (f.length(0.012), f.length(0.012)), dot)


def _donor_holding(canvas: Canvas, f: Frame, held: str, lw: float) -> None:
    """A lotus bud or a censer in the joined hands ("none": nothing)."""
    if held == "lotus":
        canvas.stroke(f([(0.43, 0.33), (0.46, 0.22), (0.48, 0.15)]), (70, 110, 70), lw * 1.2)
        canvas.shape(f(pointed_ellipse((0.48, 0.12), (0.025, 0.035), 0.8)), PINK, CINNABAR, lw)
    elif held == "censer":
        canvas.stroke(f([(0.42, 0.34), (0.55, 0.31)]), (120, 90, 50), lw * 1.5)
        canvas.ellipse(
            f([(0.57, 0.3)])[0], (f.length(0.03), f.length(0.02)), (170, 130, 60), INK, lw
        )


def _donor_headdress(canvas: Canvas, f: Frame, rng, kind: str, pal, lw: float) -> None:
    """A lady's hair with ornaments, a monk's shaven scalp, an official's futou (and beard)."""
    ink = INK
    if kind == "lady":
        hair = BLACK
        canvas.ellipse(f([(0.14, 0.07)])[0], (f.length(0.07), f.length(0.045)), hair, ink, lw)
        canvas.ellipse(f([(0.13, 0.0)])[0], (f.length(0.05), f.length(0.05)), hair, ink, lw)
        for _ in range(int(rng.integers(2, 5))):
            p = f([(rng.uniform(0.08, 0.2), rng.uniform(-0.04, 0.06))])[0]
            canvas.ellipse(
                p, (f.length(0.015), f.length(0.015)), pick(rng, pal.accents, 10), ink, lw * 0.6
            )
    elif kind == "monk":
        scalp = ellipse_points((0.165, 0.1), (0.062, 0.058), 0, 180, 360)
        canvas.shape(f(scalp), (128, 136, 146), ink, lw)
    else:  # official's black futou with hanging tails
        canvas.ellipse(f([(0.155, 0.05)])[0], (f.length(0.065), f.length(0.04)), BLACK, ink, lw)
        canvas.ellipse(f([(0.14, 0.015)])[0], (f.length(0.03), f.length(0.03)), BLACK)
        canvas.band(f([(0.1, 0.06), (0.06, 0.12), (0.05, 0.2)]), f.length(0.018), BLACK)
        if rng.random() < 0.5:
            canvas.stroke(f([(0.22, 0.14), (0.2, 0.2)]), ink, lw)  # beard


def _ribbon(canvas: Canvas, f: Frame, rng, anchor, colours, width, ink, lw) -> None:
    """A long scarf streaming behind a flying figure, twisting between two colours."""
    ax, ay = anchor
    direction = -1 if ay < 0 else 1
    length = rng.uniform(0.9, 1.4)
    ctrl = [(ax, ay), (ax + rng.uniform(0.05, 0.3), ay + direction * rng.uniform(0.15, 0.4))]
    n = int(rng.integers(3, 5))
    for k in range(1, n + 1):
        x = ax - length * k / n
        y = ay + direction * rng.uniform(0.1, 0.45) * (1 if k % 2 else 0.4)
        ctrl.append((x, y))
    path = spline(ctrl, 16)
    t = np.linspace(0, 1, len(path))
    twists = rng.uniform(2.0, 4.0)
    widths = width * (0.25 + 0.75 * np.abs(np.cos(np.pi * twists * t))) * (1.2 - 0.5 * t)
    pts = f(path)
    px = f.length(1.0)
    side = np.floor(twists * t + 0.5).astype(int) % 2
    starts = np.flatnonzero(np.diff(side, prepend=-1))
    for i, s in enumerate(starts):
        e = starts[i + 1] + 1 if i + 1 < len(starts) else len(pts)
        if e - s >= 2:
            canvas.band(pts[s:e], widths[s:e] * px, colours[side[s]], ink, lw)


def draw_apsara(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A flying apsara (飞天): tilted body, trailing skirt, long streaming ribbons.

    size is the approximate span of body and ribbons.
    """
    pal = palette_for(params["period"])
    style = style_stream(rng)  # the era's skirt, drawn without touching rng (nor the box)
    body_len = size * 0.5
    tilt = params.get("tilt", float(rng.uniform(-30, 15)))
    canvas = Canvas(int(size * 1.35) + 8, int(size * 1.35) + 8)
    f = Frame(body_len, (canvas.width * 0.6, canvas.height / 2), tilt)
    ink, lw = INK, line_width(size, 180)
    skin = pick(rng, pal.skins, 6)
    skirt = pick(rng, pal.robes, 12)
    ribbon_colours = [(pick(rng, pal.accents, 10), pick(rng, pal.accents, 10)) for _ in range(3)]
    width = rng.uniform(0.07, 0.11)
    _ribbon(canvas, f, rng, (0.3, -0.06), ribbon_colours[0], width, ink, lw)
    _ribbon(canvas, f, rng, (0.22, 0.05), ribbon_colours[1], width, ink, lw)
    if rng.random() < 0.4:
        canvas.ellipse(
            f([(0.44, -0.06)])[0],
            (f.length(0.13), f.length(0.13)),
            pick(rng, pal.accents, 8),
            ink,
            lw,
        )
    legs = spline([(0.08, 0.02), (-0.2, 0.03), (-0.45, -0.05), (-0.62, -0.2)], 10)
    widths = np.linspace(0.17, 0.13, len(legs))
    widths[-4:] = np.linspace(0.15, 0.24, 4)
    canvas.band(f(legs), widths * body_len, skirt, ink, lw)
    apsara_skirt(canvas, f, style, params["period"], pal, skirt, legs, widths, lw)
    for k in (-0.04, 0.03):
        fold = spline([(0.0, k), (-0.25, k + 0.01), (-0.5, k - 0.1)], 8)
        canvas.stroke(f(fold), mix(skirt, ink, 0.4), lw * 0.8)
    for dy in (-0.03, 0.03):
        canvas.ellipse(
            f([(-0.68, -0.26 + dy)])[0],
            (f.length(0.04), f.length(0.02)),
            skin,
            ink,
            lw,
            angle=tilt - 50,
        )
    torso = spline([(0.06, 0.02), (0.2, 0.0), (0.36, -0.03)], 6)
    canvas.band(f(torso), np.linspace(0.15, 0.11, len(torso)) * body_len, skin, ink, lw)
    canvas.stroke(
        f(ellipse_points((0.33, -0.03), (0.05, 0.06), 0, 60, 300)),
        pick(rng, (WHITE, (200, 160, 70)), 6),
        lw,
    )  # necklace
    for arm in (
        [(0.32, 0.0), (0.45, 0.07), (0.58, 0.05), (0.67, -0.02)],
        [(0.29, -0.05), (0.2, -0.13), (0.1, -0.2)]
        if rng.random() < 0.5
        else [(0.3, -0.05), (0.36, -0.16), (0.46, -0.24)],
    ):
        path = spline(arm, 6)
        canvas.band(f(path), np.linspace(0.05, 0.035, len(path)) * body_len, skin, ink, lw)
        canvas.ellipse(f([arm[-1]])[0], (f.length(0.028), f.length(0.022)), skin, ink, lw)
    held = rng.integers(3)
    if held == 0:
        canvas.ellipse(f([(0.68, -0.04)])[0], (f.length(0.05), f.length(0.05)), PINK, CINNABAR, lw)
    elif held == 1:
        canvas.shape(f(ellipse_points((0.52, 0.0), (0.1, 0.05), 20)), (150, 100, 50), ink, lw)
        canvas.stroke(f([(0.6, -0.03), (0.78, -0.1)]), (120, 80, 40), lw * 1.5)
    else:
        canvas.ellipse(f([(0.7, -0.02)])[0], (f.length(0.07), f.length(0.025)), WHITE, CINNABAR, lw)
    hair = BLACK
    canvas.ellipse(f([(0.46, -0.08)])[0], (f.length(0.065), f.length(0.055)), hair, ink, lw)
    canvas.ellipse(f([(0.45, -0.16)])[0], (f.length(0.035), f.length(0.04)), hair, ink, lw)
    canvas.ellipse(f([(0.48, -0.04)])[0], (f.length(0.06), f.length(0.065)), skin, ink, lw)
    canvas.stroke(f([(0.5, -0.05), (0.53, -0.05)]), WHITE if pal.dark_skin else ink, lw * 0.7)
    canvas.mottle(rng, 0.1)
    canvas.fade(float(rng.uniform(0.88, 1.0)))
    return canvas.finish(flip=params.get("facing", 1) < 0)
