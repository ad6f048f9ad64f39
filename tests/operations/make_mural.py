"""Run in a subprocess by the fault tests (DATABASE_URL and DUNHUANG_VAR_DIR set): ingest one
synthetic mural into that site and print its id. Not a test module."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dunhuang_search.settings")

import django  # noqa: E402

django.setup()

from tests.factories import synthetic_mural  # noqa: E402

print(synthetic_mural(Path(sys.argv[1]), seed=int(sys.argv[2])).pk)
