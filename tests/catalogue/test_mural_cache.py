"""The catalogue revision and the per-process mural cache that search results read their
murals from: any change to a site, cave, period or mural, however it is made, is seen by the
next read, and a page of results costs no query per result."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from dunhuang_search.catalogue import cache, revision
from dunhuang_search.catalogue.models import Cave, Mural, Period, Site
from dunhuang_search.search.engine import run_search
from dunhuang_search.search.query import parse_request
from tests.factories import add_elements, build_index, make_mural, unit

pytestmark = pytest.mark.django_db
DIM = 16


def test_every_kind_of_catalogue_write_moves_the_revision():
    mural = make_mural(cave=401)
    seen = [revision.current()]
    writes = [
        lambda: Mural.objects.filter(pk=mural.pk).update(title="bulk"),
        lambda: Cave.objects.filter(pk=mural.cave_id).update(name="renamed"),
        lambda: Site.objects.filter(slug="mogao").update(name_zh="莫高窟"),
        lambda: Period.objects.filter(slug="late-tang").update(name="Late Tang"),
        lambda: connection.cursor().execute(
            "UPDATE catalogue_mural SET wall = %s WHERE id = %s", ["north", mural.pk]
        ),
        lambda: make_mural(cave=402),
        lambda: Mural.objects.filter(cave__number=402).delete(),
    ]
    for write in writes:
        write()
        seen.append(revision.current())
    assert None not in seen
    assert len(set(seen)) == len(seen)  # each write a new number, never an old one again


def test_a_rolled_back_change_never_lends_its_number_to_a_later_one():
    from django.db import transaction

    mural = make_mural(cave=403)
    before = revision.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        Mural.objects.filter(pk=mural.pk).update(title="undone")
        inside = revision.current()
        raise RuntimeError
    assert revision.current() == before
    Mural.objects.filter(pk=mural.pk).update(title="kept")
    assert revision.current() not in (before, inside)


def test_a_restored_older_revision_row_is_never_handed_out_again():
    make_mural(cave=405)
    old = revision.current()
    with connection.cursor() as cursor:  # what pg_restore of an older backup leaves
        cursor.execute("UPDATE catalogue_revision SET n = 1")
    Mural.objects.filter(cave__number=405).update(title="after the restore")
    new = revision.current()
    assert new != old and new[1] != 1


def test_cached_murals_come_with_cave_site_and_period_and_follow_every_change(
    django_assert_num_queries,
):
    mural = make_mural(cave=404, period="early-tang")
    first = cache.murals([mural.pk])[mural.pk]
    with django_assert_num_queries(1):  # the revision, nothing else
        again = cache.murals([mural.pk])[mural.pk]
        assert (again.cave.number, again.cave.site.slug, again.period.slug) == (
            404, "mogao", "early-tang",
        )  # fmt: skip
    assert again is first
    Mural.objects.filter(pk=mural.pk).update(period=Period.objects.get(slug="late-tang"))
    assert cache.murals([mural.pk])[mural.pk].period.slug == "late-tang"
    Period.objects.filter(slug="late-tang").update(name="Late Tang (renamed)")
    assert cache.murals([mural.pk])[mural.pk].period.name == "Late Tang (renamed)"
    assert cache.murals([mural.pk, 10**9]).keys() == {mural.pk}  # a missing mural is left out


def test_a_page_of_search_results_costs_no_query_per_result(django_assert_max_num_queries):
    vectors = unit(np.random.default_rng(3).normal(size=(60, DIM)))
    elements = []
    for cave in range(410, 416):
        elements += add_elements(make_mural(cave=cave), vectors[len(elements) : len(elements) + 10])
    build_index(DIM)
    request = parse_request({"element": str(elements[0].pk), "k": "20"})
    run_search(request)  # murals now cached
    with django_assert_max_num_queries(2):  # the revision, the rows
        outcome = run_search(request)
        cards = [(e.mural.cave.number, e.mural.cave.site.slug, e.mural.period.slug, e.category)
                 for e, _ in outcome.results]  # fmt: skip
    assert len(cards) == 20
    assert {number for number, *_ in cards} <= set(range(410, 416))
    Mural.objects.filter(cave__number=411).update(period=Period.objects.get(slug="late-tang"))
    periods = {e.mural.cave.number: e.mural.period.slug for e, _ in run_search(request).results}
    assert periods[411] == "late-tang" and periods[410] == "early-tang"

