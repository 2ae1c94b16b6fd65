"""Settings shared by every environment, driven by environment variables.

Each variable is documented in `.env.example`. There are no per-host modules:
`dev` and `test` only change defaults that make sense for those uses.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "crpv.core",
    "crpv.users",
    "crpv.territories",
    "crpv.contacts",
    "crpv.programme",
    "crpv.catalogue",
    "crpv.events",
    "crpv.www",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "crpv.users.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "crpv.core.middleware.PrivatePagesNotCachedMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "crpv" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crpv.core.context_processors.centre",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite (WAL, IMMEDIATE transactions) by default; PostgreSQL with
# DATABASE_URL=postgres://user@host:port/name.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Writers take the lock when the transaction starts: no
            # "database is locked" on read-then-write (see FACTS.md).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # cache_size: 64 MB of page cache per connection (grows only as used; the 2 MB default made a
            # search's reads of its 5 000 candidates miss, docs/adr/0004).
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
            ),
        }
    )
# Persistent connections on both engines. On SQLite, opening a connection
# (PRAGMAs, schema read) and closing it (the last one checkpoints the WAL)
# cost ~9 ms of CPU per request, more than the request itself; an idle
# connection holds no lock in WAL mode.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_PREPARED", default=True):
    # Server-side parameters and prepared statements (psycopg prepares a query
    # after `prepare_threshold` runs on a connection): a registration POST
    # costs ~35 % less CPU, in Django and in the PostgreSQL backend (ADR 0005).
    # Set DATABASE_PREPARED=false behind PgBouncer in transaction mode.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and security ---------------------------------------------------
AUTH_USER_MODEL = "users.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "www:home"

# Staff accounts prove a second factor (TOTP) before any back-office page.
CRPV_STAFF_2FA = env.bool("CRPV_STAFF_2FA", default=True)
OTP_TOTP_ISSUER = env("CRPV_NAME", default="IREV")
OTP_TOTP_THROTTLE_FACTOR = 1

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IP_HEADERS", default=["REMOTE_ADDR"]
)  # behind a proxy: ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 10
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading HSTS commits the whole domain (and its sub-domains) for months: a
# decision for the domain's owner, not for the application. Until the deployment
# opts in, the deploy check's reminder is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
if SESSION_COOKIE_SECURE:
    # __Host- cookies: Secure, path=/, no Domain: a sibling sub-domain cannot set them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation: the interface is French, written directly -----
LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "crpv" / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
CRPV_MAX_UPLOAD_MB = env.int("CRPV_MAX_UPLOAD_MB", default=20)
# XLSX (zip) imports: refused above this inflated size or compression ratio (zip bombs).
CRPV_IMPORT_MAX_UNCOMPRESSED_MB = env.int("CRPV_IMPORT_MAX_UNCOMPRESSED_MB", default=200)
CRPV_IMPORT_MAX_ZIP_RATIO = env.int("CRPV_IMPORT_MAX_ZIP_RATIO", default=200)

# --- Cache ------------------------------------------------------------------
# Local memory per process by default; redis://127.0.0.1:6379/1 to share one.
CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://crpv"),
    # Values the web processes and the task worker must all see (progress of a
    # background import or PDF batch): a cache shared between processes. Files
    # under var/ on one machine; redis://… when there are several.
    "shared": env.cache("SHARED_CACHE_URL", default=f"filecache://{BASE_DIR / 'var' / 'cache'}"),
}
# Public pages (territories, home, sources) are served from the cache for this
# many seconds: staff edits show on them after at most this delay.
CRPV_PUBLIC_CACHE_SECONDS = env.int("CRPV_PUBLIC_CACHE_SECONDS", default=300)

# --- Background tasks (no broker: database queue) --------------------------
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="IREV <contact@irev.example>")

# --- The centre running this instance (name, logo, colours, contact) -------
CRPV_CENTRE = {
    "name": env("CRPV_NAME", default="IREV"),
    "long_name": env(
        "CRPV_LONG_NAME",
        default="Centre de ressources politique de la ville des Hauts-de-France",
    ),
    "region_code": env("CRPV_REGION_CODE", default="32"),
    "region_name": env("CRPV_REGION_NAME", default="Hauts-de-France"),
    "logo": env("CRPV_LOGO", default="img/logo-irev.svg"),
    # Colours must keep a contrast ratio of at least 4.5:1 on white (RGAA 3.2).
    "primary_color": env("CRPV_PRIMARY_COLOR", default="#00565f"),
    "accent_color": env("CRPV_ACCENT_COLOR", default="#a3195b"),
    "email": env("CRPV_CONTACT_EMAIL", default="contact@irev.example"),
    "phone": env("CRPV_CONTACT_PHONE", default="03 20 00 00 00"),
    "address": env("CRPV_CONTACT_ADDRESS", default="Lille (Nord)"),
    "legal_form": env("CRPV_LEGAL_FORM", default="groupement d'intérêt public"),
}

# Public address of the site, for links in e-mails (signed links, calendars).
CRPV_SITE_URL = env("CRPV_SITE_URL", default="")

# Documentation centre: OAI-PMH provider, and the folder scanned by digital weeding
# (read only: the scan never deletes or moves a file).
CRPV_OAI_REPOSITORY_ID = env("CRPV_OAI_REPOSITORY_ID", default="")  # default: slug of the centre's name
CRPV_OAI_PAGE_SIZE = env.int("CRPV_OAI_PAGE_SIZE", default=100)
CRPV_OAI_TOKEN_SECONDS = env.int("CRPV_OAI_TOKEN_SECONDS", default=86400)
CRPV_DIGITAL_WEEDING_ROOT = env("CRPV_DIGITAL_WEEDING_ROOT", default="")  # default: MEDIA_ROOT
# Espace doc: where consultations take place (default: the centre's address) and their length.
CRPV_DESK_PLACE = env("CRPV_DESK_PLACE", default="")
CRPV_DESK_APPOINTMENT_MINUTES = env.int("CRPV_DESK_APPOINTMENT_MINUTES", default=60)

# Reference data not available from a package registry (QPV, contrats de ville).
REFERENTIEL_DIR = env.path("REFERENTIEL_DIR", default=BASE_DIR.parent / "shared" / "referentiel")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
