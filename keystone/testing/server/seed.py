"""The accounts that exist when the server starts: the staff admin and the configured users.

Seeding is idempotent: on a fresh database the admin is created first (so it is user 1); on a
database kept from an earlier start, existing accounts keep their ids and get the configured
password and flags again.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from keystone.testing.config import EmulatorConfig, UserSpec


def _or_none(value: str) -> str | None:
    return value or None


def upsert_user(spec: UserSpec, *, is_superuser: bool = False) -> Any:
    """Create or update one account so it matches ``spec``."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=spec.username).first()
    if user is None:
        user = user_model(username=spec.username)
    user.is_staff = spec.is_staff
    user.is_superuser = is_superuser
    user.is_active = True
    user.first_name = _or_none(spec.first_name)
    user.last_name = _or_none(spec.last_name)
    user.email = _or_none(spec.email)
    if not user.check_password(spec.password):
        user.set_password(spec.password)  # only when it changed: the audit log records changes
    user.save()
    return user


def seed_users(config: EmulatorConfig) -> None:
    """Create or refresh the admin (staff and superuser) and every ``config.users`` entry."""
    admin = UserSpec(config.admin_username, config.admin_password, is_staff=True)
    with transaction.atomic():
        upsert_user(admin, is_superuser=True)
        for spec in config.users:
            if spec.username != config.admin_username:
                upsert_user(spec)
