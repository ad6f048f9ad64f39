"""Ingest through ingest_mural: pyramids, metadata, and bad input that leaves nothing behind."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import pyvips

from dunhuang_search.catalogue.ingest import IngestError, ingest_mural
from dunhuang_search.catalogue.models import Cave, Mural, MuralPalette
from indexer.dating.palette import colour_histogram
from indexer.imagery import Pyramid, jpeg2000_supported
from tests.factories import write_pixels

pytestmark = pytest.mark.django_db

PLACE = {"site": "mogao", "cave": 220, "wall": "south", "period": "early-tang"}


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def assert_nothing_written(settings) -> None:
    assert Mural.objects.count() == 0 and MuralPalette.objects.count() == 0
    assert files_under(Path(settings.PYRAMID_DIR)) == []


def png_bomb(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims width x height, with a few bytes of data: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.parametrize("name", ["wall.jpg", "wall.png", "wall.tif"])
def test_it_ingests_jpeg_png_and_tiff_into_a_pyramid(image_file, name):
    path = image_file(name, width=1300, height=900)
    mural = ingest_mural(path, **PLACE, title="Amitabha paradise", dpi=300)
    assert (mural.width, mural.height) == (1300, 900)
    assert mural.cave == Cave.objects.get(site__slug="mogao", number=220)
    assert mural.period.slug == "early-tang"
    assert mural.source_path == str(path.resolve())
    assert len(mural.checksum) == 64
    pyramid = Pyramid(mural.pyramid_path)
    assert pyramid.level_sizes[0] == (1300, 900)
    assert pyramid.level_sizes[-1][0] <= 256  # down to one tile
    assert len(pyramid.level_sizes) >= 3


def test_it_ingests_bigtiff_and_pyramidal_tiff(image_file, tmp_path):
    big = image_file("big.tif", width=800, height=600, tile=True, bigtiff=True)
    pyramidal = image_file("pyr.tif", width=800, height=600, seed=3, tile=True, pyramid=True)
    assert ingest_mural(big, **PLACE).width == 800
    mural = ingest_mural(pyramidal, **{**PLACE, "wall": "north"})
    assert (mural.width, mural.height) == (800, 600)  # page 0 is the full resolution


def test_it_keeps_pixels_of_a_region_close_to_the_source(image_file):
    path = image_file("wall.png", width=700, height=500)
    mural = ingest_mural(path, **PLACE)
    source = pyvips.Image.new_from_file(str(path)).crop(100, 50, 64, 64).numpy().astype(int)
    region = Pyramid(mural.pyramid_path).read_full_res(100, 50, 64, 64).astype(int)
    assert abs(source - region).mean() < 6  # JPEG-compressed tiles, quality 90


def test_it_stores_the_walls_palette_from_the_pyramid(tmp_path):
    """The palette is the colour histogram of a small view: a wall two-thirds red, one-third
    blue has two colours, in those shares."""
    pixels = np.zeros((300, 600, 3), np.uint8)
    pixels[:, :400] = (200, 30, 30)
    pixels[:, 400:] = (30, 30, 200)
    mural = ingest_mural(write_pixels(tmp_path / "wall.png", pixels), **PLACE)
    palette = np.asarray(MuralPalette.of(mural.pk))
    red, blue = colour_histogram(pixels[:1, :1]), colour_histogram(pixels[:1, -1:])
    assert palette.shape == (512,) and palette.sum() == pytest.approx(1, abs=1e-5)
    assert palette @ red == pytest.approx(2 / 3, abs=0.02)
    assert palette @ blue == pytest.approx(1 / 3, abs=0.02)


def test_it_reports_pyramid_progress(image_file):
    seen = []
    ingest_mural(image_file("wall.jpg"), **PLACE, progress=lambda stage, p: seen.append((stage, p)))
    assert seen and seen[-1] == ("pyramid", 100)


def test_it_rejects_a_zero_byte_file(tmp_path, settings):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="empty file") as info:
        ingest_mural(empty, **PLACE)
    assert info.value.kind == "empty"
    assert_nothing_written(settings)


@pytest.mark.parametrize("name", ["wall.jpg", "wall.tif", "wall.png"])
def test_it_rejects_truncated_images(image_file, settings, name):
    path = image_file(name, width=900, height=700)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match="truncated or corrupt") as info:
        ingest_mural(path, **PLACE)
    assert info.value.kind in {"corrupt", "not_image"}
    assert_nothing_written(settings)


def test_it_rejects_a_non_image_file(tmp_path, settings):
    text = tmp_path / "notes.jpg"
    text.write_text("Cave 220, south wall: Amitabha's Western Paradise.\n" * 20)
    with pytest.raises(IngestError, match="not an image") as info:
        ingest_mural(text, **PLACE)
    assert info.value.kind == "not_image"
    assert_nothing_written(settings)


def test_it_refuses_a_decompression_bomb_before_decoding(tmp_path, settings):
    bomb = png_bomb(tmp_path / "bomb.png", 200_000, 200_000)
    with pytest.raises(IngestError, match="over the limit") as info:
        ingest_mural(bomb, **PLACE)
    assert info.value.kind == "too_large"
    assert_nothing_written(settings)


def test_it_applies_the_configured_pixel_limit(image_file, settings):
    settings.MAX_MURAL_PIXELS = 1000 * 1000
    with pytest.raises(IngestError, match="1,200,000 pixels, over the limit of 1,000,000"):
        ingest_mural(image_file("wall.jpg", width=1200, height=1000), **PLACE)
    assert_nothing_written(settings)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"site": "dunhuang-city"}, "unknown site 'dunhuang-city'"),
        ({"period": "ming"}, "unknown period 'ming'"),
        ({"cave": "220a"}, "cave must be a number"),
        ({"cave": 0}, "cave must be a positive number"),
        ({"wall": "  "}, "wall must not be empty"),
    ],
)
def test_it_rejects_bad_metadata(image_file, settings, override, message):
    with pytest.raises(IngestError, match=message):
        ingest_mural(image_file("wall.jpg"), **{**PLACE, **override})
    assert_nothing_written(settings)
    assert not Cave.objects.exists()


def test_it_refuses_a_duplicate_file(image_file, settings):
    path = image_file("wall.jpg")
    first = ingest_mural(path, **PLACE)
    copy = path.with_name("copy-of-wall.jpg")
    copy.write_bytes(path.read_bytes())
    with pytest.raises(IngestError, match=f"already in the catalogue as mural {first.pk}") as info:
        ingest_mural(copy, **{**PLACE, "wall": "north"})
    assert info.value.kind == "duplicate"
    assert Mural.objects.count() == 1
    assert files_under(Path(settings.PYRAMID_DIR)) == [first.pyramid_path]


def test_it_leaves_no_pyramid_when_the_database_write_fails(image_file, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Mural.objects, "create", fail)
    with pytest.raises(RuntimeError):
        ingest_mural(image_file("wall.jpg"), **PLACE)
    assert_nothing_written(settings)


def test_it_reads_jpeg2000_only_where_libvips_can(tmp_path, settings):
    jp2 = tmp_path / "wall.jp2"
    jp2.write_bytes(b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 200)
    if jpeg2000_supported():
        pytest.skip("this libvips reads JPEG 2000; the refusal path does not apply")
    with pytest.raises(IngestError, match="JPEG 2000") as info:
        ingest_mural(jp2, **PLACE)
    assert info.value.kind == "unsupported"
    assert_nothing_written(settings)
