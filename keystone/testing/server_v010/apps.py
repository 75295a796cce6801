"""Django app configurations: one label per Keystone app, so records are named as on the server.

The real server keeps its models in the apps ``users``, ``allocations``, ``research_products``,
``notifications`` and ``logging``; the audit log names records after their app
(``"allocations | Cluster"``), so the emulator's packages carry the same labels.
"""

from __future__ import annotations

from django.apps import AppConfig

_PACKAGE = "keystone.testing.server_v010"


class _LabelConfig(AppConfig):
    """An app of the emulated server."""

    default_auto_field = "django.db.models.BigAutoField"


class UsersConfig(_LabelConfig):
    name = f"{_PACKAGE}.users"
    label = "users"


class AllocationsConfig(_LabelConfig):
    name = f"{_PACKAGE}.allocations"
    label = "allocations"


class ResearchProductsConfig(_LabelConfig):
    name = f"{_PACKAGE}.research"
    label = "research_products"


class NotificationsConfig(_LabelConfig):
    name = f"{_PACKAGE}.notifications"
    label = "notifications"


class LoggingConfig(_LabelConfig):
    name = f"{_PACKAGE}.logs"
    label = "logging"


APP_CONFIGS = [
    f"{_PACKAGE}.apps.{cls.__name__}"
    for cls in (
        UsersConfig,
        AllocationsConfig,
        ResearchProductsConfig,
        NotificationsConfig,
        LoggingConfig,
    )
]
"""The INSTALLED_APPS entries of the Keystone apps."""
