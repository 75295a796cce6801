"""Starting, waiting for and stopping one server subprocess (``keystone.testing._serve``).

The child's stderr goes to ``server.log`` in the emulator's working directory (a file, so it
can never fill a pipe and block the server), its stdout carries only the ready line, and its
stdin is a pipe the parent never writes to: closing it asks the child to stop, and the OS
closes it for us if the parent dies, so a server cannot outlive its test run.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keystone.testing.config import CONFIG_ENV_VAR, EmulatorConfig
from keystone.testing.faults import FaultRule
from keystone.testing.serving import READY_PREFIX
from keystone.testing.stats import StatsSnapshot
from keystone.testing.tls import TlsFiles

#: ``python -m keystone.testing._serve``, but without running the ``keystone`` package's
#: ``__init__``: the emulator's own apps need nothing of the client, whose import would be about
#: a third of the server's start. The package is registered unexecuted, as a plain namespace for
#: ``keystone.testing``; the server module then runs as ``-m`` would run it. An app factory of
#: your own runs under plain ``-m`` (it may import the client).
SERVE_BOOTSTRAP = (
    "import importlib.util, runpy, sys; "
    "sys.modules['keystone'] = importlib.util.module_from_spec("
    "importlib.util.find_spec('keystone')); "
    "runpy.run_module('keystone.testing._serve', run_name='__main__', alter_sys=True)"
)

LOG_NAME = "server.log"
STATE_NAME = "state.json"
FAULTS_NAME = "faults.json"


class EmulatorStartError(RuntimeError):
    """The server process died or stayed silent before saying it was ready."""


@dataclass
class ServerProcess:
    """A running server subprocess and where it listens."""

    popen: subprocess.Popen[bytes]
    url: str
    host: str
    port: int


@dataclass
class ServerState:
    """What a stopped server left behind: its final counters and the faults still pending."""

    stats: StatsSnapshot = field(default_factory=StatsSnapshot)
    faults: list[FaultRule] = field(default_factory=list)


def spawn_server(
    config: EmulatorConfig,
    workdir: Path,
    *,
    app_factory: str,
    keepalive_timeout: float,
    startup_timeout: float,
    access_log: bool = False,
    faults: Sequence[FaultRule] = (),
    env: Mapping[str, str] | None = None,
    tls: TlsFiles | None = None,
) -> ServerProcess:
    """Start ``keystone.testing._serve`` (see :data:`SERVE_BOOTSTRAP`) and wait until it
    reports its address."""
    own = app_factory.startswith("keystone.testing.")
    command = [
        sys.executable,
        *(("-c", SERVE_BOOTSTRAP) if own else ("-m", "keystone.testing._serve")),
        "--watch-stdin",
        f"--app-factory={app_factory}",
        f"--keepalive-timeout={keepalive_timeout}",
        f"--state-file={workdir / STATE_NAME}",
        f"--orphan-cleanup={workdir}",
    ]
    if access_log:
        command.append("--access-log")
    if tls is not None:
        command += [f"--tls-cert={tls.cert_path}", f"--tls-key={tls.key_path}"]
    if faults:
        faults_path = workdir / FAULTS_NAME
        faults_path.write_text(json.dumps([rule.to_dict() for rule in faults]), "utf-8")
        command.append(f"--faults-file={faults_path}")
    with contextlib.suppress(FileNotFoundError):
        (workdir / STATE_NAME).unlink()
    child_env = dict(os.environ)
    # A settings module meant for the user's own Django project must not leak into the server.
    child_env.pop("DJANGO_SETTINGS_MODULE", None)
    child_env.update(env or {})
    child_env[CONFIG_ENV_VAR] = config.to_json()
    with open(workdir / LOG_NAME, "ab") as log:
        popen = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=child_env
        )
    try:
        info = _wait_ready(popen, startup_timeout)
    except BaseException as exc:
        _kill(popen)
        if isinstance(exc, EmulatorStartError):
            raise EmulatorStartError(f"{exc}\n{_log_tail(workdir)}") from None
        raise
    return ServerProcess(popen, str(info["url"]), str(info["host"]), int(info["port"]))


def _wait_ready(popen: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    lines: queue.Queue[bytes] = queue.Queue()
    stdout = popen.stdout
    assert stdout is not None

    def read() -> None:
        # Ends at the ready line or at EOF (the child closes its stdout once ready, or dies).
        for line in stdout:
            lines.put(line)
            if line.startswith(READY_PREFIX.encode()):
                break
        lines.put(b"")

    threading.Thread(target=read, name="keystone-emulator-ready", daemon=True).start()
    other: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise EmulatorStartError(
                f"the emulator server was not ready within {timeout:g} s"
            ) from None
        text = line.decode("utf-8", "replace")
        if text.startswith(READY_PREFIX):
            info: dict[str, object] = json.loads(text[len(READY_PREFIX) :])
            return info
        if not line:
            code = popen.wait(timeout=5)
            raise EmulatorStartError(
                f"the emulator server exited with code {code} before it was ready"
                + (f"; its output: {''.join(other)}" if other else "")
            )
        other.append(text)


def stop_server(popen: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
    """Ask the server to stop (stdin EOF), then terminate, then kill; always reap it."""
    try:
        if popen.stdin is not None:
            with contextlib.suppress(OSError):
                popen.stdin.close()
        try:
            return popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            popen.terminate()
        try:
            return popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            popen.kill()
            return popen.wait()
    finally:
        if popen.stdout is not None:
            with contextlib.suppress(OSError):
                popen.stdout.close()


def _kill(popen: subprocess.Popen[bytes]) -> None:
    """End a server that never became ready: nothing in it is worth a graceful stop."""
    popen.kill()
    popen.wait()
    for pipe in (popen.stdin, popen.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def read_state(workdir: Path) -> ServerState:
    """The state a server wrote on its way out (empty if it was killed before it could)."""
    try:
        raw = json.loads((workdir / STATE_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return ServerState()
    return ServerState(
        StatsSnapshot.from_dict(raw.get("stats", {})),
        [FaultRule.from_dict(item) for item in raw.get("faults", [])],
    )


def _log_tail(workdir: Path, limit: int = 4000) -> str:
    try:
        text = (workdir / LOG_NAME).read_text("utf-8", "replace")
    except OSError:
        return "(no server log)"
    if not text.strip():
        return "(the server wrote nothing to stderr)"
    tail = text[-limit:]
    return f"server stderr (last {len(tail)} characters):\n{tail}"


class ServerResources:
    """The process and directory one started emulator owns.

    Kept apart from :class:`KeystoneEmulator` so that its finaliser can clean up without
    holding a reference to the emulator.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process: ServerProcess | None = None

    def stop_process(self) -> ServerState:
        process, self.process = self.process, None
        if process is None:
            return ServerState()
        stop_server(process.popen)
        return read_state(self.workdir)

    def close(self) -> None:
        try:
            self.stop_process()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
