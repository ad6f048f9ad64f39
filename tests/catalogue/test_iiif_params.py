"""IIIF Image API parameter parsing and region/size arithmetic, without Django or pixels.

Examples marked "spec" are the worked examples of Image API 3.0 sections 4.1 and 4.2.
"""
from __future__ import annotations

from fractions import Fraction

import pytest

from dunhuang_search.catalogue.iiif_params import (
    Box,
    IIIFParamError,
    Limits,
    canonical_path,
    parse_format,
    parse_quality,
    parse_region,
    parse_rotation,
    parse_size,
    plan_image_request,
    preferred_sizes,
    resolve_region,
    resolve_size,
    scale_factors,
)
from tests.catalogue.openseadragon import osd_tile_requests

LIMITS = Limits(max_width=4096, max_height=4096, max_area=4096 * 4096)
LEVELS_1000x700 = [(1000, 700), (500, 350), (250, 175)]  # what build_pyramid writes


def region(text: str, width: int = 1000, height: int = 700) -> Box:
    return resolve_region(parse_region(text), width, height)


def size(text: str, rw: int, rh: int, limits: Limits = LIMITS) -> tuple[int, int]:
    return resolve_size(parse_size(text), rw, rh, limits)


class TestRegion:
    def test_it_reads_full_as_the_whole_image(self):
        assert region("full") == Box(0, 0, 1000, 700)

    def test_it_centres_square_on_the_longer_side(self):
        assert region("square") == Box(150, 0, 700, 700)
        assert region("square", 300, 500) == Box(0, 100, 300, 300)

    def test_it_keeps_a_pixel_region_inside_the_image(self):
        assert region("125,15,120,140") == Box(125, 15, 120, 140)

    def test_it_crops_a_region_at_the_right_and_bottom_edges(self):
        assert region("768,512,256,256") == Box(768, 512, 232, 188)  # last tile of 1000x700
        assert region("512,512,512,512") == Box(512, 512, 488, 188)

    def test_it_crops_a_region_partly_outside_as_in_the_spec(self):
        assert region("125,15,200,200", 300, 200) == Box(125, 15, 175, 185)  # spec

    def test_it_accepts_a_one_pixel_region_in_the_last_corner(self):
        assert region("999,699,1,1") == Box(999, 699, 1, 1)
        assert region("999,699,50,50") == Box(999, 699, 1, 1)

    def test_it_converts_percentages_as_in_the_spec(self):
        assert region("pct:41.6,7.5,40,70", 300, 200) == Box(125, 15, 120, 140)  # spec
        assert region("pct:41.6,7.5,66.6,100", 300, 200) == Box(125, 15, 175, 185)  # spec

    def test_it_rounds_percentages_half_up_and_exactly(self):
        assert region("pct:0,0,50,50", 999, 701) == Box(0, 0, 500, 351)
        assert region("pct:12.5,10,0.1,0.1") == Box(125, 70, 1, 1)
        assert region("pct:0,0,100,100") == Box(0, 0, 1000, 700)

    def test_it_parses_percentages_as_exact_fractions(self):
        assert parse_region("pct:41.6,0.5,.5,100").values == (
            Fraction(208, 5),
            Fraction(1, 2),
            Fraction(1, 2),
            Fraction(100),
        )

    @pytest.mark.parametrize(
        "text",
        ["1000,0,10,10", "0,700,10,10", "1000000000,0,1,1", "pct:100,0,10,10", "pct:0,100,1,1"],
    )
    def test_it_rejects_a_region_entirely_outside_the_image(self, text):
        with pytest.raises(IIIFParamError) as exc:
            region(text)
        assert exc.value.parameter == "region" and exc.value.status == 400
        assert "outside" in str(exc.value)

    @pytest.mark.parametrize("text", ["0,0,0,10", "0,0,10,0", "pct:0,0,0,10", "pct:1,1,10,0"])
    def test_it_rejects_a_region_with_zero_width_or_height(self, text):
        with pytest.raises(IIIFParamError, match="region"):
            parse_region(text)

    def test_it_rejects_a_percentage_region_under_one_pixel(self):
        with pytest.raises(IIIFParamError, match="smaller than one pixel"):
            region("pct:0,0,0.01,50")

    @pytest.mark.parametrize(
        "text",
        [
            "-1,0,10,10",
            "0,-5,10,10",
            "pct:-1,0,10,10",
            "1,2,3",
            "1,2,3,4,5",
            "a,b,c,d",
            "1.5,0,10,10",
            "1e3,0,10,10",
            "pct:1e2,0,1,1",
            "١,0,1,1",  # an Arabic-Indic digit
            " 1,0,1,1",
            "",
            "pct:",
            "Full",
            "9" * 40 + ",0,1,1",
        ],
    )
    def test_it_rejects_malformed_regions(self, text):
        with pytest.raises(IIIFParamError) as exc:
            parse_region(text)
        assert exc.value.parameter == "region" and exc.value.status == 400

    def test_it_names_negative_numbers_in_the_message(self):
        with pytest.raises(IIIFParamError, match="negative"):
            parse_region("-1,0,10,10")


class TestSize:
    def test_it_gives_max_as_the_region_size(self):
        assert size("max", 1000, 700) == (1000, 700)
        assert size("max", 1, 1) == (1, 1)

    def test_it_shrinks_max_to_the_server_limits_keeping_the_aspect(self):
        assert size("max", 8192, 2000) == (4096, 1000)
        assert size("max", 1000, 9000) == (455, 4096)
        small_area = Limits(4096, 4096, 10_000)
        w, h = size("max", 1000, 700, small_area)
        assert w * h <= 10_000 and abs(w / h - 1000 / 700) < 0.02

    def test_it_upscales_caret_max_to_the_limits(self):
        assert size("^max", 100, 50) == (4096, 2048)
        assert size("^max", 100, 50, Limits(300, 300, 300 * 300)) == (300, 150)
        assert size("^max", 8192, 2000) == (4096, 1000)

    def test_it_rounds_the_height_of_w_comma_half_up(self):
        assert size("256,", 256, 188) == (256, 188)  # the brief's edge tile
        assert size("244,", 487, 512) == (244, 257)  # 256.53 -> 257
        assert size("3,", 4, 2) == (3, 2)  # 1.5 -> 2

    def test_it_rounds_the_width_of_comma_h_half_up(self):
        assert size(",350", 1000, 700) == (500, 350)
        assert size(",1", 2, 4) == (1, 1)  # 0.5 -> 1

    def test_it_returns_w_h_exactly_even_when_distorting(self):
        assert size("225,100", 300, 200) == (225, 100)  # spec
        assert size("1,200", 300, 200) == (1, 200)

    def test_it_confines_bang_w_h_as_in_the_spec(self):
        assert size("!225,100", 300, 200) == (150, 100)  # spec
        assert size("!320,320", 1000, 700) == (320, 224)
        assert size("!320,320", 700, 1000) == (224, 320)
        assert size("!100,100", 487, 512) == (95, 100)

    def test_it_never_upscales_bang_w_h_without_a_caret(self):
        assert size("!500,500", 200, 100) == (200, 100)
        assert size("^!500,500", 200, 100) == (500, 250)

    def test_it_keeps_bang_w_h_within_the_server_limits(self):
        assert size("^!10000,10000", 200, 100) == (4096, 2048)

    def test_it_scales_by_percent(self):
        assert size("pct:50", 1000, 700) == (500, 350)
        assert size("pct:50", 999, 701) == (500, 351)
        assert size("pct:12.5", 1000, 700) == (125, 88)
        assert size("^pct:200", 1000, 700) == (2000, 1400)

    def test_it_allows_upscaling_only_with_a_caret(self):
        assert size("^100,", 10, 10) == (100, 100)
        assert size("^,70", 10, 7) == (100, 70)
        assert size("^20,30", 10, 10) == (20, 30)
        with pytest.raises(IIIFParamError, match=r"larger than the 10x10 region.*\^"):
            size("100,", 10, 10)

    @pytest.mark.parametrize(
        "text, region_size",
        [
            ("1001,", (1000, 700)),
            (",701", (1000, 700)),
            ("1000,701", (1000, 700)),
            ("257,", (256, 188)),
            ("2,2", (1, 1)),
        ],
    )
    def test_it_rejects_a_size_larger_than_the_region(self, text, region_size):
        with pytest.raises(IIIFParamError) as exc:
            size(text, *region_size)
        assert exc.value.parameter == "size" and exc.value.status == 400

    @pytest.mark.parametrize(
        "text",
        ["^4097,", "^,4097", "^4097,1", "^5000,5000", "^pct:1000", "^1000000000,", "^,1000000000"],
    )
    def test_it_rejects_upscaling_beyond_the_server_limits(self, text):
        with pytest.raises(IIIFParamError, match="exceeds the limits"):
            size(text, 1000, 700)

    def test_it_rejects_an_area_over_max_area(self):
        with pytest.raises(IIIFParamError, match="maxArea 1000000"):
            size("^1001,1000", 1000, 1000, Limits(4096, 4096, 1_000_000))

    def test_it_rejects_results_under_one_pixel(self):
        with pytest.raises(IIIFParamError, match="under one pixel"):
            size("pct:0.01", 1000, 700)
        with pytest.raises(IIIFParamError, match="under one pixel"):
            size("1,", 1000, 1)

    @pytest.mark.parametrize(
        "text",
        [
            "0,",
            ",0",
            "0,0",
            "pct:0",
            "pct:101",
            "pct:-5",
            ",",
            "!100,",
            "!,100",
            "abc",
            "-5,",
            "10,10,10",
            "^",
            "^^max",
            "full",
            "Max",
            "pct:1e3",
            "1.5,",
            "9" * 40 + ",",
        ],
    )
    def test_it_rejects_malformed_sizes(self, text):
        with pytest.raises(IIIFParamError) as exc:
            parse_size(text)
        assert exc.value.parameter == "size" and exc.value.status == 400


class TestRotationQualityFormat:
    @pytest.mark.parametrize(
        "text, degrees, mirror",
        [("0", 0, False), ("90", 90, False), ("180", 180, False), ("270", 270, False),
         ("360", 0, False), ("!0", 0, True), ("!90", 90, True), ("22.5", Fraction(45, 2), False),
         ("90.0", 90, False)],
    )
    def test_it_parses_rotations(self, text, degrees, mirror):
        rotation = parse_rotation(text)
        assert (rotation.degrees, rotation.mirror) == (degrees, mirror)

    def test_it_tells_rotations_by_90s_from_arbitrary_ones(self):
        assert parse_rotation("270").by_90s
        assert not parse_rotation("22.5").by_90s

    @pytest.mark.parametrize("text", ["-90", "361", "!", "abc", "90deg", "!!90", "", "1e2"])
    def test_it_rejects_bad_rotations(self, text):
        with pytest.raises(IIIFParamError) as exc:
            parse_rotation(text)
        assert exc.value.parameter == "rotation" and exc.value.status == 400

    @pytest.mark.parametrize("text", ["default", "color", "gray", "bitonal"])
    def test_it_accepts_the_four_qualities(self, text):
        assert parse_quality(text) == text

    @pytest.mark.parametrize("text", ["native", "grey", "Default", "sepia", ""])
    def test_it_rejects_unknown_qualities(self, text):
        with pytest.raises(IIIFParamError, match="quality"):
            parse_quality(text)

    @pytest.mark.parametrize("text", ["jpg", "png", "webp"])
    def test_it_accepts_the_formats_it_serves(self, text):
        assert parse_format(text) == text

    @pytest.mark.parametrize("text", ["gif", "tif", "jp2", "pdf", "jpeg", "bmp", "JPG"])
    def test_it_rejects_formats_it_does_not_serve(self, text):
        with pytest.raises(IIIFParamError) as exc:
            parse_format(text)
        assert exc.value.parameter == "format" and exc.value.status == 400


class TestPlanAndCanonicalForm:
    def plan(self, path: str, width: int = 1000, height: int = 700):
        region_text, size_text, rotation, last = path.split("/")
        quality, fmt = last.rsplit(".", 1)
        return plan_image_request(
            region_text, size_text, rotation, quality, fmt, width, height, LIMITS
        )

    def test_it_plans_every_tile_openseadragon_requests_at_every_scale_factor(self):
        requests = list(osd_tile_requests(1000, 700, LEVELS_1000x700))
        assert len(requests) == 4 * 3 + 2 * 2 + 1
        assert ("768,512,232,188", "232,188", (232, 188)) in requests
        assert ("512,0,488,512", "244,256", (244, 256)) in requests
        assert ("full", "250,175", (250, 175)) in requests
        for region_text, size_text, expected in requests:
            plan = self.plan(f"{region_text}/{size_text}/0/default.jpg")
            assert (plan.width, plan.height) == expected, (region_text, size_text)

    def test_it_plans_tiles_of_an_odd_sized_image(self):
        levels = [(999, 701), (499, 350), (249, 175)]
        for region_text, size_text, expected in osd_tile_requests(999, 701, levels):
            plan = self.plan(f"{region_text}/{size_text}/0/default.jpg", 999, 701)
            assert (plan.width, plan.height) == expected

    def test_it_plans_the_spec_tile_form_with_w_comma(self):
        plan = self.plan("512,512,256,188/256,/0/default.jpg")
        assert plan.region == Box(512, 512, 256, 188)
        assert (plan.width, plan.height) == (256, 188)

    def test_it_gives_canonical_forms(self):
        cases = {
            "full/max/0/default.jpg": "full/max/0/default.jpg",
            "0,0,1000,700/1000,/360/default.jpg": "full/max/0/default.jpg",
            "square/max/0/color.png": "150,0,700,700/max/0/color.png",
            "768,512,256,256/232,/0/default.jpg": "768,512,232,188/max/0/default.jpg",
            "pct:50,50,50,50/pct:50/!90/gray.jpg": "500,350,500,350/250,175/!90/gray.jpg",
            "0,0,10,10/^20,/22.5/default.png": "0,0,10,10/^20,20/22.5/default.png",
            "full/!320,320/0/default.jpg": "full/320,224/0/default.jpg",
        }
        for request, canonical in cases.items():
            assert canonical_path(self.plan(request), 1000, 700, LIMITS) == canonical, request

    def test_it_gives_max_as_canonical_when_limits_shrink_the_image(self):
        plan = self.plan("full/max/0/default.jpg", 8192, 2000)
        assert (plan.width, plan.height) == (4096, 1000)
        assert canonical_path(plan, 8192, 2000, LIMITS) == "full/max/0/default.jpg"

    def test_it_reports_the_first_bad_parameter(self):
        with pytest.raises(IIIFParamError) as exc:
            self.plan("full/max/45x/default.jpg")
        assert exc.value.parameter == "rotation"


class TestInfoHelpers:
    def test_it_doubles_scale_factors_per_pyramid_level(self):
        assert scale_factors(LEVELS_1000x700) == [1, 2, 4]
        assert scale_factors([(100, 100)]) == [1]

    def test_it_lists_preferred_sizes_small_to_large_within_the_limits(self):
        assert preferred_sizes(LEVELS_1000x700, LIMITS) == [
            {"width": 250, "height": 175},
            {"width": 500, "height": 350},
            {"width": 1000, "height": 700},
        ]
        assert preferred_sizes(LEVELS_1000x700, Limits(600, 600, 10**6)) == [
            {"width": 250, "height": 175},
            {"width": 500, "height": 350},
        ]
        assert preferred_sizes(LEVELS_1000x700, Limits(4096, 4096, 100_000)) == [
            {"width": 250, "height": 175},
        ]
