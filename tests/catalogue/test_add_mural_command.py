"""`manage.py add_mural` as a person runs it: id on stdout, exit 2 and one line on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dunhuang_search.catalogue.models import Mural
from tests.cli import run_manage

pytestmark = pytest.mark.django_db(transaction=True)

PLACE = ["--site", "mogao", "--cave", "220", "--wall", "south", "--period", "early-tang"]


def test_it_prints_the_new_mural_id(image_file, isolated_var):
    result = run_manage(
        "add_mural",
        str(image_file("wall.jpg")),
        *PLACE,
        "--title",
        "Paradise",
        var_dir=isolated_var,
    )
    assert result.returncode == 0, result.stderr
    mural = Mural.objects.get()
    assert result.stdout.strip() == str(mural.pk)
    assert mural.title == "Paradise"
    assert (isolated_var / "pyramids" / mural.pyramid).is_file()


def test_it_prints_json_as_the_last_line(image_file, isolated_var):
    result = run_manage(
        "add_mural",
        str(image_file("wall.png", width=500, height=400)),
        *PLACE,
        "--json",
        var_dir=isolated_var,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["id"] == Mural.objects.get().pk
    assert (record["width"], record["height"]) == (500, 400)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "ming"], "unknown period 'ming'"),
        (["--site", "atlantis"], "unknown site 'atlantis'"),
    ],
)
def test_it_exits_2_with_one_line_on_unknown_slugs(image_file, isolated_var, args, message):
    place = dict(zip(PLACE[::2], PLACE[1::2], strict=True))
    place.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [item for pair in place.items() for item in pair]
    result = run_manage("add_mural", str(image_file("wall.jpg")), *flat, var_dir=isolated_var)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0]
    assert not Mural.objects.exists()


def test_it_exits_2_on_a_truncated_file_and_leaves_no_files(image_file, isolated_var):
    path = image_file("wall.jpg", width=900, height=700)
    path.write_bytes(path.read_bytes()[:5000])
    result = run_manage("add_mural", str(path), *PLACE, var_dir=isolated_var)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "truncated or corrupt" in lines[0]
    assert not Mural.objects.exists()
    pyramids = Path(isolated_var / "pyramids")
    assert not pyramids.exists() or not [p for p in pyramids.rglob("*") if p.is_file()]


def test_it_exits_2_on_a_duplicate(image_file, isolated_var):
    path = image_file("wall.jpg")
    assert run_manage("add_mural", str(path), *PLACE, var_dir=isolated_var).returncode == 0
    result = run_manage("add_mural", str(path), *PLACE, var_dir=isolated_var)
    assert result.returncode == 2
    assert "already in the catalogue" in result.stderr
    assert Mural.objects.count() == 1


def test_it_exits_2_on_a_missing_file(isolated_var, tmp_path):
    result = run_manage("add_mural", str(tmp_path / "nowhere.tif"), *PLACE, var_dir=isolated_var)
    assert result.returncode == 2
    assert "no such file" in result.stderr
