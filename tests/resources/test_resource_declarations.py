"""The catalog declares each resource once; the generated methods are real, typed, documented."""

from __future__ import annotations

import inspect
import pydoc
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import generate_resources
import pytest
from generate_resources import TARGET, render

import keystone._resources.catalog
import keystone._resources.methods as methods_module
from keystone import KeystoneClient
from keystone._resources.catalog import RESOURCES
from keystone._resources.methods import ResourceMethods
from keystone._resources.spec import Operation, Resource

EXPECTED = {
    "allocation": "allocations/allocations",
    "cluster": "allocations/clusters",
    "request": "allocations/requests",
    "review": "allocations/reviews",
    "research_group": "users/researchgroups",
    "user": "users/users",
    "grant": "research/grants",
    "publication": "research/publications",
    "app_log": "logs/apps",
    "request_log": "logs/requests",
    "task_result": "logs/tasks",
}
READ_ONLY = {"app_log", "request_log", "task_result"}
VERBS = ("create", "retrieve", "iter", "update", "delete")


def test_catalog_matches_the_api() -> None:
    assert {r.name: r.path for r in RESOURCES} == EXPECTED
    for resource in RESOURCES:
        read_only = resource.operations == frozenset({Operation.RETRIEVE})
        assert read_only == (resource.name in READ_ONLY), resource.name


def test_committed_methods_module_is_freshly_generated() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "keystone/_resources/methods.py is out of date: run python tools/generate_resources.py"
    )


def test_generator_check_mode_reports_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(Path(generate_resources.__file__)), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_every_method_is_visible_to_dir() -> None:
    client = KeystoneClient("http://localhost:8000")
    public = {name for name in dir(client) if name.split("_", 1)[0] in VERBS}
    expected = {
        f"{verb}_{name}"
        for name in EXPECTED
        for verb in VERBS
        if name not in READ_ONLY or verb in ("retrieve", "iter")
    }
    assert public == expected
    assert len(expected) == 8 * 5 + 3 * 2


@pytest.mark.parametrize("name", ["create_cluster", "retrieve_user", "iter_app_log"])
def test_methods_are_plain_documented_functions(name: str) -> None:
    function = ResourceMethods.__dict__[name]
    assert inspect.isfunction(function)
    assert function.__module__ == "keystone._resources.methods"
    assert inspect.getsource(function).lstrip().startswith(("def ", "@"))
    assert function.__doc__ and len(function.__doc__.splitlines()) > 2
    assert KeystoneClient.__dict__.get(name) is None  # inherited, not injected


def test_help_shows_the_signature_and_docstring() -> None:
    text = pydoc_text(KeystoneClient("http://localhost:8000").create_cluster)
    assert "create_cluster(fields" in text
    assert "timeout" in text
    assert "POST allocations/clusters/" in text
    assert "``name``" in text
    signature = inspect.signature(KeystoneClient.retrieve_cluster)
    assert list(signature.parameters) == ["self", "pk", "filters", "timeout"]
    signature = inspect.signature(KeystoneClient.delete_cluster)
    assert list(signature.parameters) == ["self", "pk", "raise_not_exists", "timeout"]
    assert signature.parameters["raise_not_exists"].default is False


def pydoc_text(obj: Any) -> str:
    """What ``help(obj)`` prints."""
    return pydoc.plain(pydoc.render_doc(obj))


def test_adding_a_resource_is_one_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = Resource("widget", "things/widgets", "widget", required=("size",))
    gadget = Resource("gadget", "things/gadgets", "gadget", frozenset({Operation.RETRIEVE}))
    catalog = {r.name: r for r in (*RESOURCES, widget, gadget)}
    monkeypatch.setattr(keystone._resources.catalog, "BY_NAME", MappingProxyType(catalog))
    source = render(catalog.values())
    namespace: dict[str, Any] = {"__name__": "generated_for_test"}
    exec(compile(source, "<generated>", "exec"), namespace)
    generated = namespace["ResourceMethods"]
    for verb in VERBS:
        assert callable(getattr(generated, f"{verb}_widget"))
    assert hasattr(generated, "retrieve_gadget")
    assert not hasattr(generated, "create_gadget")
    assert namespace["_WIDGET"] == widget
    assert namespace["_GADGET"] == gadget


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Cluster", "allocations/clusters", "c"), "lower-case identifier"),
        (("class", "x/y", "c"), "lower-case identifier"),
        (("c", "/allocations/clusters/", "c"), "no leading or trailing slash"),
        (("c", "a//b", "c"), "no leading or trailing slash"),
    ],
)
def test_declarations_are_validated(args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Resource(*args)


def test_a_resource_must_be_readable() -> None:
    with pytest.raises(ValueError, match="retrieving"):
        Resource("c", "a/b", "c", frozenset({Operation.CREATE}))


def test_generated_module_says_it_is_generated() -> None:
    head = Path(methods_module.__file__).read_text(encoding="utf-8")[:400]
    assert "GENERATED by ``python tools/generate_resources.py``" in head
