"""Adding members to a style set and reading their pixels.

Uploads are checked from their header (a non-image or an image over the pixel cap is refused
before anything is written), then copied under STYLE_DIR with atomic_write; the row and the file
appear together or not at all. Every change bumps the set's version.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyvips
from django.conf import settings
from django.db import transaction

from indexer.files import atomic_write, file_sha256
from indexer.imagery import ImageryError, Pyramid, probe_image
from indexer.style import StyleError, StyleSource

from .models import StyleModel, StyleSet, StyleSetMember, style_dir

MEMBER_SIDE = 512  # members are read at most this large for statistics and style vectors
UPLOAD_MAX_PIXELS = 100_000_000


def max_pixels() -> int:
    return int(getattr(settings, "STYLE_MAX_PIXELS", 0) or UPLOAD_MAX_PIXELS)


def check_upload(path: Path) -> None:
    """Raise StyleError unless `path` is an image (JPEG, PNG, TIFF) under the pixel cap."""
    try:
        probe_image(path, max_pixels())
    except ImageryError as exc:
        raise StyleError(str(exc)) from exc


def read_image(path: Path, side: int | None = None) -> np.ndarray:
    """An image file as RGB uint8 (reduced to `side` px if given, shrinking on load)."""
    try:
        if side:
            image = pyvips.Image.thumbnail(str(path), side, size="down")
        else:
            image = pyvips.Image.new_from_file(str(path), access="sequential")
        if image.bands == 4 or image.bands == 2:
            image = image.flatten(background=255)
        if image.bands == 1:
            image = image.colourspace("srgb")
        return image.cast("uchar").numpy()[..., :3]
    except pyvips.Error as exc:
        raise StyleError(f"cannot read {Path(path).name}: {str(exc).splitlines()[0]}") from exc


def region_pixels(mural, x: int, y: int, w: int, h: int, side: int | None = None) -> np.ndarray:
    if w <= 0 or h <= 0 or x + w > mural.width or y + h > mural.height:
        raise StyleError(f"the region {x},{y},{w},{h} lies outside mural {mural.pk}")
    pyramid = Pyramid(mural.pyramid_path)
    if side and max(w, h) > side:
        scale = side / max(w, h)
        out = pyramid.read_region(x, y, w, h, max(1, round(w * scale)), max(1, round(h * scale)))
        return out.numpy()[..., :3]
    return pyramid.read_full_res(x, y, w, h)[..., :3]


def member_pixels(member: StyleSetMember, side: int = MEMBER_SIDE) -> np.ndarray:
    if member.kind == StyleSetMember.Kind.UPLOAD:
        return read_image(member.upload_path, side)
    if member.kind == StyleSetMember.Kind.ELEMENT:
        e = member.element
        return region_pixels(e.mural, e.x, e.y, e.w, e.h, side)
    return region_pixels(member.mural, member.x, member.y, member.w, member.h, side)


def style_source(style_set: StyleSet, size: int | None = None) -> StyleSource:
    """The set's member images and its newest unpaired model (if trained), for indexer.style."""
    members = list(style_set.members.select_related("element__mural", "mural"))
    if not members:
        raise StyleError(f"the style set {style_set.slug!r} is empty: add members to it first")
    models = style_set.models.all()
    model = (models.filter(size=size) if size else models).first()
    return StyleSource(
        [member_pixels(m) for m in members],
        name=style_set.slug,
        unpaired_model=model.checkpoint if model else None,
    )


def add_uploads(style_set: StyleSet, paths: Iterable[Path], user=None) -> list[StyleSetMember]:
    """Copy image files into the set (all checked first: one bad file adds none)."""
    paths = [Path(p) for p in paths]
    for path in paths:
        check_upload(path)
    written: list[Path] = []
    try:
        with transaction.atomic():
            members = []
            for path in paths:
                m = StyleSetMember.objects.create(
                    style_set=style_set,
                    kind="upload",
                    image="pending",
                    label=path.name,
                    sha256=file_sha256(path),
                    added_by=user,
                )
                m.image = f"members/{style_set.pk}/{m.pk:08d}{path.suffix.lower()}"
                written.append(m.upload_path)
                with atomic_write(m.upload_path) as staged:
                    shutil.copyfile(path, staged)
                m.save(update_fields=["image"])
                members.append(m)
            if members:
                style_set.bump()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return members


def add_elements(style_set: StyleSet, elements, user=None) -> list[StyleSetMember]:
    """Add elements to the set; an element already in it is not added twice (the set's
    version goes up only when something was added). Returns the new members."""
    elements = list({e.pk: e for e in elements}.values())
    with transaction.atomic():
        StyleSet.objects.select_for_update().filter(pk=style_set.pk).first()
        present = set(
            style_set.members.filter(element__in=elements).values_list("element_id", flat=True)
        )
        members = [
            StyleSetMember.objects.create(
                style_set=style_set,
                kind="element",
                element=e,
                added_by=user,
                label=f"{e.category.name if e.category_id else 'element'} {e.pk}",
            )
            for e in elements
            if e.pk not in present
        ]
        if members:
            style_set.bump()
    return members


def existing_region(style_set: StyleSet, mural, x: int, y: int, w: int, h: int):
    return style_set.members.filter(kind="region", mural=mural, x=x, y=y, w=w, h=h).first()


def add_region(style_set: StyleSet, mural, x: int, y: int, w: int, h: int, user=None):
    """Add a mural region (refused outside the mural); the same region twice is one member.
    Returns (member, created)."""
    if w <= 0 or h <= 0 or x + w > mural.width or y + h > mural.height:
        raise StyleError(f"the region {x},{y},{w},{h} lies outside mural {mural.pk}")
    with transaction.atomic():
        StyleSet.objects.select_for_update().filter(pk=style_set.pk).first()
        member = existing_region(style_set, mural, x, y, w, h)
        if member is not None:
            return member, False
        m = StyleSetMember.objects.create(
            style_set=style_set,
            kind="region",
            mural=mural,
            x=x,
            y=y,
            w=w,
            h=h,
            added_by=user,
            label=f"mural {mural.pk} region {x},{y},{w},{h}",
        )
        style_set.bump()
    return m, True


def remove_member(member: StyleSetMember) -> None:
    path = member.upload_path
    with transaction.atomic():
        style_set = member.style_set
        member.delete()
        style_set.bump()
    if path is not None:
        path.unlink(missing_ok=True)


def model_path(style_set: StyleSet, size: int) -> Path:
    return style_dir() / "models" / f"{style_set.slug}-{size}.pt"


__all__ = [
    "StyleModel",
    "add_elements",
    "add_region",
    "add_uploads",
    "member_pixels",
    "model_path",
    "read_image",
    "remove_member",
    "style_source",
]
