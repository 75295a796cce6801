"""Query parameter encoding (lists comma-joined, booleans lowercase, dates ISO 8601)."""

from __future__ import annotations

import datetime
from urllib.parse import unquote

import pytest

from keystone._query import encode_query


def test_sequences_become_one_comma_joined_value() -> None:
    assert encode_query({"id__in": [1, 2, 3]}) == "id__in=1,2,3"
    assert encode_query({"id__in": (4, 5)}) == "id__in=4,5"
    assert encode_query({"id__in": {3, 1, 2}}) == "id__in=1,2,3"


def test_scalars() -> None:
    query = encode_query(
        {
            "enabled": True,
            "is_staff": False,
            "id__gt": 5,
            "name": "a b&c",
            "date": datetime.date(2025, 1, 2),
            "when__lt": datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        }
    )
    assert "enabled=true" in query
    assert "is_staff=false" in query
    assert "id__gt=5" in query
    assert "name=a%20b%26c" in query
    assert "date=2025-01-02" in query
    assert "%2B" in query  # '+' of the UTC offset must not turn into a space
    assert unquote(query.split("when__lt=")[1]) == "2025-01-02T03:04:05+00:00"


def test_none_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match=r"owner__isnull"):
        encode_query({"owner": None})


def test_empty_sequence_and_odd_types_are_refused() -> None:
    with pytest.raises(ValueError, match="empty sequence"):
        encode_query({"id__in": []})
    with pytest.raises(TypeError, match="object"):
        encode_query({"x": object()})
