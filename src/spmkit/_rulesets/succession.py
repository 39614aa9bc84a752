"""Succession between rule sets: the same count or service under another name.

Inputs declare ``same_as: {rule-set-id: input}`` and indicators ``corresponds_to:
{rule-set-id: indicator}`` (docs/time.md). These helpers follow the declarations either
way, so :func:`spmkit.compare` and :func:`spmkit.evaluate_history` can route one column
of data to each regime's own input name, and a history can follow one service through
renumbered regulations.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Final

from spmkit._rulesets.model import RuleSet
from spmkit._rulesets.reader import resolve_rule_set
from spmkit.errors import SpmkitError, SpmkitWarning

__all__ = ["corresponding_indicator", "input_aliases", "linked_rule_sets", "route_inputs"]

MAX_LINKED: Final = 50
"""Most rule sets followed from one pair through corresponds_to, supersedes and extends."""


def linked_rule_sets(*rule_sets: RuleSet) -> dict[str, RuleSet]:
    """The rule sets a chain of succession may pass through, by id.

    Those given, and every shipped one they name (``corresponds_to``, ``supersedes``,
    ``extends``), and so on: 4/2019 names 43/2016, which names 741/2008. An id that does
    not load is skipped.
    """
    found = {rule_set.id: rule_set for rule_set in rule_sets}
    queue = list(rule_sets)
    while queue and len(found) < MAX_LINKED:
        rule_set = queue.pop(0)
        named = {*rule_set.supersedes, *rule_set.extends}
        for indicator in rule_set.indicators.values():
            named.update(indicator.corresponds_to)
        for rule_set_id in sorted(named - set(found)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SpmkitWarning)
                    other = resolve_rule_set(rule_set_id)
            except SpmkitError:
                continue
            found[rule_set_id] = other
            queue.append(other)
    return found


def input_aliases(rule_set: RuleSet, name: str, others: Iterable[RuleSet]) -> tuple[str, ...]:
    """Other names of one input's count, without repeats.

    Its own ``same_as`` first, then inputs of ``others`` that declare ``same_as`` to it.
    """
    found = list(rule_set.inputs[name].same_as.values())
    for other in others:
        for other_name, spec in other.inputs.items():
            if spec.same_as.get(rule_set.id) == name:
                found.append(other_name)
    return tuple(dict.fromkeys(alias for alias in found if alias != name))


def route_inputs(
    rule_set: RuleSet, available: Iterable[str], others: Iterable[RuleSet] = ()
) -> dict[str, str]:
    """Map each input of a rule set to the available name that holds its count.

    Its own name first, else a ``same_as`` alias; inputs with neither are left out.
    """
    names = set(available)
    known = list(others)
    routes = {}
    for name in rule_set.inputs:
        for candidate in (name, *input_aliases(rule_set, name, known)):
            if candidate in names:
                routes[name] = candidate
                break
    return routes


def corresponding_indicator(
    indicator_id: str, source: RuleSet, target: RuleSet, known: Mapping[str, RuleSet]
) -> str | None:
    """The id in ``target`` of the service ``indicator_id`` is in ``source``; None if none.

    Follows ``corresponds_to`` either way and through chains of the rule sets in
    ``known`` (741/2008 -> 43/2016 -> 4/2019), and ``extends`` (an overlay keeps its
    base's ids).
    """
    links: dict[tuple[str, str], set[tuple[str, str]]] = {}

    def link(a: tuple[str, str], b: tuple[str, str]) -> None:
        links.setdefault(a, set()).add(b)
        links.setdefault(b, set()).add(a)

    for rule_set in {**known, source.id: source, target.id: target}.values():
        for iid, indicator in rule_set.indicators.items():
            for base in rule_set.extends:
                link((rule_set.id, iid), (base, iid))
            for other, other_id in indicator.corresponds_to.items():
                link((rule_set.id, iid), (other, other_id))
    start = (source.id, indicator_id)
    seen, queue = {start}, [start]
    while queue:
        node = queue.pop(0)
        if node[0] == target.id and node[1] in target.indicators:
            return node[1]
        for step in sorted(links.get(node, ())):
            if step not in seen:
                seen.add(step)
                queue.append(step)
    return None
