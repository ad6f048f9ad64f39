"""Casting a content source (an upload, a mural region or an element) into a style set: the
stylized image becomes a `Derivative` (kind=style) through studio's save_derivative, with its
provenance: the source, the style set's slug and version, the method, model, parameters, seed
and author. Everything is checked before anything is written; on any error nothing is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dunhuang_search.studio.derivatives import save_derivative
from dunhuang_search.studio.models import Derivative
from indexer.files import atomic_write, file_sha256
from indexer.style import METHODS, StyleError, stylize

from .members import check_upload, max_pixels, read_image, region_pixels, style_source
from .models import StyleSet, style_dir


def keep_input(path: Path) -> tuple[str, bool]:
    """Copy an uploaded content file under STYLE_DIR/inputs/ by its sha256 (so the derivative
    can be shown beside its input); returns (relative path, whether it was written now)."""
    import shutil

    rel = f"inputs/{file_sha256(path)}{Path(path).suffix.lower()}"
    dest = style_dir() / rel
    if dest.is_file():
        return rel, False
    with atomic_write(dest) as staged:
        shutil.copyfile(path, staged)
    return rel, True


@dataclass
class Content:
    """Where the pixels come from, as Derivative fields, and the pixels themselves."""

    pixels: np.ndarray
    fields: dict
    path: Path | None = None  # an uploaded file, kept beside the derivative as its input

    @classmethod
    def upload(cls, path: Path, name: str = "") -> Content:
        check_upload(path)
        return cls(read_image(path), {"upload_name": name or Path(path).name}, Path(path))

    @classmethod
    def region(cls, mural, x: int, y: int, w: int, h: int) -> Content:
        check_pixels(w, h)
        return cls(
            region_pixels(mural, x, y, w, h), {"mural": mural, "x": x, "y": y, "w": w, "h": h}
        )

    @classmethod
    def element(cls, element) -> Content:
        check_pixels(element.w, element.h)
        pixels = region_pixels(element.mural, element.x, element.y, element.w, element.h)
        return cls(pixels, {"element": element})


def check_pixels(w: int, h: int) -> None:
    if w * h > max_pixels():
        raise StyleError(f"{w}x{h} = {w * h:,} pixels is over the limit of {max_pixels():,}")


def check_method(method: str) -> None:
    if method not in METHODS:
        raise StyleError(f"unknown method {method!r}: use {', '.join(sorted(METHODS))}")


def stylize_to_derivative(
    style_set: StyleSet,
    content: Content,
    method: str,
    *,
    author=None,
    seed: int = 0,
    progress=None,
    **params,
) -> Derivative:
    """Stylize and store; raises StyleError (nothing written) on bad input. `progress(phase,
    fraction)` hears how far the stylization is (styles/jobs.py)."""
    check_method(method)
    source = style_source(style_set)
    if method == "neural-stats":
        params.setdefault("seed", seed)
    result = stylize(content.pixels, source, method, progress=progress, **params)
    model = result.model or {}
    inputs = {
        "style_set": style_set.slug,
        "style_set_version": style_set.version,
        "style_set_name": style_set.name,
        "members": len(source.images),
        "details": {k: v for k, v in result.details.items() if k != "model"},
    }
    kept, created = None, False
    if content.path is not None:
        kept, created = keep_input(content.path)
        inputs["upload_file"] = kept
    try:
        return save_derivative(
            result.image,
            kind=Derivative.Kind.STYLE,
            method=method,
            model_name=str(model.get("name") or ""),
            model_sha256=str(model.get("sha256") or ""),
            parameters=result.params,
            seed=seed,
            inputs=inputs,
            author=author,
            seconds=round(result.seconds, 3),
            **content.fields,
        )
    except BaseException:
        if created:
            (style_dir() / kept).unlink(missing_ok=True)
        raise


def provenance(derivative: Derivative) -> dict:
    """The JSON provenance sidecar of a style derivative."""
    return {
        "id": derivative.pk,
        "kind": derivative.kind,
        "source": {
            "upload_name": derivative.upload_name or None,
            "mural": derivative.mural_id,
            "element": derivative.element_id,
            "bbox": derivative.bbox,
        },
        "style_set": derivative.inputs.get("style_set"),
        "style_set_version": derivative.inputs.get("style_set_version"),
        "method": derivative.method,
        "model": {"name": derivative.model_name, "sha256": derivative.model_sha256},
        "parameters": derivative.parameters,
        "seed": derivative.seed,
        "author": derivative.author.username if derivative.author else None,
        "created_at": derivative.created_at.isoformat(),
        "seconds": derivative.seconds,
        "width": derivative.width,
        "height": derivative.height,
        "sha256": derivative.sha256,
        "details": derivative.inputs.get("details", {}),
    }
