"""`import_voc`: the paper's layout (one image and one VOC XML per 600x600 crop) and whole
labelled murals become manual elements; every kind of bad input names its file and line and
leaves nothing behind (no rows, no pyramid files).

Data sets come from the synthetic generator (make_demo_murals), never from real imagery.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dunhuang_search.catalogue.ingest import ingest_mural
from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Element
from dunhuang_search.training.models import DetectorModel
from dunhuang_search.training.voc_import import import_voc
from indexer.synthetic import make_demo_murals, read_voc
from indexer.training.voc import VocError, parse_voc
from tests.cli import run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def crops_source(tmp_path_factory) -> Path:
    """Three 600x600 synthetic crops with VOC XML and metadata.json, made once."""
    folder = tmp_path_factory.mktemp("voc-crops")
    make_demo_murals(folder, count=3, width=600, height=600, seed=7)
    return folder


@pytest.fixture
def crops(crops_source, tmp_path) -> Path:
    """A private copy of the crops set (tests edit it); metadata.json is moved beside it."""
    folder = tmp_path / "crops"
    shutil.copytree(crops_source, folder)
    (folder / "metadata.json").rename(tmp_path / "metadata.json")
    return folder


def expected_boxes(folder: Path) -> list[tuple]:
    return sorted(
        (xml.stem, i.x, i.y, i.w, i.h, i.category)
        for xml in folder.glob("*.xml")
        for i in read_voc(xml)
    )


def imported_boxes() -> list[tuple]:
    return sorted(
        (Path(e.mural.source_path).stem, e.x, e.y, e.w, e.h, e.category.slug)
        for e in Element.objects.select_related("mural", "category")
    )


def pyramid_files(var: Path) -> list[Path]:
    root = var / "pyramids"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path.name}")


# ---- good input ----


def test_crops_become_murals_with_their_metadata_and_manual_elements(crops, isolated_var):
    report = import_voc(crops, crops.parent / "metadata.json")

    records = {r["file"]: r for r in json.loads((crops.parent / "metadata.json").read_text())}
    assert report.files == 3 and len(report.murals_created) == 3 and report.duplicates == 0
    assert imported_boxes() == expected_boxes(crops)
    assert report.elements == Element.objects.count() > 0
    assert set(Element.objects.values_list("source", flat=True)) == {"manual"}
    for mural in Mural.objects.select_related("cave__site", "period"):
        record = records[Path(mural.source_path).name]
        assert (mural.cave.site.slug, mural.cave.number) == (record["site"], record["cave"])
        assert (mural.wall, mural.period.slug) == (record["wall"], record["period"])
        assert (mural.width, mural.height) == (600, 600)
        assert mural.pyramid_path.is_file()


def test_importing_the_same_set_again_adds_nothing(crops):
    first = import_voc(crops, crops.parent / "metadata.json")
    again = import_voc(crops, crops.parent / "metadata.json")
    assert again.murals_created == [] and sorted(again.murals_matched) == first.murals_created
    assert again.elements == 0 and again.duplicates == first.elements
    assert Element.objects.count() == first.elements


def test_names_are_mapped_through_category_synonyms(crops):
    xml = crops / "mural-000.xml"
    names = [i.category for i in read_voc(xml)]
    text = xml.read_text(encoding="utf-8")
    for slug, synonym in (("inscription", "Cartouche"), ("apsara", "飞天"), ("donor", "供养人")):
        text = text.replace(f"<name>{slug}</name>", f"<name>{synonym}</name>")
    xml.write_text(text, encoding="utf-8")
    import_voc(crops, crops.parent / "metadata.json")
    mural = Mural.objects.get(source_path__endswith="mural-000.jpg")
    slugs = sorted(Element.objects.filter(mural=mural).values_list("category__slug", flat=True))
    assert slugs == sorted(names)


def test_the_voc_folder_layout_works_too(crops, tmp_path):
    voc = tmp_path / "VOC2007"
    (voc / "Annotations").mkdir(parents=True)
    (voc / "JPEGImages").mkdir()
    for path in crops.iterdir():
        target = "Annotations" if path.suffix == ".xml" else "JPEGImages"
        shutil.copy(path, voc / target / path.name)
    report = import_voc(voc, crops.parent / "metadata.json")
    assert len(report.murals_created) == 3 and imported_boxes() == expected_boxes(crops)


def test_whole_murals_are_matched_by_checksum_or_by_their_file_name(tmp_path):
    walls = tmp_path / "walls"
    make_demo_murals(walls, count=2, width=1400, height=900, seed=3)
    place = {"site": "mogao", "cave": 220, "wall": "south", "period": "early-tang"}
    known = [ingest_mural(walls / f"mural-00{i}.jpg", **place) for i in range(2)]
    labels = tmp_path / "labels"
    labels.mkdir()
    shutil.copy(walls / "mural-000.jpg", labels / "copy-of-wall.jpg")  # same bytes: checksum
    shutil.copy(walls / "mural-000.xml", labels / "copy-of-wall.xml")
    shutil.copy(walls / "mural-001.xml", labels)  # no image: <filename> names the source

    report = import_voc(labels)  # no metadata needed: nothing new is ingested

    assert report.murals_created == [] and sorted(report.murals_matched) == [m.pk for m in known]
    for mural, xml in zip(known, ("mural-000.xml", "mural-001.xml"), strict=True):
        boxes = sorted((e.x, e.y, e.w, e.h, e.category.slug) for e in mural.elements.all())
        assert boxes == sorted((i.x, i.y, i.w, i.h, i.category) for i in read_voc(walls / xml))


def test_parse_voc_keeps_line_numbers_and_reads_float_and_zero_based_corners(tmp_path):
    xml = tmp_path / "a.xml"
    xml.write_text(
        "<annotation>\n<filename>a.jpg</filename>\n<size><width>50</width><height>40</height>"
        "</size>\n<object>\n  <name>donor</name>\n  <bndbox><xmin>0</xmin><ymin>2.6</ymin>"
        "<xmax>10.2</xmax><ymax>20</ymax></bndbox>\n</object>\n</annotation>\n"
    )
    ann = parse_voc(xml)
    (obj,) = ann.objects
    assert (ann.filename, ann.width, ann.height, ann.filename_line) == ("a.jpg", 50, 40, 2)
    assert (obj.x, obj.y, obj.w, obj.h) == (0, 2, 10, 18)
    assert (obj.line, obj.name_line, obj.box_line) == (4, 5, 6)


# ---- bad input: file and line named, nothing written ----


def assert_nothing_written(var: Path) -> None:
    assert not Mural.objects.exists() and not Element.objects.exists()
    assert pyramid_files(var) == []


def test_malformed_xml_is_refused_with_its_line(crops, isolated_var):
    xml = crops / "mural-001.xml"
    edit(xml, "</bndbox>", "</bndbx>")
    line = line_of(xml, "</bndbx>")
    with pytest.raises(VocError, match=rf"^mural-001\.xml:{line}: malformed XML: mismatched tag"):
        import_voc(crops, crops.parent / "metadata.json")
    assert_nothing_written(isolated_var)


def test_a_box_outside_the_image_is_refused_with_its_line(crops, isolated_var):
    xml = crops / "mural-002.xml"
    xmax = read_voc(xml)[0].x + read_voc(xml)[0].w
    edit(xml, f"<xmax>{xmax}</xmax>", "<xmax>601</xmax>")
    line = line_of(xml, "<xmax>601</xmax>") - 3  # the <bndbox> line
    with pytest.raises(VocError, match=rf"^mural-002\.xml:{line}: .*outside the 600x600 image"):
        import_voc(crops, crops.parent / "metadata.json")
    assert_nothing_written(isolated_var)


def test_a_box_with_zero_area_is_refused_with_its_line(crops, isolated_var):
    xml = crops / "mural-000.xml"
    first = read_voc(xml)[0]
    edit(xml, f"<ymax>{first.y + first.h}</ymax>", f"<ymax>{first.y + 1}</ymax>")
    line = line_of(xml, f"<ymax>{first.y + 1}</ymax>") - 4  # the <bndbox> line
    with pytest.raises(VocError, match=rf"^mural-000\.xml:{line}: box of .* has zero area"):
        import_voc(crops, crops.parent / "metadata.json")
    assert_nothing_written(isolated_var)


def test_an_xml_without_its_image_is_refused(crops, isolated_var):
    (crops / "mural-001.jpg").unlink()
    line = line_of(crops / "mural-001.xml", "<filename>")
    with pytest.raises(
        VocError, match=rf"^mural-001\.xml:{line}: image 'mural-001\.jpg' is missing"
    ):
        import_voc(crops, crops.parent / "metadata.json")
    assert_nothing_written(isolated_var)


def test_an_image_without_its_xml_is_refused(crops, isolated_var):
    (crops / "mural-002.xml").unlink()
    with pytest.raises(VocError, match=r"^mural-002\.jpg: no VOC XML names this image"):
        import_voc(crops, crops.parent / "metadata.json")
    assert_nothing_written(isolated_var)


def test_an_empty_data_set_is_refused(tmp_path, isolated_var):
    (tmp_path / "empty").mkdir()
    with pytest.raises(VocError, match="empty data set"):
        import_voc(tmp_path / "empty")
    assert_nothing_written(isolated_var)


def test_an_unknown_category_is_reported_with_its_file_and_line(crops, isolated_var):
    xml = crops / "mural-001.xml"
    name = read_voc(xml)[0].category
    edit(xml, f"<name>{name}</name>", "<name>lotus pond</name>")
    line = line_of(xml, "lotus pond")
    with pytest.raises(VocError, match=rf"^mural-001\.xml:{line}: unknown category 'lotus pond'"):
        import_voc(crops, crops.parent / "metadata.json")
    assert_nothing_written(isolated_var)


def test_a_class_the_active_detector_does_not_know_is_refused(crops, isolated_var):
    xml = crops / "mural-000.xml"
    classes = sorted({i.category for i in read_voc(xml)})
    DetectorModel.objects.create(
        name="four-classes", weights="/x.pt", sha256="0" * 64, classes=classes[1:], is_active=True
    )
    line = line_of(xml, f"<name>{classes[0]}</name>")
    with pytest.raises(
        VocError,
        match=rf"^mural-000\.xml:{line}: class '{classes[0]}' .* not one of the active detector",
    ):
        import_voc(crops, crops.parent / "metadata.json")
    assert_nothing_written(isolated_var)


def test_a_new_image_without_metadata_is_refused(crops, isolated_var):
    with pytest.raises(VocError, match=r"^mural-000\.jpg: .*not in the catalogue; give its cave"):
        import_voc(crops)
    assert_nothing_written(isolated_var)


def test_a_failure_after_some_murals_were_ingested_removes_their_pyramids(crops, isolated_var):
    """The last image's header reads, but its pixels are truncated: the pyramid build fails
    only after the first two murals were ingested. Their rows and pyramid files go."""
    last = crops / "mural-002.jpg"
    data = last.read_bytes()
    last.write_bytes(data[: len(data) // 2])
    with pytest.raises(VocError, match=r"^mural-002\.jpg: .*truncated"):
        import_voc(crops, crops.parent / "metadata.json")
    assert_nothing_written(isolated_var)


# ---- the command ----


@pytest.mark.django_db(transaction=True)
def test_the_command_prints_json_and_bad_input_exits_2_with_one_line(crops, isolated_var):
    edit(crops / "mural-001.xml", "<annotation>", "<annotation><oops>")
    bad = run_manage(
        "import_voc",
        str(crops),
        "--mural-metadata",
        str(crops.parent / "metadata.json"),
        var_dir=isolated_var,
    )
    assert bad.returncode == 2
    lines = [line for line in bad.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "mural-001.xml:" in lines[0] and "malformed XML" in lines[0]
    assert not Mural.objects.exists()

    edit(crops / "mural-001.xml", "<annotation><oops>", "<annotation>")
    good = run_manage(
        "import_voc",
        str(crops),
        "--mural-metadata",
        str(crops.parent / "metadata.json"),
        "--json",
        var_dir=isolated_var,
    )
    assert good.returncode == 0, good.stderr
    report = json.loads(good.stdout.strip().splitlines()[-1])
    assert len(report["murals_created"]) == 3
    assert report["elements"] == Element.objects.count() == len(expected_boxes(crops))
