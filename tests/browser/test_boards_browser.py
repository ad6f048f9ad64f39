"""A dating board built in headless Chromium: pin two search results to a new board, add a
lane and drag an item into it (saved through the REST API), compare the two items at one
physical scale with an overlay, and export the PDF plate (it opens: a PDF with one page for
the timeline and one per item group)."""

from __future__ import annotations

import re

import pytest

from dunhuang_search.boards.models import Board
from dunhuang_search.elements.models import Category, Element

pytestmark = pytest.mark.browser


@pytest.fixture
def donors(make_mural):
    """Two donors on two real murals of known dpi, found by a category search."""
    donor = Category.objects.get(slug="donor")
    first = make_mural(cave=285, wall="north", period="western-wei", dpi=150)
    second = make_mural(cave=290, wall="south", period="northern-zhou", dpi=300)
    return [
        Element.objects.create(mural=first, x=200, y=200, w=300, h=400, category=donor,
                               source="manual"),
        Element.objects.create(mural=second, x=600, y=300, w=600, h=800, category=donor,
                               source="manual"),
    ]  # fmt: skip


def pin(page, card, board_title: str | None = None) -> None:
    card.locator(".pin-button").click()
    picker = card.locator(".pin-picker")
    picker.wait_for()
    if board_title:
        picker.locator("input[name=title]").fill(board_title)
    picker.locator("button[type=submit]").click()
    card.locator(".pin-result").wait_for()
    assert "Pinned to" in card.locator(".pin-result").inner_text()


def test_a_board_from_search_results_dragged_compared_and_exported(
    archaeologist_page, donors, live_server, screenshot
):
    page = archaeologist_page
    page.goto("/search/?category=donor")
    cards = page.locator(".result-card")
    cards.first.wait_for()
    assert cards.count() == 2
    pin(page, cards.nth(0), board_title="Donor crowns, caves 285 and 290")
    pin(page, cards.nth(1))  # the picker now offers the new board first
    board = Board.objects.get(title="Donor crowns, caves 285 and 290")
    assert sorted(board.items.values_list("element_id", flat=True)) == sorted(d.pk for d in donors)

    page.goto(f"/boards/{board.pk}/")
    assert page.locator(".band").count() >= 14
    assert "Western Wei" in page.locator(".bands").inner_text()
    assert "西魏" in page.locator(".bands").inner_text()
    page.fill(".add-lane input[name=name]", "donor headdress")
    page.click(".add-lane button[type=submit]")
    lane = page.locator(".lane", has_text="donor headdress")
    lane.wait_for()
    tray_items = page.locator(".tray .board-item")
    assert tray_items.count() == 2
    moved_id = int(tray_items.first.get_attribute("data-item-id"))
    tray_items.first.drag_to(lane.locator(".lane-track"))
    page.wait_for_function(
        "document.getElementById('board-status').textContent.startsWith('Moved')"
    )
    assert lane.locator(f'.board-item[data-item-id="{moved_id}"]').count() == 1
    item = board.items.get(pk=moved_id)
    assert item.lane is not None and item.lane.name == "donor headdress"
    page.reload()  # the move was saved: it is still in the lane
    assert (
        page.locator(".lane", has_text="donor headdress")
        .locator(f'.board-item[data-item-id="{moved_id}"]')
        .count()
        == 1
    )
    screenshot("board")

    for checkbox in page.locator("input[name=items]").all():
        checkbox.check()
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector(".compare-item")
    assert page.locator(".compare-item").count() == 2
    sizes = page.eval_on_selector_all(
        ".compare-item img", "imgs => imgs.map(i => [i.clientWidth, i.clientHeight])"
    )
    # 300 x 400 px at 150 dpi and 600 x 800 px at 300 dpi: the same size on the wall
    assert sizes[0] == sizes[1] and sizes[0][1] == 320
    assert "cm" in page.locator(".scale-bar-wrap").inner_text()
    page.fill("#overlay-opacity", "30")
    page.dispatch_event("#overlay-opacity", "input")
    page.check("#overlay-flip")
    style = page.eval_on_selector(".overlay-2", "i => [i.style.opacity, i.style.transform]")
    assert style == ["0.3", "scaleX(-1)"]
    screenshot("compare")

    page.goto(f"/boards/{board.pk}/")
    href = page.get_attribute(".export-pdf", "href")
    response = page.request.get(live_server.url + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", body))
    assert pages == 1 + 2  # the timeline, the lane, the tray
