"""Sites, caves, periods and murals: what was painted where and when."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from pgvector.django import VectorField

from indexer.dating.palette import DIMENSIONS as PALETTE_DIMENSIONS


class Site(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Period(models.Model):
    """A period of the Dunhuang Academy periodization, with its years (CE)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=50, blank=True)
    start_year = models.IntegerField()
    end_year = models.IntegerField()

    class Meta:
        ordering = ["start_year", "end_year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")),
                name="period_years_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_year}–{self.end_year})"


class Cave(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="caves")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["site__name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="cave_unique_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.site.name} cave {self.number}"


class Mural(models.Model):
    """One photographed wall (or part of one), with its tiled pyramid under var/pyramids."""

    cave = models.ForeignKey(Cave, on_delete=models.PROTECT, related_name="murals")
    wall = models.CharField(
        max_length=100, help_text="wall or location, e.g. south, north, ceiling"
    )
    period = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        related_name="murals",
        null=True,
        blank=True,
        help_text="the catalogue's period; empty when the mural is undated",
    )
    period_disputed = models.BooleanField(
        default=False, help_text="scholars disagree on the period (see the mural's datings)"
    )
    title = models.CharField(max_length=300, blank=True)
    dpi = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    checksum = models.CharField(max_length=64, unique=True, help_text="sha256 of the source file")
    source_path = models.CharField(max_length=1000, help_text="the original image file")
    source_format = models.CharField(max_length=20)
    source_bytes = models.BigIntegerField()
    pyramid = models.CharField(max_length=300, help_text="pyramidal TIFF, relative to PYRAMID_DIR")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cave__site__name", "cave__number", "wall", "id"]

    def __str__(self) -> str:
        return self.title or f"{self.cave}, {self.wall} wall"

    @property
    def site(self) -> Site:
        return self.cave.site

    @property
    def pyramid_path(self) -> Path:
        return Path(settings.PYRAMID_DIR) / self.pyramid

    @property
    def period_label(self) -> str:
        """"Early Tang (618–704)", "undated", or the period with "(disputed)"."""
        if self.period is None:
            return "undated"
        label = f"{self.period.name} ({self.period.start_year}–{self.period.end_year})"
        return f"{label} (disputed)" if self.period_disputed else label

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


class MuralPalette(models.Model):
    """The joint RGB histogram of a small view of the whole wall (indexer.dating.palette), which
    the dating assistant compares walls by. A table of its own, so that the many queries that
    read murals (every element's, with select_related) never carry its 512 numbers."""

    mural = models.OneToOneField(
        Mural, on_delete=models.CASCADE, primary_key=True, related_name="palette"
    )
    histogram = VectorField(dimensions=PALETTE_DIMENSIONS)
    counted_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"palette of mural {self.mural_id}"

    @classmethod
    def store(cls, mural_id: int, histogram) -> MuralPalette:
        row, _ = cls.objects.update_or_create(
            mural_id=mural_id, defaults={"histogram": list(map(float, histogram))}
        )
        return row

    @classmethod
    def of(cls, mural_id: int):
        """The stored histogram of the mural (a numpy array), or None."""
        return cls.objects.filter(mural_id=mural_id).values_list("histogram", flat=True).first()
