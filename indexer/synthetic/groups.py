"""Groups of motifs composed inside a panel: thousand-Buddha grids, donor rows, apsara friezes,
inscription tablets and ceiling caissons (secular scenes live in scenes.py).
"""

from __future__ import annotations

import math

from ..boxes import ios
from .composer import Box, Composer, scatter
from .palette import distinct, pick
from .scenes import secular_scene


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
                if all(ios((x, y, s.w, s.h), p) < 0.2 for p in placed):
                    placed.append(c.place(s, x, y))
                    break


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
        scatter(c, [t for t in tags if t is not None], box, placed)
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
