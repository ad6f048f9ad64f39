"""`manage.py search`: the --json contract, and exit 2 with one line on bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.cli import run_manage
from tests.factories import add_elements, build_index, make_mural, unit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def collection():
    rng = np.random.default_rng(11)
    south = make_mural(cave=220, period="high-tang")
    north = make_mural(cave=45, period="early-tang")
    elements = add_elements(south, unit(rng.normal(size=(20, 8))), "apsara")
    elements += add_elements(north, unit(rng.normal(size=(20, 8))), "donor")
    build_index(8)
    return elements


def test_it_prints_the_json_contract_best_first(collection, isolated_var):
    done = run_manage(
        "search", "--element", str(collection[0].pk), "--k", "5", "--json", var_dir=isolated_var
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout.strip().splitlines()[-1])
    assert body["query"]["kind"] == "element" and body["query"]["element_id"] == collection[0].pk
    assert len(body["results"]) == 5
    first = body["results"][0]
    assert set(first) == {
        "element_id", "mural_id", "bbox", "score", "category", "period", "cave", "source"
    }  # fmt: skip
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_it_filters_and_browses_by_category(collection, isolated_var):
    done = run_manage(
        "search", "--category", "donor", "--cave", "45", "--k", "3", "--json", var_dir=isolated_var
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])["results"]
    assert len(results) == 3 and {(r["category"], r["cave"]) for r in results} == {("donor", 45)}
    text = run_manage(
        "search", "--text", "apsara high tang cave 220", "--json", var_dir=isolated_var
    )
    assert {r["category"] for r in json.loads(text.stdout.splitlines()[-1])["results"]} == {
        "apsara"
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--example", "1:0,0,-5,5"], "example:"),
        (["--category", "sphinx"], "category:"),
        (["--element", "1", "--cave", "abc"], "cave:"),
        (["--element", "1", "--k", "0"], "k:"),
        (["--text", ""], "q:"),
        ([], "give one of"),
    ],
)
def test_bad_input_exits_2_with_one_line(collection, isolated_var, args, message):
    done = run_manage("search", *args, var_dir=isolated_var)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
