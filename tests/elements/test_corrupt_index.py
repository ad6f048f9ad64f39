"""A truncated FAISS file is caught by its checksum: verify_index says so and names the repair,
and rebuilding from PostgreSQL heals it."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from dunhuang_search.elements.vector_index import verify_index
from tests.factories import add_elements, build_index, make_mural

pytestmark = pytest.mark.django_db


def test_verify_index_reports_a_corrupt_file_and_rebuild_heals_it(settings, capsys):
    add_elements(make_mural(), np.random.default_rng(1).normal(size=(30, 16)))
    build_index(16)
    assert verify_index().ok
    path = settings.VECTOR_INDEX_PATH
    path.write_bytes(path.read_bytes()[:-100])
    drift = verify_index()
    assert not drift.ok and "is corrupt" in drift.corrupt
    with pytest.raises(CommandError, match="rebuild_index") as refused:
        call_command("verify_index")
    assert refused.value.returncode == 1
    assert "run `python manage.py rebuild_index`" in capsys.readouterr().out
    build_index(16)
    assert verify_index().ok and verify_index().faiss_count == 30


def test_search_answers_503_naming_rebuild_index_while_the_file_is_corrupt(settings, client):
    elements = add_elements(make_mural(), np.random.default_rng(2).normal(size=(30, 16)))
    build_index(16)
    query = f"/api/v1/search/?element={elements[0].pk}&k=5"
    assert client.get(query).status_code == 200
    path = settings.VECTOR_INDEX_PATH
    path.write_bytes(path.read_bytes()[:-100])
    answer = client.get(query)
    assert answer.status_code == 503
    assert "run `python manage.py rebuild_index`" in answer.json()["error"]
    page = client.get(f"/search/?element={elements[0].pk}")
    assert page.status_code == 503 and b"rebuild_index" in page.content
    build_index(16)
    assert client.get(query).status_code == 200
