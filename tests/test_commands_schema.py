"""Commands on a database that is not set up say what to do, in one line with exit 2."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from dunhuang_search.commands import NOT_SET_UP
from tests.cli import run_manage

pytestmark = pytest.mark.django_db(transaction=True)

EMPTY_DB = "dunhuang_unmigrated_test"


@pytest.fixture
def unmigrated_database():
    """An empty database on the test server: {env var: value} that points manage.py at it."""
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{EMPTY_DB}"')
        cursor.execute(f'CREATE DATABASE "{EMPTY_DB}"')
    config = connection.settings_dict
    if "PGDATA" in config:
        env = {"EMBEDDED_PG_DBNAME": EMPTY_DB}
    else:
        from tests.cli import manage_env

        url = urlsplit(manage_env(Path("var"))["DATABASE_URL"])
        env = {"DATABASE_URL": urlunsplit(url._replace(path=f"/{EMPTY_DB}"))}
    yield env
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{EMPTY_DB}" WITH (FORCE)')


@pytest.mark.parametrize(
    "argv",
    [
        ["add_mural", "wall.jpg", "--site", "mogao", "--cave", "220", "--wall", "south",
         "--period", "early-tang"],
        ["index", "--all"],
        ["search", "--text", "apsara"],
        ["verify_index"],
        ["export_elements", "--format", "coco", "--out", "out"],
    ],
    ids=lambda argv: argv[0],
)
def test_a_command_on_an_unmigrated_database_exits_2_with_one_line(
    argv, unmigrated_database, image_file, tmp_path
):
    image_file("wall.jpg")
    args = [str(tmp_path / a) if a in ("wall.jpg", "out") else a for a in argv]
    result = run_manage(*args, var_dir=tmp_path / "var", env=unmigrated_database)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and NOT_SET_UP in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var" / "pyramids").exists() and not (tmp_path / "out").exists()
