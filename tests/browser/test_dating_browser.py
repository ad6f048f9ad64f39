"""The dating estimate in the mural viewer, in headless Chromium: loaded by htmx with its
evidence, and accepted into the catalogue by staff (readers get no button)."""

from __future__ import annotations

import pytest

from dunhuang_search.catalogue.models import Mural, MuralPalette
from dunhuang_search.dating.models import Dating
from tests.dating.conftest import DIM, vectors
from tests.factories import add_elements, build_index

pytestmark = pytest.mark.browser

PANEL = "#dating-panel"


@pytest.fixture
def undated(make_mural):
    """An undated mural whose donors look like those of two Sui caves (not like Early Tang),
    and whose wall shares its palette with the two Sui walls (real ingested murals)."""
    for cave, period, axis in [(301, "sui", 0), (302, "sui", 0), (303, "early-tang", 1)]:
        wall = make_mural(width=600, height=400, cave=cave, period=period)
        add_elements(wall, vectors(axis, 4, seed=cave), "donor")
    target = make_mural(width=1200, height=800, cave=400, period="undated")
    for wall in Mural.objects.filter(cave__number__in=[301, 302, 303]):
        same = wall.cave.number != 303
        MuralPalette.store(wall.pk, MuralPalette.of(target.pk) if same else [1.0] + [0.0] * 511)
    add_elements(target, vectors(0, 3, seed=9), "donor")
    build_index(DIM)
    return target


def test_the_viewer_shows_the_estimate_with_its_evidence(page, undated, screenshot):
    page.goto(f"/murals/{undated.pk}/")
    result = page.wait_for_selector(f"{PANEL} .dating-result")
    assert result.get_attribute("data-period") == "sui"
    assert "80% interval" in result.inner_text()
    rows = page.locator(f"{PANEL} table.dating-evidence tbody tr")
    assert rows.count() >= 3
    assert "sui" in rows.first.inner_text()
    walls = page.locator(f"{PANEL} table.dating-palette tbody tr")
    assert walls.count() == 3
    assert "sui" in walls.first.inner_text() and "1.000" in walls.first.inner_text()
    page.wait_for_function(
        "[...document.querySelectorAll('table.dating-palette img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert page.locator("#accept-estimate").count() == 0  # a reader cannot accept
    screenshot("dating-estimate")


def test_staff_accept_the_estimate(staff_page, undated, screenshot):
    page = staff_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/murals/{undated.pk}/")
    page.wait_for_selector(f"{PANEL} .dating-result")
    page.click("#accept-estimate")
    page.wait_for_selector(f"{PANEL} .notice")
    assert "now dates this mural Sui" in page.inner_text(f"{PANEL} .notice")
    assert Mural.objects.get(pk=undated.pk).period.slug == "sui"
    assert Dating.objects.filter(mural=undated, source="assistant").exclude(accepted_at=None)
    screenshot("dating-accepted")
