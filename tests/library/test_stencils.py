"""Shared templates: registration finds copies of one drawing at another size and colour, and
find_templates on ingested synthetic murals (whose generator records each element's template)
stores likely pairs with good precision; bad input exits 2 writing nothing."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from dunhuang_search.elements.models import Element
from dunhuang_search.library.models import StencilPair
from indexer.synthetic import TemplateBank, plan_mural, render_mural
from indexer.templates_match import line_map, pair_quality, register, template_components
from tests.factories import category, ingested_mural


def test_register_recovers_scale_and_separates_drawings():
    rng = np.random.default_rng(0)
    base = np.full((120, 80, 3), 200, np.uint8)
    for _ in range(12):
        x, y = rng.integers(5, 70), rng.integers(5, 110)
        base[y : y + 3, max(0, x - 10) : x + 10] = rng.integers(0, 120, 3)
    import cv2

    copy = cv2.resize(base, (96, 144))[..., ::-1].copy()  # larger and recoloured (BGR swap)
    other = np.full((120, 80, 3), 200, np.uint8)
    other[20:100:7, 10:70] = 40
    same = register(base, copy, line_only=True)
    assert same.residual < 0.3 and same.scale == pytest.approx(1.2, abs=0.1)
    assert register(base, other, line_only=True).residual > same.residual + 0.3
    assert register(base, copy).residual > same.residual  # colour counts unless line-only


def test_line_maps_follow_the_ink_not_the_fills():
    """A copy whose fills are painted in two colours keeps the line map of the outlined
    drawing; the same drawing moved by a tenth of its width does not."""
    import cv2

    def drawing(split):
        image = np.full((120, 90, 3), 215, np.uint8)
        for x, y, w, h in [(10, 10, 40, 50), (45, 55, 35, 50)]:
            cv2.rectangle(image, (x, y), (x + w, y + h), (200, 60, 40), -1)
            if split:  # a second colour over half the fill, with no ink line between
                cv2.rectangle(image, (x, y + h // 2), (x + w, y + h), (60, 150, 230), -1)
            cv2.rectangle(image, (x, y), (x + w, y + h), (30, 25, 20), 2)
        return image

    a, b = line_map(drawing(False)), line_map(drawing(True))
    moved = line_map(np.roll(drawing(False), 9, axis=1))
    assert float((a * b).sum()) > 0.95 and float((a * moved).sum()) < 0.5


def test_components_and_pair_quality():
    assert template_components(5, [(0, 1), (1, 2), (3, 4)]) == [[0, 1, 2], [3, 4]]
    truth = ["t1", "t1", "t1", "t2", "t3"]
    q = pair_quality(truth, [(0, 1), (3, 4)])
    assert q["precision"] == 0.5 and q["recall"] == pytest.approx(1 / 3, abs=1e-3)


@pytest.fixture
def stencil_murals(db, tmp_path):
    """Two ingested murals planned with one TemplateBank, an element per apsara instance;
    returns {element id: template id}."""
    bank = TemplateBank(7)
    specs = [plan_mural(960, 720, seed=7000 + i, templates=bank) for i in range(6)]
    truth = {}
    for spec in specs[4:]:
        mural = ingested_mural(
            tmp_path / f"wall-{spec.seed}.png", render_mural(spec), cave=spec.cave % 400 + 1
        )
        for inst in spec.instances:
            if inst.category == "apsara" and not inst.truncated:
                e = Element.objects.create(
                    mural=mural,
                    x=inst.x,
                    y=inst.y,
                    w=inst.w,
                    h=inst.h,
                    category=category("apsara"),
                    score=0.9,
                    source="detector",
                )
                truth[e.pk] = inst.template
    return truth


@pytest.mark.django_db
def test_find_templates_on_synthetic_murals(stencil_murals):
    out = io.StringIO()
    call_command(
        "find_templates", "--category", "apsara", "--line-only", "--json", stdout=out, verbosity=0
    )
    body = json.loads(out.getvalue().strip().splitlines()[-1])
    assert body["pairs"] and body["templates"]
    ids = sorted(stencil_murals)
    index = {pk: i for i, pk in enumerate(ids)}
    found = [(index[min(p["a"], p["b"])], index[max(p["a"], p["b"])]) for p in body["pairs"]]
    quality = pair_quality([stencil_murals[pk] for pk in ids], found)
    assert quality["precision"] >= 0.8, quality
    assert quality["recall"] >= 0.3, quality
    assert StencilPair.objects.filter(line_only=True).count() == len(body["pairs"])
    for template in body["templates"]:
        assert len(template["element_ids"]) >= 2 and template["caves"]


@pytest.mark.django_db
def test_find_templates_bad_input_exits_2(db):
    for argv in (["--category", "dragons"], ["--category", "apsara"]):
        with pytest.raises(CommandError) as caught:
            call_command("find_templates", *argv, verbosity=0)
        assert caught.value.returncode == 2
    assert not StencilPair.objects.exists()


@pytest.mark.django_db
def test_gallery_shows_templates(client, stencil_murals):
    call_command(
        "find_templates", "--category", "apsara", "--line-only", verbosity=0, stdout=io.StringIO()
    )
    html = client.get("/library/apsara/").content.decode()
    assert 'class="stencil-template"' in html and "Per cave pair" in html
