"""The mural viewer in headless Chromium: tiles load, boxes are drawn and reported, overlays
are shown in category colours and stay on their spot while zooming, deep links zoom in.
"""
from __future__ import annotations

import pytest
import pyvips

from dunhuang_search.elements.models import Category, Element

pytestmark = pytest.mark.browser

OPENED = "document.querySelector('#osd').dataset.opened === 'true'"
FULLY_LOADED = (
    "window.muralViewer && muralViewer.viewer.world.getItemCount() > 0"
    " && muralViewer.viewer.world.getItemAt(0).getFullyLoaded()"
)


def open_viewer(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(OPENED)
    page.wait_for_function(FULLY_LOADED)


def canvas_box(page) -> dict[str, float]:
    """Where OpenSeadragon's canvas (the viewer inside its border) lies on the page."""
    return page.evaluate(
        "(() => { const r = muralViewer.viewer.canvas.getBoundingClientRect();"
        " return {x: r.left, y: r.top, width: r.width, height: r.height}; })()"
    )


def wait_until_still(page) -> None:
    page.wait_for_function(
        "(() => { const v = muralViewer.viewer.viewport;"
        " return v.zoomSpring.isAtTargetValue() && v.centerSpringX.isAtTargetValue()"
        " && v.centerSpringY.isAtTargetValue(); })()"
    )
    page.wait_for_function(FULLY_LOADED)


def test_the_viewer_loads_iiif_tiles_into_a_non_blank_canvas(page, make_mural, screenshot):
    mural = make_mural(title="Western Pure Land")
    tiles = []
    page.on(
        "response",
        lambda r: tiles.append(r.url)
        if f"/iiif/3/{mural.pk}/" in r.url and r.url.endswith("/default.jpg") and r.ok
        else None,
    )

    open_viewer(page, f"/murals/{mural.pk}/")

    assert len(tiles) > 0
    assert page.evaluate("muralViewer.viewer.world.getItemAt(0).source.width") == mural.width
    shot = pyvips.Image.new_from_buffer(page.locator("#osd").screenshot(), "")
    centre = shot.crop(shot.width // 4, shot.height // 4, shot.width // 2, shot.height // 2)
    assert centre.deviate() > 10, "the mural area of the canvas is flat: no tiles drawn"
    assert centre.avg() > 60, "the canvas shows only the dark background"
    screenshot("viewer")


def test_drawing_a_box_reports_it_in_mural_pixels(page, make_mural, screenshot):
    mural = make_mural()
    open_viewer(page, f"/murals/{mural.pk}/")
    page.evaluate(
        "window.drawn = []; document.addEventListener('mural:boxdrawn', e => drawn.push(e.detail))"
    )
    centre_before = page.evaluate("muralViewer.viewer.viewport.getCenter(true).toString()")
    osd = canvas_box(page)
    start = (osd["x"] + osd["width"] * 0.35, osd["y"] + osd["height"] * 0.3)
    end = (osd["x"] + osd["width"] * 0.6, osd["y"] + osd["height"] * 0.55)

    page.click("#draw-box")
    assert page.get_attribute("#draw-box", "aria-pressed") == "true"
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()
    page.wait_for_function("window.drawn.length > 0")

    detail = page.evaluate("window.drawn[0]")
    assert detail["mural"] == mural.pk
    expected = page.evaluate(
        """([a, b]) => [a, b].map(([x, y]) => muralViewer.viewer.viewport
               .viewerElementToImageCoordinates(new OpenSeadragon.Point(x, y)))
               .map(p => [p.x, p.y])""",
        [[start[0] - osd["x"], start[1] - osd["y"]], [end[0] - osd["x"], end[1] - osd["y"]]],
    )
    (ex0, ey0), (ex1, ey1) = expected
    slack = 1 + mural.width / osd["width"]  # one screen pixel, in mural pixels, plus rounding
    assert all(isinstance(detail[k], int) for k in "xywh")
    assert abs(detail["x"] - ex0) <= slack and abs(detail["y"] - ey0) <= slack
    assert abs(detail["x"] + detail["w"] - ex1) <= slack
    assert abs(detail["y"] + detail["h"] - ey1) <= slack
    assert 0 <= detail["x"] and detail["x"] + detail["w"] <= mural.width
    assert 0 <= detail["y"] and detail["y"] + detail["h"] <= mural.height
    assert detail["w"] > mural.width * 0.1 and detail["h"] > mural.height * 0.1

    shown = page.locator("#drawn-box")
    assert shown.is_visible()
    values = [detail[k] for k in "xywh"]
    assert shown.text_content() == ", ".join(str(v) for v in values)
    assert [int(shown.get_attribute(f"data-{k}")) for k in "xywh"] == values
    assert page.evaluate("muralViewer.viewer.viewport.getCenter(true).toString()") == centre_before
    link = page.get_attribute("#drawn-box-panel [data-field=link]", "href")
    assert link.endswith(f"?box={','.join(str(v) for v in values)}")
    screenshot("viewer-drawn-box")

    page.click("#draw-box")
    assert page.get_attribute("#draw-box", "aria-pressed") == "false"


def test_a_box_drawn_past_the_edge_is_clipped_to_the_mural(page, make_mural):
    mural = make_mural(width=1200, height=1200)
    open_viewer(page, f"/murals/{mural.pk}/")
    page.evaluate(
        "window.drawn = []; document.addEventListener('mural:boxdrawn', e => drawn.push(e.detail))"
    )
    osd = canvas_box(page)

    page.click("#draw-box")
    page.mouse.move(osd["x"] + osd["width"] * 0.5, osd["y"] + osd["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(osd["x"] - 30, osd["y"] - 30, steps=10)  # past the viewer's top-left corner
    page.mouse.up()
    page.wait_for_function("window.drawn.length > 0")

    detail = page.evaluate("window.drawn[0]")
    assert detail["x"] == 0 and detail["y"] == 0
    assert 0 < detail["w"] <= mural.width and 0 < detail["h"] <= mural.height


def test_element_overlays_are_drawn_in_category_colours_and_follow_the_zoom(
    page, make_mural, screenshot
):
    mural = make_mural()
    donor = Category.objects.get(slug="donor")
    apsara = Category.objects.get(slug="apsara")
    Element.objects.create(mural=mural, x=200, y=300, w=400, h=500, category=donor, score=0.91,
                           source="detector")
    Element.objects.create(mural=mural, x=1500, y=200, w=600, h=300, category=apsara, score=0.77,
                           source="detector")

    open_viewer(page, f"/murals/{mural.pk}/")
    page.wait_for_function("document.body.dataset.elementsLoaded === '2'")

    boxes = page.locator("#osd svg rect.element-box")
    assert boxes.count() == 2
    assert sorted(boxes.nth(i).get_attribute("stroke") for i in range(2)) == sorted(
        [donor.color, apsara.color]
    )
    assert_boxes_sit_on_their_image_coordinates(page)
    screenshot("viewer-overlays")

    page.evaluate("muralViewer.viewer.viewport.zoomTo(3, new OpenSeadragon.Point(0.2, 0.2))")
    wait_until_still(page)
    assert_boxes_sit_on_their_image_coordinates(page)

    page.uncheck(f"input[data-legend-category='{donor.slug}']")
    assert not page.locator(f"#osd svg g[data-category='{donor.slug}']").is_visible()
    page.check(f"input[data-legend-category='{donor.slug}']")


def test_clicking_a_box_shows_the_element_details(page, make_mural):
    mural = make_mural()
    element = Element.objects.create(
        mural=mural, x=800, y=500, w=600, h=500, category=Category.objects.get(slug="apsara"),
        score=0.83, source="detector",
    )
    open_viewer(page, f"/murals/{mural.pk}/")
    page.wait_for_function("document.body.dataset.elementsLoaded === '1'")
    zoom_before = page.evaluate("muralViewer.viewer.viewport.getZoom()")

    rect = page.locator("#osd svg rect.element-box").bounding_box()
    page.mouse.click(rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2)

    details = page.locator("#element-details")
    details.wait_for(state="visible")
    assert "Apsara" in details.text_content()
    assert f"#{element.pk}" in details.text_content()
    assert "800, 500, 600, 500" in details.text_content()
    assert "0.83" in details.text_content()
    assert page.evaluate("muralViewer.viewer.viewport.getZoom()") == zoom_before


def test_a_box_deep_link_zooms_to_and_highlights_the_box(page, make_mural):
    mural = make_mural()

    open_viewer(page, f"/murals/{mural.pk}/?box=1800,1200,200,150")

    assert page.evaluate("muralViewer.viewer.viewport.getZoom()") > 2
    focus = page.locator("#osd svg rect.focus-box")
    assert focus.is_visible()
    assert [focus.get_attribute(a) for a in ("x", "y", "width", "height")] == [
        "1800", "1200", "200", "150",
    ]
    osd = page.locator("#osd").bounding_box()
    shown = focus.bounding_box()
    assert osd["x"] < shown["x"] < shown["x"] + shown["width"] < osd["x"] + osd["width"]
    assert osd["y"] < shown["y"] < shown["y"] + shown["height"] < osd["y"] + osd["height"]


def test_an_element_deep_link_selects_the_element(page, make_mural):
    mural = make_mural()
    element = Element.objects.create(mural=mural, x=100, y=100, w=120, h=90,
                                     category=Category.objects.get(slug="inscription"))

    open_viewer(page, f"/murals/{mural.pk}/?element={element.pk}")

    page.locator("#element-details").wait_for(state="visible")
    assert "Inscription" in page.locator("#element-details").text_content()
    assert page.locator("#osd svg rect.element-box.selected").count() == 1
    assert page.evaluate("muralViewer.viewer.viewport.getZoom()") > 2


def assert_boxes_sit_on_their_image_coordinates(page, tolerance: float = 2.5) -> None:
    """Each overlay rect's on-screen box matches OpenSeadragon's own image->screen mapping."""
    pairs = page.evaluate(
        """() => {
            const v = muralViewer.viewer, osd = v.canvas.getBoundingClientRect();
            return [...document.querySelectorAll('#osd svg rect.element-box')].map(r => {
                const x = +r.getAttribute('x'), y = +r.getAttribute('y');
                const w = +r.getAttribute('width'), h = +r.getAttribute('height');
                const a = v.viewport.imageToViewerElementCoordinates(new OpenSeadragon.Point(x, y));
                const b = v.viewport.imageToViewerElementCoordinates(
                    new OpenSeadragon.Point(x + w, y + h));
                const s = r.getBoundingClientRect();
                return [[a.x + osd.left, a.y + osd.top, b.x + osd.left, b.y + osd.top],
                        [s.left, s.top, s.right, s.bottom]];
            });
        }"""
    )
    for expected, shown in pairs:
        # the stroke widens the client rect by half its width on each side
        for e, s in zip(expected, shown, strict=True):
            assert abs(e - s) <= tolerance, (expected, shown)
