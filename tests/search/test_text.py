"""Text queries: structured words become filters; other words match names, notes and OCR text."""

from __future__ import annotations

import pytest

from dunhuang_search.search.engine import run_search
from dunhuang_search.search.query import parse_request
from dunhuang_search.search.text import parse_text
from tests.factories import add_elements, make_mural

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "category", "period", "cave", "words"),
    [
        ("apsara high tang cave 220", ["apsara"], ["high-tang"], [220], []),
        ("Apsaras of the High Tang in cave 320", ["apsara"], ["high-tang"], [320], []),
        ("飞天", ["apsara"], [], [], []),
        ("供养人 盛唐 第220窟", ["donor"], ["high-tang"], [220], []),
        ("donors early-tang #45 lotus", ["donor"], ["early-tang"], [45], ["lotus"]),
        ("thousand buddhas western xia", ["thousand-buddha"], ["western-xia"], [], []),
    ],
)
def test_it_reads_structured_words(text, category, period, cave, words):
    parsed = parse_text(text)
    assert [c.slug for c in parsed.categories] == category
    assert [p.slug for p in parsed.periods] == period
    assert parsed.caves == cave
    assert parsed.words == words


def test_site_names_are_not_read_as_categories():
    parsed = parse_text("western thousand buddha caves apsara")
    assert [s.slug for s in parsed.sites] == ["western-thousand-buddha"]
    assert [c.slug for c in parsed.categories] == ["apsara"]


@pytest.fixture
def elements():
    high = make_mural(cave=220, period="high-tang")
    early = make_mural(cave=57, period="early-tang")
    vec = [[1.0, 0.0]]
    apsara = add_elements(high, vec, "apsara", notes="apsara scattering lotus petals")[0]
    donor = add_elements(high, vec, "donor", x=500, y=500)[0]
    inscription = add_elements(
        early, vec, "inscription", ocr_text="南无阿弥陀佛 清信弟子", ocr_confidence=0.8
    )[0]
    early_apsara = add_elements(early, vec, "apsara", x=700, y=700)[0]
    return {"apsara": apsara, "donor": donor, "inscription": inscription, "early": early_apsara}


def text_ids(text, **params):
    outcome = run_search(parse_request({"q": text, **params}))
    return [e.pk for e, _ in outcome.results]


def test_chinese_category_names_find_their_elements(elements):
    assert set(text_ids("飞天")) == {elements["apsara"].pk, elements["early"].pk}
    assert text_ids("供养人") == [elements["donor"].pk]


def test_structured_text_filters_by_category_period_and_cave(elements):
    assert text_ids("apsara high tang cave 220") == [elements["apsara"].pk]
    assert text_ids("apsara cave 57") == [elements["early"].pk]


def test_words_match_notes_and_ocr_text(elements):
    assert text_ids("lotus petals") == [elements["apsara"].pk]
    assert text_ids("阿弥陀佛") == [elements["inscription"].pk]


def test_misspelt_words_are_matched_by_trigrams(elements):
    assert set(text_ids("apsra")) == {elements["apsara"].pk, elements["early"].pk}
    assert text_ids("lotos petals") == [elements["apsara"].pk]


def test_text_results_are_paginated_and_sortable(elements):
    first = run_search(parse_request({"q": "apsara", "page_size": "1", "sort": "-period"}))
    assert first.total == 2 and first.num_pages == 2
    assert first.results[0][0].pk == elements["apsara"].pk  # high tang after early tang
