"""Django side of the indexer: element rows in pgvector, and the FAISS file kept in line.

The pipeline itself (indexer/) knows nothing of Django; this module adapts it. The caller
chooses the detector and its tiling (the index command asks the training registry), so this
layer knows nothing of training either.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.inference import ModelLoadError, build_embedder
from indexer import vectors
from indexer.boxes import pairwise_overlap
from indexer.dense import DenseConfig
from indexer.merging import Detection
from indexer.pipeline import Checkpoint, FoundElement, IndexConfig, index_mural

from .dense_indexing import dense_checkpoint_folder, index_dense_windows
from .index_jobs import adopt_job, fail_queued
from .inscriptions import read_mural_inscriptions
from .locks import mural_index_lock
from .models import Category, Element, IndexJob

logger = logging.getLogger(__name__)

ProgressFactory = Callable[[Mural], Callable[[str, int, int], None]]


class IndexingError(ValueError):
    """Bad configuration or input found before any work: one readable line, nothing written."""


class MuralsBusy(IndexingError):
    """Another process holds the indexing lock of these murals; they were left to it."""

    def __init__(self, mural_ids: list[int]):
        ids = ", ".join(map(str, mural_ids))
        super().__init__(
            f"mural {ids} is being indexed by another process right now; nothing was done for "
            f"{'it' if len(mural_ids) == 1 else 'them'}"
        )
        self.mural_ids = mural_ids


class DatabaseLost(IndexingError):
    """PostgreSQL went away mid-run: what was written is whole (each step is one transaction),
    and the same command resumes from the mural's checkpoints once the server is back."""

    def __init__(self, mural: Mural, exc: Exception):
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        super().__init__(
            f"the database went away while indexing mural {mural.pk} ({first}); nothing is "
            f"half-written: run the same command again once PostgreSQL is back to resume"
        )


def category_map(names: dict[int, str]) -> dict[int, Category]:
    """Detector class index -> Category, through slugs, names and synonyms (any case)."""
    lookup: dict[str, Category] = {}
    for category in Category.objects.all():
        for key in [category.slug, category.name, category.name_zh, *category.synonyms]:
            if key:
                lookup.setdefault(key.strip().lower(), category)
    mapping, unknown = {}, []
    for index, name in names.items():
        category = lookup.get(str(name).strip().lower())
        if category is None:
            unknown.append(str(name))
        mapping[int(index)] = category
    if unknown:
        raise IndexingError(
            f"detector classes {', '.join(repr(n) for n in unknown)} match no category; add them "
            f"as categories (or synonyms) in the admin, or use weights with known classes"
        )
    return mapping


def check_vector_index(embedder) -> None:
    """Refuse to mix vectors: the FAISS file and stored vectors must come from this embedder."""
    index = vectors.VectorIndex.load(settings.VECTOR_INDEX_PATH)
    if index is not None:
        try:
            index.check_compatible(embedder.id, embedder.dim)
        except vectors.IndexMismatch as exc:
            raise IndexingError(
                f"{exc}; run `python manage.py rebuild_index --reembed` to switch embedders"
            ) from exc
    other = (
        Element.objects.exclude(embedding=None)
        .exclude(embedder=embedder.id)
        .values_list("embedder", flat=True)
        .first()
    )
    if other is not None:
        raise IndexingError(
            f"stored vectors come from {other}, not {embedder.id}; run "
            f"`python manage.py rebuild_index --reembed` to switch embedders"
        )


def make_runner(engine: str, detector, embedder, ray_address: str | None = None):
    from indexer.pipeline import LocalRunner

    if engine == "local":
        return LocalRunner(detector, embedder)
    if engine == "ray":
        from indexer.engines import RayRunner

        return RayRunner(
            detector.spec(), settings.EMBEDDER, address=ray_address or None, device=detector.device
        )
    raise IndexingError(f"unknown engine {engine!r}: use local or ray")


def _kept_boxes(mural: Mural) -> list[tuple[int | None, np.ndarray]]:
    """Elements a re-index must not touch or duplicate: manual ones and reviewed ones."""
    kept = (
        Element.objects.filter(mural=mural)
        .exclude(source=Element.Source.DETECTOR, review_state=Element.Review.UNREVIEWED)
        .exclude(source=Element.Source.DENSE)
    )
    return [(e.category_id, np.array([e.x, e.y, e.x + e.w, e.y + e.h], float)) for e in kept]


def _duplicates_kept(found: FoundElement, category: Category | None, kept) -> bool:
    box = np.array([found.x, found.y, found.x + found.w, found.y + found.h], float)
    same = [b for cat, b in kept if cat == (category.pk if category else None)]
    return bool(same) and float(pairwise_overlap(box, np.stack(same), "iou").max()) >= 0.5


def write_elements(
    job: IndexJob,
    found: list[FoundElement],
    categories,
    model_version: str,
    embedder_id: str,
    next_phase: str = IndexJob.Phase.VECTORS,
    thresholds: dict[int, float] | None = None,
) -> list[int]:
    """Replace the mural's unreviewed detector elements by `found`, in one transaction; the job
    moves on to next_phase (VECTORS, or DENSE when dense windows follow) in the same one.
    An element is `confident` when its score reaches its class's threshold (class index ->
    threshold; a class without one keeps all)."""
    thresholds = thresholds or {}
    mural = job.mural
    with transaction.atomic():
        Mural.objects.select_for_update().get(pk=mural.pk)
        kept = _kept_boxes(mural)  # the rows replaced below are not among them
        rows = [
            Element.on_box(
                mural,
                f,
                category=categories[f.label],
                score=round(f.score, 6),
                confident=round(f.score, 6) >= thresholds.get(f.label, 0.0),
                source=Element.Source.DETECTOR,
                model_version=model_version,
                embedder=embedder_id,
                embedding=f.vector,
            )
            for f in found
            if not _duplicates_kept(f, categories[f.label], kept)
        ]
        replaced = Element.objects.filter(
            mural=mural, source=Element.Source.DETECTOR, review_state=Element.Review.UNREVIEWED
        )
        old_ids, created = replaced.replace_with(rows)
        job.replaced_ids = old_ids
        job.phase = next_phase
        job.elements_found = len(created)
        job.save(update_fields=["replaced_ids", "phase", "elements_found"])
    return [e.pk for e in created]


def embed_unembedded(mural: Mural, runner, config: IndexConfig, embedder_id: str) -> int:
    """Give manual and reviewed elements of the mural that have no vector one, so they are
    searchable too."""
    missing = list(Element.objects.filter(mural=mural, embedding=None))
    if not missing:
        return 0
    dets = [Detection(e.x, e.y, e.x + e.w, e.y + e.h, 1.0, 0) for e in missing]
    size = config.embed_batch_size
    chunks = [dets[i : i + size] for i in range(0, len(dets), size)]
    out = np.concatenate(list(runner.embed(str(mural.pyramid_path), chunks, config)))
    for element, vector in zip(missing, out, strict=True):
        element.embedding, element.embedder = vector, embedder_id
    Element.objects.bulk_update(missing, ["embedding", "embedder"], batch_size=500)
    return len(missing)


def sync_vectors(job: IndexJob, embedder_id: str, dim: int) -> None:
    """Bring the FAISS file in line with the mural's rows: drop replaced ids, add the mural's
    vectors. Idempotent, so a run killed here is finished by the next one."""
    path = Path(settings.VECTOR_INDEX_PATH)
    with vectors.locked(path):
        index = vectors.VectorIndex.load(path) or vectors.VectorIndex(embedder_id, dim)
        index.check_compatible(embedder_id, dim)
        index.remove(np.array(job.replaced_ids, dtype=np.int64))
        rows = list(
            Element.objects.filter(mural=job.mural)
            .exclude(embedding=None)
            .values_list("id", "embedding")
        )
        if rows:
            index.add(np.array([r[0] for r in rows]), np.stack([np.asarray(r[1]) for r in rows]))
        index.save(path)


def index_murals(
    murals: Iterable[Mural],
    detector,
    config: IndexConfig,
    *,
    engine: str = "local",
    device: str | None = None,
    ray_address: str | None = None,
    progress: ProgressFactory | None = None,
    dense: bool = False,
    dense_config: DenseConfig | None = None,
    thresholds: dict[str, float] | None = None,
) -> list[IndexJob]:
    """Index each mural with `detector` (an indexer Detector) tiled as `config` says; a mural
    that fails is marked failed and the others go on.

    With `dense`, each mural's multi-scale windows are embedded too, after its detector phase
    (in this process, whatever the engine), and stored as `source="dense"` elements.
    Configuration errors (classes, embedder, embedder switch, engine) raise IndexingError
    first; jobs queued for these murals are then marked failed with the same reason.
    `thresholds` ({class name: operating threshold}, the DetectorModel's) set each element's
    `confident` flag; boxes below them are stored all the same, down to the detector's floor.
    """
    murals = list(murals)
    try:
        categories, embedder, runner = _prepare(detector, engine, device, ray_address)
    except IndexingError as exc:
        fail_queued(murals, str(exc))
        raise
    dense_config = dense_config or DenseConfig()
    by_label = {
        int(index): float(thresholds[name])
        for index, name in detector.names.items()
        if thresholds and name in thresholds
    }
    fingerprint = config.fingerprint(detector.version, embedder.id)
    if dense:
        fingerprint["dense"] = dense_config.fingerprint(embedder.id)
    jobs, busy = [], []
    try:
        for mural in murals:
            with mural_index_lock(mural.pk) as mine:
                if not mine:
                    busy.append(mural.pk)
                    continue
                job = adopt_job(
                    mural,
                    fingerprint,
                    engine=engine,
                    runtime=detector.runtime,
                    device=detector.device,
                    detector=detector.version,
                    embedder=embedder.id,
                    dense=dense,
                )
                jobs.append(job)
                _run_job(
                    job, runner, config, categories, detector, embedder, progress,
                    (dense_config, by_label),
                )  # fmt: skip
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseLost(mural, exc) from exc
    finally:
        if hasattr(runner, "close"):
            runner.close()
    if busy:
        raise MuralsBusy(busy)
    return jobs


def _run_job(job, runner, config, categories, detector, embedder, progress, options):
    """One mural's job; a failure marks it failed with the reason (the others go on), except
    losing the database, which ends the run (DatabaseLost). `options`: (dense_config, the
    class thresholds by label)."""
    mural = job.mural
    report = progress(mural) if progress else None
    dense_config, by_label = options
    try:
        _index_one(
            job, runner, config, categories, detector.version, embedder, report, dense_config,
            by_label,
        )  # fmt: skip
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:  # one mural's failure must not stop the others
        logger.exception("indexing mural %s failed", mural.pk)
        job.state, job.finished_at = IndexJob.State.FAILED, timezone.now()
        job.error = _reason(exc, mural)
        job.save(update_fields=["state", "finished_at", "error"])


def _prepare(detector, engine: str, device: str | None, ray_address: str | None):
    """The detector's categories, the embedder and the engine's runner, or IndexingError."""
    categories = category_map(detector.names)
    try:
        embedder = build_embedder(device)
    except ModelLoadError as exc:
        raise IndexingError(str(exc)) from exc
    check_vector_index(embedder)
    return categories, embedder, make_runner(engine, detector, embedder, ray_address)


def _reason(exc: Exception, mural: Mural) -> str:
    if isinstance(exc, FileNotFoundError) or not mural.pyramid_path.exists():
        return (
            f"image pyramid missing: {mural.pyramid_path} (source {mural.source_path}); "
            f"re-add the mural with add_mural"
        )
    return f"{type(exc).__name__}: {exc}"


def _index_one(
    job: IndexJob, runner, config, categories, model_version, embedder, report, dense_config,
    thresholds=None,
):  # fmt: skip
    """Detector phase, inscription OCR, then (with job.dense) the dense phase, then FAISS;
    each resumable.

    With dense windows to follow, FAISS is synced after the detector rows too, so they are
    searchable (and FAISS in line with the database) during the long dense phase.
    """
    mural = job.mural
    if not mural.pyramid_path.exists():
        raise FileNotFoundError(mural.pyramid_path)
    detector_fingerprint = {k: v for k, v in job.fingerprint.items() if k != "dense"}
    checkpoint = Checkpoint(Path(settings.JOBS_DIR) / f"mural-{mural.pk}", detector_fingerprint)
    if job.phase not in (IndexJob.Phase.DENSE, IndexJob.Phase.VECTORS):

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage == "tiles":
                job.phase, job.tiles_done, job.tiles_total = IndexJob.Phase.TILES, done, total
            else:
                job.phase, job.crops_done, job.crops_total = IndexJob.Phase.CROPS, done, total
            job.save(
                update_fields=["phase", "tiles_done", "tiles_total", "crops_done", "crops_total"]
            )
            if report:
                report(stage, done, total)

        found = index_mural(mural.pyramid_path, runner, config, checkpoint, on_progress)
        next_phase = IndexJob.Phase.DENSE if job.dense else IndexJob.Phase.VECTORS
        write_elements(
            job, found, categories, model_version, embedder.id, next_phase, thresholds
        )
        embed_unembedded(mural, runner, config, embedder.id)
    read_mural_inscriptions(mural, report)  # OCR: unread inscriptions only, so resumable
    if job.phase == IndexJob.Phase.DENSE:
        sync_vectors(job, embedder.id, embedder.dim)
        index_dense_windows(job, embedder, dense_config, report)
    sync_vectors(job, embedder.id, embedder.dim)
    checkpoint.clear()
    shutil.rmtree(dense_checkpoint_folder(mural.pk), ignore_errors=True)
    job.state, job.phase, job.finished_at = (
        IndexJob.State.DONE,
        IndexJob.Phase.FINISHED,
        timezone.now(),
    )
    job.save(update_fields=["state", "phase", "finished_at"])
