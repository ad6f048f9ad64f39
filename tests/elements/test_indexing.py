"""Indexing through Django: elements in pgvector, FAISS kept in line, jobs, and bad input.

Uses the committed demo YOLO detector and the real EfficientNet-Lite0 embedder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dunhuang_search.elements.indexing import IndexingError
from dunhuang_search.elements.models import Category, Element, IndexJob
from dunhuang_search.elements.vector_index import rebuild_index, verify_index
from tests.cli import run_manage
from tests.factories import synthetic_mural

pytestmark = pytest.mark.django_db


def test_it_indexes_a_mural_into_elements_pgvector_and_faiss(
    index, faiss_ids, detector_settings, tmp_path
):
    mural = synthetic_mural(tmp_path, seed=21, size=(1920, 1920))
    (job,) = index([mural])
    assert job.state == IndexJob.State.DONE and job.percent == 100
    # 1920 x 1920 at the demo detector's scale 0.5 is 960 x 960: 2 x 2 half-overlap windows of 640
    assert job.tiles_total == job.tiles_done == 4
    elements = list(Element.objects.filter(mural=mural))
    assert len(elements) == job.elements_found > 0
    for element in elements:
        assert element.source == "detector" and element.category is not None
        assert element.model_version.startswith("dunhuang-yolov8n@") and element.embedder
        assert len(element.embedding) == 1280
        assert 0 <= element.x and element.x + element.w <= mural.width
        assert 0 <= element.y and element.y + element.h <= mural.height
    assert faiss_ids() == {e.pk for e in elements}
    assert verify_index().ok
    assert not (Path(detector_settings.JOBS_DIR) / f"mural-{mural.pk}").exists()


def test_reindexing_replaces_detector_elements_and_keeps_manual_and_reviewed_ones(
    index, faiss_ids, tmp_path
):
    mural = synthetic_mural(tmp_path, seed=21)
    index([mural])
    first = list(Element.objects.filter(mural=mural).order_by("id"))
    accepted = first[0]
    accepted.review_state = Element.Review.ACCEPTED
    accepted.save()
    donor = Category.objects.get(slug="donor")
    manual = Element.objects.create(
        mural=mural,
        x=5,
        y=6,
        w=70,
        h=140,
        category=donor,
        source="manual",
        notes="labelled by hand",
    )
    index([mural])
    after = Element.objects.filter(mural=mural)
    assert after.filter(pk=accepted.pk).exists() and after.filter(pk=manual.pk).exists()
    replaced = {e.pk for e in first[1:]}
    assert not after.filter(pk__in=replaced).exists()  # unreviewed detector rows were replaced
    assert after.filter(source="detector").count() >= len(first) - 1
    manual.refresh_from_db()
    assert manual.embedding is not None  # manual labels are embedded so they can be searched
    assert faiss_ids() == set(after.values_list("pk", flat=True))
    assert verify_index().ok


def test_missing_or_corrupt_weights_are_refused_before_anything_is_written(
    detector_settings, tmp_path
):
    mural = synthetic_mural(tmp_path, seed=21)
    detector_settings.DETECTOR_WEIGHTS = str(tmp_path / "nowhere.pt")
    with pytest.raises(CommandError, match="detector weights not found"):
        call_command("index", mural=[mural.pk])
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"\x80\x02 not a checkpoint" * 100)
    detector_settings.DETECTOR_WEIGHTS = str(corrupt)
    with pytest.raises(CommandError, match="not a readable ultralytics checkpoint"):
        call_command("index", mural=[mural.pk])
    assert not Element.objects.exists() and not IndexJob.objects.exists()
    assert not Path(detector_settings.VECTOR_INDEX_PATH).exists()


@pytest.mark.django_db(transaction=True)
def test_the_index_command_exits_2_with_one_line_for_bad_weights(isolated_var, tmp_path):
    mural = synthetic_mural(tmp_path, seed=21)
    result = run_manage(
        "index",
        "--mural",
        str(mural.pk),
        var_dir=isolated_var,
        env={"DETECTOR_WEIGHTS": str(tmp_path / "missing.pt")},
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "detector weights not found" in lines[0]


def test_a_mural_whose_image_vanished_fails_and_the_others_go_on(index, tmp_path):
    lost = synthetic_mural(tmp_path, seed=21)
    kept = synthetic_mural(tmp_path, seed=22, wall="north")
    lost.pyramid_path.unlink()
    jobs = index([lost, kept])
    assert [j.state for j in jobs] == [IndexJob.State.FAILED, IndexJob.State.DONE]
    assert "image pyramid missing" in jobs[0].error and "add_mural" in jobs[0].error
    assert not Element.objects.filter(mural=lost).exists()
    assert Element.objects.filter(mural=kept).exists()


def test_an_embedder_switch_without_a_rebuild_is_refused(index, detector_settings, tmp_path):
    mural = synthetic_mural(tmp_path, seed=21)
    index([mural])
    detector_settings.EMBEDDER = "open_clip:ViT-B-32"
    with pytest.raises(IndexingError, match=r"rebuild_index --reembed"):
        index([mural])


def test_verify_index_reports_drift_and_rebuild_index_repairs_it(index, tmp_path):
    mural = synthetic_mural(tmp_path, seed=21)
    index([mural])
    gone = Element.objects.filter(mural=mural).first()
    Element.objects.filter(pk=gone.pk).delete()  # behind FAISS's back
    drift = verify_index()
    assert not drift.ok and drift.extra_in_faiss == [gone.pk]
    count = rebuild_index("efficientnet-lite0-imagenet", 1280)
    assert count == Element.objects.count()
    assert verify_index().ok


@pytest.mark.django_db(transaction=True)
def test_the_index_command_reports_json(detector_settings, isolated_var, tmp_path):
    mural = synthetic_mural(tmp_path, seed=21, size=(1920, 1920))
    env = {"DETECTOR_WEIGHTS": detector_settings.DETECTOR_WEIGHTS}
    result = run_manage("index", "--mural", str(mural.pk), "--json", var_dir=isolated_var, env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["failed"] == 0 and report["jobs"][0]["state"] == "done"
    assert report["jobs"][0]["elements"] == Element.objects.filter(mural=mural).count()
    assert report["jobs"][0]["tiles"] == 4
