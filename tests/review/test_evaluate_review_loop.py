"""evaluate_review_loop: a reviewer who knows the truth fixes the detections, the active
detector is fine-tuned on the reviewed murals and both are scored on held-out ones; nothing is
left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from dunhuang_search.review.loop_eval import review_from_truth
from dunhuang_search.review.models import ReviewEvent
from dunhuang_search.search.evaluation import Truth
from dunhuang_search.training.models import DetectorModel
from tests.factories import add_element, make_mural

pytestmark = pytest.mark.django_db


def test_the_reviewer_accepts_relabels_redraws_rejects_and_draws_the_misses(
    fake_embedder, archaeologist
):
    mural = make_mural()
    right = add_element(mural, "apsara", x=100, y=100, w=200, h=100, score=0.9)
    wrong_kind = add_element(mural, "donor", x=500, y=100, w=100, h=200, score=0.8)
    loose = add_element(mural, "inscription", x=800, y=100, w=130, h=130, score=0.7)
    false = add_element(mural, "apsara", x=100, y=600, w=80, h=80, score=0.6)
    truth = Truth({mural.pk: [
        ("apsara", (100, 100, 200, 100)),
        ("non-buddhist-figure", (505, 100, 100, 200)),
        ("inscription", (800, 100, 100, 100)),
        ("thousand-buddha", (600, 600, 60, 60)),
    ]})  # fmt: skip
    tally = review_from_truth(truth, [mural], archaeologist)
    assert tally == {"accepted": 3, "relabelled": 1, "redrawn": 1, "rejected": 1,
                     "missed_added": 1}  # fmt: skip
    for element in (right, wrong_kind, loose, false):
        element.refresh_from_db()
    assert right.review_state == "accepted" and right.bbox == [100, 100, 200, 100]
    assert wrong_kind.category.slug == "non-buddhist-figure"
    assert wrong_kind.bbox == [500, 100, 100, 200]  # IoU 0.9: left as drawn
    assert loose.bbox == [800, 100, 100, 100]  # IoU 0.59: redrawn
    assert false.review_state == "rejected"
    drawn = Element.objects.get(mural=mural, source="manual")
    assert (drawn.category.slug, drawn.bbox) == ("thousand-buddha", [600, 600, 60, 60])
    assert ReviewEvent.objects.filter(element__mural=mural).count() == 5  # each one recorded
    assert fake_embedder == [[800, 100, 100, 100], [600, 600, 60, 60]]  # redrawn and drawn


def test_it_fine_tunes_compares_and_leaves_nothing_behind(settings, capsys):
    settings.DETECTOR_RUNTIME = "torch"
    users = get_user_model().objects.count()
    call_command(
        "evaluate_review_loop", "--murals", "3", "--size", "1280x960", "--epochs", "1",
        "--batch", "4", "--device", "cpu", "--json",
    )  # fmt: skip
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["murals"] == 3 and record["seed"] == 1300 and record["epochs"] == 1
    reviews = record["reviews"]
    assert reviews.get("accepted", 0) + reviews.get("rejected", 0) == record["detections"]
    assert reviews.get("accepted", 0) + reviews.get("missed_added", 0) == record["truths"]
    assert len(record["held_out"]) == 1 and record["held_out"][0].startswith("mural-")
    assert record["held_out_boxes"] > 0
    for side in ("before", "after"):
        assert 0 <= record[side]["map50_95"] <= 1
        assert set(record[side]["per_category"]) == {
            "apsara", "donor", "inscription", "non-buddhist-figure", "thousand-buddha"
        }  # fmt: skip
    assert record["after"]["detector"] == "evaluate-review-loop"
    assert record["better"] is (record["after"]["map50_95"] >= record["before"]["map50_95"])
    # rolled back: no mural, element, review, user or detector, and no file under var
    assert not Mural.objects.exists() and not Element.objects.exists()
    assert not ReviewEvent.objects.exists() and not DetectorModel.objects.exists()
    assert get_user_model().objects.count() == users
    for folder in (settings.DETECTOR_MODELS_DIR, settings.DATASETS_DIR, settings.PYRAMID_DIR):
        assert not Path(folder).exists() or not any(Path(folder).iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--murals", "1"], "--murals must be at least 2"), (["--epochs", "0"], "--epochs"),
     (["--size", "10x10"], "--size")],
)  # fmt: skip
def test_bad_options_exit_2(args, message):
    with pytest.raises(CommandError, match=message) as error:
        call_command("evaluate_review_loop", *args)
    assert error.value.returncode == 2
