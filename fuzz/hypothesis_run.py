"""A timed hypothesis fuzzing run: the public API, the CLI on generated files, the service.

Not a test (CI runs the fixed-budget properties of ``tests/hostile/test_fuzz.py``): a
script for long runs, e.g. ``nice -n 19 python fuzz/hypothesis_run.py --minutes 30``.
Each target runs for its share of the time; every case that raises anything but an
:class:`spmkit.SpmkitError` (or a documented warning), exits 70, or gets a 5xx from the
service is a defect, written to ``--log`` with its reproduction. At the end it prints the
counts: cases tried per target, defects found (distinct by type and place).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import socket
import tempfile
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

import spmkit
from spmkit.cli import main

warnings.simplefilter("ignore")

SHIPPED = ["kulon-progo-2011", "siak"]
NUMBERS = st.one_of(
    st.none(),
    st.integers(-5, 10**6),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True),
    st.fractions(),
    st.sampled_from([2**53 + 1, 10**400, 10**401, "95", "1.5e3", "NaN", "\udcff", "\x1b]0;X\x07"]),
    st.text(max_size=12),
    st.booleans(),
)
UNIT_TEXT = st.one_of(
    st.sampled_from(
        [
            "person)",
            "()",
            "min()",
            "person^",
            "*",
            "2**1000000",
            "10**10**10",
            "m**3/day",
            "L / day",
            "person / 1000",
            "1e400 person",
        ]
    ),
    st.text(st.sampled_from(list("person()*/^ 0123456789.e-+_mLday")), max_size=20),
)
YAML_SCALARS = st.sampled_from(
    [
        "1:30.5",
        "2011-02-29",
        "0000-01-01",
        ".nan",
        ".inf",
        "10**399",
        "1e-400",
        "<<: *a",
        "!!python/object:os.system",
        "0x1F",
        "0o17",
        "1_000",
        "~",
        "'\\x1b[31m'",
        '"\\ud800"',
        "[]",
        "{}",
        "-1",
        "95",
        "1.0e+400",
    ]
)


FOREVER = settings(
    max_examples=10**9, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
"""Examples without end: each target stops itself when its time is up."""


def _until(stop: float, case: Callable[[], None]) -> None:
    """Run a hypothesis test again and again until ``stop`` (time.monotonic)."""
    while time.monotonic() < stop:
        with contextlib.suppress(HypothesisException):
            case()


def _rule_text(data: st.DataObject) -> str:
    small = Path(__file__).parents[1] / "tests" / "data" / "invalid" / "unknown_input.yaml"
    text = small.read_text(encoding="utf-8").split("\n", 1)[1].replace("bumil_k5", "bumil_k4")
    field = data.draw(
        st.sampled_from(
            ["factor: 100", "unit: person", "value: 95", "deadline: 2015", "title: Contoh"]
        )
    )
    key = field.split(":")[0]
    replacement = data.draw(st.one_of(YAML_SCALARS, UNIT_TEXT, st.text(max_size=30)))
    return text.replace(
        field, f"{key}: {json.dumps(replacement) if data.draw(st.booleans()) else replacement}", 1
    )


class Run:
    """Counts and defects of one run."""

    def __init__(self, log: Path) -> None:
        self.cases: Counter[str] = Counter()
        self.defects: dict[tuple[str, str], str] = {}
        self.log = log

    def defect(self, target: str, kind: str, place: str, reproduction: str) -> None:
        key = (kind, place)
        if key not in self.defects:
            self.defects[key] = target
            with self.log.open("a", encoding="utf-8") as out:
                out.write(f"=== {target}: {kind} at {place}\n{reproduction[:4000]}\n\n")

    def call(self, target: str, function: Callable[[], object], reproduction: str) -> None:
        self.cases[target] += 1
        try:
            function()
        except spmkit.SpmkitError as error:
            try:
                str(error)
                repr(error)
            except Exception as inner:  # noqa: BLE001 - any crash of str/repr is a defect
                self.defect(target, f"str/repr {type(inner).__name__}", _place(inner), reproduction)
        except (KeyboardInterrupt, HypothesisException):
            raise
        except BaseException as error:  # noqa: BLE001 - anything else is a defect
            place = _place(error)
            if isinstance(error, RuntimeError):  # exit 70 or 5xx: the message names the error
                place = str(error).split(";")[0][:90]
            self.defect(
                target, type(error).__name__, place, reproduction + "\n" + traceback.format_exc()
            )


def _place(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "spmkit" in f.filename] or frames
    last = ours[-1] if ours else None
    return f"{Path(last.filename).name}:{last.lineno}" if last else "?"


def api_target(run: Run, seconds: float) -> None:
    """evaluate, evaluate_batch, validate_data, loads_rule_set, evaluate_history, aggregate."""
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    inputs = list(rule_set.inputs)[:6]

    @FOREVER
    @given(st.data())
    def case(data: st.DataObject) -> None:
        if time.monotonic() > stop:
            return
        which = data.draw(
            st.sampled_from(["evaluate", "batch", "rules", "history", "aggregate", "reprs"])
        )
        row = {
            name: data.draw(NUMBERS)
            for name in data.draw(st.lists(st.sampled_from(inputs), max_size=4))
        }
        if which == "evaluate":
            run.call("api", lambda: repr(spmkit.evaluate(rule_set, row)), f"evaluate(kp, {row!r})")
        elif which == "batch":
            size = data.draw(st.integers(1, 4))
            columns = {name: [data.draw(NUMBERS) for _ in range(size)] for name in row}
            run.call(
                "api",
                lambda: repr(spmkit.evaluate_batch(rule_set, columns)),
                f"evaluate_batch(kp, {columns!r})",
            )
        elif which == "rules":
            text = _rule_text(data)
            run.call(
                "api",
                lambda: repr(
                    spmkit.evaluate(
                        spmkit.loads_rule_set(text), {"bumil_k4": 95, "sasaran_bumil": 100}
                    ).values()
                ),
                text,
            )
        elif which == "history":
            argument = data.draw(
                st.one_of(
                    st.integers(),
                    st.text(max_size=5),
                    st.lists(st.integers(), max_size=3),
                    st.none(),
                )
            )
            run.call(
                "api",
                lambda: spmkit.evaluate_history("siak", argument),
                f"evaluate_history('siak', {argument!r})",
            )
        elif which == "aggregate":
            keys = data.draw(
                st.lists(
                    st.one_of(st.text(max_size=3), st.integers(), st.none(), st.floats()),
                    min_size=1,
                    max_size=4,
                )
            )
            columns = {"kabupaten": keys, **{name: [1] * len(keys) for name in inputs[:2]}}
            by = data.draw(
                st.one_of(
                    st.just("kabupaten"),
                    st.just(["kabupaten"]),
                    st.integers(),
                    st.none(),
                    st.just(("kabupaten",)),
                )
            )
            run.call(
                "api",
                lambda: spmkit.aggregate(rule_set, columns, by=by),
                f"aggregate(kp, {columns!r}, by={by!r})",
            )
        else:
            value = data.draw(st.sampled_from([10**5000, -(10**5000), "x" * 10, "\udcff"]))
            error = spmkit.DataError("bumil_k4", value, "rule")
            run.call("api", lambda: (repr(error), str(error)), f"DataError(value={type(value)})")

    stop = time.monotonic() + seconds
    _until(stop, case)


def cli_target(run: Run, seconds: float, directory: Path) -> None:
    """spmkit evaluate/check/test on generated data and rule files."""

    @FOREVER
    @given(st.data())
    def case(data: st.DataObject) -> None:
        if time.monotonic() > stop:
            return
        kind = data.draw(st.sampled_from(["json", "yaml", "csv", "rules"]))
        values = {name: data.draw(NUMBERS) for name in ["bumil_k4", "sasaran_bumil"]}
        if kind == "json":
            body = data.draw(
                st.one_of(
                    st.just(json.dumps(values, default=str)),
                    st.builds(
                        lambda t: '{"bumil_k4": ' + t + ', "sasaran_bumil": 100}',
                        st.sampled_from(
                            [
                                "NaN",
                                "Infinity",
                                "-Infinity",
                                "1e-400",
                                "1e400",
                                '"\\ud800"',
                                "1" * 500,
                                "[1]",
                                "{}",
                            ]
                        ),
                    ),
                    st.text(max_size=60),
                )
            )
            path = directory / "data.json"
            path.write_text(body, encoding="utf-8", errors="surrogatepass")
        elif kind == "yaml":
            path = directory / "data.yaml"
            path.write_text(
                "bumil_k4: " + data.draw(YAML_SCALARS) + "\nsasaran_bumil: 100\n", encoding="utf-8"
            )
        elif kind == "csv":
            path = directory / "data.csv"
            region = data.draw(
                st.sampled_from(
                    ["Wates", "\x1b]0;PWNED\x07\x1b[31m", "<script>x</script>", "=1+1", "\udcff"]
                )
            )
            path.write_text(
                f"wilayah,bumil_k4,sasaran_bumil\n{region},{values['bumil_k4']},{values['sasaran_bumil']}\n",
                encoding="utf-8",
                errors="surrogatepass",
            )
        else:
            path = directory / "rules.yaml"
            path.write_text(_rule_text(data), encoding="utf-8")
        fmt = data.draw(st.sampled_from(["table", "json", "html", "markdown", "csv"]))
        if kind == "rules":
            argv = data.draw(
                st.sampled_from(
                    [
                        ["check", str(path)],
                        ["evaluate", str(path), str(directory / "ok.json"), "--format", fmt],
                    ]
                )
            )
            (directory / "ok.json").write_text(
                '{"bumil_k4": 95, "sasaran_bumil": 100}', encoding="utf-8"
            )
        else:
            argv = ["evaluate", "kulon-progo-2011", str(path), "--format", fmt]

        def call() -> None:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()) as err,
            ):
                status = main(argv)
            if status == 70 or "Traceback" in err.getvalue():
                raise RuntimeError(f"exit {status}: {err.getvalue()[-800:]}")

        run.call("cli", call, f"{argv} on {path.name}: {path.read_bytes()[:600]!r}")

    stop = time.monotonic() + seconds
    _until(stop, case)


def service_target(run: Run, seconds: float) -> None:
    """The service on loopback: generated JSON bodies; any 5xx is a defect."""
    import httpx  # noqa: PLC0415 - the serve extra
    import uvicorn  # noqa: PLC0415 - the serve extra

    from spmkit._interop.service import create_app  # noqa: PLC0415 - the serve extra

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)

    @FOREVER
    @given(st.data())
    def case(data: st.DataObject) -> None:
        if time.monotonic() > stop:
            return
        rule_set = data.draw(st.sampled_from([*SHIPPED, "nope", "..%2f", "\u00e9"]))
        endpoint = data.draw(st.sampled_from(["evaluate", "explain", "batch"]))
        values = {
            name: data.draw(NUMBERS)
            for name in data.draw(
                st.lists(st.sampled_from(["bumil_k4", "sasaran_bumil", "x"]), max_size=3)
            )
        }
        values = {
            k: (
                v
                if isinstance(v, (int, str, type(None), bool))
                or (isinstance(v, float) and math.isfinite(v))
                else str(v)
            )
            for k, v in values.items()
        }
        if endpoint == "batch":
            body: Any = {
                "rows": [{"region": data.draw(st.text(max_size=5)), "data": values}]
                * data.draw(st.integers(1, 3))
            }
        else:
            body = {
                "data": values,
                "indicator": data.draw(st.sampled_from(["I.1", "X", ""])),
                "year": data.draw(st.one_of(st.none(), st.integers(1900, 2100), st.integers())),
            }
        raw = data.draw(
            st.one_of(
                st.just(json.dumps(body, ensure_ascii=False, default=str)), st.text(max_size=40)
            )
        )

        def call() -> None:
            response = client.post(
                f"/rule-sets/{rule_set}/{endpoint}",
                content=raw.encode("utf-8", "surrogatepass"),
                headers={"content-type": "application/json"},
            )
            if response.status_code >= 500:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")

        run.call("service", call, f"POST /rule-sets/{rule_set}/{endpoint} {raw[:600]!r}")

    stop = time.monotonic() + seconds
    try:
        _until(stop, case)
    finally:
        server.should_exit = True
        thread.join(10)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--log", type=Path, default=Path("fuzz-defects.log"))
    parser.add_argument("--targets", default="api,cli,service")
    options = parser.parse_args()
    run = Run(options.log)
    targets = options.targets.split(",")
    share = options.minutes * 60 / len(targets)
    with tempfile.TemporaryDirectory() as directory:
        for target in targets:
            started = time.monotonic()
            if target == "api":
                api_target(run, share)
            elif target == "cli":
                cli_target(run, share, Path(directory))
            else:
                service_target(run, share)
            print(
                f"{target}: {run.cases[target]} cases in {time.monotonic() - started:.0f} s",
                flush=True,
            )
    print(
        f"total: {sum(run.cases.values())} cases; {len(run.defects)} distinct defects", flush=True
    )
    for (kind, place), target in sorted(run.defects.items()):
        print(f"  {target}: {kind} at {place}", flush=True)


if __name__ == "__main__":
    cli()
