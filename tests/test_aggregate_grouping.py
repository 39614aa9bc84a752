"""aggregate numbers groups without sorting rows: the same sums for every kind of key."""

from __future__ import annotations

import numpy as np
import pytest

import spmkit

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
