"""The client's view of a Keystone server's OpenAPI schema: what a client may send, and no more.

A real server's schema (``keystone-api spectacular --format openapi-json``, or ``GET
openapi/json/``) is 300 to 700 kB; what the client declares from it is much less: for each
path, the methods, the query parameters with the type of value each reads, the fields a
create or update may send (with the required and the file ones), the fields of the record it
answers (and of the objects it embeds, under ``nested``), and which authentication schemes
the server lists (``update_fields`` where an update takes other fields than a create, e.g. a
team's ``name`` from 0.10.3 on). This tool reduces a schema to that view, a small JSON
document that ``keystone/testing/schemas/`` keeps for every Keystone release and
:mod:`resource_schema` reads. Run::

    python tools/schema_view.py SCHEMA.json --release 0.7.5 --store keystone/testing/schemas

``--store`` keeps the view as ``keystone/testing/schemas/0.7.5.json``, or, when it is the same as an
earlier release's, only names that file in ``keystone/testing/schemas/index.json``.

A parameter's type is written as a short text: ``integer``, ``number``, ``boolean``,
``string``, ``date``, ``date-time``, ``choice:A,B,C`` (a string from a fixed set), and any of
them followed by ``[]`` for a comma-separated list.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

_METHODS = ("get", "post", "put", "patch", "delete")
_BODY_MEDIA = ("multipart/form-data", "application/json")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with a top-level ``$ref`` (or a one-item ``allOf``/``oneOf``) resolved."""
    for combinator in ("allOf", "oneOf"):
        options = schema.get(combinator)
        if isinstance(options, list) and options:
            refs = [o for o in options if "$ref" in o]
            if refs:
                merged = {k: v for k, v in schema.items() if k != combinator}
                return {**_resolve(spec, refs[0]), **merged}
    ref = schema.get("$ref")
    if ref:
        target: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return {**_resolve(spec, target), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def value_type(spec: dict[str, Any], schema: dict[str, Any]) -> str:
    """The short text for the type of value ``schema`` describes (see the module's doc)."""
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if kind == "array":
        return value_type(spec, schema.get("items", {})) + "[]"
    if "enum" in schema:
        values = [str(v) for v in schema["enum"] if v not in (None, "")]
        return "choice:" + ",".join(values)
    if kind == "string" and schema.get("format") in ("date", "date-time"):
        return str(schema["format"])
    if kind in ("integer", "number", "boolean"):
        return str(kind)
    return "string"


def _body(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    for media in _BODY_MEDIA:
        schema = content.get(media, {}).get("schema")
        if schema:
            return _resolve(spec, schema)
    return {}


def _record_schema(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The schema of the record a GET answers (one item of a list, or of a page)."""
    for status in ("200", "201"):
        content = operation.get("responses", {}).get(status, {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if not schema:
            continue
        schema = _resolve(spec, schema)
        if schema.get("type") == "array":
            schema = _resolve(spec, schema.get("items", {}))
        elif "results" in schema.get("properties", {}):
            schema = _resolve(spec, schema["properties"]["results"].get("items", {}))
        return schema
    return {}


def _nested(
    spec: dict[str, Any], record: dict[str, Any], prefix: str = "", depth: int = 3
) -> dict[str, list[str]]:
    """The property names of each object a record embeds (``_team``, ``_history``...), and of
    the objects those embed, as ``_history._actor``, down to ``depth`` levels."""
    found: dict[str, list[str]] = {}
    for name, schema in record.get("properties", {}).items():
        inner = _resolve(spec, schema)
        if inner.get("type") == "array":
            inner = _resolve(spec, inner.get("items", {}))
        properties = [n for n, f in inner.get("properties", {}).items() if not f.get("writeOnly")]
        if properties:
            found[prefix + name] = properties
            if depth > 1:
                found.update(_nested(spec, inner, f"{prefix}{name}.", depth - 1))
    return found


def _fields(spec: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The writable fields of a request body with their types, and the required ones."""
    properties = body.get("properties", {})
    fields = {}
    for name, schema in properties.items():
        resolved = _resolve(spec, schema)
        if resolved.get("readOnly") or schema.get("readOnly"):
            continue
        kind = "file" if resolved.get("format") == "binary" else value_type(spec, schema)
        fields[name] = kind
    required = sorted(name for name in body.get("required", ()) if name in fields)
    return dict(sorted(fields.items())), required


def view(spec: dict[str, Any], release: str) -> dict[str, Any]:
    """The client's view of ``spec``, the schema of Keystone ``release``."""
    paths: dict[str, dict[str, Any]] = {}
    raw = spec["paths"]
    for route in sorted(raw):
        if "{" in route:
            continue
        entry = raw[route]
        name = route.strip("/")
        detail = raw.get(f"{route}{{id}}/", {})
        item: dict[str, Any] = {"methods": [m for m in _METHODS if m in entry]}
        if not route.endswith("/"):
            item["slash"] = False  # routed without its trailing slash (some choices, 0.7.4-0.9.2)
        if detail:
            item["detail_methods"] = [m for m in _METHODS if m in detail]
        params = {
            p["name"]: value_type(spec, p.get("schema", {}))
            for p in entry.get("get", {}).get("parameters", ())
            if p.get("in") == "query"
        }
        if params:
            item["params"] = dict(sorted(params.items()))
        writes = entry.get("post") or detail.get("patch") or detail.get("put") or {}
        body = _body(spec, writes) if writes else {}
        if body:
            item["fields"], item["required"] = _fields(spec, body)
        changes = _body(spec, detail["patch"]) if "patch" in detail else {}
        if changes and _fields(spec, changes)[0] != item.get("fields"):
            item["update_fields"] = _fields(spec, changes)[0]  # what PATCH takes, if not the same
        record = _record_schema(spec, detail.get("get") or entry.get("get") or {})
        if record.get("properties"):
            item["record"] = [  # what an answer holds: not the write-only fields (password)
                name for name, field in record["properties"].items() if not field.get("writeOnly")
            ]
            nested = _nested(spec, record)
            if nested:
                item["nested"] = nested
        paths[name] = item
    schemes = sorted(spec.get("components", {}).get("securitySchemes", {}))
    return {"release": release, "security": schemes, "paths": paths}


def dumps(found: dict[str, Any]) -> str:
    """``found`` as JSON text with one line per path: small, and a change shows as its path."""
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    head = ", ".join(
        f"{json.dumps(key)}: {json.dumps(value, **compact)}"  # type: ignore[arg-type]
        for key, value in found.items()
        if key != "paths"
    )
    lines = ",\n".join(
        f" {json.dumps(path)}: {json.dumps(item, **compact)}"  # type: ignore[arg-type]
        for path, item in found["paths"].items()
    )
    return f'{{{head}, "paths": {{\n{lines}\n}}}}\n'


def store(found: dict[str, Any], folder: Path) -> str:
    """Keep ``found`` in ``folder``: as a file of its own, or as an entry of ``index.json``
    pointing at an earlier release's file when the two views are the same. Returns the file."""
    index_path = folder / "index.json"
    index: dict[str, str] = json.loads(index_path.read_text("utf-8")) if index_path.exists() else {}
    content = {k: v for k, v in found.items() if k != "release"}
    target = found["release"]
    for release, name in index.items():
        if release == found["release"]:
            continue
        earlier = json.loads((folder / f"{name}.json").read_text("utf-8"))
        if {k: v for k, v in earlier.items() if k != "release"} == content:
            target = name
            break
    if target == found["release"]:
        (folder / f"{target}.json").write_text(dumps(found), "utf-8")
    index[found["release"]] = target
    ordered = dict(sorted(index.items(), key=lambda item: _order(item[0])))
    index_path.write_text(json.dumps(ordered, indent=1) + "\n", "utf-8")
    return target


def _order(release: str) -> tuple[tuple[int, ...], int, int]:
    """A sort key for release numbers such as ``0.6.3.1``, ``0.5.4.post1``, ``0.3.27.rc1``."""
    numbers: list[int] = []
    kind, count = 0, 0
    for part in release.split("."):
        if part.isdigit():
            numbers.append(int(part))
        else:
            kind = -1 if part.startswith("rc") else 1
            count = int(part.lstrip("rcpost") or 0)
    return (tuple(numbers + [0] * (4 - len(numbers))), kind, count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("schema", type=Path, help="the server's OpenAPI schema, as JSON")
    parser.add_argument("--release", required=True, help="the release it is, e.g. 0.7.5")
    parser.add_argument(
        "--store",
        type=Path,
        metavar="FOLDER",
        help="keep it in FOLDER (e.g. keystone/testing/schemas)",
    )
    args = parser.parse_args(argv)
    spec = json.loads(args.schema.read_text("utf-8"))
    found = view(spec, args.release)
    if args.store:
        print(f"{args.release}: {store(found, args.store)}.json")
    else:
        sys.stdout.write(dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
