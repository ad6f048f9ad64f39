"""Observability: `/healthz` (database, FAISS file, active detector weights) and one JSON log
line per request."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from django.db import OperationalError, connection
from django.test import Client

from dunhuang_search.training.models import DetectorModel
from indexer.vectors import VectorIndex
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def vector_file(settings):
    """A real (small) FAISS file where search reads it."""
    index = VectorIndex("test-embedder", 8)
    index.add(np.arange(1, 4), np.eye(3, 8, dtype=np.float32))
    index.save(settings.VECTOR_INDEX_PATH)
    return settings.VECTOR_INDEX_PATH


def health(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_a_healthy_site_answers_200_with_every_check(client, vector_file, settings):
    status, body = health(client)
    assert status == 200 and body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "vector_index", "detector"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["detector"]["path"] == str(settings.DETECTOR_WEIGHTS)
    index = body["checks"]["vector_index"]
    assert (index["embedder"], index["dim"], index["count"]) == ("test-embedder", 8, 3)


def test_a_missing_faiss_file_is_503_and_says_how_to_heal(client):
    status, body = health(client)
    assert status == 503 and body["failed"] == ["vector_index"]
    assert (
        "is missing; run `python manage.py rebuild_index`"
        in body["checks"]["vector_index"]["error"]
    )


@pytest.mark.parametrize(
    ("content", "error"), [(b"", "is empty"), (b"garbage!", "is not a FAISS index")]
)
def test_an_empty_or_foreign_faiss_file_is_503(client, vector_file, content, error):
    vector_file.write_bytes(content)
    status, body = health(client)
    assert status == 503 and body["failed"] == ["vector_index"]
    assert error in body["checks"]["vector_index"]["error"]


def test_a_truncated_faiss_file_or_a_missing_sidecar_is_503(client, vector_file):
    data = vector_file.read_bytes()
    vector_file.write_bytes(data[: len(data) // 2])
    status, body = health(client)
    assert (
        status == 503
        and "is truncated; run `python manage.py rebuild_index`"
        in (body["checks"]["vector_index"]["error"])
    )
    vector_file.write_bytes(data)
    assert health(client)[0] == 200
    VectorIndex.sidecar(vector_file).unlink()
    status, body = health(client)
    assert status == 503 and "sidecar" in body["checks"]["vector_index"]["error"]


def test_an_unreadable_faiss_file_is_503(client, vector_file):
    vector_file.chmod(0o000)
    try:
        if vector_file.open("rb"):
            pytest.skip("running as a user who may read anything")
    except PermissionError:
        status, body = health(client)
        assert status == 503 and "cannot be read" in body["checks"]["vector_index"]["error"]
    finally:
        vector_file.chmod(0o600)


def test_an_active_detector_without_its_weights_is_503(client, vector_file, tmp_path):
    DetectorModel.objects.create(
        name="retrained-7",
        weights=str(tmp_path / "gone.pt"),
        sha256="0" * 64,
        classes=["apsara"],
        is_active=True,
    )
    status, body = health(client)
    assert status == 503 and body["failed"] == ["detector"]
    detector = body["checks"]["detector"]
    assert detector["name"] == "retrained-7" and "gone.pt is missing" in detector["error"]


def test_an_unreachable_database_is_503_naming_it(client, vector_file, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection to server on socket failed\nsecond line")

    monkeypatch.setattr(connection, "cursor", down)
    status, body = health(client)
    assert status == 503 and body["failed"] == ["database", "detector"]
    assert body["checks"]["database"]["error"] == (
        "the database does not answer: connection to server on socket failed"
    )
    assert body["checks"]["vector_index"]["ok"]


def test_healthz_is_read_only(client):
    assert client.post("/healthz").status_code == 405


# request logs ---------------------------------------------------------------------------------


@pytest.fixture
def request_lines(caplog):
    """The JSON lines the request logger writes (it does not propagate to the root logger)."""
    logger = logging.getLogger("dunhuang_search.requests")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="dunhuang_search.requests")
    yield lambda: [
        (r.levelname, json.loads(r.getMessage()))
        for r in caplog.records
        if r.name == "dunhuang_search.requests"
    ]
    logger.removeHandler(caplog.handler)


def test_each_request_is_one_json_line(client, request_lines):
    client.get("/search/?q=apsara&token=secret")
    ((level, line),) = request_lines()
    assert level == "INFO"
    assert {k: line[k] for k in ("event", "method", "path", "status", "user")} == {
        "event": "request",
        "method": "GET",
        "path": "/search/",
        "status": 200,
        "user": None,
    }
    assert isinstance(line["ms"], float) and line["ms"] >= 0 and line["time"].endswith("+00:00")
    assert "secret" not in json.dumps(line)  # the query string is not logged


def test_the_line_names_the_user_and_the_refusals(request_lines):
    client = Client()
    client.force_login(make_user("curator"))
    client.post("/murals/add/")
    client.get("/murals/999999/")
    lines = [line for _, line in request_lines()]
    assert [(x["method"], x["path"], x["status"], x["user"]) for x in lines] == [
        ("POST", "/murals/add/", 403, "curator"),
        ("GET", "/murals/999999/", 404, "curator"),
    ]


def test_a_crash_is_logged_as_an_error_with_its_type(request_lines, monkeypatch):
    from dunhuang_search.catalogue import views

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "_page_of_murals", boom)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    ((level, line),) = request_lines()
    assert level == "ERROR" and line["status"] == 500 and line["path"] == "/"


def test_the_log_can_be_turned_off(client, request_lines, settings):
    settings.REQUEST_LOG = False
    client.get("/search/")
    assert request_lines() == []
