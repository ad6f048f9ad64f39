"""Pascal VOC XML for synthetic murals: one <object> per labelled instance.

VOC boxes are 1-based and inclusive: a 0-based box x, w becomes xmin = x + 1, xmax = x + w.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

from .spec import Instance, MuralSpec

VOC_FOLDER = "dunhuang-synthetic"


def _sub(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    node = ET.SubElement(parent, tag)
    if text is not None:
        node.text = str(text)
    return node


def voc_xml(spec: MuralSpec, image_filename: str) -> str:
    """The annotation as text; identical specs give identical bytes."""
    root = ET.Element("annotation")
    _sub(root, "folder", VOC_FOLDER)
    _sub(root, "filename", image_filename)
    source = _sub(root, "source")
    _sub(source, "database", "Dunhuang Search synthetic murals")
    _sub(source, "annotation", "procedural (exact)")
    _sub(source, "image", f"{spec.site} cave {spec.cave}, {spec.wall}, {spec.period}")
    size = _sub(root, "size")
    _sub(size, "width", spec.width)
    _sub(size, "height", spec.height)
    _sub(size, "depth", 3)
    _sub(root, "segmented", 0)
    for inst in spec.instances:
        obj = _sub(root, "object")
        _sub(obj, "name", inst.category)
        _sub(obj, "pose", "Unspecified")
        _sub(obj, "truncated", int(inst.truncated))
        _sub(obj, "difficult", 0)
        box = _sub(obj, "bndbox")
        _sub(box, "xmin", inst.x + 1)
        _sub(box, "ymin", inst.y + 1)
        _sub(box, "xmax", inst.x + inst.w)
        _sub(box, "ymax", inst.y + inst.h)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def write_voc(spec: MuralSpec, image_filename: str, path: str | os.PathLike) -> None:
    Path(path).write_text(voc_xml(spec, image_filename), encoding="utf-8")


def read_voc(path: str | os.PathLike) -> list[Instance]:
    """The instances of a VOC file, as 0-based (x, y, w, h) boxes."""
    root = ET.parse(path).getroot()
    out = []
    for obj in root.iter("object"):
        box = obj.find("bndbox")
        xmin, ymin, xmax, ymax = (
            int(float(box.findtext(k))) for k in ("xmin", "ymin", "xmax", "ymax")
        )
        out.append(
            Instance(
                obj.findtext("name"),
                xmin - 1,
                ymin - 1,
                xmax - xmin + 1,
                ymax - ymin + 1,
                obj.findtext("truncated", "0").strip() == "1",
            )
        )
    return out
