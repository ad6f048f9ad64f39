"""Value objects of a planned mural: its labelled instances, panels and paint items.

A MuralSpec is everything the renderer needs; equal specs render identical pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CATEGORIES: tuple[str, ...] = (
    "inscription",
    "thousand-buddha",
    "donor",
    "apsara",
    "non-buddhist-figure",
)
PERIODS: tuple[str, ...] = (
    "northern-liang",
    "northern-wei",
    "western-wei",
    "northern-zhou",
    "sui",
    "early-tang",
    "high-tang",
    "middle-tang",
    "late-tang",
    "five-dynasties",
    "song",
    "uyghur",
    "western-xia",
    "yuan",
)
SITES: tuple[str, ...] = ("mogao", "yulin", "western-thousand-buddha")
WALLS: tuple[str, ...] = ("south", "north", "east", "west", "ceiling", "west-niche", "corridor")

GROUND, FIGURES, DAMAGE = 0, 1, 2  # paint layers; ageing is applied between FIGURES and DAMAGE


@dataclass(frozen=True)
class Instance:
    """One labelled instance: its tight box in mural pixels, clipped to the image."""

    category: str
    x: int
    y: int
    w: int
    h: int
    truncated: bool = False
    # The motif template that painted it, "motif-seed": equal for copies of one template
    # (same motif parameters; scale, colour and damage may differ). Not in VOC files.
    template: str = field(default="", compare=False)


@dataclass(frozen=True)
class Panel:
    """A rectangle of flat ground colour (a register's panel or the whole wall)."""

    x: int
    y: int
    w: int
    h: int
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class Paint:
    """One motif placed on the mural: its patch covers (x, y, w, h) in mural pixels.

    crop is where that patch starts inside the motif's canvas (labelled motifs are trimmed
    to their painted pixels). repeat "x" or "y" tiles the patch along a band of that length.
    """

    motif: str
    layer: int
    x: int
    y: int
    w: int
    h: int
    seed: int
    size: float
    params: tuple = ()
    category: str | None = None
    crop: tuple[int, int] = (0, 0)
    repeat: str = ""
    unit: tuple[int, int] = (0, 0)  # (width, height) of a repeated unit
    template: str = ""  # labelled paints: their motif template (see Instance.template)


@dataclass(frozen=True)
class MuralSpec:
    width: int
    height: int
    seed: int
    site: str
    cave: int
    wall: str
    period: str
    title: str
    instances: tuple[Instance, ...]
    scale: float = 1.0
    panels: tuple[Panel, ...] = ()
    paints: tuple[Paint, ...] = ()
    fading: float = 0.15  # how far the pigments have faded towards the plaster
    staining: float = 2.0  # how strongly soot and water stains darken the wall

    def metadata(self, image_filename: str, annotation_filename: str) -> dict:
        """The metadata.json record of this mural."""
        return {
            "file": image_filename,
            "annotation": annotation_filename,
            "site": self.site,
            "cave": self.cave,
            "wall": self.wall,
            "period": self.period,
            "title": self.title,
            "width": self.width,
            "height": self.height,
            "seed": self.seed,
        }
