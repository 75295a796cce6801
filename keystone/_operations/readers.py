"""The read-only endpoints beside the resources: who am I, the settings, statistics, choices.

Each reader is a plan (:mod:`keystone._plans`), which :class:`Readers` runs for
:class:`~keystone.KeystoneClient` and :class:`AsyncReaders` for
:class:`~keystone.AsyncKeystoneClient`. Each checks its arguments
against the server release's schema (:mod:`keystone.resources.declared`) before sending anything;
what a release lacks raises :class:`~keystone.UnsupportedError`.
"""

from __future__ import annotations

from typing import Any

from keystone._core import Call, Core, UsesCore
from keystone._errors import UnsupportedError
from keystone._operations.records import read_record
from keystone._plans import Plan, arun, described_by, run
from keystone._request import CallState, Filters, Params
from keystone._retry_policy import RetryPolicy
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike
from keystone.resources._endpoints import bind, declarations, list_query, releases_with
from keystone.resources._keys import record_key
from keystone.resources.catalog import BY_NAME, CHOICES
from keystone.resources.declared import RELEASES

WHOAMI = "authentication/whoami"
CONFIG = "config"
_STATS = "stats/"


def _read(call: Call, url: str, what: str, params: Params | None = None) -> Plan[dict[str, Any]]:
    """GET ``url`` as ``call`` (``what`` tells middleware which reader made it)."""
    state = CallState(resource=what, operation="retrieve")
    return read_record((yield call.request("GET", url, params=params, state=state)))


def whoami(
    core: Core, timeout: TimeoutLike = DEFAULT_TIMEOUT, *, retry: RetryPolicy | None = None
) -> Plan[dict[str, Any]]:
    """The record of the user the client acts as.

    ``GET authentication/whoami/`` on Keystone 0.4 and later (the user, with their team
    memberships). Keystone 0.3.x has no such endpoint: there the client reads the user's
    id from its login token and answers ``GET users/users/<id>/``. Raises
    ``AuthenticationError`` when the client is not logged in.
    """
    call = core.begin("whoami", timeout, retry)
    server = yield from call.server()
    declared = declarations(server.follows)
    if WHOAMI in declared:
        return (yield from _read(call, declared[WHOAMI].url, "whoami", None))
    user_id = core.auth.user_id
    if user_id is None:
        raise UnsupportedError(
            f"whoami: {server.describe} has no whoami endpoint, and this client has no "
            "login token to read the user from; log in with "
            "client.login(username, password) first",
            server=server,
        )
    key = record_key(user_id, "whoami")
    users = BY_NAME["user"].path_in(declared)
    return (yield from _read(call, f"{users}/{key}/", "user", None))


def config(
    core: Core, timeout: TimeoutLike = DEFAULT_TIMEOUT, *, retry: RetryPolicy | None = None
) -> Plan[dict[str, Any]]:
    """The server's settings for clients (``GET config/``): upload limits, session times.

    Keystone 0.9.5 and later; older releases have none (``UnsupportedError``).
    """
    call = core.begin("config", timeout, retry)
    server = yield from call.server()
    endpoint = declarations(server.follows).get(CONFIG)
    if endpoint is None:
        raise UnsupportedError(
            f"config: {server.describe} publishes no settings (config/ is on "
            f"{releases_with([CONFIG])}). Nothing was sent.",
            server=server,
        )
    return (yield from _read(call, endpoint.url, "config", None))


def stats(
    core: Core,
    name: str,
    filters: Filters | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    *,
    search: str | None = None,
    retry: RetryPolicy | None = None,
) -> Plan[dict[str, Any]]:
    """Totals over ``name`` (``"grants"``, ``"notifications"``, ``"publications"``,
    ``"requests"``): ``GET stats/<name>/``, for the records ``filters`` and ``search``
    select.

    Staff see totals over all teams, others over their own teams (or, for notifications,
    their own). Filters are checked like a resource's (``ValueError`` for a name the
    server does not declare). Keystone 0.8.2 and later (``"notifications"`` from 0.8.7);
    older releases have no statistics.
    """
    if not isinstance(name, str):
        raise TypeError(f"stats: name must be a str such as 'grants', not {name!r}")
    method = f"stats({name!r})"
    query = list_query(filters, method, search)
    call = core.begin(method, timeout, retry)
    server = yield from call.server()
    declared = declarations(server.follows)
    names = sorted(p[len(_STATS) :] for p in declared if p.startswith(_STATS))
    if not names:
        every = sorted({p for r in RELEASES for p in declarations(r) if p.startswith(_STATS)})
        raise UnsupportedError(
            f"stats: {server.describe} has no statistics (stats/ is on "
            f"{releases_with(every)}). Nothing was sent.",
            server=server,
        )
    if name not in names:
        raise ValueError(
            f"stats: {name!r} is not one of the statistics of {server.describe}; give one "
            "of " + ", ".join(repr(n) for n in names)
        )
    endpoint = declared[_STATS + name]
    params = bind(
        query,
        endpoint,
        server,
        subject=f"{name} statistics",
        method=method,
        check_filters=core.check_filters,
    )
    return (yield from _read(call, endpoint.url, "stats", params))


def choices(
    core: Core,
    resource: str,
    field: str,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    *,
    retry: RetryPolicy | None = None,
) -> Plan[dict[str, str]]:
    """The values ``field`` of ``resource`` may take, each with its label.

    For example ``client.choices("request", "status")`` answers ``{"PD": "Pending", ...}``
    (``GET allocations/request-choices/status/``, or where the release keeps it: from
    Keystone 0.5.6 on, more fields over time; ``UnsupportedError`` where the release has
    none).
    """
    for what, value in (("resource", resource), ("field", field)):
        if not isinstance(value, str):
            raise TypeError(f"choices: {what} must be a str such as 'request', not {value!r}")
    call = core.begin("choices", timeout, retry)
    server = yield from call.server()
    declared = declarations(server.follows)
    available = {
        key: declared[path] for key, paths in CHOICES.items() for path in paths if path in declared
    }
    if (resource, field) not in available:
        if not available:
            every = [p for paths in CHOICES.values() for p in paths]
            raise UnsupportedError(
                f"choices: {server.describe} publishes no field choices (they are on "
                f"{releases_with(every)}). Nothing was sent.",
                server=server,
            )
        if (resource, field) in CHOICES:
            raise UnsupportedError(
                f"choices: {server.describe} publishes no choices for {resource!r} "
                f"{field!r} (they are on {releases_with(CHOICES[resource, field])}). "
                "Nothing was sent.",
                server=server,
            )
        listed = ", ".join(f"({r!r}, {f!r})" for r, f in sorted(available))
        raise ValueError(
            f"choices: the server publishes no choices for {resource!r} {field!r}; it has "
            f"them for {listed}"
        )
    endpoint = available[resource, field]
    body = yield from _read(call, endpoint.url, f"{resource}-choices", None)
    return {str(key): str(label) for key, label in body.items()}


class Readers(UsesCore):
    """``whoami()``, ``config()``, ``stats()`` and ``choices()``; each takes ``retry=``, a
    :class:`~keystone.RetryPolicy` for its request (``None``: the batch's, else the client's)."""

    @described_by(whoami)
    def whoami(
        self, timeout: TimeoutLike = DEFAULT_TIMEOUT, *, retry: RetryPolicy | None = None
    ) -> dict[str, Any]:
        return run(self._core, whoami(self._core, timeout, retry=retry))

    @described_by(config)
    def config(
        self, timeout: TimeoutLike = DEFAULT_TIMEOUT, *, retry: RetryPolicy | None = None
    ) -> dict[str, Any]:
        return run(self._core, config(self._core, timeout, retry=retry))

    @described_by(stats)
    def stats(
        self,
        name: str,
        filters: Filters | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        search: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> dict[str, Any]:
        plan = stats(self._core, name, filters, timeout, search=search, retry=retry)
        return run(self._core, plan)

    @described_by(choices)
    def choices(
        self,
        resource: str,
        field: str,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> dict[str, str]:
        return run(self._core, choices(self._core, resource, field, timeout, retry=retry))


class AsyncReaders(UsesCore):
    """The readers of :class:`Readers`, awaited."""

    @described_by(whoami)
    async def whoami(
        self, timeout: TimeoutLike = DEFAULT_TIMEOUT, *, retry: RetryPolicy | None = None
    ) -> dict[str, Any]:
        return await arun(self._core, whoami(self._core, timeout, retry=retry))

    @described_by(config)
    async def config(
        self, timeout: TimeoutLike = DEFAULT_TIMEOUT, *, retry: RetryPolicy | None = None
    ) -> dict[str, Any]:
        return await arun(self._core, config(self._core, timeout, retry=retry))

    @described_by(stats)
    async def stats(
        self,
        name: str,
        filters: Filters | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        search: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> dict[str, Any]:
        plan = stats(self._core, name, filters, timeout, search=search, retry=retry)
        return await arun(self._core, plan)

    @described_by(choices)
    async def choices(
        self,
        resource: str,
        field: str,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> dict[str, str]:
        return await arun(self._core, choices(self._core, resource, field, timeout, retry=retry))
