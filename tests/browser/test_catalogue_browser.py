"""The catalogue in headless Chromium: thumbnails load, and the period filter swaps the results
through htmx, pushing a shareable URL, without reloading the page.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

THUMBNAILS_LOADED = (
    "(() => { const imgs = [...document.querySelectorAll('.mural-card img')];"
    " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); })()"
)


def swapped_by(page, action) -> None:
    """Do `action` and wait until htmx has swapped and settled the new results."""
    page.evaluate(
        "window.settled = false;"
        " document.addEventListener('htmx:afterSettle', () => { window.settled = true; },"
        " {once: true})"
    )
    action()
    page.wait_for_function("window.settled === true")


def test_the_catalogue_lists_murals_with_loaded_thumbnails(page, make_mural, screenshot):
    murals = [
        make_mural(cave=220, period="early-tang", title="Amitabha paradise"),
        make_mural(cave=249, wall="west", period="western-wei", width=1600, height=2000),
        make_mural(cave=45, wall="north", period="high-tang"),
    ]
    thumbnails = []
    page.on(
        "response",
        lambda r: thumbnails.append(r.url) if "/full/!320,320/0/default.jpg" in r.url and r.ok
        else None,
    )

    page.goto("/")
    page.wait_for_function(THUMBNAILS_LOADED)

    assert page.locator(".mural-card").count() == 3
    assert len(thumbnails) == 3
    sizes = page.evaluate(
        "[...document.querySelectorAll('.mural-card img')]"
        ".map(i => [i.naturalWidth, i.naturalHeight])"
    )
    assert all(max(w, h) == 320 for w, h in sizes)
    assert "Amitabha paradise" in page.locator(".mural-grid").text_content()
    periods = page.locator(".period-link[data-period]:not([data-period=''])")
    assert [periods.nth(i).get_attribute("data-period") for i in range(periods.count())] == [
        "western-wei", "early-tang", "high-tang",
    ]
    page.locator(f".mural-card[data-mural='{murals[0].pk}'] a").click()
    page.wait_for_url(f"**/murals/{murals[0].pk}/")
    page.go_back()
    page.wait_for_function(THUMBNAILS_LOADED)
    screenshot("catalogue")


def test_the_period_filter_swaps_the_results_with_htmx_without_a_reload(page, make_mural):
    tang = make_mural(cave=220, period="early-tang")
    make_mural(cave=249, period="western-wei")
    make_mural(cave=285, period="western-wei")
    htmx_requests = []
    page.on(
        "request",
        lambda r: htmx_requests.append(r.url) if r.headers.get("hx-request") == "true" else None,
    )
    page.goto("/")
    page.wait_for_function(THUMBNAILS_LOADED)
    page.evaluate("window.sameDocument = 'yes'")

    swapped_by(page, lambda: page.click(".period-link[data-period='early-tang']"))

    assert page.url.endswith("/?period=early-tang")
    assert page.evaluate("window.sameDocument") == "yes"
    assert any("period=early-tang" in url for url in htmx_requests)
    assert page.locator(".mural-card").count() == 1
    assert page.locator(".mural-card").get_attribute("data-mural") == str(tang.pk)
    assert "current" in page.get_attribute(".period-link[data-period='early-tang']", "class")

    swapped_by(page, lambda: page.select_option("#filter-cave", "220"))
    assert page.url.endswith("/?period=early-tang&cave=220")
    assert page.locator(".mural-card").count() == 1

    swapped_by(page, lambda: page.click(".period-link[data-period='']"))
    assert page.url.endswith("/?cave=220")
    swapped_by(page, lambda: page.select_option("#filter-cave", ""))
    assert page.url.endswith("/")
    assert page.locator(".mural-card").count() == 3
    assert page.evaluate("window.sameDocument") == "yes"

    page.goto("/?period=western-wei")  # the pushed URL is shareable: a fresh load filters too
    assert page.locator(".mural-card").count() == 2


def test_a_bad_filter_shows_the_message_in_the_page(page, make_mural):
    make_mural()

    response = page.goto("/?period=qing")

    assert response.status == 400
    assert "Unknown period" in page.locator(".notice.error").text_content()
