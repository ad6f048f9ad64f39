"""Damage painted over a mural: cracks in the plaster and flaked pigment.

Flakes show the lighter plaster or the darker mud layer beneath; stains are drawn by the renderer.
"""

from __future__ import annotations

import math

import numpy as np

from .canvas import Canvas
from .palette import MUD, PLASTER, mix, vary


def _crack_walk(rng: np.random.Generator, size: float) -> tuple[list[np.ndarray], np.ndarray]:
    paths = []
    heading = rng.uniform(0, 2 * math.pi)
    start = np.zeros(2)
    for branch in range(int(rng.integers(1, 4))):
        steps = max(4, int(size / rng.uniform(4, 8) * (1 if branch == 0 else 0.4)))
        turns = np.cumsum(rng.normal(0, 0.08, steps)) + heading + rng.normal(0, 0.35, steps)
        lengths = rng.uniform(2, 8, steps)
        pts = start + np.cumsum(np.stack([np.cos(turns), np.sin(turns)], 1) * lengths[:, None], 0)
        pts = np.vstack([start, pts])
        paths.append(pts)
        start = pts[int(rng.integers(len(pts) // 3, len(pts)))]
        heading = turns[0] + rng.choice([-1, 1]) * rng.uniform(0.5, 1.2)
    every = np.vstack(paths)
    return paths, every.min(0) - 4


def crack_extent(size: float, params: dict, seed: int) -> tuple[int, int]:
    paths, lo = _crack_walk(np.random.default_rng(seed), size)
    hi = np.vstack(paths).max(0)
    return int(np.ceil(hi[0] - lo[0])) + 4, int(np.ceil(hi[1] - lo[1])) + 4


def draw_crack(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """A random-walk crack of length about `size`, sometimes branching."""
    paths, lo = _crack_walk(rng, size)
    hi = np.vstack(paths).max(0)
    canvas = Canvas(int(np.ceil(hi[0] - lo[0])) + 4, int(np.ceil(hi[1] - lo[1])) + 4)
    dark = vary(rng, (70, 55, 45), 8)
    light = vary(rng, (214, 198, 170), 8)
    width = rng.uniform(1.0, 1.8)
    for i, pts in enumerate(paths):
        p = pts - lo
        canvas.stroke(p + (0.8, 0.8), light, 1)
        canvas.stroke(p, dark, width if i == 0 else 1)
    canvas.fade(float(rng.uniform(0.6, 0.9)))
    return canvas.pixels


def flake_extent(size: float, params: dict, seed: int) -> tuple[int, int]:
    return int(size * 1.6) + 8, int(size * 1.6) + 8


def _blob(rng, size: float, centre) -> np.ndarray:
    n = 48
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    radius = np.ones(n)
    for k in range(1, 6):
        radius += rng.normal(0, 0.28 / k) * np.cos(k * t + rng.uniform(0, 2 * math.pi))
    radius = np.clip(radius * (1 + rng.normal(0, 0.06, n)), 0.25, 2.0) * size / 2
    aspect = rng.uniform(0.5, 1.0)
    return np.stack([np.cos(t) * radius, np.sin(t) * radius * aspect], 1) + centre


def draw_flake(rng: np.random.Generator, size: float, params: dict) -> np.ndarray:
    """Flaked-off pigment: an irregular patch where bare plaster (lighter) or the mud layer
    (darker) shows through the remnants of paint, with a shadowed rim."""
    canvas = Canvas(*flake_extent(size, params, 0))
    outline = _blob(rng, size, (canvas.width / 2, canvas.height / 2))
    light = rng.random() < 0.65
    shift = int(rng.integers(-12, 13))
    colour = tuple(min(255, max(0, v + shift)) for v in (PLASTER if light else MUD))
    canvas.shape(outline, colour, mix(colour, (60, 45, 35), 0.5), max(1.0, size / 50))
    centre = outline.mean(0)
    for _ in range(int(size / 5)):
        edge = outline[int(rng.integers(len(outline)))]
        p = centre + (edge - centre) * rng.uniform(0, 0.85)
        canvas.ellipse(
            p,
            (rng.uniform(0.5, 2.5), rng.uniform(0.5, 2.0)),
            mix(colour, (70, 55, 45), float(rng.uniform(0.1, 0.4))),
        )
    canvas.mottle(rng, 0.12, grain=3)
    canvas.fade(float(rng.uniform(0.55, 0.9)))
    return canvas.pixels
