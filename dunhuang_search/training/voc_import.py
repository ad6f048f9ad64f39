"""`import_voc`: VOC XML labels plus images become manual Elements on the right murals.

Everything is checked first (XML, boxes, pairing, categories, the active detector's classes,
mural metadata); then murals are matched or ingested and elements written in one transaction.
Any problem raises VocError naming the file and line; nothing is left behind (no rows, and no
pyramid of a mural ingested before the failure).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from dunhuang_search.catalogue.ingest import IngestError, ingest_mural, resolve_place
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Category, Element
from indexer.files import file_sha256
from indexer.imagery import ImageryError, probe_image
from indexer.training.voc import (
    VocAnnotation,
    VocError,
    check_boxes,
    find_files,
    parse_voc,
    read_metadata,
)

from .models import DetectorModel

Progress = Callable[..., Iterable]  # called like tqdm(iterable, desc=..., unit=..., total=...)


@dataclass
class Sample:
    annotation: VocAnnotation
    image: Path | None  # None: the image is a mural already in the catalogue
    mural: Mural | None = None
    category_ids: list[int] = field(default_factory=list)
    checksum: str = ""
    metadata: dict | None = None


def pair_images(annotations: list[VocAnnotation], images: list[Path]) -> list[Sample]:
    """Each XML's image: the file its <filename> names, else the image with its stem, else a
    mural in the catalogue added from a file of that name. Every image needs an XML."""
    by_name = {p.name: p for p in images}
    by_stem: dict[str, list[Path]] = {}
    for p in images:
        by_stem.setdefault(p.stem, []).append(p)
    claimed: dict[Path, Path] = {}
    samples = []
    for ann in annotations:
        image = by_name.get(Path(ann.filename).name) if ann.filename else None
        if image is None and len(by_stem.get(ann.path.stem, [])) == 1:
            image = by_stem[ann.path.stem][0]
        mural = None
        if image is None:
            mural = _mural_named(ann)
        elif image in claimed:
            raise VocError(
                f"{image.name} is also the image of {claimed[image].name}",
                ann.path,
                ann.filename_line,
            )
        else:
            claimed[image] = ann.path
        samples.append(Sample(ann, image, mural))
    for image in images:
        if image not in claimed:
            raise VocError(
                "no VOC XML names this image (an XML with the same stem, or whose "
                "<filename> is this file)",
                image,
            )
    return samples


def _mural_named(ann: VocAnnotation) -> Mural:
    if ann.source_path:
        same_path = list(Mural.objects.filter(source_path=ann.source_path)[:2])
        if len(same_path) == 1:
            return same_path[0]
    name = Path(ann.filename).name if ann.filename else ""
    candidates = (
        [
            m
            for m in Mural.objects.filter(source_path__endswith=name)
            if Path(m.source_path).name == name
        ]
        if name
        else []
    )
    if len(candidates) == 1:
        return candidates[0]
    looked = f"image {name!r}" if name else f"an image named {ann.path.stem}.*"
    if len(candidates) > 1:
        raise VocError(
            f"{looked} is not in the data set, and murals "
            f"{', '.join(str(m.pk) for m in candidates)} were all added from files of that name",
            ann.path,
            ann.filename_line,
        )
    raise VocError(
        f"{looked} is missing: not in the data set, and no mural in the catalogue was added "
        f"from a file of that name",
        ann.path,
        ann.filename_line,
    )


# ---- categories and the active detector ----


def category_lookup() -> dict[str, Category]:
    """Lower-cased slug, name, Chinese name and synonyms -> Category."""
    lookup: dict[str, Category] = {}
    for category in Category.objects.order_by("pk"):
        for key in [category.slug, category.name, category.name_zh, *category.synonyms]:
            if key:
                lookup.setdefault(key.strip().lower(), category)
    return lookup


def check_classes(samples: list[Sample]) -> None:
    """Map every object's name to a category; with an active detector, the category must be one
    of its classes."""
    lookup = category_lookup()
    model = DetectorModel.active()
    model_categories = None
    if model is not None:
        model_categories = {
            lookup[c.strip().lower()].pk for c in model.classes if c.strip().lower() in lookup
        }
    for sample in samples:
        ann = sample.annotation
        for obj in ann.objects:
            category = lookup.get(obj.name.lower())
            if category is None:
                raise VocError(
                    f"unknown category {obj.name!r}: not a category slug, name or synonym "
                    f"(add it as a synonym in the admin)",
                    ann.path,
                    obj.name_line,
                )
            if model_categories is not None and category.pk not in model_categories:
                raise VocError(
                    f"class {obj.name!r} ({category.slug}) is not one of the active detector "
                    f"{model.name!r}'s classes ({', '.join(model.classes)})",
                    ann.path,
                    obj.name_line,
                )
            sample.category_ids.append(category.pk)


# ---- murals: matched by checksum or name, else ingested with metadata ----


def plan_murals(samples: list[Sample], metadata: dict[str, dict], metadata_path) -> None:
    """Match each image to a mural in the catalogue (same checksum) or take its metadata record
    (checked) for ingesting it."""
    for sample in samples:
        if sample.image is None:
            continue
        sample.checksum = file_sha256(sample.image)
        sample.mural = Mural.objects.filter(checksum=sample.checksum).first()
        if sample.mural is not None:
            continue
        record = (
            metadata.get(sample.image.name)
            or metadata.get(sample.annotation.path.name)
            or metadata.get(sample.image.stem)
            or metadata.get("*")
        )
        if record is None:
            where = (
                "--mural-metadata has no record for it"
                if metadata
                else ("give its cave, wall and period with --mural-metadata")
            )
            raise VocError(f"{sample.image.name} is not in the catalogue; {where}", sample.image)
        try:
            resolve_place(record.get("site", "mogao"), record["cave"], record["period"])
        except IngestError as exc:
            raise VocError(f"{sample.image.name}: {exc}", metadata_path) from None
        sample.metadata = record


def check_sizes(samples: list[Sample]) -> None:
    """The XML's <size> must agree with the image (or mural); every box must fit inside."""
    for sample in samples:
        ann = sample.annotation
        if sample.mural is not None:
            width, height = sample.mural.width, sample.mural.height
        else:
            try:
                info = probe_image(sample.image, settings.MAX_MURAL_PIXELS)
            except ImageryError as exc:
                raise VocError(str(exc), sample.image) from None
            width, height = info.width, info.height
        if ann.width is not None and (ann.width, ann.height) != (width, height):
            image = sample.image.name if sample.image else f"mural {sample.mural.pk}"
            raise VocError(
                f"<size> says {ann.width}x{ann.height} but {image} is {width}x{height}",
                ann.path,
                ann.size_line,
            )
        check_boxes(ann, width, height)


# ---- the import ----


@dataclass
class ImportReport:
    files: int = 0
    elements: int = 0
    duplicates: int = 0
    murals_created: list[int] = field(default_factory=list)
    murals_matched: list[int] = field(default_factory=list)


def _progress(progress: Progress | None, items: list, desc: str, unit: str) -> Iterable:
    return progress(items, desc=desc, unit=unit, total=len(items)) if progress else items


def import_voc(
    directory: str | os.PathLike,
    metadata_path: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a VOC data set: everything is checked, then written in one transaction."""
    directory = Path(directory)
    xmls, images = find_files(directory)
    if not xmls and not images:
        raise VocError(f"{directory} holds no VOC XML files and no images: an empty data set")
    if not xmls:
        raise VocError(f"no VOC XML for this image (and none in {directory})", images[0])
    annotations = [parse_voc(p) for p in _progress(progress, xmls, "parse", "file")]
    if not any(ann.objects for ann in annotations):
        raise VocError(
            f"{directory}: the {len(xmls)} XML file(s) label no objects (empty data set)"
        )
    samples = pair_images(annotations, images)
    check_classes(samples)
    metadata = read_metadata(metadata_path)
    plan_murals(samples, metadata, metadata_path)
    check_sizes(samples)
    return _write(samples, progress)


def _write(samples: list[Sample], progress: Progress | None) -> ImportReport:
    report = ImportReport(files=len(samples))
    created: list[Mural] = []
    try:
        with transaction.atomic():
            by_checksum: dict[str, Mural] = {}
            for sample in _progress(progress, samples, "murals", "image"):
                if sample.mural is None and sample.checksum in by_checksum:
                    sample.mural = by_checksum[sample.checksum]
                elif sample.mural is None:
                    record = sample.metadata
                    try:
                        sample.mural = ingest_mural(
                            sample.image,
                            site=record.get("site", "mogao"),
                            cave=record["cave"],
                            wall=str(record["wall"]),
                            period=record["period"],
                            title=str(record.get("title") or sample.image.stem),
                            dpi=record.get("dpi"),
                        )
                    except IngestError as exc:
                        raise VocError(str(exc), sample.image) from None
                    created.append(sample.mural)
                    report.murals_created.append(sample.mural.pk)
                elif sample.mural.pk not in report.murals_matched:
                    report.murals_matched.append(sample.mural.pk)
                if sample.checksum:
                    by_checksum[sample.checksum] = sample.mural
            report.elements, report.duplicates = _write_elements(samples)
    except BaseException:
        for mural in created:  # the rows are rolled back: their pyramids must go too
            mural.pyramid_path.unlink(missing_ok=True)
        raise
    return report


def _write_elements(samples: list[Sample]) -> tuple[int, int]:
    """Manual elements for every object, except exact copies of elements a person already
    made or reviewed (manual ones, reviewed detections): importing the same set twice, or an
    export of ours, adds nothing, and a box a reviewer rejected does not come back."""
    murals = {s.mural.pk for s in samples}
    existing = set(
        Element.objects.filter(mural__in=murals)
        .exclude(source=Element.Source.DENSE)
        .exclude(source=Element.Source.DETECTOR, review_state=Element.Review.UNREVIEWED)
        .values_list("mural_id", "x", "y", "w", "h", "category_id")
    )
    rows, duplicates = [], 0
    for sample in samples:
        for obj, category_id in zip(sample.annotation.objects, sample.category_ids, strict=True):
            key = (sample.mural.pk, obj.x, obj.y, obj.w, obj.h, category_id)
            if key in existing:
                duplicates += 1
                continue
            existing.add(key)
            rows.append(
                Element(
                    mural=sample.mural,
                    x=obj.x,
                    y=obj.y,
                    w=obj.w,
                    h=obj.h,
                    category_id=category_id,
                    source=Element.Source.MANUAL,
                    notes=f"imported from {sample.annotation.path.name}",
                )
            )
    Element.objects.bulk_create(rows, batch_size=1000)
    return len(rows), duplicates
