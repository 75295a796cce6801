"""JWTs as the SimpleJWT 5.3 of Keystone 0.3.26 issued them, on a current SimpleJWT.

Three details changed in later SimpleJWT releases and are restored here because clients see
them: the ``user_id`` claim is the integer primary key (not its string); an access token made
by ``authentication/refresh/`` copies the refresh token's ``iat`` (the login time) instead of
getting its own; and a token that fails to decode, or has expired, is reported as "Token is
invalid or expired". Everything else (signing, expiry, blacklist checks, the other messages)
is SimpleJWT's own.
"""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

INVALID_OR_EXPIRED = "Token is invalid or expired"


class RecordedMessages:
    """Reports undecodable and expired tokens with the 0.3.26 server's single message."""

    def __init__(self, token: Any = None, verify: bool = True) -> None:
        try:
            super().__init__(token, verify)  # type: ignore[call-arg]
        except ExpiredTokenError as exc:
            raise ExpiredTokenError(INVALID_OR_EXPIRED) from exc
        except TokenError as exc:
            if isinstance(exc.__cause__, TokenBackendError):
                raise TokenError(INVALID_OR_EXPIRED) from exc
            raise


class AccessToken(RecordedMessages, tokens.AccessToken):
    """The access token data endpoints accept (``AUTH_TOKEN_CLASSES``)."""


class RefreshToken(RecordedMessages, tokens.RefreshToken):
    """A refresh token with an integer ``user_id`` whose access tokens inherit its ``iat``."""

    access_token_class = AccessToken
    no_copy_claims = tuple(  # type: ignore[assignment]  # SimpleJWT types it as a fixed tuple
        claim for claim in tokens.RefreshToken.no_copy_claims if claim != "iat"
    )

    @classmethod
    def for_user(cls, user: Any) -> RefreshToken:
        """Issue a token for ``user`` and list it as outstanding (so it can be blacklisted)."""
        token = cls()
        token[api_settings.USER_ID_CLAIM] = getattr(user, api_settings.USER_ID_FIELD)
        OutstandingToken.objects.create(
            user=user,
            jti=token[api_settings.JTI_CLAIM],
            token=str(token),
            created_at=token.current_time,
            expires_at=datetime_from_epoch(token["exp"]),
        )
        return token


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    """``authentication/new/``: credentials in, ``{refresh, access}`` out."""

    token_class = RefreshToken


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """``authentication/refresh/``: a refresh token in, ``{access}`` out (no rotation)."""

    token_class = RefreshToken


class TokenBlacklistSerializer(jwt_serializers.TokenBlacklistSerializer):
    """``authentication/blacklist/``: a refresh token in, ``{}`` out."""

    token_class = RefreshToken
