"""Boards, their permissions and their snapshots, on the embedded PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import DatabaseError, IntegrityError, transaction

from dunhuang_search.boards.items import (
    BoardInputError,
    Box,
    add_item,
    caption_text,
    item_dating,
    move_item,
    set_override,
)
from dunhuang_search.boards.models import (
    Board,
    BoardItem,
    BoardShare,
    BoardSnapshot,
    SnapshotImmutable,
)
from dunhuang_search.boards.permissions import can_create, can_edit, can_view, visible_boards
from dunhuang_search.boards.records import EmptyBoard, publish_snapshot
from dunhuang_search.catalogue.models import Period

pytestmark = pytest.mark.django_db


def test_the_owner_views_and_edits_a_private_board_nobody_else_does(board, people):
    assert can_view(people["owner"], board) and can_edit(people["owner"], board)
    for name in ("editor", "viewer", "stranger", "reader"):
        assert not can_view(people[name], board) and not can_edit(people[name], board)
    assert not can_view(AnonymousUser(), board)
    assert list(visible_boards(people["owner"])) == [board]
    assert not visible_boards(people["stranger"]).exists()


def test_shared_users_and_groups_get_their_rights(board, people):
    board.visibility = Board.Visibility.SHARED
    board.save()
    BoardShare.objects.create(board=board, user=people["editor"], can_edit=True)
    BoardShare.objects.create(board=board, user=people["viewer"], can_edit=False)
    team = Group.objects.create(name="cave-285-team")
    people["member"].groups.add(team)
    BoardShare.objects.create(board=board, group=team, can_edit=True)
    assert can_view(people["editor"], board) and can_edit(people["editor"], board)
    assert can_view(people["viewer"], board) and not can_edit(people["viewer"], board)
    assert can_view(people["member"], board) and can_edit(people["member"], board)
    assert not can_view(people["stranger"], board)
    assert set(visible_boards(people["member"])) == {board}
    # a share without the archaeologist role still views, never edits
    BoardShare.objects.create(board=board, user=people["reader"], can_edit=True)
    assert can_view(people["reader"], board) and not can_edit(people["reader"], board)
    # back to private: the shares stop counting
    board.visibility = Board.Visibility.PRIVATE
    board.save()
    assert not can_view(people["editor"], board) and not can_edit(people["editor"], board)


def test_a_share_names_one_user_or_one_group(board, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        BoardShare.objects.create(board=board)


def test_the_public_link_is_read_only_and_needs_its_token(board, people):
    assert not can_view(AnonymousUser(), board, token=board.public_token)  # still private
    board.visibility = Board.Visibility.PUBLIC
    board.save()
    assert len(board.public_token) >= 32
    assert can_view(AnonymousUser(), board, token=board.public_token)
    assert can_view(people["stranger"], board, token=board.public_token)
    assert not can_view(AnonymousUser(), board, token=board.public_token[:-1] + "x")
    assert not can_view(AnonymousUser(), board)
    assert not can_edit(people["stranger"], board) and not can_edit(AnonymousUser(), board)
    other = Board.objects.create(owner=people["owner"], title="another")
    assert other.public_token != board.public_token


def test_only_archaeologists_create_boards(people):
    assert can_create(people["owner"])
    assert not can_create(people["reader"]) and not can_create(AnonymousUser())


def test_an_item_takes_its_mural_period_and_an_override_with_a_reason(board, wall):
    item = board.items.get(element=wall["donor"])
    assert item_dating(item)["source"] == "mural"
    assert caption_text(item) == "Mogao cave 220, south wall, Early Tang (618–704)"
    with pytest.raises(BoardInputError, match="reason"):
        set_override(item, start_year=600, end_year=650)
    with pytest.raises(BoardInputError, match="starts after it ends"):
        set_override(item, start_year=700, end_year=650, reason="crown shape")
    set_override(item, start_year=581, end_year=618, reason="crown shape as in cave 390")
    item.refresh_from_db()
    assert item_dating(item) == {
        "source": "override",
        "period": None,
        "start_year": 581,
        "end_year": 618,
        "reason": "crown shape as in cave 390",
    }
    set_override(item, period=Period.objects.get(slug="sui"), reason="the ribbons")
    assert caption_text(item).endswith("Sui (581–618)")
    with pytest.raises(IntegrityError), transaction.atomic():
        BoardItem.objects.filter(pk=item.pk).update(
            override_period=None, override_start_year=700, override_end_year=600
        )


def test_an_undated_mural_gives_an_undated_item(board, wall):
    item = board.items.get(element=wall["donor"])
    wall["mural"].period = None  # Mural.period may be None (undated) once dating lands
    item.mural = wall["mural"]
    assert item_dating(item)["source"] == "undated"
    assert caption_text(item).endswith("south wall, undated")


def test_a_region_outside_its_mural_is_refused_and_nothing_is_written(board, wall):
    count = BoardItem.objects.count()
    with pytest.raises(BoardInputError, match="outside"):
        add_item(board, mural=wall["mural"], box=Box(9_990, 10, 50, 50))
    assert BoardItem.objects.count() == count
    region = add_item(board, mural=wall["mural"], box=Box(10, 10, 300, 200))
    assert region.kind == "region" and region.frozen["cave"] == 220


def test_moving_between_lanes_and_the_tray_renumbers(board, wall):
    lane = board.lanes.get()
    apsara = board.items.get(element=wall["apsara"])
    assert apsara.lane is None
    move_item(apsara, lane, position=0)
    assert [i.element_id for i in board.items.filter(lane=lane).order_by("position")] == [
        wall["apsara"].pk,
        wall["donor"].pk,
    ]
    move_item(apsara, None)
    assert board.items.get(pk=apsara.pk).lane is None
    assert list(board.items.filter(lane=lane).values_list("position", flat=True)) == [0]


def test_a_deleted_element_stays_as_a_frozen_crop(board, wall):
    wall["donor"].delete()
    item = board.items.get(note="high crown")
    assert item.element is None and item.source_gone
    assert item.mural_id == wall["mural"].pk and item.bbox == [100, 200, 50, 80]
    assert item.frozen["category"] == "Donor"
    assert item_dating(item)["period"]["slug"] == "early-tang"


def test_a_snapshot_never_changes(board, people, wall):
    snapshot = publish_snapshot(board, people["owner"])
    frozen = snapshot.data
    assert [i["caption"] for i in frozen["items"]][0].startswith("Mogao cave 220")
    # later edits of the board leave it as it was
    item = board.items.get(element=wall["donor"])
    set_override(item, start_year=500, end_year=550, reason="re-dated")
    item.caption = "changed"
    item.save()
    wall["apsara"].delete()
    snapshot.refresh_from_db()
    assert snapshot.data == frozen
    # and it cannot be changed or deleted, by the ORM or by SQL
    snapshot.title = "rewritten"
    with pytest.raises(SnapshotImmutable):
        snapshot.save()
    with pytest.raises(DatabaseError, match="cannot change"), transaction.atomic():
        BoardSnapshot.objects.filter(pk=snapshot.pk).update(data={"items": []})
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        BoardSnapshot.objects.filter(pk=snapshot.pk).delete()
    # deleting the board keeps the snapshot (it is cited)
    board.delete()
    snapshot.refresh_from_db()
    assert snapshot.board is None and snapshot.data == frozen


def test_an_empty_board_is_not_published(people):
    empty = Board.objects.create(owner=people["owner"], title="empty")
    with pytest.raises(EmptyBoard):
        publish_snapshot(empty, people["owner"])
    assert not BoardSnapshot.objects.exists()
