"""Export accepted elements as Pascal VOC XML, YOLO txt or COCO JSON (CVAT, Label Studio...).

Accepted: manual elements not rejected, and detector elements a reviewer accepted. The output
folder appears whole or not at all (written beside it, then renamed into place).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone

from dunhuang_search.catalogue.models import Mural, Period, Site
from dunhuang_search.elements.models import Category, Element
from indexer.files import atomic_folder
from indexer.training.voc import Box, voc_xml

from .labels import accepted_elements

FORMATS = ("voc", "yolo", "coco")
JPEG_MAX_SIDE = 65_500
SUFFIXES = {"jpeg": ".jpg", "png": ".png", "tiff": ".tif", "jp2": ".jp2"}
Progress = Callable[..., Iterable]  # called like tqdm(iterable, desc=..., unit=..., total=...)


class ExportError(ValueError):
    """An export that cannot be made as asked; the message is one readable line."""


def select_elements(
    categories: list[str] | None = None,
    murals: list[int] | None = None,
    period: str | None = None,
    site: str | None = None,
    cave: int | None = None,
) -> QuerySet:
    """Accepted elements narrowed by the filters; unknown slugs or ids raise ExportError."""
    elements = accepted_elements()
    if categories:
        unknown = sorted(set(categories) - set(Category.objects.values_list("slug", flat=True)))
        if unknown:
            known = ", ".join(Category.objects.order_by("pk").values_list("slug", flat=True))
            raise ExportError(f"unknown category {', '.join(unknown)} (known: {known})")
        elements = elements.filter(category__slug__in=categories)
    if murals:
        missing = sorted(
            set(murals) - set(Mural.objects.filter(pk__in=murals).values_list("pk", flat=True))
        )
        if missing:
            raise ExportError(f"no mural with id {', '.join(map(str, missing))}")
        elements = elements.filter(mural__in=murals)
    for value, model, lookup in (
        (period, Period, "mural__period__slug"),
        (site, Site, "mural__cave__site__slug"),
    ):
        if value:
            if not model.objects.filter(slug=value).exists():
                known = ", ".join(model.objects.values_list("slug", flat=True))
                raise ExportError(f"unknown {model.__name__.lower()} {value!r} (known: {known})")
            elements = elements.filter(**{lookup: value})
    if cave is not None:
        elements = elements.filter(mural__cave__number=cave)
    return elements


def export_classes() -> list[Category]:
    """The class list, in index order: every category, in the order they were made (as the
    detector is trained), so class ids agree across exports and with training."""
    return list(Category.objects.order_by("pk"))


@dataclass
class ExportReport:
    format: str
    out: str
    murals: int = 0
    elements: int = 0
    images: int = 0
    classes: list[str] = field(default_factory=list)


def image_name(mural: Mural) -> str:
    """The exported image's file name: mural-<id> with the source's suffix (murals of many
    sources share file names; ids do not)."""
    source = Path(mural.source_path)
    if source.is_file():
        suffix = source.suffix.lower() or SUFFIXES.get(mural.source_format, ".jpg")
    elif max(mural.width, mural.height) <= JPEG_MAX_SIDE:
        suffix = ".jpg"
    else:
        suffix = ".tif"
    return f"mural-{mural.pk}{suffix}"


def write_image(mural: Mural, dest: Path) -> None:
    """The source file (hard-linked or copied), or, where it is gone, full resolution from the
    pyramid, streamed by pyvips."""
    source = Path(mural.source_path)
    if source.is_file():
        try:
            os.link(source, dest)
        except OSError:
            shutil.copyfile(source, dest)
        return
    import pyvips

    image = pyvips.Image.new_from_file(str(mural.pyramid_path), access="sequential")
    if dest.suffix == ".jpg":
        image.jpegsave(str(dest), Q=95)
    else:
        image.tiffsave(str(dest), tile=True, bigtiff=True, compression="jpeg", Q=95)


def _group(elements: QuerySet) -> list[tuple[Mural, list[Element]]]:
    rows = elements.select_related("category").defer("embedding").order_by("mural_id", "pk")
    by_mural: dict[int, list[Element]] = {}
    for element in rows:
        by_mural.setdefault(element.mural_id, []).append(element)
    murals = Mural.objects.select_related("cave__site", "period").in_bulk(list(by_mural))
    return [(murals[pk], by_mural[pk]) for pk in sorted(by_mural)]


def _items(groups, progress: Progress | None, desc: str):
    if progress is None:
        return groups
    return progress(groups, desc=desc, unit="mural", total=len(groups))


def write_voc(folder: Path, groups, classes, images: bool, progress) -> int:
    (folder / "Annotations").mkdir()
    (folder / "ImageSets" / "Main").mkdir(parents=True)
    if images:
        (folder / "JPEGImages").mkdir()
    stems = []
    for mural, elements in _items(groups, progress, "voc"):
        name = image_name(mural)
        boxes = [Box(e.category.slug, e.x, e.y, e.w, e.h) for e in elements]
        text = voc_xml(
            name, mural.width, mural.height, boxes, folder="JPEGImages", path=mural.source_path
        )
        stem = Path(name).stem
        (folder / "Annotations" / f"{stem}.xml").write_text(text, encoding="utf-8")
        if images:
            write_image(mural, folder / "JPEGImages" / name)
        stems.append(stem)
    (folder / "ImageSets" / "Main" / "default.txt").write_text("\n".join(stems) + "\n")
    # CVAT's label map: name:r,g,b:parts:actions
    lines = ["# label:color_rgb:parts:actions"]
    for category in classes:
        rgb = ",".join(str(int(category.color[i : i + 2], 16)) for i in (1, 3, 5))
        lines.append(f"{category.slug}:{rgb}::")
    (folder / "labelmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(groups) if images else 0


def write_yolo(folder: Path, groups, classes, images: bool, progress) -> int:
    index = {category.pk: i for i, category in enumerate(classes)}
    (folder / "labels").mkdir()
    (folder / "images").mkdir()
    for mural, elements in _items(groups, progress, "yolo"):
        stem = Path(image_name(mural)).stem
        lines = [
            f"{index[e.category_id]} {(e.x + e.w / 2) / mural.width:.6f} "
            f"{(e.y + e.h / 2) / mural.height:.6f} {e.w / mural.width:.6f} "
            f"{e.h / mural.height:.6f}"
            for e in elements
        ]
        (folder / "labels" / f"{stem}.txt").write_text("\n".join(lines) + "\n")
        if images:
            write_image(mural, folder / "images" / image_name(mural))
    names = [category.slug for category in classes]
    (folder / "classes.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    data = {"path": ".", "train": "images", "val": "images", "names": names}  # YAML is JSON
    (folder / "data.yaml").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return len(groups) if images else 0


def write_coco(folder: Path, groups, classes, images: bool, progress) -> int:
    if images:
        (folder / "images").mkdir()
    coco = {
        "info": {
            "description": "Dunhuang Search accepted elements",
            "date_created": timezone.now().isoformat(timespec="seconds"),
        },
        "licenses": [],
        "images": [],
        "annotations": [],
        "categories": [
            {"id": c.pk, "name": c.slug, "supercategory": "mural element"} for c in classes
        ],
    }
    for mural, elements in _items(groups, progress, "coco"):
        name = image_name(mural)
        coco["images"].append(
            {"id": mural.pk, "file_name": name, "width": mural.width, "height": mural.height}
        )
        for e in elements:
            coco["annotations"].append(
                {
                    "id": e.pk,
                    "image_id": mural.pk,
                    "category_id": e.category_id,
                    "bbox": [e.x, e.y, e.w, e.h],
                    "area": e.w * e.h,
                    "iscrowd": 0,
                    "segmentation": [],
                }
            )
        if images:
            write_image(mural, folder / "images" / name)
    text = json.dumps(coco, ensure_ascii=False)
    (folder / "annotations.json").write_text(text + "\n", encoding="utf-8")
    return len(groups) if images else 0


WRITERS = {"voc": write_voc, "yolo": write_yolo, "coco": write_coco}


def export_elements(
    fmt: str,
    out: str | os.PathLike,
    elements: QuerySet | None = None,
    *,
    images: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write `elements` (default: every accepted element) to the folder `out` in `fmt`.

    `out` must not exist or be empty, unless `force` (then it is replaced). The export is
    written to a hidden folder beside `out` and renamed into place, so `out` is never partial.
    """
    if fmt not in WRITERS:
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} exists and is not empty (use --force to replace it)")
    groups = _group(elements if elements is not None else accepted_elements())
    if not groups:
        raise ExportError("no accepted elements match: nothing to export")
    classes = export_classes()
    with atomic_folder(out, replace=True) as staging:
        written = WRITERS[fmt](staging, groups, classes, images, progress)
    return ExportReport(
        fmt,
        str(out),
        murals=len(groups),
        elements=sum(len(elements) for _, elements in groups),
        images=written,
        classes=[c.slug for c in classes],
    )
