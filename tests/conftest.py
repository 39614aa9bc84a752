"""Shared test set-up: hypothesis profiles, a disk cache of the run's own.

``dev`` (the default) explores more; ``ci`` (set by ``.ci/run`` through
``HYPOTHESIS_PROFILE=ci``) keeps the run short and repeatable on two shared cores:
fewer examples, derandomized, no example database, no deadline (timings on a noisy
machine are not a test). ``fast`` (``make check-fast``) asks each property for a few
examples only; tests that name their own count scale it with ``hypothesis_budget.examples``.
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fast",
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# spmkit's disk cache (checked rule sets, numba's kernels) in a directory of this run, so
# that no test reads what an earlier run or the user's own processes wrote. The workers of
# one `pytest -n` run share the directory their controller made (as a user's processes
# share theirs), so each shipped rule set is checked once per run, not once per worker.
if not os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["SPMKIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="spmkit-test-cache-")

# tests/typing/ is checked by mypy (`make typecheck`), not run: importing it for doctests
# would call the API at collection, in every test process.
collect_ignore = ["typing"]


def pytest_configure(config: object) -> None:
    """Under ``pytest -n``, check the shipped rule sets once, before the workers start.

    The workers then read them from the run's disk cache instead of each parsing every
    rule file while collecting the rule tests (``*.tests.yaml``) at the same moment.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") or not getattr(
        getattr(config, "option", None), "numprocesses", None
    ):
        return
    import warnings  # noqa: PLC0415 - only for a parallel run

    import spmkit  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rule_set_id in spmkit.shipped_rule_sets():
            spmkit.load_rule_set(rule_set_id)
