"""FrozenMap: order-sensitive equality and hash, consistent with each other."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import spmkit
from spmkit._frozen import FrozenMap

ITEMS = st.lists(
    st.tuples(st.text(max_size=3), st.integers()), max_size=6, unique_by=lambda i: i[0]
)


@given(ITEMS)
def test_equal_maps_hash_equal(items):
    """Two maps built from the same items in the same order are equal and hash equal."""
    a, b = FrozenMap(items), FrozenMap(list(items))
    assert a == b
    assert hash(a) == hash(b)


@given(ITEMS)
def test_order_matters(items):
    """The same items in another order are a different map (unless the order is the same)."""
    reordered = list(reversed(items))
    a, b = FrozenMap(items), FrozenMap(reordered)
    assert (a == b) is (items == reordered)
    if a == b:
        assert hash(a) == hash(b)


def test_different_order_is_not_equal():
    """{a: 1, b: 2} and {b: 2, a: 1} differ, as FrozenMaps and against a dict."""
    a = FrozenMap({"a": 1, "b": 2})
    assert a != FrozenMap({"b": 2, "a": 1})
    assert a == {"a": 1, "b": 2}
    assert a != {"b": 2, "a": 1}
    assert a != FrozenMap({"a": 1, "b": 3})
    assert len({a, FrozenMap({"a": 1, "b": 2}), FrozenMap({"b": 2, "a": 1})}) == 2


def test_rule_sets_with_reordered_indicators_differ():
    """Indicator order is the regulation's: a rule set with two indicators swapped is not equal."""
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    ids = list(rule_set.indicators)
    swapped = [ids[1], ids[0], *ids[2:]]
    other = attrs.evolve(rule_set, indicators={i: rule_set.indicators[i] for i in swapped})
    assert other != rule_set
    same = attrs.evolve(rule_set, indicators=dict(rule_set.indicators))
    assert same == rule_set
    assert hash(same) == hash(rule_set)


def test_not_a_mapping():
    """Comparing with a non-mapping is not equal (NotImplemented, not an error)."""
    assert FrozenMap({"a": 1}) != [("a", 1)]
    with pytest.raises(TypeError):
        FrozenMap({"a": 1})["a"] = 2  # type: ignore[index]
