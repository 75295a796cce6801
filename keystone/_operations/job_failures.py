"""What an atomic job's failure answers mean, as the errors the caller gets.

Keystone answers a job whose step failed with 422 and that step's number, status and body;
a throttled step (its 429 inside the 422) means the job was rolled back whole and may be sent
again after the wait, which :func:`job_throttled` reads for the retry policy.
"""

from __future__ import annotations

import http
import json
import re
from typing import Any

from keystone._bodies import json_or_none
from keystone._errors import UnsupportedError, annotate, shown_url
from keystone._http_errors import JobError, JobThrottledError, error_for_response
from keystone._operations.job_steps import Step
from keystone._operations.records import is_missing_record
from keystone._response import Response

#: "Request was throttled. Expected available in 42 seconds." (DRF's throttle message).
_AVAILABLE_IN = re.compile(r"available in (\d+(?:\.\d+)?) second")


def job_throttled(status: int, content: bytes) -> float | None:
    """The wait of a job answer whose failing step was throttled (422 holding a 429), else None.

    A plain function of the answer's status and body, set on the job's call state (and so
    picklable with it).
    """
    if status != 422:
        return None
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or body.get("status") != 429:
        return None
    detail = body.get("body", {}).get("detail", "") if isinstance(body.get("body"), dict) else ""
    match = _AVAILABLE_IN.search(str(detail))
    return float(match.group(1)) if match else 0.0


def job_failure(
    response: Response, steps: list[Step], first: int, last: int, split: int | None, server: Any
) -> Exception:
    """The error of a job (or the part ``first:last`` of it) the server refused.

    A failing step (named, with its status and the server's words), a reference the server
    could not resolve, a throttle, a server without ``batch/``, or the answer's HTTP error.
    ``steps`` are the whole job's, ``split`` its part size, ``server`` the client's server.
    """
    body = json_or_none(response)
    where = f"POST {shown_url(response.url, response.request)}"
    nothing = committed_before(first, last)
    if response.status_code == 404 and not is_missing_record(response):
        return UnsupportedError(
            f"{where} answered 404 with a web page: this server has no atomic jobs (batch/ "
            f"came with Keystone 0.10.0). {nothing}.",
            server=server,
        )
    if response.status_code == 429:  # the job itself, before any step ran
        throttled = error_for_response(response)
        refused = JobThrottledError(
            f"{throttled} The job was not run. {nothing}.",
            response=response,
            status=429,
        )
        refused.retry_after = getattr(throttled, "retry_after", None)
        refused.attempts, refused.elapsed = throttled.attempts, throttled.elapsed
        return refused
    if response.status_code != 422 or not isinstance(body, dict):
        return error_for_response(response)
    error: JobError
    if "token" in body:
        error = JobError(
            f"{where}: the server could not resolve {body['token']} ({body.get('detail')}). "
            f"{nothing}.",
            response=response,
            token=str(body["token"]),
        )
    else:
        number = body.get("step")
        index = first + number if isinstance(number, int) else None
        step = steps[index - 1] if index is not None and index <= len(steps) else None
        status = body.get("status")
        phrase = _phrase(status)
        detail = _describe_step_body(body.get("body"))
        what = f"{step.method} {step.path}" if step else "?"
        cls = JobThrottledError if status == 429 else JobError
        wait = job_throttled(response.status_code, response.content)
        rolled = "the server rolled the whole job back" if first == 0 else "it was rolled back"
        note = f"{nothing}: {rolled}" + (
            f"; it is safe to send again after {wait or 0:g} s."
            if cls is JobThrottledError
            else "."
        )
        at = f"step {index if index is not None else number} of {len(steps)}"
        if split is not None:
            at += f" (step {number} of {last - first} in this part)"
        error = cls(
            f"{where}: the atomic job failed at {at} ({what}) with {status} "
            f"{phrase}: {detail} {note}",
            response=response,
            step=index,
            method=step.method if step else None,
            path=step.path if step else None,
            status=status if isinstance(status, int) else None,
            body=body.get("body"),
        )
        if isinstance(error, JobThrottledError):
            error.retry_after = wait or None
    request = response.request
    if request is not None:
        annotate(error, request.call)
    return error


def committed_before(first: int, last: int, unknown: bool = False) -> str:
    """What was committed when the part of steps ``first + 1`` to ``last`` failed (a phrase);
    ``unknown``: whether that part was applied is not known (it was sent, the answer lost)."""
    if unknown:
        return (
            f"The {first} steps before it were committed, in earlier parts (job.done); whether "
            f"this part (steps {first + 1} to {last}) was is unknown: look on the server before "
            "job.run() sends it again"
        )
    if first == 0:
        return "Nothing was committed"
    return (
        f"Nothing of this part (steps {first + 1} to {last}) was committed; the {first} steps "
        "before it were, in earlier parts (job.done), and job.run() sends only the rest"
    )


def _phrase(status: Any) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except (ValueError, TypeError):
        return ""


def _describe_step_body(body: Any) -> str:
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str) and len(body) == 1:
            text = str(body["detail"])
        else:
            text = "; ".join(
                f"{key}: {' '.join(map(str, value)) if isinstance(value, list) else value}".rstrip(
                    "."
                )
                for key, value in body.items()
            )
    elif isinstance(body, list):
        text = " ".join(map(str, body))
    else:
        text = "(no details)" if body is None else str(body)
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", ")")) else text + "."
