"""Every API endpoint answers what `/api/schema/` (drf-spectacular) says it answers.

The endpoints are walked from the schema itself, so a new endpoint is covered the day it is
added: a GET is called with its path ids filled in (and the example queries below), any other
method needs an example request here, or the test fails and says so. Responses are validated
with `$ref`s resolved and no undocumented key allowed.
"""

from __future__ import annotations

import copy
import io

import jsonschema
import pytest
from rest_framework.test import APIClient

from dunhuang_search.elements.models import Element
from dunhuang_search.elements.vector_index import rebuild_index
from dunhuang_search.search.engine import active_embedder, embed_box
from tests.factories import add_element, ingested_mural

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
BOXES = [(40, 40, 120, 100), (300, 200, 90, 150), (480, 300, 100, 120)]


@pytest.fixture
def api_data(image_file) -> dict:
    """Two real murals whose elements carry the active embedder's vectors, FAISS built, plus
    an element without a category (nullable fields)."""
    south = ingested_mural(image_file("a.png", seed=1), period="high-tang")
    north = ingested_mural(
        image_file("b.png", seed=2), site="yulin", cave=25, wall="north", period="late-tang"
    )
    for mural in (south, north):
        for x, y, w, h in BOXES:
            vector, embedder_id = embed_box(mural, (x, y, w, h))
            add_element(
                mural, "apsara", x=x, y=y, w=w, h=h, embedder=embedder_id, embedding=vector,
                ocr_text="南无", ocr_confidence=0.5,
            )  # fmt: skip
    add_element(south, None, x=5, y=5, w=20, h=20, score=None, source="manual")
    embedder = active_embedder()
    rebuild_index(embedder.id, embedder.dim)
    element = Element.objects.filter(mural=south, embedding__isnull=False).first()
    studio = studio_data(south)
    return {"murals": south.pk, "elements": element.pk, "mural": south, "element": element,
            "library": "apsara",  # /api/v1/library/{category}/...
            **studio}  # fmt: skip


def studio_data(mural) -> dict:
    """A restoration of the mural (a derivative and the job that made it), and the
    archaeologist whose client makes the write requests."""
    import numpy as np
    from django.contrib.auth.models import Group

    from dunhuang_search.studio.models import RestorationJob
    from dunhuang_search.studio.restoring import RegionRequest, restore_to_derivative
    from tests.factories import make_user

    user = make_user("restorer")
    user.groups.add(Group.objects.get(name="archaeologist"))
    mask = np.zeros((64, 64), np.uint8)
    mask[20:40, 20:40] = 255
    row = restore_to_derivative(RegionRequest(mural, (10, 10, 64, 64), mask, "telea", author=user))
    job = RestorationJob.objects.create(mural=mural, x=10, y=10, w=64, h=64, method="telea",
                                        state="done", percent=100, derivative=row)  # fmt: skip
    return {"derivatives": row.pk, "restorations": job.pk, "user": user}


def example_queries(data: dict) -> dict[str, list[dict]]:
    """Queries per operationId beyond the bare GET: one of each search kind."""
    mural, element = data["mural"], data["element"]
    return {
        "v1_search_retrieve": [
            {},
            {"element": element.pk, "k": 3},
            {"example": f"{mural.pk}:42,38,118,104", "k": 3},
            {"q": "apsara high tang"},
            {"category": "apsara", "page_size": 2},
        ],
        "v1_elements_list": [{}, {"mural": mural.pk}],
    }


def png_crop(data: dict) -> io.BytesIO:
    import pyvips

    mural = data["mural"]
    crop = pyvips.Image.new_from_file(str(mural.source_path)).crop(300, 200, 90, 150)
    upload = io.BytesIO(crop.write_to_buffer(".png"))
    upload.name = "crop.png"
    return upload


#: paths whose operations need a signed-in user, walked by their app's own test instead
#: (tests/boards/test_api_schema.py, tests/styles/test_api_schema.py)
COVERED_ELSEWHERE = ("/api/v1/boards", "/api/v1/board-snapshots", "/api/v1/style-sets")

#: requests for every operation that is not a GET, by operationId: (query, multipart data)
def reviewed(data: dict) -> dict:
    """The element given one review (so that it has one to undo)."""
    from dunhuang_search.review.actions import apply_review

    apply_review(data["element"].pk, data["user"], {"state": "accepted"})
    return {}


EXAMPLE_REQUESTS = {
    "v1_search_create": lambda data: ({"k": 3}, {"image": png_crop(data)}),
    "v1_studio_restorations_create": lambda data: ({}, {
        "mural": data["murals"], "bbox": "0,0,64,64", "method": "telea",
        "simulated": '{"kind": "dust", "level": "light", "seed": 1}'}),
    "v1_studio_masks_create": lambda data: ({}, {
        "mural": data["murals"], "bbox": "0,0,64,64", "suggest": "true"}),
    "v1_derivatives_review_create": lambda data: ({}, {"state": "approved", "note": "ok"}),
    "v1_elements_review_create": lambda data: ({}, {"state": "rejected", "note": "a shadow"}),
    "v1_elements_undo_create": lambda data: ({}, reviewed(data)),
    "v1_review_batch_create": lambda data: ({}, {"ids": [data["elements"]], "state": "accepted"}),
    "v1_categories_create": lambda data: ({}, {"name": "Lotus", "colour": "#aa3300"}),
    "v1_categories_examples_create": lambda data: (
        {},
        {"mural": data["murals"], "bbox": [300, 200, 90, 150]},
    ),
    "v1_categories_proposals_create": lambda data: ({"k": 2}, {}),
    "v1_review_missed_create": lambda data: (
        {},
        {"mural": data["murals"], "bbox": [400, 300, 80, 120], "category": "apsara"},
    ),
}  # fmt: skip


def to_json_schema(node, components: dict, depth: int = 0):
    """An OpenAPI 3.0 schema as JSON Schema: `$ref`s inlined, `nullable` as a null type, and
    objects with listed properties closed (an undocumented key is an error)."""
    assert depth < 50, "a $ref cycle"
    if isinstance(node, list):
        return [to_json_schema(item, components, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        return to_json_schema(copy.deepcopy(components[name]), components, depth + 1)
    node = {key: to_json_schema(value, components, depth + 1) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def fill_path(path: str, data: dict) -> str:
    """/api/v1/murals/{id}/ -> /api/v1/murals/<a mural id>/ (ids by the segment before)."""
    parts = path.strip("/").split("/")
    for i, part in enumerate(parts):
        if part.startswith("{"):
            resource = parts[i - 1]
            assert resource in data, f"add an id for {resource} to api_data (for {path})"
            parts[i] = str(data[resource])
    return "/" + "/".join(parts) + "/"


def response_schema(operation: dict, status: int, components: dict) -> dict:
    responses = operation["responses"]
    assert str(status) in responses, f"{operation['operationId']}: {status} is not documented"
    content = responses[str(status)]["content"]
    media = content.get("application/json") or next(iter(content.values()))
    return to_json_schema(media["schema"], components)


def success_status(operation: dict) -> int:
    """The one 2xx status an operation documents (200, or 202 for a queued job)."""
    return next(int(s) for s in operation["responses"] if s.startswith("2"))


def json_documented(operation: dict, status: int) -> bool:
    return "application/json" in operation["responses"][str(status)].get("content", {})


def call(client: APIClient, method: str, url: str, operation: dict, data: dict):
    if method == "get":
        return [client.get(url, query, HTTP_ACCEPT="application/json") for query in
                example_queries(data).get(operation["operationId"], [{}])]  # fmt: skip
    example = EXAMPLE_REQUESTS.get(operation["operationId"])
    assert example, f"add an example request for {operation['operationId']} ({method} {url})"
    query, body = example(data)
    target = f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url
    return [getattr(client, method)(target, body, format="multipart")]


def test_every_endpoint_answers_what_the_schema_documents(api_data):
    from tests.factories import make_user

    client = APIClient()
    api_data["user"] = make_user("schema-walker", staff=True)  # writes need a role
    client.force_authenticate(api_data["user"])
    api_data["categories"] = "apsara"  # with one example, for its few-shot proposals
    Element.objects.filter(pk=api_data["elements"]).update(review_state="accepted")
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    client.force_authenticate(api_data["user"])  # writes (the studio's) need an archaeologist
    checked = []
    for path, method, operation in operations(schema):
        if path.startswith(COVERED_ELSEWHERE):
            continue
        url = fill_path(path, api_data)
        expected = success_status(operation)
        for response in call(client, method, url, operation, api_data):
            assert response.status_code == expected, (method, url, response.content[:500])
            if not json_documented(operation, expected):  # an image or an archive
                documented = operation["responses"][str(expected)]["content"]
                assert response["Content-Type"] in documented, (url, response["Content-Type"])
                continue
            body = response.json()
            jsonschema.validate(body, response_schema(operation, expected, components))
            checked.append((operation["operationId"], body))
    ids = {operation_id for operation_id, _ in checked}
    assert {"v1_search_retrieve", "v1_search_create", "v1_elements_list"} <= ids
    kinds = {body["query"]["kind"] for op, body in checked if op.startswith("v1_search")}
    assert kinds == {"browse", "element", "example", "text", "image"}
    assert all(body["results"] for op, body in checked if op.startswith("v1_search"))


def test_the_check_refuses_a_key_the_schema_does_not_list():
    components = {"Thing": {"type": "object", "properties": {"a": {"type": "integer"}}}}
    schema = to_json_schema({"$ref": "#/components/schemas/Thing"}, components)
    jsonschema.validate({"a": 1}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"a": 1, "b": 2}, schema)
    nullable = to_json_schema({"type": "string", "nullable": True}, {})
    jsonschema.validate(None, nullable)
