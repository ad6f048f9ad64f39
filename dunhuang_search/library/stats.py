"""The counts of a library view: per period (every period of the timeline, zeros included), per
cave, per review state, per source, period x cave, a score histogram, and each facet's live
counts. Every number is one GROUP BY: over the counts summary (models.ElementCount, a few
rows per mural) when the filter is countable, else over LibraryFilter.queryset()."""

from __future__ import annotations

import csv
import io

from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.functions import Cast, Floor, Least

from dunhuang_search.catalogue.models import Period
from dunhuang_search.elements.models import Element

from .filters import FACETS, LibraryFilter
from .models import ElementCount

HISTOGRAM_BINS = 10  # as count_triggers.SCORE_BIN bins them
FACET_FIELDS = {
    "period": "mural__period__slug",
    "site": "mural__cave__site__slug",
    "cave": "mural__cave__number",
    "wall": "mural__wall",
    "source": "source",
    "review": "review_state",
    "detector": "model_version",
}


def _counted(flt: LibraryFilter):
    """(rows to group, the count of a group): the summary's rows and their summed counts, or
    the elements themselves for a selection or a score range."""
    if flt.countable:
        return flt.narrowed(ElementCount.objects.filter(visible=True)), Sum("count")
    return flt.queryset(), Count("id")


def _grouped(flt: LibraryFilter, *fields: str) -> list[dict]:
    rows, measure = _counted(flt)
    return list(rows.order_by().values(*fields).annotate(count=measure))


def total(flt: LibraryFilter) -> int:
    rows, measure = _counted(flt)
    return rows.order_by().aggregate(n=measure)["n"] or 0


def review_progress(flt: LibraryFilter) -> dict:
    """Reviewed / total of the category's shown elements (uncertain and rejected included)."""
    reviewed = ~Q(review_state=Element.Review.UNREVIEWED)
    counts = (
        ElementCount.objects.filter(category=flt.category)
        .order_by()
        .aggregate(total=Sum("count"), reviewed=Sum("count", filter=reviewed))
    )
    counts = {k: v or 0 for k, v in counts.items()}
    counts["percent"] = round(100 * counts["reviewed"] / counts["total"]) if counts["total"] else 0
    return counts


def places(flt: LibraryFilter) -> tuple[list[dict], list[dict], list[dict]]:
    """by_period, by_cave and period x cave, from one GROUP BY."""
    return _from_places(_grouped(flt, *PLACE))


def score_histogram(flt: LibraryFilter) -> list[dict]:
    """Counts in HISTOGRAM_BINS equal bins over [0, 1] (1.0 in the last); no score: left out."""
    if flt.countable:
        rows = _grouped(flt, "score_bin")
        counts = {r["score_bin"]: r["count"] for r in rows if r["score_bin"] is not None}
    else:
        bucket = Least(
            Cast(Floor(F("score") * HISTOGRAM_BINS), IntegerField()), HISTOGRAM_BINS - 1
        )
        found = (
            flt.queryset()
            .filter(score__isnull=False)
            .order_by()
            .annotate(bin=Cast(bucket, IntegerField()))
            .values("bin")
            .annotate(count=Count("id"))
        )
        counts = {r["bin"]: r["count"] for r in found}
    width = 1.0 / HISTOGRAM_BINS
    return [
        {"low": round(i * width, 3), "high": round((i + 1) * width, 3), "count": counts.get(i, 0)}
        for i in range(HISTOGRAM_BINS)
    ]


def facet_counts(flt: LibraryFilter) -> dict[str, list[dict]]:
    """For each facet, the counts of its values under all the *other* filters (disjunctive
    facets, as Omeka S and Arches show them), with whether each value is chosen."""
    out = {}
    for facet in FACETS:
        column = FACET_FIELDS[facet]
        rows = _grouped(flt.without(facet), column)
        chosen = set(getattr(flt, facet))
        values = sorted(rows, key=lambda r: (-r["count"], str(r[column])))
        out[facet] = [
            {"value": r[column], "count": r["count"], "chosen": r[column] in chosen}
            for r in values
            if r[column] not in ("", None)
        ]
    return out


PLACE = ("mural__period__slug", "mural__cave__site__slug", "mural__cave__number")


def _from_places(rows: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """by_period, by_cave and period x cave from one GROUP BY period, site, cave."""
    period_counts: dict[str, int] = {}
    cave_counts: dict[tuple[str, int], int] = {}
    cells = []
    for r in rows:
        period, site, cave = (r[f] for f in PLACE)
        period_counts[period] = period_counts.get(period, 0) + r["count"]
        cave_counts[(site, cave)] = cave_counts.get((site, cave), 0) + r["count"]
        cells.append({"period": period, "site": site, "cave": cave, "count": r["count"]})
    periods = [
        {
            "period": p.slug,
            "name": p.name,
            "name_zh": p.name_zh,
            "start_year": p.start_year,
            "end_year": p.end_year,
            "count": period_counts.get(p.slug, 0),
        }
        for p in Period.objects.order_by("start_year", "end_year")
    ]
    caves = [
        {"site": site, "cave": cave, "count": count}
        for (site, cave), count in sorted(cave_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return periods, caves, cells


def library_stats(flt: LibraryFilter, extended: bool = True) -> dict:
    """The stats JSON of a view; `extended` adds the heatmap and histogram the charts draw.
    Three GROUP BYs: place (period, site, cave), state (review, source), score bins."""
    periods, caves, cells = places(flt)
    states = _grouped(flt, "review_state", "source")
    by_review: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for r in states:
        by_review[r["review_state"]] = by_review.get(r["review_state"], 0) + r["count"]
        by_source[r["source"]] = by_source.get(r["source"], 0) + r["count"]
    body = {
        "category": flt.category.slug,
        "filters": flt.params(),
        "total": sum(c["count"] for c in cells),
        "by_period": periods,
        "by_cave": caves,
        "by_review_state": by_review,
        "by_source": by_source,
    }
    if extended:
        body["by_period_cave"] = cells
        body["score_histogram"] = score_histogram(flt)
    return body


def stats_csv(stats: dict) -> str:
    """One row per count: facet, value, start_year, end_year, count."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["category", "facet", "value", "start_year", "end_year", "count"])
    cat = stats["category"]
    writer.writerow([cat, "total", "", "", "", stats["total"]])
    for row in stats["by_period"]:
        writer.writerow(
            [cat, "period", row["period"], row["start_year"], row["end_year"], row["count"]]
        )
    for row in stats["by_cave"]:
        writer.writerow([cat, "cave", f"{row['site']}:{row['cave']}", "", "", row["count"]])
    for facet in ("by_review_state", "by_source"):
        for value, count in sorted(stats[facet].items()):
            writer.writerow([cat, facet[3:], value, "", "", count])
    for row in stats.get("by_period_cave", []):
        value = f"{row['period']}|{row['site']}:{row['cave']}"
        writer.writerow([cat, "period_cave", value, "", "", row["count"]])
    for row in stats.get("score_histogram", []):
        writer.writerow([cat, "score", f"{row['low']}-{row['high']}", "", "", row["count"]])
    return out.getvalue()
