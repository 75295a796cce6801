"""Django settings for one emulator process of 0.4.1 to 0.10.9, from its :class:`EmulatorConfig`.

Everything a client can see follows the real server's settings module of the release the
process imitates (:mod:`keystone.testing.server_v010.release`): the authentication classes in
its order (token first, then session, from 0.6.4; DRF's session then basic before), the
session and CSRF cookie settings, the trusted origins it falls back to when
``SECURE_ALLOWED_ORIGINS`` is unset (which are also its CORS origins and
``CSRF_TRUSTED_ORIGINS``), ``_search``/``_order``, the paging, the throttles, upload limits and
the audit log's correlation-id header. The departures are the
ones a test server needs: SQLite tuned for many writing threads, a cheap password hash, no admin
site, templates, Redis, Celery or mail server.
"""

from __future__ import annotations

from typing import Any

from keystone.testing.config import EmulatorConfig
from keystone.testing.server.settings import common_rest_framework, common_settings
from keystone.testing.server_v010 import release
from keystone.testing.server_v010.apps import APP_CONFIGS

TRUSTED_LOCAL_ORIGINS = [
    "http://localhost:80",
    "https://localhost:443",
    "http://localhost:4200",
    "http://localhost:8000",
    "http://127.0.0.1:80",
    "https://127.0.0.1:443",
    "http://127.0.0.1:4200",
    "http://127.0.0.1:8000",
]
"""The real server's default CORS and CSRF trusted origins (``SECURE_ALLOWED_ORIGINS`` unset)."""

SESSION_AGE = 1_209_600  # 14 days, the real default
MAX_FILE_SIZE = int(2.5 * 1024 * 1024)
MAX_FILE_COUNT = 15
ALLOWED_FILE_TYPES = [
    "application/pdf",
    "application/rtf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "application/x-latex",
    "application/x-tex",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "text/plain",
    "text/markdown",
    "text/richtext",
    "text/csv",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/svg+xml",
    "image/tiff",
    "image/bmp",
]
"""Attachment types accepted (judged from the file name's extension), as ``config/`` lists."""

_PACKAGE = "keystone.testing.server_v010"


def build_settings(
    config: EmulatorConfig, *, database_path: str, secret_key: str, media_root: str
) -> dict[str, Any]:
    """Return the keyword arguments for ``django.conf.settings.configure``."""
    return {
        "DEBUG": False,
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": sorted({"localhost", "127.0.0.1", "[::1]", config.host}),
        "ROOT_URLCONF": f"{_PACKAGE}.urls",
        "KEYSTONE_VERSION": config.reported_version or release.current.version,
        "INSTALLED_APPS": [
            "auditlog",
            "corsheaders",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "rest_framework",
            "rest_framework.authtoken",
            "django_filters",
            *APP_CONFIGS,
        ],
        "MIDDLEWARE": [
            "corsheaders.middleware.CorsMiddleware",
            f"{_PACKAGE}.middleware.RequestLogMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "auditlog.middleware.AuditlogMiddleware",
        ],
        "AUTH_USER_MODEL": "users.User",
        **common_settings(database_path),
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_AGE": SESSION_AGE,
        "CSRF_COOKIE_SECURE": False,
        "CSRF_COOKIE_HTTPONLY": False,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "CSRF_TRUSTED_ORIGINS": TRUSTED_LOCAL_ORIGINS,
        "CORS_ALLOWED_ORIGINS": TRUSTED_LOCAL_ORIGINS,
        "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOW_HEADERS": [
            "accept",
            "authorization",
            "content-type",
            "user-agent",
            "x-csrftoken",
            "x-requested-with",
            "x-keystone-cid",
        ],
        "AUDITLOG_CID_HEADER": "X-KEYSTONE-CID",
        "MEDIA_URL": "/media/",
        "MEDIA_ROOT": media_root,
        "REST_FRAMEWORK": _rest_framework(config),
    }


def _rest_framework(config: EmulatorConfig) -> dict[str, Any]:
    """The release's REST framework settings: its authentication classes (DRF's defaults,
    session then basic, before 0.6.4), its search and ordering parameters, its paging."""
    current = release.current
    params = {name for item in current.view["paths"].values() for name in item.get("params", ())}
    backends = [f"{_PACKAGE}.filters.AutoFilterBackend"]
    if "_order" in params or "ordering" in params:
        backends.append("rest_framework.filters.OrderingFilter")
    if "_search" in params:
        backends.append(f"{_PACKAGE}.filters.ReleaseSearchFilter")
    authentication = (
        ["rest_framework.authentication.TokenAuthentication"] if current.traits.tokens else []
    )
    authentication.append("rest_framework.authentication.SessionAuthentication")
    if not current.traits.tokens:
        authentication.append("rest_framework.authentication.BasicAuthentication")
    paging = {
        "whole": None,
        "headers": f"{_PACKAGE}.paging.HeaderPages",
        "envelope": "keystone.testing.server.pagination.LimitOffsetPages",
    }[current.traits.paging]
    return {
        "SEARCH_PARAM": "_search",
        "ORDERING_PARAM": "_order" if "_order" in params else "ordering",
        "DEFAULT_AUTHENTICATION_CLASSES": authentication,
        "DEFAULT_FILTER_BACKENDS": backends,
        "DEFAULT_PAGINATION_CLASS": paging,
        **common_rest_framework(config),
        # DRF 3.17 (the real server's) reports list item errors as a list; 3.18 can still do so.
        "LIST_SERIALIZER_ERRORS_AS_DICT": False,
    }
