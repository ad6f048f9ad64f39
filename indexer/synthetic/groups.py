"""Groups of motifs composed inside a panel: thousand-Buddha grids, donor rows, apsara friezes,
secular scenes and inscription tablets, each with its own clutter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .canvas import alpha_box
from .motifs import MOTIFS, draw_motif
from .palette import Palette, distinct, palette_for, pick
from .spec import FIGURES, GROUND, Paint

Box = tuple[float, float, float, float]  # x, y, w, h


@dataclass(frozen=True)
class Sprite:
    """A labelled motif drawn and trimmed to its painted pixels, not yet placed."""

    motif: str
    category: str
    seed: int
    size: float
    params: tuple
    crop: tuple[int, int]
    w: int
    h: int


def overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller area (0 when apart, 1 when one holds the other)."""
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    return ix * iy / max(1e-9, min(a[2] * a[3], b[2] * b[3]))


class Composer:
    """Collects the paints of one mural while the group functions place motifs."""

    def __init__(self, rng: np.random.Generator, period: str, scale: float):
        self.rng = rng
        self.period = period
        self.palette: Palette = palette_for(period)
        self.scale = scale
        self.paints: list[Paint] = []

    def seed(self) -> int:
        return int(self.rng.integers(0, 2**31 - 1))

    def size(self, lo: float, hi: float) -> float:
        """A log-uniform size between lo and hi pixels at scale 1."""
        return float(math.exp(self.rng.uniform(math.log(lo), math.log(hi)))) * self.scale

    def _params(self, params: dict) -> tuple:
        return tuple(sorted({"period": self.period, **params}.items()))

    def sprite(self, motif: str, category: str, size: float, **params) -> Sprite | None:
        seed, frozen = self.seed(), self._params(params)
        box = alpha_box(draw_motif(motif, seed, size, frozen))
        if box is None:
            return None
        return Sprite(motif, category, seed, size, frozen, (box[0], box[1]), box[2], box[3])

    def place(self, sprite: Sprite, x: float, y: float) -> Box:
        x, y = int(round(x)), int(round(y))
        self.paints.append(
            Paint(
                sprite.motif,
                FIGURES,
                x,
                y,
                sprite.w,
                sprite.h,
                sprite.seed,
                sprite.size,
                sprite.params,
                sprite.category,
                sprite.crop,
            )
        )
        return (x, y, sprite.w, sprite.h)

    def ornament(
        self, motif: str, size: float, cx: float, cy: float, layer: int = GROUND, **params
    ) -> Box:
        """Unlabelled clutter (or damage) centred on (cx, cy)."""
        seed, frozen = self.seed(), self._params(params)
        w, h = MOTIFS[motif].extent(size, dict(frozen), seed)
        x, y = int(round(cx - w / 2)), int(round(cy - h / 2))
        self.paints.append(Paint(motif, layer, x, y, w, h, seed, size, frozen))
        return (x, y, w, h)

    def band(
        self,
        x: float,
        y: float,
        length: float,
        thickness: float,
        style: str,
        vertical: bool = False,
        ground=None,
    ) -> None:
        """A border band repeating one unit along its length."""
        thickness = max(8, int(round(thickness)))
        unit = max(thickness, int(round(thickness * self.rng.uniform(1.2, 2.5))))
        params = {"style": style, "repeat": unit, "vertical": vertical}
        if ground is not None:
            params["ground"] = ground
        frozen = self._params(params)
        w, h = (thickness, int(round(length))) if vertical else (int(round(length)), thickness)
        uw, uh = MOTIFS["band"].extent(thickness, dict(frozen), 0)
        self.paints.append(
            Paint(
                "band",
                GROUND,
                int(round(x)),
                int(round(y)),
                w,
                h,
                self.seed(),
                thickness,
                frozen,
                repeat="y" if vertical else "x",
                unit=(uw, uh),
            )
        )

    def fitted_cartouche(self, max_w: float, max_h: float, **params) -> Sprite | None:
        """The largest vertical cartouche (up to a few tries) that fits in max_w x max_h."""
        aspect = float(min(5.0, max(1.2, max_h / max_w * 1.1)))
        size = max_h
        for _ in range(4):
            s = self.cartouche(size, True, aspect=aspect, **params)
            if s is None or (s.w <= max_w and s.h <= max_h):
                return s
            size *= min(max_w / s.w, max_h / s.h) * 0.97
        return None

    def cartouche(self, size: float, vertical: bool = True, **params) -> Sprite | None:
        aspect = params.pop("aspect", float(self.rng.uniform(2.2, 5.0)))
        return self.sprite(
            "cartouche", "inscription", size, aspect=aspect, vertical=vertical, **params
        )


def _donor_row(
    c: Composer, box: Box, ground_y: float, height: float, facing: int, towards: float | None = None
) -> None:
    """Standing donors on a ground line, each with a name tag in front of the face.

    With `towards` (an x), donors left of it face right and those right of it face left.
    """
    rng, pal = c.rng, c.palette
    kind = str(rng.choice(["official", "lady", "official", "monk"]))
    held = str(rng.choice(["lotus", "censer", "none"]))
    named = rng.random() < 0.75
    gap = height * rng.uniform(0.05, 0.2)
    x, right = box[0], box[0] + box[2]
    first = True
    while x < right:
        lead = first and rng.random() < 0.5
        h = height * (1.0 if lead else rng.uniform(0.72, 0.95))
        face = facing if towards is None else (1 if x < towards else -1)
        s = c.sprite(
            "donor",
            "donor",
            h,
            kind="monk" if lead and rng.random() < 0.4 else kind,
            facing=face,
            held=held,
            robe=pick(rng, pal.robes, 14),
        )
        tag = None
        if named and rng.random() < 0.85:
            tag = c.cartouche(
                h * rng.uniform(0.35, 0.5), aspect=float(rng.uniform(3.0, 6.0)), columns=1
            )
        pair = [p for p in ([s, tag] if face > 0 else [tag, s]) if p is not None]
        if not pair or x + sum(p.w for p in pair) + gap * 0.4 * (len(pair) - 1) > right:
            break
        for p in pair:
            if p.category == "inscription":  # name tags hang at head height
                c.place(p, x, ground_y - h * rng.uniform(0.88, 0.98))
                x += p.w + gap * 0.4
            else:
                c.place(p, x, ground_y - p.h)
                x += p.w + gap * (0.4 if face > 0 and tag is not None else 1.0)
        first = False
        x += gap * 0.6


def thousand_buddhas(c: Composer, box: Box) -> None:
    """A panel filled with small seated Buddhas whose robe and halo colours run in diagonals.

    Sometimes a dedicatory tablet takes the middle of the grid, as on many Mogao walls.
    """
    rng, pal = c.rng, c.palette
    size = min(c.size(55, 200), box[3] / 2.3, box[2] / 3.2)
    size = max(size, math.sqrt(box[2] * box[3] / 80) / 1.1)  # at most ~80 per panel
    labels = size >= 100 and rng.random() < 0.2
    cell_w = size * rng.uniform(0.88, 0.98) + (size * 0.2 if labels else 0)
    cell_h = size * rng.uniform(1.08, 1.18)
    cols = max(1, int(box[2] // cell_w))
    rows = max(1, int(box[3] // cell_h))
    n = int(rng.integers(3, 5))
    schemes = []
    for _ in range(n):
        schemes.append(
            (
                pick(rng, pal.accents, 8),
                pick(rng, pal.accents, 8),
                pick(rng, pal.accents, 8),
                pick(rng, pal.accents, 8),
                pick(rng, pal.robes, 8),
            )
        )
    skin = pick(rng, pal.skins, 6)
    x0 = box[0] + (box[2] - cols * cell_w) / 2
    y0 = box[1] + (box[3] - rows * cell_h) / 2
    hole = None
    if rows >= 5 and cols >= 5 and rng.random() < 0.35:
        hw, hh = int(rng.integers(2, cols // 2 + 1)), int(rng.integers(2, rows // 2 + 1))
        hc, hr = (cols - hw) // 2, (rows - hh) // 2
        hole = (hc, hr, hw, hh)
        tablet = c.fitted_cartouche(
            hw * cell_w * 0.9, hh * cell_h * 0.9, cap=True, columns=int(rng.integers(3, 8))
        )
        if tablet is not None:
            cx, cy = x0 + (hc + hw / 2) * cell_w, y0 + (hr + hh / 2) * cell_h
            c.place(tablet, cx - tablet.w / 2, cy - tablet.h / 2)
    step = 1 if rng.random() < 0.5 else n - 1
    for r in range(rows):
        for col in range(cols):
            if hole and hole[0] <= col < hole[0] + hole[2] and hole[1] <= r < hole[1] + hole[3]:
                continue
            s = c.sprite(
                "seated-buddha",
                "thousand-buddha",
                size,
                scheme=schemes[(col + step * r) % n],
                skin=skin,
            )
            if s is None:
                continue
            cx, bottom = x0 + col * cell_w + size * 0.5, y0 + (r + 1) * cell_h
            c.place(s, cx - s.w / 2, bottom - s.h)
            if labels:
                t = c.cartouche(size * 0.42, aspect=3.2, columns=1)
                if t is not None:
                    c.place(t, cx + s.w / 2 + size * 0.04, bottom - s.h + size * 0.1)


def donors(c: Composer, box: Box) -> None:
    """Rows of standing donors facing the same way, with name cartouches."""
    rng = c.rng
    height = min(c.size(110, 450), box[3] * 0.85)
    rows = max(1, min(3, int(box[3] // (height * 1.12))))
    row_h = box[3] / rows
    for r in range(rows):
        ground_y = box[1] + (r + 1) * row_h - row_h * 0.04
        facing = 1 if rng.random() < 0.5 else -1
        _donor_row(c, box, ground_y, height, facing)


def apsaras(c: Composer, box: Box) -> None:
    """Flying apsaras among clouds and falling flowers."""
    rng = c.rng
    size = min(c.size(150, 480), box[3] * 0.75, box[2] * 0.7)
    cols = max(1, int(box[2] // (size * 1.05)))
    rows = max(1, int(box[3] // (size * 0.7)))
    while rows * cols > 16:
        size *= 1.15
        cols = max(1, int(box[2] // (size * 1.05)))
        rows = max(1, int(box[3] // (size * 0.7)))
    area = box[2] * box[3]
    for _ in range(int(rng.integers(2, 6) * max(1.0, area / (4 * size * size)))):
        c.ornament(
            "cloud",
            size * rng.uniform(0.2, 0.45),
            box[0] + rng.uniform(0, box[2]),
            box[1] + rng.uniform(0, box[3]),
        )
    for _ in range(int(rng.integers(1, 4) * max(1.0, area / (6 * size * size)))):
        c.ornament(
            "flowers",
            size * rng.uniform(0.6, 1.2),
            box[0] + rng.uniform(0, box[2]),
            box[1] + rng.uniform(0, box[3]),
        )
    facing = 1 if rng.random() < 0.5 else -1
    mirrored = rng.random() < 0.4
    placed: list[Box] = []
    for r in range(rows):
        for k in range(cols):
            face = (1 if k < cols / 2 else -1) if mirrored else facing
            s = c.sprite("apsara", "apsara", size * rng.uniform(0.75, 1.1), facing=face)
            if s is None or s.w > box[2] or s.h > box[3]:
                continue
            cx = box[0] + (k + 0.5 + 0.5 * (r % 2)) * box[2] / (cols + 0.5)
            cy = box[1] + (r + 0.5) * box[3] / rows
            for _ in range(12):
                x = min(
                    max(cx - s.w / 2 + rng.normal(0, size * 0.1), box[0]), box[0] + box[2] - s.w
                )
                y = min(
                    max(cy - s.h / 2 + rng.normal(0, size * 0.1), box[1]), box[1] + box[3] - s.h
                )
                if all(overlap((x, y, s.w, s.h), p) < 0.2 for p in placed):
                    placed.append(c.place(s, x, y))
                    break


def _scatter(c: Composer, sprites: list[Sprite], box: Box, placed: list[Box]) -> None:
    """Place sprites at random in the box where they barely overlap what is there."""
    for s in sprites:
        if s.w > box[2] or s.h > box[3]:
            continue
        for _ in range(20):
            x = box[0] + c.rng.uniform(0, box[2] - s.w)
            y = box[1] + c.rng.uniform(0, box[3] - s.h)
            if all(overlap((x, y, s.w, s.h), p) < 0.12 for p in placed):
                placed.append(c.place(s, x, y))
                break


def _scene_figures(c: Composer, scene: str, size: float, facing: int) -> Sprite | None:
    rng = c.rng
    if scene == "hunt":
        kind = "rider" if rng.random() < 0.65 else "archer"
        return c.sprite(
            kind,
            "non-buddhist-figure",
            size * rng.uniform(0.85, 1.1),
            facing=facing,
            action=str(rng.choice(["bow", "reins"])),
        )
    if scene == "procession":
        kind = str(rng.choice(["rider", "warrior", "rider"]))
        return c.sprite(
            kind,
            "non-buddhist-figure",
            size * rng.uniform(0.85, 1.05),
            facing=facing,
            camel=bool(rng.random() < 0.15),
            action=str(rng.choice(["banner", "reins"])),
            gallop=False,
        )
    return c.sprite(
        "labourer",
        "non-buddhist-figure",
        size * rng.uniform(0.8, 1.0),
        facing=1 if rng.random() < 0.5 else -1,
    )


def secular_scene(c: Composer, box: Box) -> None:
    """A hunt, procession, concert or field work in zones divided by ranges of hills."""
    rng = c.rng
    scene = str(rng.choice(["hunt", "procession", "music", "labour"], p=[0.35, 0.3, 0.2, 0.15]))
    size = min(c.size(100, 340), box[3] * 0.6, box[2] * 0.4)
    facing = 1 if rng.random() < 0.5 else -1
    zones = max(1, min(4, int(box[3] // (size * (1.5 if scene == "music" else 1.9)))))
    zone_h = box[3] / zones
    placed: list[Box] = []
    for z in range(zones):
        zone = (box[0], box[1] + z * zone_h, box[2], zone_h)
        if scene == "music":
            _concert(c, zone, size * 0.7, facing, placed)
            continue
        if scene in ("hunt", "labour"):
            hills = size * rng.uniform(0.35, 0.55)
            x = zone[0] + rng.uniform(-0.5, 0) * hills
            while x < zone[0] + zone[2]:
                peaks = int(rng.integers(2, 5))
                c.ornament(
                    "mountains",
                    hills,
                    x + hills * (0.25 * peaks + 0.25),
                    zone[1] + zone[3] - hills / 2,
                    peaks=peaks,
                )
                x += hills * (0.5 * peaks + 0.5) * rng.uniform(0.8, 1.6)
            zone = (zone[0], zone[1], zone[2], zone[3] - hills * 0.6)
            for _ in range(int(rng.integers(1, 4))):
                c.ornament(
                    "tree",
                    size * rng.uniform(0.5, 0.9),
                    zone[0] + rng.uniform(0, zone[2]),
                    zone[1] + rng.uniform(0.3, 0.7) * zone[3],
                )
        crowd = int(min(10, max(2, zone[2] * zone[3] / (size * size * 3))) * rng.uniform(0.6, 1))
        if scene == "hunt":
            for _ in range(max(1, crowd // 2)):
                placed.append(
                    c.ornament(
                        "animal",
                        size * rng.uniform(0.4, 0.7),
                        zone[0] + rng.uniform(0, zone[2]),
                        zone[1] + rng.uniform(0.3, 0.8) * zone[3],
                        facing=facing,
                    )
                )
        sprites = [_scene_figures(c, scene, size, facing) for _ in range(crowd)]
        _scatter(c, [s for s in sprites if s is not None], zone, placed)
    if rng.random() < 0.6:  # cartouches naming the scene
        tags = [c.cartouche(size * rng.uniform(0.4, 0.8)) for _ in range(int(rng.integers(1, 4)))]
        _scatter(c, [t for t in tags if t is not None], box, placed)


def _concert(c: Composer, zone: Box, seated: float, facing: int, placed: list[Box]) -> None:
    """Seated musicians in a row on a long mat."""
    rng = c.rng
    mat_y = zone[1] + zone[3] - seated * 0.2
    c.ornament("mat", zone[2] * 0.9, zone[0] + zone[2] / 2, mat_y, depth=0.04)
    x = zone[0] + seated * 0.3
    while True:
        s = c.sprite(
            "musician", "non-buddhist-figure", seated * rng.uniform(0.9, 1.1), facing=facing
        )
        if s is None or x + s.w > zone[0] + zone[2]:
            break
        placed.append(c.place(s, x, mat_y - s.h))
        x += s.w + seated * rng.uniform(0.1, 0.4)


def inscriptions(c: Composer, box: Box) -> None:
    """A dedicatory tablet with lotus base and canopy, donors turned towards it, more tags."""
    rng = c.rng
    vertical = rng.random() < 0.7
    size = min(c.size(200, 500), (box[3] if vertical else box[2]) * 0.8)
    ground = pick(rng, c.palette.cartouches, 8)
    main = c.cartouche(
        size,
        vertical,
        aspect=float(rng.uniform(1.3, 2.8)),
        cap=True,
        ground=ground,
        columns=int(rng.integers(3, 9)),
    )
    placed: list[Box] = []
    if main is not None and main.w < box[2] and main.h < box[3]:
        mx, my = box[0] + (box[2] - main.w) / 2, box[1] + (box[3] - main.h) / 2
        placed.append(c.place(main, mx, my))
        height = min(main.h * rng.uniform(0.7, 1.0), box[3] * 0.85)
        ground_y = min(box[1] + box[3], my + main.h + height * 0.05)
        gap = main.w * 0.15
        _donor_row(c, (box[0], 0, mx - gap - box[0], 0), ground_y, height, 1)
        _donor_row(
            c, (mx + main.w + gap, 0, box[0] + box[2] - mx - main.w - gap, 0), ground_y, height, -1
        )
        above = my - box[1]
        if above > size * 0.5:  # apsaras flying in towards the tablet
            for face, fx in ((1, 0.25), (-1, 0.75)):
                s = c.sprite("apsara", "apsara", min(above * 1.2, box[2] * 0.35), facing=face)
                if s is not None and s.h <= above and s.w <= box[2] / 2:
                    c.place(s, box[0] + box[2] * fx - s.w / 2, box[1] + (above - s.h) / 2)
    else:
        tags = [c.cartouche(size * rng.uniform(0.3, 0.6)) for _ in range(int(rng.integers(1, 5)))]
        _scatter(c, [t for t in tags if t is not None], box, placed)
    for _ in range(int(rng.integers(1, 4))):
        c.ornament(
            "flowers", size * 0.6, box[0] + rng.uniform(0, box[2]), box[1] + rng.uniform(0, box[3])
        )


def lotus_caisson(c: Composer, box: Box) -> None:
    """A ceiling caisson: a great lotus in the middle, apsaras circling in the corners."""
    rng = c.rng
    d = min(box[2], box[3]) * rng.uniform(0.35, 0.55)
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    c.ornament("lotus", d, cx, cy)
    for _ in range(int(rng.integers(2, 6))):
        c.ornament(
            "cloud", d * 0.2, box[0] + rng.uniform(0, box[2]), box[1] + rng.uniform(0, box[3])
        )
    size = min(box[2], box[3]) * 0.3
    for k, (fx, fy) in enumerate(((0, 0), (1, 0), (1, 1), (0, 1))):
        s = c.sprite("apsara", "apsara", size * rng.uniform(0.85, 1.0), facing=1 if k < 2 else -1)
        if s is None or s.w > box[2] / 2 or s.h > box[3] / 2:
            continue
        c.place(s, box[0] + fx * (box[2] - s.w), box[1] + fy * (box[3] - s.h))


GROUPS = {
    "thousand-buddha": thousand_buddhas,
    "donor": donors,
    "apsara": apsaras,
    "non-buddhist-figure": secular_scene,
    "inscription": inscriptions,
    "lotus": lotus_caisson,
}


def panel_ground(c: Composer, group: str):
    """The ground colour of a panel for a group, standing out from its figures where it matters."""
    pal = c.palette
    if group == "inscription":
        return distinct(c.rng, pal.panels, pal.cartouches[0])
    return pick(c.rng, pal.panels, 10)
