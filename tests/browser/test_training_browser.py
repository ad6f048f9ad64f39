"""The /detectors/ page in headless Chromium: a staff user sees every detector, which one is
active, its operating thresholds and its comparison with the detector active before it."""

from __future__ import annotations

import pytest

from dunhuang_search.training.registry import register

pytestmark = pytest.mark.browser


def test_staff_see_the_detectors_their_thresholds_and_the_comparison(
    staff_page, demo_detector_weights, screenshot
):
    old = register(demo_detector_weights, "demo", 320, 0.5, {"mAP50-95": 0.596}, {},
                   activate=True)  # fmt: skip
    new = register(demo_detector_weights, "tuned", 320, 0.5, {"mAP50-95": 0.61}, {})
    new.thresholds = {
        "apsara": {"threshold": 0.670663, "precision": 0.9, "recall": 0.9574,
                   "rule": "lowest confidence with precision >= 0.9"},
        "donor": {"threshold": None, "precision": None, "recall": None, "rule": "no detections"},
    }  # fmt: skip
    new.metrics["comparison"] = {
        "murals": ["mural-3", "mural-4"], "held_out": "reviewed murals", "boxes": 120,
        "better": True, "new": {"name": "tuned", "map50_95": 0.71, "map50": 0.9, "ar": 0.8},
        "active": {"name": "demo", "map50_95": 0.69, "map50": 0.88, "ar": 0.78},
    }  # fmt: skip
    new.save()
    page = staff_page
    page.goto("/detectors/")
    cards = page.locator("article.detector-card")
    assert cards.count() == 2
    active = page.locator("article.is-active")
    assert active.get_attribute("data-detector") == old.name
    assert active.get_by_test_id("active").inner_text() == "active"
    tuned = page.locator('article[data-detector="tuned"]')
    assert tuned.locator('tr[data-category="apsara"] td').nth(1).inner_text() == "0.670663"
    assert tuned.locator('tr[data-category="donor"] td').nth(1).inner_text() == "—"
    comparison = tuned.get_by_test_id("comparison")
    assert "2 held-out reviewed murals" in comparison.inner_text()
    assert "0.71" in comparison.inner_text() and "0.69" in comparison.inner_text()
    assert "Not worse" in tuned.get_by_test_id("verdict").inner_text()
    screenshot("detectors")


def test_a_visitor_is_sent_to_log_in(page):
    page.goto("/detectors/")
    assert "login" in page.url
