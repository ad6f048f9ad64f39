"""The style-set endpoints in `/api/schema/` (drf-spectacular): every POST has its request body
and its responses documented, and every operation answers what the schema says, called as an
archaeologist (tests/api/test_schema_conformance.py leaves /api/v1/style-sets to this test)."""

from __future__ import annotations

import io

import jsonschema
import pytest

from tests.boards.helpers import client_for, operations, response_schema

pytestmark = pytest.mark.django_db

POSTS = {
    "v1_style_sets_create": "application/json",
    "v1_style_sets_add_create": "application/json",
    "v1_style_sets_members_create": "multipart/form-data",
    "v1_style_sets_stylize_create": "multipart/form-data",
}


@pytest.fixture
def archaeologist(db):
    from django.contrib.auth.models import Group

    from tests.factories import make_user

    user = make_user("schema-archaeologist")
    user.groups.add(Group.objects.get_or_create(name="archaeologist")[0])
    return user


def test_the_schema_documents_every_style_post_with_its_bodies(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    ours = {op["operationId"]: op for path, method, op in operations(schema)
            if path.startswith("/api/v1/style-sets") and method == "post"}  # fmt: skip
    assert set(ours) == set(POSTS)
    components = schema["components"]["schemas"]
    for operation_id, media in POSTS.items():
        body = ours[operation_id]["requestBody"]["content"][media]["schema"]
        ref = body["$ref"].removeprefix("#/components/schemas/")
        assert components[ref]["properties"], operation_id
        assert "201" in ours[operation_id]["responses"] and "400" in ours[operation_id]["responses"]
    add = components[ours["v1_style_sets_add_create"]["requestBody"]["content"][
        "application/json"]["schema"]["$ref"].split("/")[-1]]  # fmt: skip
    assert {"element", "elements", "mural", "x", "y", "w", "h"} <= set(add["properties"])
    stylize = ours["v1_style_sets_stylize_create"]["responses"]["201"]["content"]
    assert "$ref" in stylize["application/json"]["schema"]  # the provenance, not a bare object


def png(tmp_path_factory=None) -> io.BytesIO:
    import pyvips

    from tests.styles.conftest import green

    upload = io.BytesIO(pyvips.Image.new_from_array(green(3)).write_to_buffer(".png"))
    upload.name = "g.png"
    return upload


def test_every_style_set_operation_answers_what_the_schema_documents(archaeologist):
    from tests.factories import add_element, make_mural

    client = client_for(archaeologist)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    ours = {op["operationId"]: (path, method, op) for path, method, op in operations(schema)
            if path.startswith("/api/v1/style-sets")}  # fmt: skip
    element = add_element(make_mural(), "apsara", source="manual")
    slug = {"slug": "schema-set"}
    scripted = [  # operationId, path ids, body, format, expected status
        ("v1_style_sets_create", {}, {"slug": "schema-set", "name": "S"}, "json", 201),
        ("v1_style_sets_list", {}, None, None, 200),
        ("v1_style_sets_members_create", slug, {"image": png()}, "multipart", 201),
        ("v1_style_sets_retrieve", slug, None, None, 200),
        ("v1_style_sets_stylize_create", slug, {"image": png(), "method": "color"},
         "multipart", 201),
        # after stylize: the element's mural here has no pixels
        ("v1_style_sets_add_create", slug, {"element": element.pk}, "json", 201),
        ("v1_style_sets_add_create", slug, {"element": element.pk}, "json", 200),
        ("v1_style_sets_add_create", slug, {"element": 999999}, "json", 400),
    ]  # fmt: skip
    assert {s[0] for s in scripted} == set(ours), "give every style-set operation an example"
    for operation_id, ids, body, fmt, status in scripted:
        path, method, operation = ours[operation_id]
        url = path.format(**ids)
        answer = (
            getattr(client, method)(url, body, format=fmt)
            if body is not None
            else getattr(client, method)(url, HTTP_ACCEPT="application/json")
        )
        assert answer.status_code == status, (operation_id, answer.content[:300])
        jsonschema.validate(answer.json(), response_schema(operation, status, components))
