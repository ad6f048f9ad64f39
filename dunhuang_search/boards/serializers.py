"""Boards as JSON (the REST API): what it answers, and the bodies it reads."""

from __future__ import annotations

from rest_framework import serializers

from .models import Board


class PeriodFactsSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField(allow_blank=True)
    start_year = serializers.IntegerField()
    end_year = serializers.IntegerField()


class ItemDatingSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="override, mural or undated")
    period = PeriodFactsSerializer(allow_null=True)
    start_year = serializers.IntegerField(allow_null=True)
    end_year = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class RecordItemSerializer(serializers.Serializer):
    """An item as records.item_record gives it (in exports and snapshots)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["element", "region"])
    element_id = serializers.IntegerField(allow_null=True)
    mural_id = serializers.IntegerField(allow_null=True)
    region = serializers.ListField(child=serializers.IntegerField(), min_length=4, max_length=4)
    lane = serializers.CharField(allow_null=True)
    position = serializers.IntegerField()
    caption = serializers.CharField(help_text="its own caption, or the plate's form")
    own_caption = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    dating = ItemDatingSerializer()
    source_gone = serializers.BooleanField()
    crop = serializers.CharField(allow_null=True, help_text="IIIF region URL (path)")
    frozen = serializers.JSONField(help_text="what the item showed when it was added")


class ItemSerializer(RecordItemSerializer):
    """An item on its board, with its lane's id (null: the undated tray)."""

    lane_id = serializers.IntegerField(allow_null=True)


class RecordSerializer(serializers.Serializer):
    """A board as data (records.board_record): its JSON export, a snapshot's frozen data, and
    what the import reads."""

    format = serializers.CharField()
    board = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    lanes = serializers.ListField(child=serializers.CharField())
    items = RecordItemSerializer(many=True)


class LaneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    order = serializers.IntegerField()


class BoardSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = Board
        fields = ["id", "title", "description", "visibility", "owner", "created_at", "updated_at"]
        read_only_fields = ["id", "owner", "created_at", "updated_at"]


class BoardDetailSerializer(serializers.Serializer):
    board = BoardSerializer()
    can_edit = serializers.BooleanField()
    public_url = serializers.CharField(allow_null=True, help_text="only for those who edit")
    lanes = LaneSerializer(many=True)
    items = ItemSerializer(many=True)


class ItemInputSerializer(serializers.Serializer):
    element = serializers.IntegerField(required=False, help_text="an element id")
    mural = serializers.IntegerField(required=False, help_text="a mural id, with a region")
    region = serializers.ListField(
        child=serializers.IntegerField(min_value=0), min_length=4, max_length=4, required=False,
        help_text="x, y, w, h in mural pixels",
    )  # fmt: skip
    lane = serializers.IntegerField(required=False, allow_null=True, help_text="null: the tray")
    caption = serializers.CharField(required=False, allow_blank=True, max_length=500)
    note = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        if "element" in attrs and ("mural" in attrs or "region" in attrs):
            raise serializers.ValidationError("give an element, or a mural and a region")
        if "element" not in attrs and ("mural" not in attrs or "region" not in attrs):
            raise serializers.ValidationError("give an element, or a mural and a region")
        return attrs


class OverrideSerializer(serializers.Serializer):
    period = serializers.SlugField(required=False, allow_null=True)
    start_year = serializers.IntegerField(required=False, allow_null=True)
    end_year = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        start, end = attrs.get("start_year"), attrs.get("end_year")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError(
                f"the period range starts after it ends ({start} > {end})"
            )
        return attrs


class ItemUpdateSerializer(serializers.Serializer):
    caption = serializers.CharField(required=False, allow_blank=True, max_length=500)
    note = serializers.CharField(required=False, allow_blank=True)
    lane = serializers.IntegerField(required=False, allow_null=True, help_text="null: the tray")
    position = serializers.IntegerField(required=False, min_value=0)
    override = OverrideSerializer(required=False, allow_null=True, help_text="null clears it")


class LaneInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    order = serializers.IntegerField(required=False, min_value=0)


class ShareInputSerializer(serializers.Serializer):
    user = serializers.CharField(required=False, help_text="a username")
    group = serializers.CharField(required=False, help_text="a group name")
    can_edit = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if ("user" in attrs) == ("group" in attrs):
            raise serializers.ValidationError("share with one user or one group")
        return attrs


class SnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    board = serializers.IntegerField(source="board_id", allow_null=True)
    title = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField()
    data = RecordSerializer()
