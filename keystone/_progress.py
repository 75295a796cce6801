"""Progress of long work, told the same way everywhere: a callback, a bar, or both.

Batches (``client.batch``), list reads (``retrieve_*`` and ``iter_*``) and split atomic jobs
take the same two arguments: ``progress=callback``, called as ``callback(done, total)`` in the
thread that started the work each time more is done, and ``progress_bar=True``, a tqdm bar
(tqdm must be installed). ``total`` is how much there is in all: the items of a batch, the
steps of a job, the records of a list as the server counts them. When the server gives no
count, or a count that fell short, ``total`` is ``done``, and the bar has no end.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from types import TracebackType
from typing import Any

#: ``progress(done, total)``, called from the calling thread each time more work is done.
ProgressCallback = Callable[[int, int], None]


def check_progress(where: str, progress: object, progress_bar: object) -> None:
    """Refuse a ``progress`` that is no function and a ``progress_bar`` that is no bool."""
    if progress is not None and not callable(progress):
        raise TypeError(
            f"{where}: progress={progress!r} must be a function of (done, total), or None"
        )
    if not isinstance(progress_bar, bool):
        raise TypeError(f"{where}: progress_bar={progress_bar!r} must be True or False")
    if progress_bar and importlib.util.find_spec("tqdm") is None:
        raise ImportError(
            f"{where}: progress_bar=True needs tqdm: pip install tqdm (or pass progress=callback)"
        )


def progress_bar_for(total: int | None, unit: str = "item") -> Any:
    """A tqdm bar of ``total`` units (``None``: unknown), or ``ImportError`` saying how to get
    tqdm."""
    try:
        tqdm = importlib.import_module("tqdm").tqdm
    except ImportError:
        raise ImportError(
            "progress_bar=True needs tqdm: pip install tqdm (or pass progress=callback)"
        ) from None
    return tqdm(total=total, unit=unit)


class Progress:
    """One piece of work's progress: tells the callback and moves the bar; a context manager
    that closes the bar."""

    def __init__(
        self,
        total: int | None,
        callback: ProgressCallback | None = None,
        bar: bool = False,
        unit: str = "item",
    ) -> None:
        self.total = total
        self.done = 0
        self._callback = callback
        self._bar = progress_bar_for(total, unit) if bar else None

    def advance(self, count: int, total: int | None = None) -> None:
        """``count`` more done; ``total`` is the whole, when it became known or changed."""
        if total is not None and total != self.total:
            self.total = total
            if self._bar is not None:
                self._bar.total = total
                self._bar.refresh()
        if count <= 0:
            return
        self.done += count
        if self._callback is not None:  # a stale count may fall short of what came
            self._callback(self.done, max(self.total or 0, self.done))
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        """Close the bar, if there is one."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
