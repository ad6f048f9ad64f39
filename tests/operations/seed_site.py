"""Run in a subprocess (with DATABASE_URL and DUNHUANG_VAR_DIR set) by the backup tests: a small
site with an indexed mural, a review, a board and a derivative. Not a test module."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dunhuang_search.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.utils import timezone  # noqa: E402

from dunhuang_search.boards.items import add_item  # noqa: E402
from dunhuang_search.boards.models import Board, Lane  # noqa: E402
from dunhuang_search.studio.derivatives import save_derivative  # noqa: E402
from tests.factories import add_elements, build_index, ingested_mural, make_user  # noqa: E402

folder = Path(sys.argv[1])
rng = np.random.default_rng(0)
mural = ingested_mural(folder / "wall.png", rng.integers(0, 255, (480, 640, 3), dtype=np.uint8))
elements = add_elements(mural, rng.normal(size=(12, 16)))
build_index(16)
user = make_user("reviewer")
first = elements[0]
first.review_state, first.reviewed_by, first.reviewed_at = "accepted", user, timezone.now()
first.save()
save_derivative(
    rng.integers(0, 255, (64, 64, 3), dtype=np.uint8),
    kind="restoration",
    method="telea",
    mask=np.ones((64, 64), np.uint8),
    element=first,
    author=user,
)
board = Board.objects.create(owner=user, title="Donor headdresses")
lane = Lane.objects.create(board=board, name="donor headdress", order=0)
add_item(board, element=first, lane=lane, note="high crown")
print(mural.pk)
