"""Every environment variable that settings.py reads is documented in docs/decisions.md."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READERS = {"envstr", "envbool", "envint", "envsecret", "envfloat"}


def variables_read_by_settings() -> set[str]:
    tree = ast.parse((ROOT / "dunhuang_search" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        first = node.args[0]
        if name in READERS | {"get", "getenv"} and isinstance(first, ast.Constant):
            if isinstance(first.value, str) and first.value.isupper():
                names.add(first.value)
    return names


def test_settings_read_their_variables_through_the_typed_helpers():
    assert {"SECRET_KEY", "DATABASE_URL", "DUNHUANG_VAR_DIR"} <= variables_read_by_settings()


def test_every_variable_settings_reads_is_documented():
    decisions = (ROOT / "docs" / "decisions.md").read_text()
    missing = sorted(v for v in variables_read_by_settings() if f"`{v}`" not in decisions)
    assert missing == [], f"document these in docs/decisions.md: {missing}"
