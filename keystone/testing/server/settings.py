"""Django settings for one emulator process, computed from its :class:`EmulatorConfig`.

The values follow the real Keystone server where they change behaviour a client can see
(JWT lifetimes and claims, throttles, ``APPEND_SLASH`` with ``DEBUG`` off, JSON-only rendering,
django-filter), and depart from it only where a test server needs to: SQLite in WAL mode with
a long busy timeout (many server threads write at once), a cheap password hash (logins are
frequent in tests and the database is throwaway), and no sessions, admin or templates.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from keystone.testing.config import EmulatorConfig

PASSWORD_VALIDATORS = (
    "UserAttributeSimilarityValidator",
    "MinimumLengthValidator",
    "CommonPasswordValidator",
    "NumericPasswordValidator",
)

_PACKAGE = "keystone.testing.server"


def build_settings(
    config: EmulatorConfig, *, database_path: str, secret_key: str
) -> dict[str, Any]:
    """Return the keyword arguments for ``django.conf.settings.configure``."""
    return {
        "DEBUG": False,  # with DEBUG on, APPEND_SLASH raises for POST instead of answering 301
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": ["*"],
        # What the recorded 0.3.26 server answered at version/ (installed from its source).
        "KEYSTONE_VERSION": config.reported_version or "0.0.0",
        "ROOT_URLCONF": f"{_PACKAGE}.urls",
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "rest_framework",
            "rest_framework_simplejwt.token_blacklist",
            "django_filters",
            f"{_PACKAGE}.apps.KeystoneEmulatorConfig",
        ],
        "MIDDLEWARE": [
            f"{_PACKAGE}.middleware.RequestLogMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        "AUTH_USER_MODEL": "keystone_emulator.User",
        "REST_FRAMEWORK": _rest_framework(config),
        "SIMPLE_JWT": _simple_jwt(config, secret_key),
        **common_settings(database_path),
    }


def common_settings(database_path: str) -> dict[str, Any]:
    """The settings every profile shares: time zone, hashing, the database and the cache.

    Both profiles answer like a server with ``DEBUG`` off, ``APPEND_SLASH`` on and UTC times;
    both hash passwords cheaply, keep their data in SQLite and their throttle counters in a
    local-memory cache, and leave the process's logging alone.
    """
    return {
        "TEMPLATES": [],
        "APPEND_SLASH": True,
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "USE_I18N": False,
        "LANGUAGE_CODE": "en-us",
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "PASSWORD_HASHERS": [f"{_PACKAGE}.hashers.FastPBKDF2PasswordHasher"],
        "AUTH_PASSWORD_VALIDATORS": [
            {"NAME": f"django.contrib.auth.password_validation.{name}"}
            for name in PASSWORD_VALIDATORS
        ],
        "DATABASES": {"default": sqlite_database(database_path)},
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "keystone-emulator",
                "OPTIONS": {"MAX_ENTRIES": 100_000},
            }
        },
        "LOGGING_CONFIG": None,  # keep the server process's own logging untouched
    }


def sqlite_database(path: str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "CONN_MAX_AGE": None,  # one connection per server thread, reused across keep-alive
        "OPTIONS": {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA synchronous=NORMAL;",
        },
    }


def _rest_framework(config: EmulatorConfig) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework_simplejwt.authentication.JWTAuthentication",
        ],
        "DEFAULT_FILTER_BACKENDS": [f"{_PACKAGE}.filters.AdvancedFilterBackend"],
        **common_rest_framework(config),
    }
    if config.paginate:
        settings["DEFAULT_PAGINATION_CLASS"] = f"{_PACKAGE}.pagination.LimitOffsetPages"
    return settings


def common_rest_framework(config: EmulatorConfig) -> dict[str, Any]:
    """DRF settings both profiles share: authenticated JSON views behind the two throttles."""
    return {
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_THROTTLE_CLASSES": [
            "rest_framework.throttling.AnonRateThrottle",
            "rest_framework.throttling.UserRateThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {"anon": config.anon_throttle, "user": config.user_throttle},
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    }


def _simple_jwt(config: EmulatorConfig, secret_key: str) -> dict[str, Any]:
    return {
        "ACCESS_TOKEN_LIFETIME": timedelta(seconds=config.access_token_lifetime),
        "REFRESH_TOKEN_LIFETIME": timedelta(seconds=config.refresh_token_lifetime),
        "ROTATE_REFRESH_TOKENS": False,
        "BLACKLIST_AFTER_ROTATION": False,
        "UPDATE_LAST_LOGIN": True,
        "ALGORITHM": "HS256",
        "SIGNING_KEY": secret_key,
        "AUTH_HEADER_TYPES": ("Bearer",),
        "USER_ID_FIELD": "id",
        "USER_ID_CLAIM": "user_id",
        "AUTH_TOKEN_CLASSES": (f"{_PACKAGE}.tokens.AccessToken",),
        "TOKEN_OBTAIN_SERIALIZER": f"{_PACKAGE}.tokens.TokenObtainPairSerializer",
        "TOKEN_REFRESH_SERIALIZER": f"{_PACKAGE}.tokens.TokenRefreshSerializer",
        "TOKEN_BLACKLIST_SERIALIZER": f"{_PACKAGE}.tokens.TokenBlacklistSerializer",
    }
