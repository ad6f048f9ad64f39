"""Driving the mural viewer from browser tests: open a mural, draw a box in mural pixels."""

from __future__ import annotations


def open_viewer(tab, mural) -> None:
    tab.goto(f"/murals/{mural.pk}/")
    tab.wait_for_function("document.querySelector('#osd').dataset.opened === 'true'")
    tab.wait_for_function("document.body.dataset.elementsLoaded !== undefined")


def draw(tab, box) -> None:
    """Drags `box` (mural px) through the viewer's own mapping, with "Draw box" on."""
    corners = tab.evaluate(
        """([x, y, w, h]) => {
             const vp = muralViewer.viewer.viewport;
             const r = muralViewer.viewer.canvas.getBoundingClientRect();
             return [[x, y], [x + w, y + h]].map(([px, py]) => {
               const p = vp.imageToViewerElementCoordinates(new OpenSeadragon.Point(px, py));
               return [r.left + p.x, r.top + p.y];
             }); }""",
        list(box),
    )
    if tab.get_attribute("#draw-box", "aria-pressed") != "true":
        tab.click("#draw-box")
    tab.mouse.move(*corners[0])
    tab.mouse.down()
    tab.mouse.move(*corners[1], steps=10)
    tab.mouse.up()
