"""The scalar evaluator's fast path: the same results as the general path, exactly.

``spmkit.evaluate`` decides a ratio of two inputs given as plain ints with integer
cross-multiplication and builds results from a per-indicator template
(:mod:`spmkit._evaluation.plan`, :func:`spmkit._evaluation.results.assemble`). The same
data given as Fractions take the general path (Fraction arithmetic): both must give
equal results, field by field, with the same explanation text.
"""

from __future__ import annotations

import functools
import pickle
import threading
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._caches import identity_cache
from spmkit._evaluation.plan import exact, plan_of, ratio
from spmkit._evaluation.results import IndicatorResult
from spmkit._language.parse import parse_expression
from spmkit._rulesets.model import RuleSet, Target

KULON_PROGO = spmkit.load_rule_set("kulon-progo-2011")
FIRST = KULON_PROGO.indicators["I.1"]  # bumil_k4 / sasaran_bumil x 100, >= 95 % by 2015


def _one_indicator(
    op: str, target: Fraction, factor: Fraction, *, coverage: bool | None
) -> RuleSet:
    """Kulon Progo's first indicator with another comparator, target, factor and coverage."""
    indicator = attrs.evolve(
        FIRST, factor=factor, target=Target(op=op, value=target), coverage=coverage
    )
    return attrs.evolve(KULON_PROGO, id="fast-path", indicators={"I.1": indicator})


def _same(fast: IndicatorResult, general: IndicatorResult) -> None:
    assert fast == general
    assert hash(fast) == hash(general)
    for name in ("numerator", "denominator", "exact_value", "exact_gap"):
        mine, theirs = getattr(fast, name), getattr(general, name)
        assert type(mine) is type(theirs)
        assert (str(mine), hash(mine)) == (str(theirs), hash(theirs))
    assert fast.explanation == general.explanation
    assert fast.explanation_id == general.explanation_id


@settings(max_examples=examples(300), deadline=None)
@given(
    numerator=st.integers(0, 10**12),
    denominator=st.integers(0, 10**12),
    op=st.sampled_from([">=", ">", "<=", "<", "=="]),
    target=st.fractions(min_value=0, max_value=10**6, max_denominator=10**4),
    factor=st.sampled_from([Fraction(1), Fraction(100), Fraction(1000), Fraction(100_000)]),
    coverage=st.sampled_from([None, True, False]),
)
def test_integer_decisions_equal_fraction_arithmetic(
    numerator, denominator, op, target, factor, coverage
):
    """Ints (integer path) and the same values as Fractions (general path) agree exactly."""
    rule_set = _one_indicator(op, target, factor, coverage=coverage)
    fast = spmkit.evaluate(rule_set, {"bumil_k4": numerator, "sasaran_bumil": denominator})["I.1"]
    general = spmkit.evaluate(
        rule_set, {"bumil_k4": Fraction(numerator), "sasaran_bumil": Fraction(denominator)}
    )["I.1"]
    _same(fast, general)
    if denominator:
        assert fast.exact_value == Fraction(numerator, denominator) * factor
        assert fast.met is Target(op=op, value=target).is_met(fast.exact_value)


def test_on_the_target_and_over_the_denominator():
    """Boundaries: exactly on a >= target is met; 104 of 100 is flagged, not capped."""
    rule_set = _one_indicator(">=", Fraction(95), Fraction(100), coverage=None)
    on = spmkit.evaluate(rule_set, {"bumil_k4": 95, "sasaran_bumil": 100})["I.1"]
    assert (on.status.value, on.exact_value, on.exact_gap) == ("met", 95, 0)
    below = spmkit.evaluate(rule_set, {"bumil_k4": 9499, "sasaran_bumil": 10000})["I.1"]
    assert (below.status.value, below.exact_gap) == ("not_met", Fraction(1, 100))
    assert below.explanation == (
        "I.1: bumil_k4 / sasaran_bumil x 100 = 9,499 / 10,000 x 100 = 94.99 %; target >= 95 % "
        "by 2015: not met, gap 0.01 percentage points. Source: Peraturan Bupati Nomor 15 Tahun "
        "2011, Lampiran, No. I, indikator 1."
    )
    over = spmkit.evaluate(rule_set, {"bumil_k4": 104, "sasaran_bumil": 100})["I.1"]
    assert (over.exact_value, over.exceeds_denominator) == (104, True)
    zero = spmkit.evaluate(rule_set, {"bumil_k4": 0, "sasaran_bumil": 0})["I.1"]
    assert (zero.status.value, zero.exact_value, zero.met) == ("undefined", None, None)


def test_kulon_progo_fast_path_equals_general_path():
    """Every indicator of a real rule set: int data and Fraction data give equal reports."""
    row = {name: 1000 + 37 * i for i, name in enumerate(KULON_PROGO.inputs)}
    fast = spmkit.evaluate(KULON_PROGO, row)
    general = spmkit.evaluate(KULON_PROGO, {k: Fraction(v) for k, v in row.items()})
    assert list(fast) == list(KULON_PROGO.indicators)
    for indicator_id in fast:
        _same(fast[indicator_id], general[indicator_id])


@pytest.mark.parametrize("year", [None, 2013])
def test_assembled_results_equal_constructed_ones(year):
    """A result built from its template equals the one the class's constructor builds."""
    data = {"bumil_k4": 900, "sasaran_bumil": 1000, "bulin_nakes": 7}
    report = spmkit.evaluate(KULON_PROGO, data, year=year)
    assert (report["I.1"].progress, report["I.1"].milestone) == (
        (None, None) if year is None else (spmkit.Progress.BEHIND, 95)
    )
    for result in report.values():
        fields = {a.alias: getattr(result, a.name) for a in attrs.fields(IndicatorResult)}
        built = IndicatorResult(**fields)
        assert built == result
        assert hash(built) == hash(result)
        assert set(vars(built)) == set(vars(result))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            result.met = False  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own object
    assert copy == result
    assert copy.explanation == result.explanation


def test_plan_is_made_once_per_rule_set():
    """The plan is cached by identity: the same object, and another rule set gets its own."""
    assert plan_of(KULON_PROGO) is plan_of(KULON_PROGO)
    other = attrs.evolve(KULON_PROGO, id="kulon-progo-copy")
    assert plan_of(other) is not plan_of(KULON_PROGO)
    assert plan_of(other).rule_set is other


def test_threads_share_plans_and_agree():
    """Evaluations in 8 threads at once give the reports of one thread."""
    rows = [
        {name: (i * 7 + j) % 500 for j, name in enumerate(KULON_PROGO.inputs)} for i in range(8)
    ]
    expected = [spmkit.evaluate(KULON_PROGO, row) for row in rows]
    fresh = attrs.evolve(KULON_PROGO, id="kulon-progo-threads")  # not planned yet
    found: list[object] = [None] * len(rows)
    start = threading.Barrier(len(rows))

    def work(i: int) -> None:
        start.wait()
        found[i] = spmkit.evaluate(fresh, rows[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(rows))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for mine, theirs in zip(found, expected, strict=True):
        assert [r.met for r in mine.values()] == [r.met for r in theirs.values()]  # type: ignore[attr-defined]
        assert [r.exact_value for r in mine.values()] == [  # type: ignore[attr-defined]
            r.exact_value for r in theirs.values()
        ]


@given(st.integers(-(10**30), 10**30), st.integers(1, 10**30))
def test_exact_fractions_are_ordinary_fractions(numerator, denominator):
    """``ratio`` (and ``exact`` under it) give Fractions equal to the constructor's in every way."""
    mine, theirs = ratio(numerator, denominator), Fraction(numerator, denominator)
    assert type(mine) is Fraction
    assert (mine, hash(mine), str(mine), repr(mine)) == (
        theirs,
        hash(theirs),
        str(theirs),
        repr(theirs),
    )
    assert (mine.numerator, mine.denominator) == (theirs.numerator, theirs.denominator)
    assert mine + 1 == theirs + 1
    assert pickle.loads(pickle.dumps(mine)) == theirs  # noqa: S301 - our own object
    assert exact(3, 1) == 3


def test_bad_values_are_all_reported_with_the_fast_path_around_them():
    """Plain ints around bad values do not hide them: every problem, by name, in order."""
    row = dict.fromkeys(KULON_PROGO.inputs, 10)
    first, second, third = list(KULON_PROGO.inputs)[:3]
    row.update({first: -1, second: True, third: "12", "bumil_k5": 3})
    with pytest.raises(spmkit.DataInvalid) as caught:
        spmkit.evaluate(KULON_PROGO, row)
    names = [problem.input_name for problem in caught.value.exceptions]
    assert names == [first, second, third, "bumil_k5"]


def test_identity_cache_keys_on_identity_and_is_bounded():
    """Equal but distinct objects get their own entries; the oldest entry goes first."""
    calls: list[int] = []

    @identity_cache(2)
    def size(items: list[int]) -> int:
        calls.append(len(items))
        return len(items)

    first, second, third = [1], [1], [1, 2]  # first == second, not the same object
    assert [size(first), size(first), size(second)] == [1, 1, 1]
    assert calls == [1, 1]  # computed once per object
    assert size(third) == 2  # a third object evicts the first
    assert size(second) == 1
    assert size(first) == 1
    assert calls == [1, 1, 2, 1]


EXPRESSIONS = [
    "{a} + {b}",
    "{a} - {b}",
    "{b} - {a}",
    "2 * {a} + {b}",
    "sum({a}, {b}, {c})",
    "min({a}, {b})",
    "max({a}, {c}) - {b}",
    "coalesce({a}, {b})",
    "coalesce({c}, {a})",
    "-{a} + {c}",
    "3 * {a} - {c}",
    "{a} / 2",  # division: the general path
    "0.5 * {a}",  # a fraction literal: the general path
]
NAMES = {"a": "bumil_k4", "b": "bulin_nakes", "c": "sasaran_bulin"}


@functools.cache
def _with_operands(numerator: str, denominator: str, op: str, coverage: bool | None) -> RuleSet:
    indicator = attrs.evolve(
        FIRST,
        numerator=parse_expression(numerator.format(**NAMES)),
        denominator=parse_expression(denominator.format(**NAMES)),
        target=Target(op=op, value=Fraction(95)),
        coverage=coverage,
    )
    return attrs.evolve(KULON_PROGO, id="whole", indicators={"I.1": indicator})


@settings(max_examples=examples(400), deadline=None)
@given(
    numerator=st.sampled_from(EXPRESSIONS),
    denominator=st.sampled_from(EXPRESSIONS),
    a=st.integers(0, 10**6),
    b=st.integers(0, 10**6),
    c=st.one_of(st.none(), st.integers(0, 10**6), st.just(2.5)),
    op=st.sampled_from([">=", ">", "<=", "<", "=="]),
    coverage=st.sampled_from([None, False]),
)
def test_whole_expressions_on_ints_equal_fraction_arithmetic(
    numerator, denominator, a, b, c, op, coverage
):
    """Expressions of int inputs (``a - b``, ``sum``, ``min``...) decided on integers agree
    with Fraction arithmetic, negative differences and missing or float inputs included."""
    rule_set = _with_operands(numerator, denominator, op, coverage)
    data = {"bumil_k4": a, "bulin_nakes": b, "sasaran_bulin": c}
    fast = spmkit.evaluate(rule_set, data)["I.1"]
    general = spmkit.evaluate(
        rule_set, {k: v if v is None else Fraction(str(v)) for k, v in data.items()}
    )["I.1"]
    _same(fast, general)
