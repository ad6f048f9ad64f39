"""`make serve` runs gunicorn with dunhuang_search/gunicorn_conf.py: it starts, answers pages,
the API and WhiteNoise's static files on loopback, with the configured workers."""

from __future__ import annotations

import urllib.request

import pytest

from tests.operations.servers import children_of, gunicorn


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_pages_the_api_and_static_files(tmp_path):
    with gunicorn(tmp_path / "var") as (base, server):
        with urllib.request.urlopen(base + "/") as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        with urllib.request.urlopen(base + "/api/v1/murals/") as api:
            assert api.status == 200
            assert api.headers["Content-Type"].startswith("application/json")
        with urllib.request.urlopen(base + "/static/favicon.svg") as static:
            assert static.status == 200
        assert len(children_of(server.pid)) == 2  # WEB_WORKERS worker processes
