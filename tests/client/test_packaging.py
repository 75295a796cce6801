"""Import paths and runtime dependencies."""

from __future__ import annotations

import subprocess
import sys


def test_both_import_paths_name_the_same_class() -> None:
    import keystone
    import keystone_client

    assert keystone_client.KeystoneClient is keystone.KeystoneClient
    assert set(keystone.__all__) <= set(dir(keystone_client))


def test_importing_does_not_import_requests_or_django() -> None:
    code = (
        "import sys, keystone_client, keystone.testing; "
        "bad = [m for m in ('requests', 'django', 'httpx') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_runtime_dependencies_are_urllib3_and_tenacity_only() -> None:
    from importlib.metadata import requires

    runtime = [r for r in requires("keystone-api-client") or [] if "extra ==" not in r]
    names = sorted(r.split(">")[0].split("=")[0].split("<")[0].strip() for r in runtime)
    assert names == ["tenacity", "urllib3"]


def test_typed_marker_shipped() -> None:
    from importlib.resources import files

    assert files("keystone").joinpath("py.typed").is_file()
    assert files("keystone_client").joinpath("py.typed").is_file()
