"""The drawn details of a seated Buddha of a thousand-Buddha grid that differ between stencils."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .canvas import Canvas, Frame, ellipse_points, pointed_ellipse
from .palette import INK, WHITE
from .styles import buddha_style


@dataclass(frozen=True)
class BuddhaDetails:
    """The lines that tell one thousand-Buddha stencil from another, as on the walls: the
    pattern inside the mandorla and the halo, the folds of the robe, and the mudra. All lie
    inside the figure's silhouette, so they never change its box."""

    mandorla_pattern: int  # 0 plain, 1 an inner band, 2 radiating rays
    halo_pattern: int  # 0 plain, 1 a ring, 2 rays, 3 a ring of pearls
    robe_pattern: int  # 0 U-folds only, 1 a diagonal sash, 2 hanging folds
    mudra: int  # 0 meditation, 1 fear-not (raised hand), 2 earth-touching, 3 teaching

    @classmethod
    def drawn(cls, rng: np.random.Generator, period: str) -> BuddhaDetails:
        """The details of a template of `period`, mostly its era's (indexer.synthetic.styles)."""
        return cls(*buddha_style(rng, period))

    def mandorla(self, canvas: Canvas, f: Frame, scheme, lw: float) -> None:
        if self.mandorla_pattern == 1:
            band = pointed_ellipse((0, 0.6), (0.25, 0.29), 0.28)
            canvas.stroke(f(band), scheme[2], lw, closed=True)
        elif self.mandorla_pattern == 2:
            _rays(canvas, f, (0, 0.6), (0.2, 0.24), (0.27, 0.32), 215, 18.3, 7, lw)

    def halo(self, canvas: Canvas, f: Frame, lw: float) -> None:
        centre = f([(0, 0.27)])[0]
        if self.halo_pattern == 1:
            ring = ellipse_points(centre, (f.length(0.138), f.length(0.138)))
            canvas.stroke(ring, INK, max(1.0, lw * 0.6), closed=True)
        elif self.halo_pattern == 2:
            _rays(canvas, f, (0, 0.27), (0.12, 0.12), (0.155, 0.155), 180, 20, 10, lw)
        elif self.halo_pattern == 3:
            for k in range(9):
                a = math.radians(190 + k * 20)
                pearl = f([(0.138 * math.cos(a), 0.27 + 0.138 * math.sin(a))])[0]
                canvas.ellipse(pearl, (f.length(0.012), f.length(0.012)), WHITE, INK, lw * 0.5)

    def robe_and_hands(self, canvas: Canvas, f: Frame, skin, lw: float) -> None:
        thin = max(1.0, lw * 0.7)
        if self.robe_pattern == 1:
            canvas.stroke(f([(-0.17, 0.43), (0.05, 0.58), (0.2, 0.7)]), INK, thin)
        elif self.robe_pattern == 2:
            for x in (-0.1, 0.1):
                canvas.stroke(f([(x, 0.5), (x * 1.2, 0.62), (x * 1.3, 0.74)]), INK, thin)
        hand = (f.length(0.03), f.length(0.035))
        if self.mudra == 1:
            canvas.stroke(f([(0.15, 0.62), (0.14, 0.52)]), INK, thin)
            canvas.ellipse(f([(0.14, 0.5)])[0], hand, skin, INK, lw * 0.7)
        elif self.mudra == 2:
            canvas.stroke(f([(0.16, 0.6), (0.23, 0.77)]), INK, thin)
            canvas.ellipse(f([(0.235, 0.8)])[0], hand, skin, INK, lw * 0.7)
        elif self.mudra == 3:
            for x in (-0.035, 0.035):
                canvas.ellipse(f([(x, 0.5)])[0], hand, skin, INK, lw * 0.7)


def _rays(canvas: Canvas, f: Frame, centre, inner, outer, start: float, step: float, n: int, lw):
    """n thin ink rays around centre, from the ellipse of semi-axes inner to that of outer, at
    angles start, start + step, ... degrees (motif units)."""
    cx, cy = centre
    for k in range(n):
        a = math.radians(start + k * step)
        ray = [(cx + inner[0] * math.cos(a), cy + inner[1] * math.sin(a))]
        ray.append((cx + outer[0] * math.cos(a), cy + outer[1] * math.sin(a)))
        canvas.stroke(f(ray), INK, max(1.0, lw * 0.6))
