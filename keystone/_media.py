"""Media types: which bodies the client reads as JSON, decided in one place.

A body is JSON when its ``Content-Type``'s media type (parameters aside, any case) ends in
``json``: ``application/json`` (what Keystone sends), ``application/problem+json``,
``text/json``. The bodies the client parses, the messages that quote them, the logs that hide
their secrets and the checks that tell the API's answers from a web page all ask here.
"""

from __future__ import annotations

from collections.abc import Mapping


def is_json_type(content_type: str | None) -> bool:
    """Whether ``content_type`` (a header's value, or ``None``) names a JSON body."""
    if not content_type:
        return False
    if content_type == "application/json":  # what Keystone sends: nothing to parse
        return True
    return content_type.split(";", 1)[0].strip().lower().endswith("json")


def has_json_body(headers: Mapping[str, str]) -> bool:
    """Whether a message with ``headers`` says its body is JSON."""
    return is_json_type(headers.get("Content-Type"))
