"""Ingest: check a mural image, checksum it, build its pyramid and record it, all or nothing."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from indexer.dating.palette import pyramid_palette
from indexer.files import file_sha256
from indexer.imagery import ImageryError, build_pyramid, probe_image

from .models import Cave, Mural, MuralPalette, Period, Site

logger = logging.getLogger(__name__)


class IngestError(ValueError):
    """Bad input to ingest; the message is one readable line. Nothing was written.

    kind: metadata, duplicate, or an ImageryError kind (empty, not_image, unsupported,
    too_large, corrupt, missing); the web layer maps it to an HTTP status.
    """

    def __init__(self, message: str, kind: str = "metadata"):
        super().__init__(message)
        self.kind = kind


UNDATED = "undated"


def resolve_place(site: str, cave: int | str, period: str) -> tuple[Site, int, Period | None]:
    """Look up the site and period slugs and check the cave number, with readable errors.
    The period `undated` gives None: a mural without a catalogue period."""
    try:
        site_obj = Site.objects.get(slug=site)
    except Site.DoesNotExist:
        known = ", ".join(Site.objects.values_list("slug", flat=True))
        raise IngestError(f"unknown site '{site}' (known: {known})") from None
    try:
        period_obj = None if period == UNDATED else Period.objects.get(slug=period)
    except Period.DoesNotExist:
        known = ", ".join([*Period.objects.values_list("slug", flat=True), UNDATED])
        raise IngestError(f"unknown period '{period}' (known: {known})") from None
    try:
        number = int(cave)
    except (TypeError, ValueError):
        raise IngestError(f"cave must be a number, not '{cave}'") from None
    if number <= 0:
        raise IngestError(f"cave must be a positive number, not {number}")
    return site_obj, number, period_obj


def ingest_mural(
    path: str | os.PathLike,
    *,
    site: str,
    cave: int | str,
    wall: str,
    period: str,
    title: str = "",
    dpi: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Mural:
    """Add the image at `path` to the catalogue and return the new Mural.

    Order: metadata, header (format, size, pixel limit), checksum (duplicates refused),
    pyramid (streamed; truncation is caught here), then the row and the pyramid's final
    name together. Any failure raises IngestError and leaves no row and no file.
    `progress(stage, percent)` reports the pyramid build.
    """
    path = Path(path).resolve()
    if not wall or not wall.strip():
        raise IngestError("wall must not be empty (e.g. south, north, east, west, ceiling)")
    if dpi is not None and dpi <= 0:
        raise IngestError(f"dpi must be positive, not {dpi}")
    site_obj, cave_number, period_obj = resolve_place(site, cave, period)
    try:
        info = probe_image(path, settings.MAX_MURAL_PIXELS)
    except ImageryError as exc:
        raise IngestError(str(exc), exc.kind) from exc

    checksum = file_sha256(path)
    existing = Mural.objects.filter(checksum=checksum).first()
    if existing is not None:
        raise IngestError(
            f"{path.name} is already in the catalogue as mural {existing.pk}", "duplicate"
        )

    pyramid_dir = Path(settings.PYRAMID_DIR)
    relative = f"{checksum[:2]}/{checksum}.tif"
    final = pyramid_dir / relative
    staged = final.with_name(f".staged-{checksum}.tif")
    try:
        build_pyramid(
            path, staged, progress=(lambda p: progress("pyramid", p)) if progress else None
        )
        palette = pyramid_palette(staged)
    except ImageryError as exc:
        staged.unlink(missing_ok=True)
        raise IngestError(str(exc), exc.kind) from exc

    try:
        with transaction.atomic():
            cave_obj, _ = Cave.objects.get_or_create(site=site_obj, number=cave_number)
            mural = Mural.objects.create(
                cave=cave_obj,
                wall=wall.strip(),
                period=period_obj,
                title=title.strip(),
                dpi=dpi,
                width=info.width,
                height=info.height,
                checksum=checksum,
                source_path=str(path),
                source_format=info.format,
                source_bytes=path.stat().st_size,
                pyramid=relative,
            )
            MuralPalette.store(mural.pk, palette)
            os.replace(staged, final)
    except BaseException as exc:
        staged.unlink(missing_ok=True)
        if not Mural.objects.filter(checksum=checksum).exists():
            final.unlink(missing_ok=True)
        if isinstance(exc, IntegrityError):  # the same file ingested concurrently
            raise IngestError(f"{path.name} is already in the catalogue", "duplicate") from exc
        raise
    logger.info("ingested %s as mural %s (%sx%s)", path.name, mural.pk, info.width, info.height)
    return mural
