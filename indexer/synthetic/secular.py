"""Motifs of the non-Buddhist figure category: warriors, hunters, riders, musicians, labourers.

Secular scenes (hunts, processions, music, farming) draw these; each call paints one figure.
"""

from __future__ import annotations

import numpy as np

from .canvas import Canvas, Frame, ellipse_points, spline
from .palette import BLACK, INK, WHITE, Colour, mix, palette_for, pick, vary

_HORSES: tuple[Colour, ...] = (
    (226, 220, 204),
    (150, 82, 46),
    (60, 48, 42),
    (176, 172, 160),
    (192, 142, 82),
)
_METAL: Colour = (116, 124, 128)


def _person(canvas: Canvas, f: Frame, rng, pal, pose: str, lw: float) -> dict:
    """A standing or striding secular figure in three-quarter view, facing right.

    Unit height 1 from the top of the head to the feet; returns the hand positions and colours.
    """
    tunic = pick(rng, pal.robes, 12)
    trousers = pick(rng, pal.robes + ((210, 200, 180),), 12)
    skin = pick(rng, pal.skins, 6)
    ink = INK
    spread = {"stride": 0.16, "lunge": 0.22, "stand": 0.08, "bend": 0.12}[pose]
    lean = {"stride": 0.03, "lunge": 0.06, "stand": 0.0, "bend": 0.16}[pose]
    for sx in (-spread, spread):
        canvas.band(
            f([(sx * 0.3, 0.58), (sx * 0.7, 0.78), (sx, 0.95)]), f.length(0.075), trousers, ink, lw
        )
        canvas.ellipse(f([(sx + 0.03, 0.965)])[0], (f.length(0.055), f.length(0.025)), BLACK)
    hip, neck = (0.0, 0.55), (lean, 0.18)
    torso = [
        (neck[0] - 0.1, neck[1]),
        (neck[0] + 0.1, neck[1]),
        (0.1, 0.45),
        (0.15, 0.68),
        (-0.14, 0.68),
        (-0.1, 0.45),
    ]
    canvas.shape(f(torso), tunic, ink, lw)
    canvas.stroke(f([(-0.1, 0.45), (0.1, 0.45)]), mix(tunic, ink, 0.5), lw * 1.5)
    head = (lean + 0.02, 0.08)
    canvas.ellipse(f([head])[0], (f.length(0.055), f.length(0.068)), skin, ink, lw)
    canvas.stroke(f([(head[0] + 0.02, 0.075), (head[0] + 0.045, 0.075)]), ink, lw * 0.7)
    return {"neck": neck, "hip": hip, "head": head, "tunic": tunic, "skin": skin}


def _arm(canvas, f, shoulder, elbow, hand, colour, skin, lw) -> None:
    canvas.band(f(spline([shoulder, elbow, hand], 6)), f.length(0.06), colour, INK, lw)
    canvas.ellipse(f([hand])[0], (f.length(0.03), f.length(0.03)), skin, INK, lw)


def draw_warrior(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """An armoured guard with spear and shield; size is the height."""
    pal = palette_for(params["period"])
    canvas = Canvas(int(size * 0.8) + 8, int(size * 1.2) + 8)
    f = Frame(size, (canvas.width * 0.45, 4 + size * 0.16))
    lw = max(1.0, size / 100)
    cloak = pick(rng, pal.robes, 12)
    canvas.shape(
        f([(-0.08, 0.18), (0.06, 0.18), (0.0, 0.5), (-0.22, 0.8), (-0.28, 0.72)]), cloak, INK, lw
    )
    body = _person(canvas, f, rng, pal, str(rng.choice(["stand", "stride"])), lw)
    armour = pick(rng, (_METAL, (176, 140, 80), (90, 110, 130), (150, 80, 60)), 10)
    canvas.shape(f([(-0.11, 0.18), (0.11, 0.18), (0.12, 0.5), (-0.12, 0.5)]), armour, INK, lw)
    for y in np.arange(0.23, 0.5, 0.05):  # lamellar scales
        for x in np.arange(-0.08, 0.1, 0.045):
            canvas.stroke(f(ellipse_points((x, y), (0.022, 0.018), 0, 0, 180)), INK, lw * 0.6)
    head = body["head"]
    canvas.shape(
        f(ellipse_points((head[0], head[1] - 0.02), (0.065, 0.06), 0, 180, 360)), armour, INK, lw
    )
    canvas.stroke(
        f([(head[0], head[1] - 0.08), (head[0] - 0.03, head[1] - 0.15)]),
        pick(rng, (pal.robes[0], WHITE), 8),
        lw * 2.5,
    )
    shaft = (0.26, -0.14)
    canvas.stroke(f([shaft, (0.26, 0.98)]), (110, 80, 50), max(1.0, f.length(0.018)))
    canvas.shape(f([(0.26, -0.16), (0.285, -0.1), (0.26, -0.06), (0.235, -0.1)]), _METAL, INK, lw)
    _arm(canvas, f, (0.08, 0.2), (0.18, 0.32), (0.26, 0.3), armour, body["skin"], lw)
    if rng.random() < 0.6:
        shield = pick(rng, pal.accents, 10)
        canvas.ellipse(f([(-0.02, 0.42)])[0], (f.length(0.11), f.length(0.17)), shield, INK, lw)
        canvas.ellipse(f([(-0.02, 0.42)])[0], (f.length(0.03), f.length(0.04)), _METAL, INK, lw)
    canvas.mottle(rng, 0.12)
    return canvas.finish(flip=params.get("facing", 1) < 0)


def draw_archer(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A hunter on foot drawing a bow; size is the height."""
    pal = palette_for(params["period"])
    canvas = Canvas(int(size * 0.95) + 8, int(size * 1.1) + 8)
    f = Frame(size, (canvas.width * 0.4, 4 + size * 0.06))
    lw = max(1.0, size / 100)
    body = _person(canvas, f, rng, pal, "lunge", lw)
    canvas.ellipse(
        f([(body["head"][0] - 0.01, 0.04)])[0],
        (f.length(0.06), f.length(0.035)),
        pick(rng, (BLACK, (120, 60, 40)), 8),
    )
    bow = f(ellipse_points((0.36, 0.27), (0.08, 0.26), 0, -80, 80))
    canvas.stroke(bow, (120, 70, 40), max(1.0, f.length(0.02)))
    canvas.stroke(np.vstack([bow[0], f([(0.12, 0.27)])[0], bow[-1]]), (200, 190, 170), 1)
    canvas.stroke(f([(0.1, 0.27), (0.55, 0.26)]), (90, 70, 50), lw)
    _arm(canvas, f, (0.1, 0.2), (0.25, 0.24), (0.42, 0.27), body["tunic"], body["skin"], lw)
    _arm(canvas, f, (0.0, 0.2), (0.03, 0.3), (0.12, 0.27), body["tunic"], body["skin"], lw)
    canvas.mottle(rng, 0.12)
    return canvas.finish(flip=params.get("facing", 1) < 0)


def draw_labourer(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A farmer or builder bending over a hoe; size is the height."""
    pal = palette_for(params["period"])
    canvas = Canvas(int(size * 0.95) + 8, int(size * 1.05) + 8)
    f = Frame(size, (canvas.width * 0.4, 4 + size * 0.04))
    lw = max(1.0, size / 100)
    body = _person(canvas, f, rng, pal, "bend", lw)
    canvas.ellipse(
        f([(body["head"][0], 0.03)])[0],
        (f.length(0.07), f.length(0.03)),
        pick(rng, ((190, 170, 120), WHITE), 8),
        INK,
        lw,
    )
    canvas.stroke(f([(0.05, 0.2), (0.45, 0.95)]), (110, 80, 50), max(1.0, f.length(0.022)))
    canvas.shape(f([(0.42, 0.92), (0.56, 0.9), (0.55, 0.97), (0.44, 0.98)]), _METAL, INK, lw)
    _arm(canvas, f, (0.18, 0.22), (0.25, 0.35), (0.2, 0.45), body["tunic"], body["skin"], lw)
    _arm(canvas, f, (0.12, 0.2), (0.1, 0.3), (0.12, 0.33), body["tunic"], body["skin"], lw)
    canvas.mottle(rng, 0.12)
    return canvas.finish(flip=params.get("facing", 1) < 0)


def draw_musician(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A seated musician with pipa, drum, flute or harp; size is the seated height."""
    pal = palette_for(params["period"])
    canvas = Canvas(int(size * 1.1) + 8, int(size * 1.05) + 8)
    f = Frame(size, (canvas.width * 0.45, 4 + size * 0.02))
    lw = max(1.0, size / 90)
    robe, skin = pick(rng, pal.robes, 12), pick(rng, pal.skins, 6)
    canvas.ellipse(f([(0.0, 0.86)])[0], (f.length(0.36), f.length(0.12)), robe, INK, lw)
    canvas.shape(f([(-0.14, 0.26), (0.14, 0.26), (0.2, 0.8), (-0.2, 0.8)]), robe, INK, lw)
    canvas.ellipse(f([(0.0, 0.14)])[0], (f.length(0.08), f.length(0.1)), skin, INK, lw)
    canvas.ellipse(f([(0.0, 0.05)])[0], (f.length(0.085), f.length(0.05)), BLACK, INK, lw)
    instrument = params.get("instrument") or str(rng.choice(["pipa", "drum", "flute", "harp"]))
    wood = pick(rng, ((150, 96, 50), (120, 76, 40), (176, 130, 70)), 8)
    if instrument == "pipa":
        canvas.ellipse(
            f([(0.05, 0.55)])[0], (f.length(0.11), f.length(0.16)), wood, INK, lw, angle=-35
        )
        canvas.stroke(f([(0.12, 0.45), (0.32, 0.18)]), wood, max(1.0, f.length(0.035)))
    elif instrument == "drum":
        canvas.shape(
            f([(-0.14, 0.48), (0.14, 0.48), (0.14, 0.66), (-0.14, 0.66)]),
            pick(rng, pal.accents, 8),
            INK,
            lw,
        )
        canvas.ellipse(f([(0.0, 0.48)])[0], (f.length(0.14), f.length(0.04)), WHITE, INK, lw)
    elif instrument == "flute":
        canvas.stroke(f([(0.05, 0.17), (0.42, 0.3)]), wood, max(1.0, f.length(0.025)))
    else:
        canvas.stroke(
            f(ellipse_points((0.25, 0.5), (0.12, 0.3), 0, -90, 90)), wood, max(1.0, f.length(0.03))
        )
        for y in np.linspace(0.3, 0.7, 5):
            canvas.stroke(f([(0.25, y), (0.3, y)]), (220, 210, 190), 1)
    for side in (-1, 1):
        canvas.band(
            f(spline([(side * 0.12, 0.3), (side * 0.18, 0.45), (0.05 * side, 0.52)], 5)),
            f.length(0.06),
            robe,
            INK,
            lw,
        )
        canvas.ellipse(f([(0.05 * side, 0.52)])[0], (f.length(0.03), f.length(0.03)), skin, INK, lw)
    canvas.mottle(rng, 0.12)
    return canvas.finish(flip=params.get("facing", 1) < 0)


def _horse(canvas: Canvas, f: Frame, rng, coat: Colour, gallop: bool, lw: float, camel=False):
    """A horse (or camel) of unit length facing right; the back is at about y = 0.3."""
    ink = INK
    legs = (
        [(0.2, 0.45), (0.4, 0.55), (0.55, 0.62)],
        [(0.15, 0.45), (0.32, 0.58), (0.45, 0.66)],
        [(-0.2, 0.45), (-0.38, 0.58), (-0.55, 0.6)],
        [(-0.25, 0.45), (-0.42, 0.55), (-0.6, 0.52)],
    )
    if not gallop:
        legs = (
            [(0.2, 0.45), (0.22, 0.62), (0.2, 0.78)],
            [(0.14, 0.45), (0.12, 0.62), (0.14, 0.78)],
            [(-0.2, 0.45), (-0.24, 0.62), (-0.22, 0.78)],
            [(-0.26, 0.45), (-0.3, 0.62), (-0.3, 0.78)],
        )
    for leg in legs:
        canvas.band(f(spline(leg, 5)), f.length(0.055), mix(coat, ink, 0.1), ink, lw)
        canvas.ellipse(f([leg[-1]])[0], (f.length(0.03), f.length(0.025)), BLACK)
    canvas.band(
        f(spline([(-0.3, 0.36), (-0.42, 0.4), (-0.5, 0.55)], 6)),
        f.length(0.05),
        mix(coat, ink, 0.4),
        ink,
        lw,
    )
    canvas.ellipse(f([(0.0, 0.38)])[0], (f.length(0.33), f.length(0.13)), coat, ink, lw)
    if camel:
        for x in (-0.12, 0.1):
            canvas.ellipse(f([(x, 0.27)])[0], (f.length(0.09), f.length(0.1)), coat, ink, lw)
        neck = [(0.25, 0.35), (0.42, 0.4), (0.46, 0.15), (0.52, 0.08)]
    else:
        neck = [(0.2, 0.33), (0.3, 0.22), (0.38, 0.1), (0.42, 0.06)]
    canvas.band(f(spline(neck, 6)), f.length(0.12), coat, ink, lw)
    hx, hy = neck[-1]
    canvas.shape(
        f([(hx - 0.02, hy - 0.07), (hx + 0.01, hy - 0.03), (hx - 0.04, hy - 0.02)]), coat, ink, lw
    )  # ear
    head = [(hx - 0.03, hy), (hx + 0.05, hy + 0.06), (hx + 0.13, hy + 0.13)]
    canvas.band(f(head), f.length(np.array([0.11, 0.09, 0.06])), coat, ink, lw)
    if not camel:
        canvas.band(
            f(spline([(0.17, 0.3), (0.26, 0.2), (0.34, 0.1), (0.38, 0.04)], 5)),
            f.length(0.03),
            BLACK,
        )
    if rng.random() < 0.3:  # dappled coat
        for _ in range(10):
            p = f([(rng.uniform(-0.25, 0.25), rng.uniform(0.3, 0.45))])[0]
            canvas.ellipse(p, (f.length(0.02), f.length(0.02)), mix(coat, ink, 0.3))


def draw_rider(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A mounted hunter, soldier or official on a horse or camel; size is the total height."""
    pal = palette_for(params["period"])
    camel = params.get("camel", False)
    canvas = Canvas(int(size * 1.45) + 8, int(size * 1.1) + 8)
    f = Frame(size, (canvas.width * 0.5, 4 + size * 0.3))
    lw = max(1.0, size / 110)
    gallop = params.get("gallop", bool(rng.random() < 0.6)) and not camel
    coat = vary(rng, (186, 150, 100) if camel else _HORSES[int(rng.integers(len(_HORSES)))], 8)
    _horse(canvas, f, rng, coat, gallop, lw, camel)
    saddle = pick(rng, pal.accents, 10)
    canvas.shape(f([(-0.12, 0.26), (0.1, 0.26), (0.12, 0.4), (-0.14, 0.4)]), saddle, INK, lw)
    robe, skin = pick(rng, pal.robes, 12), pick(rng, pal.skins, 6)
    canvas.band(f([(0.0, 0.25), (0.06, 0.38), (0.04, 0.5)]), f.length(0.07), robe, INK, lw)
    canvas.shape(f([(-0.08, -0.05), (0.06, -0.05), (0.08, 0.28), (-0.1, 0.28)]), robe, INK, lw)
    canvas.ellipse(f([(0.0, -0.12)])[0], (f.length(0.055), f.length(0.065)), skin, INK, lw)
    canvas.ellipse(
        f([(0.0, -0.17)])[0],
        (f.length(0.06), f.length(0.03)),
        pick(rng, (BLACK, (120, 60, 40), WHITE), 8),
        INK,
        lw,
    )
    action = params.get("action") or str(rng.choice(["bow", "reins", "banner"]))
    if action == "bow":  # the "Parthian shot", turning back in the saddle
        bow = f(ellipse_points((-0.3, -0.02), (0.06, 0.2), 0, 100, 260))
        canvas.stroke(bow, (120, 70, 40), max(1.0, f.length(0.02)))
        _arm(canvas, f, (-0.04, -0.02), (-0.16, 0.0), (-0.3, -0.02), robe, skin, lw)
    elif action == "banner":
        canvas.stroke(f([(0.1, -0.5), (0.1, 0.4)]), (110, 80, 50), max(1.0, f.length(0.015)))
        canvas.shape(
            f([(0.1, -0.5), (-0.12, -0.46), (-0.1, -0.32), (0.1, -0.36)]),
            pick(rng, pal.accents, 8),
            INK,
            lw,
        )
        _arm(canvas, f, (0.04, -0.02), (0.08, 0.08), (0.1, 0.02), robe, skin, lw)
    else:
        _arm(canvas, f, (0.04, -0.02), (0.12, 0.1), (0.24, 0.15), robe, skin, lw)
    canvas.mottle(rng, 0.12)
    return canvas.finish(flip=params.get("facing", 1) < 0)
