"""Plans a mural: registers and panels, the group in each panel, border bands and damage,
then the exact labels (tight boxes of painted pixels, heavy overlaps removed).
"""

from __future__ import annotations

import math

import numpy as np

from ..boxes import intersection, iou
from .canvas import alpha_box
from .composer import Box, Composer, TemplateBank
from .groups import GROUPS, panel_ground
from .motifs import draw_motif
from .palette import pick
from .spec import DAMAGE, PERIODS, SITES, WALLS, Instance, MuralSpec, Paint, Panel

MAX_IOU = 0.3  # two labelled instances never overlap more than this
MAX_COVER = 0.5  # nor does one cover more than half of the other
MIN_VISIBLE = 0.35  # an instance cut by the image border keeps at least this fraction
BAND_STYLES = ("scroll", "lotus", "pearls", "rhombus", "stripes")
SITE_CAVES = {"mogao": (1, 735), "yulin": (1, 43), "western-thousand-buddha": (1, 22)}
SITE_NAMES = {
    "mogao": "Mogao",
    "yulin": "Yulin",
    "western-thousand-buddha": "Western Thousand Buddha",
}
SITE_PERIODS = {
    "mogao": PERIODS,
    "yulin": PERIODS[5:],
    "western-thousand-buddha": (
        "northern-wei",
        "northern-zhou",
        "sui",
        "early-tang",
        "high-tang",
        "five-dynasties",
        "song",
        "uyghur",
        "western-xia",
        "yuan",
    ),
}
SUBJECTS = {
    "thousand-buddha": "thousand Buddhas",
    "donor": "donors",
    "apsara": "apsaras",
    "non-buddhist-figure": "secular scenes",
    "inscription": "dedicatory inscriptions",
    "lotus": "lotus caisson",
}
_GRID = 512


def _split(rng: np.random.Generator, start: float, end: float, n: int) -> list[float]:
    weights = rng.dirichlet([6.0] * n)
    return list(start + np.concatenate([[0.0], np.cumsum(weights)]) * (end - start))


def _choose_group(rng, wall: str, row: int, rows: int, early: bool, used: set[str]) -> str:
    weights = {
        "thousand-buddha": 3.0,
        "donor": 2.0,
        "apsara": 2.0,
        "non-buddhist-figure": 2.0,
        "inscription": 0.8,
    }
    if rows > 1 and row == 0:
        weights["apsara"] *= 3
        weights["donor"] *= 0.3
    if rows > 1 and row == rows - 1:
        weights["donor"] *= 3
        weights["apsara"] *= 0.3
    if early:
        weights["non-buddhist-figure"] *= 1.3
    if wall == "ceiling":
        weights.update({"donor": 0.1, "non-buddhist-figure": 0.3, "lotus": 1.5})
        weights["thousand-buddha"] *= 2
    for name in weights:
        if name not in used:
            weights[name] *= 4
    if "lotus" in used:
        weights.pop("lotus", None)
    names = sorted(weights)
    p = np.array([weights[n] for n in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _lay_out_wall(c: Composer, width: int, height: int, wall: str, scale: float):
    """Registers of panels separated by border bands; each panel gets a group.

    Returns the panels (the wall first) and the set of groups used.
    """
    rng, pal, unit = c.rng, c.palette, 1500 * scale
    panels = [Panel(0, 0, width, height, pick(rng, pal.walls, 6))]
    rows = max(1, round(height / (unit * rng.uniform(0.8, 1.25))))
    band = max(10.0, unit * rng.uniform(0.025, 0.05))
    styles = [str(s) for s in rng.choice(BAND_STYLES, 2)]
    top = -rng.uniform(0, 0.12) * height / rows if rng.random() < 0.5 else 0.0
    bottom = height + (rng.uniform(0, 0.12) * height / rows if rng.random() < 0.5 else 0.0)
    edges = _split(rng, top, bottom, rows)
    early = c.period in PERIODS[:4]
    used: set[str] = set()
    for r in range(rows):
        y0, y1 = edges[r], edges[r + 1]
        if r == 0 and top == 0 and wall != "ceiling":  # the valance hanging under the ceiling
            c.band(0, 0, width, band * 1.6, "valance")
            y0 += band * 1.6
        elif r > 0:
            c.band(0, y0, width, band, styles[r % 2])
            y0 += band
        cols = max(1, round(width / (unit * rng.uniform(0.8, 1.4))))
        left = -rng.uniform(0, 0.12) * width / cols if rng.random() < 0.5 else 0.0
        right = width + (rng.uniform(0, 0.12) * width / cols if rng.random() < 0.5 else 0.0)
        xs = _split(rng, left, right, cols)
        divided = rng.random() < 0.5
        for k in range(cols):
            x0, x1 = xs[k], xs[k + 1]
            if divided and k > 0:
                c.band(x0, y0, y1 - y0, band * 0.7, styles[(r + 1) % 2], vertical=True)
                x0 += band * 0.7
            group = _choose_group(rng, wall, r, rows, early, used)
            used.add(group)
            colour = panel_ground(c, group) if rng.random() < 0.6 else panels[0].colour
            panels.append(
                Panel(
                    int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0)), colour
                )
            )
            margin = min(x1 - x0, y1 - y0) * rng.uniform(0.02, 0.06)
            inner = (x0 + margin, y0 + margin, x1 - x0 - 2 * margin, y1 - y0 - 2 * margin)
            before = sum(p.category is not None for p in c.paints)
            GROUPS[group](c, inner)
            if group != "lotus" and sum(p.category is not None for p in c.paints) == before:
                GROUPS["thousand-buddha"](c, inner)  # nothing fitted: small Buddhas always do
    return panels, used


def _cells(box: Box):
    x, y, w, h = box
    for gx in range(int(x // _GRID), int((x + w - 1) // _GRID) + 1):
        for gy in range(int(y // _GRID), int((y + h - 1) // _GRID) + 1):
            yield gx, gy


def _too_close(a: Box, b: Box) -> bool:
    """Overlapping too much to both be seen: IoU of 0.3, or half of the smaller one covered."""
    cover = intersection(a, b)
    return iou(a, b) >= MAX_IOU or cover > MAX_COVER * min(a[2] * a[3], b[2] * b[3])


def _clip(p: Paint, width: int, height: int) -> Box:
    x0, y0 = max(0, p.x), max(0, p.y)
    x1, y1 = min(width, p.x + p.w), min(height, p.y + p.h)
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def _visible_box(p: Paint, clip: Box) -> Box | None:
    """The tight box of the pixels of a labelled paint that fall inside the image."""
    x, y, w, h = clip
    patch = draw_motif(p.motif, p.seed, p.size, p.params)
    cx, cy = p.crop
    visible = patch[cy + y - p.y : cy + y - p.y + h, cx + x - p.x : cx + x - p.x + w]
    box = alpha_box(visible)
    return None if box is None else (x + box[0], y + box[1], box[2], box[3])


def _resolve(paints: list[Paint], width: int, height: int):
    """Keep visible paints; label each kept instance, dropping heavy overlaps and slivers."""
    kept: list[Paint] = []
    instances: list[Instance] = []
    grid: dict[tuple[int, int], list[Box]] = {}
    for p in paints:
        vis = _clip(p, width, height)
        if vis[2] == 0 or vis[3] == 0:
            continue
        if p.category is not None:
            truncated = vis != (p.x, p.y, p.w, p.h)
            if truncated:
                vis = _visible_box(p, vis)
            if vis is None or vis[2] * vis[3] < MIN_VISIBLE * p.w * p.h or min(vis[2], vis[3]) < 6:
                continue
            near = [b for cell in _cells(vis) for b in grid.get(cell, ())]
            if any(_too_close(vis, b) for b in near):
                continue
            for cell in _cells(vis):
                grid.setdefault(cell, []).append(vis)
            instances.append(
                Instance(p.category, *vis, truncated=truncated, template=p.template)
            )
        elif p.layer == DAMAGE and p.motif == "flake":
            box = (p.x + p.w * 0.2, p.y + p.h * 0.2, p.w * 0.6, p.h * 0.6)
            near = [b for cell in _cells(box) for b in grid.get(cell, ())]
            if any(intersection(box, b) > 0.25 * b[2] * b[3] for b in near):
                continue  # never let a flake erase most of a labelled figure
        kept.append(p)
    return kept, instances


def _damage(c: Composer, width: int, height: int) -> None:
    rng = c.rng
    area = float(width) * height
    level = rng.uniform(0.3, 1.5)

    def count(per_side: float) -> int:
        return int(rng.poisson(area / per_side**2 * level))

    def log_size(lo: float, hi: float) -> float:
        return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))

    for _ in range(count(420)):
        c.ornament(
            "flake", log_size(6, 150), rng.uniform(0, width), rng.uniform(0, height), layer=DAMAGE
        )
    for _ in range(count(900)):
        c.ornament(
            "crack", log_size(60, 900), rng.uniform(0, width), rng.uniform(0, height), layer=DAMAGE
        )


def plan_mural(
    width: int, height: int, seed: int, scale: float = 1.0, templates: TemplateBank | None = None
) -> MuralSpec:
    """Everything about one synthetic mural, decided from (width, height, seed, scale) alone;
    with `templates`, labelled motifs are copies of templates shared across murals (stencils)."""
    if width < 1 or height < 1:
        raise ValueError(f"mural size must be positive, not {width}x{height}")
    if not 0.05 <= scale <= 20:
        raise ValueError(f"scale must be between 0.05 and 20, not {scale}")
    rng = np.random.default_rng(seed)
    site = str(rng.choice(SITES, p=[0.7, 0.2, 0.1]))
    period = str(rng.choice(SITE_PERIODS[site]))
    lo, hi = SITE_CAVES[site]
    cave = int(rng.integers(lo, hi + 1))
    wall = str(rng.choice(WALLS, p=[0.24, 0.24, 0.14, 0.14, 0.1, 0.07, 0.07]))
    c = Composer(
        rng, period, scale * float(np.exp(rng.uniform(np.log(0.7), np.log(1.4)))), templates
    )
    panels, used = _lay_out_wall(c, width, height, wall, scale)
    _damage(c, width, height)
    order = sorted(range(len(c.paints)), key=lambda i: (c.paints[i].layer, i))
    paints, instances = _resolve([c.paints[i] for i in order], width, height)
    place = f"{wall} wall" if wall in ("south", "north", "east", "west") else wall.replace("-", " ")
    subjects = [SUBJECTS[g] for g in sorted(used)]
    subject = (
        subjects[0] if len(subjects) == 1 else ", ".join(subjects[:-1]) + " and " + subjects[-1]
    )
    title = f"{SITE_NAMES[site]} cave {cave}, {place}: {subject} (synthetic)"
    return MuralSpec(
        width=width,
        height=height,
        seed=seed,
        site=site,
        cave=cave,
        wall=wall,
        period=period,
        title=title,
        instances=tuple(instances),
        scale=scale,
        panels=tuple(panels),
        paints=tuple(paints),
        fading=float(rng.uniform(0.05, 0.3)),
        staining=float(rng.uniform(0, 4)),
    )
