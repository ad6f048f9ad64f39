"""The review service: events before -> after, undo as a new event, the version check (409),
re-embedding a moved box, and refusals that write nothing."""

from __future__ import annotations

import numpy as np
import pytest

from dunhuang_search.elements.models import Element
from dunhuang_search.review import actions
from dunhuang_search.review.actions import ReviewError, StaleVersion
from dunhuang_search.review.models import ReviewEvent
from indexer.vectors import VectorIndex
from tests.factories import build_index, ingested_mural

from .conftest import DIM, box_vector

pytestmark = pytest.mark.django_db


def test_accept_writes_an_event_with_before_and_after(detections, archaeologist):
    _, (donor, *_), _ = detections
    element, event = actions.apply_review(donor.pk, archaeologist, {"state": "accepted"}, 1)
    assert element.review_state == "accepted" and element.version == 2
    assert element.reviewed_by == archaeologist and element.reviewed_at is not None
    assert event.before["state"] == "unreviewed" and event.after["state"] == "accepted"
    assert (
        event.user == archaeologist
        and event.version == 2
        and event.changed()
        == [
            "state",
            "version",
        ]
    )
    stored = Element.objects.get(pk=donor.pk)
    assert (stored.review_state, stored.version) == ("accepted", 2)


def test_relabel_and_note_and_text_are_recorded(detections, archaeologist):
    _, (donor, *_), _ = detections
    _, event = actions.apply_review(
        donor.pk, "ana", {"category": "apsara", "note": "a flying figure", "ocr_text": " 供養 "}
    )
    stored = Element.objects.get(pk=donor.pk)
    assert stored.category.slug == "apsara" and stored.notes == "a flying figure"
    assert stored.ocr_text == "供養" and stored.review_state == "unreviewed"
    assert event.before["category"] == "donor" and event.after["category"] == "apsara"


def test_undo_restores_the_previous_state_as_a_new_event(detections, archaeologist):
    _, (donor, *_), _ = detections
    actions.apply_review(donor.pk, archaeologist, {"state": "rejected", "category": "apsara"})
    first, _ = actions.apply_review(donor.pk, archaeologist, {"state": "accepted"})
    element, undo = actions.undo(donor.pk, archaeologist, version=first.version)
    assert element.review_state == "rejected" and element.category.slug == "apsara"
    assert undo.action == "undo" and undo.undoes.after["state"] == "accepted"
    element, _ = actions.undo(donor.pk, archaeologist)  # walks back further
    assert element.review_state == "unreviewed" and element.category.slug == "donor"
    assert element.version == 5
    with pytest.raises(ReviewError, match="no review to undo"):
        actions.undo(donor.pk, archaeologist)
    assert ReviewEvent.objects.filter(element=donor).count() == 4  # nothing was deleted
    assert [e.action for e in actions.history(donor.pk)] == ["undo", "undo", "review", "review"]


def test_a_stale_version_is_refused_with_the_current_state(detections, archaeologist):
    _, (donor, *_), _ = detections
    actions.apply_review(donor.pk, archaeologist, {"state": "accepted"}, version=1)
    with pytest.raises(StaleVersion) as caught:
        actions.apply_review(donor.pk, "ana", {"state": "rejected"}, version=1)
    assert caught.value.status == 409
    assert caught.value.current["state"] == "accepted" and caught.value.current["version"] == 2
    assert Element.objects.get(pk=donor.pk).review_state == "accepted"
    assert ReviewEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("target", "data", "message"),
    [
        ("missing", {"state": "accepted"}, "no element"),
        ("dense", {"state": "accepted"}, "dense search window"),
        ("donor", {"state": "maybe"}, "state must be one of"),
        ("donor", {"category": "dragon"}, "unknown category"),
        ("donor", {"bbox": [9_990, 0, 50, 50]}, "outside the mural"),
        ("donor", {"bbox": [-1, 0, 50, 50]}, "outside the mural"),
        ("donor", {"bbox": [10, 10, 0, 50]}, "zero size"),
        ("donor", {"bbox": "1,2,3"}, "four integers"),
        ("donor", {"bbox": [1.5, 2, 3, 4]}, "whole pixels"),
        ("donor", {"colour": "red"}, "unknown field"),
        ("donor", {}, "nothing to change"),
        ("donor", {"ocr_text": 12}, "text must be a string"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    detections, archaeologist, fake_embedder, target, data, message
):
    _, (donor, *_), dense = detections
    element_id = {"missing": 999_999, "dense": dense.pk, "donor": donor.pk}[target]
    with pytest.raises(ReviewError, match=message) as caught:
        actions.apply_review(element_id, archaeologist, {**data, "state": data.get("state")})
    assert caught.value.status == 400
    assert ReviewEvent.objects.count() == 0
    stored = Element.objects.get(pk=donor.pk)
    assert (stored.version, stored.review_state, stored.bbox) == (1, "unreviewed", donor.bbox)
    assert fake_embedder == []


def test_unknown_or_anonymous_users_are_refused(detections):
    from django.contrib.auth.models import AnonymousUser

    _, (donor, *_), _ = detections
    with pytest.raises(ReviewError, match="no active user named 'nobody'"):
        actions.apply_review(donor.pk, "nobody", {"state": "accepted"})
    with pytest.raises(ReviewError, match="signed-in user"):
        actions.apply_review(donor.pk, AnonymousUser(), {"state": "accepted"})
    assert ReviewEvent.objects.count() == 0


def test_a_moved_box_is_re_embedded_and_synced_to_faiss(
    detections, archaeologist, fake_embedder, settings, django_capture_on_commit_callbacks
):
    _, (donor, apsara, _), _ = detections
    Element.objects.filter(pk__in=[donor.pk, apsara.pk]).update(
        embedding=np.eye(DIM, dtype=np.float32)[0], embedder="test-embedder"
    )
    build_index(DIM)
    with django_capture_on_commit_callbacks(execute=True):
        _, event = actions.apply_review(donor.pk, archaeologist, {"bbox": "120,210,60,90"})
    assert fake_embedder == [[120, 210, 60, 90]]
    assert event.before["bbox"] == [100, 200, 50, 80] and event.after["bbox"] == [120, 210, 60, 90]
    stored = Element.objects.get(pk=donor.pk)
    assert np.allclose(stored.embedding, box_vector([120, 210, 60, 90]))
    index = VectorIndex.load(settings.VECTOR_INDEX_PATH)
    scores, ids = index.search(box_vector([120, 210, 60, 90])[None], 1)
    assert ids[0][0] == donor.pk and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    assert len(index) == 2


def test_accepting_a_proposal_makes_a_manual_element_and_undo_a_proposal_again(
    detections, archaeologist
):
    mural, _, _ = detections
    proposal = Element.objects.create(
        mural=mural, x=5, y=5, w=40, h=40, source="proposal", confident=False, score=0.8
    )
    assert not Element.objects.visible().filter(pk=proposal.pk).exists()
    actions.apply_review(proposal.pk, archaeologist, {"state": "accepted", "category": "donor"})
    assert Element.objects.visible().filter(pk=proposal.pk, source="manual").exists()
    element, _ = actions.undo(proposal.pk, archaeologist)
    assert element.source == "proposal" and element.review_state == "unreviewed"
    assert not Element.objects.visible().filter(pk=proposal.pk).exists()


def test_a_drawn_element_is_manual_accepted_and_embedded_with_the_real_embedder(
    archaeologist, tmp_path, settings, django_capture_on_commit_callbacks
):
    from tests.conftest import write_test_image

    mural = ingested_mural(write_test_image(tmp_path / "wall.png", 400, 300))
    with django_capture_on_commit_callbacks(execute=True):
        element = actions.create_manual(mural.pk, [40, 30, 120, 90], "donor", archaeologist)
    stored = Element.objects.get(pk=element.pk)
    assert (stored.source, stored.review_state, stored.category.slug) == (
        "manual",
        "accepted",
        "donor",
    )
    assert stored.embedder.startswith(settings.EMBEDDER) and len(stored.embedding) == 1280
    assert np.linalg.norm(stored.embedding) == pytest.approx(1.0, abs=1e-3)
    assert VectorIndex.load(settings.VECTOR_INDEX_PATH).ids().tolist() == [element.pk]
    assert [e.action for e in actions.history(element.pk)] == ["create"]
    with pytest.raises(ReviewError, match="outside the mural"):
        actions.create_manual(mural.pk, [350, 30, 120, 90], "donor", archaeologist)
    assert Element.objects.count() == 1
