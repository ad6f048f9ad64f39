"""What the review endpoints take and give: a review request, an element's reviewable state and
its events (snapshots as review.actions.snapshot makes them)."""

from __future__ import annotations

from rest_framework import serializers

from dunhuang_search.elements.models import Element

from .actions import snapshot
from .models import ReviewEvent


class ReviewRequestSerializer(serializers.Serializer):
    """A review: any of state, category, bbox, ocr_text and note, and the version it saw.
    Values are checked by review.actions (a bad one is a 400 naming it)."""

    state = serializers.ChoiceField(choices=Element.Review.values, required=False)
    category = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    bbox = serializers.ListField(
        child=serializers.IntegerField(), min_length=4, max_length=4, required=False
    )
    ocr_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text="the element version the reviewer saw"
    )


class UndoRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True)


class ReviewStateSerializer(serializers.Serializer):
    """An element's reviewable state."""

    id = serializers.IntegerField()
    mural_id = serializers.IntegerField()
    state = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    bbox = serializers.ListField(child=serializers.IntegerField())
    ocr_text = serializers.CharField()
    note = serializers.CharField()
    source = serializers.CharField()
    version = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)

    def to_representation(self, instance: Element) -> dict:
        return {
            "id": instance.pk,
            "mural_id": instance.mural_id,
            **snapshot(instance),
            "score": instance.score,
        }


class ReviewEventSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username")
    changed = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ReviewEvent
        fields = ["id", "element", "user", "created_at", "action", "before", "after"]
        fields += ["version", "undoes", "changed"]

    def to_representation(self, instance: ReviewEvent) -> dict:
        data = super().to_representation(instance)
        data["changed"] = [key for key in instance.changed() if key != "version"]
        return data


class ReviewResultSerializer(serializers.Serializer):
    element = ReviewStateSerializer()
    event = ReviewEventSerializer()
