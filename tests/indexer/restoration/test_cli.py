"""`python -m indexer.restoration`: restore-image writes whole files, evaluate prints its JSON
last, bad input exits 2 with one line; the real cave 220 walls split by wall."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from indexer.restoration.cli import main
from indexer.restoration.data import folder_images, split_walls, wall_key

from .conftest import disc_mask, textured_image


@pytest.fixture
def files(tmp_path):
    image, mask = tmp_path / "wall.png", tmp_path / "mask.png"
    cv2.imwrite(str(image), textured_image(96, 120)[..., ::-1])
    cv2.imwrite(str(mask), disc_mask(96, 120, [(50, 40)], 8))
    return image, mask


def test_restore_image_writes_the_result_and_reports_it(files, tmp_path, capsys):
    image, mask = files
    out = tmp_path / "restored.png"
    rc = main(["restore-image", "--image", str(image), "--mask", str(mask), "--method", "telea",
               "--out", str(out), "--json"])
    assert rc == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["method"] == "telea" and record["out"] == str(out)
    restored = cv2.imread(str(out))[..., ::-1]
    original = cv2.imread(str(image))[..., ::-1]
    kept = cv2.imread(str(mask), cv2.IMREAD_GRAYSCALE) == 0
    assert np.array_equal(restored[kept], original[kept])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--method": "deep-dream"}, "invalid choice"),
        ({"--mask": "other-size"}, "must match"),
        ({"--mask": "empty"}, "nothing to restore"),
        ({"--image": "missing"}, "no such image"),
        ({"--method": "pconv", "--model": "corrupt"}, "not a readable inpainting model"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(files, tmp_path, capsys, change,
                                                            message):
    image, mask = files
    args = {"--image": str(image), "--mask": str(mask), "--method": "telea",
            "--out": str(tmp_path / "out.png")}
    for key, value in change.items():
        if value == "other-size":
            value = str(tmp_path / "small.png")
            cv2.imwrite(value, np.full((10, 10), 255, np.uint8))
        elif value == "empty":
            value = str(tmp_path / "empty.png")
            cv2.imwrite(value, np.zeros((96, 120), np.uint8))
        elif value == "missing":
            value = str(tmp_path / "missing.png")
        elif value == "corrupt":
            value = str(tmp_path / "corrupt.pt")
            (tmp_path / "corrupt.pt").write_bytes(b"PK\x03\x04 not really")
        args[key] = value
    argv = ["restore-image"] + [w for kv in args.items() for w in kv]
    with pytest.raises(SystemExit) as info:
        raise SystemExit(main(argv))
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "out.png").exists()


def test_evaluate_prints_the_table_and_its_json_last(capsys):
    rc = main(["evaluate", "--synthetic", "--crops", "2", "--methods", "telea,ns",
               "--no-region", "--no-motifs", "--json"])
    assert rc == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["data"].startswith("synthetic") and result["crops"] == 2
    assert set(result["results"]) == {"dust-light", "dust-heavy", "jelly-light", "jelly-heavy"}
    for methods in result["results"].values():
        assert set(methods) == {"telea", "ns"}
        assert set(methods["telea"]) == {"psnr", "ssim", "haarpsi", "tv", "ms"}
    assert result["results"]["dust-light"]["telea"]["psnr"] > result["results"][
        "jelly-heavy"]["telea"]["psnr"]
    assert any(line.startswith("dust-light") for line in lines[:-1])


def test_walls_are_split_whole_by_their_names():
    names = ["220-5-1.jpg", "220-6-1.jpg", "220-6-2.jpg", "220-7.jpg", "8.jpg", "A-1.jpg",
             "A-2.jpg", "B-left.jpg", "B-right.jpg"]
    assert wall_key("220-6-2.jpg") == "220-6" and wall_key("B-left.jpg") == "B"
    train, test = split_walls(names)
    assert set(train) | set(test) == set(names) and test
    assert not {wall_key(n) for n in train} & {wall_key(n) for n in test}


def test_the_real_cave_220_walls_split_without_sharing_a_wall(shared_data):
    folder = shared_data / "murals" / "mogao-220"
    if not folder.is_dir():
        pytest.skip("no cave 220 walls in ../shared/data")
    train = folder_images(folder, "train").description["walls"]
    test = folder_images(folder, "test").description["walls"]
    assert train and test and not set(train) & set(test)
