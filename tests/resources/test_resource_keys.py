"""Record ids are checked before they become part of a URL: bad ones never reach the server."""

from __future__ import annotations

from typing import Any

import pytest

from keystone import KeystoneClient
from keystone.resources._keys import record_key
from keystone.testing import KeystoneEmulator

BAD_PKS: list[Any] = [
    "1/../users",
    "1/",
    "../1",
    -1,
    0,
    "0",
    "",
    " 1",
    "1 ",
    "-1",
    "1.0",
    1.0,
    2.5,
    True,
    False,
    "\uff11",  # FULLWIDTH DIGIT ONE: a digit to str.isdigit(), not to the server
    "1\n",
    b"1",
    [1],
    object(),
]


class Index:
    """An integer-like object (as numpy's integers are): accepted through ``__index__``."""

    def __index__(self) -> int:
        return 7


@pytest.mark.parametrize(
    ("pk", "segment"),
    [(1, "1"), (42, "42"), ("42", "42"), ("007", "7"), (Index(), "7"), (10**12, "1000000000000")],
)
def test_valid_keys(pk: Any, segment: str) -> None:
    assert record_key(pk, "retrieve_cluster") == segment


def _id(value: Any) -> str:
    """A stable test id (an object's repr holds its address, which differs per process)."""
    text = repr(value)
    return type(value).__name__ if " at 0x" in text else text


@pytest.mark.parametrize("pk", BAD_PKS, ids=_id)
def test_invalid_keys_name_the_value(pk: Any) -> None:
    with pytest.raises(ValueError) as caught:
        record_key(pk, "update_cluster")
    message = str(caught.value)
    assert message.startswith("update_cluster: pk must be a positive integer")
    assert repr(pk) in message


def _calls(client: KeystoneClient, pk: Any) -> dict[str, Any]:
    return {
        "retrieve": lambda: client.retrieve_cluster(pk=pk),
        "update": lambda: client.update_cluster(pk, {"description": "x"}),
        "delete": lambda: client.delete_cluster(pk),
        "delete_raising": lambda: client.delete_cluster(pk, raise_not_exists=True),
        "retrieve_log": lambda: client.retrieve_request_log(pk),
        "update_user": lambda: client.update_user(pk=pk, data={"first_name": "x"}),
        "delete_group": lambda: client.delete_research_group(pk=pk),
    }


@pytest.mark.parametrize("pk", [*BAD_PKS[:8], 1.0, True], ids=_id)
def test_bad_pk_is_refused_before_any_request(
    admin: KeystoneClient, emulator: KeystoneEmulator, pk: Any
) -> None:
    emulator.stats.reset()
    for name, call in _calls(admin, pk).items():
        with pytest.raises(ValueError, match="pk must be"):
            call()
        assert emulator.stats.total == 0, name


def test_none_pk_is_refused_for_update_and_delete(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    emulator.stats.reset()
    with pytest.raises(ValueError, match="not None"):
        admin.update_cluster(None, {"description": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not None"):
        admin.delete_cluster(None)  # type: ignore[arg-type]
    assert emulator.stats.total == 0
