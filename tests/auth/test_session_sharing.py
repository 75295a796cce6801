"""One session shared: by 32 threads at once, by a forked child, by a pickled copy elsewhere."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from session_auth_support import logged_in

import keystone
from keystone.testing import KeystoneEmulator

THREADS = 32
#: Rounds of each thread: 7 reads and one create/patch/delete, 10 calls, all threads at once
#: (a session has nothing to renew, so more rounds would only repeat them).
ROUNDS = 8
TEAMS = "/users/teams/"


@pytest.fixture(scope="module")
def server() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", user_throttle=None, anon_throttle=None) as emulator:
        yield emulator


def test_32_threads_share_one_session(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator, pool_maxsize=THREADS, timeout=30)
    errors: list[BaseException] = []
    calls = [0] * THREADS
    start = threading.Barrier(THREADS)

    def work(n: int) -> None:
        start.wait()
        for i in range(ROUNDS):
            try:
                if i % 8 == 7:  # unsafe methods too: each needs the CSRF token
                    team = client.http_post("users/teams", {"name": f"t-{n}-{i}"}).json()
                    client.http_patch(f"users/teams/{team['id']}", {"is_active": False})
                    client.http_delete(f"users/teams/{team['id']}")
                    calls[n] += 3
                else:
                    client.http_get("authentication/whoami")
                    calls[n] += 1
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert calls == [10] * THREADS
    assert emulator.stats.count(method="DELETE", path_prefix=TEAMS, status=204) > 0
    assert emulator.stats.total == sum(calls) + 1 == THREADS * 10 + 1  # and the login
    assert emulator.stats.count(status=401) + emulator.stats.count(status=403) == 0
    assert emulator.stats.count(path="/authentication/login/") == 1  # the session never ended
    assert client.is_authenticated


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_keeps_the_session(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    client.http_get("authentication/whoami")  # a pooled connection the child must not share
    pid = os.fork()
    if pid == 0:  # the child: no pytest here, the exit status says how it went
        code = 1
        try:
            created = client.http_post("users/teams", {"name": "from-the-child"})
            me = client.http_get("authentication/whoami").json()["username"]
            code = 0 if created.status_code == 201 and me == "admin" else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert emulator.stats.count(method="POST", path=TEAMS, status=201) == 1
    assert emulator.stats.count(path="/authentication/login/") == 1  # the parent's login only
    assert client.http_post("users/teams", {"name": "from-the-parent"}).status_code == 201


def test_a_pickled_client_takes_the_session_to_another_process(
    emulator: KeystoneEmulator,
) -> None:
    client = logged_in(emulator)
    code = (
        "import pickle, sys\n"
        "client = pickle.loads(sys.stdin.buffer.read())\n"
        "created = client.http_post('users/teams', {'name': 'from-a-pickle'})\n"
        "me = client.http_get('authentication/whoami').json()['username']\n"
        "print(created.status_code, me, client.is_authenticated)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(client), capture_output=True, timeout=60
    )
    assert result.stdout.split() == [b"201", b"admin", b"True"], result.stderr.decode()
    assert emulator.stats.count(path="/authentication/login/") == 1


def test_a_copy_shares_the_servers_session_but_not_the_cookie_store(
    emulator: KeystoneEmulator,
) -> None:
    client = logged_in(emulator)
    clone = pickle.loads(pickle.dumps(client))
    assert clone.is_authenticated and clone.auth is not client.auth
    clone.logout()  # ends the one session on the server...
    assert not clone.is_authenticated and client.is_authenticated  # ...the original's store stays
    with pytest.raises(keystone.SessionExpiredError):
        client.http_get("authentication/whoami")  # ...until the server says so
