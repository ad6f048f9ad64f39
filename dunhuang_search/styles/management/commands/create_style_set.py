"""`manage.py create_style_set SLUG --name N (--images DIR | --elements ID,...) [--json]`.

Creates a style set from a folder of images (copied under var/styles/) or from elements of the
catalogue. Bad input (an existing slug, an empty folder, a non-image, unknown elements) exits 2
with one line and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.text import slugify

from dunhuang_search.catalogue.models import Period
from dunhuang_search.commands import DatabaseCommand
from dunhuang_search.elements.models import Element
from dunhuang_search.styles.members import add_elements, add_uploads
from dunhuang_search.styles.models import StyleSet
from indexer.style import StyleError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _element_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise _fail(f"--elements must be comma-separated ids, not {text!r}") from None
    if not ids:
        raise _fail("--elements names no element")
    return ids


def _image_files(folder: str) -> list[Path]:
    path = Path(folder)
    if not path.is_dir():
        raise _fail(f"--images {folder}: no such folder")
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise _fail(f"--images {folder} holds no JPEG, PNG or TIFF file: a style set needs one")
    return files


class Command(DatabaseCommand):
    help = "Create a style set from a folder of images or from catalogue elements."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--description", default="")
        parser.add_argument("--period", default="", help="period slug the style belongs to")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--images", help="a folder of JPEG, PNG or TIFF images")
        source.add_argument("--elements", help="comma-separated element ids")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        slug = options["slug"]
        if slugify(slug) != slug:
            raise _fail(f"{slug!r} is not a slug: use lowercase letters, digits and hyphens")
        if StyleSet.objects.filter(slug=slug).exists():
            raise _fail(f"a style set {slug!r} already exists")
        period = None
        if options["period"]:
            period = Period.objects.filter(slug=options["period"]).first()
            if period is None:
                raise _fail(f"unknown period {options['period']!r}")
        files, elements = [], []
        if options["images"]:
            files = _image_files(options["images"])
        else:
            ids = _element_ids(options["elements"])
            elements = list(Element.objects.filter(pk__in=ids).select_related("category"))
            missing = sorted(set(ids) - {e.pk for e in elements})
            if missing:
                raise _fail(f"no element with id {', '.join(map(str, missing))}")
        try:
            with transaction.atomic():
                style_set = StyleSet.objects.create(
                    slug=slug,
                    name=options["name"],
                    description=options["description"],
                    period=period,
                )
                members = (
                    add_uploads(style_set, files) if files else add_elements(style_set, elements)
                )
        except StyleError as exc:
            raise _fail(str(exc)) from exc
        style_set.refresh_from_db()
        record = {
            "id": style_set.pk,
            "slug": slug,
            "name": style_set.name,
            "members": len(members),
            "version": style_set.version,
        }
        self.stdout.write(json.dumps(record) if options["json"] else str(style_set.pk))
