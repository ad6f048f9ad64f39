"""The four methods: `color`, `arbitrary`, `neural-stats` and `unpaired` (see methods.py)."""

from __future__ import annotations

import numpy as np
from skimage.exposure import match_histograms

from ..files import file_sha256
from .errors import StyleError
from .methods import Plan, StyleSource, blend, check_strength, detail_transfer, register
from .stats import reduced, to_lab, to_rgb

KNOTS = 257


def _monotone_map(before: np.ndarray, after: np.ndarray):
    """The per-channel monotone mapping that took `before` to `after` (histogram matching maps
    by rank), as quantile knots: applying it to a window gives what matching the whole
    image would have given there."""
    q = np.linspace(0, 1, KNOTS)
    xs, ys = [], []
    for c in range(before.shape[-1]):
        xk = np.quantile(before[..., c], q) + np.arange(KNOTS) * 1e-5
        xs.append(xk)
        ys.append(np.quantile(after[..., c], q))
    return xs, ys


@register("color")
def color(
    thumb: np.ndarray, size, style: StyleSource, strength: float = 1.0, histogram: bool = True
) -> Plan:
    """Reinhard et al. (2001): the content's Lab mean and std moved to the style set's pooled
    ones; then, with `histogram`, scikit-image's match_histograms against the set's pooled Lab
    pixels (fitted on the whole content, applied per window)."""
    strength = check_strength(strength)
    stats = style.colour
    lab = to_lab(reduced(thumb, 512))
    mean, std = lab.reshape(-1, 3).mean(0), lab.reshape(-1, 3).std(0) + 1e-6
    gain = stats.std / std

    def reinhard(x: np.ndarray) -> np.ndarray:
        return (x - mean) * gain + stats.mean

    xs = ys = None
    if histogram:
        moved = reinhard(lab)
        matched = match_histograms(moved, stats.sample[None].astype(np.float32), channel_axis=-1)
        xs, ys = _monotone_map(moved, matched)

    def fn(window: np.ndarray, x0: int, y0: int) -> np.ndarray:
        out = reinhard(to_lab(window))
        if xs is not None:
            out = np.stack([np.interp(out[..., c], xs[c], ys[c]) for c in range(3)], axis=-1)
        return blend(window, to_rgb(out.astype(np.float32)), strength)

    details = {"model": None, "colour": stats.to_dict(), "histogram": bool(histogram)}
    return Plan(fn, tile=1024, overlap=0, details=details)


@register("arbitrary")
def arbitrary(
    thumb: np.ndarray, size, style: StyleSource, strength: float = 1.0, member: int | None = None
) -> Plan:
    """Magenta's arbitrary stylization (Ghiasi et al. 2017): the set's mean style vector (or one
    member's), interpolated toward the content's own vector by `strength`; 384² windows."""
    from .magenta import TRANSFORM_SIZE, model_identity, style_vector, transform

    strength = check_strength(strength)
    if member is None:
        vector = style.vector
    else:
        if not 0 <= int(member) < len(style.images):
            raise StyleError(f"member must be 0 to {len(style.images) - 1}, not {member}")
        vector = style_vector(style.images[int(member)])
    if strength < 1.0:
        vector = strength * vector + (1.0 - strength) * style_vector(thumb)

    def fn(window: np.ndarray, x0: int, y0: int) -> np.ndarray:
        return transform(window, vector)

    details = {"model": model_identity(), "member": member}
    return Plan(fn, tile=TRANSFORM_SIZE, overlap=64, details=details)


@register("neural-stats")
def neural_stats(
    thumb: np.ndarray,
    size,
    style: StyleSource,
    strength: float = 1.0,
    steps: int = 30,
    content_weight: float = 1.0,
    smoothing: str = "softmax",
    temperature: float = 1.0,
    init: str = "color",
    seed: int = 0,
) -> Plan:
    """Pixels optimised to the set's Lite0 feature statistics (softmax-smoothed), at 128 px;
    the change is carried onto the full-resolution content."""
    from .neural import WORK_SIDE, optimise

    strength = check_strength(strength)
    if init not in ("color", "content"):
        raise StyleError(f"init must be color or content, not {init!r}")
    work = reduced(thumb, WORK_SIDE)
    start = work
    if init == "color":
        start = color(work, size, style).fn(work, 0, 0)
    targets = style.feature_targets(smoothing, float(temperature))
    result, losses = optimise(
        start, work, targets, steps, content_weight, smoothing, float(temperature), seed=seed
    )
    change = detail_transfer(work, result, size)

    def fn(window: np.ndarray, x0: int, y0: int) -> np.ndarray:
        return blend(window, change(window, x0, y0), strength)

    details = {
        "model": {"name": "efficientnet-lite0-imagenet (loss network)", "sha256": ""},
        "loss_first": round(losses[0], 4),
        "loss_last": round(losses[-1], 4),
    }
    return Plan(fn, tile=1024, overlap=0, details=details)


@register("unpaired")
def unpaired(
    thumb: np.ndarray,
    size,
    style: StyleSource,
    strength: float = 1.0,
    model: str | None = None,
    work_side: int = 256,
) -> Plan:
    """The trained CycleGAN's G_AB at `work_side` px; the change goes onto the content."""
    from .unpaired import load_generator, translate

    strength = check_strength(strength)
    path = model or style.unpaired_model
    if path is None:
        raise StyleError("this style set has no unpaired model: run train_style first")
    net, meta = load_generator(path)
    work = reduced(thumb, int(work_side))
    work = work[: work.shape[0] // 4 * 4 or None, : work.shape[1] // 4 * 4 or None]
    change = detail_transfer(work, translate(net, work), size)

    def fn(window: np.ndarray, x0: int, y0: int) -> np.ndarray:
        return blend(window, change(window, x0, y0), strength)

    identity = {
        "name": f"cyclegan {meta.get('config')} epoch {meta.get('epoch')}",
        "sha256": file_sha256(path),
    }
    return Plan(fn, tile=1024, overlap=0, details={"model": identity, "trained": meta})
