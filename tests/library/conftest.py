"""A small library: elements of one category spread over periods, caves, walls, sources,
review states, detector versions and scores, with dense windows, rejected and unconfident
detections beside them (which no library shows or counts)."""

from __future__ import annotations

import numpy as np
import pytest

from dunhuang_search.elements.models import Element
from tests.factories import add_element, add_elements, make_mural

PLACES = [
    (220, "mogao", "early-tang", "south"),
    (220, "mogao", "early-tang", "north"),
    (45, "mogao", "high-tang", "west"),
    (285, "mogao", "western-wei", "south"),
    (25, "yulin", "middle-tang", "north"),
]


@pytest.fixture
def library(db):
    """{"murals": [...], "elements": [...visible...], "hidden": [...]} for category apsara."""
    rng = np.random.default_rng(7)
    murals = [make_mural(cave=c, site=s, period=p, wall=w) for c, s, p, w in PLACES]
    visible, hidden = [], []
    for i, mural in enumerate(murals):
        n = 6 + 2 * i
        rows = add_elements(mural, rng.normal(size=(n, 16)), "apsara")
        for j, el in enumerate(rows):
            el.score = float(rng.uniform(0.3, 1.0))
            el.source = Element.Source.MANUAL if j % 5 == 0 else Element.Source.DETECTOR
            el.review_state = Element.Review.ACCEPTED if j % 3 == 0 else Element.Review.UNREVIEWED
            el.model_version = "yolo-v1" if j % 2 else "yolo-v2"
            el.save()
        visible += rows
        hidden.append(add_element(mural, "apsara", source="dense", score=0.9))
        hidden.append(add_element(mural, "apsara", review_state="rejected", score=0.95))
        hidden.append(add_element(mural, "apsara", confident=False, score=0.2))
        add_element(mural, "donor", score=0.8)  # another category
    return {"murals": murals, "elements": visible, "hidden": hidden}


@pytest.fixture
def three_motifs(db):
    """30 apsara elements: three tight clusters of 10 around orthogonal-ish centres."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(3, 32))
    truth = np.repeat([0, 1, 2], 10)
    vectors = centres[truth] + 0.08 * rng.normal(size=(30, 32))
    rows = add_elements(make_mural(cave=220), vectors[:15], "apsara")
    rows += add_elements(make_mural(cave=45, period="high-tang"), vectors[15:], "apsara")
    return rows, truth
