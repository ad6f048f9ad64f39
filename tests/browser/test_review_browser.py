"""The review queue in headless Chromium: cards with their IIIF crop, keys a/r/u/1-9/z/?,
Shift+A with a count to confirm, and the next batch loaded without a page reload."""

from __future__ import annotations

import pytest

from dunhuang_search.elements.models import Element
from dunhuang_search.review.models import ReviewEvent
from tests.factories import add_element

pytestmark = pytest.mark.browser


def current_id(page) -> int:
    return int(page.locator(".review-card.current").get_attribute("data-element-id"))


def wait_current(page, pk: int) -> None:
    page.wait_for_function(
        f"document.querySelector('.review-card.current')?.dataset.elementId === '{pk}'"
    )


def state_of(pk: int) -> str:
    return Element.objects.get(pk=pk).review_state


def test_reviewing_by_keys(archaeologist_page, make_mural, screenshot):
    page = archaeologist_page
    mural = make_mural(width=1200, height=800)
    # uncertainty order (threshold 0.5): 0.52, 0.45, 0.4, 0.3, 0.9
    scores = [0.52, 0.45, 0.4, 0.3, 0.9]
    rows = [
        add_element(mural, "donor", x=100 + 200 * i, y=300, w=80, h=120, score=s)
        for i, s in enumerate(scores)
    ]
    first, second, third, fourth, fifth = (r.pk for r in rows)
    loaded = []
    page.on("response", lambda r: loaded.append(r.url) if "/iiif/3/" in r.url and r.ok else None)
    page.goto("/review/")
    page.wait_for_selector(".review-card.current")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.review-crop image')).length === 5"
    )
    assert current_id(page) == first
    assert page.locator("#review-progress").inner_text().startswith("0 reviewed of 5")
    screenshot("review-queue")

    page.keyboard.press("a")  # accept, next
    page.wait_for_function(
        f"document.querySelector('[data-element-id=\"{first}\"]').dataset.state === 'accepted'"
    )
    wait_current(page, second)
    assert state_of(first) == "accepted"
    page.wait_for_function(
        "document.querySelector('#review-progress').innerText.startsWith('1 reviewed')"
    )

    page.keyboard.press("2")  # relabel to the second category (by id), stays on the card
    page.wait_for_function(
        f"document.querySelector('[data-element-id=\"{second}\"] [data-category]')"
        ".innerText !== 'Donor'"
    )
    second_slug = page.locator("#review-categories [data-slug]").nth(1).get_attribute("data-slug")
    assert Element.objects.get(pk=second).category.slug == second_slug
    assert current_id(page) == second
    page.keyboard.press("r")  # reject, next
    page.wait_for_function(
        f"document.querySelector('[data-element-id=\"{second}\"]').dataset.state === 'rejected'"
    )
    wait_current(page, third)
    assert state_of(second) == "rejected"

    page.keyboard.press("z")  # undo the reject: the card is back and current
    page.wait_for_function(
        f"document.querySelector('[data-element-id=\"{second}\"]').dataset.state === 'unreviewed'"
    )
    wait_current(page, second)
    assert state_of(second) == "unreviewed"

    page.keyboard.press("u")  # skip
    wait_current(page, third)

    page.keyboard.press("?")
    assert page.locator("#review-help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#review-help").is_visible()

    dialogs = []

    def confirm(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    page.keyboard.press("Shift+A")  # the rest of the mural: 4 waiting, counted first
    page.wait_for_function(
        "document.querySelector('#review-message').innerText.includes('skipped')"
    )
    assert dialogs == ["Accept 4 remaining elements of this mural?"]
    assert {state_of(pk) for pk in (second, third, fourth, fifth)} == {"accepted"}
    assert ReviewEvent.objects.count() == 2 + 2 + 4  # accept, relabel, reject, undo, 4 accepts
    # every card is done: the next batch is fetched in place, and it is empty
    page.wait_for_selector(".review-empty")
    assert page.locator("#review-progress").inner_text().startswith("5 reviewed of 5")
    assert any(f"/iiif/3/{mural.pk}/" in url for url in loaded)
