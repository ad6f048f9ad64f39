"""What search shows first: only visible elements unless include_uncertain (marked uncertain),
best fit ranking (confirmed first, then score, murals interleaved), and control characters
refused in every parameter."""

from __future__ import annotations

import numpy as np
import pytest

from dunhuang_search.elements.models import Element
from dunhuang_search.search.engine import run_search
from dunhuang_search.search.forms import SearchForm
from dunhuang_search.search.query import CONFIDENT, parse_request
from tests.factories import add_element, add_elements, build_index, make_mural, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed():
    """Two murals of apsaras: confident ones, uncertain ones, an accepted uncertain one, a
    manual one and a rejected one, with vectors."""
    rng = np.random.default_rng(11)
    first, second = make_mural(cave=220), make_mural(cave=57)
    rows = add_elements(first, unit(rng.normal(size=(6, 8))), "apsara")
    rows += add_elements(second, unit(rng.normal(size=(6, 8))), "apsara")
    scores = [0.95, 0.94, 0.85, 0.30, 0.20, 0.62, 0.91, 0.83, 0.88, 0.25, 0.81, 0.64]
    for element, score in zip(rows, scores, strict=True):
        element.score = score
        element.confident = score >= 0.5
    rows[4].review_state = Element.Review.ACCEPTED  # accepted below the threshold: shown
    rows[11].review_state = Element.Review.REJECTED
    Element.objects.bulk_update(rows, ["score", "confident", "review_state"])
    manual = add_element(first, "apsara", source="manual", score=None, x=5000, confident=False)
    build_index(8)
    return rows, manual


def ids(outcome) -> list[int]:
    return [element.pk for element, _ in outcome.results]


def test_the_search_condition_is_what_visible_shows():
    mural = make_mural()
    for source in ("detector", "manual", "dense"):
        for state in Element.Review.values:
            for confident in (True, False):
                add_element(mural, "apsara", source=source, review_state=state,
                            confident=confident)  # fmt: skip
    default = Element.objects.shown().filter(CONFIDENT, review_state__in=["unreviewed", "accepted"])
    assert set(default) == set(Element.objects.visible())
    everything = Element.objects.shown().filter(review_state__in=["unreviewed", "accepted"])
    assert set(everything) == set(Element.objects.visible(include_uncertain=True))


@pytest.mark.parametrize("query", [{"category": "apsara"}, {"q": "apsara"}, {"q": "飞天"}])
def test_category_and_words_show_visible_only_unless_asked(mixed, query):
    rows, manual = mixed
    uncertain = {rows[3].pk, rows[9].pk}
    shown = run_search(parse_request({**query, "page_size": "50"}))
    assert shown.total == 10 and not uncertain & set(ids(shown))
    assert rows[4].pk in ids(shown) and manual.pk in ids(shown)
    assert rows[11].pk not in ids(shown)  # rejected
    everything = run_search(parse_request({**query, "page_size": "50", "include_uncertain": "1"}))
    assert everything.total == 12 and uncertain <= set(ids(everything))


def test_example_queries_show_visible_only_unless_asked(mixed):
    rows, _ = mixed
    uncertain = {rows[3].pk, rows[9].pk}
    found = run_search(parse_request({"element": str(rows[0].pk), "k": "20"}))
    assert len(found.results) == 8 and not uncertain & set(ids(found))  # 12 - 2 - rejected - self
    found = run_search(parse_request({"element": rows[0].pk, "k": 20, "include_uncertain": "yes"}))
    assert uncertain <= set(ids(found))


def test_best_fit_puts_confirmed_first_then_score_bands_interleaving_murals(mixed):
    rows, manual = mixed
    outcome = run_search(parse_request({"category": "apsara", "page_size": "50"}))
    order = ids(outcome)
    # confirmed (accepted, manual) first: manual counts as score 1.0
    assert order[:2] == [manual.pk, rows[4].pk]
    rest = [(e.score, e.mural_id) for e, _ in outcome.results[2:]]
    # bands of 0.1, best first; within a band the murals take turns (each one's best, then
    # each one's second best...), best first within a turn
    assert [s for s, _ in rest] == [0.95, 0.91, 0.94, 0.88, 0.85, 0.83, 0.81, 0.62]
    assert [m for _, m in rest[:3]] == [rows[0].mural_id, rows[6].mural_id, rows[0].mural_id]
    bands = [int(s * 10) for s, _ in rest]
    assert bands == sorted(bands, reverse=True)
    by_score = run_search(parse_request({"category": "apsara", "sort": "-score"}))
    scores = [e.score for e, _ in by_score.results if e.score is not None]
    assert scores == sorted(scores, reverse=True)  # other sorts stay


def test_results_carry_an_uncertain_mark_in_the_api_and_on_the_page(client, mixed):
    rows, _ = mixed
    body = client.get("/api/v1/search/?category=apsara&include_uncertain=1&page_size=50").json()
    marked = {r["element_id"] for r in body["results"] if r["uncertain"]}
    assert marked == {rows[3].pk, rows[9].pk}
    assert body["query"]["filters"]["include_uncertain"] is True
    plain = client.get("/api/v1/search/?category=apsara").json()
    assert plain["count"] == 10 and not any(r["uncertain"] for r in plain["results"])
    page = client.get("/search/?category=apsara&include_uncertain=1&page_size=50").content.decode()
    assert page.count('class="badge uncertain"') == 2
    assert 'name="include_uncertain"' in page and "checked" in page
    assert client.get("/api/v1/search/?include_uncertain=perhaps").status_code == 400


TEXT_PARAMS = [name for name in SearchForm.base_fields if name != "image"]


@pytest.mark.parametrize("param", TEXT_PARAMS)
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_in_any_parameter_are_a_400_naming_it(client, mixed, param, char):
    value = f"apsara{char}"
    response = client.get("/api/v1/search/", {param: value})
    assert response.status_code == 400, (param, response.content)
    assert response.json()["error"].startswith(f"{param}: holds a control character")
    page = client.get("/search/", {param: value})
    assert page.status_code == 400
    assert f'data-param="{param}"' in page.content.decode()
    upload = client.post("/search/", {param: value})
    assert upload.status_code == 400


def test_tabs_and_newlines_in_words_are_only_whitespace(mixed):
    assert run_search(parse_request({"q": "apsara\tcave\n220"})).total == 6


def test_an_empty_words_query_alone_says_what_to_give(client):
    for query in ("text=", "q=", "text=%20"):
        response = client.get(f"/api/v1/search/?{query}")
        assert response.status_code == 400
        body = response.json()
        assert "give words to search for" in body["error"]
    assert client.get("/api/v1/search/?text=apsara&q=apsara").status_code == 400
    assert client.get("/api/v1/search/?text=apsara").status_code == 200
