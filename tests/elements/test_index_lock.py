"""Two processes indexing the same mural: the second is refused by a PostgreSQL advisory lock,
and nothing is duplicated."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from dunhuang_search.elements.indexing import MuralsBusy
from dunhuang_search.elements.locks import INDEX_NAMESPACE
from dunhuang_search.elements.models import Element, IndexJob
from tests.factories import synthetic_mural


@pytest.mark.django_db
def test_a_second_process_indexing_the_same_mural_is_refused_by_an_advisory_lock(index, tmp_path):
    mural = synthetic_mural(tmp_path, seed=21)
    params = connection.get_connection_params()
    other = psycopg.connect(
        host=params["host"],
        port=params["port"],
        user=params["user"],
        dbname=params["dbname"],
        autocommit=True,
    )  # another process's session, holding the mural's lock while it indexes
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [INDEX_NAMESPACE, mural.pk])
        with pytest.raises(MuralsBusy, match=f"mural {mural.pk} is being indexed by another"):
            index([mural])
        assert not Element.objects.filter(mural=mural).exists()
        assert not IndexJob.objects.filter(mural=mural).exists()
    finally:
        other.close()  # the lock goes with its session
    (job,) = index([mural])
    assert job.state == IndexJob.State.DONE and job.elements_found > 0
