"""Operating thresholds of detectors, applied to the elements they found: storing them on a
DetectorModel (and its card), and flagging elements `confident` by them.

A model's thresholds apply to the elements that model found (Element.model_version), one
UPDATE per class; a class without a threshold keeps all its elements confident.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q

from dunhuang_search.elements.models import Category, Element
from indexer.files import atomic_write

from .models import DetectorModel


def _category_lookup() -> dict[str, Category]:
    lookup: dict[str, Category] = {}
    for category in Category.objects.all():
        for key in [category.slug, category.name, category.name_zh, *category.synonyms]:
            if key:
                lookup.setdefault(key.strip().lower(), category)
    return lookup


def reflag_elements(model: DetectorModel) -> dict[str, int]:
    """Set `confident` on the detector elements `model` found: score at or above
    its class's threshold (True where the class has none). One UPDATE per class; returns the
    rows touched per class."""
    lookup = _category_lookup()
    values = model.threshold_values()
    found = Element.objects.filter(
        source=Element.Source.DETECTOR, model_version__startswith=model.version_prefix
    )
    touched = {}
    with transaction.atomic():
        for name in model.classes:
            category = lookup.get(name.strip().lower())
            if category is None:
                continue
            threshold = values.get(name)
            flag = (
                ExpressionWrapper(Q(score__gte=threshold), output_field=BooleanField())
                if threshold is not None
                else True
            )
            touched[name] = found.filter(category=category).update(confident=flag)
    return touched


def save_thresholds(model: DetectorModel, thresholds: dict, calibration: dict) -> dict[str, int]:
    """Store thresholds (and how they were calibrated) on the model, write them into the card
    beside its weights if it has one, and flag its elements again, all or nothing."""
    with transaction.atomic():
        model.thresholds = thresholds
        model.parameters = {**model.parameters, "calibration": calibration}
        model.save(update_fields=["thresholds", "parameters"])
        touched = reflag_elements(model)
        update_card(Path(model.weights), thresholds, calibration)
    return touched


def update_card(weights: Path, thresholds: dict, calibration: dict) -> Path | None:
    """Put thresholds and calibration into `<weights>.json`, if there is such a card."""
    path = weights.with_suffix(".json")
    if not path.is_file():
        return None
    card = json.loads(path.read_text(encoding="utf-8"))
    card["thresholds"] = thresholds
    card["calibration"] = calibration
    with atomic_write(path) as staged:
        Path(staged).write_text(
            json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return path
