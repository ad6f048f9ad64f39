"""The stats JSON (and CSV) of a library: its counts equal direct ORM queries for random
filter combinations; dense windows, rejected and unconfident elements are never counted; bad
filters are 400 JSON."""

from __future__ import annotations

import csv
import io
import random

import pytest
from django.db.models import Q

from dunhuang_search.elements.models import Element

URL = "/api/v1/library/apsara/stats/"
pytestmark = pytest.mark.django_db


def direct(params: dict) -> Q:
    q = (
        Q(category__slug="apsara")
        & ~Q(source="dense")
        & ~Q(review_state="rejected")
        & (Q(confident=True) | Q(source="manual") | Q(review_state="accepted"))
    )
    fields = {
        "period": "mural__period__slug__in",
        "site": "mural__cave__site__slug__in",
        "cave": "mural__cave__number__in",
        "wall": "mural__wall__in",
        "source": "source__in",
        "review": "review_state__in",
        "detector": "model_version__in",
    }
    for name, lookup in fields.items():
        if name in params:
            q &= Q(**{lookup: params[name].split(",")})
    if "score_min" in params:
        q &= Q(score__gte=float(params["score_min"]))
    if "score_max" in params:
        q &= Q(score__lte=float(params["score_max"]))
    return q


CHOICES = {
    "period": ["early-tang", "high-tang", "western-wei", "middle-tang"],
    "site": ["mogao", "yulin"],
    "cave": ["220", "45", "285", "25"],
    "wall": ["south", "north", "west"],
    "source": ["detector", "manual"],
    "review": ["unreviewed", "accepted"],
    "detector": ["yolo-v1", "yolo-v2"],
}


def random_params(rng: random.Random) -> dict:
    params = {}
    for name in rng.sample(sorted(CHOICES), rng.randint(0, 3)):
        params[name] = ",".join(rng.sample(CHOICES[name], rng.randint(1, 2)))
    if rng.random() < 0.4:
        low = round(rng.uniform(0, 0.7), 2)
        params["score_min"] = str(low)
        if rng.random() < 0.5:
            params["score_max"] = str(round(rng.uniform(low, 1), 2))
    return params


def test_counts_equal_direct_queries_for_random_filters(client, library):
    rng = random.Random(12)
    for _ in range(25):
        params = random_params(rng)
        body = client.get(URL, params).json()
        expected = Element.objects.filter(direct(params))
        assert body["total"] == expected.count(), params
        for row in body["by_period"]:
            assert row["count"] == expected.filter(mural__period__slug=row["period"]).count()
        assert sum(r["count"] for r in body["by_period"]) == body["total"]
        for row in body["by_cave"]:
            there = expected.filter(
                mural__cave__number=row["cave"], mural__cave__site__slug=row["site"]
            )
            assert row["count"] == there.count()
        assert sum(r["count"] for r in body["by_cave"]) == body["total"]
        for state, count in body["by_review_state"].items():
            assert count == expected.filter(review_state=state).count()
        for source, count in body["by_source"].items():
            assert count == expected.filter(source=source).count()
        assert sum(b["count"] for b in body["score_histogram"]) == body["total"]


def test_dense_rejected_and_unconfident_never_counted(client, library):
    body = client.get(URL).json()
    assert body["total"] == len(library["elements"])
    assert "dense" not in body["by_source"]
    assert "rejected" not in body["by_review_state"]
    # the hidden rows sit at a score of 0.9+ on every mural: a filter there still skips them
    high = client.get(URL, {"score_min": "0.9", "cave": "220"}).json()
    assert high["total"] == sum(
        1 for e in library["elements"] if e.score >= 0.9 and e.mural.cave.number == 220
    )


def test_period_rows_carry_years_and_names(client, library):
    rows = client.get(URL).json()["by_period"]
    tang = next(r for r in rows if r["period"] == "early-tang")
    assert tang["start_year"] < tang["end_year"] and tang["name_zh"]
    assert [r["start_year"] for r in rows] == sorted(r["start_year"] for r in rows)


def test_csv_variant(client, library):
    response = client.get(URL, {"format": "csv", "site": "mogao"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    total = next(r for r in rows if r["facet"] == "total")
    assert int(total["count"]) == client.get(URL, {"site": "mogao"}).json()["total"]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"period": "ming-dynasty"}, "period"),
        ({"site": "nowhere"}, "site"),
        ({"cave": "9999"}, "cave"),
        ({"cave": "abc"}, "cave"),
        ({"wall": "floor"}, "wall"),
        ({"source": "dense"}, "source"),
        ({"review": "rejected"}, "review"),
        ({"detector": "nope"}, "detector"),
        ({"score_min": "1.5"}, "score_min"),
        ({"score_max": "-0.1"}, "score_max"),
        ({"score_min": "x"}, "score_min"),
        ({"score_min": "0.8", "score_max": "0.2"}, "score_min"),
    ],
)
def test_bad_filters_are_400_json(client, library, params, param):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert param in body["error"] and body["status"] == 400
    csv_response = client.get(URL, {**params, "format": "csv"})
    assert csv_response.status_code == 400 and csv_response.json()["status"] == 400


def test_unknown_category_is_400(client, library):
    response = client.get("/api/v1/library/dragons/stats/")
    assert response.status_code == 400
    assert "dragons" in response.json()["error"]
