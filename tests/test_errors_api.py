"""Errors as API: the tree of spmkit.errors, caught with except and except*, and every raise."""

from __future__ import annotations

import ast
import builtins
import inspect
from pathlib import Path

import pytest

import spmkit
from source_tree import parsed
from spmkit import errors

SRC = Path(__file__).resolve().parents[1] / "src" / "spmkit"
INVALID = Path(__file__).parent / "data" / "invalid"
RULES = spmkit.load_rule_set("kulon-progo-2011")


class TestExcept:
    """What a user writes around a load or an evaluation catches what spmkit raises."""

    def test_bad_file_is_a_rule_set_error(self):
        """`except spmkit.RuleSetError` around a bad file catches it, with every problem."""
        with pytest.raises(spmkit.RuleSetError) as caught:
            spmkit.load_rule_set(INVALID / "unknown_input.yaml")
        assert isinstance(caught.value, spmkit.RuleSetInvalid)
        assert isinstance(caught.value, ValueError)
        assert all(isinstance(e, spmkit.RuleSetError) for e in caught.value.exceptions)

    def test_bad_data_is_a_data_error(self):
        """`except spmkit.DataError` around bad data catches it, every bad value inside."""
        with pytest.raises(spmkit.DataError) as caught:
            spmkit.evaluate(RULES, {"bumil_k4": -1, "sasaran_bumil": True})
        assert isinstance(caught.value, spmkit.DataInvalid)
        assert {e.input_name for e in caught.value.exceptions} == {"bumil_k4", "sasaran_bumil"}

    def test_bad_batch_data_is_a_data_error(self):
        """The batch path raises the same class."""
        with pytest.raises(spmkit.DataError):
            spmkit.evaluate_batch(RULES, {"bumil_k4": [-1], "sasaran_bumil": [1]})

    def test_not_found_is_a_rule_set_error_and_lookup_error(self):
        """A missing id is both: `except LookupError` and `except spmkit.RuleSetError` work."""
        with pytest.raises(LookupError) as caught:
            spmkit.load_rule_set("kulon-progo-2012")
        assert isinstance(caught.value, spmkit.RuleSetError)
        assert isinstance(caught.value, spmkit.RuleSetNotFoundError)

    def test_spmkit_error_catches_all(self):
        """`except spmkit.SpmkitError` catches rule, data and usage errors alike."""
        calls = [
            lambda: spmkit.load_rule_set(INVALID / "cycle.yaml"),
            lambda: spmkit.evaluate(RULES, {"bumil_k4": "x"}),
            lambda: spmkit.diff(RULES, RULES, fields=("colour",)),  # type: ignore[arg-type]
            lambda: spmkit.compare([], {}),
        ]
        for call in calls:
            with pytest.raises(spmkit.SpmkitError):
                call()


class TestExceptStar:
    """`except*` picks the problems of one kind out of a group."""

    def test_pick_unknown_names(self):
        """Of a file with an unknown input, except* UnknownNameError gets exactly that one."""
        picked: list[spmkit.RuleSetError] = []
        try:
            spmkit.load_rule_set(INVALID / "unknown_input.yaml")
        except* spmkit.UnknownNameError as group:
            picked.extend(group.exceptions)  # type: ignore[arg-type]
        (error,) = picked
        assert error.indicator_id == "I.1"
        assert error.line is not None

    def test_rest_falls_to_the_next_clause(self):
        """A cycle is not an unknown name: it reaches the RuleSetError clause."""
        seen: dict[str, int] = {}
        try:
            spmkit.load_rule_set(INVALID / "cycle.yaml")
        except* spmkit.UnknownNameError as group:
            seen["unknown"] = len(group.exceptions)
        except* spmkit.CycleError as group:
            seen["cycle"] = len(group.exceptions)
        assert seen == {"cycle": 1}

    def test_data_errors_by_input(self):
        """except* DataError over bad data gets every DataError of the call."""
        names: list[str | None] = []
        try:
            spmkit.evaluate(RULES, {"bumil_k4": -1, "sasaran_bumil": float("nan")})
        except* spmkit.DataError as group:
            names.extend(e.input_name for e in group.exceptions)  # type: ignore[union-attr]
        assert sorted(n or "" for n in names) == ["bumil_k4", "sasaran_bumil"]


class TestTree:
    def test_every_public_error_is_a_spmkit_error(self):
        """Every exception class spmkit exports is an SpmkitError (warnings aside)."""
        classes = [
            value
            for name in dir(spmkit)
            if isinstance(value := getattr(spmkit, name), type)
            and issubclass(value, Exception)
            and not issubclass(value, Warning)  # warnings have their own small tree
        ]
        assert len(classes) >= 15
        for cls in classes:
            assert issubclass(cls, spmkit.SpmkitError), cls

    def test_groups_are_the_single_class_too(self):
        """RuleSetInvalid is-a RuleSetError, DataInvalid is-a DataError, both ExceptionGroups."""
        assert issubclass(spmkit.RuleSetInvalid, spmkit.RuleSetError)
        assert issubclass(spmkit.RuleSetInvalid, ExceptionGroup)
        assert issubclass(spmkit.DataInvalid, spmkit.DataError)
        assert issubclass(spmkit.DataInvalid, ExceptionGroup)


# Raised on purpose but not SpmkitErrors, each for a reason:
ALLOWED = {
    "TypeError": "an argument of the wrong Python type (parse_expression(3), Number(0.5))",
    "AttributeError": "the module __getattr__ protocol of the lazy spmkit namespace",
    "yaml.YAMLError": "inside the YAML loader, converted to RuleSetError by read_yaml",
    "AssertionError": "a writer bug in dump (a key missing from the schema), not a user error",
    "NeedsExact": "a signal from the compiler to the batch evaluator, always caught",
}


def _raised_classes() -> list[tuple[str, int, str]]:
    """Every ``raise SomeClass(...)`` in src/spmkit: file, line, the class's name."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(parsed(path)):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = ast.unparse(target)
            if name[:1].isupper():  # a class, or its constructor (UsageError.wrong_type)
                found.append((path.name, node.lineno, name.split(".", 1)[0]))
            elif name == "yaml.YAMLError":
                found.append((path.name, node.lineno, name))
    return found


def test_every_raise_is_a_spmkit_error():
    """Each class spmkit raises is an SpmkitError, or one of the few allowed with a reason.

    Raises through helpers (``raise self.fail(...)``, ``raise bad_values(...)``) return
    errors whose types mypy --strict checks against their annotations.
    """
    raised = _raised_classes()
    assert len(raised) > 50
    wrong = []
    for file, line, name in raised:
        if name in ALLOWED:
            continue
        cls = getattr(errors, name, None) or getattr(builtins, name, None)
        if not (inspect.isclass(cls) and issubclass(cls, errors.SpmkitError)):
            wrong.append(f"{file}:{line} raises {name}")
    assert wrong == []


def test_the_allowed_list_is_used():
    """Every allowed exception is still raised somewhere (a stale entry is a defect)."""
    names = {name for _, _, name in _raised_classes()}
    assert set(ALLOWED) <= names
