"""What a client takes from the process's environment when its code does not say.

Operators configure tools through the environment, so a script can say only
``KeystoneClient()``:

- ``KEYSTONE_URL``: the API root, when no ``url=`` (or ``base_url=``) is given;
- ``KEYSTONE_API_TOKEN``: an API token (Keystone 0.6.4 and later) sent with every request,
  when no ``auth=`` is given, to the server of ``KEYSTONE_URL`` only (a client the code points
  at another server does not send it);
- ``KEYSTONE_LOG``: ``info`` (a line per call) or ``debug`` (each exchange too, secrets
  redacted) turns the client's logs on, to stderr unless the application has handlers of its
  own: a quick look without writing any logging code.

The network's variables (``HTTPS_PROXY``, ``NO_PROXY``, ``SSL_CERT_FILE``...) are read by the
transports (:mod:`keystone._transport.network`). ``trust_env=False`` ignores all of them. A
variable that is set but empty counts as not set; one with a value the client cannot use is
refused when the client is made, naming the variable.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from keystone._urls import BaseURL
from keystone.auth._static import StaticTokenAuth

logger = logging.getLogger("keystone.auth")

URL_VARIABLE = "KEYSTONE_URL"
TOKEN_VARIABLE = "KEYSTONE_API_TOKEN"
LOG_VARIABLE = "KEYSTONE_LOG"

#: ``KEYSTONE_LOG`` values and the level each turns on.
_LEVELS = {"info": logging.INFO, "debug": logging.DEBUG}

#: The handler ``KEYSTONE_LOG`` added, once per process.
_handler: logging.Handler | None = None


def _value(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def url_from(environ: Mapping[str, str], what: str) -> str:
    """The API root from ``KEYSTONE_URL``, or the error saying what to give (``what`` is the
    client's name, for the message)."""
    url = _value(environ, URL_VARIABLE)
    if url is None:
        raise ValueError(
            f"{what}() needs the Keystone API root: give it, e.g. "
            f'{what}("https://keystone.example.org"), or set {URL_VARIABLE} in the '
            "environment (the scheme, http:// or https://, is required)"
        )
    return url


class EnvironmentTokenAuth(StaticTokenAuth):
    """The API token of ``KEYSTONE_API_TOKEN``: :class:`~keystone.StaticTokenAuth` whose
    refusal of ``login()`` says where the token came from and how to log in instead."""

    _no_login = (
        f"it sends the API token of {TOKEN_VARIABLE}, set in the environment. Unset the "
        "variable, or make the client with trust_env=False, to log in with a username and "
        "password"
    )

    def __repr__(self) -> str:
        return f"<EnvironmentTokenAuth from {TOKEN_VARIABLE}>"

    def __reduce__(self) -> tuple[Any, ...]:
        """A copy (a pickled client in a worker) reads the token from its own environment:
        the token does not travel in the pickle."""
        return (_token_again, ())


def _token_again() -> EnvironmentTokenAuth:
    """The token of a pickled client's copy, from this process's environment (the client it
    was copied from had the token for its server)."""
    token = _value(os.environ, TOKEN_VARIABLE)
    if token is None:
        raise ValueError(
            f"the client was made with the API token of {TOKEN_VARIABLE}, which this "
            "process's environment does not have: set it here too (the token does not travel "
            "with a pickled client)"
        )
    return _strategy(token)


def _strategy(token: str) -> EnvironmentTokenAuth:
    try:
        return EnvironmentTokenAuth(token)
    except ValueError:  # its own message names StaticTokenAuth; this one names the variable
        raise ValueError(
            f"{TOKEN_VARIABLE} holds characters an HTTP header cannot carry (a line break, a "
            "control character or non-Latin-1 text): check that the token was copied whole"
        ) from None


def token_auth_from(environ: Mapping[str, str], origin: str) -> EnvironmentTokenAuth | None:
    """The strategy of ``KEYSTONE_API_TOKEN`` for a client of the server at ``origin``: only
    when ``KEYSTONE_URL`` names that server too. A token in the environment belongs to the
    server the environment names; a client the code points elsewhere (a test server, staging)
    must not send it there."""
    token = _value(environ, TOKEN_VARIABLE)
    if token is None:
        return None
    url = _value(environ, URL_VARIABLE)
    try:
        its_origin = None if url is None else BaseURL(url).origin
    except (TypeError, ValueError):
        its_origin = None
    if its_origin != origin:
        logger.debug(
            "%s is not sent to %s: it is for the server of %s (%s)",
            TOKEN_VARIABLE,
            origin,
            URL_VARIABLE,
            "not set" if url is None else its_origin or "not a URL",
        )
        return None
    return _strategy(token)


def log_from(environ: Mapping[str, str]) -> None:
    """Turn the client's logs on as ``KEYSTONE_LOG`` asks (nothing when it is not set).

    The ``keystone`` logger gets the level; a handler writing to stderr is added once per
    process, and only when no handler of the application's would show the records (the root
    logger has none), so that nothing is printed twice.
    """
    global _handler
    value = _value(environ, LOG_VARIABLE)
    if value is None:
        return
    level = _LEVELS.get(value.lower())
    if level is None:
        raise ValueError(
            f"{LOG_VARIABLE}={value!r} is not a log level the client knows: set it to "
            "'info' (a line per call) or 'debug' (each exchange too), or unset it"
        )
    logger = logging.getLogger("keystone")
    logger.setLevel(level)
    if _handler is None and not logging.getLogger().handlers:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(_handler)


def environment(trust_env: bool) -> Mapping[str, str]:
    """The variables a client may read: the process's, or none with ``trust_env=False``."""
    if not isinstance(trust_env, bool):
        raise TypeError(f"trust_env={trust_env!r} must be True or False")
    return os.environ if trust_env else {}
