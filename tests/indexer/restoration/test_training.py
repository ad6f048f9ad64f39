"""Training the pconv inpainter: a tiny run checkpoints, resumes where it stopped and ends
exactly as an uninterrupted run would; the model file and its card say what it saw."""

from __future__ import annotations

import json

import cv2
import pytest
import torch

from indexer.restoration import RestorationError
from indexer.restoration.models import file_sha256, load_model
from indexer.restoration.training import TrainOptions, checkpoint_step, train

from .conftest import textured_image


@pytest.fixture
def intact_folder(tmp_path):
    folder = tmp_path / "intact"
    folder.mkdir()
    for i, name in enumerate(("wall-a-1.png", "wall-b-1.png")):
        cv2.imwrite(str(folder / name), textured_image(300, 320, seed=i)[..., ::-1])
    return folder


def _options(folder, tmp_path, name: str, steps: int) -> TrainOptions:
    return TrainOptions(
        out=str(tmp_path / f"{name}.pt"),
        run_dir=str(tmp_path / f"run-{name}"),
        data=str(folder),
        steps=steps,
        batch=1,
        crop=128,
        checkpoint_every=2,
        log_every=1,
        threads=1,
        validation_crops=1,
        command=f"test {name}",
    )


class Interrupted(Exception):
    pass


def test_a_tiny_run_resumes_from_its_checkpoint_and_continues_the_step_count(
    intact_folder, tmp_path
):
    def interrupt_at_step_3(line: str) -> None:
        if line.startswith("step 3/4"):
            raise Interrupted  # killed after step 3; the last checkpoint is step 2

    with pytest.raises(Interrupted):
        train(_options(intact_folder, tmp_path, "split", 4), log=interrupt_at_step_3)
    assert checkpoint_step(tmp_path / "run-split") == 2
    assert not (tmp_path / "split.pt").exists()
    lines: list[str] = []
    card = train(_options(intact_folder, tmp_path, "split", 4), resume=True, log=lines.append)
    assert any("resumed" in line and "step 2 of 4" in line for line in lines)
    assert checkpoint_step(tmp_path / "run-split") == 4
    assert [h["step"] for h in card["history"]] == [1, 2, 3, 4]
    straight = train(_options(intact_folder, tmp_path, "straight", 4), log=lambda line: None)
    resumed, whole = load_model(tmp_path / "split.pt"), load_model(tmp_path / "straight.pt")
    for (k, a), (_, b) in zip(resumed.state_dict().items(), whole.state_dict().items(),
                              strict=True):
        assert torch.allclose(a.float(), b.float(), atol=1e-6), k
    assert straight["data"]["crops_seen"] == 4


def test_the_card_names_the_data_the_command_and_the_file(intact_folder, tmp_path):
    card = train(_options(intact_folder, tmp_path, "carded", 1), log=lambda line: None)
    model = tmp_path / "carded.pt"
    written = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
    assert written == card
    assert card["sha256"] == file_sha256(model) and card["bytes"] == model.stat().st_size
    assert card["command"] == "test carded"
    assert card["data"]["files"] == ["wall-a-1.png", "wall-b-1.png"]
    assert set(card["metrics"]) >= {"dust-light", "dust-heavy", "jelly-light", "jelly-heavy"}
    assert card["metrics"]["jelly-heavy"]["telea"]["psnr"] > 0


def test_resuming_with_other_data_or_without_a_checkpoint_is_refused(intact_folder, tmp_path):
    with pytest.raises(RestorationError, match="nothing to resume"):
        train(_options(intact_folder, tmp_path, "none", 1), resume=True, log=lambda line: None)
    train(_options(intact_folder, tmp_path, "other", 1), log=lambda line: None)
    changed = _options(intact_folder, tmp_path, "other", 2)
    changed.crop = 192
    with pytest.raises(RestorationError, match="crop"):
        train(changed, resume=True, log=lambda line: None)


def test_options_need_one_data_source_and_a_length():
    with pytest.raises(RestorationError, match="either --data DIR or --synthetic N"):
        TrainOptions(out="m.pt", run_dir="run", steps=1)
    with pytest.raises(RestorationError, match="--steps or --epochs"):
        TrainOptions(out="m.pt", run_dir="run", synthetic=1)
