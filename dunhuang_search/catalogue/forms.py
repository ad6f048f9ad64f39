"""Forms of the catalogue: the staff upload, and the mural filters (site, period, cave) that
the catalogue page and the REST API both read from GET parameters.

A bad value is an error naming its parameter; the good ones still apply (cleaned_data).
"""

from __future__ import annotations

from django import forms
from django.db.models import Model, QuerySet

from .models import Period, Site

MAX_CAVE = 99_999


class SlugChoiceField(forms.Field):
    """A row of `model` named by its slug (surrounding spaces ignored); "" is no choice."""

    def __init__(self, model: type[Model], noun: str, plural: str = "", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.model, self.noun, self.plural = model, noun, plural or f"{noun}s"

    def to_python(self, value: object) -> Model | None:
        slug = str(value or "").strip()
        if not slug:
            return None
        found = self.model.objects.filter(slug=slug).first()
        if found is None:
            raise forms.ValidationError(unknown_slug(self.model, self.noun, self.plural, slug))
        return found


def unknown_slug(model: type[Model], noun: str, plural: str, slug: str) -> str:
    known = ", ".join(model.objects.order_by("slug").values_list("slug", flat=True))
    return f"Unknown {noun} “{slug}”. Known {plural}: {known}."


class CaveNumberField(forms.Field):
    """A cave number such as 220 (1 to 99,999); "" is no choice."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: object) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        if not (text.isdigit() and 0 < int(text) <= MAX_CAVE):
            raise forms.ValidationError(f"Cave must be a cave number such as 220, not “{text}”.")
        return int(text)


class MuralFilterForm(forms.Form):
    """The mural filters of the catalogue page and `/api/v1/murals/`."""

    site = SlugChoiceField(Site, "site")
    period = SlugChoiceField(Period, "period")
    cave = CaveNumberField()

    def value(self, name: str):
        """The cleaned value of a filter, None when it is absent or bad."""
        return getattr(self, "cleaned_data", {}).get(name)

    def apply(self, murals: QuerySet, skip: str = "") -> QuerySet:
        """The good filters on a Mural queryset, except `skip` (so a facet counts the others)."""
        if (site := self.value("site")) and skip != "site":
            murals = murals.filter(cave__site=site)
        if (period := self.value("period")) and skip != "period":
            murals = murals.filter(period=period)
        if (cave := self.value("cave")) is not None and skip != "cave":
            murals = murals.filter(cave__number=cave)
        return murals


class MuralUploadForm(forms.Form):
    image = forms.FileField(help_text="JPEG, PNG or TIFF (BigTIFF and pyramidal TIFF too)")
    site = forms.ModelChoiceField(Site.objects.all(), to_field_name="slug", empty_label=None)
    cave = forms.IntegerField(min_value=1)
    wall = forms.CharField(max_length=100, initial="south")
    period = forms.ModelChoiceField(Period.objects.all(), to_field_name="slug", empty_label=None)
    title = forms.CharField(max_length=300, required=False)
    dpi = forms.IntegerField(min_value=1, required=False)
