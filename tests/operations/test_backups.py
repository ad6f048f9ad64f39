"""Backups that restore: the round trip on a small site in its own database and VAR_DIR, and the
refusals (an existing target, a tampered dump, a non-empty site) that leave the target as it was.

Each site is a fresh database on the embedded test server, driven through manage.py in a
subprocess exactly as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        connection.ensure_connection()
        return dict(connection.get_connection_params())


class Site:
    """A database and a VAR_DIR of its own, reached through manage.py."""

    def __init__(self, server: dict, folder: Path):
        self.server, self.var = server, folder / "var"
        self.name = f"backup_test_{uuid.uuid4().hex[:10]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        host = quote(str(server["host"]), safe="")
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{server['user']}@{host}:{server['port']}/{self.name}",
            "DUNHUANG_VAR_DIR": str(self.var),
        }

    def _admin(self):
        return psycopg.connect(
            host=self.server["host"],
            port=self.server["port"],
            user=self.server["user"],
            dbname="postgres",
            autocommit=True,
        )

    def run(self, *args: str, script: str | None = None) -> subprocess.CompletedProcess:
        command = [sys.executable, script] if script else [sys.executable, "manage.py"]
        return subprocess.run(
            [*command, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600
        )

    def query(self, sql: str):
        with psycopg.connect(
            host=self.server["host"],
            port=self.server["port"],
            user=self.server["user"],
            dbname=self.name,
        ) as db:
            return db.execute(sql).fetchall()

    def drop(self) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def make_site(server, tmp_path):
    sites = []

    def make(name: str) -> Site:
        site = Site(server, tmp_path / name)
        sites.append(site)
        migrated = site.run("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        return site

    yield make
    for site in sites:
        site.drop()


def ok(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def refused(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr[-2000:])
    assert words in result.stderr
    assert "Traceback" not in result.stderr


COUNTS = (
    "SELECT (SELECT count(*) FROM catalogue_mural), (SELECT count(*) FROM elements_element),"
    " (SELECT count(*) FROM elements_element WHERE review_state = 'accepted'),"
    " (SELECT count(*) FROM studio_derivative), (SELECT count(*) FROM auth_user),"
    " (SELECT count(*) FROM boards_boarditem)"
)
# the library's counts summary, kept by triggers: a restore must neither lose nor double it
SUMMARY = "SELECT coalesce(sum(count), 0) FROM library_elementcount"


def test_a_backup_with_files_restores_into_an_empty_site_and_verifies(make_site, tmp_path):
    source = make_site("source")
    seeded = source.run(str(tmp_path), script=str(Path(__file__).with_name("seed_site.py")))
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    backup = tmp_path / "backup-1"
    made = ok(source.run("backup", str(backup), "--with-files", "--json"))
    assert made["files"] >= 4  # pyramid, FAISS file (+ its sidecar), derivative, mask
    manifest = json.loads((backup / "manifest.json").read_text())
    assert {Path(f["path"]).parts[0] for f in manifest["files"]} >= {"pyramids", "derivatives"}

    target = make_site("target")
    restored = ok(target.run("restore_backup", str(backup), "--json"))
    assert restored["mismatched_files"] == [] and restored["index_ok"] is True
    assert target.query(COUNTS) == source.query(COUNTS) == [(1, 12, 1, 1, 1, 1)]
    for entry in manifest["files"]:
        assert (target.var / entry["path"]).read_bytes() == (
            source.var / entry["path"]
        ).read_bytes()
    assert ok(target.run("verify_index", "--json"))["faiss_count"] == 12

    # a second restore onto the now non-empty site is refused, and changes nothing
    refused(target.run("restore_backup", str(backup)), "the database is not empty")
    assert target.query(COUNTS) == [(1, 12, 1, 1, 1, 1)]
    # --force replaces it
    ok(target.run("restore_backup", str(backup), "--force", "--json"))
    assert target.query(COUNTS) == [(1, 12, 1, 1, 1, 1)]
    assert target.query(SUMMARY) == source.query(SUMMARY) != [(0,)]
    assert ok(target.run("rebuild_library_counts", "--check", "--json")) == {"drift": 0}


def test_it_refuses_an_existing_target_and_a_tampered_or_truncated_dump(make_site, tmp_path):
    source = make_site("source")
    existing = tmp_path / "already-there"
    existing.mkdir()
    refused(source.run("backup", str(existing)), "already exists")
    assert list(existing.iterdir()) == []

    backup = tmp_path / "backup-2"
    ok(source.run("backup", str(backup), "--json"))
    dump = backup / "database.dump"
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    target = make_site("target")
    before = target.query("SELECT count(*) FROM django_migrations")
    refused(target.run("restore_backup", str(backup)), "truncated or tampered")
    assert target.query("SELECT count(*) FROM django_migrations") == before
    refused(target.run("restore_backup", str(tmp_path / "nowhere")), "is not a backup folder")
    (tmp_path / "not-a-backup").mkdir()
    refused(target.run("restore_backup", str(tmp_path / "not-a-backup")), "has no manifest.json")
