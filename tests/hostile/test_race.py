"""First use from several threads at once, in fresh interpreters (finding 1 of issue 15).

The unit registry, the parsed-unit cache and the compiled rule-set cache are built
lazily. Each run below starts a new Python process (so nothing is built yet), releases
eight threads at one barrier to load and evaluate different rule sets, then compiles
more rule sets than the compiled cache holds from eight threads. Before the fix, two
registries were built in most runs (``Cannot operate with Unit and Unit of different
registries``) and the cache eviction raised ``KeyError``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

RUNS = 8

SCRIPT = textwrap.dedent(
    """
    import threading, warnings
    import spmkit
    from spmkit._evaluation.batch import _CACHE_SIZE

    warnings.simplefilter("ignore")
    ids = list(spmkit.shipped_rule_sets())
    errors = []
    barrier = threading.Barrier(8)

    def first_use(number):
        try:
            barrier.wait()
            rule_set = spmkit.load_rule_set(ids[number % len(ids)])
            spmkit.parse_unit("L / (person * day)") if hasattr(spmkit, "parse_unit") else None
            spmkit.evaluate(rule_set, {})
            spmkit.load_rule_set("kulon-progo-2011")
        except BaseException as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=first_use, args=(n,)) for n in range(8)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()

    base = spmkit.load_rule_set("kulon-progo-2011")
    many = [spmkit.loads_rule_set(open(spmkit.shipped_rule_sets()["kulon-progo-2011"],
            encoding="utf-8").read()) for _ in range(_CACHE_SIZE + 4)]
    barrier = threading.Barrier(8)

    def compile_many(number):
        try:
            barrier.wait()
            for _ in range(2):
                for rule_set in many[number::2]:
                    spmkit.compile_rule_set(rule_set)
        except BaseException as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=compile_many, args=(n,)) for n in range(8)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    spmkit.load_rule_set("kulon-progo-2011")
    print("\\n".join(errors) if errors else "ok")
    """
)


@pytest.mark.slow
def test_first_use_races_in_fresh_interpreters() -> None:
    """Eight fresh processes, eight threads each: no error, and every run says ok."""
    failures = []
    for run in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", SCRIPT],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or done.stdout.strip() != "ok":
            failures.append(f"run {run}: rc={done.returncode} {done.stdout}{done.stderr[-2000:]}")
    assert not failures, "\n".join(failures)
