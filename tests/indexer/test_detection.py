"""Detector: the committed demo YOLO on torch, OpenVINO and ONNX, its checks, exports, batching.

Tiles are cut from synthetic murals rendered at the detector's scale (0.5: figures half size),
which the demo detector never saw in training.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from indexer.boxes import pairwise_overlap
from indexer.detection import Detector, DetectorError, TileBoxes, runtime_device
from indexer.files import file_sha256
from indexer.synthetic import CATEGORIES, plan_mural, render_mural

IMGSZ = 320  # the demo detector's tile size; keeps every test quick on two CPU cores
SCALE = 0.5  # its detector pixels per mural pixel: murals rendered at this scale match it
LOW_CONF = 0.001
MAX_DET = 100

# Runtime parity: every box that one runtime scores at least PARITY_MIN_SCORE has a box of the
# same class in the other runtime's output (run at LOW_CONF) with IoU >= PARITY_MIN_IOU and a
# score within PARITY_MAX_SCORE_DIFF. Both exports are float32 (OpenVINO's bf16 default is off),
# so on this CPU the runtimes agree to about 1e-4 px; the tolerance leaves room for other CPUs.
PARITY_MIN_SCORE = 0.05
PARITY_MIN_IOU = 0.9
PARITY_MAX_SCORE_DIFF = 0.05


@pytest.fixture(scope="module")
def mural_tiles() -> list[np.ndarray]:
    """Six 320 px RGB tiles of a synthetic mural the demo detector was not trained on."""
    mural = render_mural(plan_mural(1280, 960, 8, scale=SCALE))
    return [mural[y : y + 320, x : x + 320] for y in (0, 320) for x in (0, 480, 960)]


@pytest.fixture(scope="module")
def varied_tiles() -> list[np.ndarray]:
    """Tiles of several sizes: full, smaller than imgsz, non-square both ways, larger."""
    mural = render_mural(plan_mural(1280, 960, 9, scale=SCALE))
    return [
        mural[0:320, 0:320],
        mural[100:300, 400:550],  # 200 x 150, smaller than imgsz
        mural[500:680, 700:1020],  # 180 x 320, wide
        mural[300:620, 1000:1200],  # 320 x 200, tall
        mural[520:960, 0:400],  # 440 x 400, larger than imgsz
    ]


@pytest.fixture(scope="module")
def torch_detector(demo_detector_weights) -> Detector:
    return Detector(demo_detector_weights, conf=LOW_CONF, imgsz=IMGSZ, max_det=MAX_DET)


def unmatched(reference: TileBoxes, other: TileBoxes, min_score: float, min_iou: float,
              max_score_diff: float) -> list[tuple]:
    """Reference boxes scoring >= min_score with no same-class twin in other."""
    missing = []
    for box, score, label in zip(reference.boxes, reference.scores, reference.labels, strict=True):
        if score < min_score:
            continue
        same = other.labels == label
        twins = (pairwise_overlap(box, other.boxes[same]) >= min_iou) & (
            np.abs(other.scores[same] - score) <= max_score_diff
        )
        if not twins.any():
            missing.append((box.round(1).tolist(), float(score), int(label)))
    return missing


def write_garbage(path: Path) -> Path:
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    return path


def write_truncated(path: Path, weights: Path) -> Path:
    data = weights.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def write_classify_model(path: Path) -> Path:
    from indexer.detection import offline_ultralytics

    offline_ultralytics()("yolov8n-cls.yaml").save(str(path))  # built from its yaml, no download
    return path


def test_it_loads_the_demo_detector_with_the_category_names(torch_detector, demo_detector_weights):
    assert torch_detector.names == dict(enumerate(CATEGORIES))
    assert torch_detector.runtime == "torch"
    assert re.fullmatch(r"dunhuang-yolov8n@[0-9a-f]{12}/torch", torch_detector.version)
    assert torch_detector.version.split("@")[1][:12] == torch_detector.sha256[:12]


def test_it_detects_boxes_within_each_tile_of_varied_sizes(torch_detector, varied_tiles):
    results = torch_detector.detect(varied_tiles)

    assert len(results) == len(varied_tiles)
    for tile, found in zip(varied_tiles, results, strict=True):
        height, width = tile.shape[:2]
        assert isinstance(found, TileBoxes) and len(found) > 0
        assert found.boxes.dtype == np.float32 and found.boxes.shape == (len(found), 4)
        assert found.scores.dtype == np.float32 and found.labels.dtype == np.int64
        assert (found.boxes[:, 0] >= 0).all() and (found.boxes[:, 2] <= width).all()
        assert (found.boxes[:, 1] >= 0).all() and (found.boxes[:, 3] <= height).all()
        assert (found.boxes[:, 2] > found.boxes[:, 0]).all()
        assert (found.boxes[:, 3] > found.boxes[:, 1]).all()
        assert (found.scores >= LOW_CONF).all() and len(found) <= MAX_DET
        assert set(found.labels.tolist()) <= set(torch_detector.names)
    assert torch_detector.detect([]) == []


def test_it_feeds_rgb_tiles_to_ultralytics_as_bgr(torch_detector, mural_tiles, tmp_path,
                                                   demo_detector_weights):
    """The same pixels as an image file (which ultralytics reads itself) give the same boxes."""
    from indexer.detection import offline_ultralytics

    rgb = mural_tiles[0]
    path = tmp_path / "tile.png"
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    from_file = offline_ultralytics()(str(demo_detector_weights)).predict(
        str(path), imgsz=IMGSZ, conf=LOW_CONF, iou=torch_detector.iou, max_det=MAX_DET,
        rect=False, verbose=False,
    )[0].boxes

    ours = torch_detector.detect([rgb])[0]
    swapped = torch_detector.detect([np.ascontiguousarray(rgb[..., ::-1])])[0]

    np.testing.assert_allclose(ours.boxes, from_file.xyxy.numpy(), atol=1e-3)
    np.testing.assert_allclose(ours.scores, from_file.conf.numpy(), atol=1e-5)
    np.testing.assert_array_equal(ours.labels, from_file.cls.numpy().astype(np.int64))
    assert len(swapped) != len(ours) or not np.allclose(swapped.scores, ours.scores, atol=1e-3)


def test_it_gives_the_same_boxes_in_batches_as_one_tile_at_a_time(demo_detector_weights,
                                                                   varied_tiles, mural_tiles):
    tiles = varied_tiles + mural_tiles[:2]  # 7 tiles: batches of 3, 3 and 1, mixed sizes
    batched = Detector(demo_detector_weights, conf=LOW_CONF, imgsz=IMGSZ, max_det=MAX_DET,
                       batch_size=3).detect(tiles)
    single = Detector(demo_detector_weights, conf=LOW_CONF, imgsz=IMGSZ, max_det=MAX_DET,
                      batch_size=1).detect(tiles)

    for one, many in zip(single, batched, strict=True):
        assert len(one) == len(many)
        order_one, order_many = np.lexsort(one.boxes.T), np.lexsort(many.boxes.T)
        np.testing.assert_allclose(one.boxes[order_one], many.boxes[order_many], atol=1e-3)
        np.testing.assert_allclose(one.scores[order_one], many.scores[order_many], atol=1e-4)
        np.testing.assert_array_equal(one.labels[order_one], many.labels[order_many])


@pytest.mark.parametrize("runtime", ["onnx", "openvino"])
def test_it_matches_the_torch_runtime_on_openvino_and_onnx(runtime, demo_detector_weights,
                                                           detector_export_cache, mural_tiles,
                                                           torch_detector):
    """Parity within PARITY_* both ways; batch_size 4 over 6 tiles pads the static last batch."""
    # max_det stays at its default (300) so that no cap cuts through the compared boxes
    reference = Detector(demo_detector_weights, conf=LOW_CONF, imgsz=IMGSZ).detect(mural_tiles)
    exported = Detector(demo_detector_weights, runtime=runtime, conf=LOW_CONF, imgsz=IMGSZ,
                        batch_size=4, cache_dir=detector_export_cache)
    results = exported.detect(mural_tiles)

    assert exported.names == torch_detector.names
    assert exported.version == torch_detector.version.replace("/torch", f"/{runtime}")
    assert len(results) == len(mural_tiles)
    compared = sum(int((found.scores >= PARITY_MIN_SCORE).sum()) for found in reference)
    assert compared >= 5, "too few confident boxes to compare runtimes"
    tolerance = (PARITY_MIN_SCORE, PARITY_MIN_IOU, PARITY_MAX_SCORE_DIFF)
    for torch_boxes, other_boxes in zip(reference, results, strict=True):
        assert unmatched(torch_boxes, other_boxes, *tolerance) == []
        assert unmatched(other_boxes, torch_boxes, *tolerance) == []


def test_it_exports_once_and_reuses_the_cached_model(demo_detector_weights, tmp_path,
                                                     monkeypatch):
    weights = tmp_path / "weights" / "demo.pt"
    weights.parent.mkdir()
    shutil.copyfile(demo_detector_weights, weights)

    first = Detector(weights, runtime="onnx", imgsz=IMGSZ, batch_size=2)
    export_dir = weights.parent / ".exports" / first.sha256[:12]
    assert first.export_dir == export_dir
    assert [p.name for p in export_dir.iterdir()] == [f"onnx-{IMGSZ}-b2"]  # no staging left
    model = export_dir / f"onnx-{IMGSZ}-b2" / "model.onnx"
    written = model.stat().st_mtime_ns

    from ultralytics.engine.model import Model

    def no_export(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(Model, "export", no_export)
    second = Detector(weights, runtime="onnx", imgsz=IMGSZ, batch_size=2)

    assert model.stat().st_mtime_ns == written
    assert second.version == first.version
    tile = np.zeros((IMGSZ, IMGSZ, 3), dtype=np.uint8)
    assert len(second.detect([tile, tile, tile])) == 3  # a short last batch is padded


def test_it_leaves_no_half_written_export_when_exporting_fails(demo_detector_weights, tmp_path,
                                                                monkeypatch):
    from ultralytics.engine.model import Model

    def failing_export(self, **kwargs):
        Path(self.ckpt_path).with_suffix(".onnx").write_bytes(b"half an onnx")
        raise RuntimeError("killed half way")

    monkeypatch.setattr(Model, "export", failing_export)
    cache = tmp_path / "cache"
    with pytest.raises(DetectorError, match="could not export .* to onnx: killed half way"):
        Detector(demo_detector_weights, runtime="onnx", imgsz=IMGSZ, cache_dir=cache)
    assert list(cache.rglob("*")) == [cache / file_sha256(demo_detector_weights)[:12]]


def test_it_uses_the_export_of_a_concurrent_process_that_finished_first(demo_detector_weights,
                                                                         tmp_path, monkeypatch):
    from ultralytics.engine.model import Model

    real_export = Model.export
    cache = tmp_path / "cache"
    target = cache / file_sha256(demo_detector_weights)[:12] / f"onnx-{IMGSZ}-b8"

    def export_while_another_finishes(self, **kwargs):
        exported = real_export(self, **kwargs)
        target.mkdir()  # the other process renames its complete export into place first
        shutil.copyfile(exported, target / "model.onnx")
        return exported

    monkeypatch.setattr(Model, "export", export_while_another_finishes)
    detector = Detector(demo_detector_weights, runtime="onnx", imgsz=IMGSZ, cache_dir=cache)

    assert [p.name for p in target.parent.iterdir()] == [target.name]
    assert len(detector.detect([np.zeros((64, 64, 3), dtype=np.uint8)])) == 1


@pytest.mark.parametrize(
    ("make_weights", "message"),
    [
        (lambda tmp, real: tmp / "missing.pt",
         r"detector weights not found: .*missing\.pt; set DETECTOR_WEIGHTS or train one with"),
        (lambda tmp, real: tmp, r"is not a readable ultralytics checkpoint: not a file"),
        (lambda tmp, real: write_garbage(tmp / "garbage.pt"),
         r"garbage\.pt is not a readable ultralytics checkpoint: "),
        (lambda tmp, real: write_truncated(tmp / "truncated.pt", real),
         r"truncated\.pt is not a readable ultralytics checkpoint: "),
        (lambda tmp, real: write_classify_model(tmp / "cls.pt"),
         r"cls\.pt is a classify model; the indexer needs a detect model$"),
        (lambda tmp, real: write_garbage(tmp / "yolov8n.yaml"),
         r"yolov8n\.yaml is not a readable ultralytics checkpoint: expected a \.pt file$"),
    ],
    ids=["missing", "directory", "garbage", "truncated", "classify", "not-a-pt"],
)
def test_it_rejects_unusable_weights_with_one_readable_line(make_weights, message, tmp_path,
                                                             demo_detector_weights):
    weights = make_weights(tmp_path, demo_detector_weights)
    with pytest.raises(DetectorError, match=message) as raised:
        Detector(weights, runtime="onnx", imgsz=IMGSZ)
    assert "\n" not in str(raised.value)
    assert not (tmp_path / ".exports").exists()


def test_it_says_how_to_recover_from_a_damaged_cached_export(demo_detector_weights, tmp_path):
    damaged = tmp_path / file_sha256(demo_detector_weights)[:12] / f"onnx-{IMGSZ}-b8"
    damaged.mkdir(parents=True)
    write_garbage(damaged / "model.onnx")

    with pytest.raises(DetectorError, match=f"cannot load the onnx export .*; delete {damaged} to"):
        Detector(demo_detector_weights, runtime="onnx", imgsz=IMGSZ, cache_dir=tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runtime": "tensorrt"}, r"unknown detector runtime 'tensorrt'; use auto, torch"),
        ({"device": "tpu"}, r"unknown device 'tpu'; use auto, cpu, cuda or cuda:N"),
        ({"runtime": "openvino", "device": "cuda"}, r"openvino runtime runs on cpu only"),
        ({"imgsz": 300}, r"imgsz must be a positive multiple of 32"),
        ({"batch_size": 0}, r"batch_size must be a positive integer"),
    ],
    ids=["runtime", "device", "openvino-on-cuda", "imgsz", "batch-size"],
)
def test_it_rejects_unknown_runtimes_devices_and_sizes(kwargs, message, demo_detector_weights):
    with pytest.raises(DetectorError, match=message):
        Detector(demo_detector_weights, **kwargs)


def test_it_resolves_the_auto_device_to_cpu_without_a_gpu(torch_detector):
    import torch

    expected = "cuda:0" if torch.cuda.is_available() else "cpu"
    assert torch_detector.device == expected
    assert runtime_device("auto", "openvino") == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(DetectorError, match="torch sees no CUDA GPU"):
            runtime_device("cuda", "torch")


def test_it_rebuilds_from_its_spec_and_pickles(torch_detector, mural_tiles):
    spec = torch_detector.spec()
    assert json.loads(json.dumps(spec)) == spec
    rebuilt = Detector(**spec)
    unpickled = pickle.loads(pickle.dumps(torch_detector))

    expected = torch_detector.detect(mural_tiles[:1])[0]
    for other in (rebuilt, unpickled):
        assert other.version == torch_detector.version and other.spec() == spec
        np.testing.assert_allclose(other.detect(mural_tiles[:1])[0].boxes, expected.boxes,
                                   atol=1e-3)


def test_it_never_reaches_the_network_nor_installs_packages(no_network, demo_detector_weights,
                                                            tmp_path):
    import ultralytics.utils as utils
    import ultralytics.utils.checks as checks
    import ultralytics.utils.events as events

    tile = np.zeros((IMGSZ, IMGSZ, 3), dtype=np.uint8)
    for runtime in ("torch", "onnx", "openvino"):  # onnx and openvino export afresh here
        detector = Detector(demo_detector_weights, runtime=runtime, imgsz=IMGSZ, batch_size=1,
                            cache_dir=tmp_path)
        detector.detect([tile])

    assert os.environ["YOLO_OFFLINE"] == "1" and os.environ["YOLO_AUTOINSTALL"] == "false"
    assert utils.ONLINE is False and checks.ONLINE is False
    assert utils.AUTOINSTALL is False and checks.AUTOINSTALL is False
    assert events.events.enabled is False
    assert no_network == []  # and the fixture checks again after the test


def test_the_auto_runtime_is_openvino_on_the_cpu_and_torch_on_cuda(monkeypatch):
    from indexer import detection

    assert detection.resolve_runtime("auto", "cpu") == "openvino"
    assert detection.resolve_runtime("onnx", "cpu") == "onnx"
    monkeypatch.setattr(detection, "resolve_device", lambda device: "cuda:0")
    assert detection.resolve_runtime("auto", "auto") == "torch"
