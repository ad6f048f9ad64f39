"""`export_elements`: accepted elements go out as VOC XML, YOLO txt and COCO JSON; the COCO
file loads in pycocotools, VOC round-trips through import_voc, and the output folder appears
whole or not at all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dunhuang_search.catalogue.models import Mural
from dunhuang_search.elements.models import Category, Element
from dunhuang_search.training import exports
from dunhuang_search.training.exports import ExportError, export_elements, select_elements
from dunhuang_search.training.voc_import import import_voc
from indexer.synthetic import make_demo_murals
from indexer.training.voc import parse_voc
from tests.cli import run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def crops_source(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export-crops")
    make_demo_murals(folder, count=2, width=600, height=600, seed=11)
    return folder


@pytest.fixture
def labelled(crops_source, tmp_path):
    """Two imported crops (manual elements), plus one element of each kind that must not be
    exported and one accepted detection that must."""
    folder = tmp_path / "crops"
    shutil.copytree(crops_source, folder)
    import_voc(folder, folder / "metadata.json")
    mural = Mural.objects.order_by("pk").first()
    donor = Category.objects.get(slug="donor")

    def add(**fields) -> Element:
        return Element.objects.create(mural=mural, x=10, y=20, w=30, h=40, category=donor, **fields)

    accepted = add(source="detector", score=0.8, review_state="accepted")
    add(source="detector", score=0.9)  # unreviewed
    Element.objects.create(  # rejected: not exported
        mural=mural, x=50, y=60, w=30, h=40, category=donor, review_state="rejected"
    )
    Element.objects.create(mural=mural, x=0, y=0, w=128, h=128, source="dense")
    return folder, accepted


def exported_ids(accepted: Element) -> set[int]:
    manual = Element.objects.filter(source="manual").exclude(review_state="rejected")
    return set(manual.values_list("pk", flat=True)) | {accepted.pk}


def test_coco_json_loads_in_pycocotools_with_exactly_the_accepted_boxes(labelled, tmp_path):
    from pycocotools.coco import COCO

    _, accepted = labelled
    report = export_elements("coco", tmp_path / "coco")
    coco = COCO(str(tmp_path / "coco" / "annotations.json"))

    assert set(coco.getAnnIds()) == exported_ids(accepted) and report.elements == len(coco.anns)
    assert sorted(coco.getImgIds()) == sorted(Mural.objects.values_list("pk", flat=True))
    names = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    assert set(names.values()) == set(Category.objects.values_list("slug", flat=True))
    for ann in coco.loadAnns(coco.getAnnIds()):
        element = Element.objects.get(pk=ann["id"])
        assert ann["bbox"] == element.bbox and ann["image_id"] == element.mural_id
        assert names[ann["category_id"]] == element.category.slug
    donor = coco.getCatIds(catNms=["donor"])
    assert accepted.pk in coco.getAnnIds(catIds=donor)


def test_voc_export_round_trips_through_import_voc(labelled, tmp_path):
    _, accepted = labelled
    report = export_elements("voc", tmp_path / "voc", images=True)
    xmls = sorted((tmp_path / "voc" / "Annotations").glob("*.xml"))
    assert len(xmls) == report.murals == 2 and report.images == 2
    for xml in xmls:
        ann = parse_voc(xml)
        mural = Mural.objects.get(pk=int(xml.stem.split("-")[1]))
        assert (tmp_path / "voc" / "JPEGImages" / ann.filename).is_file()
        assert (ann.width, ann.height, ann.source_path) == (600, 600, mural.source_path)
        wanted = Element.objects.filter(pk__in=exported_ids(accepted), mural=mural)
        assert sorted((o.x, o.y, o.w, o.h, o.name) for o in ann.objects) == sorted(
            (e.x, e.y, e.w, e.h, e.category.slug) for e in wanted
        )
    labelmap = (tmp_path / "voc" / "labelmap.txt").read_text().splitlines()
    assert "donor:60,180,75::" in labelmap

    before = Element.objects.count()
    again = import_voc(tmp_path / "voc")  # same images (checksums): same murals, same boxes
    assert again.murals_created == [] and again.elements == 0
    assert again.duplicates == report.elements  # the accepted detection too
    assert Element.objects.count() == before


def test_yolo_labels_are_normalised_centres_with_class_ids_from_classes_txt(labelled, tmp_path):
    _, accepted = labelled
    export_elements("yolo", tmp_path / "yolo", select_elements(categories=["donor"]))
    classes = (tmp_path / "yolo" / "classes.txt").read_text().split()
    mural = accepted.mural
    rows = [
        line.split()
        for line in (tmp_path / "yolo" / "labels" / f"mural-{mural.pk}.txt")
        .read_text()
        .splitlines()
    ]
    donors = Element.objects.filter(
        pk__in=exported_ids(accepted), mural=mural, category__slug="donor"
    )
    assert len(rows) == donors.count() and {r[0] for r in rows} == {str(classes.index("donor"))}
    cx, cy, w, h = (
        float(v) for v in rows[[e.pk for e in donors.order_by("pk")].index(accepted.pk)][1:]
    )
    assert (cx, cy, w, h) == pytest.approx((25 / 600, 40 / 600, 30 / 600, 40 / 600), abs=1e-6)
    data = json.loads((tmp_path / "yolo" / "data.yaml").read_text())
    assert data["names"] == classes


def test_a_non_empty_folder_is_kept_unless_forced(labelled, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty.*--force"):
        export_elements("coco", out)
    assert (out / "mine.txt").read_text() == "keep me"
    export_elements("coco", out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["annotations.json"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_a_failed_export_leaves_no_folder_and_no_staging(labelled, tmp_path, monkeypatch):
    calls = []

    def failing_image(mural, dest):
        calls.append(mural.pk)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        dest.write_bytes(b"x")

    monkeypatch.setattr(exports, "write_image", failing_image)
    with pytest.raises(OSError, match="No space"):
        export_elements("voc", tmp_path / "voc", images=True)
    assert not (tmp_path / "voc").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".voc")] == []


def test_bad_filters_and_empty_selections_are_refused(labelled):
    with pytest.raises(ExportError, match="unknown category lotus"):
        select_elements(categories=["lotus"])
    with pytest.raises(ExportError, match="no mural with id 999999"):
        select_elements(murals=[999999])
    with pytest.raises(ExportError, match="unknown period 'tang'"):
        select_elements(period="tang")
    with pytest.raises(ExportError, match="nothing to export"):
        export_elements("coco", "/tmp/never-written", select_elements(cave=99999))
    assert not Path("/tmp/never-written").exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_writes_json_and_exits_2_on_bad_input(labelled, isolated_var, tmp_path):
    bad = run_manage(
        "export_elements",
        "--format",
        "coco",
        "--out",
        str(tmp_path / "x"),
        "--category",
        "lotus",
        var_dir=isolated_var,
    )
    assert bad.returncode == 2
    lines = [line for line in bad.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown category lotus" in lines[0]
    good = run_manage(
        "export_elements",
        "--format",
        "yolo",
        "--out",
        str(tmp_path / "y"),
        "--json",
        var_dir=isolated_var,
    )
    assert good.returncode == 0, good.stderr
    report = json.loads(good.stdout.strip().splitlines()[-1])
    assert report["format"] == "yolo" and report["murals"] == 2
    assert len(list((tmp_path / "y" / "labels").glob("*.txt"))) == 2
