"""aggregate numbers groups without sorting rows: the same sums for every kind of key."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from test_batch_property import KERNELS, kernel_env

RULE_SET = spmkit.load_rule_set("kulon-progo-2011")


def _data(rows: int = 5_000) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 37, rows) * 3 + 1_000  # gaps between the codes
    k4 = rng.integers(0, 500, rows)
    bumil = rng.integers(0, 600, rows).astype(np.float64)
    bumil[rng.random(rows) < 0.01] = np.nan
    return codes, {"bumil_k4": k4, "sasaran_bumil": bumil}


def _expected(codes: np.ndarray, data: dict[str, np.ndarray]) -> dict[str, list[object]]:
    groups = sorted(set(codes.tolist()))
    out: dict[str, list[object]] = {}
    for name, values in data.items():
        sums = []
        for group in groups:
            chosen = values[codes == group]
            sums.append(None if np.isnan(chosen).any() else int(chosen.sum()))
        out[name] = sums
    return out


@pytest.mark.parametrize("form", ["int64", "sparse int64", "numpy text", "object text", "list"])
def test_every_key_form_gives_the_same_sums(form):
    codes, data = _data()
    if form == "sparse int64":
        keys = codes * 10**12  # too sparse to count: sorted instead
    elif form == "numpy text":
        keys = np.array([f"kab-{c}" for c in codes])
    elif form == "object text":
        keys = np.array([f"kab-{c}" for c in codes], dtype=object)
    elif form == "list":
        keys = [f"kab-{c}" for c in codes]
    else:
        keys = codes
    totals = spmkit.aggregate(RULE_SET, {"region": keys, **data}, by=["region"])
    expected = _expected(codes, data)
    assert len(totals["region"]) == len(expected["bumil_k4"])
    assert totals["bumil_k4"].dtype == np.int64
    assert totals["bumil_k4"].tolist() == expected["bumil_k4"]
    got = [None if np.isnan(v) else int(v) for v in totals["sasaran_bumil"]]
    assert got == expected["sasaran_bumil"]
    shown = [str(k) for k in totals["region"]]
    if form in {"int64", "sparse int64"}:
        assert totals["region"].tolist() == sorted(totals["region"].tolist())
    else:
        assert shown == sorted(shown)


def test_two_keys_and_no_rows():
    codes, data = _data(200)
    years = np.where(codes % 2 == 0, 2024, 2025)
    totals = spmkit.aggregate(
        RULE_SET, {"region": codes, "year": years, **data}, by=["region", "year"]
    )
    pairs = list(zip(totals["region"].tolist(), totals["year"].tolist(), strict=True))
    assert pairs == sorted(set(zip(codes.tolist(), years.tolist(), strict=True)))
    empty = spmkit.aggregate(
        RULE_SET, {"region": codes[:0], "bumil_k4": data["bumil_k4"][:0]}, by=["region"]
    )
    assert len(empty["region"]) == 0
    assert len(empty["bumil_k4"]) == 0


@pytest.mark.parametrize(
    ("keys", "hint"),
    [
        (np.array([1.0, 2.0, np.nan, np.nan]), "a key is missing at row 2"),
        (np.array(["a", None, "b"], dtype=object), "a key is missing at row 1"),
        (
            np.array(["a", np.int64(1)], dtype=object),
            "the keys mix types: str (row 0), int (row 1)",
        ),
    ],
)
def test_bad_keys_of_numpy_columns_are_named_with_their_row(keys, hint):
    """Float keys are checked for NaN in one pass, objects value by value; same words."""
    data = {"region": keys, "bumil_k4": np.arange(len(keys))}
    with pytest.raises(spmkit.DataInvalid) as info:
        spmkit.aggregate(RULE_SET, data, by=["region"])
    assert hint in str(info.value.exceptions[0])


TEXT = st.text(alphabet=st.sampled_from(["a", "b", "é", "中", "-", "0", " "]), max_size=6)


@pytest.mark.slow
@settings(max_examples=examples(60), deadline=None)
@given(
    labels=st.lists(TEXT, min_size=1, max_size=8, unique=True),
    picks=st.lists(st.integers(0, 7), min_size=1, max_size=60),
    counts=st.lists(st.integers(0, 2**40), min_size=60, max_size=60),
)
def test_text_keys_group_as_a_dict_of_python_ints_does(labels, picks, counts):
    """Text keys (prefixes, non-ASCII, spaces): the hash table and numpy's sort give the
    sums of a plain dict of Python ints, sorted by key, on both kernels."""
    keys = np.array([labels[p % len(labels)] for p in picks])
    values = np.array(counts[: len(keys)], dtype=np.int64)
    expected: dict[str, int] = {}
    for key, value in zip(keys.tolist(), values.tolist(), strict=True):
        expected[key] = expected.get(key, 0) + value
    for kernel in KERNELS:
        with kernel_env(kernel):
            totals = spmkit.aggregate(RULE_SET, {"r": keys, "bumil_k4": values}, by=["r"])
        assert totals["r"].tolist() == sorted(expected)
        assert totals["bumil_k4"].tolist() == [expected[k] for k in sorted(expected)]


@pytest.mark.parametrize("kernel", KERNELS)
def test_many_distinct_text_keys_grow_the_table(kernel):
    """5,000 distinct keys (the hash table doubles several times), in shuffled order."""
    rng = np.random.default_rng(4)
    labels = np.array([f"desa-{n}" for n in range(5_000)])
    keys = labels[rng.permutation(np.repeat(np.arange(5_000), 3))]
    values = rng.integers(0, 1_000, len(keys))
    with kernel_env(kernel):
        totals = spmkit.aggregate(RULE_SET, {"r": keys, "bumil_k4": values}, by=["r"])
    expected: dict[str, int] = {}
    for key, value in zip(keys.tolist(), values.tolist(), strict=True):
        expected[key] = expected.get(key, 0) + value
    assert totals["r"].tolist() == sorted(expected)
    assert totals["bumil_k4"].tolist() == [expected[k] for k in sorted(expected)]
