"""Collects the paints of a mural while groups place motifs: labelled sprites are drawn once
and trimmed to their painted pixels, clutter is placed by its canvas size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..boxes import ios
from .canvas import alpha_box
from .motifs import MOTIFS, draw_motif
from .palette import Palette, palette_for
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
    template: str = ""


# Parameters that colour a motif without changing its drawing: copies of one template may differ
# in them (and in size, and in the damage that falls on them).
COLOUR_PARAMS = frozenset({"robe", "scheme", "skin", "ground", "period"})


class TemplateBank:
    """Pounced templates shared across murals (walls and caves): a labelled motif is drawn from
    an earlier template of the same motif and shape parameters with probability `reuse` (the
    template's drawing seed, the new copy's own size and colours), else it starts a new one.
    Deterministic for its seed and the order of calls; opt-in (plan_mural(templates=...)), so
    murals planned without a bank are unchanged."""

    def __init__(self, seed: int, reuse: float = 0.7, per_key: int = 6):
        self.rng = np.random.default_rng(seed)
        self.reuse, self.per_key = reuse, per_key
        self.seeds: dict[tuple, list[int]] = {}

    def seed_for(self, motif: str, params: tuple, fresh: int) -> int:
        key = (motif, tuple(kv for kv in params if kv[0] not in COLOUR_PARAMS))
        known = self.seeds.setdefault(key, [])
        if known and (len(known) >= self.per_key or self.rng.random() < self.reuse):
            return known[int(self.rng.integers(0, len(known)))]
        known.append(fresh)
        return fresh


class Composer:
    """Collects the paints of one mural while the group functions place motifs."""

    def __init__(
        self,
        rng: np.random.Generator,
        period: str,
        scale: float,
        templates: TemplateBank | None = None,
    ):
        self.rng = rng
        self.period = period
        self.palette: Palette = palette_for(period)
        self.scale = scale
        self.paints: list[Paint] = []
        self.templates = templates

    def seed(self) -> int:
        return int(self.rng.integers(0, 2**31 - 1))

    def size(self, lo: float, hi: float) -> float:
        """A log-uniform size between lo and hi pixels at scale 1."""
        return float(math.exp(self.rng.uniform(math.log(lo), math.log(hi)))) * self.scale

    def _params(self, params: dict) -> tuple:
        return tuple(sorted({"period": self.period, **params}.items()))

    def sprite(self, motif: str, category: str, size: float, **params) -> Sprite | None:
        seed, frozen = self.seed(), self._params(params)
        if self.templates is not None:
            seed = self.templates.seed_for(motif, frozen, seed)
        box = alpha_box(draw_motif(motif, seed, size, frozen))
        if box is None:
            return None
        template = f"{motif}-{seed}"
        return Sprite(
            motif, category, seed, size, frozen, (box[0], box[1]), box[2], box[3], template
        )

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
                template=sprite.template,
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


def scatter(c: Composer, sprites: list[Sprite], box: Box, placed: list[Box]) -> None:
    """Place sprites at random in the box where they barely overlap what is there."""
    for s in sprites:
        if s.w > box[2] or s.h > box[3]:
            continue
        for _ in range(20):
            x = box[0] + c.rng.uniform(0, box[2] - s.w)
            y = box[1] + c.rng.uniform(0, box[3] - s.h)
            if all(ios((x, y, s.w, s.h), p) < 0.12 for p in placed):
                placed.append(c.place(s, x, y))
                break
