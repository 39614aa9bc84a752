"""Rule tests as data: expected results in ``<id>.tests.yaml`` beside a rule file.

A rule-set author pins what the regulation says the rules must give, as data next to the
rules (the OpenFisca habit), and runs them with ``spmkit test PATH...`` or with pytest
(the ``spmkit`` pytest plugin collects every ``*.tests.yaml``)::

    spmkit_tests: 1
    rule_set: kulon-progo-2011.yaml     # optional: default is <id>.yaml beside this file
    tests:
      - name: K4 at exactly 95 % meets the 95 % target
        year: 2011                      # optional: the period the case is for
        inputs: {bumil_k4: 950, sasaran_bumil: 1000}
        expected:
          I.1: {value: 95, status: met, gap: 0}
          I.2: {status: no_data}

Every expected number is exact (``72.3`` is 723/10) unless the expectation states a
``tolerance`` (``{value: 33.33, tolerance: 0.01}``). A failing case says, per indicator
and field, what was expected and what was got.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import attrs

import spmkit
from spmkit._messages import data_problem_texts
from spmkit._translation import Bilingual, Language, in_language, joined, tr
from spmkit._yamlload import child_path, read_yaml
from spmkit.errors import RuleTestError, error_in

__all__ = [
    "FORMAT_VERSION",
    "TESTS_SUFFIX",
    "CaseOutcome",
    "Expectation",
    "Mismatch",
    "RuleTestCase",
    "RuleTestError",
    "RuleTestFile",
    "find_rule_tests",
    "load_rule_tests",
    "run_case",
    "run_rule_tests",
]

FORMAT_VERSION: Final = 1
TESTS_SUFFIX: Final = ".tests.yaml"
"""Files ending so hold rule tests (and are never read as rule sets)."""

MAX_CASES: Final = 10_000
"""Most cases in one tests file."""

_TOP_KEYS: Final = {"spmkit_tests": True, "rule_set": False, "tests": True}
_CASE_KEYS: Final = {"name": True, "year": False, "inputs": True, "expected": True, "note": False}
_EXPECT_KEYS: Final = {
    "value": False,
    "status": False,
    "met": False,
    "gap": False,
    "tolerance": False,
    "progress": False,
    "milestone": False,
    "band": False,
}
_STATUSES: Final = ("met", "not_met", "no_data", "undefined")
_PROGRESS: Final = ("met", "on_track", "behind", "overdue")


@attrs.frozen(kw_only=True)
class Expectation:
    """What one indicator must give; a field left None is not checked."""

    indicator_id: str
    value: Fraction | None = None
    value_is_null: bool = False
    status: str | None = None
    met: bool | None = None
    gap: Fraction | None = None
    tolerance: Fraction | None = None
    progress: str | None = None
    milestone: Fraction | None = None
    band: str | None = None


@attrs.frozen(kw_only=True)
class RuleTestCase:
    """One case: inputs, and the expected result of some indicators."""

    name: str
    inputs: Mapping[str, Any]
    expected: tuple[Expectation, ...]
    year: int | None = None
    file: str = "<tests>"
    line: int | None = None

    @property
    def where(self) -> str:
        """``file:line`` of the case."""
        return self.file if self.line is None else f"{self.file}:{self.line}"


@attrs.frozen(kw_only=True)
class RuleTestFile:
    """A tests file read: the rule set it tests and its cases."""

    path: Path
    rule_set: spmkit.RuleSet
    cases: tuple[RuleTestCase, ...]


@attrs.frozen(kw_only=True)
class Mismatch:
    """One field of one indicator that is not what the case expects."""

    indicator_id: str
    field: str
    expected: str
    got: str


@attrs.frozen(kw_only=True)
class CaseOutcome:
    """A case run: the mismatches found, or the error that stopped it."""

    case: RuleTestCase
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.mismatches and self.error is None

    def lines(self, lang: Language = "en") -> Iterator[str]:
        """The failure as text in ``lang``: per indicator, ``-`` expected and ``+`` got."""
        yield tr("FAILED {where}: {name}", where=self.case.where, name=self.case.name).in_lang(lang)
        if self.error is not None:
            yield from (f"  {line}" for line in in_language(self.error, lang).splitlines())
            return
        for indicator_id in dict.fromkeys(m.indicator_id for m in self.mismatches):
            yield f"  {indicator_id}:"
            mine = [m for m in self.mismatches if m.indicator_id == indicator_id]
            yield from (f"  - {m.field}: {m.expected}" for m in mine)
            yield from (f"  + {m.field}: {m.got}" for m in mine)

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _cannot(file: str) -> str:
    return tr("{file}: cannot run these rule tests", file=file)


def _both(error: Exception) -> Bilingual:
    """An error's text in both languages (its ``in_lang`` when it has one)."""
    return Bilingual(str(error), error_in(error, "id"))


def _show(value: Fraction | None) -> str:
    if value is None:
        return "null"
    if value.denominator == 1:
        return str(value.numerator)
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(as_decimal) == value:
        return format(as_decimal.normalize(), "f")
    return f"{float(value)!r} (exactly {value})"


def _number(value: object) -> Fraction | None:
    """An expected number; None for what is not one (``.nan``, ``.inf``, text, booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return Fraction(value)


class _Reader:
    """Reads one tests document, collecting every problem with its line."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.problems: list[str] = []
        try:
            self.document = read_yaml(text, file)
        except spmkit.RuleSetError as exc:
            raise RuleTestError(_cannot(file), [_both(exc)]) from None
        self.problems.extend(_both(problem) for problem in self.document.problems)

    def problem(self, path: str, message: str) -> None:
        line = self.document.line(path)
        where = self.file if line is None else f"{self.file}:{line}"
        self.problems.append(joined("", [f"{where}: {path}: ", message]))

    def keys(self, data: object, path: str, allowed: Mapping[str, bool]) -> dict[str, Any] | None:
        """The mapping at ``path`` (None if it is not one), its keys checked against ``allowed``."""
        if not isinstance(data, dict):
            self.problem(path, tr("must be a mapping with keys {keys}", keys=", ".join(allowed)))
            return None
        for key in data:
            if key not in allowed:
                self.problem(
                    child_path(path, key),
                    tr(
                        "unknown key {key!r}; allowed keys are {allowed}",
                        key=key,
                        allowed=", ".join(allowed),
                    ),
                )
        for key, required in allowed.items():
            if required and key not in data:
                self.problem(path, tr("missing key {key!r}", key=key))
        return data

    def expectation(self, indicator_id: str, entry: object, path: str) -> Expectation | None:
        entry = self.keys(entry, path, _EXPECT_KEYS)
        if entry is None:
            return None
        numbers: dict[str, Fraction | None] = {}
        for key in ("value", "gap", "tolerance", "milestone"):
            raw = entry.get(key)
            numbers[key] = _number(raw)
            if raw is not None and numbers[key] is None:
                self.problem(child_path(path, key), tr("must be a number (got {raw!r})", raw=raw))
        for key, allowed in (("status", _STATUSES), ("progress", _PROGRESS)):
            value = entry.get(key)
            if value is not None and value not in allowed:
                self.problem(
                    child_path(path, key),
                    tr(
                        "must be one of {allowed} (got {value!r})",
                        allowed=", ".join(allowed),
                        value=value,
                    ),
                )
        band = entry.get("band")
        if band is not None and not isinstance(band, str):
            self.problem(
                child_path(path, "band"), tr("must be a band's label (got {band!r})", band=band)
            )
        met = entry.get("met")
        if met is not None and not isinstance(met, bool):
            self.problem(
                child_path(path, "met"), tr("must be true or false (got {met!r})", met=met)
            )
        if not entry:
            self.problem(path, tr("expects nothing; give value, status, met or gap"))
        if numbers["tolerance"] is not None and numbers["value"] is None:
            self.problem(child_path(path, "tolerance"), tr("a tolerance needs a value to apply to"))
        return Expectation(
            indicator_id=indicator_id,
            value=numbers["value"],
            value_is_null="value" in entry and entry["value"] is None,
            status=entry.get("status"),
            met=met,
            gap=numbers["gap"],
            tolerance=numbers["tolerance"],
            progress=entry.get("progress"),
            milestone=numbers["milestone"],
            band=band if isinstance(band, str) else None,
        )

    def case(
        self, entry: object, path: str, rule_set: spmkit.RuleSet | None
    ) -> RuleTestCase | None:
        entry = self.keys(entry, path, _CASE_KEYS)
        if entry is None:
            return None
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(child_path(path, "name"), tr("must be a non-empty text naming the case"))
            name = path
        year = entry.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            self.problem(
                child_path(path, "year"),
                tr("must be a year such as 2011 (got {year!r})", year=year),
            )
            year = None
        inputs = entry.get("inputs")
        if not isinstance(inputs, dict):
            self.problem(child_path(path, "inputs"), tr("must map input names to values"))
            inputs = {}
        expected_raw = entry.get("expected")
        expected: list[Expectation] = []
        if not isinstance(expected_raw, dict) or not expected_raw:
            self.problem(child_path(path, "expected"), tr("must map indicator ids to expectations"))
            expected_raw = {}
        for indicator_id, item in expected_raw.items():
            where = child_path(child_path(path, "expected"), indicator_id)
            if rule_set is not None and str(indicator_id) not in rule_set.indicators:
                self.problem(
                    where,
                    tr(
                        "rule set {rule_set!r} has no indicator {indicator!r}",
                        rule_set=rule_set.id,
                        indicator=indicator_id,
                    ),
                )
            found = self.expectation(str(indicator_id), item, where)
            if found is not None:
                expected.append(found)
        return RuleTestCase(
            name=name,
            inputs=inputs,
            expected=tuple(expected),
            year=year,
            file=self.file,
            line=self.document.line(path),
        )


def _rule_set_for(path: Path, named: object) -> spmkit.RuleSet:
    """The rule set a tests file names, or ``<id>.yaml`` beside it."""
    if named is None:
        source: str | Path = path.with_name(path.name.removesuffix(TESTS_SUFFIX) + ".yaml")
    elif isinstance(named, str) and (path.parent / named).is_file():
        source = path.parent / named
    else:
        source = str(named)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        return spmkit.load_rule_set(source)


def load_rule_tests(path: str | Path) -> RuleTestFile:
    """Read a ``*.tests.yaml`` file and the rule set it tests.

    Raises:
        RuleTestError: every problem of the file (unknown keys, bad values, indicators
            the rule set lacks), each at ``file:line``.
        RuleSetInvalid, RuleSetNotFoundError: the rule set it names cannot be loaded.
    """
    path = Path(path)
    reader = _Reader(path.read_text(encoding="utf-8"), str(path))
    data = reader.keys(reader.document.data, "$", _TOP_KEYS)
    rule_set = None
    if data is not None:
        if data.get("spmkit_tests") != FORMAT_VERSION:
            reader.problem(
                "$.spmkit_tests",
                tr(
                    "must be {version} (got {value!r})",
                    version=FORMAT_VERSION,
                    value=data.get("spmkit_tests"),
                ),
            )
        rule_set = _rule_set_for(path, data.get("rule_set"))
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, list) or not tests:
        reader.problem("$.tests", tr("must be a list of cases"))
        tests = []
    if len(tests) > MAX_CASES:
        reader.problem(
            "$.tests",
            tr("has {count} cases; at most {limit} per file", count=len(tests), limit=MAX_CASES),
        )
        tests = []
    cases = [
        reader.case(entry, child_path("$.tests", i), rule_set) for i, entry in enumerate(tests)
    ]
    names = [case.name for case in cases if case is not None]
    for number, name in enumerate(names):
        if name in names[:number]:
            reader.problem(
                child_path("$.tests", number), tr("a second case named {name!r}", name=name)
            )
    if reader.problems or rule_set is None:
        raise RuleTestError(_cannot(str(path)), reader.problems)
    return RuleTestFile(path=path, rule_set=rule_set, cases=tuple(c for c in cases if c))


def _check(expectation: Expectation, result: spmkit.IndicatorResult) -> Iterator[Mismatch]:
    iid = expectation.indicator_id
    if expectation.status is not None and expectation.status != result.status.value:
        yield Mismatch(
            indicator_id=iid, field="status", expected=expectation.status, got=result.status.value
        )
    if expectation.value is not None or expectation.value_is_null:
        got = result.exact_value
        if expectation.value is None or got is None:
            close = expectation.value is None and got is None
        elif expectation.tolerance is not None:
            close = abs(got - expectation.value) <= expectation.tolerance
        else:
            close = got == expectation.value
        if not close:
            within = "" if expectation.tolerance is None else f" +- {_show(expectation.tolerance)}"
            yield Mismatch(
                indicator_id=iid,
                field="value",
                expected=f"{_show(expectation.value)}{within}",
                got=_show(got),
            )
    if expectation.met is not None and expectation.met != result.met:
        yield Mismatch(
            indicator_id=iid,
            field="met",
            expected=str(expectation.met).lower(),
            got=str(result.met).lower(),
        )
    got_progress = None if result.progress is None else result.progress.value
    if expectation.progress is not None and expectation.progress != got_progress:
        yield Mismatch(
            indicator_id=iid,
            field="progress",
            expected=expectation.progress,
            got=str(got_progress).replace("None", "null"),
        )
    if expectation.band is not None and expectation.band != result.band:
        yield Mismatch(
            indicator_id=iid, field="band", expected=expectation.band, got=str(result.band)
        )
    exact_fields = (
        ("milestone", expectation.milestone, result.milestone),
        ("gap", expectation.gap, result.exact_gap),
    )
    for field, expected, got_exact in exact_fields:
        if expected is not None and expected != got_exact:
            yield Mismatch(
                indicator_id=iid, field=field, expected=_show(expected), got=_show(got_exact)
            )


def run_case(rule_set: spmkit.RuleSet, case: RuleTestCase) -> CaseOutcome:
    """Evaluate one case (in its year, if it names one) and compare every expectation.

    Never raises for bad data or a bad year: the case fails with the library's message.
    """
    try:
        report = spmkit.evaluate(rule_set, case.inputs, year=case.year)
    except (spmkit.DataInvalid, spmkit.UsageError) as exc:
        if isinstance(exc, spmkit.DataInvalid):
            texts = data_problem_texts(exc)
            error = joined("\n", texts)
        else:
            error = Bilingual(
                *("\n".join(spmkit.format_errors(exc, lang)) for lang in ("en", "id"))
            )
        return CaseOutcome(case=case, error=error)
    mismatches = [
        mismatch
        for expectation in case.expected
        for mismatch in _check(expectation, report[expectation.indicator_id])
    ]
    return CaseOutcome(case=case, mismatches=tuple(mismatches))


def find_rule_tests(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``*.tests.yaml`` file given, or found under a given folder, in order."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(path.rglob(f"*{TESTS_SUFFIX}")))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def run_rule_tests(paths: Iterable[str | Path]) -> list[CaseOutcome]:
    """Run every case of every tests file (files, or folders searched for them).

    Raises:
        RuleTestError: a tests file cannot be read (it is not run).
    """
    outcomes: list[CaseOutcome] = []
    for path in find_rule_tests(paths):
        suite = load_rule_tests(path)
        outcomes.extend(run_case(suite.rule_set, case) for case in suite.cases)
    return outcomes
