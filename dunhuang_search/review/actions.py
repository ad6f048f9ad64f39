"""Reviewing an element: one service for the queue page, the REST API and the CLI.

apply_review checks everything first (element, user, state, category, box, text, note), then
changes the element and writes its ReviewEvent in one transaction, under a row lock and an
optimistic version check: a request carries the version it saw, and a stale one is refused with
the current state (StaleVersion, HTTP 409) rather than silently overwriting. A changed box is
re-embedded at once. undo applies the last not-yet-undone event's `before` as a new event.
Refusals are ReviewError (HTTP 400, exit 2) and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.inscriptions import CorrectionError, clean_text
from dunhuang_search.elements.models import Category, Element

from . import embedding
from .models import ReviewEvent

STATES = tuple(Element.Review.values)  # unreviewed, accepted, rejected
FIELDS = ("state", "category", "bbox", "ocr_text", "note")
MAX_NOTE_LENGTH = 10_000


class ReviewError(ValueError):
    """A review that cannot be applied; the message is one readable line. Nothing was written."""

    status = 400


class StaleVersion(ReviewError):
    """The element changed since the reviewer saw it: `current` is its state now."""

    status = 409

    def __init__(self, message: str, current: dict):
        super().__init__(message)
        self.current = current


def snapshot(element: Element) -> dict:
    """The reviewable state of an element, as events store it and the API returns it."""
    return {
        "state": element.review_state,
        "category": element.category.slug if element.category_id else None,
        "bbox": element.bbox,
        "ocr_text": element.ocr_text,
        "note": element.notes,
        "source": element.source,
        "version": element.version,
    }


@dataclass
class Change:
    """A validated review: only the fields given are changed."""

    state: str | None = None
    category: Category | None = None
    category_given: bool = False
    bbox: list[int] | None = None
    ocr_text: str | None = None
    note: str | None = None
    source: str | None = None  # set by undo (a proposal accepted then undone is one again)


def resolve_user(user) -> object:
    """A user object, or a username looked up; unknown or inactive users are a ReviewError."""
    if isinstance(user, str):
        found = get_user_model().objects.filter(username=user, is_active=True).first()
        if found is None:
            raise ReviewError(f"no active user named {user!r}")
        return found
    if user is None or not getattr(user, "is_authenticated", False):
        raise ReviewError("a review needs a signed-in user")
    return user


def parse_bbox(value) -> list[int]:
    """[x, y, w, h] from a list of four integers or "X,Y,W,H" text."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise ReviewError(f"bbox must be four integers x,y,w,h, not {value!r}")
    try:
        box = [int(v) for v in value]
    except (TypeError, ValueError):
        raise ReviewError(f"bbox must be four integers x,y,w,h, not {value!r}") from None
    if any(float(v) != b for v, b in zip(value, box, strict=True) if not isinstance(v, str)):
        raise ReviewError(f"bbox must be whole pixels, not {value!r}")
    return box


def check_box(box: list[int], mural: Mural) -> list[int]:
    x, y, w, h = box
    if w <= 0 or h <= 0:
        raise ReviewError(f"the box {box} has zero size")
    if x < 0 or y < 0 or x + w > mural.width or y + h > mural.height:
        raise ReviewError(f"the box {box} is outside the mural ({mural.width} x {mural.height} px)")
    return box


def parse_category(slug) -> Category | None:
    if slug is None or slug == "":
        return None
    if not isinstance(slug, str):
        raise ReviewError(f"category must be a slug, not {slug!r}")
    found = Category.objects.filter(slug=slug).first()
    if found is None:
        raise ReviewError(f"unknown category {slug!r}")
    return found


def parse_change(data: dict, mural: Mural) -> Change:
    """Validate a review's fields (unknown fields are refused too)."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ReviewError(f"unknown field(s) {', '.join(sorted(unknown))}; use {', '.join(FIELDS)}")
    change = Change()
    if data.get("state") is not None:
        if data["state"] not in STATES:
            raise ReviewError(f"state must be one of {', '.join(STATES)}, not {data['state']!r}")
        change.state = data["state"]
    if "category" in data:
        change.category, change.category_given = parse_category(data["category"]), True
    if data.get("bbox") is not None:
        change.bbox = check_box(parse_bbox(data["bbox"]), mural)
    try:
        if data.get("ocr_text") is not None:
            change.ocr_text = clean_text(data["ocr_text"])
        if data.get("note") is not None:
            change.note = clean_text(data["note"])
    except CorrectionError as exc:
        raise ReviewError(str(exc)) from exc
    if not any(v is not None for v in (change.state, change.bbox, change.ocr_text, change.note)):
        if not change.category_given:
            raise ReviewError(f"nothing to change: give one of {', '.join(FIELDS)}")
    return change


def find_element(element_id) -> Element:
    try:
        element_id = int(element_id)
    except (TypeError, ValueError):
        raise ReviewError(f"element id must be an integer, not {element_id!r}") from None
    element = Element.objects.select_related("mural").defer("embedding").filter(pk=element_id)
    element = element.first()
    if element is None:
        raise ReviewError(f"no element with id {element_id}")
    if element.source == Element.Source.DENSE:
        raise ReviewError(f"element {element_id} is a dense search window, not an element")
    return element


def check_version(element: Element, version) -> None:
    if version is None:
        return
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise ReviewError(f"version must be an integer, not {version!r}") from None
    if version != element.version:
        raise StaleVersion(
            f"element {element.pk} changed since version {version} (it is at version "
            f"{element.version}): reload it and review again",
            snapshot(element),
        )


def _set(element: Element, change: Change, user) -> None:
    if change.state is not None:
        element.review_state = change.state
        if change.state == Element.Review.ACCEPTED and element.source == Element.Source.PROPOSAL:
            element.source = Element.Source.MANUAL  # an accepted proposal is a manual element
    if change.source is not None:
        element.source = change.source
    if change.category_given:
        element.category = change.category
    if change.bbox is not None:
        element.x, element.y, element.w, element.h = change.bbox
    if change.ocr_text is not None and change.ocr_text != element.ocr_text:
        element.ocr_text, element.ocr_confidence = change.ocr_text, None
    if change.note is not None:
        element.notes = change.note
    element.reviewed_by, element.reviewed_at = user, timezone.now()
    element.version = F("version") + 1


def _vector(element: Element, change: Change):
    """The new box's vector (computed before the row lock), or None if the box is unchanged."""
    if change.bbox is None or change.bbox == element.bbox:
        return None
    try:
        return embedding.embed_box(element.mural, change.bbox)
    except embedding.EmbedError as exc:
        raise ReviewError(str(exc)) from exc


def _commit(element, change, user, version, action, undoes=None) -> tuple[Element, ReviewEvent]:
    vector = _vector(element, change)
    with transaction.atomic():
        element = (
            Element.objects.select_for_update(of=("self",))
            .select_related("mural", "category")
            .defer("embedding")
            .get(pk=element.pk)
        )
        check_version(element, version)
        before = snapshot(element)
        _set(element, change, user)
        fields = ["review_state", "source", "category", "x", "y", "w", "h", "ocr_text"]
        fields += ["ocr_confidence", "notes", "reviewed_by", "reviewed_at", "version"]
        if vector is not None:
            element.embedding, element.embedder = vector
            fields += ["embedding", "embedder"]
        element.save(update_fields=[*fields, "updated_at"])
        element.refresh_from_db(fields=["version"])
        event = ReviewEvent.objects.create(
            element=element,
            user=user,
            action=action,
            before=before,
            after=snapshot(element),
            version=element.version,
            undoes=undoes,
        )
        if vector is not None:
            transaction.on_commit(lambda: embedding.sync_element_vectors([element.pk]))
    return element, event


def apply_review(element_id, user, data: dict, version=None) -> tuple[Element, ReviewEvent]:
    """Apply a review {state, category, bbox, ocr_text, note} (any of them) by `user` (a user
    or a username), if the element is still at `version` (None: no check)."""
    user = resolve_user(user)
    element = find_element(element_id)
    change = parse_change(dict(data), element.mural)
    return _commit(element, change, user, version, ReviewEvent.Action.REVIEW)


def last_undoable(element_id: int) -> ReviewEvent | None:
    """The element's latest review that is not an undo and has not been undone."""
    return (
        ReviewEvent.objects.filter(element_id=element_id, undone_by__isnull=True)
        .exclude(action=ReviewEvent.Action.UNDO)
        .exclude(before=None)
        .order_by("-id")
        .first()
    )


def undo(element_id, user, version=None) -> tuple[Element, ReviewEvent]:
    """Restore the state before the element's last review, as a new event (action "undo")."""
    user = resolve_user(user)
    element = find_element(element_id)
    target = last_undoable(element.pk)
    if target is None:
        raise ReviewError(f"element {element.pk} has no review to undo")
    change = parse_change({key: target.before.get(key) for key in FIELDS}, element.mural)
    change.source = target.before.get("source")
    with transaction.atomic():
        if not ReviewEvent.objects.select_for_update().filter(pk=target.pk).exists():
            raise ReviewError(f"element {element.pk} has no review to undo")
        return _commit(element, change, user, version, ReviewEvent.Action.UNDO, target)


def history(element_id) -> list[ReviewEvent]:
    """The element's events, newest first (a dense window or unknown id is a ReviewError)."""
    element = find_element(element_id)
    return list(element.review_events.select_related("user").order_by("-id"))


def create_manual(mural_id, bbox, category_slug, user, note: str = "") -> Element:
    """A manual, accepted element a reviewer drew (or marked as an example), embedded at once,
    with its "create" event."""
    user = resolve_user(user)
    mural = Mural.objects.filter(pk=mural_id).first() if str(mural_id).isdigit() else None
    if mural is None:
        raise ReviewError(f"no mural with id {mural_id!r}")
    box = check_box(parse_bbox(bbox), mural)
    category = parse_category(category_slug)
    try:
        vector, embedder_id = embedding.embed_box(mural, box)
    except embedding.EmbedError as exc:
        raise ReviewError(str(exc)) from exc
    with transaction.atomic():
        element = Element.objects.create(
            mural=mural,
            x=box[0],
            y=box[1],
            w=box[2],
            h=box[3],
            category=category,
            source=Element.Source.MANUAL,
            review_state=Element.Review.ACCEPTED,
            reviewed_by=user,
            reviewed_at=timezone.now(),
            notes=clean_text(note or ""),
            embedding=vector,
            embedder=embedder_id,
        )
        ReviewEvent.objects.create(
            element=element,
            user=user,
            action=ReviewEvent.Action.CREATE,
            after=snapshot(element),
            version=element.version,
        )
        transaction.on_commit(lambda: embedding.sync_element_vectors([element.pk]))
    return element


MISSED_NOTE = "missed element, drawn in the viewer"


def mark_missed(mural_id, bbox, category_slug, user) -> Element:
    """An element the detector missed, drawn in the viewer: like create_manual, but it must
    name a category (a missed element is of something)."""
    if category_slug is None or category_slug == "":
        raise ReviewError("choose the missed element's category")
    return create_manual(mural_id, bbox, category_slug, user, note=MISSED_NOTE)


MAX_BATCH = 5_000


def apply_batch(element_ids, user, data: dict) -> tuple[list[int], list[int]]:
    """One review (state and/or category, no box) for many elements, all or none: each still
    waiting (unreviewed) gets its own event; the others are skipped, as someone reviewed them
    since the list was made. Returns (reviewed ids, skipped ids)."""
    user = resolve_user(user)
    if not isinstance(element_ids, (list, tuple)) or not element_ids:
        raise ReviewError("ids must be a non-empty list of element ids")
    if len(element_ids) > MAX_BATCH:
        raise ReviewError(f"at most {MAX_BATCH} elements at a time, not {len(element_ids)}")
    if set(data) - {"state", "category", "note"}:
        raise ReviewError("a batch review changes state, category or note only")
    elements = [find_element(pk) for pk in dict.fromkeys(element_ids)]
    changes = [parse_change(dict(data), element.mural) for element in elements]
    done, skipped = [], []
    with transaction.atomic():
        for element, change in zip(elements, changes, strict=True):
            locked = Element.objects.select_for_update().filter(pk=element.pk)
            if locked.values_list("review_state", flat=True).first() != Element.Review.UNREVIEWED:
                skipped.append(element.pk)
                continue
            _commit(element, change, user, None, ReviewEvent.Action.REVIEW)
            done.append(element.pk)
    return done, skipped
