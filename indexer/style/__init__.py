"""Style transfer for Dunhuang Search, without Django: expert style sets cast onto any image by
four methods behind one interface (`stylize`), tiled for large images, style descriptors for
the map of style through time, the unpaired model's training and the deception-rate evaluation.
"""

from __future__ import annotations

from .errors import StyleError
from .methods import METHODS, Plan, StyleSource, Stylization, plan, stylize
from .tiling import stylize_region

__all__ = [
    "METHODS",
    "Plan",
    "StyleError",
    "StyleSource",
    "Stylization",
    "plan",
    "stylize",
    "stylize_region",
]
