"""Evaluate with plain-number inputs vs pint-quantity inputs, side by side.

pint is used at load time and at the data boundary only: quantities are converted to
exact numbers in the declared units (validate_data), then the same plain-number hot path
runs. This script measures what the conversion costs on the shipped Kulon Progo rule set
and its example data (46 inputs, 23 indicators), in one run, as medians and ratios.

    .venv/bin/python benchmarks/bench_units.py [--repeat 31] [--number 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import yaml

import spmkit
from spmkit._rulesets.units import quantity

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kulon-progo-2011.yaml"


def median_seconds(call, repeat: int, number: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            call()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--number", type=int, default=50)
    args = parser.parse_args()

    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    plain = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["data"]
    quantities = {
        name: quantity(value, rule_set.inputs[name].unit) for name, value in plain.items()
    }
    # The same values from another pint registry, converted by unit name.
    import pint  # noqa: PLC0415

    other = pint.UnitRegistry()
    other.define("person = [person]")
    other.define("village = [village]")
    other.define("hospital = [hospital]")
    other.define("case = [case]")
    other.define("visit = [visit]")
    other.define("outbreak = [outbreak]")
    other.define("couple = [couple]")
    foreign = {
        name: other.Quantity(value, rule_set.inputs[name].unit) for name, value in plain.items()
    }

    reports = [spmkit.evaluate(rule_set, data) for data in (plain, quantities, foreign)]
    assert reports[0] == reports[1] == reports[2], "quantities must not change any result"

    cases = {
        "evaluate, plain numbers (baseline)": lambda: spmkit.evaluate(rule_set, plain),
        "evaluate, spmkit quantities": lambda: spmkit.evaluate(rule_set, quantities),
        "evaluate, quantities of another registry": lambda: spmkit.evaluate(rule_set, foreign),
        "validate_data, plain numbers": lambda: spmkit.validate_data(rule_set, plain),
        "validate_data, spmkit quantities": lambda: spmkit.validate_data(rule_set, quantities),
    }
    results = {name: median_seconds(call, args.repeat, args.number) for name, call in cases.items()}
    baseline = results["evaluate, plain numbers (baseline)"]
    print(
        f"{len(rule_set.indicators)} indicators, {len(plain)} inputs; "
        f"median of {args.repeat} x {args.number} calls"
    )
    print(f"{'case':45} {'median':>12} {'ratio':>8}")
    for name, seconds in results.items():
        print(f"{name:45} {seconds * 1e6:9.1f} us {seconds / baseline:7.2f}x")


if __name__ == "__main__":
    main()
