"""The ``spmkit`` pytest plugin: every ``*.tests.yaml`` is collected, one test per case.

Registered through the ``pytest11`` entry point, so ``pytest rules/`` runs a project's
rule tests with no conftest. A failing case is reported as ``spmkit test`` reports it:
per indicator, ``-`` the expected and ``+`` the got values. Nothing of spmkit is imported
until pytest finds such a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from spmkit.errors import RuleTestFailedError

if TYPE_CHECKING:
    from spmkit._interop.ruletests import RuleTestCase

__all__ = ["RuleTestItem", "RuleTestsFile", "pytest_collect_file"]

_SUFFIX = ".tests.yaml"


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    """Collect ``<id>.tests.yaml`` files."""
    if file_path.name.endswith(_SUFFIX):
        collector: RuleTestsFile = RuleTestsFile.from_parent(parent, path=file_path)
        return collector
    return None


class RuleTestsFile(pytest.File):
    """One tests file: its cases, each an item."""

    def collect(self) -> Iterator[RuleTestItem]:
        """Read the file and the rule set it tests; one item per case."""
        from spmkit._interop.ruletests import load_rule_tests  # noqa: PLC0415 - only when found

        suite = load_rule_tests(self.path)
        for case in suite.cases:
            yield RuleTestItem.from_parent(self, name=case.name, case=case, rule_set=suite.rule_set)


class RuleTestItem(pytest.Item):
    """One case of a tests file."""

    def __init__(self, *, case: RuleTestCase, rule_set: Any, **kwargs: Any) -> None:  # noqa: ANN401 - pytest passes its own arguments through
        super().__init__(**kwargs)
        self.case = case
        self.rule_set = rule_set

    def runtest(self) -> None:
        """Evaluate the case; fail with the expected-vs-got text."""
        from spmkit._interop.ruletests import run_case  # noqa: PLC0415

        outcome = run_case(self.rule_set, self.case)
        if not outcome.passed:
            raise RuleTestFailedError(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:  # noqa: ANN401 - pytest's signature
        """The case's failure text, without a Python traceback."""
        if isinstance(excinfo.value, RuleTestFailedError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the case is, for pytest's report."""
        line = None if self.case.line is None else self.case.line - 1
        return self.path, line, f"rule test: {self.case.name}"
