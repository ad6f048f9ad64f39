"""Fixtures for the review app: users in each role, a mural with detections to review, and a
stand-in embedder (a box's vector from its coordinates) where the pixels do not matter."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth.models import Group
from django.test import Client

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.review import embedding
from tests.factories import EMBEDDER, add_element, make_mural, make_user

DIM = 8


def box_vector(box) -> np.ndarray:
    """A deterministic unit vector for a box: what the stand-in embedder returns."""
    rng = np.random.default_rng(abs(hash(tuple(box))) % 2**32)
    vector = rng.normal(size=DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def fake_embedder(monkeypatch):
    """embed_box returns box_vector(box) under the factories' EMBEDDER id; records its calls."""
    calls: list[list[int]] = []

    def embed(mural, box, embedder=None):
        calls.append(list(box))
        return box_vector(box), EMBEDDER

    monkeypatch.setattr(embedding, "embed_box", embed)
    return calls


def make_archaeologist(username: str = "ana"):
    user = make_user(username)
    user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    return user


@pytest.fixture
def archaeologist(db):
    return make_archaeologist()


@pytest.fixture
def reader(db):
    return make_user("rita")


@pytest.fixture
def archaeologist_client(archaeologist) -> Client:
    client = Client()
    client.force_login(archaeologist)
    return client


@pytest.fixture
def reader_client(reader) -> Client:
    client = Client()
    client.force_login(reader)
    return client


@pytest.fixture
def detections(db):
    """A row-only mural (10,000 x 8,000) with three unreviewed detections and a dense window."""
    mural = make_mural()
    elements = [
        add_element(mural, "donor", x=100, y=200, score=0.45),
        add_element(mural, "apsara", x=1000, y=200, score=0.9),
        add_element(mural, "donor", x=2000, y=300, score=0.1),
    ]
    dense = add_element(mural, None, x=0, y=0, w=256, h=256, source="dense", score=None)
    return mural, elements, dense
