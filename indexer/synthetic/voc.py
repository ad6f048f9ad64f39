"""Pascal VOC XML for synthetic murals: one <object> per labelled instance, through the one VOC
module (indexer.training.voc); VOC boxes are 1-based and inclusive (xmin = x + 1, xmax = x + w).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..training.voc import Box, parse_voc
from ..training.voc import voc_xml as annotation_xml
from .spec import Instance, MuralSpec

VOC_FOLDER = "dunhuang-synthetic"


def voc_xml(spec: MuralSpec, image_filename: str) -> str:
    """The annotation as text; identical specs give identical bytes."""
    return annotation_xml(
        image_filename,
        spec.width,
        spec.height,
        [Box(i.category, i.x, i.y, i.w, i.h, i.truncated) for i in spec.instances],
        folder=VOC_FOLDER,
        source={
            "database": "Dunhuang Search synthetic murals",
            "annotation": "procedural (exact)",
            "image": f"{spec.site} cave {spec.cave}, {spec.wall}, {spec.period}",
        },
    )


def write_voc(spec: MuralSpec, image_filename: str, path: str | os.PathLike) -> None:
    Path(path).write_text(voc_xml(spec, image_filename), encoding="utf-8")


def read_voc(path: str | os.PathLike) -> list[Instance]:
    """The instances of a VOC file, as 0-based (x, y, w, h) boxes."""
    return [
        Instance(obj.name, obj.x, obj.y, obj.w, obj.h, obj.truncated)
        for obj in parse_voc(path).objects
    ]
