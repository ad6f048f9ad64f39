"""IIIF Image API 3.0 over HTTP: info.json, the base redirect and image requests.

One 1000x700 gradient mural (red grows to the right, green downwards) serves the module.
"""
from __future__ import annotations

import math

import jsonschema
import numpy as np
import pytest
import pyvips

from dunhuang_search.catalogue.iiif_params import FEATURES
from dunhuang_search.catalogue.models import Mural
from tests.catalogue.openseadragon import osd_tile_requests
from tests.factories import committed_mural, make_mural

pytestmark = pytest.mark.django_db

WIDTH, HEIGHT = 1000, 700
BLUE = 96
JSON_LD = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
LEVEL2 = '<http://iiif.io/api/image/3/level2.json>;rel="profile"'

# A faithful subset of the Image API 3.0 info.json: the required properties and their types.
INFO_SCHEMA = {
    "type": "object",
    "required": ["@context", "id", "type", "protocol", "profile", "width", "height"],
    "properties": {
        "@context": {"const": "http://iiif.io/api/image/3/context.json"},
        "id": {"type": "string", "pattern": "^https?://[^ ]+[^/]$"},
        "type": {"const": "ImageService3"},
        "protocol": {"const": "http://iiif.io/api/image"},
        "profile": {"enum": ["level0", "level1", "level2"]},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "maxWidth": {"type": "integer", "minimum": 1},
        "maxHeight": {"type": "integer", "minimum": 1},
        "maxArea": {"type": "integer", "minimum": 1},
        "sizes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["width", "height"],
                "properties": {
                    "type": {"const": "Size"},
                    "width": {"type": "integer", "minimum": 1},
                    "height": {"type": "integer", "minimum": 1},
                },
            },
        },
        "tiles": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["width", "scaleFactors"],
                "properties": {
                    "type": {"const": "Tile"},
                    "width": {"type": "integer", "minimum": 1},
                    "height": {"type": "integer", "minimum": 1},
                    "scaleFactors": {
                        "type": "array",
                        "items": {"type": "integer", "minimum": 1},
                        "minItems": 1,
                        "uniqueItems": True,
                    },
                },
            },
        },
        "extraQualities": {"type": "array", "items": {"enum": ["color", "gray", "bitonal"]}},
        "extraFormats": {"type": "array", "items": {"type": "string"}},
        "extraFeatures": {"type": "array", "items": {"enum": list(FEATURES)}},
    },
}


def gradient(width: int, height: int) -> np.ndarray:
    xs = np.arange(width) * 255 // (width - 1)
    ys = np.arange(height) * 255 // (height - 1)
    image = np.empty((height, width, 3), np.uint8)
    image[..., 0] = xs[None, :]
    image[..., 1] = ys[:, None]
    image[..., 2] = BLUE
    return image


@pytest.fixture(scope="module")
def stored_mural(django_db_setup, django_db_blocker, tmp_path_factory):
    """The module's mural, committed once; its pyramid lives in a module tmp folder."""
    folder = tmp_path_factory.mktemp("iiif-image")
    pixels = gradient(WIDTH, HEIGHT)
    with committed_mural(django_db_blocker, folder, pixels, cave=9301, title="IIIF image") as made:
        yield made


def get_image(client, mural: Mural, path: str, headers: dict | None = None):
    return client.get(f"/iiif/3/{mural.pk}/{path}", headers=headers or {})


def decode(response) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(response.content, "")


def pixels(response) -> np.ndarray:
    return decode(response).numpy()


def assert_error(response, status: int, parameter: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["status"] == status
    assert parameter in body["error"]


class TestBaseAndInfo:
    def test_it_redirects_the_base_uri_to_info_json(self, client, mural):
        response = client.get(f"/iiif/3/{mural.pk}")
        assert response.status_code == 303
        assert response["Location"] == f"http://testserver/iiif/3/{mural.pk}/info.json"
        assert response["Access-Control-Allow-Origin"] == "*"

    def test_it_describes_the_image_service(self, client, mural):
        response = client.get(f"/iiif/3/{mural.pk}/info.json")
        assert response.status_code == 200
        info = response.json()
        jsonschema.validate(info, INFO_SCHEMA)
        assert info["id"] == f"http://testserver/iiif/3/{mural.pk}"
        assert info["profile"] == "level2"
        assert (info["width"], info["height"]) == (WIDTH, HEIGHT)
        assert (info["maxWidth"], info["maxHeight"], info["maxArea"]) == (4096, 4096, 4096**2)
        assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4]}]
        assert info["sizes"] == [
            {"width": 250, "height": 175},
            {"width": 500, "height": 350},
            {"width": 1000, "height": 700},
        ]
        assert info["extraFormats"] == ["png", "webp"]
        assert set(info["extraQualities"]) == {"color", "gray", "bitonal"}
        assert {"sizeUpscaling", "mirroring", "rotationBy90s", "regionSquare"} <= set(
            info["extraFeatures"]
        )
        assert info["partOf"][0]["id"].endswith(f"/iiif/3/{mural.pk}/manifest.json")
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Link"] == LEVEL2

    def test_it_answers_plain_json_unless_json_ld_is_asked_for(self, client, mural):
        url = f"/iiif/3/{mural.pk}/info.json"
        assert client.get(url)["Content-Type"] == "application/json"
        assert client.get(url, headers={"Accept": "*/*"})["Content-Type"] == "application/json"
        asked = client.get(url, headers={"Accept": "application/ld+json"})
        assert asked["Content-Type"] == JSON_LD
        with_profile = client.get(url, headers={"Accept": JSON_LD + ", application/json;q=0.9"})
        assert with_profile["Content-Type"] == JSON_LD
        assert "Accept" in asked["Vary"]

    def test_it_lists_sizes_within_the_server_limits_only(self, client, mural, settings):
        settings.IIIF_MAX_WIDTH = settings.IIIF_MAX_HEIGHT = 600
        settings.IIIF_MAX_AREA = 600 * 600
        info = client.get(f"/iiif/3/{mural.pk}/info.json").json()
        assert info["sizes"] == [{"width": 250, "height": 175}, {"width": 500, "height": 350}]
        assert info["maxWidth"] == 600

    def test_it_serves_every_size_it_lists(self, client, mural):
        info = client.get(f"/iiif/3/{mural.pk}/info.json").json()
        for size in info["sizes"]:
            w, h = size["width"], size["height"]
            image = decode(get_image(client, mural, f"full/{w},{h}/0/default.jpg"))
            assert (image.width, image.height) == (w, h)

    @pytest.mark.parametrize(
        "path", ["", "/info.json", "/full/max/0/default.jpg", "/manifest.json"]
    )
    def test_it_answers_404_in_json_for_an_unknown_mural(self, client, path):
        response = client.get(f"/iiif/3/987654321{path}")
        assert_error(response, 404, "987654321")

    def test_it_answers_404_when_the_pyramid_file_is_missing(self, client, mural):
        orphan = make_mural(cave=9301, wall="north", width=10, height=10)
        assert_error(client.get(f"/iiif/3/{orphan.pk}/info.json"), 404, "missing")
        assert_error(client.get(f"/iiif/3/{orphan.pk}/full/max/0/default.jpg"), 404, "missing")

    def test_it_answers_cors_preflight_requests(self, client, mural):
        response = client.options(
            f"/iiif/3/{mural.pk}/info.json",
            headers={"Origin": "https://viewer.example", "Access-Control-Request-Method": "GET"},
        )
        assert response.status_code == 204
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response["Access-Control-Allow-Methods"]

    def test_it_refuses_methods_other_than_get(self, client, mural):
        response = client.post(f"/iiif/3/{mural.pk}/full/max/0/default.jpg")
        assert_error(response, 405, "POST")


class TestImageRequests:
    def test_it_serves_the_full_image_at_max_size(self, client, mural):
        response = get_image(client, mural, "full/max/0/default.jpg")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        image = decode(response)
        assert (image.width, image.height, image.bands) == (WIDTH, HEIGHT, 3)
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Cache-Control"] == "public, max-age=86400"
        assert response["ETag"].startswith('"') and len(response["ETag"]) > 10
        assert LEVEL2 in response["Link"]
        assert f'<http://testserver/iiif/3/{mural.pk}/full/max/0/default.jpg>;rel="canonical"' in (
            response["Link"]
        )

    def test_it_serves_the_pixels_of_the_requested_region(self, client, mural):
        response = get_image(client, mural, "500,350,100,100/max/0/default.png")
        array = pixels(response).astype(int)
        assert array.shape == (100, 100, 3)
        expected = gradient(WIDTH, HEIGHT)[350:450, 500:600].astype(int)
        assert np.abs(array - expected).mean() < 3

    def test_it_serves_every_tile_openseadragon_asks_for_at_its_exact_size(self, client, mural):
        levels = [(1000, 700), (500, 350), (250, 175)]
        full = gradient(WIDTH, HEIGHT).astype(int)
        for region, size, (w, h) in osd_tile_requests(WIDTH, HEIGHT, levels):
            response = get_image(client, mural, f"{region}/{size}/0/default.jpg")
            assert response.status_code == 200, (region, size, response.content)
            array = pixels(response).astype(int)
            assert array.shape == (h, w, 3), (region, size)
            if region != "full":  # the tile shows its part of the mural, scaled down
                x, y, rw, rh = (int(v) for v in region.split(","))
                expected = full[y : y + rh, x : x + rw].mean(axis=(0, 1))
                assert np.abs(array.mean(axis=(0, 1)) - expected).max() < 4, (region, size)

    @pytest.mark.parametrize(
        "path, size",
        [
            ("768,512,256,256/max/0/default.jpg", (232, 188)),  # last tile, cropped
            ("768,512,232,188/232,188/0/default.jpg", (232, 188)),
            ("512,512,256,188/256,/0/default.jpg", (256, 188)),
            ("0,512,1024,1024/128,/0/default.jpg", (128, 24)),  # 188/1000*128 = 24.06
            ("999,699,1,1/max/0/default.jpg", (1, 1)),
            ("999,699,100,100/max/0/default.png", (1, 1)),
            ("0,0,1,700/max/0/default.jpg", (1, 700)),
            ("square/max/0/default.jpg", (700, 700)),
            ("square/!100,100/0/default.jpg", (100, 100)),
            ("pct:25,25,50,50/max/0/default.jpg", (500, 350)),
            ("pct:90,90,20,20/max/0/default.jpg", (100, 70)),
            ("full/!320,320/0/default.jpg", (320, 224)),
            ("full/!320,100/0/default.jpg", (143, 100)),
            ("full/!2000,2000/0/default.jpg", (1000, 700)),
            ("full/501,/0/default.jpg", (501, 351)),  # 350.7 -> 351
            ("full/,99/0/default.jpg", (141, 99)),  # 141.4 -> 141
            ("full/pct:10/0/default.jpg", (100, 70)),
            ("full/7,300/0/default.jpg", (7, 300)),
            ("0,0,10,10/^100,/0/default.jpg", (100, 100)),
            ("0,0,10,5/^!300,300/0/default.jpg", (300, 150)),
            ("full/^pct:150/0/default.jpg", (1500, 1050)),
        ],
    )
    def test_it_returns_images_of_exactly_the_computed_size(self, client, mural, path, size):
        response = get_image(client, mural, path)
        assert response.status_code == 200, response.content
        image = decode(response)
        assert (image.width, image.height) == size

    def test_it_shrinks_max_to_the_configured_limits(self, client, mural, settings):
        settings.IIIF_MAX_WIDTH = settings.IIIF_MAX_HEIGHT = 400
        settings.IIIF_MAX_AREA = 400 * 400
        image = decode(get_image(client, mural, "full/max/0/default.jpg"))
        assert (image.width, image.height) == (400, 280)
        upscaled = decode(get_image(client, mural, "0,0,20,10/^max/0/default.jpg"))
        assert (upscaled.width, upscaled.height) == (400, 200)
        assert_error(get_image(client, mural, "full/401,/0/default.jpg"), 400, "maxWidth 400")
        assert_error(get_image(client, mural, "0,0,10,10/^500,/0/default.jpg"), 400, "size")

    def test_it_rotates_by_90s_and_mirrors(self, client, mural):
        base = "0,0,400,200/max"  # dark at the top left, red growing to the right
        turned = pixels(get_image(client, mural, f"{base}/90/default.png")).astype(int)
        assert turned.shape == (400, 200, 3)
        # clockwise: the region's top-left corner goes to the top right
        assert turned[0, -1, 0] < 10 and turned[-1, -1, 0] > 80
        upside_down = pixels(get_image(client, mural, f"{base}/180/default.png")).astype(int)
        assert upside_down.shape == (200, 400, 3) and upside_down[-1, -1, 0] < 10
        assert pixels(get_image(client, mural, f"{base}/270/default.png")).shape == (400, 200, 3)
        mirrored = pixels(get_image(client, mural, f"{base}/!0/default.png")).astype(int)
        assert mirrored.shape == (200, 400, 3)
        assert mirrored[0, 0, 0] > 80 and mirrored[0, -1, 0] < 10
        mirrored_turned = pixels(get_image(client, mural, f"{base}/!90/default.png")).astype(int)
        # mirror first, then turn: the region's top-left corner ends at the bottom right
        assert mirrored_turned.shape == (400, 200, 3) and mirrored_turned[-1, -1, 0] < 10

    def test_it_rotates_by_arbitrary_angles_into_the_bounding_box(self, client, mural):
        png = decode(get_image(client, mural, "0,0,200,100/max/30/default.png"))
        expected_w = 200 * math.cos(math.pi / 6) + 100 * math.sin(math.pi / 6)
        assert abs(png.width - expected_w) <= 2 and png.bands == 4  # transparent corners
        assert png.numpy()[0, 0, 3] == 0
        jpg = decode(get_image(client, mural, "0,0,200,100/max/30/default.jpg"))
        assert jpg.bands == 3 and (jpg.width, jpg.height) == (png.width, png.height)

    def test_it_serves_gray_and_bitonal_qualities(self, client, mural):
        gray = decode(get_image(client, mural, "full/200,/0/gray.jpg"))
        assert gray.bands == 1
        bitonal = pixels(get_image(client, mural, "full/200,/0/bitonal.png"))
        assert set(np.unique(bitonal)) <= {0, 255}
        color = decode(get_image(client, mural, "full/200,/0/color.jpg"))
        assert color.bands == 3
        gray_turned = decode(get_image(client, mural, "full/200,/45/gray.png"))
        assert gray_turned.bands == 2  # gray plus alpha

    @pytest.mark.parametrize("fmt, media_type, loader", [
        ("jpg", "image/jpeg", "jpegload_buffer"),
        ("png", "image/png", "pngload_buffer"),
        ("webp", "image/webp", "webpload_buffer"),
    ])
    def test_it_encodes_each_format(self, client, mural, fmt, media_type, loader):
        response = get_image(client, mural, f"0,0,256,256/max/0/default.{fmt}")
        assert response["Content-Type"] == media_type
        assert decode(response).get("vips-loader") == loader

    def test_it_answers_304_to_a_matching_if_none_match(self, client, mural):
        first = get_image(client, mural, "0,0,256,256/max/0/default.jpg")
        etag = first["ETag"]
        again = get_image(client, mural, "0,0,256,256/max/0/default.jpg", {"If-None-Match": etag})
        assert again.status_code == 304 and again["ETag"] == etag and not again.content
        assert again["Access-Control-Allow-Origin"] == "*"
        other = get_image(client, mural, "0,0,256,256/max/0/default.png", {"If-None-Match": etag})
        assert other.status_code == 200 and other["ETag"] != etag

    @pytest.mark.parametrize(
        "path, parameter",
        [
            ("1000,0,10,10/max/0/default.jpg", "region"),  # entirely outside
            ("0,700,10,10/max/0/default.jpg", "region"),
            ("pct:100,0,5,5/max/0/default.jpg", "region"),
            ("0,0,0,10/max/0/default.jpg", "region"),  # zero width
            ("0,0,10,0/max/0/default.jpg", "region"),
            ("-1,0,10,10/max/0/default.jpg", "region"),  # negative
            ("1000000000,1000000000,1,1/max/0/default.jpg", "region"),
            ("0,0,10,10,10/max/0/default.jpg", "region"),
            ("banana/max/0/default.jpg", "region"),
            ("full/1001,/0/default.jpg", "size"),  # larger than the region, no ^
            ("full/,701/0/default.jpg", "size"),
            ("0,0,10,10/11,10/0/default.jpg", "size"),
            ("0,0,10,10/pct:101/0/default.jpg", "size"),
            ("full/1000000000,/0/default.jpg", "size"),
            ("full/^1000000000,1000000000/0/default.jpg", "size"),  # absurd upscale
            ("full/^4097,/0/default.jpg", "size"),  # beyond maxWidth
            ("full/^pct:1000/0/default.jpg", "size"),
            ("full/0,/0/default.jpg", "size"),
            ("full/-10,/0/default.jpg", "size"),
            ("full/pct:0.01/0/default.jpg", "size"),
            ("full/full/0/default.jpg", "size"),  # the 2.x form
            ("full/max/-90/default.jpg", "rotation"),
            ("full/max/361/default.jpg", "rotation"),
            ("full/max/abc/default.jpg", "rotation"),
            ("full/max/0/sepia.jpg", "quality"),
            ("full/max/0/native.jpg", "quality"),
            ("full/max/0/default.gif", "format"),
            ("full/max/0/default.bmp", "format"),
        ],
    )
    def test_it_rejects_bad_parameters_with_a_400_naming_them(self, client, mural, path, parameter):
        assert_error(get_image(client, mural, path), 400, parameter)

    def test_it_accepts_percent_encoded_caret_and_bang(self, client, mural):
        response = client.get(f"/iiif/3/{mural.pk}/0,0,10,10/%5E20,/%210/default.jpg")
        assert response.status_code == 200
        assert (decode(response).width, decode(response).height) == (20, 20)
