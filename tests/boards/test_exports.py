"""Exports of a board and of a snapshot: the IIIF Presentation 3 Manifest (checked against the
Presentation 3 shapes), the IIIF Content State of each item, and the reportlab PDF plate."""

from __future__ import annotations

import base64
import contextlib
import re
import zlib

import jsonschema
import numpy as np
import pytest
from django.test import Client

from dunhuang_search.boards.iiif import decode_content_state
from dunhuang_search.boards.items import Box, add_item
from dunhuang_search.boards.models import Board, Lane
from dunhuang_search.boards.records import publish_snapshot
from tests.boards.conftest import archaeologist
from tests.boards.helpers import BOARD_MANIFEST_SCHEMA
from tests.factories import add_element, ingested_mural

pytestmark = pytest.mark.django_db
JSON_LD = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


@pytest.fixture
def plate_board(tmp_path):
    """A real mural (pixels, pyramid) with a donor and an apsara, on a board with two lanes:
    the donor in one, the apsara and a region in the tray; the owner's client."""
    rng = np.random.default_rng(17)
    pixels = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    mural = ingested_mural(tmp_path / "wall.png", pixels, cave=220, dpi=150)
    owner = archaeologist("owner")
    board = Board.objects.create(owner=owner, title="Crowns", description="Fig. 4 argument")
    crowns = Lane.objects.create(board=board, name="donor headdress", order=0)
    Lane.objects.create(board=board, name="empty lane", order=1)
    donor = add_element(mural, "donor", x=100, y=200, w=50, h=80)
    add_item(board, element=donor, lane=crowns, note="high crown")
    add_item(board, element=add_element(mural, "apsara", x=300, y=100, w=120, h=90))
    add_item(board, mural=mural, box=Box(10, 10, 200, 150), caption="donor row")
    client = Client()
    client.force_login(owner)
    return {"board": board, "mural": mural, "client": client, "owner": owner, "donor": donor}


def test_the_manifest_has_a_canvas_per_item_with_its_region_and_notes(plate_board):
    board, mural, client = plate_board["board"], plate_board["mural"], plate_board["client"]
    response = client.get(f"/boards/{board.pk}/manifest.json")
    assert response.status_code == 200 and response["Content-Type"] == JSON_LD
    manifest = response.json()
    jsonschema.validate(manifest, BOARD_MANIFEST_SCHEMA)
    assert manifest["id"] == f"http://testserver/boards/{board.pk}/manifest.json"
    assert len(manifest["items"]) == 3
    first = manifest["items"][0]
    assert (first["width"], first["height"]) == (50, 80)
    painting = first["items"][0]["items"][0]
    assert painting["target"] == first["id"]
    assert (
        painting["body"]["id"]
        == f"http://testserver/iiif/3/{mural.pk}/100,200,50,80/max/0/default.jpg"
    )
    image = client.get(painting["body"]["id"].removeprefix("http://testserver"))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    notes = {a["motivation"]: a["body"]["value"] for a in first["annotations"][0]["items"]}
    assert notes == {
        "describing": "Mogao cave 220, south wall, Early Tang (618–704)",
        "classifying": "Early Tang (618–704)",
        "identifying": "Mogao cave 220, south wall",
        "commenting": "high crown",
    }


def test_each_item_has_a_content_state_that_opens_its_region_on_its_mural(plate_board):
    board, client = plate_board["board"], plate_board["client"]
    manifest = client.get(f"/boards/{board.pk}/manifest.json").json()
    states = []
    for canvas in manifest["items"]:
        value = {m["label"]["en"][0]: m["value"]["en"][0] for m in canvas["metadata"]}
        encoded = value["IIIF Content State"]
        assert re.fullmatch(r"[A-Za-z0-9_-]+", encoded)  # base64url, no padding
        states.append(decode_content_state(encoded))
    state = states[0]
    assert state["type"] == "Annotation" and state["motivation"] == ["contentState"]
    target = state["target"]
    assert target["type"] == "Canvas" and target["id"].endswith("#xywh=100,200,50,80")
    mural_manifest = client.get(target["partOf"][0]["id"].removeprefix("http://testserver"))
    assert mural_manifest.status_code == 200
    canvas_ids = [c["id"] for c in mural_manifest.json()["items"]]
    assert target["id"].split("#")[0] in canvas_ids
    assert states[2]["target"]["id"].endswith("#xywh=10,10,200,150")


def pdf_pages_and_text(body: bytes) -> tuple[int, str]:
    assert body.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", body))
    text = b""
    for stream in re.findall(rb"stream\r?\n(.*?)\s*endstream", body, re.S):
        with contextlib.suppress(ValueError, zlib.error):  # reportlab: ASCII85, then Flate
            raw = stream.strip()
            if raw.endswith(b"~>"):
                raw = base64.a85decode(raw.removeprefix(b"<~").removesuffix(b"~>"))
            text += zlib.decompress(raw)
    return pages, text.decode("latin-1")


def test_the_plate_has_the_timeline_then_a_page_per_item_group(plate_board):
    board, client = plate_board["board"], plate_board["client"]
    response = client.get(f"/boards/{board.pk}/plate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages, text = pdf_pages_and_text(response.content)
    assert pages == 1 + 2  # the timeline; "donor headdress"; the tray (the empty lane has none)
    assert "Mogao cave 220, south wall, Early Tang (618" in text.replace("\\(", "(")
    assert "Northern Wei" in text and "Undated tray" in text and "high crown" in text
    assert f"Permalink: http://testserver/boards/{board.pk}/" in text
    assert text.count("/Subtype /Image") + response.content.count(b"/Subtype /Image") >= 3


def test_a_snapshot_keeps_its_exports_when_the_board_changes(plate_board):
    board, client = plate_board["board"], plate_board["client"]
    snapshot = publish_snapshot(board, plate_board["owner"])
    before = client.get(f"/boards/snapshots/{snapshot.pk}/manifest.json").json()
    plate_board["donor"].delete()
    board.items.filter(caption="donor row").update(caption="renamed")
    after = client.get(f"/boards/snapshots/{snapshot.pk}/manifest.json").json()
    assert after == before and len(after["items"]) == 3
    anonymous = Client()
    page = anonymous.get(f"/boards/snapshots/{snapshot.pk}/")
    assert page.status_code == 200 and b"donor row" in page.content
    pdf = anonymous.get(f"/boards/snapshots/{snapshot.pk}/plate.pdf")
    pages, text = pdf_pages_and_text(pdf.content)
    assert pages == 3 and f"/boards/snapshots/{snapshot.pk}/" in text
    assert anonymous.get("/boards/snapshots/999999/").status_code == 404


def test_a_private_boards_exports_are_hidden_and_a_public_token_opens_them(plate_board):
    board = plate_board["board"]
    anonymous = Client()
    assert anonymous.get(f"/boards/{board.pk}/manifest.json").status_code == 404
    assert (
        anonymous.get(f"/boards/{board.pk}/plate.pdf?token={board.public_token}").status_code == 404
    )
    board.visibility = Board.Visibility.PUBLIC
    board.save()
    token = board.public_token
    assert anonymous.get(f"/boards/{board.pk}/manifest.json?token={token}").status_code == 200
    assert anonymous.get(f"/boards/{board.pk}/plate.pdf?token={token}").status_code == 200
    assert anonymous.get(f"/boards/public/{token}/").status_code == 200
    assert anonymous.get(f"/boards/public/{token}x/").status_code == 404


def test_a_board_whose_mural_was_deleted_still_exports_its_frozen_crops(plate_board):
    board, client, mural = plate_board["board"], plate_board["client"], plate_board["mural"]
    cave = mural.cave
    mural.delete()
    cave.delete()
    assert board.items.count() == 3
    assert all(i.mural_id is None and i.source_gone for i in board.items.all())
    manifest = client.get(f"/boards/{board.pk}/manifest.json").json()
    jsonschema.validate(manifest, BOARD_MANIFEST_SCHEMA)
    assert all(canvas["items"] == [] for canvas in manifest["items"])
    first = manifest["items"][0]
    assert first["summary"]["en"] == ["a frozen crop: its source was deleted"]
    notes = {a["motivation"]: a["body"]["value"] for a in first["annotations"][0]["items"]}
    assert notes["describing"] == "Mogao cave 220, south wall, Early Tang (618–704)"
    assert "its source element was deleted" in notes["commenting"]
    pdf = client.get(f"/boards/{board.pk}/plate.pdf")
    pages, text = pdf_pages_and_text(pdf.content)
    assert pages == 3 and "frozen crop: source gone" in text
    page = client.get(f"/boards/{board.pk}/")
    assert page.status_code == 200 and b"frozen crop" in page.content
