"""Earth pigments of the Dunhuang caves, grouped into palettes by period.

Colours are RGB tuples; motifs pick from the palette of their mural's period.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

Colour = tuple[int, int, int]

INK: Colour = (38, 30, 26)
PLASTER: Colour = (206, 189, 158)
MUD: Colour = (142, 112, 82)

CINNABAR: Colour = (184, 62, 40)
RED_OCHRE: Colour = (158, 72, 46)
EARTH_RED: Colour = (146, 82, 56)
DARK_RED: Colour = (110, 46, 36)
OCHRE: Colour = (196, 150, 82)
YELLOW_OCHRE: Colour = (214, 176, 104)
MALACHITE: Colour = (82, 146, 118)
PALE_GREEN: Colour = (132, 170, 136)
DEEP_GREEN: Colour = (52, 102, 82)
LAPIS: Colour = (52, 82, 150)
AZURITE: Colour = (82, 116, 168)
PALE_BLUE: Colour = (130, 160, 184)
WHITE: Colour = (232, 224, 202)
CREAM: Colour = (226, 208, 168)
PINK: Colour = (222, 164, 140)
FLESH: Colour = (230, 188, 150)
DARK_FLESH: Colour = (88, 66, 58)  # oxidised red lead and lead white of early caves
GREY_BROWN: Colour = (120, 100, 86)
BLACK: Colour = (44, 38, 36)


@dataclass(frozen=True)
class Palette:
    walls: tuple[Colour, ...]  # ground of the whole wall
    panels: tuple[Colour, ...]  # grounds of framed panels
    robes: tuple[Colour, ...]
    accents: tuple[Colour, ...]  # halos, ribbons, borders
    skins: tuple[Colour, ...]
    cartouches: tuple[Colour, ...]
    dark_skin: bool  # early figures: flesh darkened, white nose and eyes


_EARLY = Palette(
    walls=(EARTH_RED, RED_OCHRE, DARK_RED, WHITE),
    panels=(EARTH_RED, WHITE, DEEP_GREEN, RED_OCHRE),
    robes=(CINNABAR, MALACHITE, LAPIS, WHITE, DEEP_GREEN, OCHRE, BLACK),
    accents=(MALACHITE, LAPIS, WHITE, CINNABAR, OCHRE, PALE_GREEN, BLACK),
    skins=(DARK_FLESH, GREY_BROWN, (104, 84, 74)),
    cartouches=(WHITE, CREAM, (214, 206, 180)),
    dark_skin=True,
)
_SUI = Palette(
    walls=(WHITE, EARTH_RED, CREAM),
    panels=(WHITE, EARTH_RED, DEEP_GREEN, LAPIS),
    robes=(CINNABAR, MALACHITE, LAPIS, WHITE, OCHRE, DARK_RED),
    accents=(MALACHITE, LAPIS, CINNABAR, WHITE, OCHRE, PALE_BLUE),
    skins=(FLESH, PINK, DARK_FLESH),
    cartouches=(WHITE, CREAM, YELLOW_OCHRE),
    dark_skin=False,
)
_TANG = Palette(
    walls=(CREAM, WHITE, (220, 200, 160)),
    panels=(CREAM, WHITE, PALE_GREEN, (206, 182, 140)),
    robes=(CINNABAR, MALACHITE, LAPIS, AZURITE, OCHRE, DARK_RED, WHITE, PINK),
    accents=(MALACHITE, LAPIS, CINNABAR, AZURITE, OCHRE, PALE_GREEN, PINK, WHITE),
    skins=(FLESH, PINK, (236, 200, 164)),
    cartouches=(WHITE, CREAM, YELLOW_OCHRE, PALE_GREEN),
    dark_skin=False,
)
_LATE = Palette(
    walls=(OCHRE, (200, 170, 120), CREAM),
    panels=(OCHRE, PALE_GREEN, CREAM, EARTH_RED),
    robes=(RED_OCHRE, MALACHITE, DEEP_GREEN, OCHRE, CINNABAR, WHITE),
    accents=(MALACHITE, RED_OCHRE, PALE_GREEN, OCHRE, WHITE, DEEP_GREEN),
    skins=(FLESH, (214, 170, 130), PINK),
    cartouches=(YELLOW_OCHRE, CREAM, PALE_GREEN, WHITE),
    dark_skin=False,
)
_GREEN = Palette(
    walls=(PALE_GREEN, (110, 150, 120), MALACHITE, OCHRE),
    panels=(MALACHITE, PALE_GREEN, DEEP_GREEN, OCHRE),
    robes=(RED_OCHRE, DEEP_GREEN, MALACHITE, OCHRE, WHITE, DARK_RED),
    accents=(DEEP_GREEN, RED_OCHRE, WHITE, OCHRE, MALACHITE),
    skins=(FLESH, (210, 168, 128), PINK),
    cartouches=(CREAM, YELLOW_OCHRE, WHITE),
    dark_skin=False,
)
_YUAN = Palette(
    walls=(WHITE, (196, 190, 170), CREAM),
    panels=(WHITE, PALE_BLUE, PALE_GREEN, CREAM),
    robes=(AZURITE, MALACHITE, CINNABAR, WHITE, OCHRE, LAPIS),
    accents=(AZURITE, MALACHITE, CINNABAR, WHITE, PALE_BLUE),
    skins=(FLESH, PINK),
    cartouches=(WHITE, CREAM, PALE_BLUE),
    dark_skin=False,
)

# Each period its own variant of its era's palette (after the usual art-historical accounts:
# the red-brown grounds of Northern Liang and Wei, Western Wei's white grounds and Central
# Plains blues, Northern Zhou's dark reds, High Tang's rich gold and azurite, the cooler greens
# of the Tibetan Middle Tang, Late Tang's earthier tones, the green grounds of the Cao family's
# Song and of the Uyghur caves). A colour is one random draw whatever the palette, so a seed
# lays out the same mural, motif for motif, with any palette (tests/indexer/test_synthetic.py);
# a period's signature ground is repeated in its tuples, so most of its walls wear it.
_NORTHERN_LIANG = replace(
    _EARLY,
    walls=(RED_OCHRE, RED_OCHRE, RED_OCHRE, DARK_RED),
    panels=(RED_OCHRE, OCHRE, RED_OCHRE, DEEP_GREEN),
    robes=(CINNABAR, MALACHITE, EARTH_RED, WHITE, DEEP_GREEN, OCHRE, OCHRE),
    accents=(MALACHITE, OCHRE, WHITE, CINNABAR, OCHRE, DEEP_GREEN, BLACK),
)
_NORTHERN_WEI = replace(
    _EARLY,
    walls=(EARTH_RED, EARTH_RED, EARTH_RED, WHITE),
    panels=(EARTH_RED, WHITE, DEEP_GREEN, EARTH_RED),
)
_WESTERN_WEI = replace(
    _EARLY,
    walls=(WHITE, WHITE, WHITE, EARTH_RED),
    panels=(WHITE, LAPIS, WHITE, DEEP_GREEN),
    robes=(CINNABAR, MALACHITE, LAPIS, WHITE, LAPIS, AZURITE, BLACK),
    accents=(MALACHITE, LAPIS, WHITE, CINNABAR, AZURITE, PALE_BLUE, BLACK),
)
_NORTHERN_ZHOU = replace(
    _EARLY,
    walls=(DARK_RED, DARK_RED, DARK_RED, GREY_BROWN),
    panels=(DARK_RED, WHITE, DARK_RED, BLACK),
    robes=(CINNABAR, DEEP_GREEN, LAPIS, WHITE, BLACK, DARK_RED, BLACK),
    accents=(WHITE, LAPIS, WHITE, CINNABAR, BLACK, DEEP_GREEN, BLACK),
)
_SUI_VARIANT = replace(
    _SUI,
    walls=(CREAM, CREAM, EARTH_RED),
    panels=(CREAM, EARTH_RED, CREAM, LAPIS),
)
_EARLY_TANG = replace(
    _TANG,
    walls=(WHITE, WHITE, CREAM),
    panels=(WHITE, WHITE, PALE_GREEN, CREAM),
)
_HIGH_TANG = replace(
    _TANG,
    walls=(CREAM, CREAM, YELLOW_OCHRE),
    panels=(CREAM, AZURITE, CREAM, YELLOW_OCHRE),
    robes=(CINNABAR, MALACHITE, AZURITE, AZURITE, YELLOW_OCHRE, DARK_RED, PINK, PINK),
    accents=(YELLOW_OCHRE, AZURITE, CINNABAR, AZURITE, OCHRE, MALACHITE, PINK, YELLOW_OCHRE),
)
_MIDDLE_TANG = replace(
    _TANG,
    walls=((204, 204, 170), (204, 204, 170), PALE_GREEN),
    panels=(PALE_GREEN, (204, 204, 170), PALE_GREEN, MALACHITE),
    robes=(MALACHITE, DEEP_GREEN, PALE_GREEN, AZURITE, RED_OCHRE, DEEP_GREEN, WHITE, MALACHITE),
    accents=(MALACHITE, DEEP_GREEN, RED_OCHRE, PALE_GREEN, OCHRE, PALE_GREEN, PALE_BLUE, WHITE),
)
_LATE_TANG = replace(
    _TANG,
    walls=((212, 186, 142), (212, 186, 142), OCHRE),
    panels=((212, 186, 142), EARTH_RED, (212, 186, 142), PALE_GREEN),
    robes=(RED_OCHRE, MALACHITE, EARTH_RED, OCHRE, OCHRE, DARK_RED, WHITE, EARTH_RED),
    accents=(RED_OCHRE, MALACHITE, EARTH_RED, OCHRE, OCHRE, PALE_GREEN, CREAM, WHITE),
)
_FIVE_DYNASTIES = replace(
    _LATE,
    walls=(OCHRE, OCHRE, (200, 170, 120)),
    panels=(OCHRE, PALE_GREEN, OCHRE, EARTH_RED),
)
_SONG = replace(
    _LATE,
    walls=(PALE_GREEN, PALE_GREEN, OCHRE),
    panels=(PALE_GREEN, MALACHITE, PALE_GREEN, EARTH_RED),
    robes=(RED_OCHRE, MALACHITE, DEEP_GREEN, DEEP_GREEN, EARTH_RED, WHITE),
    accents=(MALACHITE, RED_OCHRE, DEEP_GREEN, PALE_GREEN, WHITE, MALACHITE),
)
_UYGHUR = replace(
    _GREEN,
    walls=(MALACHITE, MALACHITE, MALACHITE, RED_OCHRE),
    panels=(MALACHITE, RED_OCHRE, MALACHITE, EARTH_RED),
    robes=(RED_OCHRE, EARTH_RED, MALACHITE, RED_OCHRE, WHITE, DARK_RED),
    accents=(RED_OCHRE, DEEP_GREEN, WHITE, EARTH_RED, RED_OCHRE),
)
_WESTERN_XIA = replace(
    _GREEN,
    walls=((110, 150, 120), (110, 150, 120), (110, 150, 120), OCHRE),
    panels=(DEEP_GREEN, (110, 150, 120), DEEP_GREEN, OCHRE),
)
_YUAN_VARIANT = replace(
    _YUAN,
    walls=((196, 190, 170), (196, 190, 170), WHITE),
    panels=((196, 190, 170), PALE_BLUE, (196, 190, 170), PALE_GREEN),
)

PERIOD_PALETTES: dict[str, Palette] = {
    "northern-liang": _NORTHERN_LIANG,
    "northern-wei": _NORTHERN_WEI,
    "western-wei": _WESTERN_WEI,
    "northern-zhou": _NORTHERN_ZHOU,
    "sui": _SUI_VARIANT,
    "early-tang": _EARLY_TANG,
    "high-tang": _HIGH_TANG,
    "middle-tang": _MIDDLE_TANG,
    "late-tang": _LATE_TANG,
    "five-dynasties": _FIVE_DYNASTIES,
    "song": _SONG,
    "uyghur": _UYGHUR,
    "western-xia": _WESTERN_XIA,
    "yuan": _YUAN_VARIANT,
}


def palette_for(period: str) -> Palette:
    return PERIOD_PALETTES[period]


def pick(rng: np.random.Generator, colours: tuple[Colour, ...], jitter: int = 10) -> Colour:
    """One colour of `colours`, each channel moved by up to +-jitter (hand-mixed pigment)."""
    base = colours[int(rng.integers(len(colours)))]
    return vary(rng, base, jitter)


def vary(rng: np.random.Generator, colour: Colour, jitter: int = 10) -> Colour:
    shift = rng.integers(-jitter, jitter + 1, 3) if jitter else (0, 0, 0)
    return tuple(int(min(255, max(0, c + int(s)))) for c, s in zip(colour, shift, strict=True))


def mix(a: Colour, b: Colour, t: float) -> Colour:
    """a moved a fraction t towards b."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b, strict=True))


def distinct(rng: np.random.Generator, colours: tuple[Colour, ...], away: Colour) -> Colour:
    """A colour of `colours` that stands out from `away` (for a figure against its ground)."""
    ranked = sorted(colours, key=lambda c: -sum(abs(x - y) for x, y in zip(c, away, strict=True)))
    return vary(rng, ranked[int(rng.integers(max(1, len(ranked) // 2)))], 8)
