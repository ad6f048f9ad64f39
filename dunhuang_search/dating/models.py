"""Datings: who says a mural (or one element of it) was painted when, and on what grounds.

Several datings of one mural coexist: the catalogue's (Mural.period, mirrored here when a staff
member accepts an estimate), each cited scholar's, a dated inscription's, and the assistant's
estimates. An *authority* is whose datings count as truth: `catalogue` (the default) or a
scholar's name; see authority.py. An estimate never changes Mural.period until staff accept it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Dating(models.Model):
    class Source(models.TextChoices):
        CATALOGUE = "catalogue"
        SCHOLAR = "scholar"
        INSCRIPTION = "inscription"
        ASSISTANT = "assistant"

    mural = models.ForeignKey(
        "catalogue.Mural", on_delete=models.CASCADE, related_name="datings", null=True, blank=True
    )
    element = models.ForeignKey(
        "elements.Element",
        on_delete=models.CASCADE,
        related_name="datings",
        null=True,
        blank=True,
    )
    period = models.ForeignKey(
        "catalogue.Period", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start_year = models.IntegerField(help_text="CE; the period's first year when only a period")
    end_year = models.IntegerField(help_text="CE; the period's last year when only a period")
    source = models.CharField(max_length=12, choices=Source.choices)
    authority = models.CharField(
        max_length=200,
        help_text="whose dating this is: 'catalogue', a scholar's name, 'inscription', 'assistant'",
    )
    citation = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    details = models.JSONField(
        default=dict, blank=True, help_text="an estimate's full result (distribution, evidence)"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["authority"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")),
                name="dating_years_ordered",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(mural__isnull=False, element__isnull=True)
                    | models.Q(mural__isnull=True, element__isnull=False)
                ),
                name="dating_of_mural_or_element",
            ),
        ]

    def __str__(self) -> str:
        what = f"mural {self.mural_id}" if self.mural_id else f"element {self.element_id}"
        return f"{what}: {self.start_year}–{self.end_year} ({self.authority})"

    @property
    def target_mural_id(self) -> int:
        return self.mural_id if self.mural_id else self.element.mural_id
