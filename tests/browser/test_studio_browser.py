"""The restoration studio in headless Chromium: an archaeologist opens a region, brushes a mask
over the deep-zoom viewer, runs telea, watches the polled progress, then sees before and after."""

from __future__ import annotations

import time

import numpy as np
import pytest

from dunhuang_search.studio import restoring
from dunhuang_search.studio.models import Derivative
from indexer.imagery import Pyramid

pytestmark = pytest.mark.browser

STATE = "document.querySelector('#restoration-job')?.dataset.state"


@pytest.fixture
def slow_restore(monkeypatch):
    """Restorations take 2 s longer, so the page is seen while the job runs."""
    real = restoring.restore

    def slow(*args, **kwargs):
        time.sleep(2)
        return real(*args, **kwargs)

    monkeypatch.setattr(restoring, "restore", slow)


def test_brush_a_mask_run_telea_watch_progress_then_compare(
    archaeologist_page, make_mural, slow_restore, screenshot
):
    page = archaeologist_page
    mural = make_mural(width=1200, height=800)
    page.goto(f"/studio/?mural={mural.pk}&region=400,300,256,256")
    page.wait_for_selector("#studio-osd[data-ready=true]")
    page.check("#tool-brush")
    osd = page.locator("#studio-osd").bounding_box()
    cx, cy = osd["x"] + osd["width"] / 2, osd["y"] + osd["height"] / 2
    page.mouse.move(cx - 40, cy)
    page.mouse.down()
    page.mouse.move(cx + 40, cy + 20, steps=12)
    page.mouse.up()
    page.wait_for_function("Number(document.querySelector('#mask-status').dataset.lost) > 0")
    brushed = int(page.get_attribute("#mask-status", "data-lost"))
    # the eraser takes some of it back
    page.check("#tool-eraser")
    page.mouse.move(cx + 30, cy + 15)
    page.mouse.down()
    page.mouse.move(cx + 40, cy + 20, steps=4)
    page.mouse.up()
    page.wait_for_function(
        f"Number(document.querySelector('#mask-status').dataset.lost) < {brushed}"
    )
    lost = int(page.get_attribute("#mask-status", "data-lost"))
    screenshot("studio-brushed")

    page.select_option("#method", "telea")
    page.click("#run-restore")
    page.wait_for_function(f"{STATE} === 'running'", timeout=10_000)
    assert page.locator("#restoration-job progress").count() == 1
    screenshot("studio-running")
    page.wait_for_function(f"{STATE} === 'done'", timeout=20_000)
    assert page.evaluate("Number(document.querySelector('#restoration-job progress').value)") == 100

    # before/after: both images load, the slider moves the divide
    page.wait_for_function(
        "[...document.querySelectorAll('#restoration-job .compare img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    page.fill("#restoration-job [data-compare-slider]", "20")
    page.dispatch_event("#restoration-job [data-compare-slider]", "input")
    clip = page.evaluate("document.querySelector('#restoration-job .compare-after').style.clipPath")
    assert "20%" in clip
    assert page.locator("#restoration-job .side-by-side img").count() == 2
    screenshot("studio-done")

    row = Derivative.objects.get()
    assert (row.method, row.bbox, row.author.username) == ("telea", [400, 300, 256, 256],
                                                           "ana")  # fmt: skip
    assert row.inputs["mask"]["kind"] == "upload"
    assert abs(row.inputs["mask"]["lost_pixels"] - lost) <= max(8, lost * 0.02)
    from dunhuang_search.studio import derivatives

    saved = np.asarray(Pyramid(derivatives.image_path(row)).read_full_res(0, 0, 256, 256))
    assert saved.shape == (256, 256, 3)
