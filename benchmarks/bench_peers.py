"""spmkit against its peers and a hand-written floor, interleaved in one process.

The workload: 20 ratio indicators (the first 20 of the shipped Kulon Progo 2011 rule
set, each ``numerator / denominator x 100`` against a target) on synthetic regency
data: int64 counts, some zero denominators, about 1 % missing in two inputs.

Peers, timed round-robin (each round runs every contender once, in a rotated order),
reported as the median over rounds of each contender's time divided by the numpy
kernel's time in the same round (2 shared cores: ratios, not times):

- **numpy kernel**: hand-written numpy computing achievement and met (the floor, 1x);
- **numpy, all outputs**: hand-written numpy computing everything spmkit returns
  (value, exact met, gap, status, numerator, denominator, over-100 % flag);
- **spmkit evaluate_batch**: checks every column, exact, all outputs;
- **OpenFisca**: openfisca-core (``pip install -e '.[bench]'``) with one entity, the
  inputs as float variables and achievement and met as formulas (float32);
- **pandas ops**: pandas Series arithmetic on a DataFrame, achievement and met.

Then, each against its own floor: the CLI on a CSV (vs ``pandas.read_csv`` + numpy
kernel + ``to_csv``, with peak memory), scalar ``evaluate`` (vs a hand-written Fraction
function, and with every explanation read vs a hand-written function building the same
sentences), ``aggregate`` (vs pandas
``groupby().sum()``), ``to_pandas``/``to_polars`` (vs ``evaluate_batch`` itself), the
peak memory of ``evaluate_batch``, ``import spmkit`` and a second ``load_rule_set``.

Run: ``python benchmarks/bench_peers.py`` (all, ~10 minutes) or pick parts with
``--only peers,pair,memory,cli,scalar,aggregate,frames,startup`` and ``--sizes``.
No assertion here is about time; the script only checks that contenders agree.
Times are CPU time by default (``--clock cpu``; see :data:`CLOCK`), ``--clock wall``
for a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import numpy as np

import spmkit
from spmkit._evaluation import buffers
from spmkit._evaluation.batch import ARRAY_FIELDS

KULON_PROGO = spmkit.load_rule_set("kulon-progo-2011")
_FIRST_20 = list(KULON_PROGO.indicators.values())[:20]
_USED = {name for indicator in _FIRST_20 for name in indicator.inputs}
RULE_SET = attrs.evolve(
    KULON_PROGO,
    indicators={i.id: i for i in _FIRST_20},
    inputs={n: s for n, s in KULON_PROGO.inputs.items() if n in _USED},
)


def _spec(rule_set: spmkit.RuleSet) -> list[tuple[str, str, str, int, int]]:
    return [
        (
            i.id,
            i.numerator.name,  # type: ignore[union-attr]
            i.denominator.name,  # type: ignore[union-attr]
            i.target.value.numerator,
            i.target.value.denominator,
        )
        for i in rule_set.indicators.values()
    ]


SPEC = _spec(RULE_SET)
RATES = frozenset(i.id for i in KULON_PROGO.indicators.values() if i.coverage is False)
"""Declared rates (``coverage: false``): never flagged as over 100 %, as in scalar."""
FULL_SPEC = _spec(KULON_PROGO)
MISSING = ("bumil_k4", "sasaran_bulin")


def make_data(
    rows: int, seed: int = 1, spec: list[tuple[str, str, str, int, int]] = SPEC
) -> dict[str, np.ndarray]:
    """Synthetic counts: denominators 0-1999, numerators 80-105 % of them, 1 % missing."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for _iid, num, den, _p, _q in spec:
        denominator = rng.integers(0, 2_000, rows)
        data[den] = denominator
        data[num] = (denominator * rng.uniform(0.8, 1.05, rows)).astype(np.int64)
    for name in MISSING:
        if name in data:
            column = data[name].astype(np.float64)
            column[rng.random(rows) < 0.01] = np.nan
            data[name] = column
    return data


# --- the contenders -------------------------------------------------------------------


def numpy_kernel(data: dict[str, np.ndarray]) -> dict[str, tuple[Any, Any]]:
    """The floor: achievement and exact met (integer cross-multiplication), nothing else."""
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for iid, num, den, p, q in SPEC:
            n, d = data[num], data[den]
            a = n * 100
            out[iid] = (a / d, a * q >= p * d)
    return out


def numpy_all(
    data: dict[str, np.ndarray], spec: list[tuple[str, str, str, int, int]] = SPEC
) -> dict[str, tuple[Any, ...]]:
    """Every output spmkit gives: value, met, gap, status, numerator, denominator, over 100 %."""
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for iid, num, den, p, q in spec:
            n, d = data[num], data[den]
            a = n * 100
            safe_d = np.where(d == 0, np.nan, d)
            value = a / safe_d
            met = a * q >= p * safe_d
            gap = np.where(met, 0.0, np.abs(p * safe_d - q * a) / (q * safe_d))
            status = np.where(met, 0, 1).astype(np.int8)
            status[np.isnan(value)] = 3
            status[np.isnan(n) | np.isnan(d)] = 2
            exceeds = (d > 0) & (d < n) & (iid not in RATES)
            out[iid] = (value, met, gap, status, n, d, exceeds)
    return out


def spmkit_batch(data: dict[str, np.ndarray]) -> object:
    """evaluate_batch with the numba kernel (``spmkit[fast]``; forced: no row threshold)."""
    os.environ["SPMKIT_KERNEL"] = "numba"
    try:
        return spmkit.evaluate_batch(RULE_SET, data)
    finally:
        del os.environ["SPMKIT_KERNEL"]


def spmkit_read(data: dict[str, np.ndarray]) -> object:
    """evaluate_batch with every array of every indicator read (what a frame export needs).

    Gaps are computed when first read on large data, and numerators are widened to
    int64 when first read: this is the cost of every output, to compare with
    "numpy, all outputs".
    """
    result: Any = spmkit_batch(data)
    for arrays in result.values():
        for field in ARRAY_FIELDS:
            getattr(arrays, field)
    return result


def spmkit_numpy(data: dict[str, np.ndarray]) -> object:
    """evaluate_batch on its pure-numpy path (what runs without the fast extra)."""
    os.environ["SPMKIT_KERNEL"] = "numpy"
    try:
        return spmkit.evaluate_batch(RULE_SET, data)
    finally:
        del os.environ["SPMKIT_KERNEL"]


def pandas_ops(frame: Any) -> dict[str, tuple[Any, Any]]:
    out = {}
    for iid, num, den, p, q in SPEC:
        a = frame[num] * 100
        d = frame[den]
        out[iid] = (a / d, a * q >= p * d)
    return out


def openfisca_system() -> Any:
    """A tax-benefit system with one entity, the inputs, and achievement and met formulas."""
    from openfisca_core.entities import build_entity  # noqa: PLC0415
    from openfisca_core.periods import DateUnit  # noqa: PLC0415
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem  # noqa: PLC0415
    from openfisca_core.variables import Variable  # noqa: PLC0415

    region = build_entity(key="region", plural="regions", label="A region", is_person=True)
    system = TaxBenefitSystem([region])

    def variable(name: str, value_type: type, formula: Callable[..., Any] | None = None) -> None:
        body: dict[str, Any] = {
            "value_type": value_type,
            "entity": region,
            "definition_period": DateUnit.YEAR,
            "label": name,
        }
        if formula is not None:
            body["formula"] = formula
        system.add_variable(type(name, (Variable,), body))

    for iid, num, den, p, q in SPEC:
        key = iid.replace(".", "_")
        variable(num, float)
        variable(den, float)

        variable(f"achievement_{key}", float, _achievement(num, den))
        variable(f"met_{key}", bool, _met(key, p, q))
    return system


def _achievement(num: str, den: str) -> Callable[[Any, Any], Any]:
    # OpenFisca reads a formula's parameters by count: exactly (entity, period).
    def formula(entity: Any, period: Any) -> Any:
        with np.errstate(invalid="ignore", divide="ignore"):
            return entity(num, period) * 100 / entity(den, period)

    return formula


def _met(key: str, p: int, q: int) -> Callable[[Any, Any], Any]:
    def formula(entity: Any, period: Any) -> Any:
        return entity(f"achievement_{key}", period) >= p / q

    return formula


def openfisca_run(system: Any, data: dict[str, np.ndarray]) -> dict[str, tuple[Any, Any]]:
    from openfisca_core.simulations import SimulationBuilder  # noqa: PLC0415

    rows = len(next(iter(data.values())))
    simulation = SimulationBuilder().build_default_simulation(system, rows)
    for name, values in data.items():
        simulation.set_input(name, "2024", values)
    out = {}
    for iid, *_rest in SPEC:
        key = iid.replace(".", "_")
        out[iid] = (
            simulation.calculate(f"achievement_{key}", "2024"),
            simulation.calculate(f"met_{key}", "2024"),
        )
    return out


# --- checks before timing -----------------------------------------------------------


def check_agree(data: dict[str, np.ndarray]) -> None:
    """spmkit (both kernels) equals hand-written numpy on every output, bit for bit."""
    expected = numpy_all(data)
    for run in (spmkit_batch, spmkit_numpy):
        _agree(run(data), expected)


def _agree(batch: Any, expected: dict[str, tuple[Any, ...]]) -> None:
    for iid, (value, met, gap, status, n, d, exceeds) in expected.items():
        arrays = batch[iid]
        assert np.array_equal(arrays.value, value, equal_nan=True), iid
        assert np.array_equal(arrays.met, met), iid
        assert np.array_equal(arrays.gap, gap, equal_nan=True), iid
        assert np.array_equal(arrays.status_code, status), iid
        assert np.array_equal(arrays.numerator, n, equal_nan=True), iid
        assert np.array_equal(arrays.denominator, d, equal_nan=True), iid
        assert np.array_equal(arrays.exceeds_denominator, exceeds), iid


def openfisca_error(system: Any, data: dict[str, np.ndarray]) -> tuple[float, int]:
    """OpenFisca's largest relative error of achievement and its met flags that differ."""
    exact = numpy_all(data)
    worst, flips = 0.0, 0
    for iid, (value, met) in openfisca_run(system, data).items():
        reference, reference_met = exact[iid][0], exact[iid][1]
        ok = np.isfinite(reference) & (reference != 0)
        error = np.abs(value[ok].astype(np.float64) - reference[ok]) / reference[ok]
        worst = max(worst, float(error.max(initial=0.0)))
        flips += int(np.count_nonzero(met[ok] != reference_met[ok]))
    return worst, flips


# --- timing ---------------------------------------------------------------------------


CLOCK: list[Callable[[], float]] = [time.process_time]
"""The clock of :func:`interleaved`: the process's CPU time by default (``--clock cpu``).

On a machine shared with others' work (load above the core count), a contender that
runs longer is more often preempted and waits for the others: wall-time ratios then
grow with the contender's length, not its work. ``--clock wall`` for a quiet machine."""


def interleaved(
    contenders: dict[str, Callable[[], object]], baseline: str, rounds: int
) -> dict[str, tuple[float, float]]:
    """Run every contender once per round (rotating the order); median time and ratio."""
    names = list(contenders)
    times: dict[str, list[float]] = {n: [] for n in names}
    for contender in contenders.values():  # warm up: caches, imports, page faults
        contender()
    clock = CLOCK[0]
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            start = clock()
            contenders[name]()
            times[name].append(clock() - start)
    LAST_TIMES.clear()
    LAST_TIMES.update(times)
    return {n: (statistics.median(times[n]), ratio_to(n, baseline)) for n in names}


LAST_TIMES: dict[str, list[float]] = {}
"""The per-round times of the last :func:`interleaved` run, by contender."""


def ratio_to(name: str, baseline: str) -> float:
    """The median of per-round ratios of ``name`` to ``baseline`` in the last run."""
    pairs = zip(LAST_TIMES[name], LAST_TIMES[baseline], strict=True)
    return statistics.median(t / b for t, b in pairs)


def rounds_for(rows: int) -> int:
    return 31 if rows <= 1_000 else 15 if rows <= 10_000 else 9 if rows <= 100_000 else 7


def bench_peers(sizes: list[int]) -> None:
    import pandas as pd  # noqa: PLC0415

    try:
        system = openfisca_system()
    except ImportError:
        system = None
        print("OpenFisca not installed (pip install -e '.[bench]'): its column is left out")
    compiled = fast_kernel()
    columns = [
        "numpy kernel",
        "numpy, all outputs",
        *(["spmkit[fast] (numba)", "spmkit[fast], every array read"] if compiled else []),
        "spmkit default install (numpy)",
    ]
    columns += ["OpenFisca"] if system is not None else []
    columns += ["pandas ops"]
    print("\n## Peers (median of per-round ratios to the numpy kernel)\n")
    print("| rows | " + " | ".join(columns) + " | numpy kernel median |")
    print("|---:|" + "---:|" * (len(columns) + 1))
    for rows in sizes:
        data = make_data(rows)
        check_agree(data)
        frame = pd.DataFrame(data)
        contenders: dict[str, Callable[[], object]] = {
            "numpy kernel": lambda d=data: numpy_kernel(d),
            "numpy, all outputs": lambda d=data: numpy_all(d),
        }
        if compiled:
            contenders["spmkit[fast] (numba)"] = lambda d=data: spmkit_batch(d)
            contenders["spmkit[fast], every array read"] = lambda d=data: spmkit_read(d)
        contenders["spmkit default install (numpy)"] = lambda d=data: spmkit_numpy(d)
        if system is not None:
            contenders["OpenFisca"] = lambda d=data: openfisca_run(system, d)
        contenders["pandas ops"] = lambda f=frame: pandas_ops(f)
        found = interleaved(contenders, "numpy kernel", rounds_for(rows))
        cells = " | ".join(f"{found[c][1]:.2f}x" for c in columns)
        print(f"| {rows:,} | {cells} | {found['numpy kernel'][0] * 1e3:.2f} ms |", flush=True)
    if system is not None:
        worst, flips = openfisca_error(system, make_data(100_000))
        print(
            f"\nOpenFisca (float32): largest relative error {worst:.1e}, {flips} met flags differ"
        )


def bench_pair(sizes: list[int]) -> None:
    """spmkit and the numpy kernel alone, interleaved: no other peer's memory in between."""
    print("\n## spmkit alone with the floor (median of per-round ratios)\n")
    print("| rows | spmkit evaluate_batch / numpy kernel |\n|---:|---:|")
    for rows in sizes:
        data = make_data(rows)
        found = interleaved(
            {
                "numpy kernel": lambda d=data: numpy_kernel(d),
                "spmkit": lambda d=data: spmkit_batch(d),
            },
            "numpy kernel",
            rounds_for(rows),
        )
        print(f"| {rows:,} | {found['spmkit'][1]:.2f}x |", flush=True)


def fast_kernel() -> bool:
    """Whether evaluate_batch runs the numba loop here (spmkit[fast] installed)."""
    from spmkit._evaluation.kernel import compiled_loop  # noqa: PLC0415

    found = compiled_loop() is not None
    print(f"fused kernel: {'numba (spmkit[fast])' if found else 'pure numpy'}")
    return found


def traced_peak(run: Callable[[dict[str, np.ndarray]], object], data: dict[str, Any]) -> float:
    """The traced peak (MB) of one call, result included (freed after the measurement)."""
    tracemalloc.start()
    result = run(data)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak / 1e6


def bench_memory(rows: int) -> None:
    data = make_data(rows)
    input_mb = sum(a.nbytes for a in data.values()) / 1e6
    spmkit_batch(data)
    # Reused blocks (spmkit._evaluation.buffers) were allocated before tracing starts:
    # measured with none kept (every output and copy allocated in the call) and warm.
    cases = (
        (spmkit_batch, False, "nothing kept"),
        (spmkit_read, False, "nothing kept, then every array of the result read"),
        (spmkit_batch, True, "blocks of an earlier call kept"),
    )
    for run, kept, label in cases:
        if not kept:
            buffers.release()
        peak = traced_peak(run, data)
        print(
            f"\npeak memory of evaluate_batch at {rows:,} rows (tracemalloc, result included, "
            f"{label}): {peak:.0f} MB for {input_mb:.0f} MB of input = {peak / input_mb:.2f}x"
        )
    # Results keep their terms in the narrowest integer type: larger counts keep more.
    for top, kind in ((100_000, "uint32"), (2**33, "int64")):
        scaled = {k: v * (top // 2_000) if v.dtype == np.int64 else v for k, v in data.items()}
        buffers.release()
        peak = traced_peak(spmkit_batch, scaled)
        print(
            f"\nthe same, nothing kept, counts scaled up to {top:,} (kept as {kind}): "
            f"{peak:.0f} MB = {peak / input_mb:.2f}x"
        )


# --- the CLI --------------------------------------------------------------------------

_FLOOR = """
import resource, sys, time
import numpy as np, pandas as pd
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
out = {}
with np.errstate(invalid="ignore", divide="ignore"):
    for iid, num, den, p, q in SPEC:
        n, d = frame[num].to_numpy(), frame[den].to_numpy()
        a = n * 100
        out[iid + ".value"] = a / d
        out[iid + ".met"] = a * q >= p * d
pd.DataFrame(out).to_csv(sys.argv[2], index=False)
seconds = time.perf_counter() - start
print(seconds, peak_kb())
"""

_FLOOR_LONG = """
import resource, sys, time
import numpy as np, pandas as pd
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
rows, k = len(frame), len(SPEC)
value, gap, num, den, target = (np.empty((rows, k)) for _ in range(5))
status = np.empty((rows, k), dtype=object)
with np.errstate(invalid="ignore", divide="ignore"):
    for j, (iid, n_name, d_name, p, q) in enumerate(SPEC):
        n, d = frame[n_name].to_numpy(dtype=float), frame[d_name].to_numpy(dtype=float)
        a = n * 100
        value[:, j] = a / d
        met = a * q >= p * d
        status[:, j] = np.where(np.isnan(a / d), "no_data", np.where(met, "met", "not_met"))
        target[:, j] = p / q
        gap[:, j] = np.maximum(p / q - a / d, 0)
        num[:, j], den[:, j] = n, d
long = pd.DataFrame({
    "row": np.repeat(np.arange(2, rows + 2), k),
    "region": np.repeat(frame["kabupaten"].to_numpy(), k),
    "indicator": np.tile([s[0] for s in SPEC], rows),
    "status": status.ravel(), "value": value.ravel(), "target_op": ">=",
    "target_value": target.ravel(), "gap": gap.ravel(),
    "numerator": num.ravel(), "denominator": den.ravel(),
})
long.to_csv(sys.argv[2], index=False)
seconds = time.perf_counter() - start
print(seconds, peak_kb())
"""

_FLOOR_POLARS = """
import resource, sys, time
import numpy as np, polars as pl
start = time.perf_counter()
frame = pl.read_csv(sys.argv[1])
rows, k = frame.height, len(SPEC)
value, gap, num, den, target = (np.empty((rows, k)) for _ in range(5))
status = np.empty((rows, k), dtype=np.int8)
with np.errstate(invalid="ignore", divide="ignore"):
    for j, (iid, n_name, d_name, p, q) in enumerate(SPEC):
        n = frame[n_name].cast(pl.Float64).to_numpy()
        d = frame[d_name].cast(pl.Float64).to_numpy()
        a = n * 100
        value[:, j] = a / d
        met = a * q >= p * d
        status[:, j] = np.where(np.isnan(a / d), 2, np.where(met, 0, 1))
        target[:, j] = p / q
        gap[:, j] = np.maximum(p / q - a / d, 0)
        num[:, j], den[:, j] = n, d
words = pl.Series(["met", "not_met", "no_data"])
long = pl.DataFrame({
    "row": np.repeat(np.arange(2, rows + 2), k),
    "region": np.repeat(frame["kabupaten"].to_numpy(), k),
    "indicator": np.tile([s[0] for s in SPEC], rows),
    "status": words.gather(status.ravel()), "value": value.ravel(), "target_op": ">=",
    "target_value": target.ravel(), "gap": gap.ravel(),
    "numerator": num.ravel(), "denominator": den.ravel(),
})
long.write_csv(sys.argv[2])
seconds = time.perf_counter() - start
print(seconds, peak_kb())
"""

_CLI = """
import resource, sys, time
from spmkit.cli import main
start = time.perf_counter()
try:
    main(["evaluate", "kulon-progo-2011", sys.argv[1], "--format", "csv", "-o", sys.argv[2],
          "--no-progress"])
except SystemExit:
    pass
seconds = time.perf_counter() - start
print(seconds, peak_kb())
"""


def write_csv(path: Path, rows: int) -> None:
    import pandas as pd  # noqa: PLC0415

    data = make_data(rows, spec=FULL_SPEC)
    frame = pd.DataFrame({"kabupaten": [f"R{i}" for i in range(rows)], **data})
    for name in MISSING:
        frame[name] = frame[name].astype("Int64")
    frame.to_csv(path, index=False)


_PEAK = """
def peak_kb():
    # VmHWM is this process's own peak; Linux carries ru_maxrss over from the parent
    # through fork and exec, so a big benchmark process would show in every child.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


def run_script(script: str, *args: str) -> tuple[float, float]:
    """Run a script in a fresh interpreter; its own time (s) and peak resident memory (MB)."""
    head = "import resource, sys, time\n"
    command = [sys.executable, "-c", script.replace(head, head + _PEAK, 1), *args]
    output = subprocess.check_output(command, text=True, stderr=subprocess.DEVNULL)  # noqa: S603
    seconds, peak_kb = output.split()[-2:]
    return float(seconds), float(peak_kb) / 1024


def bench_cli(rows: int, rounds: int) -> None:
    floor_script = f"SPEC = {FULL_SPEC!r}\n{_FLOOR}"
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory) / "data.csv"
        write_csv(data, rows)
        out = str(Path(directory) / "out.csv")
        long_script = f"SPEC = {FULL_SPEC!r}\n{_FLOOR_LONG}"
        polars_script = f"SPEC = {FULL_SPEC!r}\n{_FLOOR_POLARS}"
        cli_t, floor_t, cli_m, floor_m, long_t, long_m = [], [], [], [], [], []
        polars_t, polars_m = [], []
        for _ in range(rounds):
            seconds, peak = run_script(polars_script, str(data), out)
            polars_t.append(seconds)
            polars_m.append(peak)
            seconds, peak = run_script(_CLI, str(data), out)
            cli_t.append(seconds)
            cli_m.append(peak)
            seconds, peak = run_script(floor_script, str(data), out)
            floor_t.append(seconds)
            floor_m.append(peak)
            seconds, peak = run_script(long_script, str(data), out)
            long_t.append(seconds)
            long_m.append(peak)
    for name, times, peaks in (
        ("(polars) the same lines", polars_t, polars_m),
        ("(pandas) the same lines (one per row and indicator)", long_t, long_m),
        ("one wide line per row (a value and a met flag per indicator)", floor_t, floor_m),
    ):
        ratio = statistics.median(c / f for c, f in zip(cli_t, times, strict=True))
        print(
            f"\nCLI on a {rows:,}-row CSV (23 indicators, --format csv): "
            f"{statistics.median(cli_t):.2f} s vs read_csv + numpy kernel + write of "
            f"{name} {statistics.median(times):.2f} s = {ratio:.1f}x; peak memory "
            f"{statistics.median(cli_m):.0f} MB vs {statistics.median(peaks):.0f} MB = "
            f"{statistics.median(cli_m) / statistics.median(peaks):.2f}x"
        )


# --- scalar ---------------------------------------------------------------------------


def hand_fraction(row: dict[str, int]) -> dict[str, tuple[Fraction, bool]]:
    """One region by hand: the exact value and met of every indicator, with Fractions."""
    out = {}
    for iid, num, den, p, q in FULL_SPEC:
        value = Fraction(row[num] * 100, row[den])
        out[iid] = (value, value >= Fraction(p, q))
    return out


def _sentence_parts() -> list[tuple[str, str, str, Fraction, str, str]]:
    """What a hand-written program would spell out once per indicator: its fixed words."""
    citation = KULON_PROGO.legal_basis.cite()
    parts = []
    for (iid, num, den, p, q), indicator in zip(
        FULL_SPEC, KULON_PROGO.indicators.values(), strict=True
    ):
        deadline = f" by {indicator.deadline}" if indicator.deadline is not None else ""
        target = f"target {indicator.target.describe(indicator.factor)}{deadline}"
        source = f"Source: {indicator.source.instrument or citation}, {indicator.source.ref}."
        parts.append((num, den, f"{iid}: {num} / {den} x 100 = ", Fraction(p, q), target, source))
    return parts


SENTENCE_PARTS = _sentence_parts()


def _two_decimals(value: Fraction) -> str:
    """``value`` with two decimals, rounded half to even, grouped (1,234.50)."""
    scaled = round(value * 100)
    return f"{scaled // 100:,}.{scaled % 100:02d}"


def hand_sentences(row: dict[str, int]) -> list[str]:
    """One region by hand: every indicator's exact value, met and its explanation sentence.

    The floor of explanations (issue 29, item 5): Fractions and f-strings, the sentence
    spmkit writes for this row (checked equal before timing).
    """
    out = []
    for num, den, head, target, target_text, source in SENTENCE_PARTS:
        n, d = row[num], row[den]
        value = Fraction(n * 100, d)
        if value >= target:
            verdict = "met"
        else:
            verdict = f"not met, gap {_two_decimals(target - value)} percentage points"
        out.append(
            f"{head}{n:,} / {d:,} x 100 = {_two_decimals(value)} %; {target_text}: {verdict}. "
            f"{source}"
        )
    return out


def bench_scalar() -> None:
    row = {k: int(v[0]) for k, v in make_data(1, seed=3, spec=FULL_SPEC).items()}
    row.update({den: max(row[den], 1) for _i, _n, den, _p, _q in FULL_SPEC})

    def explained() -> list[str]:
        return [r.explanation for r in spmkit.evaluate(KULON_PROGO, row).values()]

    if explained() != hand_sentences(row):
        raise AssertionError((explained(), hand_sentences(row)))
    found = interleaved(
        {
            "hand-written Fraction": lambda: hand_fraction(row),
            "hand-written Fraction + sentences": lambda: hand_sentences(row),
            "spmkit.evaluate": lambda: spmkit.evaluate(KULON_PROGO, row),
            "spmkit.evaluate + explanations": explained,
        },
        "hand-written Fraction",
        301,
    )
    print(f"\nscalar evaluate of Kulon Progo (23 indicators), one region: {_line(found)}")
    ratio = ratio_to("spmkit.evaluate + explanations", "hand-written Fraction + sentences")
    print(f"spmkit.evaluate + explanations / the hand-written sentences: {ratio:.2f}x")


def _line(found: dict[str, tuple[float, float]]) -> str:
    return "; ".join(f"{n} {t * 1e6:,.0f} us ({r:.2f}x)" for n, (t, r) in found.items())


# --- aggregate, data frames -----------------------------------------------------------


def bench_aggregate(rows: int, groups: int) -> None:
    import pandas as pd  # noqa: PLC0415

    data = make_data(rows, spec=FULL_SPEC)
    data = {k: np.nan_to_num(v).astype(np.int64) for k, v in data.items()}
    rng = np.random.default_rng(5)
    codes = rng.integers(0, groups, rows)
    for label, key in (("integer", codes), ("string", np.array([f"kab-{c:04d}" for c in codes]))):
        columns = {"region": key, **data}
        frame = pd.DataFrame(columns)
        found = interleaved(
            {
                "pandas groupby().sum()": lambda f=frame: f.groupby("region").sum(),
                "spmkit.aggregate": lambda c=columns: spmkit.aggregate(
                    KULON_PROGO, c, by=["region"]
                ),
            },
            "pandas groupby().sum()",
            5,
        )
        print(
            f"\naggregate {rows:,} rows x {len(data)} inputs into {groups} groups, "
            f"{label} keys: {_line(found)}".replace(" us", " us")
        )


def bench_frames(rows: int) -> None:
    """Frames of a fresh result: each round evaluates, then converts the new result.

    The ratio is the conversion's own time over ``evaluate_batch``'s in the same round
    ((evaluate + convert - evaluate) / evaluate): what a first ``to_pandas`` costs, with
    nothing computed before by an earlier conversion of the same result.
    """
    data = make_data(rows, spec=FULL_SPEC)

    def fresh(convert: Callable[[Any], object]) -> Callable[[], object]:
        return lambda: convert(spmkit.evaluate_batch(KULON_PROGO, data))

    contenders: dict[str, Callable[[], object]] = {
        "evaluate_batch": lambda: spmkit.evaluate_batch(KULON_PROGO, data),
        'to_pandas("long")': fresh(lambda r: r.to_pandas("long")),
        'to_pandas("wide")': fresh(lambda r: r.to_pandas("wide")),
        'to_polars("long")': fresh(lambda r: r.to_polars("long")),
        'to_polars("wide")': fresh(lambda r: r.to_polars("wide")),
    }
    found = interleaved(contenders, "evaluate_batch", 7)
    print(f"\ndata frames of {rows:,} rows x 23 indicators, fresh results; the conversion's")
    print("own time over evaluate_batch's (median per round):")
    for name, (seconds, ratio) in found.items():
        own = ratio - 1 if name != "evaluate_batch" else 1.0
        print(f"  {name:<20} {seconds * 1e3:9.1f} ms (with the call)  {own:6.2f}x")


# --- start-up -------------------------------------------------------------------------


_FIRST_BATCH = """
import numpy as np
rows = 1000
rng = np.random.default_rng(1)
import time
s = time.perf_counter()
import spmkit
rule_set = spmkit.load_rule_set("kulon-progo-2011")
data = {name: rng.integers(1, 2000, rows) for name in rule_set.inputs}
t, tc = time.perf_counter(), time.process_time()
spmkit.evaluate_batch(rule_set, data)
e, ec = time.perf_counter(), time.process_time()
print(t - s, e - t, ec - tc)
"""


def _fresh(code: str, env: dict[str, str], *args: str) -> list[float]:
    """Run ``code`` in a new interpreter; the numbers it prints."""
    output = subprocess.check_output(  # noqa: S603
        [sys.executable, "-W", "ignore", "-c", code, *args],
        text=True,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    return [float(x) for x in output.split()]


def _wall(command: list[str], env: dict[str, str]) -> float:
    return _timed(command, env)[0]


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of a child process."""
    import resource  # noqa: PLC0415 - POSIX only, like the rest of this script's CLI timing

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=False, capture_output=True)  # noqa: S603
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _startup_env(kernel: str, cache: Path, *, empty: bool, numba_cache: Path) -> dict[str, str]:
    """The environment of a cold process: spmkit's and numba's caches, empty or kept."""
    import shutil  # noqa: PLC0415

    if empty:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(numba_cache, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPMKIT_", "NUMBA_"))}
    env.update(
        SPMKIT_CACHE_DIR=str(cache),
        SPMKIT_KERNEL=kernel,
        # numba's cache in a directory of this run only (not beside spmkit's sources), so
        # that "empty" means empty.
        NUMBA_CACHE_DIR=str(numba_cache),
        NUMBA_CACHE_LOCATOR_CLASSES="UserProvidedCacheLocator",
    )
    return env


def bench_startup(rounds: int = 5) -> None:
    """Cold processes: import, first load, first batch, the CLI on 2 rows; both installs.

    ``default`` is the install without numba (``SPMKIT_KERNEL=numpy``: numba is never
    imported); ``fast, auto`` has numba with the default choice (numpy's path below
    ``COMPILE_AFTER_ROWS`` rows); ``fast, numba`` forces the compiled kernel, which is
    what a large job's first call pays. Each with spmkit's and numba's caches kept from
    the previous process (warm) or emptied before it (empty). Medians over ``rounds``
    processes; "over bare" subtracts a bare interpreter's start, timed in the same round.
    """
    # Bytecode compiled, as pip does when it installs a wheel: without it (a checkout run
    # with PYTHONDONTWRITEBYTECODE=1) every process compiles spmkit's modules again.
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "compileall", "-q", str(Path(spmkit.__file__).parent)],
        check=True,
        capture_output=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spmkit.load_rule_set("kulon-progo-2011")
        times = []
        for _ in range(21):
            start = time.perf_counter()
            spmkit.load_rule_set("kulon-progo-2011")
            times.append(time.perf_counter() - start)
    print(
        f"\na second load_rule_set of the same id in one process: "
        f"{statistics.median(times) * 1e3:.2f} ms"
    )
    print(
        "\n## Cold start (fresh processes; median ms, wall / CPU)\n\n"
        "| install, kernel | caches | import spmkit over bare | first load_rule_set | "
        "first evaluate_batch, 1,000 rows | CLI on 2 rows over bare |\n"
        "|---|---|---:|---:|---:|---:|"
    )
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        two = root / "two-rows.csv"
        write_csv(two, 2)
        cli = [sys.executable, "-W", "ignore", "-m", "spmkit.cli", "evaluate"]
        cli += ["kulon-progo-2011", str(two), "--no-progress", "--no-unverified-note"]
        first_load = (
            "import time; s = time.perf_counter(); import spmkit; t = time.perf_counter(); "
            "tc = time.process_time(); spmkit.load_rule_set('kulon-progo-2011'); "
            "print(t - s, time.perf_counter() - t, time.process_time() - tc)"
        )
        for label, kernel in (
            ("default (no numba)", "numpy"),
            ("fast, auto", "auto"),
            ("fast, numba forced", "numba"),
        ):
            for empty in (False, True):
                cache, numba_cache = root / f"cache-{kernel}", root / f"numba-{kernel}"
                if not empty:  # fill the caches once
                    env = _startup_env(kernel, cache, empty=False, numba_cache=numba_cache)
                    _fresh(_FIRST_BATCH, env)
                    _wall(cli, env)
                found: list[list[tuple[float, float]]] = [[], [], [], []]
                for _ in range(rounds):
                    env = _startup_env(kernel, cache, empty=empty, numba_cache=numba_cache)
                    bare = _timed([sys.executable, "-c", "pass"], env)
                    imported = _timed([sys.executable, "-c", "import spmkit"], env)
                    found[0].append((imported[0] - bare[0], imported[1] - bare[1]))
                    found[1].append(tuple(_fresh(first_load, env)[1:]))  # type: ignore[arg-type]
                    env = _startup_env(kernel, cache, empty=empty, numba_cache=numba_cache)
                    found[2].append(tuple(_fresh(_FIRST_BATCH, env)[1:]))  # type: ignore[arg-type]
                    env = _startup_env(kernel, cache, empty=empty, numba_cache=numba_cache)
                    ran = _timed(cli, env)
                    found[3].append((ran[0] - bare[0], ran[1] - bare[1]))
                cells = " | ".join(
                    f"{statistics.median(w for w, _ in pairs) * 1e3:,.0f} / "
                    f"{statistics.median(c for _, c in pairs) * 1e3:,.0f}"
                    for pairs in found
                )
                print(f"| {label} | {'empty' if empty else 'warm'} | {cells} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="peers,pair,memory,cli,scalar,aggregate,frames,startup")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--cli-rows", type=int, default=100_000)
    parser.add_argument("--cli-rounds", type=int, default=3)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    args = parser.parse_args()
    CLOCK[0] = time.process_time if args.clock == "cpu" else time.perf_counter
    parts = set(args.only.split(","))
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"spmkit {spmkit.__version__}, numpy {np.__version__}, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cores; {len(SPEC)} indicators; "
        f"{args.clock} time; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    if "peers" in parts:
        bench_peers(sizes)
    if "pair" in parts:
        bench_pair(sizes)
    if "memory" in parts:
        bench_memory(max(sizes))
    if "cli" in parts:
        bench_cli(args.cli_rows, args.cli_rounds)
    if "scalar" in parts:
        bench_scalar()
    if "aggregate" in parts:
        bench_aggregate(1_000_000, 500)
    if "frames" in parts:
        bench_frames(200_000)
    if "startup" in parts:
        bench_startup()


if __name__ == "__main__":
    main()
