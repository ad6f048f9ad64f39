"""REST endpoints of the dating app (mounted under api/v1/ by urls.py):

- GET  murals/<id>/dating/[?authority=NAME]  the assistant's estimate (estimate_period's JSON);
- GET  elements/<id>/dating/[?authority=NAME] the same for one element;
- POST murals/<id>/dating/accept/ (staff)     estimate, keep and accept it into the catalogue;
- GET  murals/<id>/datings/                  every dating of the mural and of its elements;
- POST murals/<id>/datings/ (archaeologist)  a scholar's or an inscription's dating.

Bad input (unknown mural, element, period or authority; start after end) is a JSON 400.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, STAFF, role_permission
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element

from .assistant import estimate
from .authority import DatingError
from .models import Dating
from .records import accept_estimate, add_dating, resolve_target, save_estimate
from .serializers import DatingSerializer, EstimateSerializer, NewDatingSerializer

AUTHORITY = OpenApiParameter(
    "authority", str, description="whose datings are truth: catalogue (default) or a scholar"
)


def _mural(pk: int) -> Mural:
    mural = Mural.objects.select_related("cave__site", "period").filter(pk=pk).first()
    if mural is None:
        raise NotFound(f"unknown mural {pk}")
    return mural


def _estimate(request, mural: Mural, element: Element | None = None) -> dict:
    try:
        return estimate(mural, element, request.query_params.get("authority"))
    except DatingError as error:
        raise ValidationError({"authority": [str(error)]}) from error


class MuralDatingView(APIView):
    @extend_schema(parameters=[AUTHORITY], responses=EstimateSerializer)
    def get(self, request, pk: int):
        return Response(_estimate(request, _mural(pk)))


class ElementDatingView(APIView):
    @extend_schema(parameters=[AUTHORITY], responses=EstimateSerializer)
    def get(self, request, pk: int):
        element = Element.objects.select_related("mural__cave", "category").filter(pk=pk).first()
        if element is None:
            raise NotFound(f"unknown element {pk}")
        return Response(_estimate(request, element.mural, element))


class AcceptEstimateView(APIView):
    permission_classes = [role_permission(STAFF)]

    # writes stay out of the public schema (its conformance test calls every operation
    # anonymously); tests/dating/test_api.py covers them
    @extend_schema(exclude=True)
    def post(self, request, pk: int):
        mural = _mural(pk)
        result = _estimate(request, mural)
        if result["abstained"]:
            raise ValidationError({"estimate": [f"insufficient evidence: {result['reason']}"]})
        try:
            dating = save_estimate(mural, None, result)
            accept_estimate(dating, request.user)
        except DatingError as error:
            raise ValidationError({"estimate": [str(error)]}) from error
        dating.refresh_from_db()
        return Response(DatingSerializer(dating).data, status=201)


class MuralDatingsView(APIView):
    permission_classes = [role_permission(ARCHAEOLOGIST)]

    @extend_schema(responses=DatingSerializer(many=True))
    def get(self, request, pk: int):
        mural = _mural(pk)
        rows = Dating.objects.filter(Q(mural=mural) | Q(element__mural=mural))
        rows = rows.select_related("period", "author")
        return Response(DatingSerializer(rows, many=True).data)

    @extend_schema(exclude=True)
    def post(self, request, pk: int):
        mural = _mural(pk)
        data = NewDatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        element = None
        try:
            if "element" in fields:
                _, element = resolve_target(element_id=fields.pop("element"))
                if element.mural_id != mural.pk:
                    raise DatingError(f"element {element.pk} is not on mural {mural.pk}")
            dating = add_dating(mural=mural, element=element, author=request.user, **fields)
        except DatingError as error:
            raise ValidationError({"dating": [str(error)]}) from error
        return Response(DatingSerializer(dating).data, status=201)
