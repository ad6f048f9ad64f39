"""Review -> training: fine-tuning the active detector on reviewed murals, the comparison on the
same held-out murals, activation only when not worse, and the staff page /detectors/."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dunhuang_search.catalogue.ingest import ingest_mural
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.training.comparison import activate_if_better
from dunhuang_search.training.models import DetectorModel
from dunhuang_search.training.registry import register
from indexer.synthetic import plan_mural, write_mural_image
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def reviewed_mural(tmp_path, seed: int):
    """A synthetic wall ingested, whose true boxes are accepted labels (a person reviewed it)."""
    spec = plan_mural(1280, 960, seed)
    write_mural_image(spec, tmp_path / f"wall-{seed}.jpg")
    mural = ingest_mural(tmp_path / f"wall-{seed}.jpg", site="mogao", cave=200 + seed,
                         wall="south", period="early-tang")  # fmt: skip
    categories = {c.slug: c for c in Category.objects.all()}
    Element.objects.bulk_create(
        Element(mural=mural, x=i.x, y=i.y, w=i.w, h=i.h, category=categories[i.category],
                source="detector", score=0.5, review_state="accepted")
        for i in spec.instances
    )  # fmt: skip
    return mural


def test_from_active_fine_tunes_compares_and_activates_only_if_not_worse(
    tmp_path, settings, capsys, demo_detector_weights
):
    settings.DETECTOR_WEIGHTS = demo_detector_weights  # the active one: the demo card's
    active = register(demo_detector_weights, "demo", 320, 0.5, {}, {}, activate=True)
    for seed in (31, 32, 33):
        reviewed_mural(tmp_path, seed)
    call_command(
        "train_detector", "--from-active", "--synthetic", "1", "--synthetic-size", "960x640",
        "--synthetic-seed", "7", "--val-fraction", "0.4", "--epochs", "1", "--batch", "4",
        "--device", "cpu", "--name", "tuned", "--activate-if-better", "--json",
    )  # fmt: skip
    captured = capsys.readouterr()
    record = json.loads(captured.out.strip().splitlines()[-1])
    row = DetectorModel.objects.get(name="tuned")
    assert (row.tile_size, row.scale) == (320, 0.5)  # the active one's geometry
    assert row.parameters["from_active"] == active.weights
    assert "accepted elements" in row.parameters["source"]
    comparison = row.metrics["comparison"]
    assert comparison == record["comparison"]
    assert comparison["new"]["name"] == "tuned" and comparison["active"]["name"] == "demo"
    assert comparison["murals"] and all(k.startswith("mural-") for k in comparison["murals"])
    for side in ("new", "active"):
        assert 0 <= comparison[side]["map50_95"] <= 1
    better = comparison["new"]["map50_95"] >= comparison["active"]["map50_95"]
    assert comparison["better"] is better
    active.refresh_from_db()
    assert row.is_active is better and active.is_active is not better
    assert ("activated:" if better else "not activated:") in captured.err
    assert set(row.thresholds) == set(row.classes)  # picked on the held-out murals


def test_a_worse_model_is_never_activated_and_an_equal_one_is(demo_detector_weights):
    old = register(demo_detector_weights, "old", 320, 0.5, {}, {}, activate=True)
    new = register(demo_detector_weights, "new", 320, 0.5, {}, {})
    worse = {"new": {"map50_95": 0.61}, "active": {"name": "old", "map50_95": 0.62}}
    done, line = activate_if_better(new, worse)
    assert not done and "not activated" in line and "0.6100 is lower than 0.6200" in line
    assert DetectorModel.active() == old
    equal = {"new": {"map50_95": 0.62}, "active": {"name": "old", "map50_95": 0.62}}
    assert activate_if_better(new, equal)[0] and DetectorModel.active() == new


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-active", "--model", "other.pt"], "drop --model"),
        (["--from-active", "--tile", "320"], "drop --tile and --scale"),
        (["--activate", "--activate-if-better", "--synthetic", "1"], "not both"),
    ],
)
def test_bad_review_loop_options_exit_2(args, message):
    with pytest.raises(CommandError) as error:
        call_command("train_detector", *args, "--epochs", "1")
    assert error.value.returncode == 2 and message in str(error.value)
    assert DetectorModel.objects.count() == 0


def test_the_detectors_page_is_for_staff_and_shows_thresholds_and_comparison(
    client, demo_detector_weights
):
    row = register(demo_detector_weights, "tuned", 320, 0.5, {"mAP50-95": 0.7}, {},
                   activate=True)  # fmt: skip
    row.thresholds = {"apsara": {"threshold": 0.67, "precision": 0.9, "recall": 0.95,
                                 "rule": "lowest confidence with precision >= 0.9"}}  # fmt: skip
    row.metrics["comparison"] = {
        "murals": ["mural-1"], "held_out": "reviewed murals", "boxes": 40, "better": False,
        "new": {"name": "tuned", "map50_95": 0.5, "map50": 0.7, "ar": 0.6},
        "active": {"name": "demo", "map50_95": 0.6, "map50": 0.8, "ar": 0.7},
    }  # fmt: skip
    row.save()
    response = client.get("/detectors/")
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(make_user("reader"))
    assert client.get("/detectors/").status_code == 403
    client.force_login(make_user("boss", staff=True))
    page = client.get("/detectors/").content.decode()
    assert 'data-detector="tuned"' in page and 'data-testid="active"' in page
    assert "0.67" in page and "lowest confidence with precision" in page
    assert "Worse than the detector active then" in page and "0.6" in page
    assert client.post("/detectors/").status_code == 405
