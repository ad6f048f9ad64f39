"""Django side of dense region vectors (`index --dense`): windows become `source="dense"` rows.

Runs after a mural's detector phase; its rows are replaced atomically, like detector ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from dunhuang_search.catalogue.models import Mural
from indexer.dense import DenseConfig, DenseResult, index_dense
from indexer.pipeline import Checkpoint

from .models import Element, IndexJob

logger = logging.getLogger(__name__)

Report = Callable[[str, int, int], None] | None


def dense_checkpoint_folder(mural_id: int) -> Path:
    """The dense phase's checkpoint folder, beside the detector's mural-<id>."""
    return Path(settings.JOBS_DIR) / f"mural-{mural_id}-dense"


def write_dense_elements(job: IndexJob, result: DenseResult, embedder_id: str) -> list[int]:
    """Replace the mural's dense rows by the result's windows in one transaction (category and
    score NULL); the replaced ids join job.replaced_ids for sync_vectors to drop."""
    mural = job.mural
    with transaction.atomic():
        Mural.objects.select_for_update().get(pk=mural.pk)
        model_version = "dense:" + ",".join(str(side) for side in result.plan.sides)
        rows = [
            Element.on_box(
                mural,
                window,
                category=None,
                score=None,
                source=Element.Source.DENSE,
                model_version=model_version,
                embedder=embedder_id,
                embedding=vector,
            )
            for window, vector in zip(result.windows, result.vectors, strict=True)
        ]
        replaced = Element.objects.filter(mural=mural, source=Element.Source.DENSE)
        old_ids, created = replaced.replace_with(rows)
        job.replaced_ids = sorted({*job.replaced_ids, *old_ids})
        job.phase = IndexJob.Phase.VECTORS
        job.save(update_fields=["replaced_ids", "phase"])
    return [e.pk for e in created]


def index_dense_windows(job: IndexJob, embedder, config: DenseConfig, report: Report) -> int:
    """Embed the mural's dense windows (resumable) and write them; returns the rows written."""

    def on_progress(stage: str, done: int, total: int) -> None:
        job.phase, job.windows_done, job.windows_total = IndexJob.Phase.DENSE, done, total
        job.save(update_fields=["phase", "windows_done", "windows_total"])
        if report:
            report(stage, done, total)

    checkpoint = Checkpoint(dense_checkpoint_folder(job.mural_id), job.fingerprint["dense"])
    result = index_dense(job.mural.pyramid_path, embedder, config, checkpoint, on_progress)
    if result.plan.coarsened:
        logger.warning(
            "mural %s: the cap of %d dense windows coarsened sides %s to %s (%d windows)",
            job.mural_id,
            config.max_windows,
            result.plan.requested,
            result.plan.sides,
            len(result.plan.windows),
        )
    written = write_dense_elements(job, result, embedder.id)
    checkpoint.clear()
    return len(written)
