"""REST endpoints of the styles app (api/v1/...): style sets and their members, stylize, and
the style map. Reads are open; writes need the archaeologist role. Errors are JSON 4xx in the
house shape (dunhuang_search/api/errors.py)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_permission
from indexer.style import StyleError

from . import stylemap
from .adding import add_to_set, parse_target
from .forms import SourceForm, StylizeForm
from .models import StyleSet, StyleSetMember
from .requests import add_member, maybe_staged, stylize_request
from .transfer import provenance

CanWrite = role_permission(ARCHAEOLOGIST)
# The style-set operations are in the OpenAPI schema; tests/styles/test_api_schema.py walks them
# as an archaeologist (tests/api/test_schema_conformance.py leaves /api/v1/style-sets to it).


class ErrorSerializer(serializers.Serializer):
    """The house error body (dunhuang_search/api/errors.py)."""

    error = serializers.CharField()
    detail = serializers.JSONField()
    status = serializers.IntegerField()


REFUSALS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = StyleSetMember
        fields = ["id", "kind", "element", "mural", "x", "y", "w", "h", "label", "created_at"]


class StyleSetSerializer(serializers.ModelSerializer):
    expert = serializers.SlugRelatedField(slug_field="username", read_only=True)
    period = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    members = MemberSerializer(many=True, read_only=True)

    class Meta:
        model = StyleSet
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "expert",
            "period",
            "version",
            "members",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["version"]


class SourceSerializer(serializers.Serializer):
    image = serializers.FileField(required=False)
    element = serializers.IntegerField(required=False)
    region = serializers.CharField(required=False, help_text="MURAL_ID:X,Y,W,H")


class StylizeSerializer(SourceSerializer):
    method = serializers.CharField()
    strength = serializers.FloatField(required=False, default=1.0)
    seed = serializers.IntegerField(required=False, default=0)


class AddToSetSerializer(serializers.Serializer):
    """What to add: one element, several elements, or a mural region (mural with x, y, w, h)."""

    element = serializers.IntegerField(required=False, min_value=1)
    elements = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_empty=False
    )
    mural = serializers.IntegerField(required=False, min_value=1)
    x = serializers.IntegerField(required=False, min_value=0)
    y = serializers.IntegerField(required=False, min_value=0)
    w = serializers.IntegerField(required=False, min_value=1)
    h = serializers.IntegerField(required=False, min_value=1)

    def validate(self, data):
        if "mural" in data and any(k not in data for k in "xywh"):
            raise ValidationError({"mural": ["a region needs mural, x, y, w and h"]})
        return data

    def as_target_fields(self) -> dict:
        d = self.validated_data
        fields = {"element": d.get("element"), "mural": d.get("mural")}
        if d.get("elements"):
            fields["elements"] = ",".join(map(str, d["elements"]))
        if d.get("mural"):
            fields["box"] = f"{d['x']},{d['y']},{d['w']},{d['h']}"
        return fields


class AddedSerializer(serializers.Serializer):
    style_set = serializers.CharField(help_text="the set's slug")
    version = serializers.IntegerField(help_text="the set's version after the addition")
    added = MemberSerializer(many=True, help_text="members added now")
    already = MemberSerializer(many=True, help_text="members that were already in the set")


class ProvenanceSerializer(serializers.Serializer):
    """The JSON provenance sidecar of a style derivative (studio's Derivative, kind=style)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    source = serializers.DictField(help_text="upload_name, mural, element, bbox")
    style_set = serializers.CharField()
    style_set_version = serializers.IntegerField()
    method = serializers.CharField()
    model = serializers.DictField(help_text="name and sha256 of the model, if any")
    parameters = serializers.DictField()
    seed = serializers.IntegerField()
    author = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    seconds = serializers.FloatField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    sha256 = serializers.CharField()
    details = serializers.DictField()
    image_url = serializers.URLField()


def _form_error(form) -> ValidationError:
    return ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})


class StyleSetList(APIView):
    permission_classes = [CanWrite]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(responses={200: StyleSetSerializer(many=True)})
    def get(self, request):
        return Response(StyleSetSerializer(StyleSet.objects.all(), many=True).data)

    @extend_schema(request=StyleSetSerializer, responses={201: StyleSetSerializer, **REFUSALS})
    def post(self, request):
        serializer = StyleSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        style_set = serializer.save(expert=request.user)
        return Response(StyleSetSerializer(style_set).data, status=status.HTTP_201_CREATED)


class StyleSetDetail(APIView):
    permission_classes = [CanWrite]

    @extend_schema(responses={200: StyleSetSerializer})
    def get(self, request, slug: str):
        return Response(StyleSetSerializer(get_object_or_404(StyleSet, slug=slug)).data)


class StyleSetMembers(APIView):
    permission_classes = [CanWrite]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": SourceSerializer},
        responses={201: MemberSerializer, 200: MemberSerializer, **REFUSALS},
    )
    def post(self, request, slug: str):
        style_set = get_object_or_404(StyleSet, slug=slug)
        form = SourceForm(request.data, request.FILES)
        if not form.is_valid():
            raise _form_error(form)
        try:
            with maybe_staged(form.cleaned_data) as path:
                member, created = add_member(style_set, form.cleaned_data, request.user, path)
        except StyleError as exc:
            raise ValidationError({"image": [str(exc)]}) from exc
        return Response(
            MemberSerializer(member).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class StyleSetStylize(APIView):
    """Stylize an upload, an element or a mural region with this set; the result is a style
    derivative, answered with its provenance (the JSON sidecar)."""

    permission_classes = [CanWrite]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": StylizeSerializer},
        responses={201: ProvenanceSerializer, **REFUSALS},
    )
    def post(self, request, slug: str):
        style_set = get_object_or_404(StyleSet, slug=slug)
        form = StylizeForm(request.data, request.FILES)
        if not form.is_valid():
            raise _form_error(form)
        data = form.cleaned_data
        try:
            d = stylize_request(style_set, data, request.user)
        except StyleError as exc:
            raise ValidationError({"style": [str(exc)]}) from exc
        body = provenance(d)
        body["image_url"] = request.build_absolute_uri(f"/styles/derivatives/{d.pk}.jpg")
        return Response(body, status=status.HTTP_201_CREATED)


class StyleSetAdd(APIView):
    """Add an element, a selection of elements or a mural region to this set, idempotently:
    201 when something was added (the set's version goes up), 200 when all of it was already
    there. The web's "Add to style set" control does the same (styles/picker.py)."""

    permission_classes = [CanWrite]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=AddToSetSerializer,
        responses={201: AddedSerializer, 200: AddedSerializer, **REFUSALS},
    )
    def post(self, request, slug: str):
        style_set = get_object_or_404(StyleSet, slug=slug)
        serializer = AddToSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = add_to_set(
                parse_target(serializer.as_target_fields()), style_set.slug, "", request.user
            )
        except StyleError as exc:
            raise ValidationError({"target": [str(exc)]}) from exc
        body = {
            "style_set": result.style_set.slug,
            "version": result.style_set.version,
            "added": MemberSerializer(result.added, many=True).data,
            "already": MemberSerializer(result.already, many=True).data,
        }
        return Response(body, status=status.HTTP_201_CREATED if result.added else 200)


class StyleMapView(APIView):
    permission_classes = [CanWrite]

    @extend_schema(responses={200: dict})
    def get(self, request):
        data = stylemap.style_map()
        return Response(
            {
                "explained_variance": data["explained"],
                "points": [
                    {
                        "mural": p.mural.pk,
                        "period": p.mural.period.slug,
                        "cave": p.mural.cave.number,
                        "x": p.x,
                        "y": p.y,
                    }
                    for p in data["points"]
                ],
                "legend": [
                    {"period": e["period"].slug, "colour": e["colour"]} for e in data["legend"]
                ],
            }
        )
