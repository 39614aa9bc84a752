"""How many examples a property test asks for, by the run it is in.

A full run (the ``dev`` and ``ci`` profiles, ``make test`` and CI) asks each property for
the examples its test names. ``make check-fast`` loads the ``fast`` profile: quick
feedback on every property with a sixth of them (at least five), so the fast suite
stays under a minute on two cores while no property drops out of it.
"""

from __future__ import annotations

import os

FAST = os.environ.get("HYPOTHESIS_PROFILE") == "fast"


def examples(wanted: int) -> int:
    """``wanted`` in a full run; a sixth of it, at least 5 (never more), in the fast run."""
    return min(wanted, max(5, wanted // 6)) if FAST else wanted


def stride(every: int) -> int:
    """Take every ``every``-th case of a parametrized sample; every ``6 x every``-th in the fast run."""
    return every * 6 if FAST else every
