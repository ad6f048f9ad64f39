"""`manage.py mural_palettes`: palettes for the murals ingested before palettes existed."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from dunhuang_search.catalogue.ingest import ingest_mural
from dunhuang_search.catalogue.models import MuralPalette
from tests.factories import make_mural

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = io.StringIO()
    call_command("mural_palettes", *args, "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_it_fills_in_missing_palettes_and_names_the_murals_it_cannot_read(image_file):
    mural = ingest_mural(
        image_file("wall.png", width=900, height=600),
        site="mogao", cave=220, wall="south", period="early-tang",
    )  # fmt: skip
    stored = np.asarray(MuralPalette.of(mural.pk))
    MuralPalette.objects.filter(mural=mural).delete()
    lost = make_mural(cave=221)  # a row whose pyramid file is not there
    report = run()
    assert report["updated"] == 1
    assert [row["mural_id"] for row in report["skipped"]] == [lost.pk]
    assert "cannot read the pyramid" in report["skipped"][0]["reason"]
    assert np.allclose(np.asarray(MuralPalette.of(mural.pk)), stored, atol=1e-6)
    assert MuralPalette.of(lost.pk) is None
    assert run() == {"updated": 0, "skipped": report["skipped"]}  # only the missing, again
    assert run("--all")["updated"] == 1
