"""gunicorn killed with `kill -9` in the middle of board imports and reviews: each edit is
either fully saved or not at all (every request is one transaction)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from urllib.parse import urlparse

import numpy as np
import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token

from dunhuang_search.accounts.roles import ARCHAEOLOGIST
from dunhuang_search.boards.items import Box, add_item
from dunhuang_search.boards.models import Board, Lane
from dunhuang_search.boards.records import board_record
from dunhuang_search.elements.models import Element
from dunhuang_search.review.models import ReviewEvent
from tests.factories import add_elements, make_mural, make_user
from tests.operations.servers import children_of, gunicorn

ITEMS = 40  # per imported board: enough rows that a kill can land inside one import


def post(base: str, token: str, path: str, body: dict) -> int:
    url = urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request("POST", path, json.dumps(body), {
            "Content-Type": "application/json", "Authorization": f"Token {token}"})
        return conn.getresponse().status
    finally:
        conn.close()  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_kill_minus_9_leaves_every_import_and_review_whole_or_absent(tmp_path):
    user = make_user("ana")
    user.groups.add(Group.objects.get(name=ARCHAEOLOGIST))
    token = Token.objects.create(user=user).key
    mural = make_mural()
    elements = add_elements(mural, np.random.default_rng(0).normal(size=(6, 16)))
    source = Board.objects.create(owner=user, title="source")
    lane = Lane.objects.create(board=source, name="donor headdress", order=0)
    for i in range(ITEMS):
        add_item(source, mural=mural, box=Box(10 + i, 10, 50, 50), lane=lane, note=f"n{i}")
    record = board_record(source)

    statuses: list = []
    stop = threading.Event()
    with gunicorn(tmp_path / "var", workers=2, threads=4) as (base, server):

        def hammer(n: int) -> None:
            i = 0
            while not stop.is_set():
                element = elements[(n + i) % len(elements)]
                try:
                    if i % 2:
                        code = post(base, token, "/api/v1/boards/import/", record)
                    else:
                        state = "accepted" if i % 4 else "rejected"
                        code = post(base, token, f"/api/v1/elements/{element.pk}/review/",
                                    {"state": state})  # fmt: skip
                except OSError:
                    code = "cut"
                statuses.append(code)
                i += 1

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while statuses.count(201) + statuses.count(200) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in [server.pid, *children_of(server.pid)]:
            os.kill(pid, signal.SIGKILL)
        server.wait(timeout=30)
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join()

    assert {200, 201} & set(statuses), statuses[:20]
    imported = Board.objects.exclude(pk=source.pk)
    assert imported.exists()
    for board in imported:
        assert board.items.count() == ITEMS, f"board {board.pk} was half imported"
    for element in Element.objects.filter(pk__in=[e.pk for e in elements]):
        events = ReviewEvent.objects.filter(element=element).count()
        assert element.version == 1 + events, f"element {element.pk}: version without its event"
