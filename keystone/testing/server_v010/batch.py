"""``batch/``: several API calls run as one atomic job, as the real server's batch app does.

A job is ``{"job": {"actions": [{method, path, payload?, query_params?, ref?}], "dry_run"?}}``
(or a multipart form whose ``job`` field holds that JSON, with files in other parts). Steps run
in order inside one database transaction, each through the real view for its path with the
requesting user (so permissions and throttles apply per step: a job of n steps costs n + 1
requests of the user's rate, and CSRF and the request log apply only to the job itself). A
string ``"@ref{alias.dot.path}"`` is replaced by that part of an earlier step's body (keeping
its type when it is the whole string), ``"@file{part}"`` by the uploaded file of that part.
The first step answering 400 or more fails the job with 422 and nothing is kept; ``dry_run``
runs every step and then rolls everything back.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from rest_framework import parsers, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

_TOKEN = re.compile(r"@(file|ref)\{([^}]*)\}")
_LABELS = {
    "file": re.compile(r"^[a-zA-Z0-9_]+$"),
    "ref": re.compile(r"^[a-zA-Z0-9_]+\.[a-zA-Z0-9_.]+$"),
}


class ReferenceError_(Exception):
    """An ``@ref``/``@file`` token that cannot be resolved (422 naming the token)."""

    def __init__(self, token: str, reason: str) -> None:
        super().__init__(reason)
        self.token, self.reason = token, reason


class StepFailed(Exception):
    """A step answered 400 or more (422 naming the step)."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result["status"])
        self.result = result


class _RollBack(Exception):
    """Ends a dry run's transaction without committing."""


class StepSerializer(serializers.Serializer):
    ref = serializers.CharField(required=False, default="", allow_blank=True)
    method = serializers.ChoiceField(choices=["GET", "POST", "PUT", "PATCH", "DELETE"])
    path = serializers.CharField(max_length=2048)
    payload = serializers.DictField(required=False, default=dict)
    query_params = serializers.DictField(required=False, default=dict)

    def validate_ref(self, value: str) -> str:
        if value and not value.replace("_", "").isalnum():
            raise serializers.ValidationError(
                "Reference aliases may only contain alphanumeric characters and underscores."
            )
        return value


class JobSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(required=False, default=False)
    actions = StepSerializer(many=True, allow_empty=False)

    def validate_actions(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        refs = [step["ref"] for step in value if step.get("ref")]
        if len(refs) != len(set(refs)):
            raise serializers.ValidationError("Reference aliases must be unique within a job.")
        return value


def _traverse(data: Any, dotpath: str, token: str) -> Any:
    for segment in dotpath.split("."):
        if isinstance(data, dict):
            if segment not in data:
                raise ReferenceError_(token, f'Key "{segment}" not found in response')
            data = data[segment]
        elif isinstance(data, list):
            try:
                data = data[int(segment)]
            except (ValueError, IndexError):
                raise ReferenceError_(token, f'Invalid list index "{segment}"') from None
        else:
            kind = type(data).__name__
            raise ReferenceError_(token, f'Cannot traverse into {kind} with "{segment}"')
    return data


def _resolve_token(match: re.Match[str], results: dict[str, Any], files: Any) -> Any:
    token, kind, label = match.group(0), match.group(1), match.group(2)
    if not _LABELS[kind].match(label):
        reason = "Reference labels may only contain letters, numbers, and underscores"
        raise ReferenceError_(token, reason)
    if kind == "file":
        if label not in files:
            raise ReferenceError_(token, f'File part "{label}" was not uploaded with this request')
        return files[label]
    alias, dotpath = label.split(".", 1)
    if alias not in results:
        raise ReferenceError_(token, f'Alias "{alias}" has not been defined by a previous step')
    return _traverse(results[alias], dotpath, token)


def substitute(value: Any, results: dict[str, Any], files: Any) -> Any:
    """``value`` with every token resolved, recursively through dicts and lists."""
    if isinstance(value, dict):
        return {key: substitute(item, results, files) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, results, files) for item in value]
    if not isinstance(value, str):
        return value
    tokens = list(_TOKEN.finditer(value))
    if len(tokens) == 1 and tokens[0].group(0) == value:
        return _resolve_token(tokens[0], results, files)
    return _TOKEN.sub(lambda m: str(_resolve_token(m, results, files)), value)


def _has_file(payload: Any) -> bool:
    if isinstance(payload, dict):
        return any(_has_file(item) for item in payload.values())
    if isinstance(payload, list):
        return any(_has_file(item) for item in payload)
    return hasattr(payload, "read")


def run_step(method: str, path: str, payload: Any, query: Any, user: Any, host: str) -> Any:
    """Call the view for ``path`` as ``user``; ``(status, body or None)``."""
    # Imported on the first step: Django's test client is a large import that most servers,
    # which never run a job, would pay for at every start.
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
    from rest_framework.test import APIRequestFactory, force_authenticate

    try:
        match = resolve(path)
    except Resolver404:
        return 404, {"detail": f"No route matched: {path}"}
    target = f"{path}?{urlencode(query, doseq=True)}" if query else path
    if _has_file(payload):
        data, content_type = encode_multipart(BOUNDARY, payload), MULTIPART_CONTENT
    else:
        data, content_type = json.dumps(payload or {}), "application/json"
    request = APIRequestFactory().generic(
        method, target, data=data, content_type=content_type, SERVER_NAME=host
    )
    force_authenticate(request, user=user)
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render"):
        response.render()
    return response.status_code, getattr(response, "data", None)


def execute(steps: list[dict[str, Any]], user: Any, host: str, dry_run: bool, files: Any) -> Any:
    """Run ``steps`` atomically; the results, or :class:`StepFailed` after rolling back."""
    done: dict[str, Any] = {}
    results: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            for index, step in enumerate(steps, start=1):
                method = step["method"].upper()
                path = substitute(step["path"], done, files)
                payload = substitute(step.get("payload", {}), done, files)
                status, body = run_step(
                    method, path, payload, step.get("query_params", {}), user, host
                )
                ref = step.get("ref")
                result = {"ref": ref, "index": index, "method": method, "path": path}
                results.append({**result, "status": status, "body": body})
                if ref:
                    done[ref] = body
                if status >= 400:
                    raise StepFailed(results[-1])
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return results


class JobView(APIView):
    """API endpoints for running batch jobs."""

    permission_classes = (IsAuthenticated,)
    parser_classes = (parsers.MultiPartParser, parsers.JSONParser)

    def post(self, request: Request) -> JsonResponse:
        job = request.data.get("job")
        if isinstance(job, str):
            try:
                job = json.loads(job)
            except json.JSONDecodeError:
                return JsonResponse({"detail": "The `job` field is not valid JSON."}, status=400)
        serializer = JobSerializer(data=job)
        serializer.is_valid(raise_exception=True)
        job = serializer.validated_data
        try:
            results = execute(
                job["actions"], request.user, request.get_host(), job["dry_run"], request.FILES
            )
        except ReferenceError_ as exc:
            detail = f'Cannot resolve reference "{exc.token}": {exc.reason}'
            return JsonResponse({"detail": detail, "token": exc.token}, status=422)
        except StepFailed as exc:
            failed = exc.result
            detail = f"Step #{failed['index']} ({failed['method']} {failed['path']}) failed"
            return JsonResponse(
                {
                    "detail": f"{detail} with status {failed['status']}",
                    "step": failed["index"],
                    "status": failed["status"],
                    "body": failed["body"],
                },
                status=422,
            )
        return JsonResponse({"results": results})
