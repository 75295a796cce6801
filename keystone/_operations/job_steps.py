"""The steps of an atomic job as the caller holds them: references into answers, results.

A :class:`Step` is what each step method of a job returns; its items are :class:`Ref` objects
for parts of that step's answer, sent as ``"@ref{step<n>.<path>}"`` for the server to fill in.
After the job ran, each step has its :class:`StepResult`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class _Job(Protocol):
    """What a step needs of its job: the results, once it ran."""

    results: list[StepResult] | None


@dataclass(frozen=True)
class StepResult:
    """What one step of a job answered: its number (from 1), request, status and body."""

    index: int
    method: str
    path: str
    status: int
    body: Any


class Ref:
    """Part of an earlier step's answer, to use in a later step: ``step["id"]``, ``step["a"][0]``.

    Sent as ``"@ref{step<n>.<path>}"``; the server replaces it with that value (keeping its
    type when the whole field is the reference). After the job ran, :attr:`value` is it.
    """

    __slots__ = ("_keys", "_step")

    def __init__(self, step: Step, keys: tuple[str | int, ...]) -> None:
        self._step = step
        self._keys = keys

    def __getitem__(self, key: str | int) -> Ref:
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise TypeError(f"a reference goes into an answer by key or index, not {key!r}")
        if isinstance(key, int) and key < 0:
            raise ValueError(
                f"the server's references count list items from 0, not from the end ({key}); "
                "give the item's index"
            )
        if isinstance(key, str) and not re.fullmatch(r"[A-Za-z0-9_]+", key):
            raise ValueError(
                f"the server's references name keys of letters, digits and underscores, not {key!r}"
            )
        return Ref(self._step, (*self._keys, key))

    @property
    def token(self) -> str:
        """The text sent for this reference: ``@ref{step1.id}``."""
        return "@ref{" + ".".join([self._step.alias, *map(str, self._keys)]) + "}"

    @property
    def value(self) -> Any:
        """The value the server put in the reference's place (once the job has run)."""
        value = self._step.body
        for key in self._keys:
            value = value[key]
        return value

    def is_of(self, job: object) -> bool:
        """Whether this reference is to a step of ``job`` (a job's server reads a reference
        as its own step's, so one to another job's step must not be sent)."""
        return self._step._job is job

    def __str__(self) -> str:
        return self.token

    def __repr__(self) -> str:
        return f"<Ref {self.token}>"


class Step(Ref):
    """One step of a job: ``step["id"]`` refers to its answer; after the run, its result."""

    __slots__ = ("_job", "alias", "index", "method", "path")

    def __init__(self, job: _Job, index: int, method: str, path: str) -> None:
        super().__init__(self, ())
        self._job = job
        self.index = index
        """Its number in the job, from 1."""
        self.alias = f"step{index}"
        self.method = method
        self.path = path

    @property
    def token(self) -> str:
        raise TypeError(
            f"step {self.index} ({self.method} {self.path}) is a whole answer; refer to a part "
            "of it, such as step['id']"
        )

    @property
    def result(self) -> StepResult:
        """What the step answered; ``RuntimeError`` before the job has run."""
        results = self._job.results
        if results is None or len(results) < self.index:
            raise RuntimeError(f"step {self.index} has no result: the job has not run yet")
        return results[self.index - 1]

    @property
    def body(self) -> Any:
        """The step's answer (the created or changed record)."""
        return self.result.body

    def __repr__(self) -> str:
        return f"<Step {self.index}: {self.method} {self.path}>"


def without_refs(query: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """``query``, refused if a value is a reference: the server resolves none in a query."""
    for name, value in query.items():
        if isinstance(value, Ref):
            raise ValueError(
                f"{where}: the query parameter {name!r} is a reference, which the server fills "
                "in only in a step's path and payload; put it in the path (job.add) instead"
            )
    return query
