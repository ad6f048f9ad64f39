"""What the libraries compute and keep: motif groups (clusters of a category's vectors) with their
members, likely shared-template (stencil) pairs, the staff jobs that recompute them, and the
counts summary (ElementCount) the facets and charts read."""

from __future__ import annotations

from django.db import models

from dunhuang_search.elements.models import Category, Element


class ElementCount(models.Model):
    """How many shown elements (Element.objects.shown(), with a category) share a category,
    mural, source, review state, detector version, visibility (Element.objects.visible()) and
    score bin (0-9; NULL without a score).

    Written only by PostgreSQL statement triggers on elements_element (migration 0002, SQL in
    library/count_triggers.py), in the same transaction as the change; `rebuild_library_counts`
    recomputes it and `--check` reports drift. A few thousand rows stand for a million
    elements, so facet counts and charts group these instead of the elements."""

    category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    mural = models.ForeignKey(
        "catalogue.Mural", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    source = models.CharField(max_length=10)
    review_state = models.CharField(max_length=12)
    model_version = models.CharField(max_length=100)
    visible = models.BooleanField()
    score_bin = models.SmallIntegerField(null=True)
    count = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "category",
                    "mural",
                    "source",
                    "review_state",
                    "model_version",
                    "visible",
                    "score_bin",
                ],
                name="library_elementcount_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(
                fields=["count"],
                name="library_elementcount_spent",
                condition=models.Q(count__lte=0),
            )
        ]


class MotifGroup(models.Model):
    """One cluster of a category's visible elements, from one run of cluster_elements."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="motif_groups")
    method = models.CharField(max_length=40, help_text="e.g. faiss-kmeans, agglomerative")
    number = models.PositiveIntegerField(help_text="the group's place in its run, largest first")
    size = models.PositiveIntegerField()
    element_ids = models.JSONField(default=list, help_text="members, closest to the centre first")
    typical = models.ForeignKey(
        Element, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stale = models.BooleanField(
        default=False, help_text="an element of the group changed since it was computed"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "number"]
        constraints = [
            models.UniqueConstraint(fields=["category", "number"], name="motif_group_number")
        ]

    def __str__(self) -> str:
        return f"{self.category} group {self.number} ({self.size})"


class MotifMembership(models.Model):
    group = models.ForeignKey(MotifGroup, on_delete=models.CASCADE, related_name="members")
    element = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="motif_groups")
    similarity = models.FloatField(help_text="cosine similarity to the group's centre")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "element"], name="motif_member_once")
        ]


class StencilPair(models.Model):
    """Two elements of a category whose registered crops differ by less than the threshold:
    likely painted from one pounced template."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="stencil_pairs")
    a = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="+")
    residual = models.FloatField()
    scale = models.FloatField(help_text="size of b relative to a")
    line_only = models.BooleanField(default=False)
    template = models.PositiveIntegerField(help_text="connected component: the likely template")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "template", "residual"]
        constraints = [
            models.UniqueConstraint(fields=["a", "b", "line_only"], name="stencil_pair_once")
        ]


class LibraryJob(models.Model):
    """A staff recompute of a category's groups, run in a thread and polled by the page."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="library_jobs")
    kind = models.CharField(max_length=20, default="cluster")
    method = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


def refresh_stale(category: Category) -> int:
    """Mark stale the category's groups whose elements changed since they were computed: a
    member deleted (its membership went with it), edited (updated_at later than the group), or
    no longer visible in the category (rejected, recategorised). No signals: bulk deletes and
    updates of other apps stay fast, and are caught all the same. Returns how many changed."""
    fresh = MotifGroup.objects.filter(category=category, stale=False)
    if not fresh.exists():  # the usual gallery: nothing to check
        return 0
    changed = set()
    for group in fresh.annotate(kept=models.Count("members")):
        if group.kept < group.size:
            changed.add(group.pk)
    # per member, one primary-key probe (not the category's visible elements as a set)
    still_visible = Element.objects.visible().filter(
        pk=models.OuterRef("element_id"), category=category
    )
    edited = MotifMembership.objects.filter(group__in=fresh).filter(
        models.Q(element__updated_at__gt=models.F("group__created_at"))
        | ~models.Exists(still_visible)
    )
    changed |= set(edited.values_list("group_id", flat=True))
    return MotifGroup.objects.filter(pk__in=changed).update(stale=True)
