"""Read-only REST endpoints for murals and elements, with their GET filters read by the same
forms as the pages (a bad value is a JSON 400 naming the parameter)."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from dunhuang_search.catalogue.forms import MuralFilterForm
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.catalogue.serializers import MuralSerializer
from dunhuang_search.elements.forms import ElementFilterForm
from dunhuang_search.elements.models import Element
from dunhuang_search.elements.serializers import ELEMENT_COLUMNS, ElementSerializer


def checked(form: forms.Form) -> forms.Form:
    """The form, validated; its errors as a DRF ValidationError (JSON 400) otherwise."""
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    return form


MURAL_FILTERS = [
    OpenApiParameter("site", str, description="site slug, e.g. mogao"),
    OpenApiParameter("cave", int, description="cave number"),
    OpenApiParameter("period", str, description="period slug, e.g. early-tang"),
]


@extend_schema_view(list=extend_schema(parameters=MURAL_FILTERS))
class MuralViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MuralSerializer

    def get_queryset(self) -> QuerySet[Mural]:
        queryset = Mural.objects.select_related("cave__site", "period").order_by("id")
        if self.action != "list":
            return queryset
        return checked(MuralFilterForm(self.request.query_params)).apply(queryset)


ELEMENT_FILTERS = [
    OpenApiParameter("mural", int, description="mural id"),
    OpenApiParameter("category", str, description="category slug, e.g. apsara"),
    OpenApiParameter(
        "source",
        str,
        enum=[c for c, _ in Element.Source.choices],
        description="default: detector and manual elements (dense windows only when asked for)",
    ),
]


@extend_schema_view(list=extend_schema(parameters=ELEMENT_FILTERS))
class ElementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ElementSerializer

    def get_queryset(self) -> QuerySet[Element]:
        queryset = Element.objects.only(*ELEMENT_COLUMNS).order_by("id")
        if self.action != "list":
            return queryset
        return checked(ElementFilterForm(self.request.query_params)).apply(queryset)
