"""The style pages in headless Chromium: a style set's page (members, palette, the stylize form
with its strength slider and side-by-side result) and the /styles/ map (click a mural, its
nearest styles in other caves appear)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.factories import ingested_mural, write_pixels

pytestmark = pytest.mark.browser

IMAGES_LOADED = (
    "(sel) => { const imgs = [...document.querySelectorAll(sel)];"
    " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }"
)


@pytest.fixture
def green_set(reference_data, settings, tmp_path):
    from dunhuang_search.styles.members import add_uploads
    from dunhuang_search.styles.models import StyleSet

    settings.STYLE_DIR = tmp_path / "var" / "styles"
    rng = np.random.default_rng(1)
    files = []
    for i in range(3):
        pixels = np.clip((40, 130, 70) + rng.normal(0, 20, (80, 100, 3)), 0, 255)
        files.append(write_pixels(tmp_path / f"g{i}.png", pixels.astype(np.uint8)))
    style_set = StyleSet.objects.create(
        slug="qinglv", name="QingLvShanShui, High Tang", description="green mountains and rivers"
    )
    add_uploads(style_set, files)
    return style_set


def test_a_style_set_page_stylizes_an_upload_side_by_side(
    staff_page, green_set, tmp_path, screenshot
):
    page = staff_page
    page.set_default_timeout(120_000)  # stylizing on two shared cores
    photo = write_pixels(tmp_path / "photo.png", np.full((90, 120, 3), (200, 90, 60), np.uint8))
    page.goto(f"/styles/sets/{green_set.slug}/")
    page.wait_for_function(IMAGES_LOADED, arg=".member img")
    assert page.locator(".member").count() == 3
    assert page.locator(".palette-colour").count() >= 1
    page.set_input_files("#stylize-form input[name=image]", str(photo))
    page.select_option("#stylize-form select[name=method]", "color")
    page.fill("#strength", "0.5")
    page.dispatch_event("#strength", "input")
    page.wait_for_function("document.getElementById('strength-value').textContent === '0.50'")
    page.click("#stylize-form button[type=submit]")
    page.wait_for_selector(".side-by-side")
    page.wait_for_function(IMAGES_LOADED, arg=".side-by-side img")
    assert page.locator(".side-by-side img").count() == 2
    screenshot("styles-set")


def test_the_style_map_shows_nearest_styles_on_click(page, reference_data, tmp_path, screenshot):
    from dunhuang_search.styles.descriptors import describe_murals

    rng = np.random.default_rng(0)
    murals = []
    for i, (cave, period, colour) in enumerate(
        [
            (220, "early-tang", (180, 60, 40)),
            (45, "high-tang", (40, 140, 70)),
            (320, "high-tang", (50, 150, 80)),
        ]
    ):
        pixels = np.clip(np.asarray(colour) + rng.normal(0, 25, (120, 160, 3)), 0, 255)
        murals.append(
            ingested_mural(
                tmp_path / f"m{i}.png", pixels.astype(np.uint8), cave=cave, period=period
            )
        )
    describe_murals(murals)
    page.set_default_timeout(120_000)
    page.goto("/styles/")
    assert page.locator("circle.map-point").count() == 3
    assert page.locator(".legend li").count() == 2
    page.click(f'circle.map-point[data-mural="{murals[1].pk}"]')
    page.wait_for_selector("#nearest .nearest-list li")
    text = page.locator("#nearest").inner_text()
    assert f"Nearest styles to mural {murals[1].pk}" in text
    assert f"Mural {murals[2].pk}" in text and f"Mural {murals[0].pk}" in text
    screenshot("styles-map")
