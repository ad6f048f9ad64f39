"""Style sets defined by experts, their members, the unpaired models trained for them, and the
style descriptor of every mural and element (the map of style through time).

A `StyleSet` is a cluster of images that an expert says share a style ("QingLvShanShui, High
Tang: green mountains and rivers, strong ridge contours"). Its `version` goes up whenever its
members change, and every derivative made with it records the slug and version it used.
Uploaded members are stored under STYLE_DIR (var/styles/ by default); originals are never
written.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from pgvector.django import VectorField

from dunhuang_search.studio.models import DerivativeJob


def style_dir() -> Path:
    return Path(getattr(settings, "STYLE_DIR", None) or Path(settings.VAR_DIR) / "styles")


class StyleSet(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="style_sets",
    )
    period = models.ForeignKey(
        "catalogue.Period",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="style_sets",
        help_text="the period the style belongs to, if any",
    )
    version = models.PositiveIntegerField(default=1, help_text="bumped on every member change")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def bump(self) -> None:
        """A member was added or removed: the set is a new version."""
        StyleSet.objects.filter(pk=self.pk).update(version=models.F("version") + 1)
        self.refresh_from_db(fields=["version", "updated_at"])


class StyleSetMember(models.Model):
    class Kind(models.TextChoices):
        ELEMENT = "element"
        REGION = "region"
        UPLOAD = "upload"

    style_set = models.ForeignKey(StyleSet, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    element = models.ForeignKey(
        "elements.Element",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="style_memberships",
    )
    mural = models.ForeignKey(
        "catalogue.Mural",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="style_memberships",
    )
    x = models.PositiveIntegerField(null=True, blank=True)
    y = models.PositiveIntegerField(null=True, blank=True)
    w = models.PositiveIntegerField(null=True, blank=True)
    h = models.PositiveIntegerField(null=True, blank=True)
    image = models.CharField(max_length=300, blank=True, help_text="upload, under STYLE_DIR")
    label = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="element", element__isnull=False)
                    | models.Q(kind="region", mural__isnull=False, w__gt=0, h__gt=0)
                    | (models.Q(kind="upload") & ~models.Q(image=""))
                ),
                name="style_member_has_its_source",
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.kind} member {self.pk}"

    @property
    def upload_path(self) -> Path | None:
        return style_dir() / self.image if self.image else None


class StyleModel(models.Model):
    """An unpaired (CycleGAN) model trained for a style set by `manage.py train_style`: its
    checkpoint, the data it saw and its training metrics. The newest one is used."""

    style_set = models.ForeignKey(StyleSet, on_delete=models.CASCADE, related_name="models")
    path = models.CharField(max_length=300, help_text="checkpoint, relative to STYLE_DIR")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    epochs = models.PositiveIntegerField(default=0)
    iterations = models.PositiveIntegerField(default=0)
    seconds_per_iteration = models.FloatField(default=0)
    style_set_version = models.PositiveIntegerField()
    data = models.JSONField(default=dict, help_text="what it was trained on")
    history = models.JSONField(default=list, help_text="losses per epoch")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["style_set", "size"], name="one_style_model_per_size")
        ]

    @property
    def checkpoint(self) -> Path:
        return style_dir() / self.path


class StyleDescriptor(models.Model):
    """A style descriptor of a mural (its whole image, reduced) or an element (its crop):
    `magenta` (the style predictor's 100-d vector) or `adain` (EfficientNet-Lite0 channel means
    and standard deviations, 320-d). Stored beside the element embedding, in pgvector."""

    class Kind(models.TextChoices):
        MAGENTA = "magenta"
        ADAIN = "adain"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    mural = models.ForeignKey(
        "catalogue.Mural", on_delete=models.CASCADE, related_name="style_descriptors"
    )
    element = models.ForeignKey(
        "elements.Element",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="style_descriptors",
    )
    vector = VectorField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "mural"],
                condition=models.Q(element__isnull=True),
                name="one_style_descriptor_per_mural",
            ),
            models.UniqueConstraint(
                fields=["kind", "element"],
                condition=models.Q(element__isnull=False),
                name="one_style_descriptor_per_element",
            ),
        ]


class StyleJob(DerivativeJob):
    """Long style work with polled progress, like studio's RestorationJob: a stylize asked for
    on the set page (run in a thread of the web process) or a `train_style` run (the command
    reports on its row). The job records its worker (host:pid); a job whose worker died is
    failed by the next look at it (styles/jobs.py: settle)."""

    class Kind(models.TextChoices):
        STYLIZE = "stylize"
        TRAIN = "train"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    style_set = models.ForeignKey(StyleSet, on_delete=models.CASCADE, related_name="jobs")
    method = models.CharField(max_length=40, blank=True)
    request = models.JSONField(default=dict, blank=True, help_text="what was asked for")
    phase = models.CharField(max_length=60, blank=True)
    done = models.PositiveIntegerField(default=0, help_text="windows or iterations done")
    total = models.PositiveIntegerField(default=0)
    progress = models.JSONField(default=dict, blank=True, help_text="epoch, losses, ...")

    class Meta(DerivativeJob.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0
