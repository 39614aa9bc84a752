"""Static checks of a rule set: every name declared, no reference cycles.

The checks return problems instead of raising, so that a loader can report all of a
file's problems at once, each placed at its line. :class:`spmkit.model.RuleSet` runs them
on construction, so a rule set built in Python is held to the same rules as a file.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from spmkit.errors import CycleError, RuleSetError, UnknownNameError

if TYPE_CHECKING:
    from spmkit.model import Indicator, RuleSet

__all__ = ["check_references", "check_rule_set", "evaluation_order", "find_cycle", "suggest"]


def suggest(name: str, known: Iterable[object]) -> str:
    """Return a ``did you mean`` hint for a misspelt name, or list what is known."""
    names = sorted(str(k) for k in known)
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    if not names:
        return "none are declared"
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"declared: {shown}"


def check_rule_set(rule_set: RuleSet) -> list[RuleSetError]:
    """Return every problem of names and references in a rule set (empty when sound)."""
    return check_references(
        inputs=rule_set.inputs,
        service_types=rule_set.service_types,
        indicators=rule_set.indicators,
    )


def check_references(
    *,
    inputs: Collection[str],
    service_types: Collection[str],
    indicators: Mapping[str, Indicator],
) -> list[RuleSetError]:
    """Check the indicators' names against what is declared, and look for cycles.

    Takes the declared names rather than a rule set so a loader can check a file whose
    other parts are broken, and report these problems together with the rest.
    """
    problems: list[RuleSetError] = []
    for indicator in indicators.values():
        base = f"$.indicators[{indicator.id!r}]"
        if indicator.service_type not in service_types:
            problems.append(
                UnknownNameError(
                    f"unknown service type {indicator.service_type!r}; "
                    f"{suggest(indicator.service_type, service_types)}",
                    path=f"{base}.service_type",
                    indicator_id=indicator.id,
                )
            )
        for part in ("numerator", "denominator"):
            expression = getattr(indicator, part)
            problems.extend(
                UnknownNameError(
                    f"unknown input {name!r}; {suggest(name, inputs)}",
                    path=f"{base}.{part}",
                    indicator_id=indicator.id,
                )
                for name in sorted(expression.inputs - set(inputs))
            )
            problems.extend(
                UnknownNameError(
                    f"unknown indicator '@{ref}'; {suggest(ref, indicators)}",
                    path=f"{base}.{part}",
                    indicator_id=indicator.id,
                )
                for ref in sorted(expression.refs - set(indicators))
            )
    cycle = find_cycle(indicators)
    if cycle:
        first = cycle[0]
        problems.append(
            CycleError(
                "indicators reference each other in a loop: "
                + " -> ".join(f"@{i}" for i in (*cycle, first)),
                path=f"$.indicators[{first!r}]",
                indicator_id=first,
            )
        )
    return problems


def _known_refs(indicators: Mapping[str, Indicator], indicator_id: str) -> list[str]:
    return sorted(r for r in indicators[indicator_id].refs if r in indicators)


def find_cycle(indicators: Mapping[str, Indicator]) -> list[str]:
    """Return the ids of one reference cycle, in order, or an empty list."""
    visiting: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in indicators:
        if root in state:
            continue
        stack: list[tuple[str, list[str]]] = [(root, _known_refs(indicators, root))]
        state[root] = 1
        visiting.append(root)
        while stack:
            node, pending = stack[-1]
            if not pending:
                stack.pop()
                visiting.pop()
                state[node] = 2
                continue
            child = pending.pop()
            if state.get(child) == 1:
                return visiting[visiting.index(child) :]
            if child not in state:
                state[child] = 1
                visiting.append(child)
                stack.append((child, _known_refs(indicators, child)))
    return []


def evaluation_order(indicators: Mapping[str, Indicator]) -> tuple[str, ...]:
    """Order indicator ids so each comes after those it references (stable otherwise)."""
    done: set[str] = set()
    order: list[str] = []
    for root in indicators:
        stack = [root]
        while stack:
            node = stack[-1]
            if node in done:
                stack.pop()
                continue
            pending = [r for r in _known_refs(indicators, node) if r not in done]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            done.add(node)
            order.append(node)
    return tuple(order)
