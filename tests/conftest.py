"""Shared fixtures: isolated var/ folders per test, the real test material in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixtures_models import (  # noqa: F401  (fixtures shared by every test folder)
    demo_detector_weights,
    detector_export_cache,
    no_network,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (real Dunhuang imagery, never copied into the repo); skips where absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def test_cache(tmp_path_factory) -> Path:
    """Where slow-to-make test material (the gigapixel TIFF) lives: a fresh folder every run, so
    that no test depends on what an earlier run left behind. DUNHUANG_TEST_CACHE names a folder
    to keep it in between runs instead (a developer's shortcut; CI never sets it)."""
    kept = os.environ.get("DUNHUANG_TEST_CACHE")
    return Path(kept) if kept else tmp_path_factory.mktemp("test-cache")


@pytest.fixture(autouse=True)
def isolated_var(settings, tmp_path):
    """Pyramids and uploads of each test go to its own tmp folder, never to var/."""
    settings.PYRAMID_DIR = tmp_path / "var" / "pyramids"
    settings.UPLOAD_DIR = tmp_path / "var" / "uploads"
    settings.VECTOR_INDEX_PATH = tmp_path / "var" / "vectors" / "elements.faiss"
    settings.JOBS_DIR = tmp_path / "var" / "jobs"
    settings.DETECTOR_EXPORT_DIR = tmp_path / "var" / "detector-exports"
    settings.DETECTOR_MODELS_DIR = tmp_path / "var" / "models"
    settings.DATASETS_DIR = tmp_path / "var" / "datasets"
    settings.DERIVATIVE_DIR = tmp_path / "var" / "derivatives"
    # the default runtime, auto, is OpenVINO on the CPU: exported once per export folder, which
    # is per test here; tests that need another runtime ask for it
    settings.DETECTOR_RUNTIME = "torch"
    return tmp_path / "var"


def write_test_image(
    path: Path, width: int = 640, height: int = 480, seed: int = 0, **save
) -> Path:
    """A small textured RGB image in the format of path's suffix (jpg, png, tif)."""
    import numpy as np
    import pyvips

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack(
        [(xx * 255 // max(width - 1, 1)), (yy * 255 // max(height - 1, 1)), (xx + yy) % 256],
        axis=-1,
    )
    noise = rng.integers(0, 40, size=(height, width, 3))
    array = np.clip(base + noise, 0, 255).astype(np.uint8)
    pyvips.Image.new_from_array(array).write_to_file(str(path), **save)
    return path


@pytest.fixture
def image_file(tmp_path):
    """Factory: image_file("wall.jpg", width=..., height=..., seed=...) -> Path."""

    def make(name: str = "wall.jpg", **kwargs) -> Path:
        return write_test_image(tmp_path / name, **kwargs)

    return make


@pytest.fixture
def mural(stored_mural, isolated_var, settings):
    """The module's committed mural (its `stored_mural` fixture), with its pyramids in reach;
    modules that make their murals otherwise define their own `mural`."""
    mural, pyramids = stored_mural
    settings.PYRAMID_DIR = pyramids
    return mural


@pytest.fixture
def staff_client(db):
    """A test client logged in as a staff user (who may ingest, index and correct)."""
    from django.test import Client

    from tests.factories import make_user

    client = Client()
    client.force_login(make_user("curator", staff=True))
    return client


@pytest.fixture(autouse=True)
def reference_data(request):
    """Sites, periods, categories and role groups for transactional tests too (a flush empties
    their tables)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from dunhuang_search.catalogue.models import Period, Site
    from dunhuang_search.catalogue.reference_data import load_reference_fixture
    from dunhuang_search.elements.models import Category

    load_reference_fixture(Site, "sites.json")
    load_reference_fixture(Period, "periods.json")
    load_reference_fixture(Category, "categories.json")
    from django.contrib.auth.models import Group

    from dunhuang_search.accounts.roles import GROUPS

    for name in GROUPS:
        Group.objects.get_or_create(name=name)
