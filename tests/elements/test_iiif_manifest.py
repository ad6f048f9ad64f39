"""IIIF Presentation API 3.0: the mural Manifest, its Canvas and the elements as annotations.

The JSON schema below is a faithful subset of the spec's required properties and types.
"""
from __future__ import annotations

import re

import jsonschema
import numpy as np
import pytest
import pyvips

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from tests import factories
from tests.factories import committed_mural

pytestmark = pytest.mark.django_db

WIDTH, HEIGHT = 640, 480
JSON_LD = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
XYWH = re.compile(r"^(?P<canvas>[^#]+)#xywh=(\d+),(\d+),(\d+),(\d+)$")

LANGUAGE_MAP = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
}
URI = {"type": "string", "pattern": "^https?://"}
IMAGE_SERVICE = {
    "type": "object",
    "required": ["id", "type", "profile"],
    "properties": {
        "id": URI,
        "type": {"const": "ImageService3"},
        "profile": {"enum": ["level0", "level1", "level2"]},
    },
}
IMAGE_RESOURCE = {
    "type": "object",
    "required": ["id", "type", "format"],
    "properties": {
        "id": URI,
        "type": {"const": "Image"},
        "format": {"const": "image/jpeg"},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "service": {"type": "array", "items": IMAGE_SERVICE, "minItems": 1},
    },
}
TEXTUAL_BODY = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {
        "type": {"const": "TextualBody"},
        "value": {"type": "string", "minLength": 1},
        "language": {"type": "string"},
        "format": {"const": "text/plain"},
    },
}
MANIFEST_SCHEMA = {
    "type": "object",
    "required": ["@context", "id", "type", "label", "items"],
    "properties": {
        "@context": {"const": "http://iiif.io/api/presentation/3/context.json"},
        "id": URI,
        "type": {"const": "Manifest"},
        "label": LANGUAGE_MAP,
        "summary": LANGUAGE_MAP,
        "metadata": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["label", "value"],
                "properties": {"label": LANGUAGE_MAP, "value": LANGUAGE_MAP},
            },
        },
        "thumbnail": {"type": "array", "items": IMAGE_RESOURCE},
        "homepage": {
            "type": "array",
            "items": {"type": "object", "required": ["id", "type", "label"]},
        },
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "width", "height", "items"],
                "properties": {
                    "id": URI,
                    "type": {"const": "Canvas"},
                    "width": {"type": "integer", "minimum": 1},
                    "height": {"type": "integer", "minimum": 1},
                    "items": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "type", "items"],
                            "properties": {
                                "type": {"const": "AnnotationPage"},
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["id", "type", "motivation", "body", "target"],
                                        "properties": {
                                            "type": {"const": "Annotation"},
                                            "motivation": {"const": "painting"},
                                            "body": IMAGE_RESOURCE,
                                            "target": URI,
                                        },
                                    },
                                },
                            },
                        },
                    },
                    "annotations": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "type", "items"],
                            "properties": {
                                "id": URI,
                                "type": {"const": "AnnotationPage"},
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["id", "type", "motivation", "body", "target"],
                                        "properties": {
                                            "id": URI,
                                            "type": {"const": "Annotation"},
                                            "motivation": {"enum": ["tagging", "describing"]},
                                            "body": TEXTUAL_BODY,
                                            "target": {"type": "string", "pattern": "#xywh="},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def stored_mural(django_db_setup, django_db_blocker, tmp_path_factory):
    """The module's mural, committed once; its pyramid lives in a module tmp folder."""
    folder = tmp_path_factory.mktemp("iiif-manifest")
    pixels = np.random.default_rng(9302).integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    with committed_mural(
        django_db_blocker, folder, pixels, cave=9302, wall="north", dpi=300
    ) as made:
        yield made


def get_manifest(client, mural: Mural) -> dict:
    response = client.get(f"/iiif/3/{mural.pk}/manifest.json")
    assert response.status_code == 200, response.content
    return response.json()


def canvas_of(manifest: dict) -> dict:
    return manifest["items"][0]


def element_annotations(manifest: dict) -> list[dict]:
    return [a for page in canvas_of(manifest)["annotations"] for a in page["items"]]


def add_element(mural: Mural, slug: str | None, x: int, y: int, w: int, h: int, **fields):
    return factories.add_element(
        mural, slug, x=x, y=y, w=w, h=h, **{"score": None, "source": "manual", **fields}
    )


def test_it_serves_a_manifest_that_matches_the_presentation_schema(client, mural):
    add_element(mural, "donor", 10, 20, 30, 40)
    response = client.get(f"/iiif/3/{mural.pk}/manifest.json")
    assert response["Content-Type"] == JSON_LD
    assert response["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    jsonschema.validate(manifest, MANIFEST_SCHEMA)
    assert manifest["id"] == f"http://testserver/iiif/3/{mural.pk}/manifest.json"


def test_it_labels_the_mural_in_english_and_chinese(client, mural):
    manifest = get_manifest(client, mural)
    assert manifest["label"]["en"] == [str(mural)]
    assert manifest["label"]["zh"] == ["莫高窟第9302窟北壁"]
    assert "Early Tang" in manifest["summary"]["en"][0]


def test_it_lists_site_cave_wall_period_dimensions_and_dpi(client, mural):
    metadata = {
        pair["label"]["en"][0]: pair["value"] for pair in get_manifest(client, mural)["metadata"]
    }
    assert set(metadata) == {"Site", "Cave", "Wall", "Period", "Dimensions", "dpi"}
    assert metadata["Site"] == {"en": ["Mogao Caves"], "zh": ["莫高窟"]}
    assert metadata["Cave"]["en"] == ["9302"]
    assert metadata["Wall"] == {"en": ["north"], "zh": ["北壁"]}
    assert metadata["Period"]["en"] == ["Early Tang (618–704 CE)"]
    assert "618" in metadata["Period"]["zh"][0]
    assert metadata["Dimensions"]["en"][0].startswith("640 × 480 px")
    assert metadata["dpi"]["en"] == ["300"]


def test_it_paints_one_canvas_with_the_image_service(client, mural):
    manifest = get_manifest(client, mural)
    canvas = canvas_of(manifest)
    assert (canvas["width"], canvas["height"]) == (WIDTH, HEIGHT)
    painting = canvas["items"][0]["items"][0]
    assert painting["target"] == canvas["id"]
    body = painting["body"]
    service_id = f"http://testserver/iiif/3/{mural.pk}"
    assert body["id"] == f"{service_id}/full/max/0/default.jpg"
    assert (body["width"], body["height"]) == (WIDTH, HEIGHT)
    assert body["service"] == [{"id": service_id, "type": "ImageService3", "profile": "level2"}]
    info = client.get(f"/iiif/3/{mural.pk}/info.json").json()
    assert info["id"] == service_id


def test_its_image_and_thumbnail_urls_serve_the_sizes_they_state(client, mural):
    manifest = get_manifest(client, mural)
    painting = canvas_of(manifest)["items"][0]["items"][0]["body"]
    thumbnail = manifest["thumbnail"][0]
    assert thumbnail["id"].endswith(f"/iiif/3/{mural.pk}/full/!320,320/0/default.jpg")
    for resource in (painting, thumbnail):
        response = client.get(resource["id"].removeprefix("http://testserver"))
        assert response.status_code == 200
        image = pyvips.Image.new_from_buffer(response.content, "")
        assert (image.width, image.height) == (resource["width"], resource["height"])
    assert (thumbnail["width"], thumbnail["height"]) == (320, 240)


def test_it_states_the_reduced_size_of_full_max_under_tight_limits(client, mural, settings):
    settings.IIIF_MAX_WIDTH = settings.IIIF_MAX_HEIGHT = 320
    settings.IIIF_MAX_AREA = 320 * 320
    painting = canvas_of(get_manifest(client, mural))["items"][0]["items"][0]["body"]
    assert (painting["width"], painting["height"]) == (320, 240)


def test_it_shows_an_added_element_as_a_tagging_annotation(client, mural):
    assert element_annotations(get_manifest(client, mural)) == []
    element = add_element(mural, "apsara", 100, 50, 200, 120)
    (annotation,) = element_annotations(get_manifest(client, mural))
    canvas_id = canvas_of(get_manifest(client, mural))["id"]
    assert annotation["id"].endswith(f"/annotation/element-{element.pk}")
    assert annotation["motivation"] == "tagging"
    assert annotation["target"] == f"{canvas_id}#xywh=100,50,200,120"
    assert annotation["body"] == {
        "type": "TextualBody",
        "value": "Apsara",
        "language": "en",
        "format": "text/plain",
        "purpose": "tagging",
    }
    assert annotation["label"]["zh"] == ["飞天"]


def test_every_annotation_target_lies_inside_the_canvas(client, mural):
    add_element(mural, "inscription", 0, 0, 1, 1)
    add_element(mural, "thousand-buddha", 600, 400, 40, 80)  # to the exact corner
    add_element(mural, "donor", 620, 470, 100, 100)  # a stray box past the edge is clipped
    add_element(mural, None, 5, 5, 10, 10)
    manifest = get_manifest(client, mural)
    canvas = canvas_of(manifest)
    annotations = element_annotations(manifest)
    assert len(annotations) == 4
    for annotation in annotations:
        match = XYWH.match(annotation["target"])
        assert match and match["canvas"] == canvas["id"]
        x, y, w, h = (int(v) for v in match.groups()[1:])
        assert w > 0 and h > 0 and x + w <= canvas["width"] and y + h <= canvas["height"]
    assert annotations[2]["target"].endswith("#xywh=620,470,20,10")
    assert annotations[3]["body"]["value"] == "Unclassified element"
    assert len({a["id"] for a in annotations}) == 4


def test_it_leaves_out_elements_rejected_in_review(client, mural):
    add_element(mural, "donor", 10, 10, 20, 20, review_state=Element.Review.REJECTED)
    kept = add_element(mural, "donor", 30, 30, 20, 20, review_state=Element.Review.ACCEPTED)
    (annotation,) = element_annotations(get_manifest(client, mural))
    assert annotation["id"].endswith(f"element-{kept.pk}")


def test_it_keeps_annotations_of_other_murals_out(client, mural):
    other = factories.make_mural(cave=9302, wall="east", width=50, height=50)
    add_element(other, "donor", 1, 1, 5, 5)
    assert element_annotations(get_manifest(client, mural)) == []


def test_it_answers_404_in_json_for_an_unknown_mural(client):
    response = client.get("/iiif/3/987654321/manifest.json")
    assert response.status_code == 404
    assert response.json() == {"error": "no mural with id 987654321", "status": 404}
