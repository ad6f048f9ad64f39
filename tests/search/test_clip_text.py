"""With an open_clip embedder (random weights, nothing downloaded), text queries rank elements
by CLIP text-to-image similarity, fused with the keyword ranking."""

from __future__ import annotations

import pytest

from dunhuang_search.elements.models import Element
from dunhuang_search.elements.vector_index import rebuild_index
from dunhuang_search.search.engine import active_embedder, run_search
from dunhuang_search.search.query import parse_request
from tests.factories import make_mural

pytestmark = pytest.mark.django_db

TEXTS = ["flowing scarves in the wind", "a blue lotus pond", "mountains under clouds"]


def test_text_queries_use_the_clip_text_tower(settings, no_network):
    settings.EMBEDDER = "open_clip:ViT-B-32"
    clip = active_embedder()
    vectors = clip.embed_text(TEXTS)
    mural = make_mural()
    elements = [
        Element.objects.create(
            mural=mural,
            x=100 * i,
            y=0,
            w=90,
            h=90,
            source="detector",
            embedder=clip.id,
            embedding=vector,
        )  # fmt: skip
        for i, vector in enumerate(vectors)
    ]
    rebuild_index(clip.id, clip.dim)

    outcome = run_search(parse_request({"q": "a blue lotus pond"}))

    assert outcome.strategy.startswith("clip+keyword")
    assert outcome.results[0][0].pk == elements[1].pk
    notes = Element.objects.filter(pk=elements[2].pk)
    notes.update(notes="blue lotus pond beside the mountains")
    fused = run_search(parse_request({"q": "blue lotus pond"}))
    assert {e.pk for e, _ in fused.results[:2]} == {elements[1].pk, elements[2].pk}
