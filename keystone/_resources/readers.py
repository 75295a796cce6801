"""The read-only endpoints beside the resources: who am I, the settings, statistics, choices.

A mixin of :class:`~keystone.KeystoneClient`. Each method checks its arguments against the
server generation's schema (:mod:`keystone._resources.declared`) before sending anything;
what a generation lacks raises :class:`~keystone.UnsupportedError`.
"""

from __future__ import annotations

from typing import Any

from keystone._errors import UnsupportedError
from keystone._request import CallState, Filters
from keystone._requester import RequesterBase
from keystone._resources.bodies import read_record
from keystone._resources.catalog import BY_NAME
from keystone._resources.declared import DECLARED
from keystone._resources.endpoints import check_list, declared, has_endpoint, list_query
from keystone._resources.keys import record_key
from keystone._servers import Generation
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike, checked_timeout
from keystone.auth import AuthStrategy

WHOAMI = "authentication/whoami"
CONFIG = "config"
_STATS = "stats/"


def _read(client: Any, path: str, what: str, params: Any, timeout: TimeoutLike) -> dict[str, Any]:
    """GET ``path`` as a call of the application's (``what`` tells middleware which one)."""
    call = CallState(resource=what, operation="retrieve")
    response = client.request("GET", path + "/", params=params, timeout=timeout, call=call)
    return read_record(response)


class Readers(RequesterBase):
    """``whoami()``, ``config()``, ``stats()`` and ``choices()``."""

    _auth: AuthStrategy

    def whoami(self, timeout: TimeoutLike = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The record of the user the client acts as.

        ``GET authentication/whoami/`` on Keystone 0.4 and later (the user, with their team
        memberships). Keystone 0.3.x has no such endpoint: there the client reads the user's
        id from its login token and answers ``GET users/users/<id>/``. Raises
        ``AuthenticationError`` when the client is not logged in.
        """
        timeout = checked_timeout(timeout)
        generation = self.server
        if has_endpoint(generation, WHOAMI):
            return _read(self, WHOAMI, "whoami", None, timeout)
        user_id = self._auth.user_id
        if user_id is None:
            raise UnsupportedError(
                f"whoami: {generation.describe} servers have no whoami endpoint, and this "
                "client has no login token to read the user from; log in with "
                "client.login(username, password) first",
                generation=generation,
            )
        key = record_key(user_id, "whoami")
        return _read(self, f"{BY_NAME['user'].paths[generation]}/{key}", "user", None, timeout)

    def config(self, timeout: TimeoutLike = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The server's settings for clients (``GET config/``): upload limits, session times.

        Keystone 0.4 and later; 0.3.x servers have none (``UnsupportedError``).
        """
        timeout = checked_timeout(timeout)
        generation = self.server
        if not has_endpoint(generation, CONFIG):
            raise UnsupportedError(
                f"config: {generation.describe} servers publish no settings (no config/ "
                "endpoint). Nothing was sent.",
                generation=generation,
            )
        return _read(self, CONFIG, "config", None, timeout)

    def stats(
        self,
        name: str,
        filters: Filters | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        search: str | None = None,
    ) -> dict[str, Any]:
        """Totals over ``name`` (``"grants"``, ``"notifications"``, ``"publications"``,
        ``"requests"``): ``GET stats/<name>/``, for the records ``filters`` and ``search``
        select.

        Staff see totals over all teams, others over their own teams (or, for notifications,
        their own). Filters are checked like a resource's (``ValueError`` for a name the
        server does not declare). Keystone 0.4 and later; 0.3.x servers have no statistics.
        """
        if not isinstance(name, str):
            raise TypeError(f"stats: name must be a str such as 'grants', not {name!r}")
        method = f"stats({name!r})"
        query = list_query(filters, method, search)
        timeout = checked_timeout(timeout)
        generation = self.server
        names = sorted(
            p[len(_STATS) :] for p in DECLARED[generation.schema] if p.startswith(_STATS)
        )
        if not names:
            raise UnsupportedError(
                f"stats: {generation.describe} servers have no statistics (no stats/ "
                "endpoints). Nothing was sent.",
                generation=generation,
            )
        if name not in names:
            raise ValueError(
                f"stats: {name!r} is not one of the server's statistics; give one of "
                + ", ".join(repr(n) for n in names)
            )
        endpoint = declared(generation, _STATS + name)
        check_list(
            query,
            endpoint,
            generation,
            subject=f"{name} statistics",
            method=method,
            check_filters=self._check_filters,
        )
        return _read(self, endpoint.path, "stats", query.query, timeout)

    def choices(
        self, resource: str, field: str, timeout: TimeoutLike = DEFAULT_TIMEOUT
    ) -> dict[str, str]:
        """The values ``field`` of ``resource`` may take, each with its label.

        For example ``client.choices("request", "status")`` answers ``{"PD": "Pending", ...}``
        (``GET allocations/request-choices/status/``). Keystone 0.4 and later.
        """
        for what, value in (("resource", resource), ("field", field)):
            if not isinstance(value, str):
                raise TypeError(f"choices: {what} must be a str such as 'request', not {value!r}")
        timeout = checked_timeout(timeout)
        generation = self.server
        available = _choices(generation)
        if (resource, field) not in available:
            if not available:
                raise UnsupportedError(
                    f"choices: {generation.describe} servers publish no field choices. "
                    "Nothing was sent.",
                    generation=generation,
                )
            listed = ", ".join(f"({r!r}, {f!r})" for r, f in sorted(available))
            raise ValueError(
                f"choices: the server publishes no choices for {resource!r} {field!r}; it has "
                f"them for {listed}"
            )
        body = _read(self, available[resource, field], f"{resource}-choices", None, timeout)
        return {str(key): str(label) for key, label in body.items()}


def _choices(generation: Generation) -> dict[tuple[str, str], str]:
    """``(resource, field)`` -> the path of its choices, for every resource of ``generation``."""
    found = {}
    for resource in BY_NAME.values():
        path = resource.paths.get(generation)
        if path is None:
            continue
        app = path.split("/", 1)[0]
        prefix = f"{app}/{resource.name}-choices/"
        for declared_path in DECLARED[generation.schema]:
            if declared_path.startswith(prefix):
                field = declared_path[len(prefix) :].replace("-", "_")
                found[resource.name, field] = declared_path
    return found
