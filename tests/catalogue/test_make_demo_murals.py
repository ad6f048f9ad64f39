"""Tests of `manage.py make_demo_murals`: files, metadata, determinism, --tiff, --json,
and one-line errors with exit status 2.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.management import call_command

from indexer.synthetic import CATEGORIES, PERIODS, SITES, read_voc

REPO = Path(__file__).resolve().parents[2]
RECORD_KEYS = {
    "file",
    "annotation",
    "site",
    "cave",
    "wall",
    "period",
    "title",
    "width",
    "height",
    "seed",
}


def _make(outdir: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("make_demo_murals", str(outdir), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _manage(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "make_demo_murals", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_writes_images_voc_labels_and_metadata(tmp_path):
    out = _make(tmp_path, "--count", "2", "--size", "1024x768", "--seed", "3", "--json")
    records = json.loads((tmp_path / "metadata.json").read_text())
    assert [r["file"] for r in records] == ["mural-000.jpg", "mural-001.jpg"]
    for record in records:
        assert set(record) == RECORD_KEYS
        assert record["site"] in SITES and record["period"] in PERIODS
        assert isinstance(record["cave"], int) and record["title"]
        assert (record["width"], record["height"]) == (1024, 768)
        image = cv2.imread(str(tmp_path / record["file"]))
        assert image.shape == (768, 1024, 3)
        instances = read_voc(tmp_path / record["annotation"])
        assert all(i.category in CATEGORIES for i in instances)
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["outdir"] == str(tmp_path.resolve())
    assert len(summary["images"]) == 2
    assert set(summary["per_category"]) == set(CATEGORIES)
    total = sum(len(read_voc(tmp_path / r["annotation"])) for r in records)
    assert summary["instances"] == total == sum(summary["per_category"].values())
    assert str(tmp_path.resolve()) in out


def test_it_writes_the_same_files_for_the_same_seed(tmp_path):
    _make(tmp_path / "a", "--count", "2", "--size", "800x600", "--seed", "9")
    _make(tmp_path / "b", "--count", "2", "--size", "800x600", "--seed", "9")
    _make(tmp_path / "c", "--count", "2", "--size", "800x600", "--seed", "10")
    for name in ("mural-000.xml", "mural-001.xml", "metadata.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    first = cv2.imread(str(tmp_path / "a" / "mural-001.jpg"))
    assert np.array_equal(first, cv2.imread(str(tmp_path / "b" / "mural-001.jpg")))
    assert (tmp_path / "a" / "mural-000.xml").read_bytes() != (
        tmp_path / "c" / "mural-000.xml"
    ).read_bytes()


def test_it_writes_a_tiled_bigtiff_with_the_tiff_flag(tmp_path):
    import pyvips

    _make(tmp_path, "--count", "1", "--size", "1300x700", "--tiff")
    image = pyvips.Image.new_from_file(str(tmp_path / "mural-000.tif"))
    assert (image.width, image.height) == (1300, 700)
    assert json.loads((tmp_path / "metadata.json").read_text())[0]["file"] == "mural-000.tif"


@pytest.mark.parametrize(
    "args",
    [
        ["--size", "4096by3072"],
        ["--size", "100x3072"],
        ["--count", "0"],
        ["--count", "many"],
        ["--seed", "-4"],
    ],
)
def test_it_exits_2_with_one_line_on_bad_input(tmp_path, args):
    done = _manage(str(tmp_path / "out"), *args)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "out" / "metadata.json").exists()


def test_it_exits_2_when_outdir_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    done = _manage(str(target), "--size", "512x512", "--count", "1")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "not a folder" in done.stderr
