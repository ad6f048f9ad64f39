"""The tile requests OpenSeadragon makes of a IIIF Image API 3 service (for the tests of the
image service and of its parameters)."""

from __future__ import annotations

import math


def osd_tile_requests(width: int, height: int, level_sizes: list[tuple[int, int]], tile: int = 256):
    """(region, size, expected output size) for every tile OpenSeadragon 6.1 asks a IIIF 3
    service for, given the info.json that the service writes (sizes = the pyramid levels)."""
    levels = sorted(level_sizes)
    max_level = len(levels) - 1
    for level, (level_w, level_h) in enumerate(levels):
        scale = 0.5 ** (max_level - level)
        if level_w < tile and level_h < tile:
            full = (level_w, level_h) == (width, height)
            yield "full", "max" if full else f"{level_w},{level_h}", (level_w, level_h)
            continue
        region_side = round(tile / scale)
        for ty in range(math.ceil(level_h / tile)):
            for tx in range(math.ceil(level_w / tile)):
                rx, ry = tx * region_side, ty * region_side
                rw, rh = min(region_side, width - rx), min(region_side, height - ry)
                whole = (rx, ry, rw, rh) == (0, 0, width, height)
                region_text = "full" if whole else f"{rx},{ry},{rw},{rh}"
                sw, sh = min(tile, level_w - tx * tile), min(tile, level_h - ty * tile)
                size_text = "max" if (sw, sh) == (width, height) else f"{sw},{sh}"
                yield region_text, size_text, (sw, sh)
