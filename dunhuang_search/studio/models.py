"""Derivatives: images made from an original (restorations, stylizations), never written over it.

One row per output image, shared by restoration (this app) and style (the styles app above it).
It records how the image was made (method, model and its sha256, parameters, seed, the inputs
that supplied pixels or style), who made it, and an expert's review of it. The files live under
settings.DERIVATIVE_DIR: the output as a pyramidal TIFF (served by IIIF as `derivative-<id>`) and
the mask, if any, as a PNG; they are written by `derivatives.save_derivative` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Derivative(models.Model):
    class Kind(models.TextChoices):
        RESTORATION = "restoration"
        STYLE = "style"

    class Review(models.TextChoices):
        PROPOSED = "proposed"
        APPROVED = "approved"
        REJECTED = "rejected"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The content source: a mural region, an element (whose mural and box are copied into
    # mural/x/y/w/h), or an uploaded image (upload_name; no mural).
    mural = models.ForeignKey(
        "catalogue.Mural",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
    )
    element = models.ForeignKey(
        "elements.Element",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="derivatives",
    )
    x = models.PositiveIntegerField(null=True, blank=True)
    y = models.PositiveIntegerField(null=True, blank=True)
    w = models.PositiveIntegerField(null=True, blank=True)
    h = models.PositiveIntegerField(null=True, blank=True)
    upload_name = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=40)
    model_name = models.CharField(max_length=200, blank=True)
    model_sha256 = models.CharField(max_length=64, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    # What else the output came from: e.g. {"elements": [ids that supplied pixels]},
    # {"style_set": slug, "style_set_version": n}, {"fallback": "why pconv was used"}.
    inputs = models.JSONField(default=dict, blank=True)
    image = models.CharField(max_length=300, help_text="pyramidal TIFF, relative to DERIVATIVE_DIR")
    mask = models.CharField(max_length=300, blank=True, help_text="PNG, relative to DERIVATIVE_DIR")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="sha256 of the output image file")
    seconds = models.FloatField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="derivatives",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    review_state = models.CharField(max_length=10, choices=Review.choices, default=Review.PROPOSED)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_derivatives",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mural", "kind"]), models.Index(fields=["element"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(width__gt=0) & models.Q(height__gt=0),
                name="derivative_size_not_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(mural__isnull=False) | ~models.Q(upload_name=""),
                name="derivative_has_a_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} derivative {self.pk} ({self.method})"

    @property
    def bbox(self) -> list[int] | None:
        if self.x is None:
            return None
        return [self.x, self.y, self.w, self.h]

    @property
    def iiif_id(self) -> str:
        """The IIIF image identifier: /iiif/3/derivative-<id>/..."""
        return f"derivative-{self.pk}"


class InpainterModel(models.Model):
    """A trained inpainting network (pconv) the studio can use by name; at most one is active
    (the default for pconv and search-guided when no model is named). Registered by
    `manage.py train_inpainter` with its metrics and the data it saw, like DetectorModel."""

    name = models.CharField(max_length=100, unique=True)
    weights = models.CharField(max_length=500, help_text="path of the model file")
    sha256 = models.CharField(max_length=64)
    metrics = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="what it was trained on")
    parameters = models.JSONField(default=dict, blank=True, help_text="the training options")
    command = models.TextField(blank=True, help_text="the command that trained it")
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_inpainter",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}{' (active)' if self.is_active else ''}"

    @classmethod
    def active(cls) -> InpainterModel | None:
        return cls.objects.filter(is_active=True).first()


class DerivativeJob(models.Model):
    """What every long job that ends in a derivative keeps (restoration here, style in
    styles.models.StyleJob): its state, the worker (host:pid) running it, so that a job whose
    worker died can be failed (elements.index_jobs.fail_if_orphaned), its error, author,
    derivative and times. Progress differs per job and stays with each."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid running the job")
    derivative = models.ForeignKey(
        Derivative, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


class RestorationJob(DerivativeJob):
    """One restoration asked for on the web: its inputs, state and polled progress, and the
    derivative it made. The mask waits under JOBS_DIR until the job has run."""

    mural = models.ForeignKey(
        "catalogue.Mural", on_delete=models.CASCADE, related_name="restoration_jobs"
    )
    element = models.ForeignKey(
        "elements.Element", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    w = models.PositiveIntegerField()
    h = models.PositiveIntegerField()
    method = models.CharField(max_length=40)
    model_name = models.CharField(max_length=100, blank=True)
    mask_origin = models.JSONField(default=dict, blank=True, help_text="how the mask was made")
    percent = models.PositiveSmallIntegerField(default=0)
    phase = models.CharField(max_length=40, blank=True)

    class Meta(DerivativeJob.Meta):
        pass

    def __str__(self) -> str:
        return f"restoration job {self.pk} ({self.state})"

    @property
    def bbox(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]
