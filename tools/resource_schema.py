"""Reading every Keystone release's schema view into the client's endpoint declarations.

``keystone/testing/schemas/`` holds, for each release the client knows, the client's view of that
release's OpenAPI schema (``tools/schema_view.py``; ``index.json`` names the view of each
release, shared by releases whose schemas say the same). For every endpoint the client uses
(the resources' collections, the field choices, the statistics, the settings, whoami and the
atomic jobs) a view says: which methods its list and detail paths take (the operations),
which fields a create or an update may send and which a create must give, which are files,
and every query parameter of the list with the type of value it reads (the filters, and
whether ``_search``, ``_order``/``ordering`` and ``_limit`` are among them).

:func:`render` writes all of it as :mod:`keystone.resources.declared`: each endpoint's
declaration from the first release that declares it so, to the release that changes or drops
it. The module is at once the client's knowledge and the record of where each endpoint
changed.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from keystone.resources.spec import CRUD, READ_ONLY, Endpoint, Operation, Resource

RELEASES = Path(__file__).resolve().parent.parent / "keystone" / "testing" / "schemas"
#: Query parameters that page, search or order a list: not filters.
LIST_CONTROLS = frozenset({"_limit", "_offset", "_search", "_order", "ordering"})
#: The endpoints besides the resources' collections that the client uses: the read-only ones,
#: the field choices (of either era's naming) and the atomic jobs (``batch``).
EXTRA_PATHS = re.compile(
    r"^(stats/[a-z-]+|config|authentication/whoami|batch"
    r"|[a-z]+/[a-z-]+-choices/[a-z-]+|[a-z]+/[a-z-]+/[a-z-]+-choices)$"
)


def index() -> dict[str, str]:
    """Every known release, oldest first, and the name of its view's file."""
    found: dict[str, str] = json.loads((RELEASES / "index.json").read_text("utf-8"))
    return found


def load(name: str) -> dict[str, Any]:
    """The view stored as ``keystone/testing/schemas/<name>.json``."""
    view: dict[str, Any] = json.loads((RELEASES / f"{name}.json").read_text("utf-8"))
    return view


#: Upload fields that the schemas before 0.10.0 show as text: drf-spectacular without
#: COMPONENT_SPLIT_REQUEST describes a FileField as it answers it (a storage path), while the
#: server reads it from a multipart part (apps/allocations/serializers.py of 0.6.1 on).
UPLOADS = {"allocations/attachments": ("file",)}


def endpoint(view: dict[str, Any], path: str) -> Endpoint:
    """The declaration of ``path`` in ``view`` (``KeyError`` if it has none)."""
    item = view["paths"][path]
    methods, detail = set(item["methods"]), set(item.get("detail_methods", ()))
    operations = {Operation.RETRIEVE} if "get" in methods else set()
    if "post" in methods:
        operations.add(Operation.CREATE)
    if "patch" in detail:
        operations.add(Operation.UPDATE)
    if "delete" in detail:
        operations.add(Operation.DELETE)
    params: dict[str, str] = item.get("params", {})
    fields: dict[str, str] = dict(item.get("fields", {}))
    for name in UPLOADS.get(path, ()):
        if name in fields:
            fields[name] = "file"
    order = next((name for name in ("_order", "ordering") if name in params), None)
    return Endpoint(
        path=path,
        operations=frozenset(operations),
        detail=bool(detail),
        required=tuple(item.get("required", ())),
        files=tuple(sorted(name for name, kind in fields.items() if kind == "file")),
        fields=fields,
        update_fields=item.get("update_fields"),
        filters={name: kind for name, kind in params.items() if name not in LIST_CONTROLS},
        search="_search" in params,
        order=order,
        paginated="_limit" in params,
        slash=item.get("slash", True),
    )


def used_paths(view: dict[str, Any], resources: Iterable[Resource]) -> list[str]:
    """The paths of ``view`` the client declares: its resources' and :data:`EXTRA_PATHS`."""
    candidates = {path for resource in resources for path in resource.paths}
    return sorted(p for p in view["paths"] if p in candidates or EXTRA_PATHS.match(p))


def _same(a: Endpoint, b: Endpoint) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in _FIELDS)


_FIELDS = (
    "path",
    "operations",
    "detail",
    "required",
    "files",
    "fields",
    "update_fields",
    "filters",
    "search",
    "order",
    "paginated",
    "slash",
)

#: One endpoint's declarations: from each release on (to the next entry), this one, or none.
History = list[tuple[str, Endpoint | None]]


def history(resources: Iterable[Resource]) -> tuple[list[str], dict[str, History]]:
    """Every known release, and each used endpoint's declarations from release to release."""
    resources = tuple(resources)
    releases = index()
    views: dict[str, dict[str, Any]] = {}
    found: dict[str, History] = {}
    for release, name in releases.items():
        view = views.setdefault(name, load(name))
        here = {path: endpoint(view, path) for path in used_paths(view, resources)}
        for path in sorted(set(found) | set(here)):
            entries = found.setdefault(path, [])
            last = entries[-1][1] if entries else None
            now = here.get(path)
            if (last is None) != (now is None) or (
                last is not None and now is not None and not _same(last, now)
            ):
                entries.append((release, now))
    for resource in resources:
        if not any(path in found for path in resource.paths):
            raise KeyError(
                f"no release declares any of {', '.join(resource.paths)} (resource "
                f"{resource.name!r}): check its paths in keystone/resources/catalog.py"
            )
    return list(releases), found


_HEADER = '''\
"""What each endpoint allows on every Keystone release the client knows, from their schemas.

GENERATED by ``python tools/generate_resources.py`` from ``keystone/testing/schemas/`` (each
release's schema, as ``tools/schema_view.py`` reduces it) and :mod:`keystone.resources.catalog`:
do not edit by hand. :data:`HISTORY` gives each endpoint's declaration from the first release that
declares it so until the release that changes it (``None``: the release dropped it), so it
also records where each endpoint changed; :mod:`keystone.resources._endpoints` reads one
release's declarations out of it.

In ``fields`` and ``filters`` each name is followed by the type of its value when that is not
``string`` (``id:integer``, ``enabled:boolean``, ``status:choice:AP,DC``, ``id__in:integer[]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from keystone.resources.spec import @SPEC_NAMES@


def _typed(text: str) -> dict[str, str]:
    pairs = (item.partition(":") for item in text.split())
    return {name: kind or "string" for name, _, kind in pairs}


def _releases(text: str) -> tuple[str, ...]:
    return tuple(text.split())


'''


def _operations(operations: frozenset[Operation]) -> str:
    if operations == CRUD:
        return "CRUD"
    if operations == READ_ONLY:
        return "READ_ONLY"
    members = sorted(operations, key=list(Operation).index)
    return "frozenset({" + ", ".join(f"Operation.{op.name}" for op in members) + "})"


def _tuple(name: str, items: tuple[str, ...], indent: int) -> str:
    """``name=(...)`` as a line of the declaration, exploded as ruff would when too long."""
    pad = " " * indent
    if not items:
        return ""
    quoted = ", ".join(f'"{item}"' for item in items)
    line = f"{pad}{name}=" + (f"({quoted},)," if len(items) == 1 else f"({quoted}),")
    if len(line) <= 100:
        return line
    inner = "".join(f'{pad}    "{item}",\n' for item in items)
    return f"{pad}{name}=(\n{inner}{pad}),"


def _typed(name: str, items: Mapping[str, str] | None, indent: int) -> str:
    pad = " " * indent
    if not items:
        return f"{pad}{name}={{}}," if items is not None and name == "update_fields" else ""
    words = [key if kind == "string" else f"{key}:{kind}" for key, kind in sorted(items.items())]
    text = textwrap.fill(
        " ".join(words),
        width=100 - indent - 4,
        initial_indent=pad + "    ",
        subsequent_indent=pad + "    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return f'{pad}{name}=_typed(\n{pad}    """\n{text}\n{pad}    """\n{pad}),'


def _endpoint(e: Endpoint, indent: int) -> str:
    pad = " " * indent
    inner = indent + 4
    ipad = " " * inner
    lines = [
        f"{pad}Endpoint(",
        f'{ipad}path="{e.path}",',
        f"{ipad}operations={_operations(e.operations)},",
        "" if e.detail else f"{ipad}detail=False,",
        _tuple("required", e.required, inner),
        _tuple("files", e.files, inner),
        _typed("fields", e.fields, inner),
        _typed("update_fields", e.update_fields, inner),
        _typed("filters", e.filters, inner),
        f"{ipad}search=True," if e.search else "",
        f'{ipad}order="{e.order}",' if e.order else "",
        f"{ipad}paginated=True," if e.paginated else "",
        "" if e.slash else f"{ipad}slash=False,",
        f"{pad}),",
    ]
    return "\n".join(line for line in lines if line)


def render(resources: Iterable[Resource]) -> str:
    """The source text of :mod:`keystone.resources.declared`."""
    releases, found = history(tuple(resources))
    used = {
        _operations(e.operations) for entries in found.values() for _, e in entries if e is not None
    }
    names = {"Endpoint"} | (used & {"CRUD", "READ_ONLY"})
    if any(name.startswith("frozenset") for name in used):
        names.add("Operation")
    ordered = sorted(names, key=lambda name: (not name.isupper(), name))  # as isort orders them
    text = _HEADER.replace("@SPEC_NAMES@", ", ".join(ordered))
    text += "#: Every release the client knows, oldest first.\n"
    text += 'RELEASES: tuple[str, ...] = _releases(\n    """\n'
    text += textwrap.fill(
        " ".join(releases),
        width=96,
        initial_indent="    ",
        subsequent_indent="    ",
        break_on_hyphens=False,
    )
    text += '\n    """\n)\n\n'
    text += "#: Each endpoint's declaration from each release on that changed it (None: gone).\n"
    text += "HISTORY: Mapping[str, tuple[tuple[str, Endpoint | None], ...]] = MappingProxyType(\n"
    text += "    {\n"
    for path, entries in found.items():
        text += f'        "{path}": (\n'
        for release, declared in entries:
            if declared is None:
                text += f'            ("{release}", None),\n'
            else:
                text += f'            (\n                "{release}",\n'
                text += _endpoint(declared, 16) + "\n"
                text += "            ),\n"
        text += "        ),\n"
    return text + "    }\n)\n"
