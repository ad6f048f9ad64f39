"""Teaching a new category in headless Chromium: an archaeologist creates it on the categories
page, marks three examples in the viewer (Missed element panel), and "Find more" fills the review
queue with proposals re-boxed to the examples' aspect, by the real embedder."""

from __future__ import annotations

import pytest

from dunhuang_search.elements.models import Element
from dunhuang_search.review import embedding, fewshot
from tests.browser.viewer import draw, open_viewer

pytestmark = pytest.mark.browser


def dense_windows(mural, side: int = 128) -> None:
    """The mural's dense windows (half-overlap grid), embedded with the configured embedder, as
    `index --dense` stores them."""
    boxes = [
        (x, y, side, side)
        for y in range(0, mural.height - side + 1, side // 2)
        for x in range(0, mural.width - side + 1, side // 2)
    ]
    vectors, embedder_id = embedding.embed_boxes(mural, boxes)
    Element.objects.bulk_create(
        Element(mural=mural, x=x, y=y, w=w, h=h, source="dense", embedding=v, embedder=embedder_id)
        for (x, y, w, h), v in zip(boxes, vectors, strict=True)
    )


def test_a_new_category_from_three_examples(archaeologist_page, make_mural, screenshot):
    tab = archaeologist_page
    mural = make_mural(width=1200, height=800)
    dense_windows(mural)

    tab.goto("/review/categories/")
    tab.fill("input[name=name]", "Haloed figure")
    tab.fill("input[name=name_zh]", "头光人物")
    tab.click(".category-form button[type=submit]")
    tab.wait_for_selector("[data-testid=category-created]")
    row = tab.locator('tr[data-category="haloed-figure"]')
    assert "头光人物" in row.inner_text() and row.locator("button").is_disabled()

    open_viewer(tab, mural)
    for box in ((150, 300, 60, 50), (450, 350, 60, 50), (750, 400, 60, 50)):  # clear of controls
        draw(tab, box)
        tab.wait_for_selector("#missed-panel:not([hidden])")
        link = tab.locator("[data-field=missed-link]")
        before = link.get_attribute("href") if link.count() else None
        tab.select_option("#missed-category", "haloed-figure")
        tab.locator("#missed-form button[type=submit]").click()
        tab.wait_for_function(
            """before => {
                 const a = document.querySelector('[data-field=missed-link]');
                 return a && a.getAttribute('href') !== before; }""",
            arg=before,
        )
    examples = Element.objects.filter(category__slug="haloed-figure", source="manual")
    assert examples.count() == 3

    tab.goto("/review/categories/")
    row = tab.locator('tr[data-category="haloed-figure"]')
    assert row.locator("[data-field=confirmed]").inner_text() == "3"
    screenshot("categories")
    with tab.expect_navigation(timeout=120_000):
        row.locator("button").click()
    assert tab.url.endswith("/review/?category=haloed-figure&source=proposal")
    tab.wait_for_selector(".review-card.current")
    proposals = Element.objects.filter(category__slug="haloed-figure", source="proposal")
    assert proposals.count() == 20
    # each 128 px window re-boxed to its largest box of the examples' aspect (about 6:5)
    aspect = fewshot.example_aspect([e.bbox for e in examples])
    assert 1.1 < aspect < 1.3 and {(e.w, e.h) for e in proposals} == {(128, round(128 / aspect))}
    assert all(e.embedding is not None for e in proposals)
    assert tab.locator(".review-card").count() == 12
    screenshot("categories-proposals-queue")
