"""What the studio's REST endpoints read and answer: a restoration request, a job, a
derivative (with its provenance) and a review."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from indexer.restoration import METHODS
from indexer.restoration.masks import CLICK_METHODS, LEVELS, MASK_KINDS

from .models import Derivative, RestorationJob


class SimulatedMaskSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(MASK_KINDS))
    level = serializers.ChoiceField(choices=LEVELS, default="light")
    seed = serializers.IntegerField(default=0)


class RestorationRequestSerializer(serializers.Serializer):
    """mural + bbox (x,y,w,h), or element; and exactly one mask: a PNG upload, a simulated
    {kind, level, seed}, 1-3 clicks [[x, y], ...] in region pixels, or suggest=true."""

    mural = serializers.IntegerField(required=False)
    bbox = serializers.CharField(required=False, help_text="x,y,w,h in mural pixels")
    element = serializers.IntegerField(required=False)
    method = serializers.ChoiceField(choices=sorted(METHODS))
    model = serializers.CharField(required=False, allow_blank=True)
    seed = serializers.IntegerField(required=False)
    mask = serializers.FileField(required=False, help_text="8-bit PNG, nonzero = lost")
    simulated = serializers.JSONField(required=False, help_text='{"kind", "level", "seed"}')
    clicks = serializers.JSONField(required=False, help_text="[[x, y], ...] in region pixels")
    click_method = serializers.ChoiceField(choices=CLICK_METHODS, required=False)
    suggest = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        given = [k for k in ("mask", "simulated", "clicks") if attrs.get(k) not in (None, "")]
        if attrs.get("suggest"):
            given.append("suggest")
        if len(given) != 1:
            raise serializers.ValidationError(
                "give exactly one mask: mask (PNG), simulated, clicks or suggest"
            )
        if attrs.get("element") is None and (attrs.get("mural") is None or not attrs.get("bbox")):
            raise serializers.ValidationError("give mural and bbox, or element")
        return attrs


class MaskRequestSerializer(serializers.Serializer):
    """A mask proposed for a region: from 1-3 clicks, or the suggested losses."""

    mural = serializers.IntegerField()
    bbox = serializers.CharField(help_text="x,y,w,h in mural pixels")
    clicks = serializers.JSONField(required=False, help_text="[[x, y], ...] in region pixels")
    click_method = serializers.ChoiceField(choices=CLICK_METHODS, required=False)
    suggest = serializers.BooleanField(required=False, default=False)


class JobSerializer(serializers.ModelSerializer):
    derivative = serializers.IntegerField(source="derivative_id", allow_null=True)
    bbox = serializers.ListField(child=serializers.IntegerField())
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = RestorationJob
        fields = [
            "id", "state", "phase", "percent", "error", "mural", "element", "bbox", "method",
            "model_name", "mask_origin", "derivative", "created_at", "finished_at", "status_url",
        ]  # fmt: skip

    def get_status_url(self, job) -> str:
        return reverse("studio:api_job", args=[job.pk])


class DerivativeSerializer(serializers.ModelSerializer):
    bbox = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    author = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()
    iiif = serializers.SerializerMethodField()
    provenance = serializers.SerializerMethodField()
    review_state = serializers.CharField(help_text="proposed, approved or rejected")

    class Meta:
        model = Derivative
        fields = [
            "id", "kind", "mural", "element", "bbox", "method", "model_name", "model_sha256",
            "parameters", "seed", "inputs", "width", "height", "sha256", "seconds", "author",
            "created_at", "review_state", "review_note", "reviewed_by", "reviewed_at", "iiif",
            "provenance",
        ]  # fmt: skip

    def get_author(self, row) -> str | None:
        return row.author.username if row.author_id else None

    def get_reviewed_by(self, row) -> str | None:
        return row.reviewed_by.username if row.reviewed_by_id else None

    def get_iiif(self, row) -> str:
        return reverse("studio:iiif_base", args=[row.pk])

    @extend_schema_field(serializers.DictField())
    def get_provenance(self, row) -> dict:
        from .provenance import provenance

        request = self.context.get("request")
        return provenance(row, request.build_absolute_uri if request else None)


class ReviewSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[Derivative.Review.APPROVED, Derivative.Review.REJECTED]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
