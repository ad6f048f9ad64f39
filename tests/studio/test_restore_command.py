"""`manage.py restore` and `restore_image`: a derivative with its provenance, the original
untouched, and bad input refused with exit 2 and nothing written."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from django.core.management import CommandError, call_command

from dunhuang_search.studio import derivatives
from dunhuang_search.studio.models import Derivative
from indexer.files import file_sha256
from indexer.imagery import Pyramid
from tests.cli import run_manage
from tests.factories import make_user

from .conftest import write_mask

pytestmark = pytest.mark.django_db


def restore(capsys, *args) -> dict:
    call_command("restore", *args, "--json")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def nothing_written(settings) -> bool:
    folder = settings.DERIVATIVE_DIR
    return not Derivative.objects.exists() and (not folder.exists() or not any(folder.iterdir()))


def test_restore_writes_a_derivative_and_leaves_the_original_untouched(
    wall, archaeologist, tmp_path, capsys
):
    pyramid = wall.pyramid_path
    before_bytes, before_sum = pyramid.read_bytes(), file_sha256(pyramid)
    original = Pyramid(pyramid).read_full_res(100, 60, 160, 120)
    mask = write_mask(tmp_path / "mask.png", 120, 160)
    out = restore(capsys, "--mural", str(wall.pk), "--region", "100,60,160,120", "--mask",
                  str(mask), "--method", "telea", "--user", "restorer")  # fmt: skip
    assert set(out) == {"derivative_id", "iiif", "method", "model", "seconds"}
    assert out["method"] == "telea" and out["model"] is None
    assert out["iiif"] == f"/iiif/3/derivative-{out['derivative_id']}"
    row = Derivative.objects.get(pk=out["derivative_id"])
    assert (row.mural, row.bbox, row.author, row.kind) == (
        wall,
        [100, 60, 160, 120],
        archaeologist,
        "restoration",
    )
    assert row.inputs["mask"]["lost_pixels"] == int((cv2.imread(str(mask), 0) > 0).sum())
    # the original's pyramid is byte for byte what it was, and so is the mural's checksum
    assert pyramid.read_bytes() == before_bytes and file_sha256(pyramid) == before_sum
    wall.refresh_from_db()
    assert file_sha256(wall.source_path) == wall.checksum
    restored = Pyramid(derivatives.image_path(row)).read_full_res(0, 0, 160, 120)
    lost = cv2.imread(str(mask), 0) > 0
    # outside the mask the derivative is the original (up to the pyramid's JPEG); inside, filled
    assert np.abs(restored[~lost].astype(int) - original[~lost]).mean() < 3
    assert np.abs(restored[lost].astype(int) - original[lost]).mean() < 25
    assert row.sha256 == file_sha256(derivatives.image_path(row))


def test_pconv_records_the_model_name_and_sha256(wall, tmp_path, capsys):
    mask = write_mask(tmp_path / "mask.png", 128, 128, holes=[(64, 64)])
    out = restore(capsys, "--mural", str(wall.pk), "--region", "0,0,128,128", "--mask",
                  str(mask), "--method", "pconv")  # fmt: skip
    from indexer.restoration.models import default_model_path

    assert out["model"] == {"name": "dunhuang-pconv",
                            "sha256": file_sha256(default_model_path())}  # fmt: skip
    row = Derivative.objects.get(pk=out["derivative_id"])
    assert row.model_sha256 == file_sha256(default_model_path())


def test_search_guided_without_copies_falls_back_to_pconv_and_says_so(wall, tmp_path, capsys):
    from tests.factories import add_element

    element = add_element(wall, "thousand-buddha", x=100, y=100, w=96, h=96)
    mask = write_mask(tmp_path / "mask.png", 96, 96, holes=[(48, 48)])
    out = restore(capsys, "--element", str(element.pk), "--mask", str(mask), "--method",
                  "search-guided")  # fmt: skip
    row = Derivative.objects.get(pk=out["derivative_id"])
    assert row.element == element and row.bbox == [100, 100, 96, 96]
    assert row.inputs["elements"] == []
    assert row.inputs["fallback"].startswith("pconv: no candidates")


@pytest.mark.parametrize(
    "region, mask_size, method, extra, message",
    [
        ("0,0,100,100", (90, 100), "telea", [], "the mask is 100x90 but the image is 100x100"),
        ("0,0,100,100", "empty", "telea", [], "the mask is empty"),
        ("600,0,100,100", (100, 100), "telea", [], "is outside mural"),
        ("0,0,100,100", (100, 100), "magic", [], "unknown method 'magic'"),
        ("0,0,100,100", (100, 100), "pconv", ["--model", "nope"], "unknown inpainting model"),
        ("0,0,100", (100, 100), "telea", [], "a region is X,Y,W,H"),
        ("0,0,100,100", (100, 100), "pconv", ["--model", "CORRUPT"], "corrupt.pt"),
        ("0,0,100,100", (100, 100), "telea", ["--user", "reader"], "not an archaeologist"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    wall, tmp_path, settings, region, mask_size, method, extra, message
):
    make_user("reader")
    mask = tmp_path / "mask.png"
    if mask_size == "empty":
        cv2.imwrite(str(mask), np.zeros((100, 100), np.uint8))
    else:
        write_mask(mask, *mask_size, holes=[(50, 50)])
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a checkpoint")
    extra = [str(corrupt) if a == "CORRUPT" else a for a in extra]
    with pytest.raises(CommandError, match=message) as caught:
        call_command("restore", "--mural", str(wall.pk), "--region", region, "--mask",
                     str(mask), "--method", method, *extra)  # fmt: skip
    assert caught.value.returncode == 2
    assert nothing_written(settings)


def test_a_region_over_the_cap_is_refused(wall, tmp_path, settings, monkeypatch):
    from dunhuang_search.studio import restoring

    monkeypatch.setattr(restoring, "MAX_REGION_PIXELS", 50 * 50)
    mask = write_mask(tmp_path / "mask.png", 100, 100, holes=[(50, 50)])
    with pytest.raises(CommandError, match="over the cap"):
        call_command("restore", "--mural", str(wall.pk), "--region", "0,0,100,100", "--mask",
                     str(mask), "--method", "telea")  # fmt: skip
    assert nothing_written(settings)


def test_a_failure_while_writing_leaves_no_row_and_no_file(wall, tmp_path, settings, monkeypatch):
    def broken(image, dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(b"half an image")
        raise OSError("disk full")

    monkeypatch.setattr(derivatives, "write_mask", broken)
    mask = write_mask(tmp_path / "mask.png", 100, 100, holes=[(50, 50)])
    with pytest.raises(OSError, match="disk full"):
        call_command("restore", "--mural", str(wall.pk), "--region", "0,0,100,100", "--mask",
                     str(mask), "--method", "telea")  # fmt: skip
    assert nothing_written(settings)


def test_restore_image_writes_a_file_and_no_row(tmp_path, capsys):
    from .conftest import textured

    image = tmp_path / "in.png"
    cv2.imwrite(str(image), textured(128, 128)[..., ::-1])
    mask = write_mask(tmp_path / "mask.png", 128, 128)
    out = tmp_path / "out.png"
    call_command("restore_image", "--image", str(image), "--mask", str(mask), "--method", "ns",
                 "--out", str(out), "--json")  # fmt: skip
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["method"] == "ns" and out.is_file()
    assert not Derivative.objects.exists()
    with pytest.raises(CommandError, match="unknown method") as caught:
        call_command("restore_image", "--image", str(image), "--mask", str(mask), "--method",
                     "magic", "--out", str(tmp_path / "x.png"))  # fmt: skip
    assert caught.value.returncode == 2 and not (tmp_path / "x.png").exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_line_says_one_line_and_exits_2(wall, tmp_path):
    mask = write_mask(tmp_path / "mask.png", 50, 50, holes=[(25, 25)])
    result = run_manage(
        "restore",
        "--mural",
        str(wall.pk),
        "--region",
        "0,0,100,100",
        "--mask",
        str(mask),
        "--method",
        "telea",
        var_dir=tmp_path / "var",
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "CommandError: the mask is 50x50 but the image is 100x100: they must match"
    ]


def test_search_guided_fills_from_intact_copies_of_the_motif_and_records_them(tmp_path, capsys):
    from tests.browser.conftest import mural_like_pixels
    from tests.factories import add_element, ingested_mural

    pixels = mural_like_pixels(1200, 800, seed=4)  # rows of one haloed figure, 50 px apart
    mural = ingested_mural(tmp_path / "buddhas.png", pixels)
    step = 50
    cells = [(step * c, step // 2 + step * r) for r in range(2, 6) for c in range(2, 6)]
    rows = [add_element(mural, "thousand-buddha", x=x, y=y, w=step, h=step) for x, y in cells]
    damaged = rows[5]
    mask = write_mask(tmp_path / "mask.png", step, step, holes=[(25, 22)], radius=9)
    out = restore(capsys, "--element", str(damaged.pk), "--mask", str(mask), "--method",
                  "search-guided")  # fmt: skip
    row = Derivative.objects.get(pk=out["derivative_id"])
    assert row.inputs["candidates_found_by"].startswith("category")
    assert damaged.pk not in row.inputs["candidates"] and len(row.inputs["candidates"]) == 8
    assert row.inputs["fallback"] is None and row.inputs["elements"]
    assert set(row.inputs["elements"]) <= set(row.inputs["candidates"])
    restored = Pyramid(derivatives.image_path(row)).read_full_res(0, 0, step, step)
    truth = pixels[damaged.y : damaged.y + step, damaged.x : damaged.x + step]
    lost = cv2.imread(str(mask), 0) > 0
    assert np.abs(restored[lost].astype(int) - truth[lost]).mean() < 20
