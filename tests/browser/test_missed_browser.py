"""Marking a missed element in the mural viewer, in headless Chromium: an archaeologist draws a
box, picks a category and marks it; the element is drawn on the overlay at once, confirmed with
a link, stored as manual and accepted, and in the FAISS file. Readers never see the action."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.elements.models import Element
from dunhuang_search.review.models import ReviewEvent
from indexer.vectors import VectorIndex
from tests.browser.conftest import sign_in
from tests.browser.viewer import draw, open_viewer
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_marking_a_drawn_box_as_a_missed_element(page, live_server, make_mural, screenshot):
    tab = page
    archaeologist = make_user("ana")
    archaeologist.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    sign_in(tab, live_server, archaeologist)
    mural = make_mural(width=2400, height=1600)
    open_viewer(tab, mural)
    assert tab.locator("#missed-panel").is_hidden()  # until a box is drawn

    draw(tab, (900, 600, 300, 260))
    tab.wait_for_selector("#missed-panel:not([hidden])")
    drawn = tab.locator("#drawn-box")
    box = [int(drawn.get_attribute(f"data-{key}")) for key in "xywh"]
    assert box == pytest.approx([900, 600, 300, 260], abs=3)
    tab.locator("#missed-form button[type=submit]").click()  # no category yet
    assert "Choose a category" in tab.locator("[data-field=missed-status]").inner_text()
    assert Element.objects.count() == 0
    tab.select_option("#missed-category", "apsara")
    screenshot("viewer-missed-form")

    tab.locator("#missed-form button[type=submit]").click()
    tab.wait_for_selector("[data-field=missed-link]")
    element = Element.objects.get()
    assert element.bbox == box and element.mural_id == mural.pk
    assert (element.source, element.review_state, element.category.slug) == (
        "manual", "accepted", "apsara",
    )  # fmt: skip
    assert element.reviewed_by == archaeologist and element.embedding is not None
    assert [e.action for e in ReviewEvent.objects.filter(element=element)] == ["create"]
    index = VectorIndex.load(settings.VECTOR_INDEX_PATH)
    assert element.pk in index.ids().tolist()
    link = tab.locator("[data-field=missed-link]")
    assert link.get_attribute("href") == f"/murals/{mural.pk}/?element={element.pk}"
    assert f"#{element.pk}" in link.inner_text()
    # drawn on the overlay at once (no reload), selected, and the drawn box is cleared
    rect = tab.locator(f'rect.element-box[data-element-id="{element.pk}"]')
    assert rect.count() == 1 and "manual" in rect.get_attribute("class")
    assert [float(rect.get_attribute(k)) for k in ("x", "y", "width", "height")] == box
    assert tab.locator("#element-details").is_visible()
    assert tab.locator("#element-details [data-field=id]").inner_text() == f"#{element.pk}"
    assert tab.locator("#drawn-box-panel").is_hidden()
    assert tab.locator("#missed-form").is_hidden()
    # the legend counts it: a new Apsara row (the mural had none), whose toggle hides its boxes
    legend = tab.locator("section.legend")
    assert legend.locator("h2 .muted").inner_text() == "1"
    assert "No elements" not in legend.inner_text()
    row = legend.locator('label:has(input[data-legend-category="apsara"])')
    assert row.locator(".legend-name").inner_text().startswith("Apsara")
    assert row.locator(".count").inner_text() == "1"
    row.locator("input").uncheck()
    assert not tab.locator(f'rect.element-box[data-element-id="{element.pk}"]').is_visible()
    row.locator("input").check()
    screenshot("viewer-missed-done")

    # the server's refusal is shown in the panel, and nothing is written
    draw(tab, (2100, 100, 150, 150))  # away from the navigator
    tab.wait_for_selector("#missed-form:not([hidden])")
    assert tab.locator("[data-field=missed-status]").inner_text() == ""
    mural.__class__.objects.filter(pk=mural.pk).update(width=2000)
    tab.select_option("#missed-category", "donor")
    tab.locator("#missed-form button[type=submit]").click()
    tab.wait_for_function(
        "document.querySelector('[data-field=missed-status]').innerText.includes('Not saved')"
    )
    status = tab.locator("[data-field=missed-status]").inner_text()
    assert "outside the mural (2000 x 1600 px)" in status
    screenshot("viewer-missed-refused")
    assert Element.objects.count() == 1


def test_readers_and_visitors_get_no_action_and_the_server_refuses_them(
    page,
    live_server,
    make_mural,
):
    tab = page
    mural = make_mural(width=800, height=600)
    body = {"mural": mural.pk, "bbox": [10, 10, 50, 50], "category": "donor"}
    for user in (None, make_user("rita")):
        tab.context.clear_cookies()
        if user:
            sign_in(tab, live_server, user)
        open_viewer(tab, mural)
        assert tab.locator("#missed-panel").count() == 0
        draw(tab, (100, 100, 200, 150))
        tab.wait_for_selector("#drawn-box-panel:not([hidden])")
        assert tab.locator("text=Mark as missed element").count() == 0
        status = tab.evaluate(
            """async (body) => {
                 const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
                 const response = await fetch("/api/v1/review/missed/", {
                   method: "POST", credentials: "same-origin",
                   headers: {"Content-Type": "application/json", ...token},
                   body: JSON.stringify(body)});
                 return response.status; }""",
            body,
        )
        assert status in (401, 403)
    assert Element.objects.count() == 0
