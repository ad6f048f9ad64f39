"""The staff upload form in headless Chromium: htmx posts the file, a refusal is shown in the
status line without leaving the page, and an accepted wall opens in the viewer (HX-Redirect)."""

from __future__ import annotations

import re

import pytest

from dunhuang_search.catalogue.models import Mural

pytestmark = pytest.mark.browser


def log_in_to_the_upload_form(page, django_user_model) -> None:
    django_user_model.objects.create_user("curator", password="pigment-220", is_staff=True)
    page.goto("/murals/add/")  # staff only: the admin login sends us back here
    page.fill("#id_username", "curator")
    page.fill("#id_password", "pigment-220")
    page.click("input[type=submit]")
    page.wait_for_url("**/murals/add/")


def test_a_refused_upload_is_explained_in_place(page, django_user_model, tmp_path, screenshot):
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a mural\n" * 50)
    log_in_to_the_upload_form(page, django_user_model)
    page.evaluate("window.sameDocument = true")

    page.set_input_files("#id_image", str(notes))
    page.fill("#id_cave", "220")
    page.click("#upload-form button[type=submit]")

    status = page.locator("#upload-status strong.error")
    status.wait_for()
    assert "Not added: notes.jpg is not an image" in status.inner_text()
    assert status.get_attribute("data-status") == "415"
    assert page.evaluate("window.sameDocument") is True
    assert page.url.endswith("/murals/add/")
    assert not Mural.objects.exists()
    screenshot("upload-refused")


def test_an_accepted_upload_opens_the_new_mural_in_the_viewer(
    page, django_user_model, image_file
):
    log_in_to_the_upload_form(page, django_user_model)

    page.set_input_files("#id_image", str(image_file("wall.png", width=900, height=600)))
    page.fill("#id_cave", "249")
    page.fill("#id_title", "Uploaded wall")
    page.click("#upload-form button[type=submit]")

    page.wait_for_url(re.compile(r"/murals/\d+/$"))
    page.wait_for_function("document.querySelector('#osd').dataset.opened === 'true'")
    mural = Mural.objects.get(title="Uploaded wall")
    assert page.url.endswith(f"/murals/{mural.pk}/")
    assert (mural.width, mural.height, mural.cave.number) == (900, 600, 249)
