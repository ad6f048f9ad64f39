"""`make serve` runs gunicorn with dunhuang_search/gunicorn_conf.py: it starts, answers pages,
the API and WhiteNoise's static files on loopback, with the configured workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    params = connection.get_connection_params()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{params['user']}@{quote(str(params['host']), safe='')}:{params['port']}"
            f"/{params['dbname']}"
        ),
        "DUNHUANG_VAR_DIR": str(tmp_path / "var"),
        "HOST": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "WEB_THREADS": "2",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "dunhuang_search/gunicorn_conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/api/v1/murals/")
        yield base, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_gunicorn_serves_pages_the_api_and_static_files(gunicorn):
    base, server = gunicorn
    with urllib.request.urlopen(base + "/") as page:
        assert page.status == 200 and b"<html" in page.read().lower()
    with urllib.request.urlopen(base + "/api/v1/murals/") as api:
        assert api.status == 200 and api.headers["Content-Type"].startswith("application/json")
    with urllib.request.urlopen(base + "/static/favicon.svg") as static:
        assert static.status == 200
    assert len(children_of(server.pid)) == 2  # WEB_WORKERS worker processes under the arbiter
