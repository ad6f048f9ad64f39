"""Categories of mural elements and the elements themselves, with their search vectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from pgvector.django import VectorField


class Category(models.Model):
    """An element category: the paper's five, plus any that users add."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=50, blank=True)
    synonyms = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    color = models.CharField(max_length=7, default="#e6194b", help_text="overlay colour, #rrggbb")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class ElementQuerySet(models.QuerySet):
    def shown(self) -> ElementQuerySet:
        """The elements a person browses: dense search windows are vectors, not elements, and
        few-shot proposals wait in the review queue until someone accepts them."""
        return self.exclude(source__in=[Element.Source.DENSE, Element.Source.PROPOSAL])

    def visible(self, include_uncertain: bool = False) -> ElementQuerySet:
        """What search, libraries, counts and the dating assistant show by default: every
        manual or accepted element, and detections at or above their class's operating
        threshold (`confident`); never rejected elements or dense windows.
        `include_uncertain` adds the unreviewed detections below their threshold."""
        kept = self.shown().exclude(review_state=Element.Review.REJECTED)
        if include_uncertain:
            return kept
        return kept.filter(
            models.Q(confident=True)
            | models.Q(source=Element.Source.MANUAL)
            | models.Q(review_state=Element.Review.ACCEPTED)
        )

    def uncertain(self) -> ElementQuerySet:
        """Unreviewed detections below their class's operating threshold: shown only when a
        person asks to include them (marked as uncertain), and what review looks at first."""
        return self.filter(
            source=Element.Source.DETECTOR,
            review_state=Element.Review.UNREVIEWED,
            confident=False,
        )

    def replace_with(self, rows: list[Element]) -> tuple[list[int], list[Element]]:
        """Delete these elements and insert `rows` (inside the caller's transaction); returns
        the deleted ids and the created rows."""
        old_ids = list(self.values_list("id", flat=True))
        self.delete()
        return old_ids, Element.objects.bulk_create(rows, batch_size=500)


# what shown() and visible() always exclude: the rows the library's score indexes cover
LIBRARY_ROWS = ~models.Q(source__in=["dense", "proposal"]) & ~models.Q(review_state="rejected")


class Element(models.Model):
    """A box on a mural, in full-resolution mural pixels."""

    objects = ElementQuerySet.as_manager()

    class Source(models.TextChoices):
        DETECTOR = "detector"
        MANUAL = "manual"
        DENSE = "dense"
        # a few-shot "find more" candidate: hidden (confident=False) until a reviewer accepts
        # it, which makes it a manual element
        PROPOSAL = "proposal"

    class Review(models.TextChoices):
        UNREVIEWED = "unreviewed"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    mural = models.ForeignKey("catalogue.Mural", on_delete=models.CASCADE, related_name="elements")
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    w = models.PositiveIntegerField()
    h = models.PositiveIntegerField()
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="elements", null=True, blank=True
    )
    score = models.FloatField(null=True, blank=True)
    # At or above its detector's operating threshold for its category (set when indexed, and
    # again when a model's thresholds change). Manual elements are always shown; see visible().
    confident = models.BooleanField(default=True, db_default=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    model_version = models.CharField(max_length=100, blank=True)
    embedder = models.CharField(max_length=100, blank=True)
    embedding = VectorField(null=True, blank=True)
    review_state = models.CharField(
        max_length=12, choices=Review.choices, default=Review.UNREVIEWED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    ocr_text = models.TextField(blank=True)
    ocr_confidence = models.FloatField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # bumped by every review (review/actions.py): a request carries the version it saw, and a
    # stale one is refused (409) rather than silently overwriting another reviewer's change
    version = models.PositiveIntegerField(default=1, db_default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["mural_id", "y", "x"]
        indexes = [
            models.Index(fields=["mural", "source"]),
            models.Index(fields=["category"]),
            models.Index(
                fields=["category", "confident"],
                name="element_visible_by_category",
                condition=~models.Q(source="dense") & ~models.Q(review_state="rejected"),
            ),
            # the review queue: unreviewed detections and proposals by category and score, so
            # that "nearest the class's threshold first" is two index range scans per category
            models.Index(
                fields=["category", "score"],
                name="element_review_queue",
                condition=models.Q(review_state="unreviewed")
                & models.Q(source__in=["detector", "proposal"]),
            ),
            # the library gallery sorted by score: a walk down the first index, not a sort of
            # the whole category, or (a few murals chosen) of the second, per mural (the partial
            # condition, LIBRARY_ROWS, is what shown() and visible() exclude)
            models.Index(
                "category",
                models.F("score").desc(nulls_last=True),
                "id",
                name="element_library_by_score",
                condition=LIBRARY_ROWS,
            ),
            models.Index(
                "mural",
                "category",
                models.F("score").desc(nulls_last=True),
                "id",
                name="element_library_mural_score",
                condition=LIBRARY_ROWS,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(w__gt=0) & models.Q(h__gt=0), name="element_box_not_empty"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or 'element'} on mural {self.mural_id} at {self.bbox}"

    @property
    def bbox(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    @classmethod
    def on_box(cls, mural, box, **fields) -> Element:
        """An unsaved element of `mural` at `box` (anything with x, y, w, h in mural pixels)."""
        return cls(mural=mural, x=box.x, y=box.y, w=box.w, h=box.h, **fields)


class IndexJob(models.Model):
    """One indexing run over one mural: its state and progress, polled by the web UI."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Phase(models.TextChoices):
        TILES = "tiles"  # detecting tile batches
        CROPS = "crops"  # embedding element crops
        DENSE = "dense"  # embedding dense region windows (index --dense)
        VECTORS = "vectors"  # rows written; FAISS being brought in line
        FINISHED = "finished"

    mural = models.ForeignKey(
        "catalogue.Mural", on_delete=models.CASCADE, related_name="index_jobs"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.TILES)
    engine = models.CharField(max_length=10, default="local")
    runtime = models.CharField(max_length=10, default="torch")
    device = models.CharField(max_length=20, blank=True)
    detector = models.CharField(max_length=200, blank=True)
    embedder = models.CharField(max_length=100, blank=True)
    dense = models.BooleanField(default=False)
    fingerprint = models.JSONField(default=dict)
    tiles_total = models.PositiveIntegerField(default=0)
    tiles_done = models.PositiveIntegerField(default=0)
    crops_total = models.PositiveIntegerField(default=0)
    crops_done = models.PositiveIntegerField(default=0)
    windows_total = models.PositiveIntegerField(default=0)
    windows_done = models.PositiveIntegerField(default=0)
    elements_found = models.PositiveIntegerField(default=0)
    replaced_ids = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    worker = models.CharField(
        max_length=200, blank=True, help_text="host:pid of the process running the job"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"index job {self.pk} for mural {self.mural_id}: {self.state}"

    @property
    def active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        """Overall progress: detection is weighted 70%, embedding 30%; with dense windows,
        which cost the most (thousands of crops), 40% detection, 10% crops, 50% windows."""
        if self.state == self.State.DONE:
            return 100
        tiles = self.tiles_done / self.tiles_total if self.tiles_total else 0.0
        crops = self.crops_done / self.crops_total if self.crops_total else 0.0
        if self.phase in (self.Phase.DENSE, self.Phase.VECTORS) and self.dense:
            crops = 1.0  # crops_total can be 0 (no elements found): the crops phase is over
        if self.dense:
            windows = self.windows_done / self.windows_total if self.windows_total else 0.0
            return int(40 * tiles + 10 * crops + 50 * windows)
        return int(70 * tiles + 30 * crops)
