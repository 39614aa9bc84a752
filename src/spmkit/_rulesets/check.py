"""Static checks of a rule set: every name declared, no reference cycles, units that fit.

The checks return problems instead of raising, so that a loader can report all of a
file's problems at once, each placed at its line. :class:`spmkit._rulesets.model.RuleSet` runs them
on construction, so a rule set built in Python is held to the same rules as a file.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Final

from spmkit._translation import tr
from spmkit.errors import CycleError, RuleSetError, UnknownNameError

if TYPE_CHECKING:
    from spmkit._language.expr import Expression
    from spmkit._rulesets.model import Indicator, InputSpec, RuleSet

__all__ = [
    "CHECK_EVENT",
    "check_parts",
    "check_references",
    "check_rule_set",
    "evaluation_order",
    "find_cycle",
    "suggest",
]


def suggest(name: str, known: Iterable[object]) -> str:
    """Return a ``did you mean`` hint for a misspelt name, or list what is known."""
    names = sorted(str(k) for k in known)
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return tr("did you mean {name!r}?", name=close[0])
    if not names:
        return tr("none are declared")
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return tr("declared: {shown}", shown=shown)


CHECK_EVENT: Final = "spmkit._rulesets.check"
"""The :func:`sys.audit` event raised each time the checks run, with the rule set's id.

A public hook (``sys.addaudithook``) for tools and tests that want to see how often a
rule set is checked: a load checks each rule set (and each base of an overlay) once.
"""


def check_rule_set(rule_set: RuleSet) -> list[RuleSetError]:
    """Return every problem of names, references and units in a rule set (empty when sound)."""
    return check_parts(
        rule_set_id=rule_set.id,
        inputs=rule_set.inputs,
        service_types=rule_set.service_types,
        indicators=rule_set.indicators,
    )


def check_parts(  # noqa: PLR0913 - the parts of a rule set, some of them broken
    *,
    rule_set_id: str,
    inputs: Mapping[str, InputSpec],
    service_types: Collection[str],
    indicators: Mapping[str, Indicator],
    declared: tuple[Collection[str], Collection[str]] | None = None,
    formulas: Mapping[str, Mapping[str, Expression]] | None = None,
    service_type_of: Mapping[str, str] | None = None,
) -> list[RuleSetError]:
    """Run the reference and unit checks once on the parts of a rule set.

    A loader whose file has other problems passes what it could read, so these problems
    are reported with the rest: ``declared`` (every input name and indicator id of the
    file, broken entries included, so they are not also "unknown"), ``formulas`` and
    ``service_type_of`` (parts of indicators that are broken otherwise). A sound rule
    set is checked by its constructor. Raises the :data:`CHECK_EVENT` audit event.
    """
    # Imported here: unit checks build the unit registry (pint), at load time only.
    from spmkit._rulesets.unitcheck import check_units  # noqa: PLC0415

    sys.audit(CHECK_EVENT, rule_set_id)
    input_names, indicator_ids = (inputs, indicators) if declared is None else declared
    if formulas is None:
        formulas = {
            indicator.id: {"numerator": indicator.numerator, "denominator": indicator.denominator}
            for indicator in indicators.values()
        }
    if service_type_of is None:
        service_type_of = {i.id: i.service_type for i in indicators.values()}
    problems = check_references(
        inputs=input_names,
        service_types=service_types,
        indicator_ids=indicator_ids,
        formulas=formulas,
        service_type_of=service_type_of,
    )
    problems.extend(check_units(inputs=inputs, indicators=indicators))
    # Imported here: scoring's types are imported by the model, which imports this module.
    from spmkit._rulesets.scoring import check_scoring  # noqa: PLC0415

    problems.extend(check_scoring(indicators))
    return problems


def check_references(
    *,
    inputs: Collection[str],
    service_types: Collection[str],
    indicator_ids: Collection[str],
    formulas: Mapping[str, Mapping[str, Expression]],
    service_type_of: Mapping[str, str],
) -> list[RuleSetError]:
    """Check the names used by indicators against what is declared, and look for cycles.

    Takes declared names and the parts of indicators rather than a rule set, so a loader
    can check the formulas of a file whose other parts are broken and report these
    problems together with the rest.

    Args:
        inputs: declared input names.
        service_types: declared service-type ids.
        indicator_ids: declared indicator ids.
        formulas: indicator id -> part name ("numerator") -> parsed expression.
        service_type_of: indicator id -> the service type it names.
    """
    problems: list[RuleSetError] = []
    for indicator_id, service_type in service_type_of.items():
        if service_type not in service_types:
            problems.append(
                UnknownNameError(
                    tr(
                        "unknown service type {service_type!r}; {suggest}",
                        service_type=service_type,
                        suggest=suggest(service_type, service_types),
                    ),
                    path=f"$.indicators[{indicator_id!r}].service_type",
                    indicator_id=indicator_id,
                )
            )
    for indicator_id, parts in formulas.items():
        for part, expression in parts.items():
            path = f"$.indicators[{indicator_id!r}].{part}"
            problems.extend(
                UnknownNameError(
                    tr(
                        "unknown input {name!r}; {suggest}",
                        name=name,
                        suggest=suggest(name, inputs),
                    ),
                    path=path,
                    indicator_id=indicator_id,
                )
                for name in sorted(expression.inputs - set(inputs))
            )
            problems.extend(
                UnknownNameError(
                    tr(
                        "unknown indicator '@{ref}'; {suggest}",
                        ref=ref,
                        suggest=suggest(ref, indicator_ids),
                    ),
                    path=path,
                    indicator_id=indicator_id,
                )
                for ref in sorted(expression.refs - set(indicator_ids))
            )
    refs = {
        indicator_id: frozenset().union(*(e.refs for e in parts.values()))
        for indicator_id, parts in formulas.items()
    }
    cycle = find_cycle(refs)
    if cycle:
        first = cycle[0]
        problems.append(
            CycleError(
                tr(
                    "indicators reference each other in a loop: {loop}",
                    loop=" -> ".join(f"@{i}" for i in (*cycle, first)),
                ),
                path=f"$.indicators[{first!r}]",
                indicator_id=first,
            )
        )
    return problems


def _known_refs(refs: Mapping[str, Collection[str]], indicator_id: str) -> list[str]:
    return sorted(r for r in refs[indicator_id] if r in refs)


def find_cycle(refs: Mapping[str, Collection[str]]) -> list[str]:
    """Return the ids of one reference cycle, in order, or an empty list.

    Args:
        refs: indicator id -> ids of the indicators it references.
    """
    visiting: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in refs:
        if root in state:
            continue
        stack: list[tuple[str, list[str]]] = [(root, _known_refs(refs, root))]
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
                stack.append((child, _known_refs(refs, child)))
    return []


def evaluation_order(indicators: Mapping[str, Indicator]) -> tuple[str, ...]:
    """Order indicator ids so each comes after those it references (stable otherwise).

    The rule set must be free of cycles (see :func:`find_cycle`).
    """
    refs = {indicator_id: indicator.refs for indicator_id, indicator in indicators.items()}
    done: set[str] = set()
    order: list[str] = []
    for root in refs:
        stack = [root]
        while stack:
            node = stack[-1]
            if node in done:
                stack.pop()
                continue
            pending = [r for r in _known_refs(refs, node) if r not in done]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            done.add(node)
            order.append(node)
    return tuple(order)
