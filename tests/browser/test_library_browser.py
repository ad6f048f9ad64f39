"""The library in headless Chromium: the overview's period timeline is drawn with Chart.js; a
click on a period bar opens the gallery filtered to that period; crops are selected and their
similarity matrix opens, hovering shows both crops and a click compares the pair."""

from __future__ import annotations

import numpy as np
import pytest

from dunhuang_search.elements.models import Category, Element

pytestmark = pytest.mark.browser

BOXES = [(100, 100, 300, 260), (900, 500, 240, 300), (1500, 900, 400, 300)]
BAR_CENTRE = """([slug, period]) => {
  const canvas = document.querySelector(`[data-category="${slug}"] canvas.library-chart`);
  const chart = Chart.getChart(canvas);
  const index = chart.data.datasets[0].data.findIndex((d) => d.period === period);
  const centre = chart.getDatasetMeta(0).data[index].getCenterPoint();
  const box = canvas.getBoundingClientRect();
  return { x: box.left + centre.x, y: box.top + centre.y };
}"""


@pytest.fixture
def library_murals(make_mural):
    south = make_mural(cave=220, wall="south", period="high-tang")
    north = make_mural(cave=57, wall="north", period="early-tang")
    apsara = Category.objects.get(slug="apsara")
    rng = np.random.default_rng(5)
    for mural in (south, north):
        for x, y, w, h in BOXES:
            Element.objects.create(
                mural=mural, x=x, y=y, w=w, h=h, category=apsara, source="detector",
                score=float(rng.uniform(0.5, 1)), embedder="test-embedder",
                embedding=rng.normal(size=16).astype(np.float32),
            )  # fmt: skip
    Element.objects.create(
        mural=north, x=10, y=10, w=50, h=50, category=apsara, source="dense", score=0.99
    )
    return south, north


def test_period_bar_filters_gallery_then_matrix_of_selection(page, library_murals, screenshot):
    page.goto("/library/")
    page.wait_for_selector('[data-category="apsara"] canvas.library-chart[data-ready]')
    screenshot("library-overview")
    point = page.evaluate(BAR_CENTRE, ["apsara", "high-tang"])
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/library/apsara/?period=high-tang")
    cards = page.locator(".library-card-crop")
    assert cards.count() == 3
    periods = page.locator(".library-card-crop .period").evaluate_all(
        "(els) => els.map((e) => e.dataset.period)"
    )
    assert periods == ["high-tang"] * 3
    assert page.locator("#library-total").inner_text() == "3"
    page.wait_for_selector("canvas.library-chart[data-chart=heatmap][data-ready]")

    boxes = page.locator(".crop-select")
    boxes.nth(0).check()
    boxes.nth(1).check()
    assert page.locator("#selection-count").inner_text() == "2 selected"
    matrix = page.locator(".selection-action[data-action=matrix]")
    assert "ids=" in matrix.get_attribute("href")
    screenshot("library-gallery")
    matrix.click()
    page.wait_for_selector("#similarity-matrix[data-ready='2']")
    canvas = page.locator("#similarity-matrix").bounding_box()
    chart_area = page.evaluate(
        "() => Chart.getChart(document.querySelector('#similarity-matrix')).chartArea"
    )
    x = canvas["x"] + chart_area["left"] + chart_area["width"] * 0.75
    y = canvas["y"] + chart_area["top"] + chart_area["height"] * 0.25
    page.mouse.move(x, y)
    page.wait_for_selector("#matrix-hover img")
    assert page.locator("#matrix-hover img").count() == 2
    page.mouse.click(x, y)
    page.wait_for_selector("#pair-view:not([hidden])")
    page.fill("#overlay-opacity", "0.2")
    page.locator("#overlay-opacity").dispatch_event("input")
    assert page.locator("#overlay-b").evaluate("(img) => img.style.opacity") == "0.2"
    page.check("#overlay-flip")
    assert "flipped" in page.locator("#overlay-b").get_attribute("class")
    screenshot("library-matrix")


def test_facet_change_swaps_gallery_and_url(page, library_murals):
    page.goto("/library/apsara/")
    page.wait_for_selector(".library-card-crop")
    assert page.locator(".library-card-crop").count() == 6
    page.check('fieldset[data-facet=cave] input[value="57"]')
    page.wait_for_url("**cave=57**")
    page.wait_for_function("document.querySelectorAll('.library-card-crop').length === 3")
    assert page.locator("#library-total").inner_text() == "3"


def test_a_selection_opens_in_the_review_queue_and_pins_to_a_board(
    staff_page, library_murals, screenshot
):
    from dunhuang_search.boards.models import Board

    page = staff_page
    page.goto("/library/apsara/?cave=220")
    page.wait_for_selector(".library-card-crop")
    review = page.locator(".selection-action[data-action=review]")
    assert "disabled" in review.get_attribute("class")  # nothing selected yet
    page.locator(".selection-action[data-action=pin]").click()
    page.wait_for_selector(".pin-selection .pin-slot:has-text('Select crops first')")
    boxes = page.locator(".crop-select")
    chosen = [boxes.nth(i).get_attribute("value") for i in (0, 2)]
    boxes.nth(0).check()
    boxes.nth(2).check()

    page.locator(".selection-action[data-action=pin]").click()
    page.wait_for_selector(".pin-selection form.pin-picker")
    assert "Pin 2 elements to board" in page.locator(".pin-selection form.pin-picker").inner_text()
    page.fill(".pin-selection input[name=title]", "Cave 220 apsaras")
    screenshot("library-pin-selection")
    page.locator(".pin-selection form.pin-picker button[type=submit]").click()
    page.wait_for_selector(".pin-selection .pin-result a")
    assert "Pinned 2 items to" in page.locator(".pin-selection .pin-result").inner_text()
    board = Board.objects.get(title="Cave 220 apsaras")
    pinned = board.items.order_by("position").values_list("element_id", flat=True)
    assert [str(pk) for pk in pinned] == chosen

    # the same selection, through the same picker handler, into a new style set
    page.locator(".selection-action[data-action=style-set]").click()
    picker = page.locator(".style-add-selection form.style-add-picker")
    picker.wait_for()
    assert picker.locator("input[name=elements]").get_attribute("value") == ",".join(chosen)
    picker.locator("input[name=name]").fill("Cave 220 apsara style")
    picker.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => !document.querySelector('.style-add-selection form.style-add-picker')"
    )
    from dunhuang_search.styles.models import StyleSet

    style_set = StyleSet.objects.get(name="Cave 220 apsara style")
    assert sorted(str(pk) for pk in style_set.members.values_list("element_id", flat=True)) == (
        sorted(chosen)
    )

    review = page.locator(".selection-action[data-action=review]")
    assert "disabled" not in review.get_attribute("class")
    review.click()
    page.wait_for_url("**/review/**")
    page.wait_for_selector(".review-selection")
    assert "A selection of 2 elements" in page.locator(".review-selection").inner_text()
    shown = page.locator(".review-cards [data-element-id]").evaluate_all(
        "(els) => els.map((e) => e.dataset.elementId)"
    )
    assert sorted(shown) == sorted(chosen)
    screenshot("review-selection")
