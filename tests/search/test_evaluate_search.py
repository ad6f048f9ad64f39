"""evaluate_search: held-out murals indexed through the real pipeline, the contract JSON, and
nothing left behind."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from dunhuang_search.search.evaluation import Truth
from tests.factories import add_element, make_mural

pytestmark = pytest.mark.django_db


def test_a_hit_overlaps_a_true_box_of_the_queried_category():
    mural = make_mural()
    truth = Truth({mural.pk: [("apsara", (100, 200, 50, 80))]})
    close = add_element(mural, "apsara", x=105, y=205)
    assert truth.is_hit(close, "apsara") and not truth.is_hit(close, "donor")
    assert not truth.is_hit(add_element(mural, "apsara", x=140, y=260), "apsara")
    assert truth.count("apsara") == 1


def test_it_prints_the_contract_json_and_leaves_nothing_behind(settings, capsys, tmp_path):
    settings.DETECTOR_RUNTIME = "torch"
    call_command("evaluate_search", "--murals", "1", "--size", "1536x1024", "--json")
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["murals"] == 1 and record["truth_boxes"] > 0 and record["seed"] == 1100
    assert set(record) >= {"category", "text", "example", "thresholds", "no_thresholds"}
    assert set(record["category"]) == {
        "apsara", "donor", "inscription", "non-buddhist-figure", "thousand-buddha"
    }  # fmt: skip
    for row in record["category"].values():
        assert row["p_at_24"] is None or 0 <= row["p_at_24"] <= 1
    assert {"apsara:en", "apsara:zh"} <= set(record["text"])
    assert record["text"]["apsara:zh"]["q"] == "飞天"
    assert set(record["example"]) >= {"p_at_5", "p_at_20", "queries"}
    # without thresholds nothing is hidden: at least as many found
    for slug, row in record["no_thresholds"]["category"].items():
        assert row["total"] >= record["thresholds"]["category"][slug]["total"]
    assert set(record["targets"]) == {"p_at_24>=0.9 everywhere", "example_p_at_5>=0.9"}
    assert not Mural.objects.exists() and not Element.objects.exists()  # rolled back


def test_bad_options_exit_2():
    with pytest.raises(CommandError) as error:
        call_command("evaluate_search", "--murals", "0")
    assert error.value.returncode == 2
    with pytest.raises(CommandError, match="--size"):
        call_command("evaluate_search", "--size", "10x10")
