"""The search page and query by example in headless Chromium: words give a grid of IIIF crops,
"More like this" and filters swap results without a reload and keep the query in the URL,
"Open in mural" zooms the viewer to the element, and a box drawn in the viewer shows its most
similar elements in the side panel without a page reload.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from dunhuang_search.elements.models import Category, Element
from dunhuang_search.elements.vector_index import rebuild_index
from dunhuang_search.search.engine import active_embedder, embed_box
from tests.browser.viewer import draw

pytestmark = pytest.mark.browser

BOXES = [(100, 100, 300, 260), (900, 500, 240, 300), (1500, 900, 400, 300), (300, 1100, 260, 260)]
ALL_IMAGES_LOADED = (
    "(sel) => { const imgs = [...document.querySelectorAll(sel)];"
    " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }"
)


@pytest.fixture
def searchable(make_mural):
    """Two real murals with apsaras and donors whose vectors come from the active embedder."""
    south = make_mural(cave=220, wall="south", period="high-tang")
    north = make_mural(cave=57, wall="north", period="early-tang")
    apsara, donor = Category.objects.get(slug="apsara"), Category.objects.get(slug="donor")
    for mural in (south, north):
        for i, (x, y, w, h) in enumerate(BOXES):
            vector, embedder_id = embed_box(mural, (x, y, w, h))
            Element.objects.create(
                mural=mural, x=x, y=y, w=w, h=h, category=apsara if i % 2 == 0 else donor,
                source="detector", score=0.9, embedder=embedder_id, embedding=vector,
            )  # fmt: skip
    embedder = active_embedder()
    rebuild_index(embedder.id, embedder.dim)
    return south, north


def test_words_find_crops_and_more_like_this_swaps_results_in_place(page, searchable, screenshot):
    south, north = searchable
    page.goto("/search/")
    page.evaluate("window.stayed = true")
    page.fill("#search-q", "飞天")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector(".result-card")

    assert page.evaluate("window.stayed") is True  # htmx swapped the results: no reload
    assert parse_qs(urlparse(page.url).query)["q"] == ["飞天"]  # the query is in the URL
    assert page.locator(".result-card").count() == 4  # the four apsaras
    page.wait_for_function(ALL_IMAGES_LOADED, arg=".result-card img")
    text = page.locator("#search-results").inner_text()
    assert "Cave 220" in text and "Cave 57" in text and "High Tang" in text and "Apsara" in text
    screenshot("search-text")

    first = page.locator(".result-card").first
    element_id = int(first.get_attribute("data-element-id"))
    first.locator(".more-like-this").click()
    page.wait_for_selector("[data-testid=example]")

    assert page.evaluate("window.stayed") is True
    assert parse_qs(urlparse(page.url).query)["element"] == [str(element_id)]
    cards = page.locator(".result-card")
    ids = [int(cards.nth(i).get_attribute("data-element-id")) for i in range(cards.count())]
    assert element_id not in ids and len(ids) == 7
    assert page.locator(".result-summary").get_attribute("data-kind") == "element"

    page.select_option("#search-category", "donor")
    page.click("#search-form button[type=submit]")
    page.wait_for_function("new URL(location.href).searchParams.get('category') === 'donor'")
    page.wait_for_function("document.querySelectorAll('.result-card').length === 4")
    shared = page.url
    screenshot("search-more-like-this")

    other = page.context.new_page()  # a shared URL gives the same results
    other.goto(shared)
    again = other.locator(".result-card")
    assert [again.nth(i).get_attribute("data-element-id") for i in range(again.count())] == [
        cards.nth(i).get_attribute("data-element-id") for i in range(cards.count())
    ]
    other.close()


def test_open_in_mural_zooms_the_viewer_to_the_element(page, searchable):
    page.goto("/search/?q=donor+cave+57")
    page.wait_for_selector(".result-card")
    card = page.locator(".result-card").first
    element = Element.objects.get(pk=int(card.get_attribute("data-element-id")))
    card.locator(".open-in-mural").click()
    page.wait_for_function("document.querySelector('#osd').dataset.opened === 'true'")

    assert f"/murals/{element.mural_id}/" in page.url and f"element={element.pk}" in page.url
    page.wait_for_function("document.querySelector('.focus-box').style.display !== 'none'")
    focus = page.evaluate(
        "(() => { const r = document.querySelector('.focus-box');"
        " return ['x', 'y', 'width', 'height'].map(a => Number(r.getAttribute(a))); })()"
    )
    assert focus == element.bbox
    page.wait_for_function(
        "(() => { const b = muralViewer.viewer.viewport.getBounds(true); return b.width < 0.9; })()"
    )  # zoomed in on the element, not the whole wall


def test_a_box_drawn_in_the_viewer_shows_similar_elements_without_a_reload(
    page, searchable, screenshot
):
    south, north = searchable
    page.goto(f"/murals/{south.pk}/")
    page.wait_for_function("document.querySelector('#osd').dataset.opened === 'true'")
    page.evaluate("window.stayed = true")
    x, y = BOXES[1][:2]
    draw(page, BOXES[1])  # through the viewer's own mapping: mural px -> screen px

    page.wait_for_selector("#similar-results .result-card")
    assert page.evaluate("window.stayed") is True
    assert page.locator("#similar-panel").is_visible()
    page.wait_for_function(ALL_IMAGES_LOADED, arg="#similar-results img")
    ids = [
        int(page.locator("#similar-results .result-card").nth(i).get_attribute("data-element-id"))
        for i in range(page.locator("#similar-results .result-card").count())
    ]
    own = Element.objects.get(mural=south, x=x, y=y)
    twin = Element.objects.get(mural=north, x=x, y=y)
    assert own.pk not in ids  # the drawn spot itself is excluded
    assert len(ids) == 7 and twin.pk in ids
    link = page.locator("#similar-results .open-search").get_attribute("href")
    assert "example=" in link and f"{south.pk}%3A" in link or f"{south.pk}:" in link
    screenshot("viewer-similar")
