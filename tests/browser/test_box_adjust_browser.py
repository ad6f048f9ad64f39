"""Adjusting a review card's box in place, in headless Chromium: `e` shows eight handles over the
context image, a handle drag and Shift+arrow nudge move it, Enter saves the box in mural pixels
through the review endpoint, `z` puts the old box back; Escape cancels, a 400 is shown."""

from __future__ import annotations

import pytest

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from dunhuang_search.review.models import ReviewEvent
from tests.factories import add_element

pytestmark = pytest.mark.browser

BOX = [400, 200, 200, 240]  # its context region is 200,0,600,680, shown at 318 x 360


def numbers(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


def stored_bbox(pk: int) -> list[int]:
    return Element.objects.get(pk=pk).bbox


def drawn_rect(card) -> list[float]:
    rect = card.locator(".review-box")
    return [float(rect.get_attribute(name)) for name in ("x", "y", "width", "height")]


def drag(tab, locator, dx: float, dy: float) -> None:
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    tab.mouse.move(x, y)
    tab.mouse.down()
    tab.mouse.move(x + dx, y + dy, steps=8)
    tab.mouse.up()


@pytest.fixture
def queue_card(archaeologist_page, make_mural):
    """The queue with one card: (page, its card, the element, the mural)."""
    tab = archaeologist_page
    mural = make_mural(width=1200, height=800)
    element = add_element(mural, "donor", x=BOX[0], y=BOX[1], w=BOX[2], h=BOX[3], score=0.5)
    tab.goto("/review/")
    tab.wait_for_selector(".review-card.current")
    tab.wait_for_function("document.querySelector('.review-crop image').getBBox().width > 0")
    card = tab.locator(f'.review-card[data-element-id="{element.pk}"]')
    assert card.get_attribute("data-region") == "200,0,600,680"
    return tab, card, element, mural


def test_adjusting_the_box_in_place_then_undoing_it(queue_card, screenshot):
    tab, card, element, _ = queue_card
    before_rect = drawn_rect(card)

    tab.keyboard.press("e")
    tab.wait_for_selector(".review-card.editing .review-handle[data-handle='se']")
    assert card.locator(".review-handle").count() == 8
    assert card.locator("[data-edit-box]").inner_text() == "400, 200, 200, 240"
    screenshot("review-box-editing")

    # display units per screen pixel, and mural pixels per display unit
    svg = card.locator(".review-crop")
    shown_width = svg.bounding_box()["width"]
    view_w, view_h = (float(v) for v in svg.get_attribute("viewBox").split()[2:])
    unit = view_w / shown_width
    sx, sy = view_w / 600, view_h / 680

    drag(tab, card.locator(".review-handle[data-handle='se']"), 40, 30)
    tab.keyboard.press("a")  # ignored while the box is being adjusted
    tab.keyboard.press("Shift+ArrowLeft")  # the se handle, 10 display px to the left
    expected_w = 200 + (40 * unit - 10) / sx
    expected_h = 240 + 30 * unit / sy
    shown = numbers(card.locator("[data-edit-box]").inner_text())
    assert shown[:2] == [400, 200]
    assert shown[2] == pytest.approx(expected_w, abs=2)
    assert shown[3] == pytest.approx(expected_h, abs=2)
    screenshot("review-box-dragged")

    tab.keyboard.press("Enter")
    tab.wait_for_function(
        f"document.querySelector('[data-element-id=\"{element.pk}\"]').dataset.bbox !== "
        f"'{','.join(map(str, BOX))}'"
    )
    tab.wait_for_selector(".review-card.editing", state="detached")
    saved = stored_bbox(element.pk)
    assert saved == [int(v) for v in card.get_attribute("data-bbox").split(",")]
    assert saved[:2] == [400, 200] and saved[2:] == [int(v) for v in shown[2:]]
    assert Element.objects.get(pk=element.pk).review_state == "unreviewed"
    event = ReviewEvent.objects.get(element=element)
    assert event.before["bbox"] == BOX and event.after["bbox"] == saved
    assert card.get_attribute("data-version") == "2"
    # the card draws the stored box: mural px -> display units
    x, y, w, h = drawn_rect(card)
    assert x == pytest.approx((400 - 200) * sx, abs=0.01) and w == pytest.approx(saved[2] * sx)
    assert h == pytest.approx(saved[3] * sy)
    assert "saved" in tab.locator("#review-message").inner_text()
    screenshot("review-box-saved")

    tab.keyboard.press("z")  # undo: the old box is back, in the database and on the card
    tab.wait_for_function(
        f"document.querySelector('[data-element-id=\"{element.pk}\"]').dataset.bbox === "
        f"'{','.join(map(str, BOX))}'"
    )
    assert stored_bbox(element.pk) == BOX
    assert drawn_rect(card) == pytest.approx(before_rect, abs=1)
    assert [e.action for e in ReviewEvent.objects.order_by("id")] == ["review", "undo"]


def test_escape_cancels_and_a_refusal_is_shown(queue_card, screenshot):
    tab, card, element, mural = queue_card
    before_rect = drawn_rect(card)
    # Escape drops a move drag: nothing is sent
    tab.keyboard.press("e")
    tab.wait_for_selector(".review-card.editing")
    drag(tab, card.locator(".review-move"), 25, 0)
    assert card.locator("[data-edit-box]").inner_text() != "400, 200, 200, 240"
    tab.keyboard.press("Escape")
    tab.wait_for_selector(".review-card.editing", state="detached")
    assert drawn_rect(card) == pytest.approx(before_rect, abs=1)
    assert ReviewEvent.objects.count() == 0 and stored_bbox(element.pk) == BOX

    # the server's refusal is shown on the card, and the handles stay to fix the box
    Mural.objects.filter(pk=mural.pk).update(width=620)
    card.locator("[data-action=adjust]").click()
    tab.wait_for_selector(".review-card.editing")
    drag(tab, card.locator(".review-handle[data-handle='e']"), 30, 0)
    card.locator("[data-edit-action=save]").click()
    tab.wait_for_function(
        "document.querySelector('.review-card [data-message]').innerText.includes('outside')"
    )
    assert "outside the mural (620 x 800 px)" in card.locator("[data-message]").inner_text()
    assert card.locator(".review-handle").count() == 8
    screenshot("review-box-refused")
    card.locator("[data-edit-action=cancel]").click()
    tab.wait_for_selector(".review-card.editing", state="detached")
    assert ReviewEvent.objects.count() == 0 and stored_bbox(element.pk) == BOX
