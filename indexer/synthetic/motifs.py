"""The registry of motifs by name: how to draw each, and for clutter its canvas size.

Labelled motifs have no extent: the planner draws them once to find their tight boxes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import cartouche, damage, figures, ornament, secular

Draw = Callable[[np.random.Generator, float, dict], np.ndarray]
Extent = Callable[[float, dict, int], tuple[int, int]]


@dataclass(frozen=True)
class Motif:
    draw: Draw
    extent: Extent | None = None  # (width, height) of the canvas; None for labelled motifs


MOTIFS: dict[str, Motif] = {
    "seated-buddha": Motif(figures.draw_seated_buddha),
    "cartouche": Motif(cartouche.draw_cartouche),
    "donor": Motif(figures.draw_donor),
    "apsara": Motif(figures.draw_apsara),
    "warrior": Motif(secular.draw_warrior),
    "archer": Motif(secular.draw_archer),
    "labourer": Motif(secular.draw_labourer),
    "musician": Motif(secular.draw_musician),
    "rider": Motif(secular.draw_rider),
    "cloud": Motif(ornament.draw_cloud, ornament.EXTENTS["cloud"]),
    "flowers": Motif(ornament.draw_flowers, ornament.EXTENTS["flowers"]),
    "tree": Motif(ornament.draw_tree, ornament.EXTENTS["tree"]),
    "mountains": Motif(ornament.draw_mountains, ornament.EXTENTS["mountains"]),
    "animal": Motif(ornament.draw_animal, ornament.EXTENTS["animal"]),
    "lotus": Motif(ornament.draw_lotus, ornament.EXTENTS["lotus"]),
    "mat": Motif(ornament.draw_mat, ornament.EXTENTS["mat"]),
    "band": Motif(ornament.draw_band, ornament.EXTENTS["band"]),
    "crack": Motif(damage.draw_crack, damage.crack_extent),
    "flake": Motif(damage.draw_flake, damage.flake_extent),
}


CACHE_BYTES = 64 * 2**20  # drawn canvases kept between planning and rendering
_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
_cached_bytes = 0


def draw_motif(name: str, seed: int, size: float, params: tuple) -> np.ndarray:
    """The untrimmed RGBA canvas of one motif, identical for identical arguments.

    Recently drawn canvases are kept (least recently used out first, within CACHE_BYTES),
    so a small mural's figures are drawn once for planning and rendering; treat as read-only.
    """
    global _cached_bytes
    key = (name, seed, size, params)
    canvas = _cache.get(key)
    if canvas is not None:
        _cache.move_to_end(key)
        return canvas
    canvas = MOTIFS[name].draw(np.random.default_rng(seed), size, dict(params))
    canvas.flags.writeable = False
    if canvas.nbytes <= CACHE_BYTES // 8:
        _cache[key] = canvas
        _cached_bytes += canvas.nbytes
        while _cached_bytes > CACHE_BYTES:
            _cached_bytes -= _cache.popitem(last=False)[1].nbytes
    return canvas
