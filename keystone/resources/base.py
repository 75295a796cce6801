"""The part of the resource mixin that is written by hand: ``api_version``.

:class:`ResourceClientBase` is the base of the generated
:class:`~keystone.resources.methods.ResourceMethods`; :class:`~keystone.KeystoneClient` inherits
both and supplies ``request`` and ``url``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from keystone.request import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from keystone.request import Params, TimeoutLike
    from keystone.response import Response

_VERSION = "_keystone_api_version"
_VERSION_LOCK = "_keystone_api_version_lock"


class ResourceClientBase:
    """What the resource methods need from the client, and the server's version."""

    if TYPE_CHECKING:

        @property
        def url(self) -> str: ...

        def request(
            self,
            method: str,
            endpoint: str,
            *,
            params: Params | None = None,
            json: Any = None,
            timeout: TimeoutLike = DEFAULT_TIMEOUT,
            context: dict[str, Any] | None = None,
        ) -> Response: ...

    @property
    def api_version(self) -> str:
        """The server's version string (``GET version/``), fetched on first use and then kept.

        Threads that ask at the same time share one request. A failed fetch is not kept: the
        next access tries again.
        """
        state = vars(self)
        version: str | None = state.get(_VERSION)
        if version is not None:
            return version
        lock: threading.Lock = state.setdefault(_VERSION_LOCK, threading.Lock())
        with lock:
            version = state.get(_VERSION)
            if version is None:
                response = self.request("GET", "version", context={"kind": "api"})
                version = response.text.strip()
                state[_VERSION] = version
        return version
