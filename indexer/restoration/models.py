"""Inpainter model files: save, load (checked, one-line errors), sha256, the committed default,
and the JSON card written beside each model (`<model>.json`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch

from .errors import RestorationError
from .pconv import PConvConfig, PConvUNet

FORMAT = "dunhuang-pconv"
FORMAT_VERSION = 1
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "fixtures" / "inpainter" / "dunhuang-pconv.pt"
MODEL_ENV = "DUNHUANG_INPAINTER"  # a path that replaces the default model


def default_model_path() -> Path:
    return Path(os.environ.get(MODEL_ENV) or DEFAULT_MODEL)


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: str | os.PathLike, write) -> None:
    """Call write(tmp_path) for a file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def save_model(net: PConvUNet, path: str | os.PathLike, meta: dict | None = None) -> str:
    """Write the network's weights and shape to `path` (atomically); returns its sha256."""
    payload = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "config": net.config.to_dict(),
        "state_dict": {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()},
        "meta": meta or {},
    }
    atomic_write(path, lambda tmp: torch.save(payload, tmp))
    return file_sha256(path)


def read_checkpoint(path: str | os.PathLike) -> dict:
    """A torch file of ours, loaded without running code from it (weights_only)."""
    path = Path(path)
    if not path.is_file():
        raise RestorationError(f"no such inpainting model: {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a damaged file
        message = f"{path.name} is not a readable inpainting model (corrupt?)"
        raise RestorationError(message) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RestorationError(f"{path.name} is not a {FORMAT} model file")
    return data


def network_from(data: dict, name: str) -> PConvUNet:
    try:
        net = PConvUNet(PConvConfig.from_dict(data["config"]))
        net.load_state_dict(data["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise RestorationError(f"{name} does not hold a usable pconv network") from exc
    return net.eval()


def load_model(path: str | os.PathLike | None = None) -> PConvUNet:
    """The pconv network in `path` (default: the committed model), cached by path and sha256."""
    path = Path(path) if path else default_model_path()
    if not path.is_file():
        raise RestorationError(f"no such inpainting model: {path}")
    return _load_cached(str(path.resolve()), file_sha256(path))


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, sha256: str) -> PConvUNet:
    net = network_from(read_checkpoint(path), Path(path).name)
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def model_identity(path: str | os.PathLike | None = None) -> dict:
    """{"name", "path", "sha256"} of a model file, for provenance (name from its card)."""
    path = Path(path) if path else default_model_path()
    if not path.is_file():
        raise RestorationError(f"no such inpainting model: {path}")
    card = card_path(path)
    name = path.stem
    if card.is_file():
        try:
            name = json.loads(card.read_text(encoding="utf-8")).get("name", name)
        except ValueError:
            pass
    return {"name": name, "path": str(path), "sha256": file_sha256(path)}


def card_path(model: str | os.PathLike) -> Path:
    return Path(model).with_suffix(".json")


def write_card(model: str | os.PathLike, card: dict) -> Path:
    path = card_path(model)
    text = json.dumps(card, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path
