"""`index --dense` through Django: window rows in pgvector and FAISS, few-shot query by example,
and atomic replacement on re-index. Real tiny detector, real EfficientNet-Lite0 embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dunhuang_search.elements.models import Element, IndexJob
from dunhuang_search.elements.vector_index import verify_index
from dunhuang_search.inference import build_embedder
from indexer.boxes import iou
from indexer.dense import DenseConfig
from indexer.imagery import Pyramid
from indexer.merging import Detection
from indexer.pipeline import crop_with_context
from indexer.synthetic import plan_mural
from indexer.vectors import VectorIndex
from tests.factories import synthetic_mural

pytestmark = pytest.mark.django_db

FEW_SHOT = DenseConfig(window_sides=(128, 256))  # 75 windows on a 640 x 480 mural
COARSE = DenseConfig(window_sides=(256,))  # 12 windows


@pytest.fixture
def few_detections(detector_settings):
    detector_settings.DETECTOR_MAX_DET = 3  # few detector crops: the windows are the subject
    return detector_settings


def small_mural(folder: Path, seed: int):
    """A 640 x 480 synthetic mural (lossless) and its layout."""
    size = (640, 480)
    return plan_mural(*size, seed=seed), synthetic_mural(folder, seed, size, suffix=".png")


def test_dense_windows_find_other_instances_of_a_motif_marked_once(
    index, faiss_ids, few_detections, tmp_path
):
    spec, mural = small_mural(tmp_path, seed=22)
    percents: list[tuple[str, int]] = []

    def progress(m):
        def report(stage, done, total):
            job = IndexJob.objects.get(mural=m)
            percents.append((job.phase, job.percent))

        return report

    (job,) = index([mural], dense=True, dense_config=FEW_SHOT, progress=progress)
    assert job.state == IndexJob.State.DONE and job.dense and job.percent == 100
    assert job.windows_total == job.windows_done == 75
    assert job.fingerprint["dense"]["window_sides"] == [128, 256]
    dense = list(Element.objects.filter(mural=mural, source="dense"))
    assert 0 < len(dense) <= 75
    for element in dense:
        assert element.category is None and element.score is None
        assert element.model_version == "dense:128,256" and len(element.embedding) == 1280
    assert faiss_ids() == set(Element.objects.values_list("pk", flat=True))
    assert verify_index().ok
    assert not (Path(few_detections.JOBS_DIR) / f"mural-{mural.pk}-dense").exists()
    values = [p for _, p in percents]
    assert values == sorted(values) and any(p == "dense" and 40 <= v < 100 for p, v in percents)

    # The few-shot case: an archaeologist marks one figure of a kind no detector was trained on
    # and asks FAISS for similar regions; the best windows show the other figures of that kind.
    figures = [i for i in spec.instances if i.category == "non-buddhist-figure"]
    assert len(figures) >= 4
    marked, others = figures[0], [(i.x, i.y, i.w, i.h) for i in figures[1:]]
    query_box = (marked.x, marked.y, marked.w, marked.h)
    crop = crop_with_context(
        Pyramid(mural.pyramid_path),
        Detection(marked.x, marked.y, marked.x + marked.w, marked.y + marked.h, 1.0, 0),
        0.0,
    )
    query = build_embedder("cpu").embed_images([crop])
    vectors = VectorIndex.load(few_detections.VECTOR_INDEX_PATH)
    _, ids = vectors.search(query, len(vectors))
    boxes = {e.pk: (e.x, e.y, e.w, e.h) for e in dense}
    ranked = [boxes[i] for i in ids[0] if i in boxes and iou(boxes[i], query_box) < 0.1]
    hits = [max(iou(box, other) for other in others) >= 0.25 for box in ranked]
    top, chance = float(np.mean(hits[:10])), float(np.mean(hits))
    assert top >= 0.5 and top >= 2 * chance, (top, chance)


def test_reindexing_with_dense_replaces_the_windows_atomically_and_faiss_follows(
    index, faiss_ids, few_detections, tmp_path, monkeypatch
):
    _, mural = small_mural(tmp_path, seed=22)
    index([mural], dense=True, dense_config=COARSE)
    first = set(Element.objects.filter(mural=mural, source="dense").values_list("pk", flat=True))
    assert 0 < len(first) <= 12

    real_bulk_create = Element.objects.bulk_create

    def fail_on_dense_rows(rows, *args, **kwargs):
        if rows and rows[0].source == "dense":
            raise RuntimeError("the database went away")
        return real_bulk_create(rows, *args, **kwargs)

    monkeypatch.setattr(Element.objects, "bulk_create", fail_on_dense_rows)
    (failed,) = index([mural], dense=True, dense_config=COARSE)
    assert failed.state == IndexJob.State.FAILED and failed.phase == IndexJob.Phase.DENSE
    kept = set(Element.objects.filter(mural=mural, source="dense").values_list("pk", flat=True))
    assert kept == first  # the old windows were not deleted without their replacement
    assert verify_index().ok
    monkeypatch.undo()

    (resumed,) = index([mural], dense=True, dense_config=COARSE)
    assert resumed.pk == failed.pk and resumed.state == IndexJob.State.DONE
    second = set(Element.objects.filter(mural=mural, source="dense").values_list("pk", flat=True))
    assert len(second) == len(first) and not second & first
    assert faiss_ids() == set(Element.objects.values_list("pk", flat=True))
    assert verify_index().ok

    (plain,) = index([mural])  # an index without --dense leaves the windows alone
    assert plain.state == IndexJob.State.DONE and not plain.dense
    assert set(
        Element.objects.filter(mural=mural, source="dense").values_list("pk", flat=True)
    ) == second
    assert verify_index().ok
