"""The two generations of Keystone servers, and what the client knows of each.

Keystone changed its dialect at 0.4: JWT logins and plain lists (0.3.x) gave way to Django
sessions with CSRF (or API tokens), paginated lists, teams instead of research groups, and a
dozen new endpoints (0.4 to today's 0.10.x). One client speaks both: it finds out which one it
talks to by itself (once, see ``KeystoneClient.server``), or is told.
"""

from __future__ import annotations

import enum


class Generation(str, enum.Enum):
    """Which dialect of the Keystone API a server speaks.

    ``V0_3`` is Keystone 0.3.x (JWT, plain JSON lists, research groups); ``V0_4`` is Keystone
    0.4 and later (sessions with CSRF or API tokens, pages, teams and the newer endpoints). Each
    generation's resources are declared from one server's OpenAPI schema: :attr:`schema`.
    """

    V0_3 = "0.3"
    V0_4 = "0.4+"

    @property
    def schema(self) -> str:
        """The server version whose OpenAPI schema declares this generation's resources."""
        return _SCHEMAS[self]

    @property
    def describe(self) -> str:
        """How messages name it: ``"Keystone 0.3.x"`` or ``"Keystone 0.4 and later"``."""
        return "Keystone 0.3.x" if self is Generation.V0_3 else "Keystone 0.4 and later"

    @classmethod
    def of(cls, value: object) -> Generation:
        """``value`` as a generation (a member, or its text such as ``"0.3"``), or ValueError."""
        if isinstance(value, Generation):
            return value
        for member in cls:
            if value == member.value:
                return member
        choices = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"server={value!r} is not a Keystone generation; give one of {choices}")


_SCHEMAS = {Generation.V0_3: "0.3.26", Generation.V0_4: "0.10.9"}
