"""The part of the resource mixin that is written by hand: ``api_version``.

:class:`ResourceClientBase` is the base of the generated
:class:`~keystone.resources.methods.ResourceMethods`; :class:`~keystone.KeystoneClient` inherits
both and supplies ``request`` and ``url``.
"""

from __future__ import annotations

from keystone._locks import ForkSafeLock
from keystone.requester import RequesterBase

_VERSION = "_keystone_api_version"
_VERSION_LOCK = "_keystone_api_version_lock"


class ResourceClientBase(RequesterBase):
    """What the resource methods need from the client, and the server's version."""

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
        lock: ForkSafeLock = state.setdefault(_VERSION_LOCK, ForkSafeLock())
        with lock:
            version = state.get(_VERSION)
            if version is None:
                response = self.request("GET", "version", context={"kind": "api"})
                version = response.text.strip()
                state[_VERSION] = version
        return version
