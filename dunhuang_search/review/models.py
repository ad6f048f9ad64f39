"""What reviewers did: one ReviewEvent per change to an element, with its state before and after.

Nothing a person did is lost: an undo is a new event that applies an earlier `before`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReviewEvent(models.Model):
    """One reviewer's change to one element: state, category, box, OCR text and note, as
    snapshots (review.actions.snapshot) before and after. `before` is null for a created one."""

    class Action(models.TextChoices):
        REVIEW = "review"
        UNDO = "undo"
        CREATE = "create"  # a manual element drawn or marked as a few-shot example

    element = models.ForeignKey(
        "elements.Element", on_delete=models.CASCADE, related_name="review_events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_events"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.REVIEW)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()
    version = models.PositiveIntegerField(help_text="the element's version after this event")
    undoes = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="undone_by"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["element", "-id"], name="review_event_by_element")]

    def __str__(self) -> str:
        return f"{self.action} of element {self.element_id} by {self.user} at {self.created_at}"

    def changed(self) -> list[str]:
        """The snapshot fields this event changed."""
        before = self.before or {}
        return [key for key, value in self.after.items() if before.get(key) != value]
