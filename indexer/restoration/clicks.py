"""Which click method grows better masks: GrabCut against watershed (Lab) on the flakes that
the synthetic generator paints, whose exact footprints (their alpha) are known."""

from __future__ import annotations

import numpy as np

from .masks import CLICK_METHODS, click_mask

CLICK_SEED = 31


def flake_cases(seed: int = CLICK_SEED, murals: int = 2, size=(1536, 1152), min_side: int = 24,
                margin: int = 128):
    """(crop, footprint, clicks) for each whole flake of at least min_side px: the crop is the
    flake's box with `margin` px around it, clicks are 1-3 points inside the flake."""
    from ..synthetic import image_seed, plan_mural, render_mural
    from ..synthetic.motifs import draw_motif
    from ..synthetic.spec import DAMAGE

    cases = []
    for m in range(murals):
        spec = plan_mural(*size, image_seed(seed, m))
        image = render_mural(spec)
        rng = np.random.default_rng([seed, m])
        for p in spec.paints:
            if p.layer != DAMAGE or p.motif != "flake" or min(p.w, p.h) < min_side:
                continue
            x0, y0 = max(0, p.x - margin), max(0, p.y - margin)
            x1, y1 = min(spec.width, p.x + p.w + margin), min(spec.height, p.y + p.h + margin)
            if p.x < 0 or p.y < 0 or p.x + p.w > spec.width or p.y + p.h > spec.height:
                continue
            alpha = draw_motif(p.motif, p.seed, p.size, p.params)[..., 3]
            footprint = np.zeros((y1 - y0, x1 - x0), np.uint8)
            footprint[p.y - y0 : p.y - y0 + p.h, p.x - x0 : p.x - x0 + p.w] = (
                alpha[: p.h, : p.w] > 127
            ) * 255
            inside = np.argwhere(footprint > 0)
            if len(inside) < 50:
                continue
            picks = inside[rng.choice(len(inside), int(rng.integers(1, 4)), replace=False)]
            clicks = [(int(x), int(y)) for y, x in picks]
            cases.append((np.ascontiguousarray(image[y0:y1, x0:x1]), footprint, clicks))
    return cases


def click_benchmark(seed: int = CLICK_SEED, murals: int = 2) -> dict:
    """{"flakes", "iou": {method: mean IoU with the true footprint}}."""
    cases = flake_cases(seed, murals)
    ious: dict[str, list[float]] = {m: [] for m in CLICK_METHODS}
    for crop, footprint, clicks in cases:
        truth = footprint > 0
        for method in CLICK_METHODS:
            got = click_mask(crop, clicks, method=method) > 0
            ious[method].append(float((got & truth).sum() / max(1, (got | truth).sum())))
    return {"flakes": len(cases),
            "iou": {m: round(float(np.mean(v)), 3) if v else None for m, v in ious.items()}}
