"""COCO/VOC of a library view through training's export_elements, with the gallery's filters."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_coco_export_with_library_filters(library, tmp_path):
    out = io.StringIO()
    call_command(
        "export_library", "--category", "apsara", "--format", "coco", "--out", str(tmp_path / "x"),
        "--cave", "220", "--score-min", "0.5", "--json", stdout=out,
    )  # fmt: skip
    report = json.loads(out.getvalue())
    expected = [e for e in library["elements"] if e.mural.cave.number == 220 and e.score >= 0.5]
    assert report["elements"] == len(expected)
    coco = json.loads(next((tmp_path / "x").rglob("*.json")).read_text())
    assert len(coco["annotations"]) == len(expected)


@pytest.mark.parametrize(
    ("argv", "word"), [(["--period", "ming"], "--period"), (["--score-max", "3"], "--score-max")]
)
def test_bad_filters_exit_2_and_write_nothing(library, tmp_path, argv, word):
    with pytest.raises(CommandError) as caught:
        call_command(
            "export_library", "--category", "apsara", "--format", "voc", "--out",
            str(tmp_path / "x"), *argv,
        )  # fmt: skip
    assert caught.value.returncode == 2 and word in str(caught.value)
    assert not (tmp_path / "x").exists()
