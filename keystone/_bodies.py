"""Reading response bodies for messages: decoded safely, cut short, and with secrets hidden.

An error's message quotes what the server said (DRF's ``detail``, field errors, or the start
of an HTML page). Servers send anything: a charset Python does not know, JSON nested too deep
to parse, a token echoed back in an error. Nothing here raises on such a body, and every
snippet passes through the redactor, so a message never carries a credential.
"""

from __future__ import annotations

from typing import Any

from keystone._answer import Answer
from keystone._media import has_json_body
from keystone._redaction import DEFAULT_REDACTOR, Redactor

#: How many characters of a body a message quotes.
SNIPPET_LENGTH = 200


def decode_text(content: bytes, charset: str | None) -> str:
    """``content`` as text in ``charset`` (UTF-8 when unknown or not a real charset)."""
    try:
        return content.decode(charset or "utf-8", errors="replace")
    except (LookupError, TypeError, ValueError):  # not a charset Python knows, or not a text one
        return content.decode("utf-8", errors="replace")


def snippet(text: str, redactor: Redactor = DEFAULT_REDACTOR) -> str:
    """The start of ``text`` on one line, credentials hidden, ``...`` when cut."""
    shown = " ".join(text[:SNIPPET_LENGTH].split())
    if not shown:
        return "(empty body)"
    return redactor.text(shown) + ("..." if len(text) > SNIPPET_LENGTH else "")


def json_or_none(response: Answer) -> Any:
    """The body as JSON when it says it is JSON and parses, else ``None``."""
    if not has_json_body(response.headers) or not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):
        return None


def describe_body(response: Answer) -> str:
    """A one-line summary of an error body: ``detail``, field errors, or a text snippet."""
    request = response.request
    redactor = DEFAULT_REDACTOR if request is None else request.call.redactor
    body = json_or_none(response)
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str) and len(body) <= 3:
            return redactor.text(str(body["detail"]))
        # Field by field: a secret field's value is hidden unless it is a list of messages,
        # the server's words about the field ("password: This field may not be blank.").
        shown = redactor.value(body, messages=True)
        return "; ".join(
            f"{redactor.text(str(key))}: {_join_messages(value)}" for key, value in shown.items()
        )
    if isinstance(body, list):
        return redactor.text(_join_messages(body))
    text = decode_text(response.content[: SNIPPET_LENGTH * 4], response.encoding)
    return snippet(text, redactor)


def _join_messages(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)
