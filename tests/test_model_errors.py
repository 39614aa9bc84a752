"""The model owns its field rules: validators raise located RuleSetErrors, the reader places them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import spmkit
from spmkit._language.parse import parse_expression

INVALID = Path(__file__).parent / "data" / "invalid"


def _indicator(**changes: object) -> spmkit.Indicator:
    fields: dict[str, object] = {
        "id": "I.1",
        "name": "Cakupan K4",
        "service_type": "I",
        "numerator": parse_expression("bumil_k4"),
        "denominator": parse_expression("sasaran_bumil"),
        "factor": 100,
        "target": spmkit.Target(op=">=", value=95),
        "deadline": 2015,
        "source": spmkit.Source(ref="Lampiran"),
    }
    fields.update(changes)
    return spmkit.Indicator(**fields)  # type: ignore[arg-type]


class TestValidatorsRaiseLocatedErrors:
    """Building an object in Python gives a RuleSetError whose path is relative to it."""

    def test_default_on_required_input(self):
        """An input with a default but required: the path is $.default, a RuleSetError."""
        with pytest.raises(spmkit.RuleSetError) as caught:
            spmkit.InputSpec(name="x", label="X", unit="person", default=1)
        assert caught.value.path == "$.default"
        assert caught.value.message == "an input with a default must be declared 'required: false'"
        assert isinstance(caught.value, ValueError)

    def test_factor_not_positive(self):
        """factor 0 names the field and the indicator; one wording for files and Python."""
        with pytest.raises(spmkit.RuleSetError) as caught:
            _indicator(factor=0)
        assert (caught.value.path, caught.value.indicator_id) == ("$.factor", "I.1")
        assert caught.value.message == "'factor' must be positive (got 0)"

    def test_factor_not_a_number(self):
        """A boolean or text is not a number: a RuleSetError at $.factor, not a TypeError."""
        for bad in (True, "seratus", None, float("nan")):
            with pytest.raises(spmkit.RuleSetError) as caught:
                _indicator(factor=bad)
            assert caught.value.path == "$.factor"

    def test_bad_comparator(self):
        """A target's op outside the comparators is refused at $.op."""
        with pytest.raises(spmkit.RuleSetError) as caught:
            spmkit.Target(op="=>", value=95)  # type: ignore[arg-type]
        assert caught.value.path == "$.op"

    def test_bounds(self):
        """min below 0 and max below min are refused at their own keys."""
        with pytest.raises(spmkit.RuleSetError) as caught:
            spmkit.InputSpec(name="x", label="X", unit="person", minimum=-1)
        assert caught.value.path == "$.min"
        with pytest.raises(spmkit.RuleSetError) as caught:
            spmkit.InputSpec(name="x", label="X", unit="person", minimum=10, maximum=5)
        assert caught.value.path == "$.max"
        assert caught.value.message == "'max' 5 must not be below 'min' 10"

    def test_kind_and_aggregate(self):
        """An unknown kind or aggregation is refused at its key."""
        with pytest.raises(spmkit.RuleSetError) as caught:
            spmkit.InputSpec(name="x", label="X", unit="person", kind="integer")  # type: ignore[arg-type]
        assert caught.value.path == "$.kind"
        with pytest.raises(spmkit.RuleSetError) as caught:
            spmkit.InputSpec(name="x", label="X", unit="person", aggregate="mean")  # type: ignore[arg-type]
        assert caught.value.path == "$.aggregate"

    def test_good_values_still_convert(self):
        """Floats are the decimal they print as, strings of numbers are read exactly."""
        spec = spmkit.InputSpec(name="x", label="X", unit="L/day", minimum=0.1, maximum="2.5")
        assert (spec.minimum, spec.maximum) == (Fraction(1, 10), Fraction(5, 2))


class TestReaderPlacesModelErrors:
    """The reader builds objects and places what the model refuses at file:line, full path."""

    @pytest.mark.parametrize(
        ("name", "path", "line"),
        [
            ("factor_zero.yaml", "$.indicators['I.1'].factor", 29),
            ("default_on_required.yaml", None, None),
            ("input_max_below_min.yaml", None, None),
            ("bad_comparator.yaml", None, None),
            ("input_kind_unknown.yaml", None, None),
        ],
    )
    def test_placed(self, name, path, line):
        """The error keeps the model's message and gets the document's path and line."""
        file = INVALID / name
        with pytest.raises(spmkit.RuleSetError) as caught:
            spmkit.load_rule_set(file)
        (error,) = caught.value.exceptions  # type: ignore[attr-defined]
        assert error.file == str(file)
        key = error.path.rsplit(".", 1)[-1]
        text = file.read_text(encoding="utf-8").splitlines()
        assert f"{key}:" in text[error.line - 1], (error.line, key)
        if path is not None:
            assert (error.path, error.line) == (path, line)
