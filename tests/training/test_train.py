"""train_detector: a data set from accepted elements or synthetic murals, ultralytics training,
and a registered DetectorModel that the indexer then uses."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from dunhuang_search.catalogue.ingest import ingest_mural
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.training.labels import class_names, labelled_murals
from dunhuang_search.training.management.commands.index import resolve_detector
from dunhuang_search.training.models import DetectorModel
from dunhuang_search.training.registry import active_detector, register
from indexer.detection import Detector
from indexer.synthetic import CATEGORIES, plan_mural, write_mural_image
from indexer.training.train import TrainingError, TrainOptions, train
from tests.cli import run_manage

pytestmark = pytest.mark.django_db


def test_the_classes_are_the_category_slugs_in_creation_order():
    assert class_names() == list(CATEGORIES)


def test_one_short_epoch_gives_a_loadable_detector_with_the_categories(settings, capsys):
    call_command(
        "train_detector",
        "--synthetic", "1", "--synthetic-size", "960x640", "--synthetic-seed", "5",
        "--tile", "320", "--epochs", "1", "--batch", "4", "--device", "cpu",
        "--name", "smoke", "--activate", "--json",
    )
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    row = DetectorModel.objects.get(name="smoke")
    assert row.is_active and record["active"]
    assert row.classes == list(CATEGORIES) and row.tile_size == 320 and row.scale == 1.0
    assert row.parameters["epochs"] == 1 and row.parameters["seconds_per_epoch"] > 0
    assert row.parameters["dataset"]["train_tiles"] > 0
    assert str(settings.DETECTOR_MODELS_DIR) in row.weights
    detector = Detector(row.weights, device="cpu")
    assert [detector.names[i] for i in sorted(detector.names)] == list(CATEGORIES)
    # the indexer now uses it, at its training geometry
    assert active_detector().weights == row.weights
    indexer_detector, config = resolve_detector(device="cpu")
    assert indexer_detector.weights == detector.weights and config.tile_size == 320
    # training leaves no data set or run folder behind
    assert not any(settings.DATASETS_DIR.glob("train-*"))


def test_a_second_model_made_active_replaces_the_first(settings, demo_detector_weights):
    first = register(demo_detector_weights, "a", 320, 1.0, {}, {}, activate=True)
    second = register(demo_detector_weights, "b", 640, 0.5, {}, {}, activate=True)
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    assert DetectorModel.active() == second
    _, config = resolve_detector(device="cpu")
    assert (config.tile_size, config.scale) == (640, 0.5)


def test_accepted_elements_make_the_labels_and_rejected_ones_do_not(tmp_path):
    spec = plan_mural(900, 600, 3)
    write_mural_image(spec, tmp_path / "wall.jpg")
    mural = ingest_mural(tmp_path / "wall.jpg", site="mogao", cave=220, wall="south",
                         period="early-tang")
    apsara, donor = Category.objects.get(slug="apsara"), Category.objects.get(slug="donor")
    Element.objects.create(mural=mural, x=1, y=2, w=30, h=40, category=apsara, source="manual")
    Element.objects.create(mural=mural, x=5, y=5, w=9, h=9, category=donor, source="manual",
                           review_state="rejected")
    Element.objects.create(mural=mural, x=50, y=60, w=70, h=80, category=donor,
                           source="detector", review_state="accepted")
    Element.objects.create(mural=mural, x=90, y=90, w=20, h=20, category=donor,
                           source="detector")
    (labelled,) = labelled_murals(class_names())
    assert labelled.pyramid == str(mural.pyramid_path)
    assert {(b.x, b.y, b.w, b.h, b.label) for b in labelled.boxes} == {
        (1, 2, 30, 40, CATEGORIES.index("apsara")),
        (50, 60, 70, 80, CATEGORIES.index("donor")),
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--imgsz", "300", "--synthetic", "1"], "multiple of 32"),
        (["--device", "tpu"], "--device: unknown device 'tpu'; use auto, cpu, cuda or cuda:N"),
        (["--model", "nowhere.pt"], "no such checkpoint"),
        ([], "the data set is empty"),
        (["--synthetic", "1", "--data", "x"], "not both"),
        (["--resume"], "--resume needs the --run-dir"),
    ],
)
def test_bad_options_exit_2_with_one_line_and_register_nothing(tmp_path, args, message):
    result = run_manage(
        "train_detector", "--synthetic-size", "320x320", *args, var_dir=tmp_path / "var"
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert DetectorModel.objects.count() == 0
    assert not (tmp_path / "var" / "models").exists()


def test_resuming_without_an_interrupted_run_is_refused(tmp_path):
    options = TrainOptions(resume=True, device="cpu")
    with pytest.raises(TrainingError, match="--resume: there is no interrupted run in"):
        train(tmp_path / "dataset" / "data.yaml", options, tmp_path / "runs")


def test_training_never_fetches_a_font_and_puts_the_font_check_back(no_network):
    import ultralytics.data.utils as data_utils

    from indexer.training.train import _no_font_download

    original = data_utils.check_font
    with _no_font_download():
        assert data_utils.check_font("Arial.ttf") is None
    assert data_utils.check_font is original
