"""Forms of the style pages: a style set, its members, and the stylize request."""

from __future__ import annotations

import re

from django import forms

from dunhuang_search.catalogue.models import Mural, Period
from dunhuang_search.elements.models import Element
from indexer.style import METHODS

from .models import StyleSet

REGION = re.compile(r"\s*(\d+)\s*:\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*")


class StyleSetForm(forms.ModelForm):
    period = forms.ModelChoiceField(Period.objects.all(), required=False)

    class Meta:
        model = StyleSet
        fields = ["name", "slug", "description", "period"]


def parse_region(text: str) -> tuple[Mural, int, int, int, int]:
    """`MURAL:X,Y,W,H` -> (mural, x, y, w, h); ValidationError naming the problem."""
    match = REGION.fullmatch(text or "")
    if not match:
        raise forms.ValidationError(f"a region is MURAL_ID:X,Y,W,H, not {text!r}")
    pk, x, y, w, h = (int(v) for v in match.groups())
    mural = Mural.objects.filter(pk=pk).first()
    if mural is None:
        raise forms.ValidationError(f"no mural with id {pk}")
    if w <= 0 or h <= 0 or x + w > mural.width or y + h > mural.height:
        raise forms.ValidationError(f"the region {x},{y},{w},{h} lies outside mural {pk}")
    return mural, x, y, w, h


class SourceForm(forms.Form):
    """One content source: an uploaded image, an element id or a mural region."""

    image = forms.FileField(required=False)
    element = forms.IntegerField(required=False, min_value=1)
    region = forms.CharField(required=False, help_text="MURAL_ID:X,Y,W,H")

    def clean(self):
        data = super().clean()
        given = [k for k in ("image", "element", "region") if data.get(k)]
        if len(given) != 1:
            raise forms.ValidationError("give exactly one of: image, element, region")
        if data.get("element"):
            data["element_obj"] = (
                Element.objects.select_related("mural").filter(pk=data["element"]).first()
            )
            if data["element_obj"] is None:
                raise forms.ValidationError(f"no element with id {data['element']}")
        if data.get("region"):
            data["region_obj"] = parse_region(data["region"])
        return data


class StylizeForm(SourceForm):
    method = forms.ChoiceField(choices=[(m, m) for m in sorted(METHODS)])
    strength = forms.FloatField(min_value=0.0, max_value=1.0, initial=1.0, required=False)
    seed = forms.IntegerField(required=False, initial=0)

    def clean_strength(self) -> float:
        value = self.cleaned_data.get("strength")
        return 1.0 if value is None else value
