"""The counts summary the facets and charts read: PostgreSQL triggers keep it equal to the
elements through every kind of write (bulk inserts, saves, queryset updates, deletes, a mural's
cascade, raw SQL, TRUNCATE); its SQL says what Element.objects.shown()/visible() say;
rebuild_library_counts --check finds drift and a rebuild mends it; and the gallery's page walk
over murals returns exactly the rows of the sorted query."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.library import counts, gallery
from dunhuang_search.library.filters import LibraryFilter
from dunhuang_search.library.gallery import GalleryQuery
from dunhuang_search.library.models import ElementCount
from tests.factories import add_element, make_mural

pytestmark = pytest.mark.django_db


def score_bin(score: float | None) -> int | None:
    return None if score is None else min(int(score * 10), 9)


def expected() -> Counter:
    """The summary computed in Python from the ORM's own shown() and visible()."""
    visible = set(Element.objects.visible().values_list("pk", flat=True))
    rows = Element.objects.shown().exclude(category=None)
    fields = ("pk", "category_id", "mural_id", "source", "review_state", "model_version", "score")
    out = Counter()
    for pk, *key, score in rows.values_list(*fields):
        out[(*key, pk in visible, score_bin(score))] += 1
    return out


def stored() -> Counter:
    fields = ("category_id", "mural_id", "source", "review_state", "model_version", "visible")
    out = Counter()
    for *key, score, count in ElementCount.objects.values_list(*fields, "score_bin", "count"):
        out[(*key, score)] += count
    return out


def assert_in_step() -> None:
    assert stored() == expected()
    assert counts.drift() == 0
    assert not ElementCount.objects.filter(count__lte=0).exists()


def every_kind(mural) -> list[Element]:
    """Elements of every source, review state, confidence and score (None, 0, 0.95, 1.0)."""
    made = []
    for source in ("detector", "manual", "dense", "proposal"):
        for review in ("unreviewed", "accepted", "rejected"):
            for confident in (True, False):
                for score in (None, 0.0, 0.95, 1.0):
                    made.append(
                        add_element(
                            mural, "apsara", source=source, review_state=review,
                            confident=confident, score=score, model_version=f"v-{source[0]}",
                        )  # fmt: skip
                    )
    made.append(add_element(mural, None, score=0.5))  # no category: in no library
    return made


def test_the_triggers_follow_every_kind_of_write():
    south, north = make_mural(cave=220), make_mural(cave=45, period="high-tang")
    made = every_kind(south)
    assert_in_step()
    assert sum(c for k, c in stored().items() if k[5]) == Element.objects.visible().exclude(
        category=None
    ).count()

    Element.objects.bulk_create(
        [Element(mural=north, x=i, y=0, w=5, h=5, category=made[0].category, score=i / 20)
         for i in range(20)]
    )  # fmt: skip
    assert_in_step()
    one = made[0]
    one.review_state = "rejected"
    one.save()
    assert_in_step()
    Element.objects.filter(mural=south, source="detector").update(confident=False)
    Element.objects.filter(mural=north).update(mural=south, model_version="moved")
    Element.objects.filter(score__gte=0.9).update(
        category=Category.objects.get(slug="donor"), score=0.45
    )
    assert_in_step()
    Element.objects.filter(source="manual", review_state="accepted").delete()
    assert_in_step()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO elements_element (mural_id, x, y, w, h, category_id, score, source,"
            " model_version, embedder, review_state, ocr_text, notes, created_at, updated_at)"
            " SELECT %s, 1, 1, 2, 2, id, 0.33, 'detector', 'raw', '', 'unreviewed', '', '',"
            " now(), now() FROM elements_category",
            [north.pk],
        )
    assert_in_step()
    Mural.objects.filter(pk=south.pk).delete()  # the elements go by cascade
    assert_in_step()
    assert set(ElementCount.objects.values_list("mural_id", flat=True)) == {north.pk}
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("TRUNCATE elements_element CASCADE")
    assert not ElementCount.objects.exists()


def test_check_finds_drift_and_a_rebuild_mends_it(capsys):
    every_kind(make_mural())
    call_command("rebuild_library_counts", "--check", "--json")
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"drift": 0}
    first = ElementCount.objects.filter(visible=True).order_by("pk").first()
    ElementCount.objects.filter(pk=first.pk).update(count=first.count + 5)
    ElementCount.objects.exclude(pk=first.pk).order_by("pk")[:1].get().delete()
    with pytest.raises(CommandError, match="drifted") as error:
        call_command("rebuild_library_counts", "--check")
    assert error.value.returncode == 1
    assert "2 summary row(s) differ" in capsys.readouterr().out
    call_command("rebuild_library_counts", "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["drift_before"] == 2
    assert report["elements"] == Element.objects.shown().exclude(category=None).count()
    assert_in_step()


@pytest.mark.parametrize("sort,per_mural_max", [("period", 64), ("cave", 64), ("score", 64),
                                                ("score", 2)])  # fmt: skip
def test_the_page_walk_over_murals_equals_the_sorted_query(sort, per_mural_max, monkeypatch):
    monkeypatch.setattr(gallery, "PAGE_SIZE", 7)
    monkeypatch.setattr(gallery, "PER_MURAL_MAX", per_mural_max)
    rng = random.Random(f"{sort}{per_mural_max}")
    places = [
        (220, "mogao", "early-tang", "south"), (220, "mogao", "early-tang", "south"),  # a tie
        (220, "mogao", "early-tang", "north"), (45, "mogao", "high-tang", "west"),
        (25, "yulin", "middle-tang", "north"), (300, "mogao", None, "east"),  # undated
    ]  # fmt: skip
    murals = [make_mural(cave=c, site=s, period=p, wall=w) for c, s, p, w in places]
    for mural in murals:
        for _ in range(rng.randint(0, 12)):
            add_element(
                mural, "apsara", x=rng.randint(0, 50), y=rng.randint(0, 50),
                score=rng.choice([None, 0.5, rng.random()]),
                review_state=rng.choice(["unreviewed", "accepted"]), confident=rng.random() > 0.2,
            )  # fmt: skip
    for params in (
        {}, {"wall": "south,north"}, {"review": "accepted"}, {"site": "yulin"},
        {"score_min": "0.5"}, {"score_max": "0.5", "wall": "south"},
    ):  # fmt: skip
        flt = LibraryFilter.parse("apsara", params)
        everything = [e.pk for e in GalleryQuery(flt, sort).ordered()]
        walked, page = [], 1
        while True:
            rows, more = GalleryQuery(flt, sort, page=page).page_rows()
            walked += [e.pk for e in rows]
            if not more:
                break
            page += 1
        assert walked == everything, params
