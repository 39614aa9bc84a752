"""Hypothesis entry-point hook: lets ``st.from_type`` build spmkit's objects.

Hypothesis runs this hook (declared in ``pyproject.toml`` under
``[project.entry-points.hypothesis]``) while it is itself being imported. So this module
imports nothing at the top, and the strategies are registered as functions that import
:mod:`spmkit.strategies` only when a test first asks for them; importing it here would
import ``hypothesis.strategies`` in the middle of hypothesis' own import (the circular
import that third-party plugins such as hypothesis-rdkit document).
"""

from __future__ import annotations

from typing import Any

__all__ = ["setup"]


def _rule_sets(_type: type) -> Any:  # noqa: ANN401 - a SearchStrategy; hypothesis is not imported here
    from spmkit.strategies import rule_sets  # noqa: PLC0415 - lazy by design, see the docstring

    return rule_sets()


def _indicators(_type: type) -> Any:  # noqa: ANN401 - see _rule_sets
    from spmkit.strategies import indicators  # noqa: PLC0415 - lazy by design

    return indicators()


def _targets(_type: type) -> Any:  # noqa: ANN401 - see _rule_sets
    from spmkit.strategies import targets  # noqa: PLC0415 - lazy by design

    return targets()


def setup() -> None:
    """Register strategies for :class:`~spmkit.RuleSet`, ``Indicator`` and ``Target``."""
    import hypothesis.strategies as st  # noqa: PLC0415 - hypothesis calls us during its import

    from spmkit._rulesets.model import Indicator, RuleSet, Target  # noqa: PLC0415 - keep the hook cheap

    st.register_type_strategy(RuleSet, _rule_sets)
    st.register_type_strategy(Indicator, _indicators)
    st.register_type_strategy(Target, _targets)
