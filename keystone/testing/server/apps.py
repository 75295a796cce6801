"""Django app configuration for the emulated Keystone models."""

from __future__ import annotations

from django.apps import AppConfig


class KeystoneEmulatorConfig(AppConfig):
    """Registers the emulator's models under one app label."""

    name = "keystone.testing.server"
    label = "keystone_emulator"
    verbose_name = "Keystone API emulator"
    default_auto_field = "django.db.models.BigAutoField"
