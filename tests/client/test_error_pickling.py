"""Every error the client raises survives pickling: type, message and attributes intact.

Worker pools pickle a task's exception to hand it to the parent; an error that cannot be
rebuilt breaks ``ProcessPoolExecutor`` (``BrokenProcessPool``) and hangs ``multiprocessing.Pool``.
"""

from __future__ import annotations

import multiprocessing
import pickle
import socket
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import (
    BatchDeadlineError,
    BatchResults,
    KeystoneClient,
    Outcome,
    RetryPolicy,
    UnexpectedResponseError,
)

QUICK = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_cap=0.01, max_retry_after=30)


def _raised(call: Any) -> BaseException:
    try:
        call()
    except BaseException as error:
        return error
    raise AssertionError("expected an error")


def _same(error: BaseException) -> BaseException:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error) and copy.args == error.args
    for name in ("status_code", "errors", "retry_after", "attempts", "elapsed", "request_sent"):
        if hasattr(error, name):
            assert getattr(copy, name) == getattr(error, name), name
    return copy


@pytest.fixture
def client(local_server: LocalServer) -> KeystoneClient:
    answers = {
        "/notfound/": Canned(404, {"detail": "No Cluster matches the given query."}),
        "/invalid/": Canned(400, {"name": ["This field is required."]}),
        "/throttled/": Canned(429, {"detail": "Request was throttled."}, {"Retry-After": "60"}),
        "/down/": Canned(503, {"detail": "down"}),
        "/html/": Canned(200, "<html>a proxy page</html>"),
        "/list/": Canned(200, [1, 2]),
        "/allocations/clusters/1/": Canned(200, [1, 2]),
        "/teapot/": Canned(418, "teapot"),
    }
    for path, answer in answers.items():
        local_server.route("*", path, answer)
    return KeystoneClient(local_server.url, retry=QUICK)


def test_http_errors_pickle_with_their_details(client: KeystoneClient) -> None:
    not_found = _same(_raised(lambda: client.http_get("notfound")))
    assert isinstance(not_found, keystone.NotFoundError) and not_found.status_code == 404
    assert not_found.response.json() == {"detail": "No Cluster matches the given query."}
    invalid = _same(_raised(lambda: client.http_post("invalid", {})))
    assert invalid.errors == {"name": ["This field is required."]}  # type: ignore[attr-defined]
    down = _same(_raised(lambda: client.http_get("down")))
    assert down.attempts == 2 and down.elapsed is not None  # type: ignore[attr-defined]
    assert isinstance(_same(_raised(lambda: client.http_get("teapot"))), keystone.ClientError)
    throttled = _same(_raised(lambda: client.http_get("throttled")))
    assert throttled.retry_after == 60  # type: ignore[attr-defined]
    # The client now holds its requests for 60 s: more than QUICK lets a call wait.
    held = _same(_raised(lambda: client.http_get("teapot")))
    assert isinstance(held, keystone.ThrottleWaitError) and held.request_sent is False
    assert 59 < held.retry_after <= 60


def test_decode_and_shape_errors_pickle(client: KeystoneClient) -> None:
    decode = _same(_raised(lambda: client.http_get("html").json()))
    assert isinstance(decode, keystone.ResponseDecodeError) and "a proxy page" in decode.doc
    shape = _same(_raised(lambda: client.retrieve_cluster(pk=1)))  # a list, not a record
    assert isinstance(shape, UnexpectedResponseError) and shape.response is not None
    assert shape.response.json() == [1, 2]


def test_transport_errors_pickle() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = KeystoneClient(f"http://127.0.0.1:{port}", retry=QUICK)
    refused = _same(_raised(lambda: client.http_get("x")))
    assert isinstance(refused, keystone.ConnectError) and refused.request_sent is False
    assert refused.request is not None and refused.request.method == "GET"


def test_batch_errors_pickle() -> None:
    results: BatchResults[int, int] = BatchResults(
        [Outcome(0, 0, value=1), Outcome(1, 1, error=BatchDeadlineError("late"))], 0.1
    )
    error = _raised(results.raise_for_errors)
    copy = _same(error)
    assert isinstance(copy, keystone._errors.BatchError) and len(copy.failed) == 1
    assert isinstance(copy.failed[0][1], BatchDeadlineError)


def fetch(client: KeystoneClient, endpoint: str) -> Any:
    """Run in a worker process: the client travels by pickle, so may its error."""
    return client.http_get(endpoint).json()


def test_a_404_in_a_process_pool_worker_comes_back_and_the_pool_lives_on(
    client: KeystoneClient,
) -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        failed = pool.submit(fetch, client, "notfound")
        error = failed.exception(timeout=60)
        assert isinstance(error, keystone.NotFoundError) and error.status_code == 404
        assert pool.submit(fetch, client, "list").result(timeout=60) == [1, 2]


def test_a_404_in_a_multiprocessing_pool_comes_back(client: KeystoneClient) -> None:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        pending = pool.apply_async(fetch, (client, "notfound"))
        with pytest.raises(keystone.NotFoundError, match="No Cluster matches"):
            pending.get(timeout=60)
        assert pool.apply_async(fetch, (client, "list")).get(timeout=60) == [1, 2]
