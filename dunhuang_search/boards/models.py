"""Dating comparison boards: a board of items (elements, or mural regions that are not elements
yet) in user-named lanes or the "undated" tray, each with a caption, a note and a dating that
may be overridden with a reason; and immutable snapshots of a board, citable by a stable URL.

An item copies what it shows when it is added (`frozen`: mural, cave, wall, region, category,
the mural's period and its dpi), so that when its element or mural is deleted it stays on the
board as a frozen crop with a note that its source is gone.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models


def new_token() -> str:
    """An unguessable token for a board's public read-only link (192 random bits)."""
    return secrets.token_urlsafe(24)


class Board(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private"
        SHARED = "shared"  # with the users and groups of its BoardShare rows
        PUBLIC = "public"  # read-only, by its token link (and shared rows as for SHARED)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="boards"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    public_token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "id"]

    def __str__(self) -> str:
        return self.title


class BoardShare(models.Model):
    """The board shared with one user or one group, with view or edit rights."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True
    )
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True)
    can_edit = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(group__isnull=True))
                | (models.Q(user__isnull=True) & models.Q(group__isnull=False)),
                name="board_share_one_user_or_group",
            ),
            models.UniqueConstraint(fields=["board", "user"], name="board_share_user_once"),
            models.UniqueConstraint(fields=["board", "group"], name="board_share_group_once"),
        ]


class Lane(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="lanes")
    name = models.CharField(max_length=100)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["board", "name"], name="lane_name_unique_per_board")
        ]

    def __str__(self) -> str:
        return self.name


class BoardItem(models.Model):
    """An element or a mural region on a board; in a lane, or in the tray (lane is null)."""

    class Kind(models.TextChoices):
        ELEMENT = "element"
        REGION = "region"

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    element = models.ForeignKey(
        "elements.Element", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mural = models.ForeignKey(
        "catalogue.Mural", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    w = models.PositiveIntegerField()
    h = models.PositiveIntegerField()
    lane = models.ForeignKey(
        Lane, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    position = models.PositiveIntegerField(default=0)
    caption = models.CharField(max_length=500, blank=True)
    note = models.TextField(blank=True)
    # The dating override: a period, or a year range, and always a reason.
    override_period = models.ForeignKey(
        "catalogue.Period", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_start_year = models.IntegerField(null=True, blank=True)
    override_end_year = models.IntegerField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    # What the item showed when added (see the module docstring, and items.frozen_facts).
    frozen = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lane_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(w__gt=0) & models.Q(h__gt=0), name="board_item_box_not_empty"
            ),
            models.CheckConstraint(
                condition=models.Q(override_start_year__isnull=True)
                | models.Q(override_end_year__isnull=True)
                | models.Q(override_end_year__gte=models.F("override_start_year")),
                name="board_item_override_years_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.caption or f"{self.kind} item {self.pk} on board {self.board_id}"

    @property
    def bbox(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    @property
    def mural_id_shown(self) -> int | None:
        return self.mural_id or self.frozen.get("mural_id")

    @property
    def source_gone(self) -> bool:
        """Its element (or its mural) was deleted: the item is a frozen crop."""
        if self.kind == self.Kind.ELEMENT:
            return self.element_id is None
        return self.mural_id is None


class SnapshotImmutable(Exception):
    """A published snapshot is never changed or deleted."""


class BoardSnapshot(models.Model):
    """A board frozen when published: its items, crops, captions and datings as JSON. Rows are
    never updated (save() refuses, and a database trigger refuses any UPDATE)."""

    board = models.ForeignKey(
        Board, on_delete=models.SET_NULL, null=True, blank=True, related_name="snapshots"
    )
    title = models.CharField(max_length=200)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"snapshot {self.pk} of {self.title}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise SnapshotImmutable(f"snapshot {self.pk} is published and cannot change")
        super().save(*args, **kwargs)
