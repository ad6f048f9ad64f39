"""Loads the reference fixtures (sites, periods, categories) idempotently, keyed by slug.

Data migrations call it with historical models, so fresh and test databases always have them.
"""
from __future__ import annotations

import json
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"


def load_reference_fixture(model, filename: str) -> int:
    """update_or_create every object of fixtures/<filename> on `model`, by slug."""
    records = json.loads((FIXTURES_DIR / filename).read_text(encoding="utf-8"))
    for record in records:
        fields = dict(record["fields"])
        slug = fields.pop("slug")
        model.objects.update_or_create(slug=slug, defaults=fields)
    return len(records)
