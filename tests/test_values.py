"""One definition of a valid value (spmkit._evaluation.values), and strict YAML for data files."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import spmkit
from spmkit._evaluation.aggregate import aggregate
from spmkit._evaluation.values import RULE, constraints, convert_value, with_rows
from spmkit._files.datafiles import ColumnMapping, load_mapping, read_data
from spmkit.errors import DataError, DataFileError

RULES = spmkit.load_rule_set("kulon-progo-2011")

BAD_VALUES = [
    (-1, "counts cannot be negative"),
    (-0.5, "counts cannot be negative"),
    (math.nan, "NaN and infinities are not counts; leave the input out if unknown"),
    (math.inf, "NaN and infinities are not counts; leave the input out if unknown"),
    (Decimal("NaN"), "NaN and infinities are not counts; leave the input out if unknown"),
    (True, "booleans are not counts; give 0 or 1 if you mean that"),
    ("x", "give a number, not text"),
    ("3.582", "give a number, not text; convert it first: '3.582' may be 3,582 in Indonesian"),
    (0.5, ""),  # bumil_k4 is a count of person: a whole number
]


def _only(error: pytest.ExceptionInfo[spmkit.DataInvalid]) -> DataError:
    (problem,) = error.value.exceptions
    return problem


class TestScalarAndBatchAgree:
    """evaluate and evaluate_batch refuse the same values with the same rule and hint."""

    @pytest.mark.parametrize(("value", "hint"), BAD_VALUES, ids=repr)
    def test_same_rule_and_hint(self, value, hint):
        """The batch hint is the scalar hint placed at its row; the rule is the same text."""
        data = {"bumil_k4": value, "sasaran_bumil": 100}
        with pytest.raises(spmkit.DataError) as scalar:
            spmkit.evaluate(RULES, data)
        with pytest.raises(spmkit.DataError) as batch:
            spmkit.evaluate_batch(RULES, {"bumil_k4": [value], "sasaran_bumil": [100]})
        one, other = _only(scalar), _only(batch)  # type: ignore[arg-type]
        assert one.rule == other.rule
        assert one.hint.startswith(hint)
        assert other.hint == with_rows(one.hint, 0)
        assert str(scalar.value).split(":")[0] == str(batch.value).split(":")[0]
        assert str(scalar.value).startswith("data for rule set 'kulon-progo-2011' have bad values")

    def test_aggregation_refuses_the_same(self):
        """aggregate reads columns by the same rules (a negative count, at its row)."""
        with pytest.raises(spmkit.DataError) as caught:
            aggregate(RULES, {"bumil_k4": [1, -2], "sasaran_bumil": [3, 4]}, by=[])
        problem = _only(caught)  # type: ignore[arg-type]
        assert (problem.rule, problem.hint) == (RULE, "counts cannot be negative; at row 1")

    def test_bounds_and_kinds_are_one_list(self):
        """A count's whole-number rule and the bounds come from one function, in order."""
        spec = spmkit.InputSpec(name="p", label="P", unit="percent", minimum=1, maximum=100)
        assert [c.rule for c in constraints(spec)] == ["at least 1 percent", "at most 100 percent"]
        count = spmkit.InputSpec(name="n", label="N", unit="person")
        assert [c.kind for c in constraints(count)] == ["whole"]
        assert constraints(count)[0].breaks(Fraction(1, 2))
        assert not constraints(count)[0].breaks(Fraction(2))

    def test_exact_conversion(self):
        """Floats are the decimal they print as; numpy scalars are numbers too."""
        assert convert_value("a", 0.1) == Fraction(1, 10)
        assert convert_value("a", np.int64(7)) == 7
        assert convert_value("a", None) is None


class TestStrictDataYaml:
    """Data and mapping files are read by the strict loader of rule files."""

    def test_duplicate_key_refused_with_both_lines(self, tmp_path: Path):
        """bumil_k4 twice is refused, naming both lines; it was silently the last value."""
        path = tmp_path / "data.yaml"
        path.write_text("bumil_k4: 950\nsasaran_bumil: 1000\nbumil_k4: 10\n", encoding="utf-8")
        with pytest.raises(DataFileError) as caught:
            read_data(path, RULES)
        (problem,) = caught.value.problems
        assert problem.startswith("line 3: $.bumil_k4: duplicate key 'bumil_k4' (first at line 1)")
        assert isinstance(caught.value, spmkit.DataError)

    def test_duplicate_key_in_json_data_file(self, tmp_path: Path):
        """JSON too: a key twice in one object is refused (json.loads kept the last)."""
        path = tmp_path / "data.json"
        path.write_text(
            '{"bumil_k4": 950, "sasaran_bumil": 1000, "bumil_k4": 10}', encoding="utf-8"
        )
        with pytest.raises(DataFileError, match=r"duplicate key 'bumil_k4' in one object"):
            read_data(path, RULES)

    def test_duplicate_key_in_mapping_file(self, tmp_path: Path):
        """A mapping file with a key twice is refused the same way."""
        path = tmp_path / "mapping.yaml"
        path.write_text("columns:\n  K4: bumil_k4\n  K4: sasaran_bumil\n", encoding="utf-8")
        with pytest.raises(
            DataFileError, match=r"line 3: .*duplicate key 'K4' \(first at line 2\)"
        ):
            load_mapping(path)

    def test_python_tag_refused(self, tmp_path: Path):
        """No Python objects from a data file; the message speaks of data files."""
        path = tmp_path / "data.yaml"
        path.write_text("bumil_k4: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
        with pytest.raises(DataFileError, match="data files may use only plain YAML"):
            read_data(path, RULES)

    def test_alias_limit(self, tmp_path: Path):
        """The alias limit of rule files holds for data files ('billion laughs')."""
        lines = ["a: &a [1, 2]"] + [f"k{i}: *a" for i in range(150)]
        path = tmp_path / "data.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(DataFileError, match="more than 100 YAML aliases"):
            read_data(path, RULES)

    def test_floats_read_exactly(self, tmp_path: Path):
        """0.1 in a data file is exactly 1/10 (read as a decimal, never a binary float)."""
        path = tmp_path / "data.yaml"
        path.write_text("bumil_k4: 95\nsasaran_bumil: 100.0\n", encoding="utf-8")
        (row,) = read_data(path, RULES).rows
        assert row.values["sasaran_bumil"] == Decimal("100.0")

    def test_empty_mapping_file_is_no_mapping(self, tmp_path: Path):
        """An empty mapping file still means "no mapping" (as before)."""
        path = tmp_path / "mapping.yaml"
        path.write_text("# nothing yet\n", encoding="utf-8")
        assert load_mapping(path) == ColumnMapping()
