"""estimate_period and accept_estimate, and datings checked on the way in."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.dating.authority import DatingError
from dunhuang_search.dating.models import Dating
from dunhuang_search.dating.records import add_dating
from tests.dating.conftest import vectors
from tests.factories import add_elements, make_mural, make_user

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def target(dated_world, indexed):
    mural = make_mural(cave=400, period=None)
    add_elements(mural, vectors(0, 3, seed=9), category_slug="donor")
    indexed()
    return mural


def test_estimate_period_prints_the_contract_json(target):
    body = json.loads(run("estimate_period", "--mural", str(target.pk), "--json").splitlines()[-1])
    assert body["period"] == "sui"
    for key in ("target", "interval", "distribution", "abstained", "evidence", "inscriptions"):
        assert key in body
    element = target.elements.first()
    body = json.loads(run("estimate_period", "--element", str(element.pk), "--json"))
    assert body["target"] == {"mural_id": target.pk, "element_id": element.pk}
    assert "sui (" in run("estimate_period", "--mural", str(target.pk))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mural", "999999"], "unknown mural 999999"),
        (["--element", "999999"], "unknown element 999999"),
        (["--authority", "Nobody"], "unknown authority 'Nobody'"),
        (["--k", "0"], "--k must be at least 1"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(target, args, message):
    if "--mural" not in args and "--element" not in args:
        args = ["--mural", str(target.pk), *args]
    with pytest.raises(CommandError, match=message) as error:
        call_command("estimate_period", *args, "--save")
    assert error.value.returncode == 2
    assert not Dating.objects.exists()


def test_a_saved_estimate_is_accepted_by_staff_only_once(target):
    out = run("estimate_period", "--mural", str(target.pk), "--save", "--json")
    dating_id = json.loads(out)["dating_id"]
    assert Mural.objects.get(pk=target.pk).period is None
    make_user("curator", staff=True)
    make_user("visitor")
    with pytest.raises(CommandError, match="no such staff user"):
        call_command("accept_estimate", str(dating_id), "--user", "visitor")
    assert "now sui" in run("accept_estimate", str(dating_id), "--user", "curator")
    assert Mural.objects.get(pk=target.pk).period.slug == "sui"
    with pytest.raises(CommandError, match="accepted already") as error:
        call_command("accept_estimate", str(dating_id))
    assert error.value.returncode == 2
    with pytest.raises(CommandError, match="unknown dating"):
        call_command("accept_estimate", "999999")


def test_datings_are_checked_and_coexist(dated_world):
    mural = dated_world[301]
    with pytest.raises(DatingError, match="after the end year"):
        add_dating(mural=mural, start_year=600, end_year=580, authority="Scholar A")
    with pytest.raises(DatingError, match="scholar's name"):
        add_dating(mural=mural, period="sui")
    with pytest.raises(DatingError, match="not a scholar's name"):
        add_dating(mural=mural, period="sui", authority="catalogue")
    add_dating(mural=mural, period="sui", authority="Scholar A")
    add_dating(mural=mural, start_year=570, end_year=590, authority="Scholar B")
    assert Dating.objects.filter(mural=mural).count() == 2
    with pytest.raises(IntegrityError):  # the database checks the order too
        Dating.objects.create(
            mural=mural, start_year=600, end_year=580, source="scholar", authority="x"
        )


def test_add_mural_takes_an_undated_period(image_file):
    out = run(
        "add_mural", str(image_file("wall.png")), "--site", "mogao", "--cave", "285",
        "--wall", "north", "--period", "undated", "--json",
    )  # fmt: skip
    mural = Mural.objects.get(pk=json.loads(out.splitlines()[-1])["id"])
    assert mural.period is None and mural.period_label == "undated"
