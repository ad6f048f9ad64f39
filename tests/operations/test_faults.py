"""A fault an index run survives: PostgreSQL stopping mid-run. It runs manage.py against a
server of its own, as an operator would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from dunhuang_search.db import ensure_database, running_server, stop_embedded_server

ROOT = Path(__file__).resolve().parents[2]
DB = "faults"


class OwnServer:
    """An embedded PostgreSQL of this test's own, which the test may stop and start."""

    def __init__(self, folder: Path, var: Path, weights: Path):
        self.pgdata, self.var, self.weights = folder / "pg", var, weights
        self.start()

    def start(self) -> None:
        # In a process of its own: the wheel keeps one server object per process, so a second
        # start here would not start anything. The server outlives that process.
        started = subprocess.run(
            [sys.executable, "-c", "import sys; from dunhuang_search.db import "
             "start_embedded_server as s; s(sys.argv[1])", str(self.pgdata)],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert started.returncode == 0, started.stderr[-2000:]
        self.server = running_server(self.pgdata)  # its port may change on a restart
        ensure_database(self.server, DB)

    def stop(self) -> None:
        stop_embedded_server(self.pgdata)

    @property
    def env(self) -> dict:
        url = f"postgres://postgres@{quote(self.server.host, safe='')}:{self.server.port}/{DB}"
        return {
            **os.environ,
            "DATABASE_URL": url,
            "DUNHUANG_VAR_DIR": str(self.var),
            "DETECTOR_WEIGHTS": str(self.weights),
        }

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def query(self, sql: str):
        with psycopg.connect(
            host=self.server.host, port=self.server.port, user="postgres", dbname=DB
        ) as db:
            return db.execute(sql).fetchall()


@pytest.fixture
def own_server(tmp_path, demo_detector_weights):
    # Not under tmp_path: pytest's 0700 folders would keep out the system user that the wheel
    # runs PostgreSQL as under root.
    folder = Path(tempfile.mkdtemp(prefix="dunhuang-faults-"))
    folder.chmod(0o755)
    server = OwnServer(folder, tmp_path / "var", demo_detector_weights)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def wait_until(condition, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_postgres_stopping_mid_run_ends_it_with_the_reason_and_the_same_command_resumes(
    own_server, tmp_path
):
    assert own_server.run("manage.py", "migrate", "--noinput").returncode == 0
    made = own_server.run(str(Path(__file__).with_name("make_mural.py")), str(tmp_path), "21")
    assert made.returncode == 0, made.stderr[-2000:]
    mural_id = made.stdout.strip().splitlines()[-1]
    run = subprocess.Popen(
        [sys.executable, "manage.py", "index", "--mural", mural_id],
        cwd=ROOT,
        env=own_server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until(
        lambda: (
            own_server.query("SELECT count(*) FROM elements_indexjob WHERE tiles_done > 0")[0][0]
            > 0
        )
    )
    own_server.stop()
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 2, stderr[-2000:]
    assert f"the database went away while indexing mural {mural_id}" in stderr
    assert "Traceback" not in stderr
    own_server.start()
    assert own_server.query("SELECT count(*) FROM elements_element") == [(0,)]  # nothing partial

    again = own_server.run("manage.py", "index", "--mural", mural_id, "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    assert own_server.query("SELECT state, count(*) FROM elements_indexjob GROUP BY state") == [
        ("done", 1)
    ]  # the interrupted job was resumed, not doubled
    found = own_server.query("SELECT elements_found FROM elements_indexjob")[0][0]
    stored = own_server.query("SELECT count(*) FROM elements_element WHERE source = 'detector'")
    assert found > 0 and stored == [(found,)]
    assert own_server.run("manage.py", "verify_index").returncode == 0
