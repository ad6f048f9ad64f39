"""The few-shot evaluation's arithmetic on walls whose answer is known, with a stand-in
embedder (colour histograms), and the command's refusals."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dunhuang_search.review.fewshot_eval import Wall, evaluate


class ColourEmbedder:
    """The mean colour and its spread per channel, as a unit vector: red squares stand out."""

    id = "colour"

    def embed_images(self, images):
        rows = []
        for image in images:
            pixels = image.reshape(-1, 3).astype(np.float32) / 255
            rows.append(np.concatenate([pixels.mean(0), pixels.std(0), [0.05]]))
        rows = np.array(rows, dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def wall(seed: int, squares: int) -> Wall:
    """A noisy grey-green wall with `squares` red 128 px squares on the half-window grid."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(60, 120, (768, 1024, 3)).astype(np.uint8)
    pixels[..., 1] += 40
    boxes = []
    for n in range(squares):
        x, y = 128 * (1 + 2 * (n % 3)), 128 * (1 + 2 * (n // 3))
        pixels[y : y + 128, x : x + 128] = (200, 30, 30)
        boxes.append((x, y, 128, 128))
    return Wall(pixels, boxes, [(0, 0, 100, 100)])


def test_planted_squares_are_found_by_both_rankers():
    walls = [wall(1, 6), wall(2, 6), wall(3, 6), wall(4, 0)]
    result = evaluate(walls, ColourEmbedder(), shots=(5,))
    assert result["hit_iou"] == 0.3 and result["candidates"] > 4 * 50
    by_method = {run["method"]: run for run in result["runs"]}
    assert set(by_method) == {"probe", "mean"}
    for run in by_method.values():
        assert run["ground_truth"] == 13  # 18 squares, 5 of them examples
        assert run["recall_at_100"] == 1.0
        # 13 squares to find: at most 13 of the top 20 can be hits
        assert run["precision_at_20"] == pytest.approx(13 / 20)


def test_too_few_targets_is_refused():
    with pytest.raises(ValueError, match="need more than 5 examples"):
        evaluate([wall(1, 3), wall(2, 0)], ColourEmbedder(), shots=(5,))


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--murals", "1"], "at least 2"), (["--size", "10x10"], "too small")],
)
def test_the_command_refuses_bad_options(args, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("evaluate_fewshot", *args)
    assert caught.value.returncode == 2
