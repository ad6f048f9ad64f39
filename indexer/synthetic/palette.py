"""Earth pigments of the Dunhuang caves, grouped into palettes by period.

Colours are RGB tuples; motifs pick from the palette of their mural's period.
"""

from __future__ import annotations

from dataclasses import dataclass

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

PERIOD_PALETTES: dict[str, Palette] = {
    "northern-liang": _EARLY,
    "northern-wei": _EARLY,
    "western-wei": _EARLY,
    "northern-zhou": _EARLY,
    "sui": _SUI,
    "early-tang": _TANG,
    "high-tang": _TANG,
    "middle-tang": _TANG,
    "late-tang": _TANG,
    "five-dynasties": _LATE,
    "song": _LATE,
    "uyghur": _GREEN,
    "western-xia": _GREEN,
    "yuan": _YUAN,
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
