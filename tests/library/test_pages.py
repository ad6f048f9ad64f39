"""The overview and gallery pages: counts, facets with live counts, sorts, paging, bad input."""

from __future__ import annotations

import re

import pytest

from dunhuang_search.library import gallery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_page(monkeypatch):
    """The whole small library on one page (test_paging sets its own size)."""
    monkeypatch.setattr(gallery, "PAGE_SIZE", 100)


def card_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-element-id="(\d+)"', html)]


def test_overview_counts_and_links(client, library):
    response = client.get("/library/")
    assert response.status_code == 200
    html = response.content.decode()
    card = html.split('data-category="apsara"')[1].split("</article>")[0]
    assert f'<strong class="count">{len(library["elements"])}</strong>' in card
    assert "Early Tang" in card and "初唐" in card  # period names, English and Chinese
    assert "/library/apsara/?period=early-tang" in card
    assert "/api/v1/library/apsara/stats/" in card
    assert "<script>" not in html


def test_gallery_shows_only_visible_elements(client, library):
    html = client.get("/library/apsara/").content.decode()
    shown = set(card_ids(html))
    assert shown == {e.pk for e in library["elements"]}
    assert not shown & {e.pk for e in library["hidden"]}


def test_review_and_pin_actions_are_offered_to_archaeologists_only(client, library, staff_client):
    visitor = client.get("/library/apsara/").content.decode()
    assert 'data-action="review"' not in visitor and 'data-action="pin"' not in visitor
    html = staff_client.get("/library/apsara/").content.decode()
    assert 'data-action="review" href="/review/?category=apsara"' in html
    assert 'data-action="pin" data-picker-url="/boards/pin/"' in html


def test_facets_have_live_counts(client, library):
    html = client.get("/library/apsara/", {"site": "mogao"}).content.decode()
    # other facets are counted within mogao; the site facet itself still offers yulin
    yulin = sum(1 for e in library["elements"] if e.mural.cave.site.slug == "yulin")
    assert re.search(rf'value="yulin"> yulin <span class="facet-count">{yulin}</span>', html)
    caves = re.findall(r'name="cave" value="(\d+)"', html)
    assert "25" not in caves  # a yulin cave: no count under site=mogao


def test_sorts(client, library):
    by_score = card_ids(client.get("/library/apsara/", {"sort": "score"}).content.decode())
    scores = {e.pk: e.score for e in library["elements"]}
    assert [scores[i] for i in by_score] == sorted(scores.values(), reverse=True)
    anchor = library["elements"][3]
    similar = card_ids(
        client.get("/library/apsara/", {"sort": "similar", "to": anchor.pk}).content.decode()
    )
    assert similar[0] == anchor.pk


def test_paging_with_htmx(client, library, monkeypatch):
    monkeypatch.setattr(gallery, "PAGE_SIZE", 10)
    first = client.get("/library/apsara/", {"sort": "score"}).content.decode()
    assert len(card_ids(first)) == 10
    next_url = re.search(r'hx-get="([^"]*/page/[^"]*)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).content.decode()
    assert len(card_ids(second)) == 10
    assert not set(card_ids(first)) & set(card_ids(second))


@pytest.mark.parametrize(
    "params", [{"period": "ming"}, {"score_min": "2"}, {"sort": "colour"}, {"sort": "similar"}]
)
def test_bad_gallery_filters_are_400(client, library, params):
    response = client.get("/library/apsara/", params)
    assert response.status_code == 400
    assert list(params)[0] in response.content.decode() or "to" in response.content.decode()


def test_unknown_category_page_is_404(client, library):
    assert client.get("/library/dragons/").status_code == 404
