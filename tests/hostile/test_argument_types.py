"""Every public function refuses an argument of the wrong type with a UsageError (issue 30).

The test walks every public callable of ``spmkit.__all__``, ``spmkit.testing`` and
``spmkit.strategies`` (classes aside: their constructors are attrs validators), calls
each with a wrong-typed first argument, and, for every parameter annotated with a simple
type (``bool``, ``int``, ``str``, ``float``), with a wrong-typed keyword argument, the
other arguments being good ones. Each call must raise :class:`spmkit.UsageError` (a
:class:`spmkit.SpmkitError`; ``StrategyArgumentError`` is one) whose message names the
parameter and what it must be: never an ``AttributeError``, ``TypeError`` or
``KeyError`` from inside, and never a silent acceptance (``allow_unknown="yes"``).
A new public function is walked without being listed here; it only needs good values
for its required parameters in ``GOOD`` when their names are new.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import spmkit
import spmkit.strategies
import spmkit.testing

warnings.simplefilter("ignore", spmkit.SpmkitWarning)

RS = spmkit.load_rule_set("kulon-progo-2011")


class Odd:
    """A value of no type any spmkit function takes."""

    def __repr__(self) -> str:
        return "<Odd>"


def _connection() -> object:
    duckdb = pytest.importorskip("duckdb")
    return duckdb.connect()


GOOD: dict[str, Callable[[], object]] = {
    "rule_set": lambda: RS,
    "rule_sets": lambda: [RS],
    "source": lambda: "kulon-progo-2011",
    "text": lambda: "a / b",
    "a": lambda: RS,
    "b": lambda: RS,
    "data": lambda: {"bumil_k4": [950], "sasaran_bumil": [1000], "region": ["A"]},
    "table": lambda: {"bumil_k4": [950], "sasaran_bumil": [1000], "year": [2013]},
    "by": lambda: ["region"],
    "stratum": lambda: "region",
    "year": lambda: 2013,
    "jurisdiction": lambda: "Kab. Siak",
    "error": lambda: ValueError("x"),
    "successes": lambda: 1,
    "trials": lambda: 2,
    "on": lambda: 2013,
    "change_set": lambda: spmkit.diff(RS, RS),
    "result": lambda: spmkit.evaluate(RS, {"bumil_k4": 950, "sasaran_bumil": 1000}),
    "reports": lambda: spmkit.evaluate(RS, {"bumil_k4": 950, "sasaran_bumil": 1000}),
    "connection": _connection,
}
"""A good value of each required parameter, by name."""

WRONG: dict[str, object] = {"bool": "yes", "int": "7", "str": 7, "float": "x"}
"""A wrong value for each simple annotation."""

KEYWORD_GOOD: dict[tuple[str, str], dict[str, Callable[[], object]]] = {
    # Whose good values differ from the table above.
    ("spmkit", "evaluate_history"): {"year": lambda: "year", "table": GOOD["table"]},
    ("spmkit", "report_spm"): {"data": lambda: {"sosial": {}}},
    ("spmkit", "evaluate_sql"): {"table": lambda: "t"},
    ("spmkit", "to_sql"): {"table": lambda: "t"},
    ("spmkit", "stratify"): {"data": GOOD["data"]},
}


def _public() -> Iterator[tuple[str, str, Callable[..., Any]]]:
    for module in (spmkit, spmkit.testing, spmkit.strategies):
        for name in module.__all__:
            found = getattr(module, name)
            if callable(found) and not inspect.isclass(found):
                yield module.__name__, name, found


PUBLIC = list(_public())


def _signature(function: Callable[..., Any]) -> inspect.Signature:
    return inspect.signature(function)


def _required(module: str, name: str, function: Callable[..., Any]) -> dict[str, object]:
    overrides = KEYWORD_GOOD.get((module, name), {})
    values: dict[str, object] = {}
    for parameter in _signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.default is parameter.empty:
            make = overrides.get(parameter.name) or GOOD[parameter.name]
            values[parameter.name] = make()
    return values


def _call(function: Callable[..., Any], first: str, values: dict[str, object]) -> object:
    """Positional where the signature allows it (cached wrappers take no keywords)."""
    parameters = _signature(function).parameters
    positional = [
        values.pop(p.name)
        for p in parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name in values
    ]
    del first
    result = function(*positional, **values)
    example = getattr(result, "example", None)
    if callable(example):  # a hypothesis strategy checks some arguments when drawn
        example()
    return result


def _refused(call: Callable[[], object], parameter: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(spmkit.UsageError) as caught:
            call()
    assert isinstance(caught.value, spmkit.SpmkitError)
    message = str(caught.value)
    assert re.search(rf"\b{re.escape(parameter)}\b", message), message
    assert "must be" in message, message


FIRST = [
    (module, name, function)
    for module, name, function in PUBLIC
    if any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in _signature(function).parameters.values()
    )
]


@pytest.mark.parametrize(
    ("module", "name", "function"), FIRST, ids=[f"{m}.{n}" for m, n, _ in FIRST]
)
def test_a_wrong_first_argument_is_a_usage_error(module, name, function) -> None:
    first = next(iter(_signature(function).parameters))
    values = _required(module, name, function)
    values[first] = Odd()
    _refused(lambda: _call(function, first, dict(values)), first)


KEYWORDS = [
    (module, name, function, parameter.name, str(parameter.annotation))
    for module, name, function in PUBLIC
    for parameter in _signature(function).parameters.values()
    if str(parameter.annotation) in WRONG
]


@pytest.mark.parametrize(
    ("module", "name", "function", "parameter", "annotation"),
    KEYWORDS,
    ids=[f"{m}.{n}-{p}" for m, n, _, p, _ in KEYWORDS],
)
def test_a_wrong_simple_argument_is_a_usage_error(
    module, name, function, parameter, annotation
) -> None:
    values = _required(module, name, function)
    values[parameter] = WRONG[annotation]
    _refused(lambda: _call(function, parameter, dict(values)), parameter)


def test_the_walk_covers_the_public_surface() -> None:
    """The walk is not empty, and covers the functions issue 30 names (impact included)."""
    walked = {name for _, name, _ in FIRST}
    assert {"impact", "evaluate", "evaluate_batch", "compare_table", "format_errors"} <= walked
    assert {"data_for", "inferred_subsets", "check_rule_set_properties"} <= walked
    assert len(KEYWORDS) >= 20


def test_the_check_is_one_helper() -> None:
    """The words come from one place: the same message shape for unrelated functions."""
    shapes = []
    for call in (
        lambda: spmkit.impact(Odd(), {}),  # type: ignore[arg-type]
        lambda: spmkit.evaluate(RS, {}, allow_unknown="yes"),  # type: ignore[arg-type]
        lambda: spmkit.format_errors(Odd()),  # type: ignore[arg-type]
    ):
        with pytest.raises(spmkit.UsageError) as caught:
            call()
        shapes.append(re.sub(r"^\w+ must be .* \(got \w+\)$", "shape", str(caught.value)))
    assert shapes == ["shape"] * 3
