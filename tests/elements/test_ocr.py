"""Inscription OCR: RapidOCR reads known Chinese text, indexing stores text for inscription
elements only, and a reviewer's correction survives re-OCR and re-indexing.

Text is rendered with a system CJK font (the tests skip without one); RapidOCR's models come
from its wheel, nothing is downloaded.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.test import Client

from dunhuang_search.elements.inscriptions import (
    correct_inscription,
    read_mural_inscriptions,
    unread_inscriptions,
)
from dunhuang_search.elements.models import Element
from indexer.imagery import Pyramid
from indexer.ocr import InscriptionReader, TextLine, crop_with_margin, reading_order
from tests.elements.ocr_images import text_panel, wall_with_panels
from tests.factories import add_element, ingested_mural, make_user

COLUMNS = ["南无阿弥陀佛", "供养人题记"]  # read right column first
ROW = "敦煌莫高窟"


@pytest.fixture(scope="module")
def reader() -> InscriptionReader:
    return InscriptionReader(threads=2)


def line(text: str, x0: float, y0: float, x1: float, y1: float) -> TextLine:
    return TextLine(text, 0.9, (x0, y0, x1, y1))


# ---- reading order (no OCR) ----


def test_vertical_columns_are_read_right_to_left_each_top_to_bottom():
    lines = [line("供养人", 10, 0, 40, 120), line("南无阿弥陀佛", 60, 0, 90, 240)]
    assert reading_order(lines) == ["南无阿弥陀佛", "供养人"]


def test_stacked_single_characters_form_columns():
    chars = [line(c, 60, i * 50, 100, i * 50 + 40) for i, c in enumerate("南无阿")]
    chars += [line(c, 0, i * 50, 40, i * 50 + 40) for i, c in enumerate("供养")]
    assert reading_order(chars[::-1]) == ["南无阿", "供养"]


def test_single_characters_side_by_side_form_a_row():
    chars = [line(c, i * 50, 10, i * 50 + 40, 50) for i, c in enumerate("敦煌莫")]
    assert reading_order(chars[::-1]) == ["敦煌莫"]


def test_horizontal_rows_are_read_top_to_bottom_each_left_to_right():
    lines = [line("第二行", 0, 60, 200, 90), line("Cave", 0, 0, 90, 30)]
    lines.append(line("220", 100, 0, 160, 30))
    assert reading_order(lines) == ["Cave 220", "第二行"]


def test_the_crop_margin_is_clipped_to_the_mural():
    assert crop_with_margin(0, 0, 100, 50, 1000, 800) == (0, 0, 106, 54)
    assert crop_with_margin(950, 780, 50, 20, 1000, 800) == (946, 776, 1000, 800)


# ---- RapidOCR on known text ----


def test_rapidocr_reads_a_rendered_vertical_inscription(reader):
    reading = reader.read_array(text_panel(COLUMNS))
    assert reading.text == "\n".join(COLUMNS)
    assert 0.8 < reading.confidence <= 1.0
    assert reading.confidence == pytest.approx(np.mean([ln.score for ln in reading.lines]), 1e-3)


def test_rapidocr_reads_a_rendered_horizontal_line(reader):
    reading = reader.read_array(text_panel([ROW], vertical=False))
    assert reading.text == ROW


def test_a_blank_panel_reads_as_no_text_with_zero_confidence(reader):
    blank = np.full((200, 120, 3), 230, np.uint8)
    reading = reader.read_array(blank)
    assert reading.text == "" and reading.confidence == 0.0


# ---- through Django: the pyramid, the rows, corrections ----


def inscribed_mural(tmp_path):
    """A 1600x1000 wall with a vertical inscription at (1200, 150) and a row of text under a
    donor box at (200, 700); returns the mural and the two panels' boxes."""
    vertical = text_panel(COLUMNS)
    horizontal = text_panel([ROW], vertical=False)
    pixels = wall_with_panels(1600, 1000, [(1200, 150, vertical), (200, 700, horizontal)])
    mural = ingested_mural(tmp_path / "inscribed.png", pixels)
    return (
        mural,
        (1200, 150, vertical.shape[1], vertical.shape[0]),
        (200, 700, horizontal.shape[1], horizontal.shape[0]),
    )


def make_element(mural, box, slug, **fields) -> Element:
    x, y, w, h = box
    fields = {"score": None, "source": "manual", **fields}
    return add_element(mural, slug, x=x, y=y, w=w, h=h, **fields)


@pytest.mark.django_db
def test_a_box_is_read_from_the_pyramid_without_the_whole_mural(tmp_path, reader):
    mural, inscription_box, _ = inscribed_mural(tmp_path)
    reading = reader.read_box(Pyramid(mural.pyramid_path), *inscription_box)
    assert reading.text == "\n".join(COLUMNS)


@pytest.mark.django_db
def test_indexing_stores_ocr_text_for_inscription_elements_only(index, tmp_path):
    mural, inscription_box, row_box = inscribed_mural(tmp_path)
    inscription = make_element(mural, inscription_box, "inscription", source="manual")
    donor = make_element(mural, row_box, "donor", source="manual")  # text, but not an inscription
    reports = []
    index([mural], progress=lambda m: lambda *args: reports.append(args))

    inscription.refresh_from_db()
    donor.refresh_from_db()
    assert inscription.ocr_text == "\n".join(COLUMNS)
    assert 0.8 < inscription.ocr_confidence <= 1.0
    assert donor.ocr_text == "" and donor.ocr_confidence is None
    others = Element.objects.filter(mural=mural).exclude(pk__in=[inscription.pk, donor.pk])
    for element in others:  # the tiny detector's own boxes: read if and only if inscriptions
        read = element.ocr_confidence is not None
        assert read == (element.category.slug == "inscription"), element
    read_count = 1 + others.filter(category__slug="inscription").count()
    assert ("ocr", read_count, read_count) in reports
    assert not unread_inscriptions(mural).exists()


@pytest.mark.django_db
def test_a_reviewers_correction_sticks_across_re_ocr_and_re_indexing(index, tmp_path):
    mural, inscription_box, _ = inscribed_mural(tmp_path)
    detected = make_element(mural, inscription_box, "inscription", source="detector", score=0.7)
    assert read_mural_inscriptions(mural) == 1
    detected.refresh_from_db()
    assert detected.ocr_text == "\n".join(COLUMNS)

    reviewer = make_user("reviewer", staff=True)
    corrected = correct_inscription(detected.pk, " 南無阿彌陀佛\r\n供養人題記 ", reviewer)
    assert corrected.ocr_text == "南無阿彌陀佛\n供養人題記"
    assert corrected.ocr_confidence is None
    assert corrected.reviewed_by == reviewer and corrected.reviewed_at is not None
    assert corrected.review_state == Element.Review.ACCEPTED  # so re-indexing keeps the row

    assert read_mural_inscriptions(mural) == 0  # re-OCR passes it by
    index([mural])  # re-indexing replaces unreviewed detector rows only
    detected.refresh_from_db()
    assert detected.ocr_text == "南無阿彌陀佛\n供養人題記" and detected.ocr_confidence is None


@pytest.mark.django_db
def test_a_correction_made_while_ocr_runs_is_not_overwritten(tmp_path):
    mural, inscription_box, _ = inscribed_mural(tmp_path)
    element = make_element(mural, inscription_box, "inscription", source="manual")
    reviewer = make_user("reviewer", staff=True)

    class CorrectedMeanwhile(InscriptionReader):
        def read_box(self, pyramid, x, y, w, h):
            reading = super().read_box(pyramid, x, y, w, h)
            correct_inscription(element.pk, "題記", reviewer)  # saved before the reading is
            return reading

    read_mural_inscriptions(mural, reader=CorrectedMeanwhile(threads=2))
    element.refresh_from_db()
    assert element.ocr_text == "題記" and element.ocr_confidence is None


@pytest.mark.django_db
def test_a_rejected_element_stays_rejected_when_its_text_is_corrected(tmp_path):
    mural, inscription_box, _ = inscribed_mural(tmp_path)
    element = make_element(mural, inscription_box, "inscription", review_state="rejected")
    reviewer = make_user("reviewer", staff=True)
    assert correct_inscription(element.pk, "", reviewer).review_state == "rejected"


# ---- the staff endpoint, elements.json and the admin ----


@pytest.mark.django_db
def test_staff_correct_text_over_json_and_others_are_refused(tmp_path, staff_client):
    mural, inscription_box, _ = inscribed_mural(tmp_path)
    element = make_element(
        mural, inscription_box, "inscription", ocr_text="南无", ocr_confidence=0.6
    )
    url = f"/elements/{element.pk}/ocr/"
    body = json.dumps({"text": "南无阿弥陀佛"})

    anonymous = Client().post(url, body, content_type="application/json")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    visitor = Client()
    visitor.force_login(make_user("visitor"))
    assert visitor.post(url, body, content_type="application/json").status_code == 403

    staff = staff_client
    answer = staff.post(url, body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["ocr_text"] == "南无阿弥陀佛" and answer.json()["ocr_source"] == "reviewer"
    assert answer.json()["ocr_confidence"] is None and answer.json()["review_state"] == "accepted"

    bad_json = staff.post(url, "{not json", content_type="application/json")
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]
    no_text = staff.post(url, json.dumps({"words": 1}), content_type="application/json")
    assert no_text.status_code == 400
    not_a_string = staff.post(url, json.dumps({"text": 5}), content_type="application/json")
    assert not_a_string.status_code == 400 and "string" in not_a_string.json()["error"]
    missing = staff.post("/elements/999999/ocr/", body, content_type="application/json")
    assert missing.status_code == 404 and "999999" in missing.json()["error"]
    assert staff.post(url, {"text": "題記"}).json()["ocr_text"] == "題記"  # a form post too
    element.refresh_from_db()
    assert element.ocr_text == "題記"


@pytest.mark.django_db
def test_elements_json_and_the_api_carry_the_text_and_its_confidence(tmp_path):
    mural, inscription_box, _ = inscribed_mural(tmp_path)
    element = make_element(
        mural, inscription_box, "inscription", ocr_text="南无阿弥陀佛", ocr_confidence=0.93
    )
    listed = Client().get(f"/murals/{mural.pk}/elements.json").json()["elements"][0]
    assert listed["ocr_text"] == "南无阿弥陀佛" and listed["ocr_confidence"] == 0.93
    assert listed["ocr_source"] == "ocr"
    api = Client().get(f"/api/v1/elements/{element.pk}/").json()
    assert api["ocr_text"] == "南无阿弥陀佛" and api["ocr_confidence"] == 0.93


@pytest.mark.django_db
def test_editing_the_text_in_the_admin_records_a_review(tmp_path, django_user_model):
    mural, inscription_box, _ = inscribed_mural(tmp_path)
    element = make_element(
        mural, inscription_box, "inscription", ocr_text="南无", ocr_confidence=0.6
    )
    admin = django_user_model.objects.create_superuser("admin", password="x")
    client = Client()
    client.force_login(admin)
    url = f"/admin/elements/element/{element.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        mural=mural.pk, category=element.category_id, ocr_text="南无阿弥陀佛",
        review_state="unreviewed", source="manual", notes="",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    element.refresh_from_db()
    assert element.ocr_text == "南无阿弥陀佛" and element.ocr_confidence is None
    assert element.reviewed_by == admin and element.review_state == "accepted"
