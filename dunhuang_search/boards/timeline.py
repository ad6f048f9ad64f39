"""The board's timeline: 366–1368 CE (from the first caves at Mogao to the end of the Yuan),
with the Dunhuang periods (catalogue Period rows) as bands; the page and the PDF plate share
its geometry. Overlapping periods (Song, Uyghur, Western Xia) take a second row."""

from __future__ import annotations

from dataclasses import dataclass

from dunhuang_search.catalogue.models import Period

START_YEAR, END_YEAR = 366, 1368


@dataclass(frozen=True)
class Band:
    slug: str
    name: str
    name_zh: str
    start_year: int
    end_year: int
    row: int  # 0, or 1 for a period that overlaps the one before it
    left: float  # fraction of the timeline's width
    width: float


def fraction(year: int | float) -> float:
    """Where `year` lies on the timeline, 0..1 (clamped)."""
    span = END_YEAR - START_YEAR
    return min(1.0, max(0.0, (year - START_YEAR) / span))


def bands() -> list[Band]:
    rows_end: list[int] = []
    out = []
    for period in Period.objects.filter(end_year__gte=START_YEAR, start_year__lte=END_YEAR):
        row = next((r for r, end in enumerate(rows_end) if end <= period.start_year), None)
        if row is None:
            rows_end.append(period.end_year)
            row = len(rows_end) - 1
        rows_end[row] = period.end_year
        left = fraction(period.start_year)
        out.append(Band(period.slug, period.name, period.name_zh, period.start_year,
                        period.end_year, row, left, fraction(period.end_year) - left))  # fmt: skip
    return out


def span_of(dating: dict) -> tuple[float, float] | None:
    """(left, width) fractions of an item's dating, None when undated."""
    if dating["start_year"] is None:
        return None
    left = fraction(dating["start_year"])
    return left, max(fraction(dating["end_year"]) - left, 0.004)
