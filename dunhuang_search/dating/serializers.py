"""Datings as JSON, and the input of a new dating (a scholar's, or an inscription's)."""

from __future__ import annotations

from rest_framework import serializers

from .models import Dating


class DatingSerializer(serializers.ModelSerializer):
    period = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True, default=None)

    class Meta:
        model = Dating
        fields = [
            "id",
            "mural",
            "element",
            "period",
            "start_year",
            "end_year",
            "source",
            "authority",
            "citation",
            "author",
            "created_at",
            "accepted_at",
        ]
        read_only_fields = fields


class NewDatingSerializer(serializers.Serializer):
    element = serializers.IntegerField(required=False, help_text="date one element of the mural")
    period = serializers.CharField(required=False, help_text="period slug")
    start_year = serializers.IntegerField(required=False)
    end_year = serializers.IntegerField(required=False)
    source = serializers.ChoiceField(
        choices=[Dating.Source.SCHOLAR, Dating.Source.INSCRIPTION], default=Dating.Source.SCHOLAR
    )
    authority = serializers.CharField(required=False, allow_blank=True, max_length=200)
    citation = serializers.CharField(required=False, allow_blank=True)


class EstimateSerializer(serializers.Serializer):
    """The assistant's estimate (the estimate_period contract)."""

    target = serializers.DictField()
    period = serializers.CharField(allow_null=True)
    interval = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    distribution = serializers.DictField(child=serializers.FloatField())
    abstained = serializers.BooleanField()
    reason = serializers.CharField()
    evidence = serializers.ListField(child=serializers.DictField())
    inscriptions = serializers.ListField(child=serializers.DictField())
    pulls = serializers.DictField()
    possible_repainting = serializers.DictField()
    palette_evidence = serializers.ListField(
        child=serializers.DictField(),
        help_text="the dated walls of other caves nearest in palette: mural_id, period, cave, "
        "similarity (histogram intersection), weight",
    )
    authority = serializers.CharField()
