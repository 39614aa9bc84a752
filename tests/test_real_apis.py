"""The CLI and the kit call the real functions: diff/compare to_dict, evaluate_batch exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import spmkit
from spmkit.cli import main
from spmkit.testing import property_cases

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    out, _ = capsys.readouterr()
    return status, out


class TestDiffToDict:
    """RuleSetDiff.to_dict: JSON-ready, the indicators added, removed and changed."""

    def test_43_to_4(self):
        """Permenkes 43/2016 -> 4/2019: indicator 11's formula changed, with both values."""
        data = spmkit.diff("permenkes-43-2016", "permenkes-4-2019").to_dict()
        assert json.loads(json.dumps(data)) == data
        assert (data["a"], data["b"]) == ("permenkes-43-2016", "permenkes-4-2019")
        changed = {entry["id"]: entry["changes"] for entry in data["changed"]}
        (formula,) = [c for c in changed["11"] if c["field"] == "formula"]
        assert formula["before"] != formula["after"]
        assert set(formula["before"]) == {"numerator", "denominator", "factor"}
        assert formula["source_after"]["verification"] in {"primary", "secondary", "unverified"}

    def test_added_and_removed_are_whole_indicators(self):
        """An overlay that drops and adds shows them with formula, target and deadline."""
        result = spmkit.diff("permenkes-741-2008", "kulon-progo-2011")
        data = result.to_dict()
        assert [i["id"] for i in data["added"]] == [i.id for i in result.added]
        assert [i["id"] for i in data["removed"]] == [i.id for i in result.removed]
        for entry in data["added"] + data["removed"]:
            assert {"id", "name", "formula", "target", "deadline", "source"} <= set(entry)
            assert entry["target"]["op"] in {">=", ">", "<=", "<", "=="}


class TestComparisonToDict:
    def test_rows_per_indicator(self):
        """Kubu Raya's target for indicator 9 is met where the national one is not."""
        data = {"dm_standar": 4950, "dm_estimasi": 5297}
        result = spmkit.compare(["permenkes-4-2019", "kubu-raya-2021"], data).to_dict()
        assert json.loads(json.dumps(result)) == result
        assert result["rule_sets"] == ["permenkes-4-2019", "kubu-raya-2021"]
        (row,) = [r for r in result["indicators"] if r["id"] == "9"]
        assert row["results"]["permenkes-4-2019"]["status"] == "not_met"
        assert row["results"]["kubu-raya-2021"]["status"] == "met"
        assert "9" in result["disagreements"]


class TestCli:
    def test_diff_json_is_a_dict(self, capsys):
        """`spmkit diff A B --format json` prints the dict (it printed the text as a string)."""
        status, out = run(
            capsys, "diff", "permenkes-43-2016", "permenkes-4-2019", "--format", "json"
        )
        assert status == 0
        data = json.loads(out)
        assert isinstance(data, dict)
        assert {"added", "removed", "changed"} <= set(data)
        assert data == spmkit.diff("permenkes-43-2016", "permenkes-4-2019").to_dict()

    def test_diff_text(self, capsys):
        """Text is str() of the diff."""
        status, out = run(capsys, "diff", "permenkes-43-2016", "permenkes-4-2019", "--lang", "en")
        assert status == 0
        assert out.rstrip("\n") == str(spmkit.diff("permenkes-43-2016", "permenkes-4-2019"))

    def test_compare_json(self, capsys, tmp_path: Path):
        """`spmkit compare ... --format json` prints the table comparison: verdict flips."""
        data = tmp_path / "data.yaml"
        data.write_text("dm_standar: 4950\ndm_estimasi: 5297\n", encoding="utf-8")
        status, out = run(
            capsys,
            "compare",
            "permenkes-4-2019",
            "kubu-raya-2021",
            "--data",
            str(data),
            "--format",
            "json",
        )
        assert status == 0
        flips = json.loads(out)["indicators"]["9"]["flips"]
        assert [(f["from_rule_set"], f["from_status"], f["to_status"]) for f in flips] == [
            ("permenkes-4-2019", "not_met", "met")
        ]


class _Arrays:
    def __init__(self, arrays):
        self.status, self.met, self.value = arrays.status, arrays.met, arrays.value


def one_ulp_off(rule_set, columns):
    """The real batch result with every value moved by one unit in the last place."""
    result = spmkit.evaluate_batch(rule_set, columns)
    moved = {}
    for iid in rule_set.indicators:
        arrays = _Arrays(result[iid])
        arrays.value = [math.nextafter(v, math.inf) for v in arrays.value.tolist()]
        moved[iid] = arrays
    return moved


@pytest.mark.slow  # runs the kit (hypothesis)
class TestKitBatchProperty:
    def test_real_batch_passes_by_default(self):
        """Without options the kit checks spmkit.evaluate_batch itself, and it passes."""
        rule_set = spmkit.load_rule_set("kulon-progo-2011")
        names = {case.name for case in property_cases(rule_set)}
        assert "batch_matches_scalar" in names
        (case,) = [
            c for c in property_cases(rule_set, max_examples=10) if c.name == "batch_matches_scalar"
        ]
        case()

    def test_one_ulp_is_caught(self):
        """The property is exact: a value one ulp off is a failure (1e-9 let it pass)."""
        rule_set = spmkit.load_rule_set("kulon-progo-2011")
        cases = property_cases(rule_set, evaluate_batch=one_ulp_off, max_examples=10)
        (case,) = [c for c in cases if c.name == "batch_matches_scalar"]
        with pytest.raises(spmkit.RuleSetPropertyError, match="batch gives"):
            case()
