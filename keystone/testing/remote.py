"""Programming a running emulator from any process, through its ``/__emulator__/`` endpoints.

:class:`EmulatorControl` is what :class:`~keystone.testing.KeystoneEmulator` uses internally,
and what a test uses to program an emulator started elsewhere (for instance with
``python -m keystone.testing``)::

    control = EmulatorControl("http://127.0.0.1:8000/")
    control.faults.status(503, path="/allocations/clusters/", times=2, retry_after=1)
    ...
    assert control.stats.count(method="GET", path="/allocations/clusters/") == 3

Each call opens a fresh connection (standard library ``http.client``) so it never disturbs,
and is never counted with, the connections of the code under test. An emulator serving HTTPS
is reached over HTTPS too: pass its CA certificate as ``ca_path``.

On the 0.10.9 profile the channel also does what the API has no endpoint for:
:meth:`EmulatorControl.create_token`, :meth:`~EmulatorControl.notify` and
:meth:`~EmulatorControl.end_sessions`.
"""

from __future__ import annotations

import builtins
import http.client
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from keystone.testing.control import CONTROL_PREFIX
from keystone.testing.faults import FaultRule
from keystone.testing.stats import StatsQueries, StatsSnapshot
from keystone.testing.tls import client_context


class ControlError(RuntimeError):
    """The emulator's control channel refused a request (``status``) or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class EmulatorControl:
    """A handle on a running emulator's control channel; ``url`` is the emulator's base URL.

    For an ``https://`` URL, ``ca_path`` is the CA certificate to verify the server with
    (:attr:`KeystoneEmulator.ca_path <keystone.testing.KeystoneEmulator.ca_path>`).
    """

    def __init__(self, url: str, *, timeout: float = 10.0, ca_path: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.port is None:
            raise ValueError(f"expected an http(s)://host:port/ URL, not {url!r}")
        self.url = f"{parts.scheme}://{parts.netloc}/"
        self._host = parts.hostname
        self._port = parts.port
        self._timeout = timeout
        self._ssl = client_context(ca_path) if parts.scheme == "https" else None
        self.faults = FaultInjector(self)
        self.stats = Stats(self._fetch_stats, self._reset_stats)

    def __repr__(self) -> str:
        return f"<EmulatorControl {self.url}>"

    def info(self) -> dict[str, Any]:
        """The server process's ``pid`` and ``url``."""
        result: dict[str, Any] = self.call("GET", "")
        return result

    def call(self, method: str, endpoint: str, payload: Any = None) -> Any:
        """Send one control request (``endpoint`` relative to ``/__emulator__/``)."""
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection: http.client.HTTPConnection
        if self._ssl is not None:
            connection = http.client.HTTPSConnection(
                self._host, self._port, timeout=self._timeout, context=self._ssl
            )
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            connection.request(method, CONTROL_PREFIX + endpoint, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except OSError as exc:
            raise ControlError(f"cannot reach the emulator at {self.url}: {exc}") from exc
        finally:
            connection.close()
        decoded = json.loads(data) if data else None
        if response.status >= 400:
            detail = decoded.get("detail") if isinstance(decoded, dict) else decoded
            raise ControlError(
                f"{method} {CONTROL_PREFIX}{endpoint}: {response.status} {detail}", response.status
            )
        return decoded

    def create_token(self, username: str) -> str:
        """The DRF API token of ``username`` (made if the user has none), for ``Token <key>``.

        The real server's tokens are made in its admin site or shell; logging out does not
        revoke them. Only the 0.10.9 profile has tokens (others raise :class:`ControlError`).
        """
        result = self.call("POST", "commands/create_token/", {"username": username})
        return str(result["key"])

    def notify(self, username: str, subject: str, message: str = "") -> dict[str, Any]:
        """Send ``username`` a general-message notification; returns it as the API shows it.

        The record is what the server's own notification code stores (text and HTML message,
        type ``GM``, unread); no mail is sent. 0.10.9 profile only.
        """
        payload = {"username": username, "subject": subject, "message": message}
        result: dict[str, Any] = self.call("POST", "commands/notify/", payload)
        return result

    def end_sessions(self, username: str) -> int:
        """Make the server forget every session of ``username``; returns how many ended.

        A client holding one of them gets 401 on its next request and must log in again (its
        API tokens still work). 0.10.9 profile only.
        """
        result = self.call("POST", "commands/end_sessions/", {"username": username})
        return int(result["ended"])

    def _fetch_stats(self) -> StatsSnapshot:
        return StatsSnapshot.from_dict(self.call("GET", "stats/"))

    def _reset_stats(self) -> None:
        self.call("DELETE", "stats/")


class Stats(StatsQueries):
    """Live counters: every query reads the server's current counts.

    See :class:`~keystone.testing.stats.StatsQueries` for the filters. Take a
    :meth:`snapshot` to run several queries on one consistent set of counts.
    """

    def __init__(self, fetch: Callable[[], StatsSnapshot], reset: Callable[[], None]) -> None:
        self._fetch = fetch
        self._reset = reset

    def snapshot(self) -> StatsSnapshot:
        return self._fetch()

    def reset(self) -> None:
        """Zero every counter."""
        self._reset()

    def __repr__(self) -> str:
        return "<Stats (live)>"


class FaultInjector:
    """Adds, lists and removes the fault rules of a running emulator.

    Every method takes ``method`` (``None`` for any), ``path`` (a glob on the path without
    query, ``*`` matching ``/`` too; default: every path) or ``path_regex`` (a regular
    expression that must match the whole path), and ``times`` (how many matching requests the
    rule applies to; ``None`` for every one until cleared). Rules apply in the order they were
    added, at most one per request, and return the stored rule (with its ``id``).
    """

    def __init__(self, control: EmulatorControl) -> None:
        self._control = control

    def add(self, rule: FaultRule) -> FaultRule:
        """Install a prepared :class:`FaultRule`."""
        return FaultRule.from_dict(self._control.call("POST", "faults/", rule.to_dict()))

    def status(
        self,
        code: int,
        *,
        method: str | None = None,
        path: str = "*",
        path_regex: str | None = None,
        times: int | None = 1,
        retry_after: float | str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> FaultRule:
        """Answer ``code`` without reaching the application.

        The body is ``body`` as JSON, or by default a DRF-like ``{"detail": ...}``;
        ``retry_after`` (seconds or an HTTP date) becomes a ``Retry-After`` header.
        """
        if isinstance(retry_after, float) and retry_after.is_integer():
            retry_after = int(retry_after)
        return self.add(
            FaultRule(
                "status",
                method=method,
                path=path,
                path_regex=path_regex,
                times=times,
                status=code,
                retry_after=None if retry_after is None else str(retry_after),
                body=body,
                headers=dict(headers or {}),
            )
        )

    def drop_after_processing(
        self,
        *,
        method: str | None = None,
        path: str = "*",
        path_regex: str | None = None,
        times: int | None = 1,
        reset: bool = False,
    ) -> FaultRule:
        """Let the application process the request, then close the connection unanswered.

        ``reset=True`` closes with a TCP reset instead of an orderly close.
        """
        return self.add(
            FaultRule(
                "drop_after_processing",
                method=method,
                path=path,
                path_regex=path_regex,
                times=times,
                reset=reset,
            )
        )

    def drop_before_processing(
        self,
        *,
        method: str | None = None,
        path: str = "*",
        path_regex: str | None = None,
        times: int | None = 1,
        reset: bool = False,
    ) -> FaultRule:
        """Read the request, then close the connection without processing or answering it."""
        return self.add(
            FaultRule(
                "drop_before_processing",
                method=method,
                path=path,
                path_regex=path_regex,
                times=times,
                reset=reset,
            )
        )

    def delay(
        self,
        seconds: float,
        *,
        method: str | None = None,
        path: str = "*",
        path_regex: str | None = None,
        times: int | None = 1,
    ) -> FaultRule:
        """Wait ``seconds`` before processing the request normally."""
        return self.add(
            FaultRule(
                "delay",
                method=method,
                path=path,
                path_regex=path_regex,
                times=times,
                seconds=seconds,
            )
        )

    def remove(self, rule: FaultRule | int) -> bool:
        """Remove one pending rule; ``False`` if it was already used up or cleared."""
        rule_id = rule if isinstance(rule, int) else rule.id
        try:
            self._control.call("DELETE", f"faults/{rule_id}/")
        except ControlError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def clear(self) -> int:
        """Remove every pending rule; returns how many there were."""
        result: dict[str, int] = self._control.call("DELETE", "faults/")
        return result["cleared"]

    def list(self) -> builtins.list[FaultRule]:
        """The pending rules, in the order they apply, with their remaining uses."""
        result = self._control.call("GET", "faults/")
        return [FaultRule.from_dict(item) for item in result["faults"]]

    def __len__(self) -> int:
        return len(self.list())

    def __repr__(self) -> str:
        return f"<FaultInjector {self._control.url}>"
