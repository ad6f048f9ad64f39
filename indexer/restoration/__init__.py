"""Virtual restoration, Django-free: damage masks, inpainting methods behind one interface
(telea, ns, patchmatch, pconv, search-guided), tiled restoration of large regions, training
and evaluation. The studio app and its management commands adapt these functions.
"""

from __future__ import annotations

from .errors import RestorationError
from .masks import (
    click_mask,
    dust_mask,
    jelly_mask,
    lost_fraction,
    read_mask,
    simulated_mask,
    suggest_losses,
)
from .methods import METHODS, Restoration, inpaint, restore

__all__ = [
    "METHODS",
    "Restoration",
    "RestorationError",
    "click_mask",
    "dust_mask",
    "inpaint",
    "jelly_mask",
    "lost_fraction",
    "read_mask",
    "restore",
    "simulated_mask",
    "suggest_losses",
]
