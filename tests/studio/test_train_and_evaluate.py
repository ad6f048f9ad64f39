"""`manage.py train_inpainter` registers what it trained (metrics, the data it saw) and the
studio can restore with it by name; `evaluate_inpainting` prints the benchmark's JSON last."""

from __future__ import annotations

import json

import cv2
import pytest
from django.core.management import CommandError, call_command

from dunhuang_search.studio.models import Derivative, InpainterModel
from indexer.files import file_sha256

from .conftest import textured, write_mask

pytestmark = pytest.mark.django_db


@pytest.fixture
def intact(tmp_path):
    folder = tmp_path / "intact"
    folder.mkdir()
    for i, name in enumerate(("wall-a-1.png", "wall-b-1.png")):
        cv2.imwrite(str(folder / name), textured(300, 320, seed=i)[..., ::-1])
    return folder


def test_a_tiny_training_run_is_registered_and_used_by_name(intact, wall, tmp_path, capsys):
    call_command("train_inpainter", "--data", str(intact), "--steps", "2", "--batch", "1",
                 "--crop", "128", "--checkpoint-every", "1", "--threads", "1",
                 "--validation-crops", "1", "--name", "tiny", "--activate", "--json")  # fmt: skip
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    row = InpainterModel.objects.get(name="tiny")
    assert record["inpainter_id"] == row.pk and row.is_active
    assert row.sha256 == file_sha256(row.weights)
    assert row.data["crop"] == 128 and row.data["crops_seen"] == 2
    assert row.data["files"] == ["wall-a-1.png", "wall-b-1.png"] and row.data["kind"] == "folder"
    assert row.metrics and "train_inpainter" in row.command
    mask = write_mask(tmp_path / "mask.png", 64, 64, holes=[(32, 32)])
    call_command("restore", "--mural", str(wall.pk), "--region", "0,0,64,64", "--mask",
                 str(mask), "--method", "pconv", "--json")  # fmt: skip
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["model"] == {"name": "tiny", "sha256": row.sha256}  # the active model
    assert Derivative.objects.get(pk=out["derivative_id"]).model_name == "tiny"


def test_train_inpainter_refuses_bad_options_with_exit_2(tmp_path):
    with pytest.raises(CommandError, match="multiple of 64") as caught:
        call_command("train_inpainter", "--synthetic", "1", "--steps", "1", "--crop", "100")
    assert caught.value.returncode == 2
    assert not InpainterModel.objects.exists()


def test_evaluate_inpainting_prints_the_results_json_last(intact, capsys):
    call_command("evaluate_inpainting", "--data", str(intact), "--crops", "1", "--methods",
                 "telea,ns", "--no-region", "--no-motifs", "--json")  # fmt: skip
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["crops"] == 1
    for masks in result["results"].values():
        assert set(masks) == {"telea", "ns"}
        assert set(masks["telea"]) >= {"psnr", "ssim", "haarpsi", "tv", "ms"}
    with pytest.raises(CommandError, match="at least 1") as caught:
        call_command("evaluate_inpainting", "--data", str(intact), "--crops", "0")
    assert caught.value.returncode == 2
