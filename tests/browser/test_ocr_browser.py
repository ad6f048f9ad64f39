"""Inscription text in the viewer, in headless Chromium: the element panel shows the OCR text
and its confidence, and a staff reviewer corrects it in place."""

from __future__ import annotations

import pytest

from dunhuang_search.elements.models import Category, Element

pytestmark = pytest.mark.browser

PANEL = "#element-details"


def inscription(mural, **fields) -> Element:
    return Element.objects.create(
        mural=mural, x=300, y=200, w=120, h=360, source="detector", score=0.81,
        category=Category.objects.get(slug="inscription"), **fields,
    )


def test_the_element_panel_shows_the_ocr_text_and_its_confidence(page, make_mural, screenshot):
    mural = make_mural(width=1200, height=800)
    element = inscription(mural, ocr_text="南无阿弥陀佛\n供养人题记", ocr_confidence=0.934)
    donor = Element.objects.create(
        mural=mural, x=700, y=300, w=100, h=200, source="manual",
        category=Category.objects.get(slug="donor"),
    )
    page.goto(f"/murals/{mural.pk}/?element={element.pk}")
    page.wait_for_selector(f"{PANEL}:not([hidden])")
    text = page.locator(f"{PANEL} [data-field=ocr-text]")
    assert text.is_visible()
    assert text.inner_text() == "南无阿弥陀佛\n供养人题记"  # columns on their own lines
    assert page.inner_text(f"{PANEL} [data-field=ocr-source]") == "OCR, confidence 0.93"
    assert page.locator(f"{PANEL} [data-field=ocr-form]").count() == 0  # not staff: no form
    screenshot("ocr-panel")

    page.evaluate(f"muralViewer.selectElement({donor.pk})")  # no text row for a donor
    page.wait_for_function(f"document.querySelector('{PANEL}').dataset.elementId === '{donor.pk}'")
    assert not text.is_visible()


def test_a_staff_reviewer_corrects_the_text_in_the_panel(
    staff_page, make_mural, screenshot
):
    page = staff_page
    mural = make_mural(width=1200, height=800)
    element = inscription(mural, ocr_text="南无阿弥陀", ocr_confidence=0.61)
    page.goto(f"/murals/{mural.pk}/?element={element.pk}")
    page.wait_for_selector(f"{PANEL}:not([hidden])")
    page.wait_for_function("document.body.dataset.elementsLoaded === '1'")
    form = page.locator(f"{PANEL} [data-field=ocr-form]")
    assert form.is_visible()
    assert form.locator("textarea").input_value() == "南无阿弥陀"

    form.locator("textarea").fill("南无阿弥陀佛")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        f"document.querySelector('{PANEL} [data-field=ocr-status]').textContent === 'Saved.'"
    )
    assert page.inner_text(f"{PANEL} [data-field=ocr-text]") == "南无阿弥陀佛"
    assert page.inner_text(f"{PANEL} [data-field=ocr-source]") == "Entered by a reviewer"
    assert page.inner_text(f"{PANEL} [data-field=review]") == "accepted"
    screenshot("ocr-corrected")
    element.refresh_from_db()
    assert element.ocr_text == "南无阿弥陀佛" and element.ocr_confidence is None
    assert element.reviewed_by.username == "curator"
