"""Hostile rule files: each is refused with spmkit's own error, quickly, and runs nothing."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import spmkit
from spmkit._rulesets.schema import MAX_INDICATORS, MAX_INPUTS
from spmkit._yamlload import MAX_ALIASES, MAX_FILE_BYTES, MAX_NESTING
from spmkit.errors import format_errors

VALID = (Path(__file__).parents[1] / "data" / "invalid" / "unknown_input.yaml").read_text(
    encoding="utf-8"
)
VALID = VALID.split("\n", 1)[1].replace("bumil_k5", "bumil_k4")

LAUGHS = "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else '"lol"'] * 9) + "]\n" for i in range(9)
)

CASES = {
    # name: (text, message fragment)
    "billion_laughs": (LAUGHS, "YAML nodes once aliases are expanded"),
    "too_many_aliases": (
        "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n",
        f"more than {MAX_ALIASES} YAML aliases",
    ),
    "deep_flow_nesting": (
        "a: " + "[" * 5000 + "]" * 5000,
        f"nested deeper than {MAX_NESTING} levels",
    ),
    "deep_block_nesting": ("".join(" " * i + f"k{i}:\n" for i in range(60)), "nested deeper than"),
    "python_object_tag": (
        VALID.replace("title: Contoh", "title: !!python/object/apply:os.system ['touch pwned']"),
        "rule files may use only plain YAML",
    ),
    "python_name_tag": (
        VALID.replace("title: Contoh", "title: !!python/name:os.system"),
        "rule files may use only plain YAML",
    ),
    "set_tag": (
        VALID.replace("title: Contoh", "title: !!set {a, b}"),
        "'title' must be non-empty text",
    ),
    "binary_tag": (
        VALID.replace("title: Contoh", "title: !!binary aGVsbG8="),
        "'title' must be non-empty text",
    ),
    "merge_key": (
        VALID.replace("title: Contoh", "title: Contoh\nx: &x {a: 1}\ny:\n  <<: *x"),
        "merge",
    ),
    "tab_indentation": (VALID.replace("  bumil_k4:", "\tbumil_k4:"), "found character '\\t'"),
    "nul_byte": (
        VALID.replace("title: Contoh", 'title: "Con\x00toh"'),
        "unacceptable character #x0000",
    ),
    "two_documents": (VALID + "---\nid: other\n", "but found another document"),
    "duplicate_keys": (
        VALID.replace("title: Contoh", "title: Contoh\ntitle: Lain"),
        "duplicate key 'title'",
    ),
    "unhashable_key": (
        VALID.replace("title: Contoh", "title: Contoh\n? [a, b]\n: c"),
        "mapping key must be plain",
    ),
    "long_expression": (
        VALID.replace("numerator: bumil_k4", 'numerator: "' + "a + " * 1500 + 'a"'),
        "expression length in characters must be at most 4000",
    ),
    "deep_expression": (
        VALID.replace("numerator: bumil_k4", 'numerator: "' + "(" * 100 + "a" + ")" * 100 + '"'),
        "expression nesting depth must be at most 64",
    ),
    "python_in_expression": (
        VALID.replace(
            "numerator: bumil_k4", "numerator: \"__import__('os').system('touch pwned')\""
        ),
        "quotes are not part of the expression language",
    ),
    "very_long_name": (
        VALID.replace("numerator: bumil_k4", "numerator: " + "x" * 3000),
        "unknown input 'xxxx",
    ),
    "boolean_id": (VALID.replace("id: contoh", "id: yes"), "'id' must match"),
    "integer_indicator_id": (
        VALID.replace("  I.1:\n", "  1:\n"),
        "1 is not a valid id for indicators",
    ),
    "nan_target": (VALID.replace("value: 95}", "value: .nan}"), "must be a finite number"),
    "inf_factor": (VALID.replace("factor: 100", "factor: .inf"), "must be a finite number"),
    "not_a_mapping": ("just text", "a rule set must be a mapping"),
    "empty": ("", "the file is empty"),
    # Regression: found by test_fuzz.py; a bare null document raised ValueError from
    # ExceptionGroup (no problems collected) instead of RuleSetInvalid.
    "null_document": ("null\n", "the document is empty (null)"),
    "tilde_document": ("~\n", "the document is empty (null)"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_rule_file(name, tmp_path, monkeypatch):
    """Each case raises RuleSetInvalid (a SpmkitError) with the fragment, and creates no file."""
    monkeypatch.chdir(tmp_path)
    text, fragment = CASES[name]
    with pytest.raises(spmkit.RuleSetInvalid) as caught:
        spmkit.loads_rule_set(text, file=f"{name}.yaml")
    joined = "\n".join(format_errors(caught.value))
    assert fragment in joined
    assert list(tmp_path.iterdir()) == []


def test_catalogue_size():
    """The catalogue covers at least the issue's list of hostile rule files."""
    assert len(CASES) >= 20


class TestFileLimits:
    """Limits on whole files, at and just over their values."""

    def test_file_at_size_limit_is_read(self, tmp_path):
        """A file of exactly MAX_FILE_BYTES is read (comments pad it)."""
        path = tmp_path / "big.yaml"
        padding = MAX_FILE_BYTES - len(VALID.encode())
        path.write_text(VALID + "#" * (padding - 1) + "\n")
        assert path.stat().st_size == MAX_FILE_BYTES
        assert spmkit.load_rule_set(path).id == "contoh"

    def test_file_over_size_limit_is_refused_unread(self, tmp_path):
        """One byte more is refused before it is parsed."""
        path = tmp_path / "big.yaml"
        path.write_text(VALID + "#" * (MAX_FILE_BYTES - len(VALID.encode())) + "\n")
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.load_rule_set(path)
        assert f"rule files may be at most {MAX_FILE_BYTES}" in "\n".join(
            format_errors(caught.value)
        )

    def test_nesting_at_limit(self):
        """MAX_NESTING levels of YAML collections are read (and then refused as a schema problem)."""
        text = "a: " + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1)
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.loads_rule_set(text)
        assert "nested deeper" not in "\n".join(format_errors(caught.value))

    def test_aliases_at_limit(self):
        """Exactly MAX_ALIASES alias uses are allowed; the values are shared, not copied."""
        notes = "notes: [" + ", ".join(["*t"] * (MAX_ALIASES - 1)) + "]\n"
        text = VALID.replace("title: Contoh", "title: &t Contoh\ntitle_en: *t\n" + notes)
        rs = spmkit.loads_rule_set(text)
        assert rs.title_en == "Contoh"
        assert len(rs.notes) == MAX_ALIASES - 1


def many_indicators(count: int) -> str:
    head = VALID.split("indicators:\n")[0] + "indicators:\n"
    body = "".join(
        f"  X.{i}: {{service_type: I, name: n, numerator: bumil_k4, denominator: sasaran_bumil, "
        f'factor: 100, target: {{op: ">=", value: 95}}, deadline: null, source: r}}\n'
        for i in range(count)
    )
    return head + body


@pytest.mark.slow  # builds rule sets at the size limits
class TestRuleSetSizeLimits:
    """Limits on the size of a rule set, at and just over their values."""

    def test_indicators_at_limit(self):
        """MAX_INDICATORS indicators load."""
        assert (
            len(spmkit.loads_rule_set(many_indicators(MAX_INDICATORS)).indicators) == MAX_INDICATORS
        )

    def test_indicators_over_limit(self):
        """One more is refused with a message naming the limit."""
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.loads_rule_set(many_indicators(MAX_INDICATORS + 1))
        messages = format_errors(caught.value)
        assert messages == [
            f"<rule set>:22: $.indicators: 'indicators' may have at most {MAX_INDICATORS} entries (got {MAX_INDICATORS + 1})"
        ]

    def test_inputs_over_limit(self):
        """More than MAX_INPUTS inputs are refused."""
        extra = "".join(f"  x{i}: {{label: x, unit: person}}\n" for i in range(MAX_INPUTS))
        text = VALID.replace("inputs:\n", "inputs:\n" + extra)
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.loads_rule_set(text)
        assert f"'inputs' may have at most {MAX_INPUTS} entries" in "\n".join(
            format_errors(caught.value)
        )


class TestFailedLoadLeavesOthersUsable:
    """A failed load changes nothing that was loaded before."""

    def test_previous_rule_set_still_works(self):
        """After a hostile load fails, a rule set loaded earlier evaluates as before."""
        rs = spmkit.load_rule_set("kulon-progo-2011")
        before = spmkit.evaluate(rs, {"bumil_k4": 950, "sasaran_bumil": 1000})
        for text, _ in CASES.values():
            with pytest.raises(spmkit.RuleSetInvalid):
                spmkit.loads_rule_set(text)
        assert spmkit.evaluate(rs, {"bumil_k4": 950, "sasaran_bumil": 1000}) == before
        assert spmkit.load_rule_set("kulon-progo-2011") == rs


def test_huge_integers_are_exact():
    """Counts too large for a float (10**399, within the 400-digit limit) are kept exactly; the float view is inf."""
    rs = spmkit.load_rule_set("kulon-progo-2011")
    r = spmkit.evaluate(rs, {"bumil_k4": 10**399, "sasaran_bumil": 3})["I.1"]
    assert r.exact_value == Fraction(10**401, 3)
    assert r.met is True
    assert r.value == float("inf")
    assert "1.000000E+399 / 3" in r.explanation
