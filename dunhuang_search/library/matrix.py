"""Similarity matrices of a library: the cosine similarities of a selection (at most MATRIX_MAX
elements) in the leaf order of an average-linkage hierarchical clustering (scipy), and the cave x
cave matrix of a category, the mean similarity between the elements of each pair of caves,
computed exactly from per-cave vector sums (so it scales to the whole category)."""

from __future__ import annotations

import csv
import io

import numpy as np
from django.db import connection
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

from .filters import FilterError, LibraryFilter

MATRIX_MAX = 500


FACT_COLUMNS = (
    "pk",
    "embedder",
    "mural_id",
    "mural__cave__site__slug",
    "mural__cave__number",
    "mural__period__slug",
    "x",
    "y",
    "w",
    "h",
)


def fetch_vectors(ids: list[int]) -> np.ndarray:
    """The embeddings of `ids` in that order, read in pgvector's binary format (the text form
    costs about 2 ms per 1,280-dim vector to parse)."""
    from pgvector.psycopg import register_vector

    connection.ensure_connection()
    register_vector(connection.connection)
    import psycopg

    with psycopg.Cursor(connection.connection) as raw:  # Django's cursors are client-side
        raw.execute(
            "SELECT id, embedding FROM elements_element WHERE id = ANY(%s)", [ids], binary=True
        )
        found = {pk: vector for pk, vector in raw.fetchall()}
    as_array = [getattr(found[pk], "to_numpy", lambda v=found[pk]: v)() for pk in ids]
    return np.stack([np.asarray(v, dtype=np.float32) for v in as_array])


def vectors_of(qs) -> tuple[list[int], np.ndarray, list[dict]]:
    """(ids, unit vectors, facts) of the elements with vectors, one embedder only."""
    rows = list(qs.filter(embedding__isnull=False).values_list(*FACT_COLUMNS))
    embedders = {r[1] for r in rows}
    if len(embedders) > 1:
        raise FilterError("ids", f"the elements mix embedders ({', '.join(sorted(embedders))})")
    if not rows:
        return [], np.zeros((0, 0), np.float32), []
    ids = [r[0] for r in rows]
    vectors = fetch_vectors(ids)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    facts = [
        {"id": r[0], "mural": r[2], "site": r[3], "cave": r[4], "period": r[5], "bbox": list(r[6:])}
        for r in rows
    ]
    return ids, vectors, facts


def leaf_order(similarity: np.ndarray) -> np.ndarray:
    """The rows' order in an average-linkage dendrogram over cosine distance."""
    n = len(similarity)
    if n < 3:
        return np.arange(n)
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    distance = (distance + distance.T) / 2
    return leaves_list(linkage(squareform(distance, checks=False), method="average"))


def selection_matrix(flt: LibraryFilter) -> dict:
    """The matrix of the view's elements in leaf order; FilterError over MATRIX_MAX or if empty."""
    qs = flt.queryset()
    count = qs.count()
    if count > MATRIX_MAX:
        raise FilterError(
            "ids", f"{count} elements; a similarity matrix takes at most {MATRIX_MAX}"
        )
    ids, vectors, facts = vectors_of(qs.order_by("pk"))
    if len(ids) < 2:
        raise FilterError("ids", "a similarity matrix needs at least 2 elements with vectors")
    similarity = vectors @ vectors.T
    order = leaf_order(similarity)
    ordered = similarity[np.ix_(order, order)]
    return {
        "category": flt.category.slug,
        "ids": [ids[i] for i in order],
        "elements": [facts[i] for i in order],
        "matrix": np.round(ordered, 4).tolist(),
    }


def cave_matrix(flt: LibraryFilter) -> dict:
    """Mean pairwise similarity between the elements of each pair of caves (self-pairs left out
    on the diagonal): sum_a . sum_b / (n_a n_b) for unit vectors."""
    qs = flt.queryset().filter(embedding__isnull=False)
    ids, vectors, facts = vectors_of(qs.order_by("pk"))
    caves = sorted({(f["site"], f["cave"]) for f in facts})
    index = {c: i for i, c in enumerate(caves)}
    sums = np.zeros((len(caves), vectors.shape[1] if len(ids) else 0), np.float64)
    counts = np.zeros(len(caves), np.int64)
    for f, v in zip(facts, vectors, strict=True):
        i = index[(f["site"], f["cave"])]
        sums[i] += v
        counts[i] += 1
    dots = sums @ sums.T
    pairs = np.outer(counts, counts).astype(np.float64)
    np.fill_diagonal(dots, np.diag(dots) - counts)  # |sum|^2 - n: the self-pairs out
    np.fill_diagonal(pairs, counts * (counts - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(pairs > 0, dots / np.maximum(pairs, 1), np.nan)
    return {
        "category": flt.category.slug,
        "caves": [{"site": s, "cave": c, "count": int(counts[index[(s, c)]])} for s, c in caves],
        "matrix": [[None if np.isnan(v) else round(float(v), 4) for v in row] for row in mean],
    }


def matrix_csv(body: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    if "ids" in body:
        labels = [str(i) for i in body["ids"]]
    else:
        labels = [f"{c['site']}:{c['cave']}" for c in body["caves"]]
    writer.writerow(["", *labels])
    for label, row in zip(labels, body["matrix"], strict=True):
        writer.writerow([label, *("" if v is None else v for v in row)])
    return out.getvalue()
