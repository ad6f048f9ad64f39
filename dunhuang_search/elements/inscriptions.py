"""Inscription text: the indexer's OCR step over a mural's inscription elements, and a
reviewer's corrections, which no later OCR run overwrites.

Machine readings have an `ocr_confidence` (0.0: read, no text found); a reviewer's text has
none, and the element carries `reviewed_by` / `reviewed_at`. OCR reads only elements that no
person has reviewed and that have not been read yet.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dunhuang_search.catalogue.models import Mural
from indexer.ocr import InscriptionReader, Reading, read_inscriptions

from .models import Element

logger = logging.getLogger(__name__)

INSCRIPTION_SLUG = "inscription"  # the category whose elements hold text (榜题)
MAX_TEXT_LENGTH = 10_000

Report = Callable[[str, int, int], None] | None


class CorrectionError(ValueError):
    """A correction that cannot be stored; the message is one readable line."""


@functools.cache
def shared_reader() -> InscriptionReader:
    """One reader (and ONNX session) per process, built on first use."""
    return InscriptionReader()


def unread_inscriptions(mural: Mural) -> QuerySet:
    """The mural's inscription elements that OCR should read: never read, never reviewed."""
    return Element.objects.filter(
        mural=mural,
        category__slug=INSCRIPTION_SLUG,
        ocr_confidence__isnull=True,
        reviewed_at__isnull=True,
        ocr_text="",
    ).exclude(source=Element.Source.DENSE)


def read_mural_inscriptions(
    mural: Mural, report: Report = None, reader: InscriptionReader | None = None
) -> int:
    """Read the text of the mural's unread inscription elements from its pyramid and store it
    with its mean confidence; returns how many were read. `report("ocr", done, total)`.

    Each reading is stored as soon as it is made (a killed run keeps what it read), and only if
    no reviewer has corrected the element in the meantime.
    """
    targets = list(unread_inscriptions(mural).order_by("id").values_list("id", "x", "y", "w", "h"))
    if not targets:
        return 0
    if report:
        report("ocr", 0, len(targets))

    def store(index: int, reading: Reading) -> None:
        Element.objects.filter(
            pk=targets[index][0], reviewed_at__isnull=True, ocr_confidence__isnull=True
        ).update(ocr_text=reading.text, ocr_confidence=reading.confidence)
        if report:
            report("ocr", index + 1, len(targets))

    boxes = [tuple(row[1:]) for row in targets]
    read_inscriptions(mural.pyramid_path, boxes, reader or shared_reader(), store)
    logger.info("mural %s: read %d inscription(s)", mural.pk, len(targets))
    return len(targets)


def ocr_source(text: str, confidence: float | None) -> str:
    """Who the element's text comes from: "ocr", "reviewer", or "" (none yet)."""
    if confidence is not None:
        return "ocr"
    return "reviewer" if text else ""


def clean_text(text: object) -> str:
    if not isinstance(text, str):
        raise CorrectionError("text must be a string")
    text = "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise CorrectionError(f"text is {len(text)} characters; at most {MAX_TEXT_LENGTH}")
    return text


def correct_inscription(element_id: int, text: object, user) -> Element:
    """Store a reviewer's reading of an element's text.

    The text replaces the OCR text and the machine confidence is cleared (a person's reading
    has none); the reviewer and time are recorded, and an unreviewed element becomes accepted
    (reading its text confirms the box), so neither re-OCR nor re-indexing replaces it.
    A rejected element stays rejected. Empty text is a valid reading ("nothing legible").
    """
    text = clean_text(text)
    with transaction.atomic():
        element = Element.objects.select_for_update().defer("embedding").get(pk=element_id)
        if element.source == Element.Source.DENSE:
            raise CorrectionError("dense search windows hold no text")
        element.ocr_text, element.ocr_confidence = text, None
        element.reviewed_by, element.reviewed_at = user, timezone.now()
        if element.review_state == Element.Review.UNREVIEWED:
            element.review_state = Element.Review.ACCEPTED
        element.save(
            update_fields=[
                "ocr_text",
                "ocr_confidence",
                "reviewed_by",
                "reviewed_at",
                "review_state",
                "updated_at",
            ]
        )
    return element
