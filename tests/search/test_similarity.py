"""Query by example over stored vectors: exclusions, filters that keep 1%, every strategy."""

from __future__ import annotations

import numpy as np
import pytest

from dunhuang_search.elements.models import Element
from dunhuang_search.search.engine import run_search
from dunhuang_search.search.query import parse_request
from tests.factories import add_elements, build_index, make_mural, unit

pytestmark = pytest.mark.django_db
DIM = 32


@pytest.fixture
def collection():
    """2,000 elements in 100 caves (20 each): a cave filter keeps 1% of them."""
    rng = np.random.default_rng(7)
    vectors = unit(rng.normal(size=(2000, DIM)))
    elements = []
    for cave in range(1, 101):
        mural = make_mural(cave=cave, period="high-tang" if cave <= 50 else "late-tang")
        start = (cave - 1) * 20
        elements += add_elements(mural, vectors[start : start + 20])
    build_index(DIM)
    return elements, vectors


def exact_top(vectors, ids, query, k, keep):
    scores = vectors @ query
    order = [i for i in np.argsort(-scores, kind="stable") if keep(i)]
    return [ids[i] for i in order[:k]]


def search(**params):
    return run_search(parse_request({key: str(value) for key, value in params.items()}))


def test_it_excludes_the_query_element_and_its_near_duplicates_on_the_same_spot(collection):
    elements, vectors = collection
    query = elements[0]
    same_spot = add_elements(
        query.mural, vectors[:1], x=query.x + 5, y=query.y + 5, w=query.w, h=query.h
    )[0]
    elsewhere = add_elements(make_mural(cave=300), vectors[:1])[0]
    build_index(DIM)

    ids = [e.pk for e, _ in search(element=query.pk, k=5).results]

    assert query.pk not in ids and same_spot.pk not in ids
    assert ids[0] == elsewhere.pk  # the same vector on another wall is the best match


def test_scores_are_cosine_similarities_best_first(collection, monkeypatch):
    from dunhuang_search.search import engine

    monkeypatch.setattr(engine, "CATEGORY_PRIOR", 0.0)  # the prior's own test is below
    elements, vectors = collection
    outcome = search(element=elements[3].pk, k=10)
    ids = [e.pk for e, _ in outcome.results]
    pks = [e.pk for e in elements]
    assert ids == exact_top(vectors, pks, vectors[3], 10, lambda i: i != 3)
    scores = [s for _, s in outcome.results]
    assert scores == sorted(scores, reverse=True)
    by_pk = dict(zip(pks, vectors, strict=True))
    assert scores[0] == pytest.approx(float(by_pk[ids[0]] @ vectors[3]), abs=1e-5)


@pytest.mark.parametrize(
    ("exact_max", "threshold", "strategy"),
    [
        (20_000, 50_000, "exact-filtered"),  # a selective filter: SQL picks, vectors score
        (20_000, 1_000, "exact-filtered"),  # ... their vectors read back from IVF lists
        (5, 50_000, "faiss-flat"),  # FAISS widened until k pass the filter
        (5, 1_000, "faiss-ivf"),  # the same through IVF
    ],
)
def test_a_filter_keeping_one_percent_still_returns_k_results(
    collection, settings, exact_max, threshold, strategy
):
    settings.SEARCH_EXACT_MAX = exact_max
    settings.SEARCH_ANN_THRESHOLD = threshold
    settings.SEARCH_IVF_NPROBE = 64 if threshold < 50_000 else 0
    elements, vectors = collection
    query = elements[1500]  # in cave 76; the filter keeps cave 17 only (20 of 2,000)

    outcome = search(element=query.pk, cave=17, k=10)

    assert outcome.strategy == strategy
    got = [e.pk for e, _ in outcome.results]
    assert len(got) == 10
    assert all(e.mural.cave.number == 17 for e, _ in outcome.results)
    pks = [e.pk for e in elements]
    expected = exact_top(vectors, pks, vectors[1500], 10, lambda i: 320 <= i < 340)
    recall = len(set(got) & set(expected)) / 10
    assert recall >= (1.0 if strategy != "faiss-ivf" else 0.9)


def test_a_filtered_search_still_finds_rows_added_since_the_index_was_written(collection):
    elements, vectors = collection
    query = elements[1500]
    mural = elements[17 * 20 - 1].mural  # cave 17
    newcomer = add_elements(mural, vectors[1500:1501] * 0.999 + vectors[1501:1502] * 0.001)[0]

    outcome = search(element=query.pk, cave=17, k=10)

    assert outcome.strategy == "exact-filtered"
    got = [e.pk for e, _ in outcome.results]
    assert got[0] == newcomer.pk  # not in FAISS yet: scored by pgvector, merged in order
    pks = [e.pk for e in elements]
    assert got[1:] == exact_top(vectors, pks, vectors[1500], 9, lambda i: 320 <= i < 340)
    scores = [s for _, s in outcome.results]
    assert scores == sorted(scores, reverse=True)


def test_period_ranges_and_review_states_filter_results(collection):
    elements, _ = collection
    Element.objects.filter(pk=elements[40].pk).update(review_state="rejected")
    in_range = search(element=elements[0].pk, period_from="middle-tang", period_to="late-tang")
    assert {e.mural.period.slug for e, _ in in_range.results} == {"late-tang"}
    default = search(element=elements[0].pk, cave=3, k=20)
    assert elements[40].pk not in [e.pk for e, _ in default.results]
    rejected = search(element=elements[0].pk, review="rejected", k=5)
    assert [e.pk for e, _ in rejected.results] == [elements[40].pk]


def test_element_queries_put_the_same_category_first_at_equal_similarity(collection):
    from dunhuang_search.search.engine import with_category_prior

    elements, _ = collection
    same, other = elements[0], elements[1]
    other.category_id = (same.category_id or 0) + 1
    ranked = with_category_prior([(other, 0.80), (same, 0.78)], same.category_id, 0.05)
    assert [e for e, _ in ranked] == [same, other]
    assert [s for _, s in ranked] == pytest.approx([0.83, 0.80])  # the ranking scores
    request = parse_request({"element": str(elements[3].pk), "k": "10"})
    request.prior = 0.05
    scores = [s for _, s in run_search(request).results]
    assert scores == sorted(scores, reverse=True)
