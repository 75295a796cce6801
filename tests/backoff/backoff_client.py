"""A real ``KeystoneClient`` for the backoff tests, with quick waits and an optional token.

``clock=`` gives the client a clock of the test's (a ``FakeClock``: waits without waiting).

The token is given as the caller's own ``Authorization`` header, which the auth layer leaves
alone, so a test controls exactly which credentials each request carries.
"""

from __future__ import annotations

from typing import Any

from keystone import DEFAULT_TIMEOUT, KeystoneClient, Response, RetryPolicy

#: Quick waits so fault tests finish fast; the rules are what is tested, not the durations.
QUICK = RetryPolicy(max_attempts=4, backoff_base=0.02, backoff_cap=0.1, deadline=20.0)


class Chain:
    """Sends requests through a whole client: ``send(method, endpoint, json)``."""

    def __init__(
        self,
        url: str,
        policy: RetryPolicy = QUICK,
        *,
        token: str | None = None,
        timeout: Any = (5.0, 10.0),
        pool_maxsize: int = 10,
        clock: Any = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else None
        options: dict[str, Any] = {} if clock is None else {"clock": clock}
        self.client = KeystoneClient(
            url,
            retry=policy,
            timeout=timeout,
            pool_maxsize=pool_maxsize,
            headers=headers,
            **options,
        )

    def send(
        self,
        method: str,
        endpoint: str,
        json: Any = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: Any = DEFAULT_TIMEOUT,
    ) -> Response:
        return self.client.request(method, endpoint, json=json, retry=retry, timeout=timeout)

    def close(self) -> None:
        self.client.close()
