"""What the pages and the REST endpoints share: turning a validated source form into content
and members, with uploads staged in a temporary file that is removed afterwards."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from .members import add_elements, add_region, add_uploads
from .transfer import Content, stylize_to_derivative

SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}


@contextlib.contextmanager
def staged_upload(upload) -> Iterator[Path]:
    """An uploaded file written to a temporary path (keeping its name's suffix)."""
    suffix = Path(upload.name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="style-upload-") as folder:
        path = Path(folder) / f"upload{suffix if suffix in SUFFIXES else '.bin'}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path


def content_of(data: dict, upload_path: Path | None = None) -> Content:
    if data.get("element_obj") is not None:
        return Content.element(data["element_obj"])
    if data.get("region_obj") is not None:
        return Content.region(*data["region_obj"])
    return Content.upload(upload_path, name=data["image"].name)


def add_member(style_set, data: dict, user, upload_path: Path | None = None):
    """The member a valid SourceForm's data adds, and whether it is new (an element or a
    region already in the set is not added twice)."""
    if data.get("element_obj") is not None:
        element = data["element_obj"]
        added = add_elements(style_set, [element], user)
        return (added[0], True) if added else (style_set.members.get(element=element), False)
    if data.get("region_obj") is not None:
        return add_region(style_set, *data["region_obj"], user=user)
    member = add_uploads(style_set, [upload_path], user)[0]
    member.label = data["image"].name
    member.save(update_fields=["label"])
    return member, True


def stylize_request(style_set, data: dict, user):
    """The derivative a valid StylizeForm's data asks for (the page and the API alike): an
    uploaded image is staged for the run, and the row and its files are written in one
    transaction."""
    with maybe_staged(data) as path, transaction.atomic():
        return stylize_to_derivative(
            style_set,
            content_of(data, path),
            data["method"],
            author=user,
            seed=data.get("seed") or 0,
            strength=data["strength"],
        )


@contextlib.contextmanager
def maybe_staged(data: dict) -> Iterator[Path | None]:
    if data.get("image"):
        with staged_upload(data["image"]) as path:
            yield path
    else:
        yield None
