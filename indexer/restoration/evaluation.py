"""The paper's protocol: 256 x 256 crops of intact regions damaged by dust-like and jelly-like
masks at light and heavy loss, every method scored with PSNR, SSIM, HaarPSI and TV (piq).
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .data import ImageSet, folder_images, intact_crops, synthetic_images
from .errors import RestorationError
from .masks import LEVELS, MASK_KINDS, simulated_mask
from .metrics import mean_scores, score
from .pconv import PConvUNet, classical_prior, run_network

MASK_SETTINGS: tuple[tuple[str, str], ...] = tuple(
    (kind, level) for level in LEVELS for kind in MASK_KINDS
)
VALIDATION_SEED_OFFSET = 1000  # synthetic validation murals: seeds never used for training
VALIDATION_CROPS = 16
Log = Callable[[str], None]


def mask_name(kind: str, level: str) -> str:
    return f"{kind}-{level}"


def crop_mask(kind: str, level: str, index: int, seed: int, size: int = 256) -> np.ndarray:
    """The mask of crop `index` in a run seeded `seed` (the same crops get the same masks)."""
    mask_seed = int(np.random.SeedSequence([seed, index, len(kind), LEVELS.index(level)])
                    .generate_state(1)[0])
    return simulated_mask(kind, level, mask_seed, size)


def validation_images(options) -> ImageSet:
    if options.synthetic is not None:
        return synthetic_images(2, options.synthetic_seed + VALIDATION_SEED_OFFSET)
    return folder_images(options.data, options.split)


def validation_metrics(net: PConvUNet, options, crops: int = VALIDATION_CROPS) -> dict:
    """pconv against Telea on fixed validation crops for each mask setting (written into the
    model card). Synthetic runs validate on unseen murals; --data runs on other crops of the
    training images (report held-out numbers with evaluate)."""
    images = validation_images(options)
    samples = intact_crops(images, crops, 256, seed=options.seed + 7)
    out = {"images": images.description, "crops": len(samples)}
    for kind, level in MASK_SETTINGS:
        rows = {"telea": [], "pconv": []}
        for i, (_, crop) in enumerate(samples):
            lost = crop_mask(kind, level, i, 7)
            rows["telea"].append(score(classical_prior(crop, lost), crop))
            rows["pconv"].append(score(run_network(net, crop, lost), crop))
        out[mask_name(kind, level)] = {m: mean_scores(r) for m, r in rows.items()}
    return out


DEFAULT_METHODS: tuple[str, ...] = ("telea", "ns", "patchmatch", "pconv")
REAL_WALLS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "murals" / "mogao-220"
SYNTHETIC_EVAL_SEED = 900  # murals never seen in training (0) or validation (1000)
REGION = 2048


def resolve_data(data: str | None, synthetic: bool) -> tuple[str, ImageSet, ImageSet | None]:
    """(label, test images, training images or None): a folder split by wall (the real cave
    220 walls by default, where present), else synthetic murals."""
    if synthetic or (data is None and not REAL_WALLS.is_dir()):
        images = synthetic_images(4, SYNTHETIC_EVAL_SEED)
        return f"synthetic:{SYNTHETIC_EVAL_SEED}", images, None
    folder = (Path(data) if data else REAL_WALLS).resolve()
    return str(folder), folder_images(folder, "test"), folder_images(folder, "train")


def _timed(method: str, crop: np.ndarray, lost: np.ndarray, params: dict):
    from .methods import restore

    started = time.perf_counter()
    out = restore(crop, lost, method, **params).image
    return out, (time.perf_counter() - started) * 1000


def score_methods(
    samples: list[tuple[str, np.ndarray]],
    methods: dict[str, tuple[str, dict]],
    seed: int,
    log: Log,
) -> tuple[dict, dict]:
    """{mask: {method: scores + ms}} and {mask: mean lost fraction} over the samples."""
    results, lost_fractions = {}, {}
    for kind, level in MASK_SETTINGS:
        name = mask_name(kind, level)
        rows: dict[str, list[dict]] = {m: [] for m in methods}
        fractions = []
        for i, (_, crop) in enumerate(samples):
            lost = crop_mask(kind, level, i, seed)
            if not lost.any():
                continue
            fractions.append(float((lost > 0).mean()))
            for label, (method, params) in methods.items():
                out, ms = _timed(method, crop, lost, params)
                rows[label].append({**score(out, crop), "ms": ms})
        results[name] = {m: mean_scores(r) for m, r in rows.items() if r}
        lost_fractions[name] = round(float(np.mean(fractions)), 4)
        log(f"{name} ({lost_fractions[name]:.1%} lost): " + "; ".join(
            f"{m} {r['psnr']:.2f} dB {r['haarpsi']:.3f} {r['ms']:.0f} ms"
            for m, r in results[name].items()))
    return results, lost_fractions


def region_timing(image: np.ndarray, methods: dict[str, tuple[str, dict]], seed: int) -> dict:
    """ms to restore one REGION x REGION region (the image resized to it) under light dust
    masks tiled over it, method by method."""
    import cv2

    region = cv2.resize(image, (REGION, REGION), interpolation=cv2.INTER_CUBIC)
    tiles = REGION // 256
    lost = np.vstack([
        np.hstack([crop_mask("dust", "light", r * tiles + c, seed) for c in range(tiles)])
        for r in range(tiles)
    ])
    timings = {}
    for label, (method, params) in methods.items():
        _, ms = _timed(method, region, lost, params)
        timings[label] = round(ms, 1)
    return {"size": REGION, "mask": "dust-light", "lost": round(float((lost > 0).mean()), 4),
            "ms": timings}


FINETUNE_VERSION = 1  # bump when fine-tuning changes, so cached fine-tuned models are redone


def var_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "var" / "inpainter"


def finetuned_model(
    folder: str | Path, base: str | None, steps: int, log: Log, cache: Path | None = None
) -> Path:
    """The base model fine-tuned for `steps` on the training walls of `folder` (never the test
    walls), cached under var/inpainter by what it depends on; never committed."""
    from .data import Augment
    from .models import default_model_path, file_sha256
    from .training import CHECKPOINT, TrainOptions, train

    base_path = Path(base) if base else default_model_path()
    train_set = folder_images(folder, "train")
    key_text = "|".join(
        [file_sha256(base_path), str(steps), str(FINETUNE_VERSION)]
        + [f"{n}:{im.shape}" for n, im in zip(train_set.names, train_set.images, strict=True)]
    )
    key = hashlib.sha256(key_text.encode()).hexdigest()[:12]
    cache = cache or var_dir()
    out = cache / f"finetuned-{key}.pt"
    if out.is_file():
        return out
    run_dir = cache / f"finetune-{key}"
    options = TrainOptions(
        out=str(out),
        run_dir=str(run_dir),
        data=str(folder),
        split="train",
        init=str(base_path),
        steps=steps,
        batch=8,
        crop=128,
        lr=2e-4,
        checkpoint_every=50,
        name=f"dunhuang-pconv-finetuned-{key}",
        threads=1,
        augment=Augment(zoom=1.25, jitter=0.05, jpeg=False),
        command=f"evaluate --finetune-steps {steps} (on the training walls of {folder})",
    )
    log(f"fine-tuning {base_path.name} for {steps} steps on {', '.join(train_set.names)}")
    train(options, resume=(run_dir / CHECKPOINT).is_file(), log=log)
    return out


def evaluate(
    data: str | None = None,
    synthetic: bool = False,
    crops: int = 60,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    model: str | None = None,
    finetune_steps: int = 0,
    seed: int = 220,
    region: bool = True,
    motifs: bool = True,
    log: Log | None = None,
) -> dict:
    """Score every method on fixed crops of the held-out walls (or synthetic murals); with
    finetune_steps, also pconv fine-tuned on the training walls. The result is what the
    evaluate command prints as its last line."""
    from .methods import check_method
    from .models import model_identity

    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    for m in methods:
        check_method(m)
    label, test_images, train_images = resolve_data(data, synthetic)
    samples = intact_crops(test_images, crops, 256, seed)
    if not samples:
        raise RestorationError("no intact 256 x 256 crops found in the evaluation images")
    table = {m: (m, {"model": model} if m == "pconv" and model else {}) for m in methods}
    models = {"pconv": model_identity(model)} if "pconv" in methods else {}
    if finetune_steps > 0 and train_images is not None:
        tuned = finetuned_model(Path(label), model, finetune_steps, log)
        table["pconv-finetuned"] = ("pconv", {"model": str(tuned)})
        models["pconv-finetuned"] = model_identity(tuned)
    log(f"{label}: {len(samples)} crops of {', '.join(test_images.names)}")
    results, lost = score_methods(samples, table, seed, log)
    out = {
        "data": label,
        "crops": len(samples),
        "walls": {
            "test": test_images.description.get("walls", test_images.names),
            "train": train_images.description.get("walls") if train_images else None,
        },
        "lost": lost,
        "models": models,
        "results": results,
    }
    if region:
        out["region"] = region_timing(test_images.images[0], table, seed)
        log(f"{REGION}x{REGION} region: {out['region']['ms']}")
    if motifs:
        from .motifs import motif_benchmark

        out["motifs"] = motif_benchmark(model=model, log=log)
    return out


def format_table(result: dict) -> str:
    """The evaluation as a plain-text table: PSNR / SSIM / HaarPSI / TV and ms per crop."""
    lines = [f"data: {result['data']} ({result['crops']} crops of 256 x 256)"]
    for mask, methods in result["results"].items():
        lost = result.get("lost", {}).get(mask)
        lines.append(f"{mask}" + (f" ({lost:.1%} lost)" if lost is not None else ""))
        for method, r in methods.items():
            lines.append(
                f"  {method:<16} {r['psnr']:6.2f} dB  SSIM {r['ssim']:.3f}  "
                f"HaarPSI {r['haarpsi']:.3f}  TV {r['tv']:.4f}  {r['ms']:8.1f} ms"
            )
    if "region" in result:
        region = result["region"]
        lines.append(f"{region['size']}^2 region ({region['mask']}): " + ", ".join(
            f"{m} {ms / 1000:.1f} s" for m, ms in region["ms"].items()))
    if "motifs" in result:
        motifs = result["motifs"]
        lines.append(f"thousand-buddha motifs ({motifs['crops']} crops, {motifs['mask']}, "
                     f"{motifs['fallbacks']} fallbacks):")
        for method, r in motifs["results"].items():
            lines.append(f"  {method:<16} {r['psnr']:6.2f} dB  SSIM {r['ssim']:.3f}  "
                         f"HaarPSI {r['haarpsi']:.3f}")
    return "\n".join(lines)
