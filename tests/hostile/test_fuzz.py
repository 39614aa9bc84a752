"""Fuzzing under a fixed example budget: arbitrary text, YAML trees and data values never
raise anything but spmkit's documented errors.

The budget is a number of examples per test (FUZZ_EXAMPLES), so CI time is bounded and
repeatable. Hypothesis' per-example deadline is left generous: it is a hang detector,
not a speed assertion. Longer runs: the atheris harnesses under fuzz/.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import zipfile

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spmkit
from spmkit._files.datafiles import read_data
from spmkit._language.parse import parse_expression

pytestmark = pytest.mark.slow  # hypothesis-heavy fuzzing; `make check-fast` skips it

FUZZ_EXAMPLES = 400
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=dt.timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)

EXPRESSION_ALPHABET = (
    st.sampled_from(list("abcxyz_019.@()+-*/, \t%'\"[]{}#!~<>=eE")) | st.characters()
)


@FUZZ
@given(st.text(EXPRESSION_ALPHABET, max_size=200))
def test_parser_raises_only_spmkit_errors(text):
    """Any text either parses, or raises ExpressionSyntaxError / ExpressionLimitError."""
    try:
        expression = parse_expression(text)
    except (spmkit.ExpressionSyntaxError, spmkit.ExpressionLimitError):
        return
    assert parse_expression(str(expression)) == expression


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.dates(),
    st.sampled_from(["I.1", "bumil_k4", ">=", "a / b", "@I.1", "100", "kabupaten", "id"]),
)
keys = st.one_of(
    st.sampled_from(
        [
            "spmkit",
            "id",
            "title",
            "language",
            "jurisdiction",
            "legal_basis",
            "inputs",
            "service_types",
            "indicators",
            "level",
            "name",
            "instrument",
            "number",
            "year",
            "label",
            "unit",
            "required",
            "default",
            "numerator",
            "denominator",
            "factor",
            "target",
            "op",
            "value",
            "deadline",
            "source",
            "ref",
            "notes",
            "I.1",
            "bumil_k4",
        ]
    ),
    st.text(max_size=8),
    st.integers(-5, 5),
)
trees = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=30,
)


@FUZZ
@given(trees)
def test_loader_raises_only_spmkit_errors_on_yaml_trees(tree):
    """Any YAML document either loads or raises RuleSetInvalid."""
    text = yaml.safe_dump(tree, allow_unicode=True)
    try:
        spmkit.loads_rule_set(text)
    except spmkit.RuleSetInvalid as group:
        assert all(isinstance(e, spmkit.RuleSetError) for e in group.exceptions)  # noqa: PT017


@FUZZ
@given(st.text(max_size=300))
def test_loader_raises_only_spmkit_errors_on_text(text):
    """Any text either loads or raises RuleSetInvalid."""
    with contextlib.suppress(spmkit.RuleSetInvalid):
        spmkit.loads_rule_set(text)


RULE_SET = spmkit.load_rule_set("kulon-progo-2011")
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.fractions(),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=2),
)


@FUZZ
@given(st.dictionaries(st.sampled_from([*RULE_SET.inputs, "unknown", ""]), values, max_size=8))
def test_evaluate_raises_only_data_invalid(data):
    """Any data either evaluates to a full report or raises DataInvalid; never mutated."""
    before = dict(data)
    try:
        report = spmkit.evaluate(RULE_SET, data)
    except spmkit.DataInvalid as group:
        assert all(isinstance(e, spmkit.DataError) for e in group.exceptions)  # noqa: PT017
    else:
        assert list(report) == list(RULE_SET.indicators)
        for result in report.values():
            assert result.value is None or not math.isnan(result.value)
    assert data == before


DATA_SUFFIXES = (".csv", ".json", ".yaml", ".xlsx")
FUZZ_FILES = settings(FUZZ, max_examples=FUZZ_EXAMPLES // 4)
"""Targets that write files: a quarter of the budget (each example costs a file)."""
DATA_TEXT = st.text(
    st.sampled_from(list('bumil_k4,sasaran_bumil;\t"\n\r{}[]:-&*!0123456789.e%é'))
    | st.characters(codec="utf-8"),
    max_size=300,
)


@FUZZ_FILES
@given(
    st.sampled_from(DATA_SUFFIXES), st.one_of(DATA_TEXT.map(str.encode), st.binary(max_size=300))
)
def test_data_readers_raise_only_data_file_errors(tmp_path_factory, suffix, content):
    """Any bytes as a CSV, JSON, YAML or xlsx data file: rows, or a DataFileError."""
    path = tmp_path_factory.mktemp("fuzz") / f"data{suffix}"
    path.write_bytes(content)
    with contextlib.suppress(spmkit.DataFileError):
        table = read_data(path, RULE_SET)
        for row in table.rows:
            assert row.where


@FUZZ_FILES
@given(st.sampled_from(DATA_SUFFIXES), st.binary(max_size=2000))
def test_xlsx_bytes_inside_a_zip_raise_only_data_file_errors(tmp_path_factory, part, content):
    """A real workbook with one part replaced by arbitrary bytes: a DataFileError at worst."""
    openpyxl = pytest.importorskip("openpyxl")
    directory = tmp_path_factory.mktemp("fuzz")
    good = directory / "good.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["bumil_k4", "sasaran_bumil"])
    workbook.active.append([950, 1000])
    workbook.save(good)
    names = ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml", "xl/styles.xml"]
    replaced = names[DATA_SUFFIXES.index(part)]
    bad = directory / "bad.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == replaced else source.read(item))
    with contextlib.suppress(spmkit.DataFileError):
        read_data(bad, RULE_SET)


OVERLAY_KEYS = st.sampled_from(
    ["extends", "title", "title_en", "inputs", "indicators", "drop", "notes", "language"]
)
OVERLAY_VALUES = st.one_of(
    st.sampled_from(
        ["base.yaml", "../secret.txt", "/etc/passwd", "kulon-progo-2011", "rules/../base.yaml"]
    ),
    scalars,
    st.dictionaries(st.sampled_from(["I.1", "a", "target", "value"]), scalars, max_size=3),
)


@FUZZ_FILES
@given(st.dictionaries(OVERLAY_KEYS, OVERLAY_VALUES, max_size=5))
def test_overlay_resolver_raises_only_rule_set_invalid(tmp_path_factory, fields):
    """Any overlay: a rule set, or RuleSetInvalid that never repeats a file outside it."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "secret.txt").write_text("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n")
    rules = root / "rules"
    rules.mkdir()
    (rules / "base.yaml").write_text("spmkit: 1\nid: base-1\nextends: kulon-progo-2011\n")
    document = {"spmkit": 1, "id": "fuzz-1", "extends": "base.yaml", **fields}
    path = rules / "overlay.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        spmkit.load_rule_set(path)
    except spmkit.RuleSetInvalid as error:
        assert "MIIEvQ" not in "\n".join(spmkit.format_errors(error))  # noqa: PT017
