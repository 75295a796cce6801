"""RetryPolicy: defaults, validation with messages naming the value, immutability."""

from __future__ import annotations

import dataclasses

import pytest

from keystone import RetryPolicy


def test_defaults_suit_a_batch_job() -> None:
    policy = RetryPolicy()
    assert policy.max_attempts == 4
    assert policy.backoff_base == 0.5
    assert policy.backoff_cap == 8.0
    assert policy.deadline is not None and policy.deadline < 60
    assert policy.retry_non_idempotent is False
    assert policy.enabled


def test_disabled_sends_once() -> None:
    policy = RetryPolicy.disabled()
    assert policy.max_attempts == 1 and not policy.enabled
    assert policy.describe() == "retries disabled"


def test_it_is_frozen_and_replace_validates() -> None:
    policy = RetryPolicy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_attempts = 9  # type: ignore[misc]
    assert policy.replace(deadline=None).deadline is None
    with pytest.raises(ValueError, match="deadline=-1"):
        policy.replace(deadline=-1)
    with pytest.raises(TypeError, match="no field 'attempts'"):
        policy.replace(attempts=3)
    assert RetryPolicy(max_attempts=2) == RetryPolicy(max_attempts=2)
    assert hash(RetryPolicy()) == hash(RetryPolicy())


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"max_attempts": 0}, "max_attempts=0"),
        ({"max_attempts": 2.5}, "max_attempts=2.5"),
        ({"max_attempts": True}, "max_attempts=True"),
        ({"backoff_base": 0}, "backoff_base=0"),
        ({"backoff_base": float("nan")}, "backoff_base=nan"),
        ({"backoff_cap": "8"}, "backoff_cap='8'"),
        ({"backoff_base": 2.0, "backoff_cap": 1.0}, "backoff_cap=1.0"),
        ({"deadline": 0}, "deadline=0"),
        ({"deadline": float("inf")}, "deadline=inf"),
        ({"retry_non_idempotent": "yes"}, "retry_non_idempotent='yes'"),
    ],
)
def test_bad_values_are_refused_naming_the_value(options: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        RetryPolicy(**options)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert "RetryPolicy(" in str(info.value)


def test_describe() -> None:
    assert RetryPolicy().describe() == "at most 4 attempts, deadline 30 s"
    assert RetryPolicy(deadline=None).describe() == "at most 4 attempts, no deadline"
