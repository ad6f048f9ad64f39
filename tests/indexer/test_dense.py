"""Dense region windows: every scale covers the mural, blank windows are skipped, the cap
coarsens the smallest scale instead of truncating, and a killed run resumes batch by batch."""

from __future__ import annotations

import numpy as np
import pytest
import pyvips

from indexer.dense import DenseConfig, count_windows, index_dense, plan_windows
from indexer.imagery import Pyramid, build_pyramid
from indexer.merging import Detection
from indexer.pipeline import Checkpoint, crop_with_context
from indexer.synthetic import plan_mural, render_mural
from tests.indexer.oracle import ColourLayoutEmbedder

CONFIG = DenseConfig(window_sides=(64, 128, 256), embed_batch_size=16)


@pytest.fixture(scope="module")
def mural(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dense-mural")
    source = folder / "wall.png"
    pyvips.Image.new_from_array(render_mural(plan_mural(700, 500, seed=22))).pngsave(str(source))
    build_pyramid(source, folder / "wall.tif")
    return folder / "wall.tif"


def coverage(width: int, height: int, windows) -> np.ndarray:
    covered = np.zeros((height, width), dtype=np.int32)
    for w in windows:
        covered[w.y : w.y + w.h, w.x : w.x + w.w] += 1
    return covered


class CountingEmbedder(ColourLayoutEmbedder):
    """Counts the crops it embeds; dies on its n-th call, like a process killed mid-run."""

    def __init__(self, crash_on_call: int | None = None):
        self.calls, self.crops, self.crash_on_call = 0, 0, crash_on_call

    def embed_images(self, images):
        self.calls += 1
        if self.calls == self.crash_on_call:
            raise RuntimeError("killed")
        self.crops += len(images)
        return super().embed_images(images)


def test_windows_of_every_scale_cover_the_whole_mural_with_half_overlap():
    plan = plan_windows(1000, 700, (128, 256, 512))
    assert plan.sides == (128, 256, 512) and not plan.coarsened
    for side in plan.sides:
        windows = [w for w in plan.windows if w.side == side]
        assert len(windows) == count_windows(1000, 700, side, 0.5)
        assert coverage(1000, 700, windows).min() >= 1  # no pixel is missed at any scale
        assert all(w.w == side and w.h == side for w in windows)  # no padding past the edge
        assert all(0 <= w.x and w.x + w.w <= 1000 and 0 <= w.y and w.y + w.h <= 700
                   for w in windows)
        xs = sorted({w.x for w in windows})
        assert xs[1] - xs[0] == side // 2  # stride of half a window
    assert [w.index for w in plan.windows] == list(range(len(plan.windows)))


def test_sides_longer_than_the_mural_collapse_into_one_whole_mural_window():
    plan = plan_windows(300, 200, (128, 512, 1024))
    assert plan.sides == (128, 300)
    whole = [w for w in plan.windows if w.side == 300]
    assert [(w.x, w.y, w.w, w.h) for w in whole] == [(0, 0, 300, 200)]


def test_the_cap_coarsens_the_smallest_scale_instead_of_truncating():
    uncapped = plan_windows(4000, 3000, (128, 256, 512))
    assert len(uncapped.windows) > 2000
    plan = plan_windows(4000, 3000, (128, 256, 512), max_windows=2000)
    assert plan.coarsened and plan.requested == (128, 256, 512)
    assert len(plan.windows) <= 2000
    assert plan.sides[-1] == 512 and plan.sides[0] > 128  # the finest scale gave way
    for side in plan.sides:  # each scale kept still covers the whole mural
        assert coverage(4000, 3000, [w for w in plan.windows if w.side == side]).min() >= 1
    # a tighter cap drops scales, finest first, down to one whole-mural window
    assert plan_windows(4000, 3000, (128, 256, 512), max_windows=60).sides[0] > 256
    single = plan_windows(4000, 3000, (128, 256, 512), max_windows=1)
    assert [(w.x, w.y, w.w, w.h) for w in single.windows] == [(0, 0, 4000, 3000)]


def test_bad_plans_are_refused():
    with pytest.raises(ValueError, match="positive"):
        plan_windows(100, 100, (0, 64))
    with pytest.raises(ValueError, match="at least 1"):
        plan_windows(100, 100, (64,), max_windows=0)


def test_each_window_is_embedded_from_its_own_pixels_without_context(mural, tmp_path):
    result = index_dense(mural, ColourLayoutEmbedder(), CONFIG, Checkpoint(tmp_path, {"run": 1}))
    assert result.blank == 0 and len(result.windows) == len(result.plan.windows)
    assert result.vectors.shape == (len(result.windows), ColourLayoutEmbedder.dim)
    pyramid = Pyramid(mural)
    for window, vector in list(zip(result.windows, result.vectors, strict=True))[::37]:
        box = Detection(window.x, window.y, window.x + window.w, window.y + window.h, 0.0, 0)
        expected = ColourLayoutEmbedder().embed_images([crop_with_context(pyramid, box, 0.0)])
        np.testing.assert_allclose(vector, expected[0], atol=1e-6)


def test_blank_windows_are_skipped(tmp_path):
    pixels = render_mural(plan_mural(700, 500, seed=22))
    pixels[:, 350:] = (200, 180, 150)  # the right half is bare plaster
    source = tmp_path / "half.png"
    pyvips.Image.new_from_array(pixels).pngsave(str(source))
    build_pyramid(source, tmp_path / "half.tif")
    embedder = CountingEmbedder()
    result = index_dense(tmp_path / "half.tif", embedder, CONFIG, Checkpoint(tmp_path / "c", {}))
    assert 0 < result.blank < len(result.plan.windows)
    assert embedder.crops == len(result.windows) == len(result.plan.windows) - result.blank
    # exactly the windows wholly on bare plaster are skipped
    assert all(w.x < 350 for w in result.windows)
    assert all(w.x >= 350 for w in result.plan.windows if w not in result.windows)
    assert np.allclose(np.linalg.norm(result.vectors, axis=1), 1.0)


def test_a_killed_run_resumes_without_redoing_or_losing_batches(mural, tmp_path):
    checkpoint = Checkpoint(tmp_path / "checkpoint", {"run": 1})
    with pytest.raises(RuntimeError, match="killed"):
        index_dense(mural, CountingEmbedder(crash_on_call=4), CONFIG, checkpoint)
    progress: list[tuple[str, int, int]] = []
    resumed = CountingEmbedder()
    result = index_dense(
        mural, resumed, CONFIG, checkpoint, lambda *p: progress.append(p)
    )
    total = len(result.plan.windows)
    assert resumed.crops == total - 3 * CONFIG.embed_batch_size  # three batches were kept
    assert progress[0] == ("windows", 3 * CONFIG.embed_batch_size, total)
    assert progress[-1] == ("windows", total, total)
    fresh = index_dense(mural, ColourLayoutEmbedder(), CONFIG, Checkpoint(tmp_path / "b", {}))
    assert result.windows == fresh.windows
    np.testing.assert_allclose(result.vectors, fresh.vectors, atol=1e-6)


def test_a_changed_configuration_starts_the_windows_over(mural, tmp_path):
    folder = tmp_path / "checkpoint"
    with pytest.raises(RuntimeError, match="killed"):
        index_dense(mural, CountingEmbedder(crash_on_call=3), CONFIG,
                    Checkpoint(folder, CONFIG.fingerprint("a")))
    other = DenseConfig(window_sides=(64, 128), embed_batch_size=16)
    embedder = CountingEmbedder()
    result = index_dense(mural, embedder, other, Checkpoint(folder, other.fingerprint("a")))
    assert embedder.crops == len(result.plan.windows)
    assert result.plan.sides == (64, 128)
