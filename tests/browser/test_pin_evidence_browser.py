""" "Pin evidence" in headless Chromium: an archaeologist opens an undated mural, the viewer
estimates it, one click on Pin evidence (and the picker) puts its strongest pairs on a new board,
and the board shows them with their captions. (Here, beside test_dating_browser.py, for the
browser fixtures of tests/browser/conftest.py: one Playwright per test session.)"""

from __future__ import annotations

import pytest

from dunhuang_search.boards.evidence import PAIRS, evidence_pairs
from dunhuang_search.boards.models import Board
from dunhuang_search.dating.assistant import estimate
from tests.dating.conftest import DIM, vectors
from tests.factories import add_elements, build_index
from tests.factories import make_mural as mural_row

pytestmark = pytest.mark.browser

PANEL = "#dating-panel"


@pytest.fixture
def undated(make_mural):
    """An undated mural whose donors look like those of two Sui caves (not like Early Tang)."""
    for cave, period, axis in [(301, "sui", 0), (302, "sui", 0), (303, "early-tang", 1)]:
        add_elements(mural_row(cave=cave, period=period), vectors(axis, 4, seed=cave), "donor")
    target = make_mural(width=1200, height=800, cave=400, period="undated")
    add_elements(target, vectors(0, 3, seed=9), "donor")
    build_index(DIM)
    return target


def test_pin_evidence_puts_the_strongest_pairs_on_a_board(
    archaeologist_page,
    undated,
    screenshot,
):
    tab = archaeologist_page
    tab.goto(f"/murals/{undated.pk}/")
    result = tab.wait_for_selector(f"{PANEL} .dating-result")
    assert result.get_attribute("data-period") == "sui"
    tab.click("#pin-evidence")
    picker = tab.locator(f"{PANEL} .evidence-picker")
    picker.wait_for()
    picker.locator("input[name=title]").fill("Evidence for the undated wall")
    screenshot("pin-evidence-picker")
    picker.locator("button[type=submit]").click()
    done = tab.locator(f"{PANEL} .pin-result")
    done.wait_for()
    rows = evidence_pairs(estimate(undated), PAIRS)
    expected = list(dict.fromkeys(pk for r in rows for pk in (r["element_id"], r["neighbour_id"])))
    assert f"Pinned {len(expected)} items to" in done.inner_text()
    board = Board.objects.get(title="Evidence for the undated wall")
    assert list(board.items.order_by("position").values_list("element_id", flat=True)) == expected
    screenshot("pin-evidence-done")

    done.locator("a").click()
    tab.wait_for_url(f"**/boards/{board.pk}/")
    items = tab.locator(".board-item")
    items.first.wait_for()
    assert items.count() == len(expected)
    text = tab.locator("body").inner_text()
    assert "Dating evidence: donor element" in text and "(estimate: sui)" in text
    assert "Neighbour of element" in text and "sui, cave 30" in text and "similarity 0." in text
    screenshot("pin-evidence-board")
