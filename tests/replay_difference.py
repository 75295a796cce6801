"""The warning a transcript replay raises for the exchanges it tolerates as different.

It lives at the top of the test tree so that every process of a parallel run (pytest-xdist's
controller included) can import it to report the warning.
"""

from __future__ import annotations


class ReplayDifference(UserWarning):
    """Recorded exchanges the emulator answers differently (within the tolerated 5%)."""
