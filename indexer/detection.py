"""Object detection on mural tiles: an offline ultralytics YOLO wrapper, torch|openvino|onnx.

Tiles go through in batches; OpenVINO and ONNX models are exported once and cached atomically.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .devices import DeviceError, resolve_device
from .files import atomic_folder, file_sha256

RUNTIMES: tuple[str, ...] = ("torch", "openvino", "onnx")
DETECT_TASK = "detect"
# Exports take a fixed batch of `batch_size` and fixed (imgsz, imgsz) inputs: ultralytics pads a
# short last batch with zero images (and drops their outputs), and static shapes are what
# OpenVINO and ONNX Runtime optimise best on CPU.
EXPORT_DYNAMIC = False
MIN_BOX_SIDE = 1.0  # px; boxes clipped to the tile thinner than this are dropped
# OpenVINO's CPU plugin computes in bfloat16 where the CPU has it (AVX512-BF16, AMX), which moves
# boxes and scores far more than the runtime-parity tolerance allows; f32 keeps it with torch.
OPENVINO_PRECISION = "f32"


class DetectorError(ValueError):
    """A detector that cannot be built as asked; the message is one readable line for the user."""


@dataclass(frozen=True)
class TileBoxes:
    """Detections in one tile, in its own pixel coordinates, clipped to it, best score first."""

    boxes: np.ndarray  # (N, 4) float32 x1, y1, x2, y2
    scores: np.ndarray  # (N,) float32
    labels: np.ndarray  # (N,) int64 class indices into Detector.names

    def __len__(self) -> int:
        return len(self.scores)


def offline_ultralytics() -> Any:
    """Import ultralytics so that it never reaches the network nor pip-installs anything.

    The environment is set before the first import; when ultralytics was imported earlier by
    someone else, the module constants it derived from the environment are switched off too.
    Returns the YOLO class.
    """
    os.environ["YOLO_OFFLINE"] = "1"  # no online check, no pip update check
    os.environ["YOLO_AUTOINSTALL"] = "false"  # a missing requirement fails, it is never installed
    import ultralytics.utils as utils
    import ultralytics.utils.checks as checks
    import ultralytics.utils.events as events
    from ultralytics import YOLO

    utils.ONLINE = checks.ONLINE = events.ONLINE = False
    utils.AUTOINSTALL = checks.AUTOINSTALL = False
    events.events.enabled = False  # no usage analytics, whatever SETTINGS["sync"] says
    return YOLO


def resolve_runtime(runtime: str, device: str = "auto") -> str:
    """"auto": torch where the device resolves to CUDA, else OpenVINO (about twice torch's speed
    on these CPUs, boxes matching torch's within the runtime-parity tolerance), else torch when
    OpenVINO is not installed. Other names pass through."""
    if runtime != "auto":
        return runtime
    try:
        on_cuda = resolve_device(device) != "cpu"
    except DeviceError as error:
        raise DetectorError(str(error)) from error
    if on_cuda:
        return "torch"
    try:
        import openvino  # noqa: F401
    except ImportError:
        return "torch"
    return "openvino"


def runtime_device(device: str, runtime: str) -> str:
    """The device (resolve_device's rule) where this runtime can use it: "auto" falls back to
    the CPU for a runtime without CUDA here, and asking such a runtime for CUDA is an error."""
    name = str(device).strip().lower()
    if runtime == "openvino" and name.startswith("cuda"):
        raise DetectorError("the openvino runtime runs on cpu only; use --device cpu or auto")
    try:
        resolved = resolve_device(device)
    except DeviceError as error:
        raise DetectorError(str(error)) from error
    if resolved != "cpu" and not _runtime_has_cuda(runtime):
        if name == "auto":
            return "cpu"
        raise DetectorError(
            "the onnx runtime has no CUDAExecutionProvider here (install onnxruntime-gpu)"
            "; use --device cpu"
        )
    return resolved


def _runtime_has_cuda(runtime: str) -> bool:
    if runtime != "onnx":
        return runtime == "torch"
    import onnxruntime

    return "CUDAExecutionProvider" in onnxruntime.get_available_providers()


def _one_line(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    text = text.removeprefix("ERROR").strip(" ❌️")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_checkpoint(weights: Path) -> Any:
    """The ultralytics YOLO model of a .pt file, checked to be a detect model."""
    yolo = offline_ultralytics()
    if not weights.is_file():
        if weights.exists():
            raise DetectorError(f"{weights} is not a readable ultralytics checkpoint: not a file")
        raise DetectorError(
            f"detector weights not found: {weights}; set DETECTOR_WEIGHTS"
            " or train one with manage.py train_detector"
        )
    if weights.suffix != ".pt":  # ultralytics would build an untrained model from a .yaml
        raise DetectorError(
            f"{weights} is not a readable ultralytics checkpoint: expected a .pt file"
        )
    try:
        model = yolo(str(weights))
        task = model.task
        names = model.names
    except Exception as error:  # ultralytics and torch raise many kinds for a bad file
        raise DetectorError(
            f"{weights} is not a readable ultralytics checkpoint: {_one_line(error)}"
        ) from error
    if not isinstance(names, dict) or not names:
        raise DetectorError(f"{weights} is not a readable ultralytics checkpoint: no class names")
    if task != DETECT_TASK:
        article = "an" if str(task)[:1] in "aeiou" else "a"
        raise DetectorError(
            f"{weights} is {article} {task} model; the indexer needs a detect model"
        )
    return model


def export_model(weights: Path, runtime: str, imgsz: int, batch: int, cache_dir: Path) -> Path:
    """The cached OpenVINO directory or ONNX file of weights, exported first when missing.

    Exports go to a fresh temporary folder beside the cache entry, which is then renamed into
    place: a concurrent or killed export never leaves a half-written model under its final name.
    """
    target = cache_dir / f"{runtime}-{imgsz}-b{batch}{'-dynamic' if EXPORT_DYNAMIC else ''}"
    artifact = target / ("model.onnx" if runtime == "onnx" else "model_openvino_model")
    if target.is_dir():
        return artifact
    with contextlib.ExitStack() as stack:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            _remove_abandoned_exports(cache_dir, target.name)
            # a concurrent export that finished first is kept, and this one dropped
            staging = stack.enter_context(atomic_folder(target, keep_existing=True))
        except OSError as error:
            raise DetectorError(
                f"cannot write the {runtime} export to {cache_dir}: {_one_line(error)}"
            ) from error
        _export_into(staging, weights, runtime, imgsz, batch, artifact.name)
    return artifact


def _export_into(
    folder: Path, weights: Path, runtime: str, imgsz: int, batch: int, artifact: str
) -> None:
    """ultralytics' export of a copy of weights, left in folder as `artifact` (the copy goes)."""
    yolo = offline_ultralytics()
    staged = folder / "model.pt"
    shutil.copyfile(weights, staged)
    try:
        # onnxslim is not a dependency (and ONNX Runtime optimises the graph itself).
        options = {"simplify": False} if runtime == "onnx" else {}
        with warnings.catch_warnings():  # torch.jit tracing chatter, meaningless to users
            warnings.simplefilter("ignore", FutureWarning)
            warnings.filterwarnings("ignore", category=Warning, message=".*trace")
            exported = yolo(str(staged)).export(
                format=runtime, imgsz=imgsz, batch=batch, dynamic=EXPORT_DYNAMIC,
                device="cpu", verbose=False, **options,
            )
    except Exception as error:
        message = f"could not export {weights} to {runtime}: {_one_line(error)}"
        raise DetectorError(message) from error
    if Path(exported).resolve() != (folder / artifact).resolve():
        raise DetectorError(f"could not export {weights} to {runtime}: got {exported}")
    staged.unlink()


def _remove_abandoned_exports(cache_dir: Path, name: str, age_s: float = 3600) -> None:
    """Staging folders of exports killed more than an hour ago (live ones are seconds old)."""
    for staging in cache_dir.glob(f".{name}-*"):
        with contextlib.suppress(OSError):
            if time.time() - staging.stat().st_mtime > age_s:
                shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _openvino_precision(precision: str | None) -> Iterator[None]:
    """While ultralytics compiles an OpenVINO model, its ov.Core() computes in `precision`."""
    if precision is None:
        yield
        return
    import openvino

    class PrecisionCore(openvino.Core):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.set_property("CPU", {"INFERENCE_PRECISION_HINT": precision})

    original = openvino.Core
    openvino.Core = PrecisionCore
    try:
        yield
    finally:
        openvino.Core = original


def _as_bgr(tile: np.ndarray) -> np.ndarray:
    """An RGB(A) or grey uint8 tile as the contiguous BGR array ultralytics expects."""
    tile = np.asarray(tile)
    if tile.dtype != np.uint8:
        raise ValueError(f"tiles must be uint8, not {tile.dtype}")
    if tile.ndim == 3 and tile.shape[2] == 1:
        tile = tile[..., 0]
    if tile.ndim == 2:
        tile = np.repeat(tile[..., None], 3, axis=2)
    if tile.ndim != 3 or tile.shape[2] not in (3, 4):
        raise ValueError(f"tiles must be (H, W, 3) RGB, not shape {tile.shape}")
    if tile.shape[0] == 0 or tile.shape[1] == 0:
        raise ValueError(f"tiles must not be empty, got shape {tile.shape}")
    return np.ascontiguousarray(tile[..., 2::-1])


class Detector:
    """A YOLO detect model on one runtime and device, run on batches of RGB tiles.

    All checks happen here, so a bad configuration fails before anything is written.
    """

    def __init__(
        self,
        weights: str | os.PathLike,
        runtime: str = "torch",
        device: str = "auto",
        imgsz: int = 640,
        conf: float = 0.25,
        iou: float = 0.5,
        batch_size: int = 8,
        cache_dir: str | os.PathLike | None = None,
        max_det: int = 300,
    ):
        runtime = resolve_runtime(runtime, device) if runtime == "auto" else runtime
        if runtime not in RUNTIMES:
            raise DetectorError(
                f"unknown detector runtime {runtime!r}; use auto, torch, openvino or onnx"
            )
        if not isinstance(imgsz, int) or imgsz < 32 or imgsz % 32:
            raise DetectorError(f"imgsz must be a positive multiple of 32, not {imgsz!r}")
        if not 0.0 <= conf <= 1.0 or not 0.0 <= iou <= 1.0:
            raise DetectorError(f"conf and iou must be between 0 and 1, not {conf} and {iou}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise DetectorError(f"batch_size must be a positive integer, not {batch_size!r}")
        if not isinstance(max_det, int) or max_det < 1:
            raise DetectorError(f"max_det must be a positive integer, not {max_det!r}")
        self.weights = Path(weights).expanduser().absolute()
        self.runtime = runtime
        self.requested_device = str(device)
        self.imgsz = imgsz
        self.conf = float(conf)
        self.iou = float(iou)
        self.batch_size = batch_size
        self.max_det = max_det
        self.device = runtime_device(device, runtime)
        checkpoint = load_checkpoint(self.weights)
        self.names: dict[int, str] = {int(k): str(v) for k, v in checkpoint.names.items()}
        self.sha256 = file_sha256(self.weights)
        self.version = f"{self.weights.stem}@{self.sha256[:12]}/{runtime}"
        self._cache_dir = None if cache_dir is None else Path(cache_dir).expanduser().absolute()
        if runtime == "torch":
            self._model = checkpoint
        else:
            del checkpoint
            artifact = export_model(
                self.weights, runtime, imgsz, batch_size, self.export_dir
            )
            try:
                self._model = offline_ultralytics()(str(artifact), task=DETECT_TASK)
                with _openvino_precision(OPENVINO_PRECISION if runtime == "openvino" else None):
                    self.detect([np.zeros((32, 32, 3), dtype=np.uint8)])  # loads the backend now
            except Exception as error:
                raise DetectorError(
                    f"cannot load the {runtime} export {artifact} ({_one_line(error)});"
                    f" delete {artifact.parent} to export it again"
                ) from error

    @property
    def export_dir(self) -> Path:
        """Where this weights file's exports are cached: <cache_dir>/<sha256[:12]>/.

        cache_dir defaults to <weights folder>/.exports; keyed by content, one cache_dir serves
        any number of weights files, and retrained weights never reuse a stale export.
        """
        root = self._cache_dir if self._cache_dir is not None else self.weights.parent / ".exports"
        return root / self.sha256[:12]

    def spec(self) -> dict[str, Any]:
        """Constructor kwargs (plain values) that rebuild this Detector, e.g. in a Ray worker."""
        return {
            "weights": str(self.weights),
            "runtime": self.runtime,
            "device": self.requested_device,
            "imgsz": self.imgsz,
            "conf": self.conf,
            "iou": self.iou,
            "batch_size": self.batch_size,
            "cache_dir": None if self._cache_dir is None else str(self._cache_dir),
            "max_det": self.max_det,
        }

    def __reduce__(self):
        return (Detector._from_spec, (self.spec(),))

    @staticmethod
    def _from_spec(spec: dict[str, Any]) -> Detector:
        return Detector(**spec)

    def __repr__(self) -> str:
        return f"Detector({self.version!r}, device={self.device!r}, imgsz={self.imgsz})"

    def detect(self, tiles: Sequence[np.ndarray]) -> list[TileBoxes]:
        """One TileBoxes per RGB uint8 tile.

        torch runs batches of batch_size. An exported model takes every tile in one predict
        call: ultralytics feeds its fixed-batch graph batch_size tiles at a time, and the
        letterboxing and NMS of the whole call are done together (7% faster per tile than one
        call per tile with a batch-1 OpenVINO model on 2 cores).
        """
        results: list[TileBoxes] = []
        step = self.batch_size if self.runtime == "torch" else max(1, len(tiles))
        for start in range(0, len(tiles), step):
            batch = [_as_bgr(tile) for tile in tiles[start : start + step]]
            predictions = self._model.predict(
                batch,
                imgsz=self.imgsz,
                conf=self.conf,
                iou=self.iou,
                max_det=self.max_det,
                device=self.device,
                batch=len(batch),
                rect=False,  # always the full (imgsz, imgsz) letterbox, as in the exports
                save=False,
                verbose=False,
            )
            for bgr, prediction in zip(batch, predictions, strict=True):
                results.append(_tile_boxes(prediction, bgr.shape[1], bgr.shape[0]))
        return results


def _tile_boxes(prediction: Any, width: int, height: int) -> TileBoxes:
    boxes = prediction.boxes
    xyxy = boxes.xyxy.cpu().numpy().astype(np.float32).reshape(-1, 4)
    np.clip(xyxy[:, 0::2], 0, width, out=xyxy[:, 0::2])
    np.clip(xyxy[:, 1::2], 0, height, out=xyxy[:, 1::2])
    # boxes predicted in the letterbox padding collapse to a line on the tile's edge
    keep = ((xyxy[:, 2] - xyxy[:, 0]) >= MIN_BOX_SIDE) & ((xyxy[:, 3] - xyxy[:, 1]) >= MIN_BOX_SIDE)
    return TileBoxes(
        boxes=xyxy[keep],
        scores=boxes.conf.cpu().numpy().astype(np.float32).reshape(-1)[keep],
        labels=boxes.cls.cpu().numpy().astype(np.int64).reshape(-1)[keep],
    )
