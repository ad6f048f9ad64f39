"""Review -> training: a new detector fine-tuned from the active one, compared with it on the
same held-out reviewed murals (the data set's val split, which is by mural), and activated only
when it is not worse (train_detector --from-active --compare --activate-if-better).
"""

from __future__ import annotations

from django.conf import settings

from indexer.training.datasets import LabelledBox, LabelledMural, read_manifest
from indexer.training.thresholds import thresholds_of
from indexer.training.train import TrainingError

from .models import DetectorModel
from .registry import DetectorChoice
from .thresholds import save_thresholds

KEY = "map50_95"  # what decides: full-mural mAP@[.5:.95]


def held_out_murals(data_dir) -> tuple[list[LabelledMural], str]:
    """The val murals of a built data set: the reviewed ones (`mural-<id>`) where there are
    any, else all of them (a synthetic-only run); and which it was."""
    manifest = read_manifest(data_dir)
    val = [
        LabelledMural(m["key"], m["pyramid"], tuple(LabelledBox(**b) for b in m["boxes"]))
        for m in manifest["murals"]
        if m["split"] == "val"
    ]
    reviewed = [m for m in val if m.key.startswith("mural-")]
    if reviewed:
        return reviewed, "reviewed murals"
    if not val:
        raise TrainingError(
            "--compare: the data set holds out no mural; add reviewed murals or --synthetic N"
        )
    return val, "val murals (no reviewed mural is held out)"


def _scores(weights: str, murals, geometry: dict, names: list[str]) -> dict:
    from indexer.detection import Detector, DetectorError
    from indexer.pipeline import IndexConfig
    from indexer.training.evaluation import evaluate_murals

    try:
        detector = Detector(
            weights, runtime="torch", device=settings.DEVICE, imgsz=geometry["tile_size"],
            conf=0.001, batch_size=1, max_det=settings.DETECTOR_MAX_DET,
        )  # fmt: skip
    except DetectorError as exc:
        raise TrainingError(str(exc)) from exc
    config = IndexConfig(
        tile_size=geometry["tile_size"],
        overlap=geometry["overlap"],
        scale=geometry["scale"],
        batch_size=settings.INDEX_BATCH_SIZE,
    )
    metrics = evaluate_murals(detector, murals, config, names)
    return {key: metrics[key] for key in ("map50_95", "map50", "ar", "per_category", "operating")}


def compare(new: DetectorModel, active: DetectorChoice, data_dir, names: list[str]) -> dict:
    """Both detectors on the same held-out murals, at the data set's geometry; stored on the
    new model's metrics under "comparison"."""
    murals, which = held_out_murals(data_dir)
    geometry = read_manifest(data_dir)["info"]["geometry"]
    record = {
        "murals": [m.key for m in murals],
        "held_out": which,
        "boxes": sum(len(m.boxes) for m in murals),
        "level": "full_mural",
        "new": {"name": new.name, **_scores(new.weights, murals, geometry, names)},
        "active": {"name": active.name, **_scores(active.weights, murals, geometry, names)},
    }
    record["better"] = record["new"][KEY] >= record["active"][KEY]
    operating = record["new"].pop("operating")
    record["active"].pop("operating")
    new.metrics = {**new.metrics, "comparison": record}
    new.save(update_fields=["metrics"])
    # the new model's operating thresholds, picked on these held-out murals
    save_thresholds(
        new,
        thresholds_of(operating),
        {"source": which, "murals": record["murals"], "boxes": record["boxes"], "iou": 0.5,
         "precision_target": operating["precision_target"]},
    )  # fmt: skip
    return record


def activate_if_better(new: DetectorModel, comparison: dict) -> tuple[bool, str]:
    """Activate `new` only when its full-mural mAP@[.5:.95] is not lower than the active one's;
    returns whether it did and why, in one line."""
    ours, theirs = comparison["new"][KEY], comparison["active"][KEY]
    if ours >= theirs:
        new.activate()
        return (
            True,
            f"activated: mAP@[.5:.95] {ours:.4f} >= {theirs:.4f} of {comparison['active']['name']}",
        )
    return False, (
        f"not activated: mAP@[.5:.95] {ours:.4f} is lower than {theirs:.4f} of "
        f"{comparison['active']['name']}, which stays active"
    )
