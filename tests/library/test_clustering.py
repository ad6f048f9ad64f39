"""Motif groups: cluster_elements stores groups (all three methods), prints the contract JSON,
refuses an empty category with exit 2 writing nothing, and groups go stale when elements change."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from dunhuang_search.library.models import MotifGroup, MotifMembership, refresh_stale
from indexer.motif_clusters import cluster_quality, cluster_vectors, purity
from tests.factories import category

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = io.StringIO()
    call_command("cluster_elements", *args, "--json", stdout=out, verbosity=0)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.parametrize("method", ["faiss-kmeans", "agglomerative", "hdbscan"])
def test_cluster_elements_finds_the_motifs(three_motifs, method):
    rows, truth = three_motifs
    extra = ["--k", "3"] if method == "faiss-kmeans" else []
    body = run("--category", "apsara", "--method", method, *extra)
    assert set(body) == {"category", "method", "groups", "unassigned", "seconds"}
    assert body["category"] == "apsara" and body["method"] == method
    by_id = {e.pk: t for e, t in zip(rows, truth, strict=True)}
    assert len(body["groups"]) == 3
    for group in body["groups"]:
        assert group["size"] == len(group["element_ids"]) == 10
        assert len({by_id[i] for i in group["element_ids"]}) == 1
    stored = MotifGroup.objects.filter(category__slug="apsara")
    assert stored.count() == 3
    assert MotifMembership.objects.filter(group__in=stored).count() == 30
    assert all(g.typical_id in g.element_ids for g in stored)


def test_a_rerun_replaces_the_groups(three_motifs):
    run("--category", "apsara", "--k", "3")
    body = run("--category", "apsara", "--k", "2", "--min-size", "1")
    assert MotifGroup.objects.filter(category__slug="apsara").count() == len(body["groups"]) == 2


def test_empty_category_exits_2_and_writes_nothing(three_motifs):
    with pytest.raises(CommandError) as caught:
        call_command("cluster_elements", "--category", "donor", verbosity=0)
    assert caught.value.returncode == 2 and "donor" in str(caught.value)
    assert not MotifGroup.objects.exists()


@pytest.mark.parametrize(
    "argv", [["--category", "dragons"], ["--category", "apsara", "--method", "dbscan"]]
)
def test_bad_options_exit_2(three_motifs, argv):
    with pytest.raises(CommandError) as caught:
        call_command("cluster_elements", *argv, verbosity=0)
    assert caught.value.returncode == 2
    assert not MotifGroup.objects.exists()


def test_groups_go_stale_when_elements_change(three_motifs):
    rows, _ = three_motifs
    run("--category", "apsara", "--k", "3")
    apsara = category("apsara")
    assert refresh_stale(apsara) == 0
    edited = rows[0]
    edited.notes = "retouched"
    edited.save()
    assert refresh_stale(apsara) == 1
    group = MotifGroup.objects.get(members__element=edited)
    assert group.stale
    deleted = next(
        e for e in rows if not MotifGroup.objects.filter(pk=group.pk, members__element=e).exists()
    )
    other = MotifGroup.objects.get(members__element=deleted)
    deleted.delete()
    assert refresh_stale(apsara) == 1
    other.refresh_from_db()
    assert other.stale


def test_gallery_shows_group_rows(client, three_motifs):
    run("--category", "apsara", "--k", "3")
    html = client.get("/library/apsara/").content.decode()
    assert html.count('<div class="motif-group') == 3
    assert "10 elements" in html


def test_quality_metrics():
    truth = [0, 0, 0, 1, 1, 1]
    assert purity(truth, np.array([0, 0, 0, 1, 1, 1])) == 1.0
    assert purity(truth, np.array([0, 0, -1, 1, 1, 1])) == pytest.approx(5 / 6)
    assert cluster_quality(truth, np.array([1, 1, 1, 0, 0, 0]))["ari"] == 1.0
    with pytest.raises(ValueError):
        cluster_vectors(np.zeros((0, 4)))
