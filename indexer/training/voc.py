"""Pascal VOC XML: parsing with line numbers, box checks, the files of a data set, and writing.

The one VOC module: the synthetic murals' labels, import_voc (dunhuang_search.training.voc_import)
and export_elements (dunhuang_search.training.exports) all read and write through it.
"""

from __future__ import annotations

import json
import math
import os
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element as XmlElement
from xml.etree.ElementTree import TreeBuilder

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".jp2")


class VocError(ValueError):
    """Bad VOC input; str() is one readable line, `file:line: message` where known."""

    def __init__(
        self, message: str, path: str | os.PathLike | None = None, line: int | None = None
    ):
        self.path, self.line, self.problem = path, line, message
        where = (
            f"{Path(path).name}:{line}: "
            if path and line
            else (f"{Path(path).name}: " if path else "")
        )
        super().__init__(where + message)


@dataclass(frozen=True)
class VocObject:
    """One labelled box as written (VOC corners, 1-based inclusive), with its lines."""

    name: str
    xmin: int
    ymin: int
    xmax: int
    ymax: int
    line: int  # of <object>
    name_line: int
    box_line: int
    truncated: bool = False  # <truncated>1</truncated>: cut by the image border

    # 0-based (x, y, w, h); a corner of 0, as some tools write, is read as 1
    @property
    def x(self) -> int:
        return max(self.xmin, 1) - 1

    @property
    def y(self) -> int:
        return max(self.ymin, 1) - 1

    @property
    def w(self) -> int:
        return self.xmax - self.x

    @property
    def h(self) -> int:
        return self.ymax - self.y


@dataclass(frozen=True)
class VocAnnotation:
    path: Path
    filename: str
    filename_line: int
    width: int | None
    height: int | None
    size_line: int
    objects: tuple[VocObject, ...]
    source_path: str = ""  # <path>: where the image was, if the writer said


# ---- parsing (with line numbers) ----


def _parse_tree(path: Path) -> tuple[XmlElement, dict[int, int]]:
    """The XML tree and {id(element): line}. Entity declarations are refused (no XML bombs)."""
    builder = TreeBuilder()
    lines: dict[int, int] = {}
    parser = xml.parsers.expat.ParserCreate()

    def start(tag: str, attrs: dict) -> None:
        lines[id(builder.start(tag, attrs))] = parser.CurrentLineNumber

    def refuse_entities(name, *args) -> None:
        raise VocError(
            f"entity declaration {name!r} is not allowed", path, parser.CurrentLineNumber
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.EntityDeclHandler = refuse_entities
    try:
        with path.open("rb") as f:
            parser.ParseFile(f)
    except xml.parsers.expat.ExpatError as exc:
        message = xml.parsers.expat.ErrorString(exc.code)
        raise VocError(
            f"malformed XML: {message} (column {exc.offset + 1})", path, exc.lineno
        ) from None
    except OSError as exc:
        raise VocError(f"cannot read: {exc.strerror}", path) from None
    return builder.close(), lines


def _number(node: XmlElement | None, tag: str, path: Path, line: int) -> float:
    text = node.findtext(tag) if node is not None else None
    if text is None or not text.strip():
        raise VocError(f"<{tag}> is missing", path, line)
    try:
        number = float(text.strip())
    except ValueError:
        raise VocError(f"<{tag}> must be a number, not {text.strip()!r}", path, line) from None
    if not math.isfinite(number):  # nan, inf, 1e400: no box or size
        raise VocError(f"<{tag}> must be a finite number, not {text.strip()!r}", path, line)
    return number


def parse_voc(path: str | os.PathLike) -> VocAnnotation:
    """Read one VOC XML file. Boxes are 1-based and inclusive (xmin = x + 1, xmax = x + w);
    xmin or ymin 0, as some tools write, is read as 1. Box geometry is checked later, against
    the image (see check_boxes)."""
    path = Path(path)
    root, lines = _parse_tree(path)
    line_of = lambda node: lines.get(id(node), 1)  # noqa: E731
    if root.tag != "annotation":
        raise VocError(f"the root element is <{root.tag}>, not <annotation>", path, line_of(root))
    filename_node = root.find("filename")
    filename = (filename_node.text or "").strip() if filename_node is not None else ""
    size = root.find("size")
    width = height = None
    if size is not None and size.findtext("width") and size.findtext("height"):
        width = int(_number(size, "width", path, line_of(size)))
        height = int(_number(size, "height", path, line_of(size)))
    objects = []
    for obj in root.iter("object"):
        name_node = obj.find("name")
        name = (name_node.text or "").strip() if name_node is not None else ""
        if not name:
            raise VocError("<object> has no <name>", path, line_of(obj))
        box = obj.find("bndbox")
        if box is None:
            raise VocError(f"<object> {name!r} has no <bndbox>", path, line_of(obj))
        box_line = line_of(box)
        xmin, ymin, xmax, ymax = (
            round(_number(box, tag, path, box_line)) for tag in ("xmin", "ymin", "xmax", "ymax")
        )
        truncated = (obj.findtext("truncated") or "0").strip() == "1"
        objects.append(
            VocObject(
                name, xmin, ymin, xmax, ymax, line_of(obj), line_of(name_node), box_line, truncated
            )
        )
    return VocAnnotation(
        path,
        filename,
        line_of(filename_node) if filename_node is not None else 1,
        width,
        height,
        line_of(size) if size is not None else 1,
        tuple(objects),
        (root.findtext("path") or "").strip(),
    )


def check_boxes(annotation: VocAnnotation, width: int, height: int) -> None:
    """Every box inside a width x height image, with an area (xmax > xmin, ymax > ymin, as
    CVAT and labelImg measure it)."""
    for obj in annotation.objects:
        corners = f"xmin {obj.xmin}, ymin {obj.ymin}, xmax {obj.xmax}, ymax {obj.ymax}"
        if obj.xmax <= obj.xmin or obj.ymax <= obj.ymin:
            raise VocError(
                f"box of {obj.name!r} has zero area ({corners})", annotation.path, obj.box_line
            )
        if obj.xmin < 0 or obj.ymin < 0 or obj.xmax > width or obj.ymax > height:
            raise VocError(
                f"box of {obj.name!r} ({corners}) lies outside the {width}x{height} image",
                annotation.path,
                obj.box_line,
            )


# ---- the files of a data set ----


def find_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """XML files and images: flat (one folder), or VOC's Annotations/ and JPEGImages/."""
    if not directory.is_dir():
        raise VocError(f"{directory} is not a folder")
    folders = [directory] + [
        directory / name
        for name in ("Annotations", "JPEGImages", "images")
        if (directory / name).is_dir()
    ]
    xmls, images = [], []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.suffix.lower() == ".xml":
                xmls.append(path)
            elif path.suffix.lower() in IMAGE_SUFFIXES:
                images.append(path)
    return xmls, images


def read_metadata(path: str | os.PathLike | None) -> dict[str, dict]:
    """--mural-metadata: a JSON list of records with "file" (as make_demo_murals writes), or an
    object {image file name: record}; "*" is the record for any other file. A record gives
    cave, wall and period (slugs), and optionally site (default mogao), title and dpi."""
    if path is None:
        return {}
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VocError(f"cannot read the mural metadata: {exc.strerror}", path) from None
    except json.JSONDecodeError as exc:
        raise VocError(f"malformed JSON: {exc.msg}", path, exc.lineno) from None
    if isinstance(data, list):
        if not all(isinstance(r, dict) and isinstance(r.get("file"), str) for r in data):
            raise VocError('a list of mural records must give each a "file"', path)
        data = {Path(r["file"]).name: r for r in data}
    if not isinstance(data, dict) or not all(isinstance(r, dict) for r in data.values()):
        raise VocError("expected a list of records or an object of records", path)
    for name, record in data.items():
        missing = [k for k in ("cave", "wall", "period") if not record.get(k)]
        if missing:
            raise VocError(f"the record for {name!r} has no {', '.join(missing)}", path)
    return data


# ---- writing ----


@dataclass(frozen=True)
class Box:
    """A labelled box to write, 0-based (x, y, w, h)."""

    name: str
    x: int
    y: int
    w: int
    h: int
    truncated: bool = False


def voc_xml(
    filename: str,
    width: int,
    height: int,
    boxes: list[Box],
    *,
    folder: str = "",
    path: str = "",
    source: dict[str, str] | None = None,
) -> str:
    """One VOC annotation as text (1-based inclusive boxes, as parse_voc reads them); the same
    arguments give the same bytes. `source` fills <source> (default: the database's name)."""
    root = ET.Element("annotation")

    def sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
        node = ET.SubElement(parent, tag)
        if text is not None:
            node.text = str(text)
        return node

    sub(root, "folder", folder)
    sub(root, "filename", filename)
    if path:
        sub(root, "path", path)
    source_node = sub(root, "source")
    for tag, text in (source or {"database": "Dunhuang Search"}).items():
        sub(source_node, tag, text)
    size = sub(root, "size")
    sub(size, "width", width)
    sub(size, "height", height)
    sub(size, "depth", 3)
    sub(root, "segmented", 0)
    for box in boxes:
        obj = sub(root, "object")
        sub(obj, "name", box.name)
        sub(obj, "pose", "Unspecified")
        sub(obj, "truncated", int(box.truncated))
        sub(obj, "difficult", 0)
        bndbox = sub(obj, "bndbox")
        sub(bndbox, "xmin", box.x + 1)
        sub(bndbox, "ymin", box.y + 1)
        sub(bndbox, "xmax", box.x + box.w)
        sub(bndbox, "ymax", box.y + box.h)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"
