"""Board fixtures: people with their roles, a mural (rows only) with two elements, a board."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.boards.items import add_item
from dunhuang_search.boards.models import Board, Lane
from tests.factories import add_element, make_mural, make_user


def archaeologist(name: str):
    user = make_user(name)
    user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    return user


@pytest.fixture
def people(db) -> dict:
    return {
        "owner": archaeologist("owner"),
        "editor": archaeologist("editor"),
        "viewer": archaeologist("viewer"),
        "member": archaeologist("member"),
        "stranger": archaeologist("stranger"),
        "reader": make_user("reader"),
    }


@pytest.fixture
def wall(db):
    """Mogao cave 220, south wall, Early Tang, 150 dpi, with a donor and an apsara."""
    mural = make_mural(cave=220, period="early-tang", dpi=150)
    return {
        "mural": mural,
        "donor": add_element(mural, "donor", x=100, y=200, w=50, h=80),
        "apsara": add_element(mural, "apsara", x=400, y=300, w=120, h=90),
    }


@pytest.fixture
def board(people, wall) -> Board:
    board = Board.objects.create(owner=people["owner"], title="Donor headdresses")
    lane = Lane.objects.create(board=board, name="donor headdress", order=0)
    add_item(board, element=wall["donor"], lane=lane, note="high crown")
    add_item(board, element=wall["apsara"])
    return board
