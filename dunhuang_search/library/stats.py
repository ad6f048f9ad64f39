"""The counts of a library view: per period (every period of the timeline, zeros included), per
cave, per review state, per source, period x cave, a score histogram, and each facet's live
counts. Every number is one GROUP BY over LibraryFilter.queryset()."""

from __future__ import annotations

import csv
import io

from django.db.models import Count, F, IntegerField
from django.db.models.functions import Cast, Floor, Least

from dunhuang_search.catalogue.models import Period

from .filters import FACETS, LibraryFilter

HISTOGRAM_BINS = 10
FACET_FIELDS = {
    "period": "mural__period__slug",
    "site": "mural__cave__site__slug",
    "cave": "mural__cave__number",
    "wall": "mural__wall",
    "source": "source",
    "review": "review_state",
    "detector": "model_version",
}


def _grouped(qs, *fields: str) -> list[dict]:
    return list(qs.order_by().values(*fields).annotate(count=Count("id")))


def by_period(qs) -> list[dict]:
    counts = {r["mural__period__slug"]: r["count"] for r in _grouped(qs, "mural__period__slug")}
    return [
        {
            "period": p.slug,
            "name": p.name,
            "name_zh": p.name_zh,
            "start_year": p.start_year,
            "end_year": p.end_year,
            "count": counts.get(p.slug, 0),
        }
        for p in Period.objects.order_by("start_year", "end_year")
    ]


def by_cave(qs) -> list[dict]:
    rows = _grouped(qs, "mural__cave__site__slug", "mural__cave__number")
    rows.sort(key=lambda r: (-r["count"], r["mural__cave__site__slug"], r["mural__cave__number"]))
    return [
        {
            "site": r["mural__cave__site__slug"],
            "cave": r["mural__cave__number"],
            "count": r["count"],
        }
        for r in rows
    ]


def period_by_cave(qs) -> list[dict]:
    fields = ("mural__period__slug", "mural__cave__site__slug", "mural__cave__number")
    return [
        {"period": r[fields[0]], "site": r[fields[1]], "cave": r[fields[2]], "count": r["count"]}
        for r in _grouped(qs, *fields)
    ]


def score_histogram(qs) -> list[dict]:
    """Counts in HISTOGRAM_BINS equal bins over [0, 1] (1.0 in the last); no score: left out."""
    bucket = Least(Cast(Floor(F("score") * HISTOGRAM_BINS), IntegerField()), HISTOGRAM_BINS - 1)
    rows = (
        qs.filter(score__isnull=False)
        .order_by()
        .annotate(bin=Cast(bucket, IntegerField()))
        .values("bin")
        .annotate(count=Count("id"))
    )
    counts = {r["bin"]: r["count"] for r in rows}
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
        rows = _grouped(flt.without(facet).queryset(), column)
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
    qs = flt.queryset()
    periods, caves, cells = _from_places(_grouped(qs, *PLACE))
    states = _grouped(qs, "review_state", "source")
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
        body["score_histogram"] = score_histogram(qs)
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
