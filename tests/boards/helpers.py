"""Helpers of the boards tests: API clients, the Presentation 3 shapes a board's Manifest is
checked against, and OpenAPI response schemas as JSON Schema (the same reading as
tests/api/test_schema_conformance.py, which a test module may not import)."""

from __future__ import annotations

import copy

from rest_framework.test import APIClient

METHODS = ("get", "post", "put", "patch", "delete")


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# OpenAPI -------------------------------------------------------------------------------------


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


def response_schema(operation: dict, status: int, components: dict) -> dict:
    content = operation["responses"][str(status)]["content"]
    media = content.get("application/json") or next(iter(content.values()))
    return to_json_schema(media["schema"], components)


# IIIF Presentation 3 -------------------------------------------------------------------------

LANGUAGE_MAP = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
}
URI = {"type": "string", "pattern": "^https?://"}
IMAGE_RESOURCE = {
    "type": "object",
    "required": ["id", "type", "format", "width", "height", "service"],
    "properties": {
        "id": URI,
        "type": {"const": "Image"},
        "format": {"const": "image/jpeg"},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "service": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "profile"],
                "properties": {
                    "id": URI,
                    "type": {"const": "ImageService3"},
                    "profile": {"enum": ["level0", "level1", "level2"]},
                },
            },
        },
    },
}
TEXTUAL_BODY = {
    "type": "object",
    "required": ["type", "value", "format"],
    "properties": {
        "type": {"const": "TextualBody"},
        "value": {"type": "string", "minLength": 1},
        "language": {"type": "string"},
        "format": {"const": "text/plain"},
    },
}


def annotation_page(annotation: dict) -> dict:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["id", "type", "items"],
            "properties": {
                "id": URI,
                "type": {"const": "AnnotationPage"},
                "items": {"type": "array", "items": annotation},
            },
        },
    }


def annotation(motivations: list[str], body: dict) -> dict:
    return {
        "type": "object",
        "required": ["id", "type", "motivation", "body", "target"],
        "properties": {
            "id": URI,
            "type": {"const": "Annotation"},
            "motivation": {"enum": motivations},
            "body": body,
            "target": URI,
        },
    }


#: a board's Manifest: Presentation 3 with one Canvas per item (its region), painted with the
#: region's image, its notes annotating the whole Canvas
BOARD_MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["@context", "id", "type", "label", "items"],
    "properties": {
        "@context": {"const": "http://iiif.io/api/presentation/3/context.json"},
        "id": URI,
        "type": {"const": "Manifest"},
        "label": LANGUAGE_MAP,
        "summary": LANGUAGE_MAP,
        "homepage": {"type": "array", "items": {"type": "object", "required": ["id", "type"]}},
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "label", "width", "height", "items", "annotations"],
                "properties": {
                    "id": URI,
                    "type": {"const": "Canvas"},
                    "label": LANGUAGE_MAP,
                    "width": {"type": "integer", "minimum": 1},
                    "height": {"type": "integer", "minimum": 1},
                    "metadata": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["label", "value"],
                            "properties": {"label": LANGUAGE_MAP, "value": LANGUAGE_MAP},
                        },
                    },
                    "items": annotation_page(annotation(["painting"], IMAGE_RESOURCE)),
                    "annotations": annotation_page(
                        annotation(
                            ["describing", "classifying", "identifying", "commenting"],
                            TEXTUAL_BODY,
                        )
                    ),
                },
            },
        },
    },
}
