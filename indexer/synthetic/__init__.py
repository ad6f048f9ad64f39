"""Procedural Dunhuang-style murals with exact Pascal VOC labels, for the demo and the tests.

Plan a mural from a seed, render it strip by strip (in bounded memory), write image and labels.
"""

from __future__ import annotations

from .composer import TemplateBank
from .layout import plan_mural
from .render import MuralRenderer, render_mural, render_region, render_strip
from .spec import CATEGORIES, PERIODS, SITES, WALLS, Instance, MuralSpec, Paint, Panel
from .voc import read_voc, voc_xml, write_voc
from .write import image_seed, iter_tiles, make_demo_murals, plan_murals, write_mural_image

# Bump when the pixels or labels made for a given seed change (keys caches of trained models).
GENERATOR_VERSION = 4

__all__ = [
    "CATEGORIES",
    "GENERATOR_VERSION",
    "PERIODS",
    "SITES",
    "WALLS",
    "Instance",
    "MuralRenderer",
    "MuralSpec",
    "Paint",
    "TemplateBank",
    "Panel",
    "image_seed",
    "iter_tiles",
    "make_demo_murals",
    "plan_mural",
    "plan_murals",
    "read_voc",
    "render_mural",
    "render_region",
    "render_strip",
    "voc_xml",
    "write_mural_image",
    "write_voc",
]
