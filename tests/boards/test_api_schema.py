"""Every boards endpoint answers what `/api/schema/` documents, called as the board's owner
(tests/api/test_schema_conformance.py walks the anonymous endpoints and leaves these here).
Operations are read from the schema, so a new boards endpoint without an example fails."""

from __future__ import annotations

import jsonschema
import pytest

from tests.boards.helpers import client_for, operations, response_schema

pytestmark = pytest.mark.django_db

PREFIXES = ("/api/v1/boards", "/api/v1/board-snapshots")


def examples(board, wall, owner) -> dict:
    """operationId -> (path ids, body, expected status), in the order they are called."""
    lane = board.lanes.get()
    item = board.items.get(element=wall["apsara"])
    snapshot = owner.post(f"/api/v1/boards/{board.pk}/snapshots/").json()["id"]
    record = owner.get(f"/api/v1/boards/{board.pk}/export.json").json()
    ids = {"id": board.pk}
    return {
        "v1_boards_list": ({}, None, 200),
        "v1_boards_create": ({}, {"title": "New"}, 201),
        "v1_boards_retrieve": (ids, None, 200),
        "v1_boards_partial_update": (ids, {"description": "why"}, 200),
        "v1_boards_export.json_retrieve": (ids, None, 200),
        "v1_boards_export.csv_retrieve": (ids, None, 200),
        "v1_boards_items_create": (ids, {"element": wall["donor"].pk}, 201),
        "v1_boards_items_partial_update": (
            {**ids, "item_id": item.pk},
            {"lane": lane.pk, "override": {"period": "sui", "reason": "ribbons"}},
            200,
        ),
        "v1_boards_lanes_create": (ids, {"name": "apsara ribbons"}, 201),
        "v1_boards_lanes_partial_update": ({**ids, "lane_id": lane.pk}, {"order": 3}, 200),
        "v1_boards_shares_create": (ids, {"user": "viewer"}, 201),
        "v1_boards_snapshots_create": (ids, None, 201),
        "v1_board_snapshots_retrieve": ({"snapshot_id": snapshot}, None, 200),
        "v1_boards_import_create": ({}, record, 201),
        "v1_boards_items_destroy": ({**ids, "item_id": item.pk}, None, 204),
        "v1_boards_lanes_destroy": ({**ids, "lane_id": lane.pk}, None, 204),
        "v1_boards_destroy": (ids, None, 204),
    }


def test_every_boards_endpoint_answers_what_the_schema_documents(board, wall, people):
    owner = client_for(people["owner"])
    schema = owner.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    ours = {
        op["operationId"]: (path, method, op)
        for path, method, op in operations(schema)
        if path.startswith(PREFIXES)
    }
    scripted = examples(board, wall, owner)
    assert set(ours) == set(scripted), "give every boards operation an example here"
    for operation_id, (ids, body, status) in scripted.items():
        path, method, operation = ours[operation_id]
        url = path.format(**ids)
        answer = (
            getattr(owner, method)(url, body, format="json")
            if body is not None
            else getattr(owner, method)(url, HTTP_ACCEPT="application/json")
        )
        assert answer.status_code == status, (operation_id, answer.content[:300])
        assert str(status) in operation["responses"], f"{operation_id}: {status} undocumented"
        if status == 204 or not answer["Content-Type"].startswith("application/json"):
            continue
        jsonschema.validate(answer.json(), response_schema(operation, status, components))
