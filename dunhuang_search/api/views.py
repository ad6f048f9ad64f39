"""Read-only REST endpoints for murals and elements, with validated filters."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from dunhuang_search.catalogue.models import Mural, Period, Site
from dunhuang_search.elements.models import Category, Element

from .serializers import ElementSerializer, MuralSerializer


def _slug_param(request, name: str, model) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not model.objects.filter(slug=value).exists():
        raise ValidationError({name: [f"unknown {name} '{value}'"]})
    return value


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({name: [f"{name} must be a number, not '{value}'"]}) from None
    if number <= 0:
        raise ValidationError({name: [f"{name} must be positive"]})
    return number


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
        if site := _slug_param(self.request, "site", Site):
            queryset = queryset.filter(cave__site__slug=site)
        if period := _slug_param(self.request, "period", Period):
            queryset = queryset.filter(period__slug=period)
        if (cave := _int_param(self.request, "cave")) is not None:
            queryset = queryset.filter(cave__number=cave)
        return queryset


ELEMENT_FILTERS = [
    OpenApiParameter("mural", int, description="mural id"),
    OpenApiParameter("category", str, description="category slug, e.g. apsara"),
    OpenApiParameter("source", str, enum=[c for c, _ in Element.Source.choices]),
]


@extend_schema_view(list=extend_schema(parameters=ELEMENT_FILTERS))
class ElementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ElementSerializer

    def get_queryset(self) -> QuerySet[Element]:
        queryset = Element.objects.select_related("category").defer("embedding").order_by("id")
        if self.action != "list":
            return queryset
        if (mural := _int_param(self.request, "mural")) is not None:
            queryset = queryset.filter(mural_id=mural)
        if category := _slug_param(self.request, "category", Category):
            queryset = queryset.filter(category__slug=category)
        source = self.request.query_params.get("source")
        if source:
            if source not in Element.Source.values:
                raise ValidationError({"source": [f"unknown source '{source}'"]})
            queryset = queryset.filter(source=source)
        else:  # dense search windows only when asked for
            queryset = queryset.shown()
        return queryset
