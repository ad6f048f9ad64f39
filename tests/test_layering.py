"""Data flows one way through the apps, and the tests do not lean on each other.

Every module of every app is parsed (imports inside functions too); an app may import only
apps of a lower layer, never another app's views, and the project's own modules (settings,
commands, inference...) import no app, except urls.py, which wires them together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dunhuang_search"

#: the layering, lowest first: an app may import the apps of lower layers only.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("accounts", "operations"),
    ("catalogue",),
    ("elements",),
    ("training",),
    ("search",),
    ("dating",),
    ("library", "boards", "studio", "review"),
    ("styles",),
    ("api",),
)
LAYER_OF = {app: level for level, apps in enumerate(LAYERS) for app in apps}
PROJECT_MODULES_THAT_WIRE_APPS = {"urls.py"}


def apps() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/apps.py"))


def imported_modules(path: Path, module: str = "") -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, lazy ones included; `module`
    is the file's own dotted name (default: from its place under the checkout)."""
    module = module or ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "dunhuang_search" or len(parts) < 2 or parts[1] not in LAYER_OF:
        return None
    return parts[1]


def layering_violations(app: str, files: list[tuple[Path, str]]) -> list[str]:
    """What the files (path, dotted module name) of `app` import against the layering."""
    wrong = []
    for path, module_name in files:
        for line, module in imported_modules(path, module_name):
            other = app_of(module)
            if other is None or other == app:
                continue
            where = f"{module_name}:{line} imports {module}"
            if LAYER_OF[other] >= LAYER_OF[app]:
                wrong.append(f"{where} ({other} is not below {app})")
            elif module.split(".")[-1].endswith("views"):
                wrong.append(f"{where} (another app's views)")
    return wrong


def modules_of(app: str) -> list[tuple[Path, str]]:
    paths = sorted((PACKAGE / app).rglob("*.py"))
    return [(p, ".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in paths]


def test_every_app_has_a_place_in_the_layering():
    assert set(apps()) <= set(LAYER_OF), "add the new app to LAYERS"


@pytest.mark.parametrize("app", apps())
def test_an_app_imports_only_lower_layers_and_no_other_apps_views(app):
    assert layering_violations(app, modules_of(app)) == []


def test_the_check_sees_upward_lazy_relative_and_views_imports(tmp_path):
    fake = tmp_path / "fake.py"
    fake.write_text(
        "from ..catalogue import views\n"
        "from dunhuang_search.catalogue.models import Mural\n"
        "def later():\n"
        "    from ..search.engine import run_search\n"
        "    import dunhuang_search.api.urls\n"
    )
    wrong = layering_violations("elements", [(fake, "dunhuang_search.elements.fake")])
    assert [w.split(" imports ")[1] for w in wrong] == [
        "dunhuang_search.catalogue.views (another app's views)",
        "dunhuang_search.search.engine (search is not below elements)",
        "dunhuang_search.search.engine.run_search (search is not below elements)",
        "dunhuang_search.api.urls (api is not below elements)",
    ]


def test_the_projects_own_modules_import_no_app():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name not in PROJECT_MODULES_THAT_WIRE_APPS
        for line, module in imported_modules(path)
        if app_of(module)
    ]
    assert wrong == []


def test_no_test_module_imports_another_test_module():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] == "tests" and any(p.startswith("test_") for p in module.split("."))
    ]
    assert wrong == []
