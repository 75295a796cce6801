"""A call reaches the transport through a short, flat stack of the client's own frames.

Each built-in layer is bound to the rest of the chain once (one frame a layer), the request is
built in one place and handed to the chain directly: a debugger walks a call top to bottom in
about ten steps, and a request pays for no frame that does nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

import keystone
from keystone import KeystoneClient, Request, Response, StaticTokenAuth
from keystone.testing import MockTransport

ROOT = Path(keystone.__file__).resolve().parent
MOST_FRAMES = 12


def own_frames() -> list[str]:
    """The client's own frames on the stack (not the test's, nor keystone.testing's)."""
    frames = []
    for info in inspect.stack()[1:]:
        path = Path(info.filename).resolve()
        if path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / "testing"):
            frames.append(f"{path.relative_to(ROOT)}:{info.function}")
    return frames


CALLS: dict[str, Callable[[KeystoneClient], object]] = {
    "http_get": lambda c: c.http_get("allocations/clusters/1/"),
    "http_post": lambda c: c.http_post("allocations/clusters/", {"name": "gpu"}),
    "retrieve_one": lambda c: c.retrieve_cluster(pk=1),
    "retrieve_list": lambda c: c.retrieve_cluster(),
    "retrieve_list_progress": lambda c: c.retrieve_cluster(progress=lambda done, total: None),
    "iter_list": lambda c: list(c.iter_cluster()),
    "create": lambda c: c.create_cluster(name="gpu"),
    "update": lambda c: c.update_cluster(1, {"description": "x"}),
    "delete": lambda c: c.delete_cluster(1),
    "whoami": lambda c: c.whoami(),
}


@pytest.mark.parametrize("name", CALLS)
def test_a_call_reaches_the_transport_through_at_most_12_frames(name: str) -> None:
    stacks: list[list[str]] = []

    def answer(request: Request) -> Response:
        stacks.append(own_frames())
        if request.method == "DELETE":
            return Response(204)
        if "/clusters/?" in request.url or request.url.endswith("/clusters/"):
            return Response(200, json={"count": 1, "next": None, "results": [{"id": 1}]})
        return Response(200, json={"id": 1, "name": "gpu"})

    client = KeystoneClient(
        "http://keystone.test",
        transport=MockTransport(answer),
        auth=StaticTokenAuth("key"),
        server="0.10.9",
    )
    CALLS[name](client)
    assert stacks, "nothing reached the transport"
    for stack in stacks:
        assert len(stack) <= MOST_FRAMES, "\n".join(reversed(stack))
        assert any(frame.startswith("_chain/") for frame in stack)  # through the chain


def test_a_layer_given_as_middleware_stays_as_given_and_the_client_pickles() -> None:
    import pickle

    from keystone.middleware.logging import LoggingMiddleware

    given = LoggingMiddleware()
    client = KeystoneClient("http://keystone.test", middleware=[given], server="0.10.9")
    other = KeystoneClient("http://other.test", middleware=[given], server="0.10.9")
    assert "call_next" not in vars(given)  # each chain binds a copy of its own
    clone = pickle.loads(pickle.dumps(client))
    assert clone.middleware == client.middleware and other.url == "http://other.test/"
