"""Tests of the procedural murals: determinism, exact tight VOC boxes, seamless strips,
and streamed BigTIFF output in bounded memory.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from indexer.boxes import ios, iou
from indexer.synthetic import (
    CATEGORIES,
    PERIODS,
    MuralRenderer,
    MuralSpec,
    image_seed,
    plan_mural,
    read_voc,
    render_mural,
    render_region,
    render_strip,
    voc_xml,
    write_mural_image,
    write_voc,
)
from indexer.synthetic.canvas import alpha_box
from indexer.synthetic.motifs import draw_motif

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dense_spec() -> MuralSpec:
    """A small mural with many small instances (scale 0.4) of every kind of group."""
    return plan_mural(1800, 1200, 11, scale=0.4)


def _xywh(instance) -> tuple[int, int, int, int]:
    return instance.x, instance.y, instance.w, instance.h


def _labelled(spec: MuralSpec):
    """(paint index, paint, instance) for each labelled instance, in paint order."""
    found = [(i, p) for i, p in enumerate(spec.paints) if p.category is not None]
    assert len(found) == len(spec.instances)
    return [(i, p, inst) for (i, p), inst in zip(found, spec.instances, strict=True)]


def test_it_plans_and_renders_identically_for_the_same_seed():
    a, b = plan_mural(1200, 800, 5), plan_mural(1200, 800, 5)
    assert a == b
    assert voc_xml(a, "m.jpg") == voc_xml(b, "m.jpg")
    assert np.array_equal(render_mural(a), render_mural(b))


def test_it_makes_a_different_mural_for_a_different_seed():
    a, b = plan_mural(1200, 800, 5), plan_mural(1200, 800, 6)
    assert voc_xml(a, "m.jpg") != voc_xml(b, "m.jpg")
    assert not np.array_equal(render_mural(a), render_mural(b))


def test_it_paints_all_five_categories_in_a_few_4096x3072_murals():
    found = set()
    for index in range(4):
        spec = plan_mural(4096, 3072, image_seed(0, index))
        assert len(spec.instances) >= 20
        found.update(i.category for i in spec.instances)
    assert found == set(CATEGORIES)


def test_it_keeps_boxes_inside_the_image_and_apart(dense_spec):
    for seed in (1, 2, 3):
        for spec in (plan_mural(2000, 1500, seed), dense_spec):
            for inst in spec.instances:
                assert inst.category in CATEGORIES
                assert 0 <= inst.x and inst.x + inst.w <= spec.width
                assert 0 <= inst.y and inst.y + inst.h <= spec.height
                assert inst.w > 0 and inst.h > 0
            pairs = [(a, b) for k, a in enumerate(spec.instances) for b in spec.instances[k + 1 :]]
            assert max((iou(_xywh(a), _xywh(b)) for a, b in pairs), default=0) < 0.3
            assert max((ios(_xywh(a), _xywh(b)) for a, b in pairs), default=0) <= 0.5


def test_it_marks_only_boxes_cut_by_the_image_border_as_truncated():
    specs = [plan_mural(3000, 2000, seed) for seed in range(6)]
    truncated = [(s, i) for s in specs for i in s.instances if i.truncated]
    assert truncated, "expected some figures cut by the border in six murals"
    for spec, inst in truncated:
        assert (
            inst.x == 0
            or inst.y == 0
            or inst.x + inst.w == spec.width
            or (inst.y + inst.h == spec.height)
        )


def test_it_labels_each_instance_with_the_tight_box_of_its_painted_pixels(dense_spec):
    for _, paint, inst in _labelled(dense_spec):
        patch = draw_motif(paint.motif, paint.seed, paint.size, paint.params)
        cx, cy = paint.crop
        trimmed = patch[cy : cy + paint.h, cx : cx + paint.w]
        assert alpha_box(trimmed) == (0, 0, paint.w, paint.h)
        if not inst.truncated:
            assert (inst.x, inst.y, inst.w, inst.h) == (paint.x, paint.y, paint.w, paint.h)


def test_it_changes_exactly_the_labelled_box_when_an_instance_is_removed(dense_spec):
    """Render with and without each instance: the differing pixels fill the label's box
    edge to edge (where nothing is painted over it later) and never leave it."""
    spec, exact = dense_spec, 0
    for index, paint, inst in _labelled(spec):
        without = dataclasses.replace(spec, paints=spec.paints[:index] + spec.paints[index + 1 :])
        x0, y0 = max(0, inst.x - 4), max(0, inst.y - 4)
        x1, y1 = min(spec.width, inst.x + inst.w + 4), min(spec.height, inst.y + inst.h + 4)
        changed = np.any(
            render_region(spec, x0, y0, x1, y1) != render_region(without, x0, y0, x1, y1), axis=2
        )
        ys, xs = np.nonzero(changed)
        assert xs.size, f"removing {inst} changed nothing"
        box = (x0 + xs.min(), y0 + ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
        assert inst.x <= box[0] and box[0] + box[2] <= inst.x + inst.w
        assert inst.y <= box[1] and box[1] + box[3] <= inst.y + inst.h
        covered = any(
            q.x < paint.x + paint.w
            and q.x + q.w > paint.x
            and q.y < paint.y + paint.h
            and q.y + q.h > paint.y
            for q in spec.paints[index + 1 :]
        )
        if not covered:
            assert box == (inst.x, inst.y, inst.w, inst.h)
            exact += 1
    assert exact >= 20


def test_it_renders_the_same_pixels_in_strips_and_regions_as_whole(dense_spec):
    spec = dense_spec
    whole = render_mural(spec)
    strips = np.vstack(
        [render_strip(spec, y, min(y + 97, spec.height)) for y in range(0, spec.height, 97)]
    )
    assert np.array_equal(whole, strips)
    renderer = MuralRenderer(spec)
    tiles = np.vstack(
        [
            np.hstack(
                [
                    renderer.region(x, y, min(x + 333, spec.width), min(y + 131, spec.height))
                    for x in range(0, spec.width, 333)
                ]
            )
            for y in range(0, spec.height, 131)
        ]
    )
    assert np.array_equal(whole, tiles)


def test_it_writes_voc_that_reads_back_with_one_based_inclusive_boxes(tmp_path, dense_spec):
    path = tmp_path / "m.xml"
    write_voc(dense_spec, "m.jpg", path)
    assert read_voc(path) == list(dense_spec.instances)
    text = path.read_text()
    first = dense_spec.instances[0]
    assert "<filename>m.jpg</filename>" in text and "<folder>" in text
    assert "<width>1800</width>" in text and "<depth>3</depth>" in text
    assert "<pose>Unspecified</pose>" in text and "<difficult>0</difficult>" in text
    assert f"<xmin>{first.x + 1}</xmin>" in text and f"<xmax>{first.x + first.w}</xmax>" in text


def test_it_writes_a_tiled_bigtiff_that_pyvips_reads(tmp_path):
    import pyvips
    import tifffile

    spec = plan_mural(3000, 2000, 21)
    path = tmp_path / "m.tif"
    write_mural_image(spec, path, tiff=True)
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        assert tif.is_bigtiff and page.is_tiled
        assert (page.tilewidth, page.tilelength) == (256, 256)
        assert page.compression == tifffile.COMPRESSION.JPEG
    image = pyvips.Image.new_from_file(str(path))
    assert (image.width, image.height, image.bands) == (3000, 2000, 3)
    pixels = image.crop(1000, 700, 600, 500).numpy().astype(np.int16)
    expected = render_region(spec, 1000, 700, 1600, 1200).astype(np.int16)
    assert np.abs(pixels - expected).mean() < 6


def test_it_writes_a_jpeg_with_the_rendered_pixels(tmp_path):
    import cv2

    spec = plan_mural(1024, 768, 4)
    write_mural_image(spec, tmp_path / "m.jpg")
    pixels = cv2.imread(str(tmp_path / "m.jpg"))[..., ::-1].astype(np.int16)
    assert pixels.shape == (768, 1024, 3)
    assert np.abs(pixels - render_mural(spec).astype(np.int16)).mean() < 6


def test_it_streams_big_jpegs_through_pyvips(tmp_path, monkeypatch):
    import cv2

    from indexer.synthetic import write

    spec = plan_mural(1100, 700, 8)
    write_mural_image(spec, tmp_path / "memory.jpg")
    monkeypatch.setattr(write, "JPEG_IN_MEMORY_PIXELS", 1000)
    write_mural_image(spec, tmp_path / "streamed.jpg")
    a = cv2.imread(str(tmp_path / "memory.jpg")).astype(np.int16)
    b = cv2.imread(str(tmp_path / "streamed.jpg")).astype(np.int16)
    assert a.shape == b.shape == (700, 1100, 3)
    assert np.abs(a - b).mean() < 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.jpg", "streamed.jpg"]


def test_it_reproduces_each_written_mural_from_its_recorded_seed(tmp_path):
    from indexer.synthetic import make_demo_murals

    records = make_demo_murals(tmp_path, 3, 900, 600, seed=12, scale=0.5)
    assert len({r["seed"] for r in records}) == 3
    for record in records:
        spec = plan_mural(900, 600, record["seed"], scale=0.5)
        assert read_voc(tmp_path / record["annotation"]) == list(spec.instances)
        assert (record["period"], record["cave"], record["wall"]) == (
            spec.period,
            spec.cave,
            spec.wall,
        )


@pytest.mark.slow
def test_it_streams_a_96_megapixel_tiff_in_bounded_memory(tmp_path):
    """12000 x 8000 in a child process: its peak RSS stays far below the 288 MB image."""
    worker = textwrap.dedent(f"""
        from indexer.synthetic import make_demo_murals
        make_demo_murals({str(tmp_path)!r}, 1, 12000, 8000, 3, tiff=True)
    """)
    wrapper = textwrap.dedent(f"""
        import resource, subprocess, sys
        subprocess.run([sys.executable, "-c", {worker!r}], check=True, cwd={str(REPO)!r})
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """)
    done = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=180, check=True
    )
    peak_mb = int(done.stdout.split()[-1]) / 1024
    assert peak_mb < 400, f"peak RSS {peak_mb:.0f} MB"
    import pyvips

    image = pyvips.Image.new_from_file(str(tmp_path / "mural-000.tif"))
    assert (image.width, image.height) == (12000, 8000)
    assert read_voc(tmp_path / "mural-000.xml")


def test_a_periods_palette_changes_colours_never_the_layout(monkeypatch):
    """Each period has its own palette, and swapping palettes moves no motif: a colour is one
    random draw whatever the palette, so a seed lays out the same mural with any colours."""
    from indexer.synthetic import palette

    assert len({id(p) for p in palette.PERIOD_PALETTES.values()}) == len(palette.PERIOD_PALETTES)
    real = [plan_mural(640, 480, seed=seed) for seed in range(40, 52)]
    monkeypatch.setattr(palette, "palette_for", lambda period: palette._EARLY_TANG)
    for module in ("composer", "figures", "ornament", "cartouche", "secular"):
        monkeypatch.setattr(f"indexer.synthetic.{module}.palette_for", palette.palette_for)
    for spec in real:
        same = plan_mural(640, 480, seed=spec.seed)
        boxes = [(i.category, i.x, i.y, i.w, i.h) for i in spec.instances]
        assert [(i.category, i.x, i.y, i.w, i.h) for i in same.instances] == boxes
    assert len({spec.period for spec in real}) >= 5


def test_a_seated_buddhas_details_vary_by_template_and_never_move_its_box(monkeypatch):
    """The mandorla, halo, robe and mudra details differ between drawing seeds, and they are
    drawn inside the silhouette from a stream of their own: with every detail plain, each
    drawing keeps the same alpha box."""
    from indexer.synthetic import buddha
    from indexer.synthetic.figures import draw_seated_buddha
    from indexer.synthetic.palette import CINNABAR, LAPIS, MALACHITE, OCHRE, WHITE

    params = {"period": "sui", "scheme": (MALACHITE, LAPIS, CINNABAR, WHITE, OCHRE)}

    def alpha_bbox(seed: int) -> tuple[int, int, int, int]:
        ys, xs = np.nonzero(draw_seated_buddha(np.random.default_rng(seed), 120, params)[..., 3])
        return xs.min(), ys.min(), xs.max(), ys.max()

    periods = [PERIODS[s % len(PERIODS)] for s in range(60)]
    drawn = [buddha.BuddhaDetails.drawn(np.random.default_rng(s), p) for s, p in enumerate(periods)]
    assert len(set(drawn)) >= 20
    boxes = [alpha_bbox(seed) for seed in range(12)]
    plain = buddha.BuddhaDetails(0, 0, 0, 0)
    monkeypatch.setattr(buddha.BuddhaDetails, "drawn", classmethod(lambda cls, rng, period: plain))
    assert [alpha_bbox(seed) for seed in range(12)] == boxes


def test_figure_styles_follow_the_era_and_never_move_a_box(monkeypatch):
    """Buddhas' details, donors' textiles and apsaras' skirts are mostly their era's, so
    figures date a wall as well as its colours; they come from each figure's own stream and
    lie inside its silhouette, so with every period given one era's styles no box moves."""
    from indexer.synthetic import motifs, styles

    assert set(styles.ERAS) == set(PERIODS)
    own = [styles.buddha_style(np.random.default_rng(s), "high-tang") for s in range(400)]
    share = np.mean([style == styles.BUDDHA_STYLES[3] for style in own])
    assert 0.3 < share < 0.75  # each detail its era's with FAVOURED, else any
    early = [styles.buddha_style(np.random.default_rng(s), "northern-wei") for s in range(400)]
    assert np.mean([style == styles.BUDDHA_STYLES[3] for style in early]) < 0.05

    real = [plan_mural(640, 480, seed=seed) for seed in range(60, 76)]
    figures = {"donor", "apsara", "thousand-buddha"}
    later = next(
        spec
        for spec in real
        if styles.ERAS[spec.period] != 0
        and sum(i.category in figures for i in spec.instances) >= 4
    )
    pixels = render_mural(later)
    monkeypatch.setattr(styles, "ERAS", dict.fromkeys(styles.ERAS, 0))
    monkeypatch.setattr(motifs, "_cache", OrderedDict())  # drawings made with the real eras
    for spec in real:
        same = plan_mural(640, 480, seed=spec.seed)
        boxes = [(i.category, i.x, i.y, i.w, i.h) for i in spec.instances]
        assert [(i.category, i.x, i.y, i.w, i.h) for i in same.instances] == boxes
    assert figures <= {i.category for spec in real for i in spec.instances}
    assert not np.array_equal(render_mural(plan_mural(640, 480, seed=later.seed)), pixels)
