"""A password hasher cheap enough for a test server that logs users in many times a second."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256 with few iterations.

    The real server's default costs about half a second of CPU per login on a small machine,
    which would serialise a test suite's logins. The emulator's database is throwaway, so the
    work factor buys nothing; the stored format stays standard ``pbkdf2_sha256``.
    """

    iterations = 1000
