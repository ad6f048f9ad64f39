"""Test images with known Chinese text: rendered with a system CJK font (skip without one)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

OCHRE = (196, 160, 112)
CARTOUCHE = (236, 224, 196)
INK = (40, 30, 22)


def cjk_font() -> Path:
    """A font file that has Chinese glyphs (fontconfig's `fc-list :lang=zh`); skips if none."""
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig (fc-list) is not installed: no way to find a CJK font")
    listing = subprocess.run(
        ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
    ).stdout
    fonts = sorted(
        Path(line.split(":")[0].strip())
        for line in listing.splitlines()
        if line.strip().split(":")[0].endswith((".ttf", ".ttc", ".otf"))
    )
    if not fonts:
        pytest.skip("no font with Chinese glyphs on this system (fc-list :lang=zh)")
    return fonts[0]


def text_panel(columns: list[str], size: int = 40, vertical: bool = True) -> np.ndarray:
    """A light cartouche with `columns` written top to bottom, right to left (vertical) or as
    rows top to bottom (horizontal); (h, w, 3) uint8 RGB."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(cjk_font()), size)
    step, longest = int(size * 1.05), max(len(c) for c in columns)
    if vertical:
        width, height = int(len(columns) * size * 1.7 + size), longest * step + size
    else:
        width, height = longest * step + size, int(len(columns) * size * 1.7 + size)
    image = Image.new("RGB", (width, height), CARTOUCHE)
    draw = ImageDraw.Draw(image)
    draw.rectangle([2, 2, width - 3, height - 3], outline=(150, 60, 40), width=3)
    for c, text in enumerate(columns):
        for i, char in enumerate(text):
            if vertical:
                x = width - size // 2 - (c + 1) * int(size * 1.7) + int(size * 0.35)
                draw.text((x, size // 2 + i * step), char, fill=INK, font=font)
            else:
                draw.text((size // 2 + i * step, size // 2 + c * int(size * 1.7)), char, fill=INK,
                          font=font)
    return np.asarray(image)


def wall_with_panels(
    width: int, height: int, panels: list[tuple[int, int, np.ndarray]], seed: int = 0
) -> np.ndarray:
    """An ochre wall with faint noise and each panel pasted at its (x, y)."""
    rng = np.random.default_rng(seed)
    wall = np.clip(
        np.array(OCHRE, np.float32) + rng.normal(0, 5, (height, width, 3)), 0, 255
    ).astype(np.uint8)
    for x, y, panel in panels:
        wall[y : y + panel.shape[0], x : x + panel.shape[1]] = panel
    return wall
