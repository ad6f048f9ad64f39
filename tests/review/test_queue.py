"""The queue's order, filters and progress, its pages and fragments, and batch reviews."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from django.test import Client

from dunhuang_search.elements.models import Element
from dunhuang_search.review import queue
from dunhuang_search.review.models import ReviewEvent
from dunhuang_search.training.models import DetectorModel
from tests.factories import add_element, add_elements, make_mural

pytestmark = pytest.mark.django_db


def ordered(params: dict | None = None, **kwargs) -> list[int]:
    form = queue.QueueFilterForm(params or {})
    assert form.is_valid(), form.errors
    return [e.pk for e in queue.queue(form, **kwargs)]


def test_uncertainty_first_uses_each_class_threshold(db):
    mural = make_mural()
    DetectorModel.objects.create(
        name="d", weights="w.pt", sha256="0" * 64, classes=["donor", "apsara"], is_active=True,
        metrics={"thresholds": {"donor": 0.3}, "per_category": {"apsara": {"map50_95": 0.2}}},
    )  # fmt: skip
    far = add_element(mural, "donor", score=0.95)  # 0.65 from 0.3
    near_donor = add_element(mural, "donor", score=0.33)  # 0.03
    below = add_element(mural, "donor", score=0.2)  # 0.10
    apsara = add_element(mural, "apsara", score=0.55)  # 0.05 from the default 0.5
    apsara_tie = add_element(mural, "apsara", score=0.45)  # 0.05
    add_element(mural, "donor", score=0.31, review_state="accepted")  # not waiting
    add_element(mural, None, score=None, source="dense")  # not an element
    got = ordered()
    assert got == [near_donor.pk, apsara.pk, apsara_tie.pk, below.pk, far.pk]
    assert ordered(limit=2) == [near_donor.pk, apsara.pk]
    assert ordered(skip=[near_donor.pk], limit=1) == [apsara.pk]


def test_filters_and_progress(db):
    south, north = make_mural(cave=220), make_mural(cave=45, period="high-tang")
    a = add_element(south, "donor", score=0.4, model_version="v1")
    add_element(south, "donor", score=0.6, model_version="v2", review_state="rejected")
    b = add_element(north, "apsara", score=0.7, model_version="v1")
    c = add_element(north, "apsara", score=0.2, source="proposal", confident=False)
    assert ordered({"cave": 220}) == [a.pk]
    assert ordered({"period": "high-tang", "order": "position"}) == sorted([b.pk, c.pk])
    assert ordered({"detector": "v1", "score_min": 0.5}) == [b.pk]
    assert ordered({"source": "proposal"}) == [c.pk]
    assert ordered({"category": "donor", "mural": south.pk}) == [a.pk]
    form = queue.QueueFilterForm({"cave": 220})
    assert form.is_valid()
    shown = queue.progress(form)
    assert (shown.reviewed, shown.total, shown.percent) == (1, 2, 50)
    assert not queue.QueueFilterForm({"score_min": 0.8, "score_max": 0.2}).is_valid()
    assert not queue.QueueFilterForm({"order": "similarity"}).is_valid()


def test_a_selection_of_ids_narrows_the_queue_and_its_progress(db, archaeologist_client):
    mural = make_mural()
    a, b, c = (add_element(mural, "donor", score=s) for s in (0.4, 0.6, 0.7))
    done = add_element(mural, "donor", score=0.5, review_state="accepted")
    chosen = f"{c.pk}, {a.pk},{done.pk},{a.pk}"
    assert sorted(ordered({"ids": chosen})) == [a.pk, c.pk]
    form = queue.QueueFilterForm({"ids": chosen})
    assert form.is_valid() and form.cleaned_data["ids"] == [c.pk, a.pk, done.pk]
    shown = queue.progress(form)
    assert (shown.reviewed, shown.total) == (1, 3)
    assert b.pk not in ordered({"ids": chosen})
    for bad in ("1,two", ",".join(str(i) for i in range(1, queue.MAX_SELECTION + 2))):
        assert "ids" in queue.QueueFilterForm({"ids": bad}).errors
    page = archaeologist_client.get("/review/", {"ids": f"{a.pk},{done.pk}"}).content.decode()
    assert "A selection of 2 elements" in page
    assert f'data-element-id="{a.pk}"' in page and f'data-element-id="{c.pk}"' not in page
    assert f'name="ids" value="{a.pk},{done.pk}"' in page  # kept by the filter form's changes


def test_similarity_order(db):
    mural = make_mural()
    probe, near, far = add_elements(mural, np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 1]]))
    assert ordered({"order": "similarity", "similar_to": probe.pk}) == [near.pk, far.pk]


def test_the_page_shows_cards_with_the_box_drawn_in_a_larger_region(
    detections, archaeologist_client
):
    mural, (donor, apsara, low), _ = detections
    response = archaeologist_client.get("/review/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(f'data-element-id="{donor.pk}"') < html.index(
        f'data-element-id="{apsara.pk}"'
    )  # 0.45 is nearer 0.5 than 0.9 is
    # donor (100, 200, 50, 80) in a region grown by its size: (50, 120, 150, 240)
    assert f"/iiif/3/{mural.pk}/50,120,150,240/150,240/0/default.jpg" in html
    assert 'x="50" y="80" width="50" height="80"' in html
    assert "<strong data-reviewed>0</strong> reviewed of <strong data-total>3</strong>" in html
    assert "<script>" not in html and 'src="/static/js/review/queue.js"' in html
    fragment = archaeologist_client.get("/review/cards/", {"category": "apsara"})
    assert f'data-element-id="{apsara.pk}"' in fragment.content.decode()
    assert f'data-element-id="{donor.pk}"' not in fragment.content.decode()
    bad = archaeologist_client.get("/review/cards/", {"score_min": "lots"})
    assert "Fix the filters" in bad.content.decode()


def test_history_fragment_lists_what_changed(detections, archaeologist, archaeologist_client):
    from dunhuang_search.review.actions import apply_review

    _, (donor, *_), _ = detections
    apply_review(donor.pk, archaeologist, {"state": "accepted", "category": "apsara"})
    html = archaeologist_client.get(f"/review/elements/{donor.pk}/history/").content.decode()
    assert "ana: review" in html and "state unreviewed → accepted" in html
    assert "category donor → apsara" in html


@pytest.mark.parametrize(
    "url", ["/review/", "/review/cards/", "/review/progress/", "/review/elements/1/history/"]
)
def test_pages_need_the_archaeologist_role(db, reader_client, url):
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert reader_client.get(url).status_code == 403


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_batch_reviews_all_waiting_and_skips_the_reviewed(detections, archaeologist_client):
    _, (donor, apsara, low), _ = detections
    Element.objects.filter(pk=low.pk).update(review_state="rejected")
    ids = [donor.pk, apsara.pk, low.pk]
    response = post(
        archaeologist_client, "/api/v1/review/batch/", {"ids": ids, "state": "accepted"}
    )
    assert response.status_code == 200
    assert response.json() == {"reviewed": [donor.pk, apsara.pk], "skipped": [low.pk]}
    assert ReviewEvent.objects.count() == 2
    bad = post(
        archaeologist_client,
        "/api/v1/review/batch/",
        {"ids": [donor.pk, 999_999], "state": "rejected"},
    )
    assert bad.status_code == 400 and "no element" in bad.json()["error"]
    assert ReviewEvent.objects.count() == 2  # all or none
    assert Element.objects.get(pk=donor.pk).review_state == "accepted"


def test_similar_ones_and_the_rest_of_the_mural(db, archaeologist_client, reader_client):
    mural, other = make_mural(), make_mural()
    probe, near, far = add_elements(mural, np.array([[1, 0, 0], [0.95, 0.1, 0], [0, 0, 1]]))
    (elsewhere,) = add_elements(other, np.array([[0.9, 0.05, 0]]))
    (other_class,) = add_elements(mural, np.array([[1, 0.01, 0]]), category_slug="donor", x=50)
    body = archaeologist_client.get(
        f"/api/v1/elements/{probe.pk}/similar/", {"threshold": 0.9}
    ).json()
    assert body["ids"] == [elsewhere.pk, near.pk] and body["count"] == 2
    assert all(score >= 0.9 for score in body["scores"])
    assert (
        archaeologist_client.get(
            f"/api/v1/elements/{probe.pk}/similar/", {"threshold": 2}
        ).status_code
        == 400
    )
    rest = archaeologist_client.get(f"/api/v1/elements/{probe.pk}/mural-remaining/").json()
    assert rest["ids"] == sorted([probe.pk, near.pk, far.pk, other_class.pk])
    assert reader_client.get(f"/api/v1/elements/{probe.pk}/similar/").status_code == 403
    assert Client().get(f"/api/v1/elements/{probe.pk}/mural-remaining/").status_code in (401, 403)


def test_bench_review_measures_and_deletes_what_it_made(db, capsys):
    from django.core.management import call_command

    before = Element.objects.count()
    call_command("bench_review", "--n", "50", "--repeat", "2", "--json")
    body = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert body["n"] == 50 and body["queue_page"]["p95_ms"] > 0
    assert body["review_action"]["p95_ms"] > 0
    assert Element.objects.count() == before and ReviewEvent.objects.count() == 0


def test_category_and_period_are_chosen_from_lists(archaeologist_client):
    html = archaeologist_client.get("/review/").content.decode()
    assert '<select name="category"' in html and '<option value="apsara">Apsara</option>' in html
    assert '<option value="high-tang">High Tang 盛唐</option>' in html
    periods = re.findall(r'<option value="([a-z-]+)">[^<]*[\u4e00-\u9fff]', html)
    assert periods.index("northern-wei") < periods.index("high-tang") < periods.index("yuan")
    form = queue.QueueFilterForm({"category": "dragon"})
    assert not form.is_valid() and "category" in form.errors
