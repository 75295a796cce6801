"""Running the ```python blocks of a markdown guide, in order, as the reader would.

Blocks run in one namespace, named ``__main__`` as a script's is (so a block's ``if __name__ ==
"__main__":`` part runs), compiled with their line numbers in the guide so a failure points at
the guide itself; their printed output is swallowed. Guides written for a server at
``http://127.0.0.1:8000`` (what ``python -m keystone.testing`` prints) or
``http://localhost:8000`` (or ``https://localhost:8443`` with the CA bundle
``/etc/ssl/certs/keystone-ca.pem``), the credentials ``"username"``/``"password"`` and the API
key ``"my-api-key"`` can be pointed at an emulator: only those strings are replaced.

Blocks in other languages (```` ```bash ````, ```` ```text ````...) are not run.

A block whose info string names a server profile after the language, as in
```` ```python 0.10.9 ```` or ```` ```python 0.10.9 tls ````, runs against the emulator given
for that profile (``emulators={"0.10.9": ..., "0.10.9 tls": ...}``); the other blocks run
against ``emulator``. A guide written for readers of every release runs once per profile
instead (``reader=emulator``): the unmarked blocks and those marked for that emulator's
release run against it, in order, and the blocks marked for other releases are left out. For
readers, a mark may name releases as a range: ```` ```python 0.5.17+ ```` (that release and
later ones) or ```` ```python 0.3.26-0.4.1 ```` (those two and the ones between).

A block marked ```` ```python file=my_batch.py ```` is a module of the reader's: it is written to
a folder on ``sys.path`` (and on ``PYTHONPATH``, for worker processes the guide starts) for
later blocks to import, instead of being run.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from keystone.testing import KeystoneEmulator

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: The user guide's server: the address ``python -m keystone.testing`` prints.
GUIDE_URL = "http://127.0.0.1:8000"
#: Every address of a local server the guides are written for (``GUIDE_URL`` first).
GUIDE_URLS = (GUIDE_URL, "http://localhost:8000")
GUIDE_HTTPS_URL = "https://localhost:8443"
#: String literals replaced as written, quotes included.
GUIDE_CA_BUNDLE = '"/etc/ssl/certs/keystone-ca.pem"'
GUIDE_API_KEY = '"my-api-key"'
#: Profiles whose server reads API tokens (from 0.6.4 on): a guide's key becomes a real one.
TOKEN_PROFILES = frozenset({"0.6.21", "0.7.5", "0.8.7", "0.9.5", "0.10.9"})
_BLOCK = re.compile(r"^```python(?: +([^\n`]*?))? *\n(.*?)^```", re.DOTALL | re.MULTILINE)


class Block(NamedTuple):
    """One python block: where it starts, its code, and the profile it names ("" for none)."""

    line: int
    code: str
    profile: str


def guide_blocks(text: str) -> list[Block]:
    """Every python block of a guide, with the profile its info string names."""
    return [
        Block(text.count("\n", 0, match.start(2)) + 1, match.group(2), match.group(1) or "")
        for match in _BLOCK.finditer(text)
    ]


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def marks_release(mark: str, release: str) -> bool:
    """Whether a block marked ``mark`` (``0.10.9``, ``0.5.17+``, ``0.3.26-0.4.1``) is for
    readers of ``release``."""
    if mark.endswith("+"):
        return _release(release) >= _release(mark[:-1])
    if "-" in mark:
        first, last = mark.split("-", 1)
        return _release(first) <= _release(release) <= _release(last)
    return mark == release


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(first line number, code)`` of each python block."""
    return [(block.line, block.code) for block in guide_blocks(text)]


def for_emulator(code: str, emulator: KeystoneEmulator) -> str:
    """``code`` with the guide's server address and credentials replaced by the emulator's."""
    url = emulator.url.rstrip("/")
    for guide_url in GUIDE_URLS:
        code = code.replace(guide_url + "/", emulator.url).replace(guide_url, url)
    code = (
        code.replace(GUIDE_HTTPS_URL + "/", emulator.url)
        .replace(GUIDE_HTTPS_URL, url)
        .replace('"username"', repr(emulator.admin_username))
        .replace('"password"', repr(emulator.admin_password))
    )
    if emulator.ca_path is not None:
        code = code.replace(GUIDE_CA_BUNDLE, repr(emulator.ca_path))
    if GUIDE_API_KEY in code and emulator.api in TOKEN_PROFILES:
        code = code.replace(GUIDE_API_KEY, repr(emulator.create_token(emulator.admin_username)))
    return code


@contextlib.contextmanager
def _module_folder() -> Iterator[Path]:
    """A folder for the guide's modules, importable here and in the processes it starts."""
    with tempfile.TemporaryDirectory(prefix="guide-modules-") as folder:
        saved_path, saved_env = list(sys.path), os.environ.get("PYTHONPATH")
        sys.path.insert(0, folder)
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [folder, saved_env]))
        before = set(sys.modules)
        try:
            yield Path(folder)
        finally:
            sys.path[:] = saved_path
            if saved_env is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = saved_env
            for name in set(sys.modules) - before:
                module = sys.modules[name]
                if str(getattr(module, "__file__", "") or "").startswith(folder):
                    del sys.modules[name]


def run_guide(
    path: Path,
    *,
    emulator: KeystoneEmulator | None = None,
    emulators: Mapping[str, KeystoneEmulator] | None = None,
    reader: KeystoneEmulator | None = None,
    skip: tuple[int, ...] = (),
    namespace: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run every python block of ``path`` (except those starting on a line in ``skip``).

    Blocks are rewritten by :func:`for_emulator`: those naming a profile for the emulator of
    that profile in ``emulators``, the others for ``emulator`` if given. With ``reader``, the
    guide is read as a user of that emulator's server would: see the module docstring.
    Returns the namespace.
    """
    if reader is not None:
        emulator, emulators = reader, {reader.api: reader}
    scope: dict[str, Any] = namespace if namespace is not None else {"__name__": "__main__"}
    with _module_folder() as modules:
        for line, code, profile in guide_blocks(path.read_text(encoding="utf-8")):
            if line in skip:
                continue
            target = emulator
            if profile.startswith("file="):
                source = for_emulator(code, emulator) if emulator is not None else code
                (modules / profile.removeprefix("file=")).write_text(source, encoding="utf-8")
                continue
            if reader is not None and profile:
                if not marks_release(profile, reader.api):
                    continue  # written for readers of other releases
                profile = reader.api
            if profile:
                target = (emulators or {}).get(profile)
                if target is None:
                    raise LookupError(
                        f"{path.name}:{line}: the block is written for a {profile!r} server; "
                        f"give run_guide(..., emulators={{{profile!r}: KeystoneEmulator(...)}})"
                    )
            source = for_emulator(code, target) if target is not None else code
            compiled = compile("\n" * (line - 1) + source, str(path), "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compiled, scope)
    return scope
