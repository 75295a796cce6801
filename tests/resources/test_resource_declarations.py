"""The catalog declares each resource once; the releases' schemas say what each allows, release by
release; the methods are real.

The declarations (:mod:`keystone.resources.declared`) and the methods
(:mod:`keystone._operations.methods`) are generated from the catalog and every release's
schema view in ``keystone/testing/schemas/``; these tests fail while either is out of date,
and check what they say against where the server's source history puts each change.
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

import keystone.resources.catalog
from keystone import KeystoneClient
from keystone._operations.job_methods import AtomicJob
from keystone._operations.methods import ResourceMethods
from keystone.resources._endpoints import declarations, releases_with
from keystone.resources.catalog import CHOICES, RESOURCES
from keystone.resources.declared import RELEASES
from keystone.resources.spec import CRUD, READ_ONLY, Operation, Resource

EXPECTED = {
    "allocation": ("allocations/allocations",),
    "cluster": ("allocations/clusters",),
    "request": ("allocations/requests",),
    "review": ("allocations/reviews",),
    "attachment": ("allocations/attachments",),
    "comment": ("allocations/comments",),
    "research_group": ("users/researchgroups",),
    "team": ("users/teams",),
    "membership": ("users/memberships", "users/membership"),
    "user": ("users/users",),
    "grant": ("research/grants",),
    "publication": ("research/publications",),
    "notification": ("notifications/notifications",),
    "preference": ("notifications/preferences",),
    "app_log": ("logs/apps",),
    "audit_log": ("logs/audit",),
    "request_log": ("logs/requests",),
    "task_result": ("logs/tasks",),
    "feed_entry": ("logs/feed",),
}
#: The methods each resource has (on the releases that have it).
VERBS = ("create", "retrieve", "iter", "update", "delete")
METHODS = {
    **{name: VERBS for name in EXPECTED},
    "notification": ("retrieve", "iter", "update"),
    **{
        name: ("retrieve", "iter")
        for name in ("app_log", "audit_log", "request_log", "task_result", "feed_entry")
    },
}
#: Every tag of the server from 0.4.0 on, and the last 0.3.x release.
TAGS = [
    "0.3.26",
    "0.4.0",
    "0.4.1",
    "0.5.0",
    "0.5.1",
    "0.5.2",
    "0.5.3",
    "0.5.4",
    "0.5.4.post1",
    "0.5.5",
    "0.5.6",
    "0.5.7",
    "0.5.8",
    "0.5.9",
    "0.5.10",
    "0.5.11",
    "0.5.12",
    "0.5.13",
    "0.5.14",
    "0.5.15",
    "0.5.16",
    "0.5.17",
    "0.6.0",
    "0.6.1",
    "0.6.2",
    "0.6.3",
    "0.6.3.1",
    "0.6.4",
    "0.6.5",
    "0.6.6",
    "0.6.7",
    "0.6.8",
    "0.6.9",
    "0.6.9.1",
    "0.6.10",
    "0.6.11",
    "0.6.12",
    "0.6.13",
    "0.6.14",
    "0.6.15",
    "0.6.16",
    "0.6.16.1",
    "0.6.17",
    "0.6.18",
    "0.6.19",
    "0.6.20",
    "0.6.21",
    "0.7.0",
    "0.7.1",
    "0.7.2",
    "0.7.3",
    "0.7.4",
    "0.7.5",
    "0.8.0",
    "0.8.1",
    "0.8.2",
    "0.8.3",
    "0.8.4",
    "0.8.5",
    "0.8.6",
    "0.8.7",
    "0.9.0",
    "0.9.1",
    "0.9.2",
    "0.9.3",
    "0.9.4",
    "0.9.5",
    "0.10.0",
    "0.10.1",
    "0.10.2",
    "0.10.3",
    "0.10.4",
    "0.10.5",
    "0.10.6",
    "0.10.7",
    "0.10.8",
    "0.10.9",
]


def test_catalog_matches_the_api() -> None:
    assert {r.name: r.paths for r in RESOURCES} == EXPECTED


def test_the_client_knows_every_release() -> None:
    assert list(RELEASES) == TAGS


def _first(path: str, test: Any = lambda endpoint: True) -> str | None:
    """The first release that declares ``path`` so that ``test`` holds."""
    for release in RELEASES:
        endpoint = declarations(release).get(path)
        if endpoint is not None and test(endpoint):
            return release
    return None


#: Where each capability first appears, as the server's source history has it (each tag's
#: keystone_api/; e.g. teams in apps/users/urls.py of 0.5.0, negated lookups in
#: plugins/filters.py of 0.9.3), checked against what the releases' own schemas declare.
FIRST = [
    ("users/teams", None, "0.5.0"),
    ("users/membership", None, "0.5.0"),
    ("users/memberships", None, "0.7.4"),
    ("allocations/attachments", None, "0.5.3"),
    ("allocations/attachments", lambda e: e.files == ("file",), "0.6.1"),
    ("allocations/allocation-request/status-choices", None, "0.5.6"),
    ("allocations/request-choices/status", None, "0.7.4"),
    ("allocations/cluster-choices/access-mode", None, "0.10.4"),
    ("allocations/comments", None, "0.6.0"),
    ("logs/audit", None, "0.6.3"),
    ("notifications/notifications", None, "0.6.8"),
    ("notifications/allocation-request/status-choices", None, "0.6.13"),
    ("stats/requests", None, "0.8.2"),
    ("stats/notifications", None, "0.8.7"),
    ("config", None, "0.9.5"),
    ("batch", None, "0.10.0"),
    ("logs/feed", None, "0.10.7"),
    ("allocations/clusters", lambda e: e.order == "ordering", "0.5.0"),
    ("allocations/clusters", lambda e: e.search and e.order == "_order", "0.5.9"),
    ("allocations/clusters", lambda e: e.paginated, "0.7.4"),
    ("allocations/clusters", lambda e: "name__not_in" in e.filters, "0.9.3"),
    ("allocations/clusters", lambda e: "name__not_eq" in e.filters, "0.10.7"),
    ("allocations/requests", lambda e: "team" in e.required, "0.5.0"),
    ("allocations/requests", lambda e: "submitter" in e.required, "0.10.0"),
    ("research/grants", lambda e: "fiscal_year" not in e.fields, "0.7.2"),
    ("research/grants", lambda e: "end_date" not in e.required, "0.8.2"),
    ("research/grants", lambda e: "grant_number" not in e.required, "0.10.6"),
    ("users/teams", lambda e: e.update_fields is not None, "0.10.3"),
]


@pytest.mark.parametrize(("path", "test", "release"), FIRST)
def test_each_capability_appears_where_the_source_history_says(
    path: str, test: Any, release: str
) -> None:
    assert _first(path, test or (lambda endpoint: True)) == release


def test_what_releases_dropped_is_gone() -> None:
    assert releases_with(["users/researchgroups"]) == "Keystone 0.3.26 to 0.4.1"
    assert releases_with(["logs/apps"]) == "Keystone 0.3.26 to 0.6.21"
    assert releases_with(["users/membership"]) == "Keystone 0.5.0 to 0.7.3"
    assert releases_with(EXPECTED["membership"]) == "Keystone 0.5.0 and later"
    assert "name__not_isnull" in declarations("0.10.6")["allocations/clusters"].filters
    assert "name__not_isnull" not in declarations("0.10.7")["allocations/clusters"].filters
    assert "currency" in declarations("0.7.2")["research/grants"].required
    assert "currency" not in declarations("0.7.3")["research/grants"].fields


def test_the_declarations_of_the_first_and_last_release() -> None:
    old, new = declarations("0.3.26"), declarations("0.10.9")
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
    assert new["allocations/clusters"].filters["enabled"] == "boolean"
    assert new["allocations/clusters"].filters["id__in"] == "integer[]"
    assert new["allocations/clusters"].filters["access_mode"] == "choice:BL,OP,WL"
    assert new["allocations/clusters"].fields["description"] == "string"
    assert new["users/teams"].update_fields == {"is_active": "boolean"}
    assert "name__startswith" in old["allocations/clusters"].filters
    assert old["users/researchgroups"].operations == CRUD
    assert {"config", "authentication/whoami", "stats/grants"} <= set(new)
    assert not {"config", "authentication/whoami"} & set(old)


def test_every_choices_path_is_one_some_release_has() -> None:
    for paths in CHOICES.values():
        for path in paths:
            assert releases_with([path]).startswith("Keystone 0."), path
    slashless = declarations("0.8.7")["notifications/notification-choices/type"]
    assert not slashless.slash and slashless.url == "notifications/notification-choices/type"
    assert declarations("0.9.3")["notifications/notification-choices/type"].slash


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
    assert result.stdout.count("up to date") == 4  # declared, methods, async_methods, jobs


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
    assert function.__module__ == "keystone._operations.methods"
    assert inspect.getsource(function).lstrip().startswith(("def ", "@"))
    assert function.__doc__ and len(function.__doc__.splitlines()) > 2
    assert KeystoneClient.__dict__.get(name) is None  # inherited, not injected


def test_help_shows_the_signature_and_what_each_release_wants() -> None:
    text = pydoc_text(KeystoneClient("http://localhost:8000").create_cluster)
    assert "create_cluster(fields" in text
    assert "timeout" in text
    assert "POST allocations/clusters/" in text
    assert "``name``" in text
    request = pydoc_text(KeystoneClient.create_request)
    assert "Keystone 0.10.9 requires ``description``, ``submitter``, ``team``, ``title``" in request
    assert "earlier releases differ" in request
    team = pydoc_text(KeystoneClient.retrieve_team)
    assert "``GET users/teams/<pk>/`` or ``GET users/teams/`` on Keystone 0.5.0 and later" in team
    assert "Other releases have no teams (use the ``research_group`` methods there)" in team
    membership = pydoc_text(KeystoneClient.create_membership)
    assert "POST users/memberships/`` on Keystone 0.7.4 and later" in membership
    assert "POST users/membership/`` on Keystone 0.5.0 to 0.7.3" in membership
    assert "multipart/form-data" in pydoc_text(KeystoneClient.create_attachment)
    signature = inspect.signature(KeystoneClient.retrieve_cluster)
    listing = ["search", "order", "workers", "retry", "progress", "progress_bar"]
    assert list(signature.parameters) == ["self", "pk", "filters", "timeout", *listing]
    assert signature.parameters["search"].kind is inspect.Parameter.KEYWORD_ONLY
    signature = inspect.signature(KeystoneClient.retrieve_feed_entry)
    assert list(signature.parameters) == ["self", "filters", "timeout", *listing]
    signature = inspect.signature(KeystoneClient.delete_cluster)
    assert list(signature.parameters) == ["self", "pk", "raise_not_exists", "timeout", "retry"]
    assert signature.parameters["raise_not_exists"].default is False
    assert signature.parameters["retry"].kind is inspect.Parameter.KEYWORD_ONLY


def pydoc_text(obj: Any) -> str:
    """What ``help(obj)`` prints, with each run of white space as one space."""
    return " ".join(pydoc.plain(pydoc.render_doc(obj)).split())


def test_adding_a_resource_is_one_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    widget = Resource("widget", "widget", ("allocations/comments",))
    gadget = Resource("gadget", "gadget", ("logs/audit", "logs/apps"))
    catalog = {r.name: r for r in (*RESOURCES, widget, gadget)}
    monkeypatch.setattr(keystone.resources.catalog, "BY_NAME", MappingProxyType(catalog))
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
    assert "Keystone 0.10.9 requires ``content``, ``request``" in doc


def test_a_path_no_schema_has_is_named() -> None:
    lost = Resource("lost", "lost record", ("allocations/lost",))
    with pytest.raises(KeyError, match="allocations/lost"):
        resource_schema.history([lost])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Cluster", "c", ("allocations/clusters",)), "lower-case identifier"),
        (("class", "c", ("x/y",)), "lower-case identifier"),
        (("c", "c", ("/allocations/clusters/",)), "no leading or trailing slash"),
        (("c", "c", ("a//b",)), "no leading or trailing slash"),
        (("c", "c", ()), "collection paths in a tuple"),
        (("c", "c", "allocations/clusters"), "collection paths in a tuple"),
    ],
)
def test_declarations_are_validated(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Resource(*args)


def test_generated_modules_say_they_are_generated() -> None:
    for name in (
        "keystone._operations.methods",
        "keystone.resources.declared",
        "keystone._operations.job_methods",
    ):
        module = sys.modules[name]
        head = Path(str(module.__file__)).read_text(encoding="utf-8")[:400]
        assert "GENERATED by ``python tools/generate_resources.py``" in head
