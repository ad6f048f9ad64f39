"""The board pages: list and create, the board (timeline bands, lanes, tray), lanes, compare
mode, publishing, and the Pin picker; roles and rights as everywhere."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from dunhuang_search.boards.compare import compare_items, scale_bar
from dunhuang_search.boards.items import Box, add_item
from dunhuang_search.boards.models import Board, BoardItem, BoardSnapshot
from dunhuang_search.catalogue.models import Period
from tests.factories import make_mural

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_needs_a_login_and_creating_needs_the_role(people):
    anonymous = Client()
    answer = anonymous.get("/boards/")
    assert answer.status_code == 302 and "login" in answer["Location"]
    assert anonymous.post("/boards/", {"title": "x"}).status_code == 302
    assert logged_in(people["reader"]).post("/boards/", {"title": "x"}).status_code == 403
    owner = logged_in(people["owner"])
    assert owner.post("/boards/", {"title": " "}).status_code == 400
    made = owner.post("/boards/", {"title": "Apsara ribbons", "description": "Sui?"})
    board = Board.objects.get(title="Apsara ribbons")
    assert made.status_code == 302 and made["Location"] == f"/boards/{board.pk}/"
    assert b"Apsara ribbons" in owner.get("/boards/").content
    assert not Board.objects.filter(title="x").exists()


def test_the_board_page_draws_the_periods_lanes_and_tray(board, people, wall):
    owner = logged_in(people["owner"])
    page = owner.get(f"/boards/{board.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    for period in Period.objects.all():
        assert f'data-period="{period.slug}"' in html
    assert "初唐" in html and "北魏" in html and "366–1368" in html
    lane = re.search(r'<section class="lane" data-lane-id="\d+".*?</section>', html, re.S)
    assert "donor headdress" in lane.group(0) and "high crown" in lane.group(0)
    tray = html[html.index('aria-label="Undated tray"') :]
    item = board.items.get(element=wall["apsara"])
    assert f'data-item-id="{item.pk}"' in tray
    # Early Tang 618–704 on 366–1368: left 25.15 %, width 8.58 %
    assert "left: 25.15%; width: 8.583%" in html
    assert 'draggable="true"' in html and "<script>" not in html
    assert logged_in(people["stranger"]).get(f"/boards/{board.pk}/").status_code == 404
    assert Client().get(f"/boards/{board.pk}/").status_code == 404
    assert Client().get("/boards/999999/").status_code == 404


def test_lanes_are_added_by_those_who_edit(board, people):
    owner = logged_in(people["owner"])
    assert owner.post(f"/boards/{board.pk}/", {"name": "apsara ribbons"}).status_code == 302
    assert board.lanes.filter(name="apsara ribbons").exists()
    board.visibility = Board.Visibility.SHARED
    board.save()
    board.shares.create(user=people["viewer"], can_edit=False)
    viewer = logged_in(people["viewer"])
    assert viewer.get(f"/boards/{board.pk}/").status_code == 200
    assert 'draggable="true"' not in viewer.get(f"/boards/{board.pk}/").content.decode()
    assert viewer.post(f"/boards/{board.pk}/", {"name": "mine"}).status_code == 403
    assert not board.lanes.filter(name="mine").exists()


def test_compare_mode_puts_items_at_one_physical_scale(board, people, wall):
    other = make_mural(cave=285, period="western-wei", dpi=300)
    undated_dpi = make_mural(cave=290, period="northern-zhou")
    a = board.items.get(element=wall["donor"])  # 50 x 80 px at 150 dpi: 0.85 x 1.35 cm
    b = add_item(board, mural=other, box=Box(0, 0, 100, 160))  # 300 dpi: the same size
    c = add_item(board, mural=undated_dpi, box=Box(0, 0, 100, 100))
    owner = logged_in(people["owner"])
    page = owner.get(f"/boards/{board.pk}/compare/?items={a.pk}&items={b.pk}&items={c.pk}")
    assert page.status_code == 200
    shown = {s["item"]["id"]: s for s in page.context["items"]}
    assert shown[a.pk]["width"] == pytest.approx(shown[b.pk]["width"])
    assert shown[a.pk]["height"] == pytest.approx(320)
    assert shown[c.pk]["to_scale"] is False and b"not to scale" in page.content
    bar = page.context["scale_bar"]
    assert bar["px"] <= 120 and bar["px"] == pytest.approx(
        bar["cm"] * page.context["px_per_cm"], abs=0.01
    )
    assert b'class="scale-bar"' in page.content and b"overlay-opacity" in page.content
    assert owner.get(f"/boards/{board.pk}/compare/?items={a.pk}").status_code == 400
    assert scale_bar(10.0) == {"cm": 10, "px": 100.0, "label": "10 cm"}
    assert compare_items([shown[c.pk]["item"], shown[c.pk]["item"]])["scale_bar"] is None


def test_publishing_from_the_page(board, people):
    owner = logged_in(people["owner"])
    answer = owner.post(f"/boards/{board.pk}/publish/", HTTP_HX_REQUEST="true")
    snapshot = BoardSnapshot.objects.get()
    assert (
        answer.status_code == 200 and f"/boards/snapshots/{snapshot.pk}/" in answer.content.decode()
    )
    assert logged_in(people["stranger"]).post(f"/boards/{board.pk}/publish/").status_code == 404
    assert BoardSnapshot.objects.count() == 1


def test_pinning_an_element_or_a_region(board, people, wall):
    owner = logged_in(people["owner"])
    picker = owner.get(f"/boards/pin/?element={wall['donor'].pk}")
    assert picker.status_code == 200 and b"Donor headdresses" in picker.content
    pinned = owner.post("/boards/pin/", {"element": wall["donor"].pk, "board": board.pk})
    assert pinned.status_code == 200 and b"Pinned to" in pinned.content
    assert board.items.filter(element=wall["donor"]).count() == 2
    region = owner.post(
        "/boards/pin/", {"mural": wall["mural"].pk, "box": "10,10,200,100", "title": "New argument"}
    )
    assert region.status_code == 200
    assert Board.objects.get(title="New argument").items.get().kind == "region"
    count = BoardItem.objects.count()
    for bad in (
        {"element": 999999, "board": board.pk},
        {"mural": wall["mural"].pk, "box": "1,2"},
        {"element": wall["donor"].pk},
    ):
        answer = owner.post("/boards/pin/", bad)
        assert answer.status_code == 400, bad
    assert BoardItem.objects.count() == count
    assert Client().post("/boards/pin/", {"element": wall["donor"].pk}).status_code == 302
    stranger = logged_in(people["stranger"])
    taken = stranger.post("/boards/pin/", {"element": wall["donor"].pk, "board": board.pk})
    assert taken.status_code == 400 and BoardItem.objects.count() == count


def test_pinning_a_selection_all_or_none(board, people, wall):
    owner = logged_in(people["owner"])
    ids = f"{wall['donor'].pk},{wall['apsara'].pk}"
    picker = owner.get(f"/boards/pin/?elements={ids}")
    assert picker.status_code == 200 and b"Pin 2 elements to board" in picker.content
    assert f'name="elements" value="{ids}"'.encode() in picker.content
    before = board.items.count()
    pinned = owner.post("/boards/pin/", {"elements": ids, "board": board.pk})
    assert pinned.status_code == 200 and b"Pinned 2 items to" in pinned.content
    added = board.items.order_by("-position").values_list("element_id", flat=True)[:2]
    assert list(added)[::-1] == [wall["donor"].pk, wall["apsara"].pk]
    count = BoardItem.objects.count()
    too_many = ",".join(str(i) for i in range(1, 202))
    for bad in (f"{wall['donor'].pk},999999", f"{wall['donor'].pk},x", too_many):
        answer = owner.post("/boards/pin/", {"elements": bad, "board": board.pk})
        assert answer.status_code == 400, bad
    assert BoardItem.objects.count() == count == before + 2


def test_editing_an_item_from_the_page(board, people, wall):
    owner = logged_in(people["owner"])
    item = board.items.get(element=wall["donor"])
    url = f"/boards/{board.pk}/items/{item.pk}/edit/"
    assert 'action="' + url in owner.get(f"/boards/{board.pk}/").content.decode()
    fields = {
        "caption": "Donor, cave 220",
        "note": "crown",
        "override": "years",
        "start_year": "650",
        "end_year": "600",
        "reason": "crown",
    }
    answer = owner.post(url, fields, follow=True)
    assert "starts after it ends" in answer.content.decode()
    item.refresh_from_db()
    assert item.caption == "" and item.override_start_year is None  # nothing half-written
    owner.post(url, {**fields, "start_year": "581", "end_year": "618"})
    item.refresh_from_db()
    assert (item.caption, item.override_start_year, item.override_reason) == (
        "Donor, cave 220",
        581,
        "crown",
    )
    owner.post(url, {"override": "period", "period": "sui", "reason": "ribbons"})
    item.refresh_from_db()
    assert item.override_period.slug == "sui" and item.override_start_year is None
    assert logged_in(people["stranger"]).post(url, {"caption": "x"}).status_code == 404
    assert Client().post(url, {"caption": "x"}).status_code == 302
    owner.post(url, {"remove": "1"})
    assert not BoardItem.objects.filter(pk=item.pk).exists()


def test_the_owner_sets_visibility_and_shares(board, people):
    owner = logged_in(people["owner"])
    url = f"/boards/{board.pk}/settings/"
    owner.post(url, {"visibility": "private", "share": "editor", "can_edit": "on"})
    board.refresh_from_db()
    assert board.visibility == "shared" and board.shares.get().can_edit
    editor = logged_in(people["editor"])
    assert editor.get(f"/boards/{board.pk}/").status_code == 200
    assert editor.post(url, {"visibility": "public"}).status_code == 403
    owner.post(url, {"visibility": "public"})
    board.refresh_from_db()
    page = owner.get(f"/boards/{board.pk}/").content.decode()
    assert f"/boards/public/{board.public_token}/" in page
    answer = owner.post(url, {"visibility": "public", "share": "nobody"}, follow=True)
    assert "No user or group named" in answer.content.decode()
    assert board.shares.count() == 1


def test_the_pin_button_is_offered_to_archaeologists_only(people, wall):
    from django.template.loader import render_to_string

    def button(user):
        return render_to_string("boards/_pin_button.html", {"user": user, "element": 5})

    assert 'class="pin-button"' in button(people["owner"])
    assert "/boards/pin/?element=5" in button(people["owner"])
    assert "pin-button" not in button(people["reader"])
    from django.contrib.auth.models import AnonymousUser

    assert "pin-button" not in button(AnonymousUser())


def test_importing_a_json_export_from_the_list_page(board, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    owner = logged_in(people["owner"])
    exported = owner.get(f"/api/v1/boards/{board.pk}/export.json").content
    upload = SimpleUploadedFile("board.json", exported, content_type="application/json")
    answer = owner.post("/boards/import/", {"record": upload})
    copy = Board.objects.exclude(pk=board.pk).get()
    assert answer.status_code == 302 and answer["Location"] == f"/boards/{copy.pk}/"
    assert copy.items.count() == 2 and list(copy.lanes.values_list("name", flat=True)) == [
        "donor headdress"
    ]
    junk = SimpleUploadedFile("board.json", b"{not json", content_type="application/json")
    refused = owner.post("/boards/import/", {"record": junk})
    assert refused.status_code == 400 and "not JSON" in refused.content.decode()
    assert Board.objects.count() == 2
    reader = logged_in(people["reader"])
    assert reader.post("/boards/import/", {"record": upload}).status_code == 403
