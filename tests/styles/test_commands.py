"""create_style_set, stylize and train_style: their contracts and their refusals (exit 2,
nothing written)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from dunhuang_search.studio.models import Derivative
from dunhuang_search.styles.models import StyleModel, StyleSet, StyleSetMember
from tests.factories import add_element, ingested_mural

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def refused(*args) -> str:
    with pytest.raises(CommandError) as info:
        call_command(*args)
    assert info.value.returncode == 2
    assert "\n" not in str(info.value)
    return str(info.value)


def test_create_style_set_from_a_folder_copies_the_images(style_images, style_dir):
    record = run("create_style_set", "qinglv", "--name", "QingLv", "--images", str(style_images))
    assert record["members"] == 3 and record["version"] == 2
    s = StyleSet.objects.get(slug="qinglv")
    paths = [m.upload_path for m in s.members.all()]
    assert all(p.is_file() and p.is_relative_to(style_dir) for p in paths)


def test_create_style_set_from_elements(tmp_path):
    mural = ingested_mural(tmp_path / "wall.png", np.full((300, 400, 3), 120, np.uint8))
    e1, e2 = add_element(mural), add_element(mural, x=10, y=10)
    record = run("create_style_set", "donors", "--name", "Donors", "--elements", f"{e1.pk},{e2.pk}")
    assert record["members"] == 2
    assert set(StyleSetMember.objects.values_list("element", flat=True)) == {e1.pk, e2.pk}


def test_create_style_set_refusals_write_nothing(tmp_path, style_images, style_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no JPEG" in refused("create_style_set", "a", "--name", "A", "--images", str(empty))
    assert "no element" in refused("create_style_set", "a", "--name", "A", "--elements", "999")
    (style_images / "notes.jpg").write_text("not an image")
    assert "not an image" in refused(
        "create_style_set", "a", "--name", "A", "--images", str(style_images)
    )
    assert "not a slug" in refused("create_style_set", "A B", "--name", "A", "--images", "x")
    assert not StyleSet.objects.exists() and not StyleSetMember.objects.exists()
    assert not style_dir.exists() or not any(p.is_file() for p in style_dir.rglob("*"))


def test_stylize_prints_the_contract_and_writes_out(style_set, photo, tmp_path):
    out = tmp_path / "out.png"
    record = run(
        "stylize",
        "--image",
        str(photo),
        "--style-set",
        "qinglv",
        "--method",
        "color",
        "--out",
        str(out),
    )
    assert set(record) == {"method", "style_set", "model", "seconds"}
    assert record["method"] == "color" and record["style_set"] == "qinglv"
    import pyvips

    image = pyvips.Image.new_from_file(str(out))
    assert (image.width, image.height) == (120, 90)


def test_stylize_with_derivative_records_provenance(style_set, photo, tmp_path):
    record = run(
        "stylize",
        "--image",
        str(photo),
        "--style-set",
        "qinglv",
        "--method",
        "arbitrary",
        "--out",
        str(tmp_path / "o.jpg"),
        "--derivative",
    )
    d = Derivative.objects.get()
    assert record["model"] == d.model_name and "magenta" in d.model_name
    assert d.kind == "style" and d.method == "arbitrary" and d.upload_name == "photo.png"
    assert d.inputs["style_set"] == "qinglv" and d.inputs["style_set_version"] == style_set.version
    assert len(d.model_sha256) == 64 and d.parameters == {"strength": 1.0}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"--style-set": "nope"}, "unknown style set"),
        ({"--method": "cubism"}, "unknown method"),
        ({"--method": "unpaired"}, "run train_style first"),
        ({"--image": "text"}, "not an image"),
        ({"--out": "out.gif"}, "--out must end"),
    ],
)
def test_stylize_refusals_write_nothing(style_set, photo, tmp_path, change, message):
    bad = tmp_path / "notes.png"
    bad.write_text("hello")
    args = {
        "--image": str(photo),
        "--style-set": "qinglv",
        "--method": "color",
        "--out": str(tmp_path / "out.png"),
    }
    args.update(change)
    if args["--image"] == "text":
        args["--image"] = str(bad)
    flat = [x for pair in args.items() for x in pair]
    assert message in refused("stylize", *flat, "--derivative")
    assert not (tmp_path / "out.png").exists() and not Derivative.objects.exists()


def test_stylize_refuses_an_empty_style_set(photo, tmp_path):
    StyleSet.objects.create(slug="empty", name="Empty")
    assert "empty" in refused(
        "stylize",
        "--image",
        str(photo),
        "--style-set",
        "empty",
        "--method",
        "color",
        "--out",
        str(tmp_path / "o.png"),
    )


def test_stylize_refuses_an_image_over_the_pixel_cap(style_set, photo, tmp_path, settings):
    settings.STYLE_MAX_PIXELS = 1000
    assert "over the limit" in refused(
        "stylize",
        "--image",
        str(photo),
        "--style-set",
        "qinglv",
        "--method",
        "color",
        "--out",
        str(tmp_path / "o.png"),
    )


def test_train_style_tiny_run_registers_and_resumes(style_set, style_images, tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "p.png").write_bytes((tmp_path / "green" / "g0.png").read_bytes())
    tiny = ["--filters", "4", "--blocks", "1", "--epochs", "1"]
    first = run(
        "train_style",
        "--style-set",
        "qinglv",
        "--photos",
        str(photos),
        "--max-iterations",
        "1",
        *tiny,
    )
    assert first["iteration"] == 1 and first["s_per_iteration"] > 0
    second = run("train_style", "--style-set", "qinglv", "--photos", str(photos), "--resume", *tiny)
    assert second["iteration"] == 3 and second["epoch"] == 1
    model = StyleModel.objects.get()
    assert model.iterations == 3 and model.data["photos"] == 1 and model.history
    record = run(
        "stylize",
        "--image",
        str(photos / "p.png"),
        "--style-set",
        "qinglv",
        "--method",
        "unpaired",
        "--out",
        str(tmp_path / "u.png"),
    )
    assert "cyclegan" in record["model"]


def test_train_style_refusals(style_set, tmp_path):
    assert "no such folder" in refused(
        "train_style", "--style-set", "qinglv", "--photos", str(tmp_path / "none")
    )
    assert "nothing to resume" in refused(
        "train_style", "--style-set", "qinglv", "--photos", str(tmp_path), "--resume"
    )
    assert not StyleModel.objects.exists()
