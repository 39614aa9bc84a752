"""Loading rule files: strict YAML, every problem reported with file:line and path."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import attrs
import pytest

import spmkit
from spmkit.errors import CycleError, RuleSetError, UnknownNameError, format_errors

INVALID = Path(__file__).parent / "data" / "invalid"
INVALID_FILES = sorted(INVALID.glob("*.yaml"))


def expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


class TestInvalidFolder:
    """One broken file per problem, each with the message fragment it must produce."""

    def test_folder_is_not_empty(self):
        """The parametrized test below really runs over a catalogue of files."""
        assert len(INVALID_FILES) >= 25

    @pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.stem)
    def test_refused_with_message(self, path):
        """Each file is refused with exactly one problem whose message has the fragment."""
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.load_rule_set(path)
        problems = caught.value.exceptions
        assert len(problems) == 1, format_errors(caught.value)
        message = str(problems[0])
        assert expectation(path) in message
        assert message.startswith(f"{path}:"), "the message starts with file:line"


class TestLocations:
    """Problems name the file, the line and the path inside the document."""

    def test_duplicate_key_line_and_path(self):
        """The duplicate is reported at its own line, the first one's line is in the message."""
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.load_rule_set(INVALID / "duplicate_key.yaml")
        (error,) = caught.value.exceptions
        assert error.line == 32
        assert error.path == "$.indicators['I.1'].deadline"

    def test_unknown_input_is_unknown_name_error(self):
        """An undeclared input is an UnknownNameError naming the indicator and the path."""
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.load_rule_set(INVALID / "unknown_input.yaml")
        (error,) = caught.value.exceptions
        assert isinstance(error, UnknownNameError)
        assert error.indicator_id == "I.1"
        assert error.path == "$.indicators['I.1'].numerator"
        assert error.line == 27

    def test_cycle_is_cycle_error(self):
        """A reference loop is a CycleError listing the loop."""
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.load_rule_set(INVALID / "cycle.yaml")
        (error,) = caught.value.exceptions
        assert isinstance(error, CycleError)

    def test_all_problems_at_once(self):
        """A file with several problems reports all of them in one error."""
        text = (INVALID / "unknown_input.yaml").read_text(encoding="utf-8")
        text = text.replace("title: Contoh", "title: Contoh\ntitel: x")
        text = text.replace('op: ">="', 'op: "=>"').replace(
            "deadline: 2015", "deadline: 2015\n    deadline: 2016"
        )
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.loads_rule_set(text, file="many.yaml")
        messages = format_errors(caught.value)
        assert len(messages) == 4, messages
        joined = "\n".join(messages)
        for fragment in (
            "unknown key 'titel'",
            "(got '=>')",
            "duplicate key 'deadline'",
            "unknown input 'bumil_k5'",
        ):
            assert fragment in joined
        assert all(m.startswith("many.yaml:") for m in messages)

    def test_errors_are_spmkit_and_value_errors(self):
        """Users can catch the base class or the builtin they expect."""
        with pytest.raises(spmkit.SpmkitError):
            spmkit.load_rule_set(INVALID / "cycle.yaml")
        error = RuleSetError("x", file="f.yaml", line=3, path="$.id")
        assert isinstance(error, ValueError)
        assert str(error) == "f.yaml:3: $.id: x"


class TestNoCodeRuns:
    """Rule text is data: nothing in a rule file can run Python."""

    @pytest.mark.parametrize("name", ["python_code", "python_call", "python_tag"])
    def test_refused_and_nothing_runs(self, name, tmp_path, monkeypatch):
        """The file is refused at load and the command in it did not run."""
        monkeypatch.chdir(tmp_path)
        with pytest.raises(spmkit.RuleSetInvalid):
            spmkit.load_rule_set(INVALID / f"{name}.yaml")
        assert not (tmp_path / "pwned").exists()
        assert list(tmp_path.iterdir()) == []


class TestFinding:
    """Rule sets are found by shipped id or by path."""

    def test_by_id_and_by_path_are_equal(self):
        """Loading the shipped id and its file gives equal rule sets."""
        by_id = spmkit.load_rule_set("kulon-progo-2011")
        by_path = spmkit.load_rule_set(
            Path(__file__).parents[1] / "rules" / "kulon-progo-2011.yaml"
        )
        assert by_id == by_path

    def test_not_found_lists_shipped(self):
        """An unknown id is a RuleSetNotFoundError that lists the shipped ids."""
        with pytest.raises(spmkit.RuleSetNotFoundError, match="kulon-progo-2011"):
            spmkit.load_rule_set("kulon-progo-2099")

    def test_not_utf8(self, tmp_path):
        """A file that is not UTF-8 is refused with a hint, not a UnicodeDecodeError."""
        path = tmp_path / "latin1.yaml"
        path.write_bytes("title: Pelayanan \xe9\n".encode("latin-1"))
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.load_rule_set(path)
        (error,) = caught.value.exceptions
        assert error.line == 1
        assert "not UTF-8 text: byte 0xe9 at offset 17" in str(error)

    def test_bom_is_accepted(self, tmp_path):
        """A UTF-8 byte-order mark (as saved by Windows editors) is fine."""
        text = (
            (INVALID / "unknown_input.yaml")
            .read_text(encoding="utf-8")
            .replace("bumil_k5", "bumil_k4")
        )
        path = tmp_path / "bom.yaml"
        path.write_bytes(b"\xef\xbb\xbf" + text.encode())
        assert spmkit.load_rule_set(path).id == "contoh"

    def test_empty_file(self, tmp_path):
        """An empty file is refused with a clear message."""
        path = tmp_path / "empty.yaml"
        path.write_text("")
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.load_rule_set(path)
        assert "the file is empty" in str(caught.value)

    def test_exact_target_values(self):
        """Target values are read exactly: 1.5 is 3/2, not the float nearest it."""
        text = (
            (INVALID / "unknown_input.yaml")
            .read_text(encoding="utf-8")
            .replace("bumil_k5", "bumil_k4")
        )
        rs = spmkit.loads_rule_set(text.replace("value: 95}", "value: 1.1}"))
        assert rs.indicators["I.1"].target.value == Fraction(11, 10)

    def test_rule_set_is_immutable(self):
        """A loaded rule set cannot be changed in place."""
        rs = spmkit.load_rule_set("kulon-progo-2011")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            rs.id = "x"  # type: ignore[misc]
        with pytest.raises(TypeError):
            rs.indicators["I.1"] = rs.indicators["I.2"]  # type: ignore[index]
        assert hash(rs) == hash(spmkit.load_rule_set("kulon-progo-2011"))
