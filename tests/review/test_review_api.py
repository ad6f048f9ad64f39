"""REST and CLI reviews: the same service behind both, the role checks, 400 / 409 / exit 2."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from dunhuang_search.elements.models import Element
from dunhuang_search.review.models import ReviewEvent
from tests.cli import run_manage

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_review_then_history_then_undo_over_rest(detections, archaeologist_client):
    _, (donor, *_), _ = detections
    url = f"/api/v1/elements/{donor.pk}/review/"
    response = post(archaeologist_client, url, {"state": "rejected", "version": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["element"]["state"] == "rejected" and body["element"]["version"] == 2
    assert body["event"]["user"] == "ana" and body["event"]["changed"] == ["state"]
    response = post(archaeologist_client, f"/api/v1/elements/{donor.pk}/undo/", {"version": 2})
    assert response.status_code == 200 and response.json()["element"]["state"] == "unreviewed"
    history = archaeologist_client.get(f"/api/v1/elements/{donor.pk}/history/").json()
    assert [e["action"] for e in history] == ["undo", "review"]
    assert history[1]["before"]["state"] == "unreviewed" and history[1]["after"]["state"] == (
        "rejected"
    )


def test_a_second_reviewer_with_a_stale_version_gets_409_and_the_current_state(
    detections, archaeologist_client
):
    from .conftest import make_archaeologist

    _, (donor, *_), _ = detections
    url = f"/api/v1/elements/{donor.pk}/review/"
    other = Client()
    other.force_login(make_archaeologist("bo"))
    assert post(archaeologist_client, url, {"state": "accepted", "version": 1}).status_code == 200
    response = post(other, url, {"state": "rejected", "category": "apsara", "version": 1})
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == 409 and "changed since version 1" in body["error"]
    assert body["current"]["state"] == "accepted" and body["current"]["version"] == 2
    stored = Element.objects.get(pk=donor.pk)
    assert (stored.review_state, stored.category.slug) == ("accepted", "donor")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"state": "maybe"}, "state"),
        ({"category": "dragon"}, "unknown category"),
        ({"bbox": [0, 0, 0, 10]}, "zero size"),
        ({"bbox": [9_999, 7_999, 10, 10]}, "outside the mural"),
        ({"bbox": [1, 2, 3]}, "bbox"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_reviews_are_json_400_and_write_nothing(
    detections, archaeologist_client, body, message
):
    _, (donor, *_), _ = detections
    response = post(archaeologist_client, f"/api/v1/elements/{donor.pk}/review/", body)
    assert response.status_code == 400, response.content
    assert message in response.json()["error"]
    assert ReviewEvent.objects.count() == 0 and Element.objects.get(pk=donor.pk).version == 1


def test_unknown_elements_and_dense_windows_are_400(detections, archaeologist_client):
    _, _, dense = detections
    for pk, message in ((999_999, "no element"), (dense.pk, "dense search window")):
        response = post(
            archaeologist_client, f"/api/v1/elements/{pk}/review/", {"state": "accepted"}
        )
        assert response.status_code == 400 and message in response.json()["error"]
        response = archaeologist_client.get(f"/api/v1/elements/{pk}/history/")
        assert response.status_code == 400


def test_anonymous_and_readers_cannot_review(detections, reader_client):
    _, (donor, *_), _ = detections
    for url in (f"/api/v1/elements/{donor.pk}/review/", f"/api/v1/elements/{donor.pk}/undo/"):
        anonymous = post(Client(), url, {"state": "accepted"})
        assert anonymous.status_code in (401, 403) and "error" in anonymous.json()
        reader = post(reader_client, url, {"state": "accepted"})
        assert reader.status_code == 403
    assert ReviewEvent.objects.count() == 0
    assert Element.objects.get(pk=donor.pk).review_state == "unreviewed"


def test_the_cli_reviews_as_a_named_user(detections, archaeologist, capsys):
    _, (donor, *_), _ = detections
    call_command(
        "review",
        str(donor.pk),
        "--state",
        "accepted",
        "--category",
        "apsara",
        "--bbox",
        "100,200,50,80",
        "--user",
        "ana",
        "--json",
    )
    body = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert body["element"]["state"] == "accepted" and body["element"]["category"] == "apsara"
    assert sorted(body["event"]["changed"]) == ["category", "state"]
    call_command("review", str(donor.pk), "--undo", "--user", "ana")
    assert "undo by ana" in capsys.readouterr().out
    assert Element.objects.get(pk=donor.pk).review_state == "unreviewed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "accepted", "--user", "nobody"], "no active user named 'nobody'"),
        (["--state", "sideways", "--user", "ana"], "state must be one of"),
        (["--state", "accepted", "--category", "dragon", "--user", "ana"], "unknown category"),
        (["--state", "accepted", "--bbox", "0,0,0,5", "--user", "ana"], "zero size"),
        (
            ["--state", "accepted", "--expect-version", "7", "--user", "ana"],
            "changed since version 7",
        ),
    ],
)
def test_cli_refusals_exit_2_and_write_nothing(detections, archaeologist, args, message):
    _, (donor, *_), _ = detections
    with pytest.raises(CommandError, match=message) as caught:
        call_command("review", str(donor.pk), *args)
    assert caught.value.returncode == 2
    assert ReviewEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_cli_exits_2_with_one_line_for_an_unknown_element(tmp_path):
    from tests.factories import make_user

    make_user("x")
    result = run_manage("review", "424242", "--state", "accepted", "--user", "x", var_dir=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no element with id 424242" in lines[0]
