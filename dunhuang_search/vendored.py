"""Front-end libraries vendored from npm: their pinned versions live only in package.json.

Templates load them with `{% load vendored %}{% vendor_static "openseadragon" "x.js" %}`, which
names `static/vendor/<package>-<version>/x.js` (the folder scripts/vendor.sh fills).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django import template
from django.conf import settings
from django.templatetags.static import static

register = template.Library()


@cache
def vendored_versions() -> dict[str, str]:
    """npm package name -> exact version, from package.json's dependencies."""
    package = json.loads((Path(settings.BASE_DIR) / "package.json").read_text(encoding="utf-8"))
    return dict(package["dependencies"])


def vendor_path(package: str, path: str = "") -> str:
    """The static path of `path` inside the vendored folder of npm `package`."""
    versions = vendored_versions()
    if package not in versions:
        raise template.TemplateSyntaxError(
            f"{package!r} is not vendored; package.json has {', '.join(sorted(versions))}"
        )
    return f"vendor/{package}-{versions[package]}/{path}"


@register.simple_tag
def vendor_static(package: str, path: str = "") -> str:
    """`{% vendor_static "htmx.org" "htmx.min.js" %}`: the URL of a vendored file."""
    return static(vendor_path(package, path))
