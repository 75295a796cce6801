"""Atomic jobs: many API calls sent as one ``POST batch/``, applied all together or not at all.

Keystone v0.10 and later run a job's steps in order inside one database transaction: the first
step that fails rolls the whole job back. An atomic job (this module's :class:`JobCore` with
the generated step methods: :class:`~keystone._operations.job_methods.AtomicJob`) is built with
the resource methods' names (``job.create_team(...)``); each returns a :class:`Step`, whose
items refer to that step's answer in later steps (``team["id"]`` is sent as
``"@ref{step1.id}"`` and the server puts the new team's id there). Files go with the job as
parts of a multipart body, referred to as ``"@file{...}"``.

What it means on failure. The job is one request: when its connection drops after it was
sent, whether the server ran it is unknown (``OutcomeUnknownError``), and it is never sent
again by itself. A failing step raises :class:`~keystone.JobError` naming the step; nothing
was committed. A success answer that does not say what each step did (results missing, or
fewer than the steps) leaves the outcome unknown too: ``OutcomeUnknownError``, never
``JobError``. Every step counts against the user's throttle, so a job whose step was
throttled (the server answers 422 with that step's 429) raises
:class:`~keystone.JobThrottledError`; having been rolled back whole, it is sent again after
the server's wait when the retry policy allows that wait, like any 429.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from keystone._chain.json import dumps
from keystone._errors import (
    OutcomeUnknownError,
    UnexpectedResponseError,
    UnsupportedError,
    shown_url,
)
from keystone._http_errors import JobError
from keystone._operations.crud import changes, one_mapping
from keystone._operations.files import encode_file
from keystone._operations.job_failures import committed_before, job_failure, job_throttled
from keystone._operations.job_steps import Ref, Step, StepResult, without_refs
from keystone._operations.records import read_record, unknown_outcome
from keystone._plans import Plan, run
from keystone._progress import Progress, ProgressCallback, check_progress
from keystone._query import encode_value
from keystone._request import CallState, Filters
from keystone._retry_policy import check_policy
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike
from keystone.resources._endpoints import (
    bind,
    check_fields,
    endpoint_at,
    endpoint_for,
    file_fields,
    list_query,
    releases_with,
)
from keystone.resources._keys import record_fields, record_key
from keystone.resources.spec import Operation, Resource

if TYPE_CHECKING:
    from keystone._core import Core
    from keystone._retry_policy import RetryPolicy
    from keystone._servers import Server

JOB_ENDPOINT = "batch"
_Job = TypeVar("_Job", bound="JobCore")


class JobCore:
    """Steps to run as one atomic job; see :meth:`keystone.KeystoneClient.atomic`.

    The resource methods that add steps (``create_team`` and the rest) are generated onto
    :class:`~keystone._operations.job_methods.AtomicJob`, which is this class with them.
    """

    def __init__(
        self,
        core: Core,
        *,
        dry_run: bool = False,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        split: int | None = None,
        retry: RetryPolicy | None = None,
        progress: ProgressCallback | None = None,
        progress_bar: bool = False,
    ) -> None:
        if not isinstance(dry_run, bool):
            raise TypeError(f"atomic: dry_run={dry_run!r} must be True or False")
        if split is not None and (
            isinstance(split, bool) or not isinstance(split, int) or split < 1
        ):
            raise ValueError(f"atomic: split={split!r} must be a positive number of steps, or None")
        check_progress("atomic", progress, progress_bar)
        call = core.begin("atomic", timeout, retry)
        self._core = core
        self._timeout = call.timeout
        self._retry = call.retry
        self._progress = progress
        self._progress_bar = progress_bar
        self.dry_run = dry_run
        self.split = split
        self.steps: list[Step] = []
        self._actions: list[dict[str, Any]] = []
        self._files: list[tuple[str, tuple[str, bytes, str]]] = []
        self.results: list[StepResult] | None = None
        """One result per step, in order, once the job has run."""
        self.done: list[StepResult] = []
        """The results of the parts the server has applied so far (with ``split=``)."""
        self.committed = False
        """Whether the server kept the job's changes (not for a dry run, nor a failure)."""
        self._call = call
        self._server: Server | None = None

    def ready(self) -> Plan[None]:
        """Find out the server (if the client does not know it yet) and check that it runs
        atomic jobs; the steps are checked against its release as they are added."""
        server = yield from self._call.server()
        if endpoint_at(server, JOB_ENDPOINT) is None:
            raise UnsupportedError(
                f"atomic: {server.describe} has no atomic jobs (batch/ is on "
                f"{releases_with([JOB_ENDPOINT])}). Nothing was sent.",
                server=server,
            )
        self._server = server

    @property
    def server(self) -> Server:
        """The server the job is for (known once the job is ready)."""
        if self._server is None:
            raise RuntimeError(
                "this job does not know its server yet: start it with "
                "`async with client.atomic() as job:` or `job = await client.atomic()`"
            )
        return self._server

    # -- building -------------------------------------------------------------------------------

    def add(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> Step:
        """A step calling any endpoint: ``job.add("PATCH", "users/teams/@ref{step1.id}/")``.

        ``path`` is under the API root; ``payload`` is the JSON body; references are allowed
        in both (the server fills them in there), not in ``query``, the query parameters.
        """
        if not isinstance(method, str) or method.upper() not in (
            "GET",
            "POST",
            "PUT",
            "PATCH",
            "DELETE",
        ):
            raise ValueError(f"add: method {method!r} must be GET, POST, PUT, PATCH or DELETE")
        if not isinstance(path, str) or not path.strip("/"):
            raise ValueError(f"add: path {path!r} must be an endpoint such as 'users/teams/'")
        for name, value in (("payload", payload), ("query", query)):
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"add: {name} must be a mapping, not {type(value).__name__}")
        return self._step(method.upper(), "/" + path.lstrip("/"), payload, query, ())

    def _step(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        query: Mapping[str, Any] | None,
        files: tuple[str, ...],
        where: str = "add",
    ) -> Step:
        if self.results is not None:
            raise RuntimeError("this job has run already; start a new one with client.atomic()")
        step = Step(self, len(self.steps) + 1, method, path)
        action: dict[str, Any] = {"ref": step.alias, "method": method, "path": path}
        if payload:
            action["payload"] = {
                name: self._value(name, value, name in files, where)
                for name, value in payload.items()
            }
        if query:
            action["query_params"] = dict(without_refs(query, where))
        self.steps.append(step)
        self._actions.append(action)
        return step

    def _value(self, name: str, value: Any, is_file: bool, where: str) -> Any:
        """A payload value as sent: references as their token, files as ``@file{part}``."""
        if is_file:
            part = f"file{len(self._files) + 1}"
            self._files.append((part, encode_file(name, value, where)))
            return "@file{" + part + "}"
        if isinstance(value, Ref):
            token = value.token  # a whole step is refused here, with what to give instead
            if not value.is_of(self):
                raise ValueError(f"{where}: {name!r} refers to a step of another job")
            return token
        if isinstance(value, Mapping):
            return {k: self._value(k, v, False, where) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._value(name, v, False, where) for v in value]
        if isinstance(value, (set, frozenset)):
            raise TypeError(
                f"{where}: {name!r} is a set, which JSON has no form for; give a list "
                "(sorted, if the order does not matter)"
            )
        return value

    def path_of(self, resource: Resource, operation: Operation, pk: Any, method: str) -> str:
        """The step path of ``resource`` (one record when ``pk`` is given), checked."""
        endpoint = endpoint_for(self.server, resource, operation, method)
        if pk is None:
            return f"/{endpoint.path}/"
        if isinstance(pk, Step):
            raise TypeError(f"{method}: give the record's id, such as step['id'], not the step")
        if isinstance(pk, Ref):
            if not pk.is_of(self):
                raise ValueError(
                    f"{method}: the pk refers to a step of another job, which this job's server "
                    "would read as its own step; give the record's id, or a step of this job"
                )
            return f"/{endpoint.path}/{pk.token}/"
        return f"/{endpoint.path}/{record_key(pk, method)}/"

    # -- running --------------------------------------------------------------------------------

    def __enter__(self: _Job) -> _Job:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None and self.results is None:
            self.run()

    def run(self, *, retry: RetryPolicy | None = None) -> list[StepResult]:
        """Send the job (one request, or one per part with ``split=``); the steps' results.

        With ``split=``, a part that fails leaves the parts before it applied (``done``);
        calling ``run()`` again sends only the steps after them. ``retry`` replaces the
        policy given to :meth:`~keystone.KeystoneClient.atomic` for this run.
        """
        return run(self._core, self.running(retry))

    def running(self, retry: RetryPolicy | None = None) -> Plan[list[StepResult]]:
        """:meth:`run` as a plan (:mod:`keystone._plans`)."""
        if self.results is not None:
            raise RuntimeError("this job has run already; start a new one with client.atomic()")
        policy = self._retry if retry is None else check_policy(retry)
        if not self._actions:  # e.g. a loop over nothing: nothing to send
            self.results = []
            return self.results
        with Progress(len(self._actions), self._progress, self._progress_bar, "step") as shown:
            shown.advance(len(self.done))
            yield from self._run_parts(policy, shown)
        self.results = list(self.done)
        self.committed = not self.dry_run
        return self.results

    def _run_parts(self, policy: RetryPolicy | None, shown: Progress) -> Plan[None]:
        for first, last in self._parts():
            if last <= len(self.done):
                continue  # applied by an earlier run()
            try:
                applied = yield from self._send(first, last, policy)
                self.done += applied
                shown.advance(len(applied))
            except Exception as error:
                if isinstance(error, JobError):
                    error.results = list(self.done)
                elif self.done and hasattr(error, "add_note"):  # Python 3.11 and later
                    unknown = isinstance(error, OutcomeUnknownError)
                    error.add_note(committed_before(first, last, unknown) + ".")
                raise

    def _parts(self) -> Iterator[tuple[int, int]]:
        size = self.split or len(self._actions)
        parts = [(n, min(n + size, len(self._actions))) for n in range(0, len(self._actions), size)]
        for first, last in parts:  # a reference must not reach into another part
            for action in self._actions[first:last]:
                for token in re.findall(r"@ref\{step(\d+)\.", dumps(action)):
                    if int(token) <= first:
                        raise ValueError(
                            f"atomic: with split={self.split}, step {first + 1} onwards go in "
                            f"another job than step {token}, whose answer they refer to; "
                            "raise split= or keep dependent steps together"
                        )
        return iter(parts)

    def _send(self, first: int, last: int, policy: RetryPolicy | None) -> Plan[list[StepResult]]:
        actions = self._actions[first:last]
        job = {"actions": actions, "dry_run": self.dry_run}
        parts = [
            (name, content)
            for name, content in self._files
            if any("@file{" + name + "}" in dumps(a) for a in actions)
        ]
        call = CallState(resource="batch", operation="create", raise_for_status=False)
        call.throttled = job_throttled
        call.cost = len(actions) + 1  # the server's throttle counts the job and each step
        if self.dry_run:
            call.idempotent = True  # nothing is kept, so sending it twice changes nothing
        if parts:
            from urllib3 import encode_multipart_formdata

            body, content_type = encode_multipart_formdata([("job", dumps(job)), *parts])
            sent: dict[str, Any] = {"data": body, "headers": {"Content-Type": content_type}}
        else:
            sent = {"json": {"job": job}}
        sending = self._core.begin("atomic", self._timeout, policy)  # its deadline starts now
        response = yield sending.request("POST", JOB_ENDPOINT + "/", state=call, **sent)
        if response.status_code >= 400:
            raise job_failure(response, self.steps, first, last, self.split, self.server)
        try:
            answered = read_record(response).get("results")
            if (
                not isinstance(answered, list)
                or len(answered) != len(actions)
                or not all(isinstance(result, dict) for result in answered)
            ):
                count = len(answered) if isinstance(answered, list) else "no"
                raise UnexpectedResponseError(
                    f"POST {shown_url(response.url)} answered {count} step results for a job "
                    f"of {len(actions)} steps (one JSON object each, expected); the client "
                    "cannot tell which step did what.",
                    response=response,
                )
        except UnexpectedResponseError as error:
            if self.dry_run or not 200 <= response.status_code < 300:
                raise  # a dry run keeps nothing; a redirect was not followed
            raise unknown_outcome(str(error), response) from None
        return [
            StepResult(
                first + n + 1,
                a.get("method", ""),
                a.get("path", ""),
                a.get("status", 0),
                a.get("body"),
            )
            for n, a in enumerate(answered)
        ]


# -- the steps the generated methods add (keystone._operations.job_methods) ----------------


def create_step(
    job: JobCore,
    resource: Resource,
    fields: Mapping[str, Any] | None,
    more: Mapping[str, Any],
    mapping: Mapping[str, Any] | None = None,
) -> Step:
    """A step creating a record, its fields taken as the client's ``create_*`` takes them
    (a mapping, positionally or as ``data=``, and keywords); file fields go as parts of the
    job."""
    method = f"create_{resource.name}"
    data = record_fields(one_mapping(fields, mapping, method), more, method)
    path = job.path_of(resource, Operation.CREATE, None, method)
    if job._core.check_fields:
        endpoint = endpoint_for(job.server, resource, Operation.CREATE, method)
        check_fields(data, endpoint, job.server, subject=resource.plural, method=method)
    return job._step("POST", path, data, None, file_fields(resource), method)


def retrieve_step(job: JobCore, resource: Resource, pk: Any, filters: Filters | None) -> Step:
    """A step reading one record (its answer can then be referred to)."""
    method = f"retrieve_{resource.name}"
    query = list_query(without_refs(filters or {}, method), method)
    path = job.path_of(resource, Operation.RETRIEVE, pk, method)
    server = job.server
    endpoint = endpoint_for(server, resource, Operation.RETRIEVE, method)
    bind(
        query,
        endpoint,
        server,
        subject=resource.plural,
        method=method,
        check_filters=job._core.check_filters,
    )
    # As a request's query would send them: lists comma-joined, dates in ISO 8601.
    sent = {name: encode_value(name, value) for name, value in (filters or {}).items()}
    return job._step("GET", path, None, sent, (), method)


def update_step(
    job: JobCore,
    resource: Resource,
    pk: Any,
    data: Mapping[str, Any] | None,
    fields: Mapping[str, Any],
) -> Step:
    """A step changing the given fields of one record: the ``data`` mapping and the keyword
    ``fields``, merged as the client's ``update_*`` merges them."""
    method = f"update_{resource.name}"
    path = job.path_of(resource, Operation.UPDATE, pk, method)
    sent = changes(data, fields, method)
    if job._core.check_fields:
        endpoint = endpoint_for(job.server, resource, Operation.UPDATE, method)
        check_fields(
            sent, endpoint, job.server, subject=resource.plural, method=method, update=True
        )
    return job._step("PATCH", path, sent, None, file_fields(resource), method)


def delete_step(job: JobCore, resource: Resource, pk: Any) -> Step:
    """A step deleting one record (a missing record fails the job: 404)."""
    method = f"delete_{resource.name}"
    path = job.path_of(resource, Operation.DELETE, pk, method)
    return job._step("DELETE", path, None, None, (), method)
