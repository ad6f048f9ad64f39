"""Trained detectors: the checkpoint, the geometry it was trained at, its classes and metrics."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models, transaction


class DetectorModel(models.Model):
    """An ultralytics detect checkpoint that the indexer can use; at most one is active.

    tile_size and scale are the training geometry: windows of tile_size / scale mural pixels,
    seen by the detector at tile_size pixels. The indexer tiles murals the same way.
    """

    name = models.CharField(max_length=100, unique=True)
    weights = models.CharField(max_length=500, help_text="path of the .pt checkpoint")
    sha256 = models.CharField(max_length=64)
    classes = ArrayField(
        models.CharField(max_length=100), help_text="class names in class-index order"
    )
    tile_size = models.PositiveIntegerField(default=640)
    scale = models.FloatField(default=1.0)
    metrics = models.JSONField(default=dict, blank=True)
    # per-class operating thresholds {class: {"threshold", "precision", "recall", "rule"}}
    # (evaluate_detector --save-thresholds); elements below theirs are shown only on request
    thresholds = models.JSONField(default=dict, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_detector",
            ),
            models.CheckConstraint(
                condition=models.Q(scale__gt=0) & models.Q(tile_size__gt=0),
                name="detector_geometry_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}{' (active)' if self.is_active else ''}"

    @classmethod
    def active(cls) -> DetectorModel | None:
        return cls.objects.filter(is_active=True).first()

    def activate(self) -> None:
        """Make this the detector the indexer uses (and no other); its elements are flagged
        again by its thresholds."""
        from .thresholds import reflag_elements

        with transaction.atomic():
            DetectorModel.objects.select_for_update().filter(is_active=True).exclude(
                pk=self.pk
            ).update(is_active=False)
            self.is_active = True
            self.save(update_fields=["is_active"])
            reflag_elements(self)

    @property
    def version_prefix(self) -> str:
        """What Element.model_version starts with for elements this checkpoint found (the
        indexer's Detector.version is `<stem>@<sha256[:12]>/<runtime>`)."""
        from pathlib import Path

        return f"{Path(self.weights).stem}@{self.sha256[:12]}/"

    def threshold_values(self) -> dict[str, float]:
        """{class: threshold} for the classes that have one."""
        return {
            name: float(entry["threshold"])
            for name, entry in (self.thresholds or {}).items()
            if isinstance(entry, dict) and entry.get("threshold") is not None
        }
