"""A small dated world for the assistant: murals in several caves with chosen vectors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.factories import add_elements, build_index, make_mural

DIM = 8


def direction(i: int, jitter: float = 0.0, seed: int = 0) -> np.ndarray:
    """Basis vector i, nudged by `jitter` of noise: vectors of one period point one way."""
    rng = np.random.default_rng(seed)
    vector = np.zeros(DIM, dtype=np.float32)
    vector[i] = 1.0
    return vector + jitter * rng.standard_normal(DIM).astype(np.float32)


def vectors(i: int, n: int, jitter: float = 0.1, seed: int = 0) -> np.ndarray:
    return np.stack([direction(i, jitter, seed * 100 + j) for j in range(n)])


@pytest.fixture
def dated_world(db):
    """Sui murals in caves 301–302 (direction 0), Early Tang in 303–304 (direction 1), Western Wei
    in 305 (direction 2); returns a function that builds the index when the test has added its
    own target murals."""
    murals = {}
    for cave, period, axis in [
        (301, "sui", 0), (302, "sui", 0), (303, "early-tang", 1), (304, "early-tang", 1),
        (305, "western-wei", 2),
    ]:  # fmt: skip
        mural = make_mural(cave=cave, period=period)
        add_elements(mural, vectors(axis, 4, seed=cave), category_slug="donor")
        murals[cave] = mural
    return murals


@pytest.fixture
def indexed():
    def build() -> int:
        return build_index(DIM)

    return build
