"""Unsigned JWTs with chosen claims, for servers in tests that imitate SimpleJWT."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_token(kind: str = "access", lifetime: float = 300, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "token_type": kind,
        "exp": int(now + lifetime),
        "iat": now,
        "jti": uuid.uuid4().hex,
        "user_id": 1,
        **claims,
    }
    return f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(payload)}.c2lnbmF0dXJl"
