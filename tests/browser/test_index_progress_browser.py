"""Index job progress in headless Chromium: a staff user watches the progress bar of a running
job advance without a page reload, sees "Done" at the end, and the new boxes appear."""

from __future__ import annotations

import pytest

from dunhuang_search.elements.index_jobs import this_worker
from dunhuang_search.elements.models import Category, Element, IndexJob

pytestmark = pytest.mark.browser

PROGRESS = "Number(document.querySelector('#index-status progress').value)"


def test_a_running_job_advances_without_reloading_and_ends_done(
    staff_page, make_mural, screenshot
):
    page = staff_page
    mural = make_mural(width=1200, height=800)
    job = IndexJob.objects.create(
        mural=mural, state="running", phase="tiles", tiles_total=20, tiles_done=2,
        worker=this_worker(),  # this test process: alive, so the job is not taken for dead
    )
    page.goto(f"/murals/{mural.pk}/")
    page.wait_for_function("document.body.dataset.elementsLoaded === '0'")
    assert page.evaluate(PROGRESS) == 7
    assert page.is_disabled("#index-mural")  # staff see the button, idle while a job runs
    page.evaluate("window.sameDocument = true")

    job.tiles_done, job.phase, job.crops_total = 20, "crops", 4
    job.save()
    page.wait_for_function(f"{PROGRESS} >= 70", timeout=10_000)
    assert page.inner_text("#index-status [data-field=phase]") == "crops"
    screenshot("index-progress-running")

    Element.objects.create(
        mural=mural, x=100, y=120, w=80, h=140, category=Category.objects.get(slug="donor"),
        score=0.8, source="detector",
    )
    job.crops_done, job.elements_found = 4, 1
    job.state, job.phase = "done", "finished"
    job.save()
    page.wait_for_selector("#index-status[data-state=done]", timeout=10_000)
    assert page.inner_text("#index-status [data-field=state]") == "Done"
    assert page.evaluate(PROGRESS) == 100
    assert page.evaluate("window.sameDocument === true")  # polled in place, never reloaded
    # the end of the job reloads the overlay: the new element's box is drawn
    page.wait_for_function("document.body.dataset.elementsLoaded === '1'", timeout=10_000)
    assert page.locator("rect.element-box").count() == 1
    assert not page.is_disabled("#index-mural")
    polls = page.evaluate(
        "performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/index-status/')).length"
    )
    page.wait_for_timeout(2500)
    after = page.evaluate(
        "performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/index-status/')).length"
    )
    assert polls >= 2 and after == polls  # polling stopped once the job was done
    screenshot("index-progress-done")
