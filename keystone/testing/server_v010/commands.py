"""What the control channel can do on the v0.10.9 profile that the API has no endpoint for.

On the real server an administrator makes API tokens and notifications in the Django shell or
admin site, and ends sessions by deleting them there; these functions do the same through the
same models, so the records are exactly what the server's own code would hold. Each takes the
JSON payload of a ``POST /__emulator__/commands/<name>/`` request and returns its JSON answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import close_old_connections
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from keystone.testing.config import TokenSpec
from keystone.testing.server_v010.notifications.models import Notification
from keystone.testing.server_v010.notifications.serializers import NotificationSerializer


class CommandError(ValueError):
    """A command's payload names something that does not exist (answered as a 400)."""


def _user(payload: dict[str, Any]) -> Any:
    username = payload.get("username")
    if not isinstance(username, str) or not username:
        raise CommandError("expected a JSON object with a 'username'")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user named {username!r}")
    return user


def create_token(payload: dict[str, Any]) -> dict[str, Any]:
    """The user's DRF token (created if the user has none), as ``{"key": ...}``."""
    token, _ = Token.objects.get_or_create(user=_user(payload))
    return {"key": token.key}


def notify(payload: dict[str, Any]) -> dict[str, Any]:
    """A general-message notification for the user, as the API serializes it.

    The real server stores the message as text and as sanitised HTML (a paragraph) before it
    mails it; the emulator stores the same and sends no mail.
    """
    user = _user(payload)
    subject = payload.get("subject")
    if not isinstance(subject, str) or not subject:
        raise CommandError("expected a non-empty 'subject'")
    message = str(payload.get("message") or "")
    notification = Notification.objects.create(
        user=user,
        subject=subject,
        message_text=message,
        message_html=f"<p>{escape(message)}</p>" if message else "",
        notification_type=Notification.NotificationType.general_message,
        metadata=None,
    )
    return dict(NotificationSerializer(notification).data)


def end_sessions(payload: dict[str, Any]) -> dict[str, Any]:
    """Delete every session of the user (they must log in again); returns how many ended."""
    user_id = str(_user(payload).pk)
    ended = [
        session.pk
        for session in Session.objects.all()
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(pk__in=ended).delete()
    return {"ended": len(ended)}


def install_tokens(specs: Iterable[TokenSpec]) -> None:
    """Give each named account the configured token key (the CLI's ``--token USER:KEY``)."""
    for spec in specs:
        user = _user({"username": spec.username})
        Token.objects.filter(user=user).exclude(key=spec.key).delete()
        Token.objects.get_or_create(user=user, key=spec.key)


def _in_request(command: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., Any]:
    """Run a command with Django's per-request connection housekeeping around it."""

    def run(payload: dict[str, Any]) -> dict[str, Any]:
        close_old_connections()
        try:
            return command(payload)
        finally:
            close_old_connections()

    run.__doc__ = command.__doc__
    return run


COMMANDS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "create_token": _in_request(create_token),
    "notify": _in_request(notify),
    "end_sessions": _in_request(end_sessions),
}
"""The control channel's commands for this profile, by name."""


def seed_app_log() -> None:
    """The application log records a server of 0.4 to 0.6 has written by the time it answers
    (those releases log to the database: ``logs/apps/``)."""
    from keystone.testing.server_v010.models import AppLog

    for message in ("Starting Keystone API", "Database is up to date", "Serving requests"):
        AppLog.objects.create(
            name="keystone_api",
            level="INFO",
            pathname="keystone_api/main/wsgi.py",
            lineno=1,
            message=message,
            func="<module>",
        )
