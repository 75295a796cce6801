"""Uploading files: a create whose record has file fields is sent as ``multipart/form-data``.

A file field takes a binary file object opened from a named file, a :class:`pathlib.Path`,
or a tuple ``(filename, bytes)`` / ``(filename, bytes, content_type)``. The server judges a
file's type by the extension of its name, so a stream without a name (``io.BytesIO``) is
refused before anything is sent, with a hint to pass a tuple. The file is read into memory
once: the body must be the same bytes if a retry or a renewed session sends it again.
The other fields go as text parts: strings, numbers, booleans (``true``/``false``) and
dates (ISO 8601); urllib3 encodes the whole body (no other dependency).
"""

from __future__ import annotations

import datetime
import decimal
import enum
import math
import mimetypes
import os
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from urllib3 import encode_multipart_formdata

#: A MIME type as a header carries it: ``type/subtype``, maybe parameters, printable only.
_MIME_TYPE = re.compile(
    r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*;[ -~]*)?"
)
#: What urllib3 encodes: a text value, or ``(filename, data, content_type)``.
_Part = str | tuple[str, bytes, str]


def has_files(data: Mapping[str, Any], files: tuple[str, ...]) -> bool:
    """Whether ``data`` gives a value for any of the file fields ``files``."""
    return any(name in data for name in files)


def multipart(data: Mapping[str, Any], files: tuple[str, ...], method: str) -> tuple[bytes, str]:
    """The body and ``Content-Type`` of ``data`` as ``multipart/form-data``."""
    parts: list[tuple[str, _Part]] = []
    for name, value in data.items():
        if name in files:
            parts.append((name, encode_file(name, value, method)))
        else:
            parts.append((name, _text(name, value, method)))
    body, content_type = encode_multipart_formdata(parts)
    return body, content_type


def _hint(name: str) -> str:
    return (
        f"pass a binary file opened from a named file, a pathlib.Path, or a tuple such as "
        f"{name}=('proposal.pdf', data) or {name}=('proposal.pdf', data, 'application/pdf')"
    )


def encode_file(name: str, value: Any, method: str) -> tuple[str, bytes, str]:
    """A file field's value as ``(filename, content, content_type)``, or a clear error."""
    if isinstance(value, tuple):
        return _from_tuple(name, value, method)
    if isinstance(value, (PurePath, os.PathLike)):
        path = os.fspath(value)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        with open(path, "rb") as opened:
            return _named(os.path.basename(path), opened.read())
    read = getattr(value, "read", None)
    if callable(read):
        filename = getattr(value, "name", None)
        if not isinstance(filename, str) or not os.path.basename(filename):
            raise ValueError(
                f"{method}: the file given for {name!r} has no name (an in-memory stream?); "
                f"the server judges a file's type by its name's extension, so {_hint(name)}"
            )
        content = read()
        if isinstance(content, str):
            raise TypeError(
                f"{method}: the file given for {name!r} ({filename}) was opened in text mode; "
                "open it with open(path, 'rb')"
            )
        if not isinstance(content, bytes):
            raise TypeError(f"{method}: reading the file given for {name!r} gave {content!r}")
        return _named(os.path.basename(filename), content)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise ValueError(
            f"{method}: {name!r} got bytes without a file name; the server judges a file's "
            f"type by its name's extension, so {_hint(name)}"
        )
    raise TypeError(f"{method}: {name!r} is a file field; {_hint(name)}, not {value!r}")


def _from_tuple(name: str, value: tuple[Any, ...], method: str) -> tuple[str, bytes, str]:
    if len(value) not in (2, 3):
        raise ValueError(
            f"{method}: {name!r} must be (filename, bytes) or (filename, bytes, content_type), "
            f"not a tuple of {len(value)}"
        )
    filename, content = value[0], value[1]
    if not isinstance(filename, str) or not filename.strip():
        raise ValueError(f"{method}: the file name for {name!r} must be a non-empty str")
    if isinstance(content, (bytearray, memoryview)):
        content = bytes(content)
    if not isinstance(content, bytes):
        raise TypeError(
            f"{method}: the content for {name!r} must be bytes, not {type(content).__name__}; "
            "encode text first, e.g. text.encode('utf-8')"
        )
    if len(value) == 3:
        content_type = value[2]
        if not isinstance(content_type, str) or not _MIME_TYPE.fullmatch(content_type):
            raise ValueError(
                f"{method}: the content type for {name!r} must be a MIME type such as "
                f"'application/pdf' (no line breaks or control characters: it becomes a "
                f"header of the upload), not {content_type!r}"
            )
        return filename, content, content_type
    return _named(filename, content)


def _named(filename: str, content: bytes) -> tuple[str, bytes, str]:
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return filename, content, content_type


def _text(name: str, value: Any, method: str) -> str:
    """One non-file field as the text a form part carries."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        if not math.isfinite(value):
            raise ValueError(f"{method}: {name!r} is {value!r}; give a finite number")
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _text(name, value.value, method)
    if value is None:
        raise ValueError(
            f"{method}: {name!r} is None, which a file upload (multipart/form-data) cannot "
            "carry; leave the field out"
        )
    raise TypeError(
        f"{method}: {name!r} is {type(value).__name__}, which a file upload "
        "(multipart/form-data) cannot carry; give a str, number, boolean or date, or set it "
        "afterwards with the update_ method"
    )
