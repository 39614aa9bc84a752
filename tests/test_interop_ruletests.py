"""Rule tests as data: the shipped *.tests.yaml files, the runner, its messages, the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import spmkit
from spmkit._interop.ruletests import (
    TESTS_SUFFIX,
    find_rule_tests,
    load_rule_tests,
    run_case,
    run_rule_tests,
)
from spmkit.cli import main
from spmkit.errors import RuleTestError

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cases_file(tmp_path: Path, body: str, rule_set: str = "kulon-progo-2011") -> Path:
    return write(tmp_path, "mine.tests.yaml", f"spmkit_tests: 1\nrule_set: {rule_set}\n{body}")


class TestShippedRuleTests:
    def test_every_shipped_rule_set_has_cases(self):
        """Each shipped rule file has an <id>.tests.yaml beside it with at least two cases."""
        for rule_set_id, path in spmkit.shipped_rule_sets().items():
            tests = path.with_name(f"{rule_set_id}{TESTS_SUFFIX}")
            assert tests.is_file(), f"{rule_set_id} has no {tests.name}"
            assert len(load_rule_tests(tests).cases) >= 2

    def test_every_shipped_case_passes(self):
        """All shipped cases hold (34 of them at the time of writing)."""
        outcomes = run_rule_tests([RULES])
        failed = [str(o) for o in outcomes if not o.passed]
        assert failed == []
        assert len(outcomes) >= 34

    def test_tests_files_are_not_rule_sets(self):
        """shipped_rule_sets() lists rule files only, never their tests."""
        assert not [i for i in spmkit.shipped_rule_sets() if i.endswith(".tests")]

    def test_tanah_bumbu_case_is_there(self):
        """The Tanah Bumbu 2017 worked example is a case of Permenkes 43/2016."""
        suite = load_rule_tests(RULES / "national" / "permenkes-43-2016.tests.yaml")
        (case,) = [c for c in suite.cases if c.name.startswith("Tanah Bumbu 2017")]
        assert {e.indicator_id: e.value for e in case.expected if e.value is not None} == {
            "1": Fraction("72.3"),
            "2": Fraction("73.8"),
            "3": Fraction("64.82"),
        }

    def test_a_year_judges_against_the_milestone(self, tmp_path):
        """Siak K4 in 2013: 96 % against the Renstra's 97 % is behind; a wrong progress fails."""
        path = cases_file(
            tmp_path,
            "tests:\n"
            "  - name: behind\n"
            "    year: 2013\n"
            "    inputs: {bumil_k4: 960, sasaran_bumil: 1000}\n"
            "    expected: {I.1: {milestone: 97, progress: on_track}}\n",
            rule_set="siak-renstra-2012-2016",
        )
        suite = load_rule_tests(path)
        assert str(run_case(suite.rule_set, suite.cases[0])).endswith(
            "  - progress: on_track\n  + progress: behind"
        )

    def test_wrong_milestone_and_gap_show_expected_and_got(self, tmp_path):
        """Exact fields: the milestone judged in 2013 (97) and the gap (1, in points)."""
        path = cases_file(
            tmp_path,
            "tests:\n"
            "  - name: behind\n"
            "    year: 2013\n"
            "    inputs: {bumil_k4: 960, sasaran_bumil: 1000}\n"
            "    expected: {I.1: {milestone: 96, gap: 2}}\n",
            rule_set="siak-renstra-2012-2016",
        )
        suite = load_rule_tests(path)
        assert str(run_case(suite.rule_set, suite.cases[0])).endswith(
            "  - milestone: 96\n  - gap: 2\n  + milestone: 97\n  + gap: 1"
        )

    def test_wheel_packs_the_tests_files(self):
        """rules/ is force-included in the wheel whole, so the tests files ship with it."""
        pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
        assert '"rules" = "spmkit/rules"' in pyproject
        assert find_rule_tests([RULES])


class TestFailures:
    def test_wrong_value_and_status_show_expected_and_got(self, tmp_path):
        """A deliberately broken case: the failure text gives '-' expected and '+' got per field."""
        path = cases_file(
            tmp_path,
            "tests:\n"
            "  - name: K4 broken on purpose\n"
            "    inputs: {bumil_k4: 949, sasaran_bumil: 1000}\n"
            "    expected:\n"
            "      I.1: {value: 95, status: met}\n",
        )
        suite = load_rule_tests(path)
        outcome = run_case(suite.rule_set, suite.cases[0])
        assert not outcome.passed
        assert str(outcome) == (
            f"FAILED {path}:4: K4 broken on purpose\n"
            "  I.1:\n"
            "  - status: met\n"
            "  - value: 95\n"
            "  + status: not_met\n"
            "  + value: 94.9"
        )

    def test_values_are_exact_unless_a_tolerance_is_stated(self, tmp_path):
        """1/3 of 100 is not 33.33 exactly; with tolerance 0.005 it is, with 0.001 it is not."""
        body = "tests:\n"
        for name, tolerance in (("exact", None), ("loose", "0.005"), ("tight", "0.001")):
            within = "" if tolerance is None else f", tolerance: {tolerance}"
            body += (
                f"  - name: {name}\n"
                "    inputs: {desa_uci: 29, desa_total: 87}\n"
                f"    expected: {{I.7: {{value: 33.33{within}}}}}\n"
            )
        suite = load_rule_tests(cases_file(tmp_path, body))
        passed = {c.name: run_case(suite.rule_set, c).passed for c in suite.cases}
        assert passed == {"exact": False, "loose": True, "tight": False}

    def test_repeating_value_is_shown_with_its_exact_fraction(self, tmp_path):
        """A got value without a finite decimal shows the float and the exact fraction."""
        path = cases_file(
            tmp_path,
            "tests:\n"
            "  - name: third\n"
            "    inputs: {desa_uci: 29, desa_total: 87}\n"
            "    expected: {I.7: {value: 33.33}}\n",
        )
        suite = load_rule_tests(path)
        text = str(run_case(suite.rule_set, suite.cases[0]))
        assert "  + value: 33.333333333333336 (exactly 100/3)" in text

    def test_bad_data_fails_the_case_with_the_library_message(self, tmp_path):
        """Inputs the rule set refuses fail the case with DataInvalid's lines."""
        path = cases_file(
            tmp_path,
            "tests:\n"
            "  - name: negative\n"
            "    inputs: {bumil_k4: -1, sasaran_bumil: 1000}\n"
            "    expected: {I.1: {status: met}}\n",
        )
        suite = load_rule_tests(path)
        text = str(run_case(suite.rule_set, suite.cases[0]))
        assert "input 'bumil_k4' must be a non-negative finite number (got -1)" in text

    def test_every_problem_of_a_bad_file_is_reported_at_its_line(self, tmp_path):
        """Unknown keys, an unknown indicator, a bad status and a duplicate name: all at once."""
        path = cases_file(
            tmp_path,
            "tests:\n"
            "  - name: one\n"
            "    inputs: {bumil_k4: 1, sasaran_bumil: 2}\n"
            "    expect: {}\n"
            "  - name: one\n"
            "    inputs: {}\n"
            "    expected:\n"
            "      I.99: {status: met}\n"
            "      I.1: {status: passed, value: high}\n",
        )
        with pytest.raises(RuleTestError) as caught:
            load_rule_tests(path)
        problems = "\n".join(caught.value.problems)
        assert f"{path}:6: $.tests[0].expect: unknown key 'expect'" in problems
        assert f"{path}:4: $.tests[0]: missing key 'expected'" in problems
        assert (
            "$.tests[1].expected['I.99']: rule set 'kulon-progo-2011' has no indicator" in problems
        )
        assert "status: must be one of met, not_met, no_data, undefined (got 'passed')" in problems
        assert "value: must be a number (got 'high')" in problems
        assert "a second case named 'one'" in problems

    def test_duplicate_yaml_keys_are_refused(self, tmp_path):
        """A case that names an indicator twice is refused (YAML would keep only one)."""
        path = cases_file(
            tmp_path,
            "tests:\n"
            "  - name: twice\n"
            "    inputs: {}\n"
            "    expected:\n"
            "      I.1: {status: no_data}\n"
            "      I.1: {status: met}\n",
        )
        with pytest.raises(RuleTestError, match=r"duplicate key 'I\.1'"):
            load_rule_tests(path)

    def test_default_rule_set_is_the_file_beside(self, tmp_path):
        """Without rule_set:, mine.tests.yaml tests mine.yaml in the same folder."""
        source = (RULES / "kulon-progo-2011.yaml").read_text(encoding="utf-8")
        write(tmp_path, "mine.yaml", source.replace("id: kulon-progo-2011", "id: mine"))
        path = write(
            tmp_path,
            "mine.tests.yaml",
            "spmkit_tests: 1\ntests:\n  - name: a\n    inputs: {}\n"
            "    expected: {I.1: {status: no_data}}\n",
        )
        assert load_rule_tests(path).rule_set.id == "mine"


@pytest.mark.slow
def test_pytest_plugin_collects_and_reports_a_failing_case(tmp_path):
    """pytest (through the pytest11 entry point) runs each case; a failure shows the diff."""
    cases_file(
        tmp_path,
        "tests:\n"
        "  - name: good\n"
        "    inputs: {bumil_k4: 950, sasaran_bumil: 1000}\n"
        "    expected: {I.1: {value: 95, status: met}}\n"
        "  - name: broken\n"
        "    inputs: {bumil_k4: 949, sasaran_bumil: 1000}\n"
        "    expected: {I.1: {value: 95}}\n",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "  - value: 95\n  + value: 94.9" in done.stdout


class TestCommand:
    def test_spmkit_test_passes_on_the_shipped_rules(self, capsys):
        """`spmkit test rules/` runs every case; exit status 0; the last line counts them."""
        status = main(["test", str(RULES)])
        out = capsys.readouterr().out
        assert status == 0
        assert out.splitlines()[-1] == "spmkit test: 78 cases passed, 0 failed, 28 file(s)"

    def test_a_failing_case_exits_1_with_the_diff(self, tmp_path, capsys):
        """A broken case: exit status 1, the FAILED block, the count."""
        path = cases_file(
            tmp_path,
            "tests:\n"
            "  - name: K4 broken on purpose\n"
            "    inputs: {bumil_k4: 949, sasaran_bumil: 1000}\n"
            "    expected:\n"
            "      I.1: {value: 95, status: met}\n",
        )
        status = main(["test", str(path)])
        out = capsys.readouterr().out
        assert status == 1
        assert out.startswith(f"FAILED {path}:4: K4 broken on purpose\n  I.1:\n  - status: met\n")
        assert out.splitlines()[-1] == "spmkit test: 0 cases passed, 1 failed, 1 file(s)"

    def test_an_unreadable_file_exits_2(self, tmp_path, capsys):
        """A tests file with problems: exit status 2 and its problems on stderr."""
        path = cases_file(tmp_path, "tests: []\n")
        assert main(["test", str(path)]) == 2
        assert "$.tests: must be a list of cases" in capsys.readouterr().err

    def test_no_tests_files_is_a_usage_error(self, tmp_path, capsys):
        """A folder without *.tests.yaml: exit status 2, saying so."""
        assert main(["test", str(tmp_path)]) == 2
        assert "no *.tests.yaml files in" in capsys.readouterr().err
