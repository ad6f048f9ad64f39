"""The review queue: which elements wait for a reviewer, under which filters, in which order.

Waiting are unreviewed detections and few-shot proposals. The default order is uncertainty
first, as Label Studio does it: scores nearest their class's operating threshold (the active
detector's `thresholds`, else 0.5), ties broken by the classes the detector scores worst on.
Each class is read as two range scans of the partial index `element_review_queue` (category,
score): upwards from the threshold and downwards from it, merged here, so the order costs a few
index reads per class whatever the queue's size. Also by wall position, or by similarity to an
element.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db.models import Count, Q, QuerySet
from pgvector.django import MaxInnerProduct

from dunhuang_search.catalogue.models import Mural, Period
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.elements.selection import SelectionError, element_ids
from dunhuang_search.training.models import DetectorModel

DEFAULT_THRESHOLD = 0.5
WAITING_SOURCES = (Element.Source.DETECTOR, Element.Source.PROPOSAL)
REVIEWABLE_SOURCES = (*WAITING_SOURCES, Element.Source.MANUAL)
ORDERS = (("uncertainty", "Uncertain first"), ("position", "Wall position"))
ORDERS += (("similarity", "Similar to an element"),)


MAX_SELECTION = 1000


class ElementIdsField(forms.CharField):
    """A selection of elements, as comma-separated ids (the library gallery's "Open in review
    queue"); cleans to a list of ints, at most MAX_SELECTION."""

    widget = forms.HiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return element_ids(super().to_python(value) or "", MAX_SELECTION)
        except SelectionError as exc:
            raise forms.ValidationError(str(exc)) from exc


def operating_thresholds(detector: DetectorModel | None = None) -> dict[str, float]:
    """Category slug -> operating threshold of the active detector (metrics or parameters
    `thresholds`, as the per-class threshold calibration stores them); missing ones are 0.5."""
    detector = detector or DetectorModel.active()
    if detector is None:
        return {}
    for source in (detector.metrics, detector.parameters):
        found = source.get("thresholds") if isinstance(source, dict) else None
        if isinstance(found, dict):
            return {str(k): float(v) for k, v in found.items() if isinstance(v, (int, float))}
    return {}


def class_quality(detector: DetectorModel | None = None) -> dict[str, float]:
    """Category slug -> the active detector's mAP@[.5:.95] on it (per_category), if known."""
    detector = detector or DetectorModel.active()
    rows = (detector.metrics or {}).get("per_category", {}) if detector else {}
    quality = {}
    for slug, row in rows.items() if isinstance(rows, dict) else ():
        value = row.get("map50_95") if isinstance(row, dict) else row
        if isinstance(value, (int, float)):
            quality[str(slug)] = float(value)
    return quality


class QueueFilterForm(forms.Form):
    """The queue's filters (GET); bad values are form errors, shown beside the field."""

    category = forms.ChoiceField(required=False)  # choices: the categories, at each form
    mural = forms.IntegerField(required=False, min_value=1)
    cave = forms.IntegerField(required=False, min_value=0)
    period = forms.ChoiceField(required=False)  # choices: the periods, in time order
    detector = forms.CharField(required=False, max_length=100, label="Detector version")
    score_min = forms.FloatField(required=False, min_value=0, max_value=1)
    score_max = forms.FloatField(required=False, min_value=0, max_value=1)
    source = forms.ChoiceField(
        required=False, choices=[("", "Any"), *[(s, s) for s in WAITING_SOURCES]]
    )
    order = forms.ChoiceField(required=False, choices=ORDERS)
    similar_to = forms.IntegerField(required=False, min_value=1, label="Similar to element")
    ids = ElementIdsField(required=False, label="Selection")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Category.objects.order_by("name").values_list("slug", "name")
        self.fields["category"].choices = [("", "Any"), *categories]
        periods = Period.objects.order_by("start_year", "end_year")
        self.fields["period"].choices = [("", "Any")] + [
            (p.slug, f"{p.name} {p.name_zh}".strip()) for p in periods
        ]

    def clean(self):
        data = super().clean()
        low, high = data.get("score_min"), data.get("score_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("the score range is empty: min is above max")
        if data.get("order") == "similarity" and not data.get("similar_to"):
            self.add_error("similar_to", "ordering by similarity needs an element id")
        return data

    def scope(self) -> Q:
        """Every filter but the review state: what the progress counter counts over."""
        data = self.cleaned_data
        q = Q(source__in=REVIEWABLE_SOURCES)
        for field, lookup in (
            ("category", "category__slug"),
            ("mural", "mural_id"),
            ("cave", "mural__cave__number"),
            ("period", "mural__period__slug"),
            ("detector", "model_version"),
            ("score_min", "score__gte"),
            ("score_max", "score__lte"),
            ("source", "source"),
        ):
            if data.get(field) not in (None, ""):
                q &= Q(**{lookup: data[field]})
        if data.get("ids"):
            q &= Q(pk__in=data["ids"])
        return q

    def waiting(self) -> Q:
        """The filters and "waiting for a reviewer"."""
        return (
            self.scope() & Q(review_state=Element.Review.UNREVIEWED) & Q(source__in=WAITING_SOURCES)
        )


@dataclass
class Progress:
    reviewed: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.reviewed / self.total) if self.total else 100


def progress(form: QueueFilterForm) -> Progress:
    """Reviewed / total of the elements the filters select (detections, proposals and manual
    elements; a manual element is a reviewed one)."""
    waiting = Q(review_state=Element.Review.UNREVIEWED) & Q(source__in=WAITING_SOURCES)
    counts = Element.objects.filter(form.scope()).aggregate(
        total=Count("pk"), waiting=Count("pk", filter=waiting)
    )
    return Progress(counts["total"] - counts["waiting"], counts["total"])


def _by_uncertainty(queryset: QuerySet[Element], limit: int) -> list[Element]:
    detector = DetectorModel.active()
    thresholds, quality = operating_thresholds(detector), class_quality(detector)
    slugs = dict(Category.objects.values_list("pk", "slug"))
    # every category (and none): a class with nothing waiting costs two empty index probes,
    # less than finding the classes present among 10^5 waiting rows
    category_ids = [*slugs, None]
    parts, threshold_of = [], {}
    for category_id in category_ids:
        slug = slugs.get(category_id, "")
        threshold_of[category_id] = thresholds.get(slug, DEFAULT_THRESHOLD)
        if category_id is None:
            same = queryset.filter(category__isnull=True, score__isnull=False)
        else:
            same = queryset.filter(category_id=category_id, score__isnull=False)
        same = same.order_by().values_list("pk", "category_id", "score")
        t = threshold_of[category_id]
        parts.append(same.filter(score__gte=t).order_by("score", "pk")[:limit])
        parts.append(same.filter(score__lt=t).order_by("-score", "pk")[:limit])
    rows = list(parts[0].union(*parts[1:], all=True)) if parts else []

    def key(row) -> tuple:  # nearest the threshold, then classes the detector does worst on
        pk, category_id, score = row
        uncertainty = round(abs(score - threshold_of[category_id]), 6)
        return (uncertainty, quality.get(slugs.get(category_id, ""), 1.0), pk)

    ids = [row[0] for row in sorted(rows, key=key)[:limit]]
    found = queryset.in_bulk(ids)
    merged = [found[pk] for pk in ids if pk in found]
    if len(merged) < limit:  # elements without a score (none from a detector) last
        rest = queryset.filter(score__isnull=True).order_by("pk")[: limit - len(merged)]
        merged += list(rest)
    return merged


def _by_similarity(queryset: QuerySet[Element], element_id: int, limit: int) -> list[Element]:
    probe = Element.objects.filter(pk=element_id).values_list("embedding", flat=True).first()
    if probe is None:
        return []
    return list(
        queryset.exclude(embedding=None)
        .exclude(pk=element_id)
        .annotate(distance=MaxInnerProduct("embedding", probe))
        .order_by("distance", "pk")[:limit]
    )


def queue(form: QueueFilterForm, limit: int = 12, skip: list[int] | None = None) -> list[Element]:
    """The next `limit` waiting elements in the form's order (with their mural and category),
    leaving out the `skip` ids the reviewer passed over."""
    queryset = (
        Element.objects.filter(form.waiting())
        .select_related("mural__cave__site", "mural__period", "category")
        .defer("embedding")
    )
    if skip:
        queryset = queryset.exclude(pk__in=skip)
    order = form.cleaned_data.get("order") or "uncertainty"
    if order == "position":
        return list(queryset.order_by("mural_id", "y", "x", "pk")[:limit])
    if order == "similarity":
        return _by_similarity(queryset, form.cleaned_data["similar_to"], limit)
    return _by_uncertainty(queryset, limit)


def context_region(element: Element, mural: Mural, factor: float = 1.0) -> list[int]:
    """The element's box grown by `factor` of its size on each side, clipped to the mural."""
    grow_x, grow_y = round(element.w * factor), round(element.h * factor)
    x0, y0 = max(0, element.x - grow_x), max(0, element.y - grow_y)
    x1 = min(mural.width, element.x + element.w + grow_x)
    y1 = min(mural.height, element.y + element.h + grow_y)
    return [x0, y0, x1 - x0, y1 - y0]
