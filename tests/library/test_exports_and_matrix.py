"""Exports of a library view (CSV, IIIF Presentation 3 Manifest) and its similarity matrices."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from dunhuang_search.library import matrix
from tests.factories import add_elements, make_mural

pytestmark = pytest.mark.django_db


def test_csv_export_of_a_filtered_view(client, library):
    response = client.get("/api/v1/library/apsara/export/", {"cave": "220", "sort": "score"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    expected = [e for e in library["elements"] if e.mural.cave.number == 220]
    assert {int(r["element_id"]) for r in rows} == {e.pk for e in expected}
    assert [float(r["score"]) for r in rows] == sorted(
        (float(r["score"]) for r in rows), reverse=True
    )
    first = rows[0]
    element = next(e for e in expected if e.pk == int(first["element_id"]))
    assert first["site"] == "mogao" and first["period"] == "early-tang"
    assert [int(first[k]) for k in "xywh"] == element.bbox
    assert first["iiif_region_url"].endswith(
        f"/iiif/3/{element.mural_id}/{','.join(map(str, element.bbox))}/max/0/default.jpg"
    )
    assert first["category"] == "apsara" and first["review_state"] == element.review_state


def test_csv_export_of_a_selection(client, library):
    ids = [e.pk for e in library["elements"][:3]]
    response = client.get("/api/v1/library/apsara/export/", {"ids": ",".join(map(str, ids))})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(int(r["element_id"]) for r in rows) == sorted(ids)


def test_selection_of_hidden_elements_is_400(client, library):
    dense = library["hidden"][0]
    response = client.get("/api/v1/library/apsara/export/", {"ids": str(dense.pk)})
    assert response.status_code == 400 and "ids" in response.json()["error"]


def test_manifest_has_one_labelled_canvas_per_crop(client, library):
    ids = [e.pk for e in library["elements"][:4]]
    response = client.get("/api/v1/library/apsara/manifest/", {"ids": ",".join(map(str, ids))})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "Manifest" and body["@context"].endswith("presentation/3/context.json")
    assert len(body["items"]) == 4
    canvas = body["items"][0]
    element = next(e for e in library["elements"] if canvas["id"].endswith(f"/canvas/{e.pk}"))
    assert canvas["width"] == element.w and canvas["label"]["en"][0].startswith("Apsara")
    painting = canvas["items"][0]["items"][0]
    assert painting["motivation"] == "painting" and painting["target"] == canvas["id"]
    assert f"/{','.join(map(str, element.bbox))}/max/" in painting["body"]["id"]
    assert painting["body"]["service"][0]["type"] == "ImageService3"


def test_manifest_over_the_cap_is_400(client, library, monkeypatch):
    from dunhuang_search.library import api_views

    monkeypatch.setattr(api_views, "MANIFEST_MAX", 5)
    response = client.get("/api/v1/library/apsara/manifest/")
    assert response.status_code == 400


def test_matrix_is_in_leaf_order_with_true_similarities(client, library):
    ids = [e.pk for e in library["elements"][:12]]
    body = client.get("/api/v1/library/apsara/matrix/", {"ids": ",".join(map(str, ids))}).json()
    assert sorted(body["ids"]) == sorted(ids)
    vectors = {e.pk: np.asarray(e.embedding) for e in library["elements"][:12]}
    m = np.asarray(body["matrix"])
    for i, a in enumerate(body["ids"][:4]):
        for j, b in enumerate(body["ids"][:4]):
            expected = (
                vectors[a] @ vectors[b] / np.linalg.norm(vectors[a]) / np.linalg.norm(vectors[b])
            )
            assert m[i, j] == pytest.approx(expected, abs=1e-3)
    csv_text = client.get(
        "/api/v1/library/apsara/matrix/", {"ids": ",".join(map(str, ids)), "format": "csv"}
    ).content.decode()
    assert csv_text.splitlines()[0].split(",")[1:] == [str(i) for i in body["ids"]]


def test_leaf_order_puts_clusters_together():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8))
    labels = np.repeat([0, 1, 2], 5)
    rng.shuffle(labels)
    vectors = centres[labels] + 0.05 * rng.normal(size=(15, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ordered = labels[matrix.leaf_order(vectors @ vectors.T)]
    assert sum(ordered[i] != ordered[i + 1] for i in range(14)) == 2  # three runs


def test_matrix_over_the_cap_is_400(client, library, monkeypatch):
    monkeypatch.setattr(matrix, "MATRIX_MAX", 10)
    response = client.get("/api/v1/library/apsara/matrix/")
    assert response.status_code == 400 and "at most 10" in response.json()["error"]


def test_cave_matrix_means(client, db):
    a, b = make_mural(cave=220), make_mural(cave=45, period="high-tang")
    add_elements(a, [[1, 0], [1, 0.1]], "donor")
    add_elements(b, [[0, 1], [0.1, 1], [0, 1]], "donor")
    body = client.get("/api/v1/library/donor/cave-matrix/").json()
    labels = [c["cave"] for c in body["caves"]]
    m = np.asarray(body["matrix"], dtype=float)
    va = np.asarray([[1, 0], [1, 0.1]]) / np.linalg.norm([[1, 0], [1, 0.1]], axis=1, keepdims=True)
    vb = np.asarray([[0, 1], [0.1, 1], [0, 1]])
    vb = vb / np.linalg.norm(vb, axis=1, keepdims=True)
    i, j = labels.index(220), labels.index(45)
    assert m[i, j] == pytest.approx((va @ vb.T).mean(), abs=1e-3)
    within = vb @ vb.T
    assert m[j, j] == pytest.approx((within.sum() - 3) / 6, abs=1e-3)


def test_matrix_page_renders(client, library):
    ids = ",".join(str(e.pk) for e in library["elements"][:5])
    response = client.get("/library/apsara/matrix/", {"ids": ids})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="similarity-matrix"' in html and "cave-matrix" in html
