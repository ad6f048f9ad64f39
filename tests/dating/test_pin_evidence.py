""" "Pin evidence" (boards:pin-evidence): the estimate's strongest pairs pinned to a board in one
transaction; roles, bad input (400, nothing written) and exactly the expected items."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.boards import evidence as evidence_module
from dunhuang_search.boards.evidence import PAIRS, evidence_pairs
from dunhuang_search.boards.models import Board, BoardItem
from dunhuang_search.dating.assistant import estimate
from tests.dating.conftest import vectors
from tests.factories import add_elements, make_mural, make_user

pytestmark = pytest.mark.django_db
URL = "/boards/pin-evidence/"


@pytest.fixture
def target(dated_world, indexed):
    mural = make_mural(cave=400, period=None)
    add_elements(mural, vectors(0, 3, seed=9), category_slug="donor")
    indexed()
    return mural


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def scholar():
    user = make_user("scholar")
    user.groups.add(Group.objects.get_or_create(name=ARCHAEOLOGIST)[0])
    return user


def expected_elements(mural) -> list[int]:
    """The element ids of the strongest PAIRS pairs (target, neighbour), each once, in order."""
    order: list[int] = []
    for row in evidence_pairs(estimate(mural), PAIRS):
        for pk in (row["element_id"], row["neighbour_id"]):
            if pk not in order:
                order.append(pk)
    return order


def test_the_viewer_fragment_offers_pin_evidence_to_archaeologists_only(target, scholar):
    page = f"/murals/{target.pk}/dating/"
    assert 'id="pin-evidence"' in signed_in(scholar).get(page).content.decode()
    assert 'id="pin-evidence"' not in Client().get(page).content.decode()
    assert 'id="pin-evidence"' not in signed_in(make_user("reader")).get(page).content.decode()
    picker = signed_in(scholar).get(URL, {"mural": target.pk, "authority": "catalogue"})
    assert picker.status_code == 200
    html = picker.content.decode()
    assert 'name="mural"' in html and f'value="{target.pk}"' in html and "Pin the evidence" in html


def test_pinning_puts_exactly_the_strongest_pairs_on_the_board(target, scholar):
    board = Board.objects.create(owner=scholar, title="Sui donors?")
    response = signed_in(scholar).post(URL, {"mural": target.pk, "board": board.pk})
    assert response.status_code == 200, response.content
    expected = expected_elements(target)
    # 3 target donors, each with neighbours in Sui caves: more pairs than targets
    assert len(evidence_pairs(estimate(target), PAIRS)) == PAIRS
    items = list(BoardItem.objects.filter(board=board).order_by("position", "pk"))
    assert [item.element_id for item in items] == expected
    assert f"Pinned {len(expected)} items" in response.content.decode()
    rows = evidence_pairs(estimate(target), PAIRS)
    by_element = {item.element_id: item for item in items}
    seen: set[int] = set()
    for row in rows:
        neighbour = by_element[row["neighbour_id"]]
        target_item = by_element[row["element_id"]]
        assert f"neighbour element {row['neighbour_id']}" in target_item.note
        if row["neighbour_id"] in seen:  # captioned by the first (strongest) pair it is in
            continue
        seen.add(row["neighbour_id"])
        assert row["period"] in neighbour.caption and f"cave {row['cave']}" in neighbour.caption
        assert f"similarity {row['similarity']:.3f}" in neighbour.caption
        assert f"element {row['element_id']}" in neighbour.caption
        assert "estimate: sui" in target_item.caption
    neighbours = {row["neighbour_id"] for row in rows}
    assert all(by_element[pk].element.mural.cave.number in (301, 302) for pk in neighbours)


def test_a_new_board_is_named_by_its_title(target, scholar):
    response = signed_in(scholar).post(URL, {"mural": target.pk, "title": "Evidence, cave 400"})
    assert response.status_code == 200
    board = Board.objects.get(title="Evidence, cave 400", owner=scholar)
    assert board.items.count() == len(expected_elements(target))


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"mural": "999999"}, "no mural"),
        ({"mural": "abc"}, "no mural"),
        ({"authority": "Nobody"}, "unknown authority"),
        ({"board": ""}, "choose one of your boards"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(target, scholar, fields, message):
    board = Board.objects.create(owner=scholar, title="mine")
    data = {"mural": target.pk, "board": board.pk, **fields}
    before = (Board.objects.count(), BoardItem.objects.count())
    response = signed_in(scholar).post(URL, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert (Board.objects.count(), BoardItem.objects.count()) == before


def test_a_new_board_is_not_left_behind_when_the_pin_fails(target, scholar):
    bad = signed_in(scholar).post(URL, {"mural": target.pk, "title": "t", "authority": "Nobody"})
    assert bad.status_code == 400 and not Board.objects.filter(title="t").exists()


def test_a_failure_half_way_rolls_every_item_back(target, scholar, monkeypatch):
    board = Board.objects.create(owner=scholar, title="mine")
    real, calls = evidence_module.add_item, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise evidence_module.BoardInputError("the region lies outside the mural")
        return real(*args, **kwargs)

    monkeypatch.setattr(evidence_module, "add_item", failing)
    response = signed_in(scholar).post(URL, {"mural": target.pk, "board": board.pk})
    assert response.status_code == 400 and len(calls) == 3
    assert board.items.count() == 0


def test_a_mural_without_evidence_is_400(dated_world, indexed, scholar):
    bare = make_mural(cave=401, period=None)
    indexed()
    board = Board.objects.create(owner=scholar, title="mine")
    response = signed_in(scholar).post(URL, {"mural": bare.pk, "board": board.pk})
    assert response.status_code == 400 and "no evidence to pin" in response.content.decode()
    assert board.items.count() == 0


def test_roles_readers_get_403_anonymous_to_login_others_boards_refused(target, scholar):
    board = Board.objects.create(owner=scholar, title="mine")
    reader = signed_in(make_user("reader")).post(URL, {"mural": target.pk, "board": board.pk})
    assert reader.status_code == 403
    anonymous = Client().post(URL, {"mural": target.pk, "board": board.pk})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    other = make_user("other")
    other.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    refused = signed_in(other).post(URL, {"mural": target.pk, "board": board.pk})
    assert refused.status_code == 400 and "choose one of your boards" in refused.content.decode()
    assert board.items.count() == 0
