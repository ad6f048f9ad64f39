""" "Add to style set" beside Pin: the picker and its POST (pages), the REST endpoint, roles,
idempotency (the set's version goes up only when something was added), refusals that write
nothing, and where the control is shown."""

from __future__ import annotations

import pytest
from django.test import Client

from dunhuang_search.elements.models import Element
from dunhuang_search.styles.models import StyleSet, StyleSetMember
from tests.factories import add_element, make_mural

pytestmark = pytest.mark.django_db


@pytest.fixture
def wall(db):
    mural = make_mural(cave=45, period="high-tang")
    return {
        "mural": mural,
        "a": add_element(mural, "apsara", x=100, y=100, w=300, h=200, source="manual"),
        "b": add_element(mural, "donor", x=900, y=400, w=200, h=300, source="manual"),
        "window": add_element(mural, None, x=2000, y=2000, w=256, h=256, source="dense"),
    }


@pytest.fixture
def empty_set(db):
    return StyleSet.objects.create(slug="qinglv", name="QingLvShanShui")


def snapshot() -> tuple:
    return (
        StyleSet.objects.count(),
        StyleSetMember.objects.count(),
        list(StyleSet.objects.order_by("pk").values_list("version", flat=True)),
    )


def test_anonymous_are_sent_to_login_and_readers_refused(wall, empty_set, reader_client):
    a = wall["a"].pk
    anonymous = Client()
    for client, expected in ((anonymous, 302), (reader_client, 403)):
        r = client.get(f"/styles/add/?element={a}")
        assert r.status_code == expected
        r = client.post("/styles/add/", {"element": a, "style_set": "qinglv"})
        assert r.status_code == expected
        if expected == 302:
            assert "/login" in r["Location"] or "login" in r["Location"]
    body = {"element": a}
    r = anonymous.post("/api/v1/style-sets/qinglv/add/", body, content_type="application/json")
    assert r.status_code in (401, 403)
    r = reader_client.post("/api/v1/style-sets/qinglv/add/", body, content_type="application/json")
    assert r.status_code == 403
    assert snapshot() == (1, 0, [1])


def test_the_picker_offers_the_sets_and_a_new_one(archaeologist_client, wall, empty_set):
    html = archaeologist_client.get(f"/styles/add/?element={wall['a'].pk}").content.decode()
    assert 'class="style-add-picker"' in html
    assert 'value="qinglv"' in html and "new set…" in html
    assert f'name="element" value="{wall["a"].pk}"' in html
    region = archaeologist_client.get(f"/styles/add/?mural={wall['mural'].pk}&box=10,20,300,400")
    assert region.status_code == 200 and "region 10,20,300,400" in region.content.decode()


def test_adding_an_element_twice_adds_it_once_and_bumps_once(archaeologist_client, wall, empty_set):
    post = {"element": wall["a"].pk, "style_set": "qinglv"}
    first = archaeologist_client.post("/styles/add/", post)
    assert first.status_code == 200 and "Added 1 to" in first.content.decode()
    empty_set.refresh_from_db()
    assert empty_set.version == 2 and empty_set.members.get().element == wall["a"]
    again = archaeologist_client.post("/styles/add/", post)
    assert again.status_code == 200 and "Already in" in again.content.decode()
    empty_set.refresh_from_db()
    assert empty_set.version == 2 and empty_set.members.count() == 1
    member = empty_set.members.get()
    assert member.added_by.username == "archaeologist" and member.kind == "element"


def test_a_drawn_box_and_a_dense_window_are_regions(archaeologist_client, wall, empty_set):
    mural = wall["mural"]
    for _ in range(2):
        r = archaeologist_client.post(
            "/styles/add/", {"mural": mural.pk, "box": "10,20,300,400", "style_set": "qinglv"}
        )
        assert r.status_code == 200
    r = archaeologist_client.post(
        "/styles/add/", {"element": wall["window"].pk, "style_set": "qinglv"}
    )
    assert r.status_code == 200
    regions = sorted(empty_set.members.values_list("kind", "mural", "x", "y", "w", "h"))
    assert regions == [
        ("region", mural.pk, 10, 20, 300, 400),
        ("region", mural.pk, 2000, 2000, 256, 256),
    ]
    empty_set.refresh_from_db()
    assert empty_set.version == 3  # two additions; the repeated box added nothing


def test_a_selection_to_a_new_set(archaeologist_client, wall, empty_set):
    ids = f"{wall['a'].pk},{wall['b'].pk},{wall['a'].pk}"
    r = archaeologist_client.post("/styles/add/", {"elements": ids, "name": "Donor robes"})
    assert r.status_code == 200 and "new set" in r.content.decode()
    created = StyleSet.objects.get(name="Donor robes")
    assert created.slug == "donor-robes" and created.expert.username == "archaeologist"
    assert sorted(created.members.values_list("element", flat=True)) == sorted(
        [wall["a"].pk, wall["b"].pk]
    )
    # the same selection to the same set: nothing new; a second set of that name gets its slug
    r = archaeologist_client.post("/styles/add/", {"elements": ids, "style_set": "donor-robes"})
    assert "Already in" in r.content.decode()
    archaeologist_client.post("/styles/add/", {"element": wall["a"].pk, "name": "Donor robes"})
    assert StyleSet.objects.filter(slug="donor-robes-2").exists()


@pytest.mark.parametrize(
    "post, message",
    [
        ({"style_set": "qinglv"}, "give one of"),
        ({"element": 999999, "style_set": "qinglv"}, "no element 999999"),
        ({"elements": "1,x", "style_set": "qinglv"}, "comma-separated"),
        ({"mural": "MURAL", "box": "0,0,10", "style_set": "qinglv"}, "a box is x,y,w,h"),
        ({"mural": "MURAL", "box": "9990,0,50,50", "style_set": "qinglv"}, "lies outside"),
        ({"mural": 999999, "box": "0,0,10,10", "style_set": "qinglv"}, "no mural"),
        ({"element": "A", "style_set": "nosuch"}, "no style set"),
        ({"element": "A"}, "choose a style set"),
        ({"element": 999999, "name": "Would be new"}, "no element"),
        ({"element": "A", "name": "x" * 201}, "at most 200"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(archaeologist_client, wall, empty_set, post, message):
    post = {k: (wall["mural"].pk if v == "MURAL" else wall["a"].pk if v == "A" else v)
            for k, v in post.items()}  # fmt: skip
    before = snapshot()
    r = archaeologist_client.post("/styles/add/", post)
    assert r.status_code == 400 and message in r.content.decode(), r.content
    if "name" not in post and "style_set" in post and post["style_set"] == "qinglv":
        api_body = {k: v for k, v in post.items() if k != "style_set"}
        if "box" in api_body:
            x, y, w, h = (api_body.pop("box").split(",") + ["", "", "", ""])[:4]
            api_body.update({k: v for k, v in zip("xywh", (x, y, w, h), strict=True) if v})
        if "elements" in api_body:
            api_body["elements"] = api_body["elements"].split(",")
        r = archaeologist_client.post(
            "/api/v1/style-sets/qinglv/add/", api_body, content_type="application/json"
        )
        assert r.status_code == 400, r.content
    assert snapshot() == before


def test_the_api_adds_idempotently(archaeologist_client, wall, empty_set):
    url = "/api/v1/style-sets/qinglv/add/"
    body = {"elements": [wall["a"].pk, wall["b"].pk]}
    r = archaeologist_client.post(url, body, content_type="application/json")
    assert r.status_code == 201
    assert r.json()["version"] == 2 and len(r.json()["added"]) == 2 and r.json()["already"] == []
    r = archaeologist_client.post(url, body, content_type="application/json")
    assert r.status_code == 200 and r.json()["version"] == 2 and len(r.json()["already"]) == 2
    region = {"mural": wall["mural"].pk, "x": 0, "y": 0, "w": 64, "h": 64}
    assert (
        archaeologist_client.post(url, region, content_type="application/json").status_code == 201
    )
    assert (
        archaeologist_client.post(url, region, content_type="application/json").status_code == 200
    )
    empty_set.refresh_from_db()
    assert empty_set.version == 3 and empty_set.members.count() == 3
    r = archaeologist_client.post(
        "/api/v1/style-sets/nosuch/add/", body, content_type="application/json"
    )
    assert r.status_code == 404


def test_the_members_form_is_idempotent_too(archaeologist_client, wall, empty_set):
    for _ in range(2):
        r = archaeologist_client.post(
            "/api/v1/style-sets/qinglv/members/", {"element": wall["a"].pk}
        )
    assert r.status_code == 200 and empty_set.members.count() == 1


def test_the_control_is_shown_to_archaeologists_only(archaeologist_client, reader_client, wall):
    for client, shown in ((archaeologist_client, True), (reader_client, False), (Client(), False)):
        html = client.get("/search/?category=apsara").content.decode()
        assert 'class="result-card' in html
        assert ('class="style-add-button' in html) is shown
        assert (f"/styles/add/?element={wall['a'].pk}" in html) is shown
        viewer = client.get(f"/murals/{wall['mural'].pk}/").content.decode()
        assert ('id="style-add-panel"' in viewer) is shown
        assert ("js/styles/add-to-set.js" in viewer) is shown
    assert Element.objects.count() == 3


def test_the_library_selection_bar_has_the_control(archaeologist_client, reader_client, wall):
    html = archaeologist_client.get("/library/apsara/").content.decode()
    bar = html.split('class="selection-bar"')[1].split("</section>")[0]
    assert 'data-action="style-set"' in bar and "Add to style set" in bar
    assert 'data-action="style-set"' not in reader_client.get("/library/apsara/").content.decode()
