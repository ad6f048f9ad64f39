"""evaluate_dating: leave-one-cave-out on the catalogue, and the synthetic set left behind not."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dunhuang_search.catalogue.models import Cave, Mural
from dunhuang_search.dating.assistant import Context, weights_path
from dunhuang_search.dating.evaluation import evaluate, gather_cases, learned_weights
from dunhuang_search.elements.models import Element

pytestmark = pytest.mark.django_db


def test_leave_one_cave_out_on_the_catalogue(dated_world, indexed):
    indexed()
    ctx = Context.build()
    cases = gather_cases(ctx, list(Mural.objects.all()), {})
    assert len(cases) == 5
    for case in cases:  # no vote of a mural comes from its own cave
        assert case.cave_id not in case.gathered.neighbour_caves.values()
    report = evaluate(cases, ctx.periods)
    # each Sui and Early Tang cave has a twin cave; the lone Western Wei one cannot be right
    assert report["assistant"]["top1"] == 0.8
    assert report["caves"] == 5 and report["inscription_contradictions"] == 0
    assert report["majority"]["top1"] <= 0.4


def test_weights_for_a_cave_are_learned_without_it(dated_world, indexed):
    indexed()
    ctx = Context.build()
    cases = gather_cases(ctx, list(Mural.objects.all()), {})
    held_out = dated_world[305].cave_id
    assert learned_weights(cases, ctx.periods, held_out) == {"donor": 1.0}
    case = next(c for c in cases if c.cave_id == held_out)
    assert case.gathered.votes and case.truth == "western-wei"


def test_the_catalogue_evaluation_saves_its_weights_when_asked(dated_world, indexed):
    indexed()
    out = io.StringIO()
    call_command("evaluate_dating", "--json", "--save-weights", stdout=out)
    report = json.loads(out.getvalue().splitlines()[-1])
    assert report["set"] == "catalogue" and report["murals"] == 5
    saved = json.loads(weights_path().read_text())
    assert saved["weights"] == report["category_weights"] and "leave-one-cave-out" in saved["how"]


def test_bad_input_exits_2(db):
    with pytest.raises(CommandError, match="at least 2 caves|no vector index") as error:
        call_command("evaluate_dating")
    assert error.value.returncode == 2
    with pytest.raises(CommandError, match="--caves"):
        call_command("evaluate_dating", "--synthetic", "4", "--caves", "9")
    with pytest.raises(CommandError, match="unknown authority"):
        call_command("evaluate_dating", "--authority", "Nobody")


def test_a_small_synthetic_run_leaves_nothing_behind(db):
    murals, caves, elements = Mural.objects.count(), Cave.objects.count(), Element.objects.count()
    out = io.StringIO()
    call_command(
        "evaluate_dating", "--synthetic", "4", "--caves", "2", "--size", "320x240", "--json",
        stdout=out,
    )  # fmt: skip
    report = json.loads(out.getvalue().splitlines()[-1])
    assert report["set"] == "synthetic" and report["murals"] == 4 and report["caves"] == 2
    for name in ("assistant", "majority", "colour_histogram_nn"):
        assert set(report[name]) >= {"top1", "top3", "mae_years", "coverage_80"}
    assert (Mural.objects.count(), Cave.objects.count(), Element.objects.count()) == (
        murals, caves, elements,
    )  # fmt: skip
    assert not weights_path().exists()
