"""Prints what one call crosses of the client's own code: frames at the transport, files, functions.

``python tools/call_path.py`` runs ``retrieve_cluster(pk=1)`` and ``http_get(...)`` on a
``MockTransport`` (so only the client's code is measured, not urllib3's) and prints, for each,
how many of the client's files and functions the call entered, how many calls it made, and
the frames of the client's own standing on the stack when the request reached the transport,
outermost first. ``keystone.testing`` is not counted.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import keystone
from keystone import KeystoneClient, Request, Response, StaticTokenAuth
from keystone.testing import MockTransport

ROOT = Path(keystone.__file__).resolve().parent


def _own(filename: str) -> str | None:
    path = Path(filename).resolve()
    if not path.is_relative_to(ROOT) or path.is_relative_to(ROOT / "testing"):
        return None
    return str(path.relative_to(ROOT))


def main() -> None:
    stack: list[str] = []

    def answer(request: Request) -> Response:
        frames = [(_own(f.filename), f.function) for f in inspect.stack()[1:]]
        stack[:] = [f"{name}:{function}" for name, function in reversed(frames) if name]
        return Response(200, json={"id": 1, "name": "gpu"})

    client = KeystoneClient(
        "http://keystone.test",
        transport=MockTransport(answer),
        auth=StaticTokenAuth("key"),
        server="0.10.9",
    )
    calls: dict[str, Callable[[], object]] = {
        "retrieve_cluster(pk=1)": lambda: client.retrieve_cluster(pk=1),
        "http_get('allocations/clusters/1/')": lambda: client.http_get("allocations/clusters/1/"),
    }
    for name, call in calls.items():
        call()  # once before: nothing imported or cached on the way is counted
        entered, count = _entered(call)
        files = {file for file, _ in entered}
        print(f"{name}: {len(files)} files, {len(entered)} functions, {count} calls; ", end="")
        print(f"{len(stack)} frames at the transport:")
        for frame in stack:
            print(f"    {frame}")


def _entered(call: Callable[[], object]) -> tuple[set[tuple[str, str]], int]:
    """The client's ``(file, function)`` pairs ``call`` entered, and how many calls it made."""
    entered: set[tuple[str, str]] = set()
    count = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        own = _own(frame.f_code.co_filename) if event == "call" else None
        if own is not None:
            entered.add((own, frame.f_code.co_name))
            count += 1

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return entered, count


if __name__ == "__main__":
    main()
