"""The catalog declares each resource once; the schemas say what each allows; the methods are real.

The declarations (:mod:`keystone._resources.declared`) and the methods
(:mod:`keystone._resources.methods`) are generated from the catalog and the servers' OpenAPI
schemas in ``specs/``; these tests fail while either is out of date, and check what they say
against facts of the two schemas.
"""

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
import resource_schema
from generate_resources import outputs, render

import keystone._resources.catalog
from keystone import KeystoneClient
from keystone._resources.catalog import NEW, OLD, RESOURCES
from keystone._resources.declared import DECLARED
from keystone._resources.job_methods import AtomicJob
from keystone._resources.methods import ResourceMethods
from keystone._resources.spec import CRUD, READ_ONLY, Operation, Resource

EXPECTED = {
    "allocation": {OLD: "allocations/allocations", NEW: "allocations/allocations"},
    "cluster": {OLD: "allocations/clusters", NEW: "allocations/clusters"},
    "request": {OLD: "allocations/requests", NEW: "allocations/requests"},
    "review": {OLD: "allocations/reviews", NEW: "allocations/reviews"},
    "attachment": {NEW: "allocations/attachments"},
    "comment": {NEW: "allocations/comments"},
    "research_group": {OLD: "users/researchgroups"},
    "team": {NEW: "users/teams"},
    "membership": {NEW: "users/memberships"},
    "user": {OLD: "users/users", NEW: "users/users"},
    "grant": {OLD: "research/grants", NEW: "research/grants"},
    "publication": {OLD: "research/publications", NEW: "research/publications"},
    "notification": {NEW: "notifications/notifications"},
    "preference": {NEW: "notifications/preferences"},
    "app_log": {OLD: "logs/apps"},
    "audit_log": {NEW: "logs/audit"},
    "request_log": {OLD: "logs/requests", NEW: "logs/requests"},
    "task_result": {OLD: "logs/tasks", NEW: "logs/tasks"},
    "feed_entry": {NEW: "logs/feed"},
}
#: The methods each resource has (on the generations that have it).
VERBS = ("create", "retrieve", "iter", "update", "delete")
METHODS = {
    **{name: VERBS for name in EXPECTED},
    "notification": ("retrieve", "iter", "update"),
    **{
        name: ("retrieve", "iter")
        for name in ("app_log", "audit_log", "request_log", "task_result", "feed_entry")
    },
}


def test_catalog_matches_the_api() -> None:
    assert {r.name: dict(r.paths) for r in RESOURCES} == EXPECTED


def test_the_declarations_say_what_the_schemas_say() -> None:
    old, new = DECLARED[OLD.schema], DECLARED[NEW.schema]
    assert new["allocations/attachments"].files == ("file",)
    assert new["allocations/attachments"].required == ("file", "request")
    assert new["notifications/notifications"].operations == {
        Operation.RETRIEVE,
        Operation.UPDATE,
    }
    assert not new["logs/feed"].detail and new["logs/feed"].operations == READ_ONLY
    assert old["allocations/requests"].required == ("description", "group", "title")
    assert new["allocations/requests"].required == ("description", "submitter", "team", "title")
    assert all(not e.search and not e.order and not e.paginated for e in old.values())
    assert new["users/teams"].search and new["users/teams"].order and new["users/teams"].paginated
    assert "name__not_eq" in new["allocations/clusters"].filters
    assert "name__not_eq" not in old["allocations/clusters"].filters
    assert "name__startswith" in old["allocations/clusters"].filters
    assert old["users/researchgroups"].operations == CRUD
    assert {"config", "authentication/whoami", "stats/grants"} <= set(new)
    assert not {"config", "authentication/whoami"} & set(old)


def test_committed_modules_are_freshly_generated() -> None:
    for target, text in outputs().items():
        assert target.read_text(encoding="utf-8") == text, (
            f"{target.name} is out of date: run python tools/generate_resources.py"
        )


def test_generator_check_mode_reports_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(Path(generate_resources.__file__)), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("up to date") == 3


def test_every_method_is_visible_to_dir() -> None:
    client = KeystoneClient("http://localhost:8000")
    public = {name for name in dir(client) if name.split("_", 1)[0] in VERBS}
    expected = {f"{verb}_{name}" for name, verbs in METHODS.items() for verb in verbs}
    assert public == expected
    assert len(expected) == 13 * 5 + 3 + 5 * 2


def test_atomic_jobs_mirror_the_clients_method_names() -> None:
    steps = {name for name in dir(AtomicJob) if name.split("_", 1)[0] in VERBS}
    client = {name for name in dir(KeystoneClient) if name.split("_", 1)[0] in VERBS}
    lists_only = {"retrieve_feed_entry"}  # no records of its own: nothing to read one of
    assert steps == {n for n in client if not n.startswith("iter_")} - lists_only
    assert inspect.getsource(AtomicJob.create_team).lstrip().startswith("def create_team(")


@pytest.mark.parametrize(
    "name", ["create_cluster", "retrieve_user", "iter_app_log", "create_attachment"]
)
def test_methods_are_plain_documented_functions(name: str) -> None:
    function = ResourceMethods.__dict__[name]
    assert inspect.isfunction(function)
    assert function.__module__ == "keystone._resources.methods"
    assert inspect.getsource(function).lstrip().startswith(("def ", "@"))
    assert function.__doc__ and len(function.__doc__.splitlines()) > 2
    assert KeystoneClient.__dict__.get(name) is None  # inherited, not injected


def test_help_shows_the_signature_and_what_each_generation_wants() -> None:
    text = pydoc_text(KeystoneClient("http://localhost:8000").create_cluster)
    assert "create_cluster(fields" in text
    assert "timeout" in text
    assert "POST allocations/clusters/" in text
    assert "``name``" in text
    request = pydoc_text(KeystoneClient.create_request)
    assert "Keystone 0.3.x requires ``description``, ``group``, ``title``" in request
    assert "``submitter``, ``team``" in request
    team = pydoc_text(KeystoneClient.retrieve_team)
    assert "Keystone 0.3.x servers have no teams (use the ``research_group`` methods" in team
    assert "multipart/form-data" in pydoc_text(KeystoneClient.create_attachment)
    signature = inspect.signature(KeystoneClient.retrieve_cluster)
    listing = ["search", "order", "workers"]
    assert list(signature.parameters) == ["self", "pk", "filters", "timeout", *listing]
    assert signature.parameters["search"].kind is inspect.Parameter.KEYWORD_ONLY
    signature = inspect.signature(KeystoneClient.retrieve_feed_entry)
    assert list(signature.parameters) == ["self", "filters", "timeout", *listing]
    signature = inspect.signature(KeystoneClient.delete_cluster)
    assert list(signature.parameters) == ["self", "pk", "raise_not_exists", "timeout"]
    assert signature.parameters["raise_not_exists"].default is False


def pydoc_text(obj: Any) -> str:
    """What ``help(obj)`` prints, with each run of white space as one space."""
    return " ".join(pydoc.plain(pydoc.render_doc(obj)).split())


def test_adding_a_resource_is_one_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = Resource("widget", "widget", {NEW: "allocations/comments"})
    gadget = Resource("gadget", "gadget", {OLD: "logs/apps", NEW: "logs/audit"})
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
    doc = " ".join(generated.create_widget.__doc__.split())
    assert "The server requires ``content``, ``request``" in doc


def test_a_path_the_schema_lacks_is_named() -> None:
    lost = Resource("lost", "lost record", {NEW: "allocations/lost"})
    with pytest.raises(KeyError, match="allocations/lost"):
        resource_schema.declarations([lost])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Cluster", "c", {OLD: "allocations/clusters"}), "lower-case identifier"),
        (("class", "c", {OLD: "x/y"}), "lower-case identifier"),
        (("c", "c", {OLD: "/allocations/clusters/"}), "no leading or trailing slash"),
        (("c", "c", {OLD: "a//b"}), "no leading or trailing slash"),
        (("c", "c", {}), "must name the path"),
    ],
)
def test_declarations_are_validated(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Resource(*args)


def test_generated_modules_say_they_are_generated() -> None:
    for name in ("methods", "declared", "job_methods"):
        module = sys.modules[f"keystone._resources.{name}"]
        head = Path(str(module.__file__)).read_text(encoding="utf-8")[:400]
        assert "GENERATED by ``python tools/generate_resources.py``" in head
