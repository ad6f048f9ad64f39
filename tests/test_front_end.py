"""The front end's static shape: vendored versions come from package.json only, templates carry no
inline scripts, and every ES module import resolves to a file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError

from dunhuang_search.vendored import vendor_path, vendored_versions

ROOT = Path(settings.BASE_DIR)
STATIC = ROOT / "static"
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
MODULES = sorted((STATIC / "js").rglob("*.js"))
PACKAGE = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))


def test_every_vendored_package_has_its_pinned_folder_and_files():
    folders = {p.name for p in (STATIC / "vendor").iterdir() if p.is_dir()}
    expected = {f"{name}-{version}" for name, version in PACKAGE["dependencies"].items()}
    assert folders == expected
    for name, files in PACKAGE["vendorFiles"].items():
        for file in files:
            assert (STATIC / vendor_path(name, Path(file).name)).exists(), (name, file)


def test_the_vendor_tag_names_the_versions_of_package_json():
    html = Template(
        "{% load vendored %}{% vendor_static 'openseadragon' 'openseadragon.min.js' %}"
    ).render(Context())
    version = vendored_versions()["openseadragon"]
    assert html == f"/static/vendor/openseadragon-{version}/openseadragon.min.js"
    with pytest.raises(TemplateSyntaxError, match="not vendored"):
        Template("{% load vendored %}{% vendor_static 'jquery' 'x.js' %}").render(Context())


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_name_no_vendored_version_and_have_no_inline_script(template):
    source = template.read_text(encoding="utf-8")
    assert "vendor/" not in source, "name vendored files with {% vendor_static %}"
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", source)
    assert inline == [], "move inline scripts into static/js modules"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", source), "no inline event handlers"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.relative_to(STATIC / "js").as_posix())
def test_es_module_imports_resolve_to_files(module):
    for spec in re.findall(r"""^import\b[^"']*["']([^"']+)["']""", module.read_text(), re.M):
        assert spec.startswith("./") or spec.startswith("../"), spec
        assert (module.parent / spec).resolve().is_file(), spec


@pytest.mark.django_db
def test_pages_load_htmx_from_the_pinned_folder(client):
    html = client.get("/").content.decode()
    assert f'src="/static/vendor/htmx.org-{vendored_versions()["htmx.org"]}/htmx.min.js"' in html
