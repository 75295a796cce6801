"""Records shaped as the imitated release answers them: its fields, in its order, its rules.

The emulator's models hold every field any release from 0.4.1 to 0.10.9 had; a release's
records show only that release's (its schema's view, :mod:`keystone.testing.server_v010.
release`), in the order it lists them, and so do the objects they embed (``_team``,
``_history``...). Its create takes the fields that release writes, and requires the ones it
requires; a field that release reads but does not write (a team's ``name`` on update from
0.10.3) is read-only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

from keystone.testing.server_v010 import release


class Shaped:
    """Serializer mixin: the fields of the records at its path on the current release.

    The path is the view's ``release_path`` (whoami answers a user otherwise than
    ``users/users/`` does), else the serializer's own. A serializer embedded in another is
    shaped by its parent, with the field list the parent's record gives that embedded object
    (``nested`` in the view), and left as it is when the parent gives none.
    """

    release_path: ClassVar[str | None] = None
    shape: list[str] | None = None
    inner_shapes: dict[str, list[str]] | None = None

    def _path(self) -> str | None:
        parent = getattr(self, "parent", None)
        if isinstance(parent, serializers.ListSerializer):
            parent = parent.parent  # one record of a list: shaped as the list's view says
        if parent is not None:
            return None  # embedded: its parent shapes it
        context: dict[str, Any] = getattr(self, "context", None) or {}
        view = context.get("view")
        return getattr(view, "release_path", None) or self.release_path

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        current = release.current
        path = None if self.shape is not None else self._path()
        if self.shape is not None:
            order = list(self.shape)
            writable: dict[str, str] = {}
        elif path is not None and (current.record(path) or current.writable(path)):
            order = current.record(path)
            writable = current.writable(path)
            if getattr(self, "instance", None) is not None:
                writable = current.update_fields(path) or writable
            order += [name for name in writable if name not in order]  # write-only: password
        else:
            return fields
        required = set(current.required(path)) if path is not None else set()
        if self.shape is not None:
            nested = self.inner_shapes or {}
        else:
            nested = current.view["paths"].get(path, {}).get("nested", {}) if path else {}
        shaped = {}
        for name in order:
            found = fields.get(name)
            if found is None:
                continue
            if self.shape is None:
                if name not in writable:
                    found.read_only = True
                    found.required = False
                elif not found.read_only:
                    found.required = name in required
            if name in nested:
                child = getattr(found, "child", found)
                if isinstance(child, Shaped):
                    child.shape = nested[name]
                    child.inner_shapes = {
                        key[len(name) + 1 :]: value
                        for key, value in nested.items()
                        if key.startswith(name + ".")
                    }
            shaped[name] = found
        return shaped


class Summary(Shaped, serializers.ModelSerializer):
    """An embedded copy of a linked record, shaped by the record that embeds it."""
