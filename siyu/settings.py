"""The one settings module.

Every value comes from the environment (or a ``NAME_FILE`` holding it, for container
secrets). Missing required values fail loudly at start-up, except in the embedded default,
where ``SIYU_AUTOGEN_KEYS=1`` makes keys once into the data directory.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the file named by NAME_FILE (Docker/K8s secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = env(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = env(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(
            f"{name} must be a whole number from {minimum} to {maximum}, got {raw!r}"
        )
    return value


DATA_DIR = Path(env("SIYU_DATA_DIR") or BASE_DIR / "var").resolve()
AUTOGEN_KEYS = env_bool("SIYU_AUTOGEN_KEYS", default=False)


def key_from_env_or_data_dir(name: str, filename: str, make: Any) -> str:
    value = env(name)
    if value:
        return value
    path = DATA_DIR / filename
    if path.exists():
        return path.read_text().strip()
    if not AUTOGEN_KEYS:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it (or {name}_FILE), or run `siyu demo`, "
            f"which generates one into {DATA_DIR}."
        )
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    value = str(make())
    path.write_text(value)
    path.chmod(0o600)
    return value


SECRET_KEY = key_from_env_or_data_dir(
    "SIYU_SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50)
)
# 32-byte key for AES-GCM encryption of personal data and the HMAC blind index.
PII_KEY = key_from_env_or_data_dir(
    "SIYU_PII_KEY", "pii.key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
)
try:
    if len(base64.urlsafe_b64decode(PII_KEY)) != 32:
        raise ValueError
except ValueError as exc:
    raise ImproperlyConfigured("SIYU_PII_KEY must be 32 bytes, urlsafe-base64 encoded") from exc
# During a key rotation (siyu/core/pii.py): the keys rotated away from, comma-separated.
# Still accepted for reading; `manage.py rotate_pii_key` moves every row to SIYU_PII_KEY.
PII_OLD_KEYS = tuple(k.strip() for k in (env("SIYU_PII_OLD_KEYS") or "").split(",") if k.strip())
for _old in PII_OLD_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_old)) != 32:
            raise ValueError
    except ValueError as exc:
        raise ImproperlyConfigured("SIYU_PII_OLD_KEYS: each key 32 bytes, base64") from exc

DEBUG = env_bool("SIYU_DEBUG", default=False)
ALLOWED_HOSTS = (env("SIYU_ALLOWED_HOSTS") or "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in (env("SIYU_CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves /api/docs with the swagger assets it ships (no CDN)
    "django_tasks",
    "django_tasks_db",
    "siyu.core",
    "siyu.customers",
    "siyu.channels",
    "siyu.groups",
    "siyu.transfers",
    "siyu.access",
    "siyu.console",
    "siyu.imports",
    "siyu.worker",
    "siyu.demo",
    "siyu.integrations.wecom",
    "siyu.integrations.wecom.client",
    "siyu.integrations.wecom.syncstate",
    "siyu.integrations.wechat",
    "siyu.analytics",
    "siyu.segments",
    "siyu.privacy",
    "siyu.loyalty",
    "siyu.campaigns",
    "siyu.referrals",
    "siyu.content",
    "siyu.messaging",
    "siyu.community",
    "siyu.workbench",
    "siyu.journeys",
    "siyu.integrations.webhook",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "siyu.console.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "siyu.console.language.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "siyu.urls"
# A 10,000-item batch of orders with lines is ~4 MB of JSON; Django's default is 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "siyu.wsgi.application"


def database_config() -> dict[str, Any]:
    url = env("DATABASE_URL")
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("OPTIONS", {})
            config["TEST"] = {"NAME": env("SIYU_TEST_DB_NAME") or f"test_{config['NAME']}"}
        return config
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # SQLite keeps 2 MB of pages per connection unless told: past a few hundred thousand
    # customers most index pages a query or insert touches are then read from the OS
    # again. The cache is a ceiling, filled only as pages are read; the memory map shares
    # the file's pages among every connection of the machine.
    cache_mb = env_int("SIYU_SQLITE_CACHE_MB", 64, minimum=2, maximum=65_536)
    mmap_mb = env_int("SIYU_SQLITE_MMAP_MB", 1024, minimum=0, maximum=1_048_576)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "siyu.sqlite3"),
        # Web and worker processes write side by side: WAL lets readers proceed, IMMEDIATE
        # takes the write lock at BEGIN so a transaction never fails half-way on upgrade.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                f" PRAGMA cache_size=-{cache_mb * 1024}; PRAGMA mmap_size={mmap_mb * 2**20};"
                " PRAGMA temp_store=MEMORY;"
            ),
        },
        "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": env("SIYU_TASK_BACKEND") or "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "fast"],
    }
}

# Optional Redis backend (pip install siyu[redis]; SIYU_TASK_BACKEND=django_tasks_rq.RQBackend):
# tasks go to RQ queues of the same names, run by `siyu worker`.
REDIS_URL = env("SIYU_REDIS_URL") or "redis://127.0.0.1:6379/0"
RQ_QUEUES = {name: {"URL": REDIS_URL} for name in TASKS["default"]["QUEUES"]}
if importlib.util.find_spec("django_rq") is not None:
    INSTALLED_APPS.append("django_rq")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"  # the first screen (今日)
LOGOUT_REDIRECT_URL = "console:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "siyu" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("SIYU_TIME_ZONE") or "Asia/Shanghai"

# HTTPS. `siyu serve` runs behind a reverse proxy that terminates TLS and says so in
# X-Forwarded-Proto: cookies are Secure, plain HTTP is redirected, browsers are told to use
# HTTPS only (HSTS). SIYU_HTTPS=0 for a plain-HTTP intranet; `siyu demo` (127.0.0.1) sets it.
SIYU_HTTPS = env_bool("SIYU_HTTPS", default=True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = SIYU_HTTPS
SECURE_HSTS_SECONDS = env_int(
    "SIYU_HSTS_SECONDS",
    365 * 24 * 3600 if SIYU_HTTPS else 0,
    minimum=0,
    maximum=2 * 365 * 24 * 3600,
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SIYU_HTTPS
# Only trust the header when a proxy is there to set it (and strip a client's own copy).
_proxy_header = (
    (env("SIYU_PROXY_SSL_HEADER", "X-Forwarded-Proto") or "").strip() if SIYU_HTTPS else ""
)
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Proxies in front of Siyu that append to X-Forwarded-For: the client address that login
# throttling counts is the one the outermost of them saw. 0 = use the socket's address.
SIYU_PROXY_COUNT = env_int("SIYU_PROXY_COUNT", 1 if _proxy_header else 0, minimum=0, maximum=5)
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a commitment for the brand's whole registrable domain (and hard to
    # undo): the brand's decision at its domain, not a default of one app on one host name.
    "security.W021",
]
if not SIYU_HTTPS:
    # SIYU_HTTPS=0 is the operator saying there is no TLS (the demo on 127.0.0.1, a plain-HTTP
    # intranet): Secure cookies, HSTS and redirects to HTTPS would lock everyone out there.
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008", "security.W012", "security.W016"]

# Signed-in sessions end after SIYU_SESSION_HOURS (default: a working day), not Django's
# two weeks: the console shows personal data, and shop-floor devices are shared.
SESSION_COOKIE_AGE = 3600 * env_int("SIYU_SESSION_HOURS", 12, minimum=1, maximum=14 * 24)

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# INFO: one line per thing an operator acts on or asks about (a contact onboarded, a worker
# started, a WeCom call refused or retried, a request refused); each WeCom call and each
# task's start and end are DEBUG (SIYU_LOG_LEVEL=DEBUG shows them).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_on_one_line": {"()": "siyu.logs.ClientErrorsOnOneLine"},
        "info_as_debug": {"()": "siyu.logs.InfoAsDebug"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            # On the handler: logger filters do not apply to child loggers' records, and
            # django.security logs through children (django.security.csrf, …).
            "filters": ["client_errors_on_one_line"],
        }
    },
    "root": {"handlers": ["console"], "level": env("SIYU_LOG_LEVEL") or "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"filters": ["info_as_debug"]},
    },
}

# WeCom corp and callback credentials (admin → app → 接收消息 API). Unset, the callback
# endpoint answers 503; the embedded demo (keys autogenerated) talks to the simulator's corp.
SIYU_WECOM_CORP_ID = env("SIYU_WECOM_CORP_ID") or ("wwsiyudemo0000001" if AUTOGEN_KEYS else "")
SIYU_WECOM_TOKEN = env("SIYU_WECOM_TOKEN") or ("SiyuDemoToken" if AUTOGEN_KEYS else "")
SIYU_WECOM_AES_KEY = env("SIYU_WECOM_AES_KEY") or (
    "SiyuDemoEncodingAESKey0123456789abcdefghijk" if AUTOGEN_KEYS else ""
)

# WeCom server API (self-built app added to 客户联系 → 可调用接口的应用). Pointing Siyu at the
# simulator (`siyu wecom-sim`) instead of WeCom is only a different API base.
SIYU_WECOM_API_BASE = env("SIYU_WECOM_API_BASE") or "https://qyapi.weixin.qq.com"
# WeCom app (agent) that sends notices to staff; the outbound webhook to an SMS / e-mail
# provider (messaging's webhook channel), signed with the secret.
# WeCom's JS-SDK scripts the chat sidebar loads (the demo serves the simulator's stand-in).
SIYU_WECOM_JSSDK_URLS = (env("SIYU_WECOM_JSSDK_URLS") or "").split() or [
    "https://res.wx.qq.com/open/js/jweixin-1.2.0.js",
    "https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js",
]
SIYU_WECOM_AGENT_ID = env("SIYU_WECOM_AGENT_ID") or "1000002"
SIYU_MESSAGING_WEBHOOK_URL = env("SIYU_MESSAGING_WEBHOOK_URL") or ""
SIYU_MESSAGING_WEBHOOK_SECRET = env("SIYU_MESSAGING_WEBHOOK_SECRET") or ""
# Hosts a journey's webhook step may call (comma-separated; default: the host above).
SIYU_JOURNEY_WEBHOOK_HOSTS = env("SIYU_JOURNEY_WEBHOOK_HOSTS") or ""
SIYU_WECOM_SECRET = env("SIYU_WECOM_SECRET") or ("siyu-demo-secret" if AUTOGEN_KEYS else "")
SIYU_WECOM_CALLBACK_URL = env("SIYU_WECOM_CALLBACK_URL") or ""

# WeChat official account (message push, plaintext mode) and mini-program (code2session).
SIYU_WECHAT_OA_APPID = env("SIYU_WECHAT_OA_APPID") or ("wxsiyudemooa0001" if AUTOGEN_KEYS else "")
SIYU_WECHAT_OA_TOKEN = env("SIYU_WECHAT_OA_TOKEN") or ("SiyuDemoOaToken" if AUTOGEN_KEYS else "")
SIYU_WECHAT_OA_SECRET = env("SIYU_WECHAT_OA_SECRET") or (
    "siyu-demo-oa-secret" if AUTOGEN_KEYS else ""
)
SIYU_WECHAT_MP_APPID = env("SIYU_WECHAT_MP_APPID") or ("wxsiyudemomp0001" if AUTOGEN_KEYS else "")
SIYU_WECHAT_MP_SECRET = env("SIYU_WECHAT_MP_SECRET") or (
    "siyu-demo-mp-secret" if AUTOGEN_KEYS else ""
)
# WeChat's web OAuth page a reader in WeChat is sent to (the demo points it at its simulator).
SIYU_WECHAT_OAUTH_AUTHORIZE_URL = (
    env("SIYU_WECHAT_OAUTH_AUTHORIZE_URL") or "https://open.weixin.qq.com/connect/oauth2/authorize"
)
SIYU_WECHAT_API_BASE = env("SIYU_WECHAT_API_BASE") or "https://api.weixin.qq.com"
# Cover images of welcome cards, by file name (see siyu/integrations/wecom/media.py).
# Where customers reach this deployment (tracked links 互动雷达 are absolute URLs under it).
SIYU_PUBLIC_URL = (env("SIYU_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
# Content conversion: an order counts for a material opened this many days before it.
SIYU_CONTENT_ATTRIBUTION_DAYS = env_int("SIYU_CONTENT_ATTRIBUTION_DAYS", 7, minimum=1, maximum=90)
# At most one "is reading" notice per reader and link in this many minutes.
SIYU_CONTENT_NOTICE_MINUTES = env_int("SIYU_CONTENT_NOTICE_MINUTES", 30, minimum=0, maximum=1440)
SIYU_COVERS_DIR = env("SIYU_COVERS_DIR") or str(DATA_DIR / "covers")

# Identity resolution guards (see siyu/customers/identity_rules.py).
SIYU_MERGE_LIMIT = env_int("SIYU_MERGE_LIMIT", 100, minimum=1, maximum=100_000)
SIYU_IDENTITY_LIMIT = env_int("SIYU_IDENTITY_LIMIT", 1000, minimum=1, maximum=10_000_000)

# Seconds without a heartbeat after which a worker counts as dead and the tasks it was
# running are requeued or failed (see siyu/worker/recovery.py).
SIYU_WORKER_LOST_AFTER = env_int("SIYU_WORKER_LOST_AFTER", 60, minimum=5, maximum=86_400)
# Rows per import chunk (one transaction each): small enough that SQLite's write lock is
# held well under a second, large enough that bulk writes pay off.
SIYU_IMPORT_CHUNK_ROWS = env_int("SIYU_IMPORT_CHUNK_ROWS", 2000, minimum=1, maximum=100_000)
# Days a privacy request (access, correction, deletion, withdrawal) may take: PIPL asks
# for a timely answer; 15 days is the common reading (siyu/privacy/requests.py).
SIYU_PRIVACY_DUE_DAYS = env_int("SIYU_PRIVACY_DUE_DAYS", 15, minimum=1, maximum=60)
# Retention limits in days per kind of data, overriding the documented defaults
# (siyu/privacy/retention.py): SIYU_RETENTION_EVENTS_DAYS=730 and so on.
SIYU_RETENTION_DAYS = {
    kind: env_int(f"SIYU_RETENTION_{kind.upper()}_DAYS", 0, minimum=1, maximum=36500)
    for kind in ("wecom_inbox", "events", "audit_log", "import_files", "exports")
    if env(f"SIYU_RETENTION_{kind.upper()}_DAYS")
}

# Analytics read model (siyu/analytics/readmodel/): dashboards read it unless switched off;
# embedded DuckDB per process, refreshed from the change feed when older than MAX_AGE
# seconds; or a shared ClickHouse (clickhouse://user:pass@host:8123/) kept by the worker.
SIYU_ANALYTICS_READ_MODEL = env_bool("SIYU_ANALYTICS_READ_MODEL", default=True)
SIYU_ANALYTICS_MAX_AGE = env_int("SIYU_ANALYTICS_MAX_AGE", 10, minimum=0, maximum=3600)
# The embedded read model's file copy under DATA_DIR (readmodel/snapshot.py), rewritten by
# a process whose copy is older than this many seconds; a starting process loads it and
# catches up from the feed. 0: no copy, every process builds its own from scratch.
SIYU_ANALYTICS_SNAPSHOT_SECONDS = env_int(
    "SIYU_ANALYTICS_SNAPSHOT_SECONDS", 3600, minimum=0, maximum=86400 * 30
)
SIYU_CLICKHOUSE_URL = env("SIYU_CLICKHOUSE_URL") or ""
