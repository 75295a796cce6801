"""The release lines the tests run on: the last release of each, as the emulator imitates it."""

from keystone.testing.config import KNOWN_APIS

LINES: tuple[str, ...] = KNOWN_APIS
