"""The unpaired CycleGAN: a tiny training run, checkpoint, resume, inference, refusals."""

from __future__ import annotations

import pytest

from indexer.style import StyleError, StyleSource, stylize
from indexer.style.training import train
from indexer.style.unpaired import CycleConfig, load_checkpoint

TINY = CycleConfig(size=128, filters=4, blocks=1)


def test_train_checkpoint_resume_and_translate(tmp_path, green_set, content):
    path = tmp_path / "set.pt"
    first = train(
        [content],
        green_set,
        path,
        config=TINY,
        epochs=1,
        max_iterations=2,
        data={"style_set": "green"},
    )
    assert path.is_file() and first.iteration == 2 and first.seconds_per_iteration > 0
    resumed = train(
        [content], green_set, path, config=TINY, epochs=1, resume=True, data={"style_set": "green"}
    )
    assert resumed.iteration == 3 and resumed.epoch == 1  # 3 style images = 3 iterations
    state = load_checkpoint(path)
    assert state["data"]["style_set"] == "green" and state["history"][-1]["epoch"] == 1
    out = stylize(content, StyleSource(green_set, unpaired_model=path), "unpaired")
    assert out.image.shape == content.shape and out.model["sha256"] == resumed.sha256


def test_resume_refuses_another_shape_or_set(tmp_path, green_set, content):
    path = tmp_path / "set.pt"
    train(
        [content],
        green_set,
        path,
        config=TINY,
        epochs=1,
        max_iterations=1,
        data={"style_set": "green"},
    )
    with pytest.raises(StyleError, match="trained with"):
        train(
            [content],
            green_set,
            path,
            config=CycleConfig(128, 8, 1),
            resume=True,
            data={"style_set": "green"},
        )
    with pytest.raises(StyleError, match="another style set"):
        train([content], green_set, path, config=TINY, resume=True, data={"style_set": "red"})


def test_a_missing_or_corrupt_model_is_refused(tmp_path, green_set, content):
    with pytest.raises(StyleError, match="run train_style first"):
        stylize(content, StyleSource(green_set, unpaired_model=tmp_path / "none.pt"), "unpaired")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(StyleError, match="cannot read"):
        stylize(content, StyleSource(green_set, unpaired_model=bad), "unpaired")
    with pytest.raises(StyleError, match="size must be 128 or 256"):
        train([content], green_set, tmp_path / "x.pt", config=CycleConfig(64, 4, 1))
