"""The boards REST API: roles and board rights, items, lanes, overrides, snapshots, and the
JSON round trip and CSV export; bad input is a JSON 4xx and writes nothing."""

from __future__ import annotations

import csv
import io

import pytest

from dunhuang_search.boards.models import Board, BoardItem, BoardShare, BoardSnapshot, Lane
from tests.boards.helpers import client_for

pytestmark = pytest.mark.django_db


def items_url(board) -> str:
    return f"/api/v1/boards/{board.pk}/items/"


def test_creating_a_board_needs_the_archaeologist_role(people):
    body = {"title": "Apsara ribbons", "description": "Sui or Early Tang?"}
    anonymous = client_for().post("/api/v1/boards/", body, format="json")
    assert anonymous.status_code in (401, 403) and "error" in anonymous.json()
    assert client_for(people["reader"]).post("/api/v1/boards/", body).status_code == 403
    made = client_for(people["owner"]).post("/api/v1/boards/", body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["owner"] == "owner" and made.json()["visibility"] == "private"
    assert Board.objects.get(pk=made.json()["id"]).title == "Apsara ribbons"


def test_who_sees_and_who_changes_a_board(board, people):
    url = f"/api/v1/boards/{board.pk}/"
    assert client_for(people["owner"]).get(url).json()["can_edit"] is True
    assert client_for(people["stranger"]).get(url).status_code == 404
    assert client_for().get(url).status_code == 404
    board.visibility = Board.Visibility.SHARED
    board.save()
    BoardShare.objects.create(board=board, user=people["viewer"])
    BoardShare.objects.create(board=board, user=people["editor"], can_edit=True)
    viewer = client_for(people["viewer"])
    assert viewer.get(url).json()["can_edit"] is False
    assert viewer.patch(url, {"title": "mine now"}, format="json").status_code == 403
    editor = client_for(people["editor"])
    assert editor.patch(url, {"title": "Donor crowns"}, format="json").status_code == 200
    assert editor.patch(url, {"visibility": "public"}, format="json").status_code == 403
    assert editor.delete(url).status_code == 403
    board.refresh_from_db()
    assert board.title == "Donor crowns" and board.visibility == "shared"
    assert {b["id"] for b in viewer.get("/api/v1/boards/").json()} == {board.pk}


def test_the_owner_shares_with_a_user_and_the_share_gives_edit_rights(board, people):
    owner = client_for(people["owner"])
    shared = owner.post(
        f"/api/v1/boards/{board.pk}/shares/", {"user": "editor", "can_edit": True}, format="json"
    )
    assert shared.status_code == 201
    board.refresh_from_db()
    assert board.visibility == "shared"
    assert client_for(people["editor"]).get(f"/api/v1/boards/{board.pk}/").json()["can_edit"]
    unknown = owner.post(f"/api/v1/boards/{board.pk}/shares/", {"user": "nobody"}, format="json")
    assert unknown.status_code == 400 and "no such user" in unknown.json()["error"]


def test_items_from_an_element_and_from_a_region(board, people, wall):
    owner = client_for(people["owner"])
    lane = board.lanes.get()
    made = owner.post(
        items_url(board),
        {"element": wall["apsara"].pk, "lane": lane.pk, "note": "ribbons"},
        format="json",
    )
    assert made.status_code == 201, made.content
    item = made.json()
    assert item["lane_id"] == lane.pk and item["kind"] == "element"
    assert item["caption"] == "Mogao cave 220, south wall, Early Tang (618–704)"
    assert item["crop"].startswith(f"/iiif/3/{wall['mural'].pk}/400,300,120,90/")
    region = owner.post(
        items_url(board), {"mural": wall["mural"].pk, "region": [10, 20, 300, 200]}, format="json"
    )
    assert region.status_code == 201 and region.json()["lane"] is None
    assert region.json()["region"] == [10, 20, 300, 200]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"element": 999_999}, "no element 999999"),
        ({"mural": 999_999, "region": [0, 0, 10, 10]}, "no mural 999999"),
        ({"mural": "MURAL", "region": [9_990, 0, 50, 50]}, "outside"),
        ({"element": "ELEMENT", "lane": 999_999}, "has no lane 999999"),
        ({"caption": "nothing to pin"}, "an element, or a mural and a region"),
    ],
)
def test_bad_items_are_refused_and_nothing_is_written(board, people, wall, body, message):
    body = {
        k: wall["mural"].pk if v == "MURAL" else wall["donor"].pk if v == "ELEMENT" else v
        for k, v in body.items()
    }
    before = BoardItem.objects.count()
    answer = client_for(people["owner"]).post(items_url(board), body, format="json")
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert BoardItem.objects.count() == before


def test_others_cannot_add_items(board, people, wall):
    body = {"element": wall["donor"].pk}
    assert client_for().post(items_url(board), body).status_code in (401, 403)
    assert client_for(people["stranger"]).post(items_url(board), body).status_code == 404
    assert client_for(people["reader"]).post(items_url(board), body).status_code == 403


def test_moving_captioning_and_re_dating_an_item(board, people, wall):
    owner = client_for(people["owner"])
    item = board.items.get(element=wall["apsara"])
    url = f"{items_url(board)}{item.pk}/"
    lane = board.lanes.get()
    moved = owner.patch(
        url, {"lane": lane.pk, "position": 0, "caption": "Apsara, cave 220"}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["lane_id"] == lane.pk and moved.json()["position"] == 0
    assert moved.json()["caption"] == "Apsara, cave 220"
    backwards = owner.patch(
        url, {"override": {"start_year": 650, "end_year": 600, "reason": "x"}}, format="json"
    )
    assert backwards.status_code == 400 and "starts after it ends" in backwards.json()["error"]
    no_reason = owner.patch(url, {"override": {"period": "sui"}}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]
    unknown = owner.patch(url, {"override": {"period": "ming", "reason": "r"}}, format="json")
    assert unknown.status_code == 400 and "no period 'ming'" in unknown.json()["error"]
    item.refresh_from_db()
    assert item.override_reason == "" and item.override_start_year is None
    sui = owner.patch(
        url, {"override": {"period": "sui", "reason": "ribbon ends as in 420"}}, format="json"
    )
    assert sui.json()["dating"]["period"]["slug"] == "sui"
    assert sui.json()["dating"]["source"] == "override"
    cleared = owner.patch(url, {"override": None, "lane": None}, format="json")
    assert cleared.json()["dating"]["source"] == "mural" and cleared.json()["lane"] is None


def test_lanes_are_named_once_and_deleting_one_sends_its_items_to_the_tray(board, people):
    owner = client_for(people["owner"])
    url = f"/api/v1/boards/{board.pk}/lanes/"
    assert owner.post(url, {"name": "apsara ribbons"}, format="json").status_code == 201
    twice = owner.post(url, {"name": "apsara ribbons"}, format="json")
    assert twice.status_code == 400 and "already has a lane" in twice.json()["error"]
    lane = board.lanes.get(name="donor headdress")
    assert owner.delete(f"{url}{lane.pk}/").status_code == 204
    assert not Lane.objects.filter(pk=lane.pk).exists()
    assert board.items.filter(lane__isnull=True).count() == 2


def test_publishing_a_snapshot_freezes_the_board(board, people, wall):
    owner = client_for(people["owner"])
    published = owner.post(f"/api/v1/boards/{board.pk}/snapshots/")
    assert published.status_code == 201
    snapshot = published.json()
    assert snapshot["url"].endswith(f"/boards/snapshots/{snapshot['id']}/")
    item = board.items.get(element=wall["donor"])
    owner.patch(f"{items_url(board)}{item.pk}/", {"caption": "later"}, format="json")
    again = client_for().get(f"/api/v1/board-snapshots/{snapshot['id']}/")
    assert again.status_code == 200 and again.json()["data"] == snapshot["data"]
    assert "later" not in str(again.json()["data"])
    assert (
        client_for(people["viewer"]).post(f"/api/v1/boards/{board.pk}/snapshots/").status_code
        == 404
    )
    assert client_for().get("/api/v1/board-snapshots/999999/").status_code == 404


def test_the_json_export_imports_back_into_a_new_board(board, people, wall):
    owner = client_for(people["owner"])
    item = board.items.get(element=wall["apsara"])
    owner.patch(
        f"{items_url(board)}{item.pk}/",
        {"override": {"start_year": 581, "end_year": 618, "reason": "ribbons"}},
        format="json",
    )
    owner.post(
        items_url(board),
        {"mural": wall["mural"].pk, "region": [10, 20, 300, 200], "caption": "the whole donor row"},
        format="json",
    )
    exported = owner.get(f"/api/v1/boards/{board.pk}/export.json")
    assert exported.status_code == 200
    record = exported.json()
    imported = owner.post("/api/v1/boards/import/", record, format="json")
    assert imported.status_code == 201, imported.content
    copy = Board.objects.get(pk=imported.json()["id"])
    assert copy.pk != board.pk and copy.owner == people["owner"]
    again = owner.get(f"/api/v1/boards/{copy.pk}/export.json").json()

    def comparable(rec):
        keep = (
            "kind",
            "element_id",
            "mural_id",
            "region",
            "lane",
            "position",
            "caption",
            "own_caption",
            "note",
            "dating",
            "source_gone",
            "crop",
            "frozen",
        )
        return {
            **{k: rec[k] for k in ("title", "description", "lanes")},
            "items": [{k: i[k] for k in keep} for i in rec["items"]],
        }

    assert comparable(again) == comparable(record)
    assert len(record["items"]) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(format="something"), "not a board export"),
        (lambda r: r.update(items=[]), "no items"),
        (lambda r: r["items"][0].update(region=[1, 2]), "four integers"),
        (lambda r: r["items"][-1].update(lane="nowhere"), "not in the board's lanes"),
        (
            lambda r: r["items"][-1].update(
                dating={"source": "override", "period": None, "start_year": 700, "end_year": 600}
            ),
            "ordered integers",
        ),
    ],
)
def test_a_bad_import_writes_nothing(board, people, change, message):
    owner = client_for(people["owner"])
    record = owner.get(f"/api/v1/boards/{board.pk}/export.json").json()
    change(record)
    boards, items = Board.objects.count(), BoardItem.objects.count()
    answer = owner.post("/api/v1/boards/import/", record, format="json")
    assert answer.status_code == 400 and message in answer.json()["error"]
    assert (Board.objects.count(), BoardItem.objects.count()) == (boards, items)


def test_the_csv_export_has_a_row_per_item(board, people):
    answer = client_for(people["owner"]).get(f"/api/v1/boards/{board.pk}/export.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert [r["lane"] for r in rows] == ["donor headdress", ""]
    assert rows[0]["period"] == "early-tang" and rows[0]["note"] == "high crown"
    assert rows[0]["caption"] == "Mogao cave 220, south wall, Early Tang (618–704)"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/boards/{}/export.json",
        "/api/v1/boards/{}/export.csv",
        "/boards/{}/manifest.json",
        "/boards/{}/plate.pdf",
    ],
)
def test_exporting_an_empty_board_is_a_400(people, path):
    empty = Board.objects.create(owner=people["owner"], title="empty")
    client = client_for(people["owner"])
    client.force_login(people["owner"])
    answer = client.get(path.format(empty.pk))
    assert answer.status_code == 400
    assert "has no items" in answer.json()["error"]
    publish = client.post(f"/api/v1/boards/{empty.pk}/snapshots/")
    assert publish.status_code == 400 and not BoardSnapshot.objects.exists()


def test_a_deleted_element_is_exported_as_a_frozen_crop(board, people, wall):
    wall["donor"].delete()
    record = client_for(people["owner"]).get(f"/api/v1/boards/{board.pk}/export.json").json()
    gone = next(i for i in record["items"] if i["lane"] == "donor headdress")
    assert gone["source_gone"] and gone["element_id"] is None
    assert "its source element was deleted" in gone["note"]
    assert gone["crop"] and gone["frozen"]["category"] == "Donor"
