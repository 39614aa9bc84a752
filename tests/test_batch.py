"""evaluate_batch: exact decisions, missing values, validation, data frames, Dask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import spmkit


@pytest.fixture(scope="module")
def rule_set():
    return spmkit.load_rule_set("kulon-progo-2011")


class TestExactDecisions:
    def test_57_of_100_meets_57_percent(self):
        """57/100*100 is 57.00000000000001 in floats; the decision is taken exactly."""
        assert 57 / 100 * 100 != 57
        rules = spmkit.load_rule_set("kulon-progo-2011")
        rule_set = rules.__class__(
            **{
                **{f: getattr(rules, f) for f in ("id", "title", "language", "jurisdiction")},
                "legal_basis": rules.legal_basis,
                "inputs": rules.inputs,
                "service_types": rules.service_types,
                "indicators": {
                    "I.1": rules.indicators["I.1"].__class__(
                        **{
                            **{
                                a.name: getattr(rules.indicators["I.1"], a.name)
                                for a in rules.indicators["I.1"].__attrs_attrs__
                            },
                            "target": spmkit.Target(op=">=", value=57),
                        }
                    )
                },
            }
        )
        result = spmkit.evaluate_batch(
            rule_set, {"bumil_k4": np.array([57.0, 56.0, 570]), "sasaran_bumil": [100, 100, 1000]}
        )
        assert result["I.1"].status.tolist() == ["met", "not_met", "met"]
        assert result["I.1"].value.tolist() == [57.0, 56.0, 57.0]
        assert result["I.1"].gap.tolist() == [0.0, 1.0, 0.0]

    def test_decimals_are_refused_for_counts_as_by_the_scalar_code(self, rule_set):
        with pytest.raises(spmkit.DataInvalid) as info:
            spmkit.evaluate_batch(rule_set, {"bumil_k4": [1, 0.5], "sasaran_bumil": [1, 1]})
        assert spmkit.format_errors(info.value) == [
            (
                "input 'bumil_k4' must be a count of person: a whole number, 0 or more (got 0.5) "
                "(at row 1)"
            )
        ]

    def test_zero_denominator_is_undefined_and_missing_wins(self, rule_set):
        result = spmkit.evaluate_batch(
            rule_set,
            {"bumil_k4": np.array([5, np.nan, 0]), "sasaran_bumil": np.array([0, 0, 0])},
        )
        assert result["I.1"].status.tolist() == ["undefined", "no_data", "undefined"]
        assert result["I.1"].met.tolist() == [False, False, False]
        assert result["I.1"].judged.tolist() == [False, False, False]

    def test_exceeds_denominator_flag(self, rule_set):
        result = spmkit.evaluate_batch(
            rule_set, {"bumil_k4": [1042, 1000], "sasaran_bumil": [1000, 1000]}
        )
        assert result["I.1"].exceeds_denominator.tolist() == [True, False]
        assert result["I.1"].value[0] == pytest.approx(104.2)

    def test_results_are_read_only_and_the_callers_array_is_untouched(self, rule_set):
        k4 = np.array([950.0, 900.0])
        result = spmkit.evaluate_batch(rule_set, {"bumil_k4": k4, "sasaran_bumil": [1000, 1000]})
        with pytest.raises(ValueError, match="read-only"):
            result["I.1"].value[0] = 1.0
        assert k4.flags.writeable

    def test_numbers_beyond_float64_fall_back_to_exact_scalar(self, rule_set):
        """2**53 + 1 is not a float64; the indicator is evaluated by the scalar code."""
        huge = 2**53 + 1
        result = spmkit.evaluate_batch(rule_set, {"bumil_k4": [huge], "sasaran_bumil": [huge - 1]})
        assert result.exact_fallback == ("I.1",)
        assert result["I.1"].exceeds_denominator.tolist() == [True]
        assert result["I.1"].status.tolist() == ["met"]

    def test_compiled_program_is_reused(self, rule_set):
        assert spmkit.compile_rule_set(rule_set) is spmkit.compile_rule_set(rule_set)


class TestValidation:
    def test_every_bad_column_is_reported_with_value_and_row(self, rule_set):
        data = {
            "bumil_k4": np.array([1.0, -2.0, -3.0]),
            "sasaran_bumil": np.array([1.0, np.inf, 2.0]),
            "desa_uci": np.array([True, False, True]),
            "desa_total": ["1", "2", "3.582"],
            "bumil_k44": [1, 2, 3],
        }
        with pytest.raises(spmkit.DataInvalid) as info:
            spmkit.evaluate_batch(rule_set, data)
        assert spmkit.format_errors(info.value) == [
            (
                "input 'bumil_k4' must be a non-negative finite number (got -2.0) "
                "(counts cannot be negative; at row 1; 2 bad rows in this column)"
            ),
            (
                "input 'sasaran_bumil' must be a non-negative finite number (got inf) "
                "(NaN and infinities are not counts; leave the input out if unknown; at row 1)"
            ),
            (
                "input 'desa_uci' must be a non-negative finite number (got True) "
                "(booleans are not counts; give 0 or 1 if you mean that; at row 0; "
                "3 bad rows in this column)"
            ),
            (
                "input 'desa_total' must be a non-negative finite number (got '1') "
                "(give a number, not text; convert it first: '3.582' may be 3,582 in Indonesian "
                "notation, and spmkit will not guess; at row 0; 3 bad rows in this column)"
            ),
            (
                "input 'bumil_k44' must be a declared input of rule set 'kulon-progo-2011' "
                "(got '<column>') (did you mean 'bumil_k4'?; pass allow_unknown=True to ignore "
                "extra columns, or keys=[...] to carry them into the result)"
            ),
        ]

    def test_columns_of_different_lengths_are_refused(self, rule_set):
        with pytest.raises(spmkit.DataInvalid) as info:
            spmkit.evaluate_batch(rule_set, {"bumil_k4": [1, 2], "sasaran_bumil": [1]})
        assert spmkit.format_errors(info.value) == [
            (
                "input '<data>' must be columns of one length (got 'bumil_k4: 2, sasaran_bumil: 1') "
                "(lengths differ)"
            )
        ]


class TestDataFrames:
    def test_pandas_in_with_nullable_ints_and_keys_long_and_wide_out(self, rule_set):
        frame = pd.DataFrame(
            {
                "regency": ["Kulon Progo", "Bantul"],
                "bumil_k4": pd.array([950, None], dtype="Int64"),
                "sasaran_bumil": [1000, 1000],
            }
        )
        result = spmkit.evaluate_batch(rule_set, frame, keys=["regency"])
        wide = result.to_pandas("wide")
        assert wide["regency"].tolist() == ["Kulon Progo", "Bantul"]
        assert wide["I.1.status"].tolist() == ["met", "no_data"]
        assert wide["I.1.met"].tolist() == [True, pd.NA]
        long = result.to_pandas("long")
        assert len(long) == 2 * len(rule_set.indicators)
        first = long[long["indicator"] == "I.1"]
        assert first["value"].tolist()[0] == 95.0
        assert first["regency"].tolist() == ["Kulon Progo", "Bantul"]

    def test_polars_in_and_out_with_nulls(self, rule_set):
        frame = pl.DataFrame({"bumil_k4": [950, None], "sasaran_bumil": [1000, 0]})
        result = spmkit.evaluate_batch(rule_set, frame)
        long = result.to_polars().filter(pl.col("indicator") == "I.1")
        assert long["status"].to_list() == ["met", "no_data"]
        assert long["value"].to_list() == [95.0, None]
        assert long["met"].to_list() == [True, None]
        assert result.to_polars("wide")["I.1.value"].to_list() == [95.0, None]


@pytest.mark.slow  # starts Dask
def test_dask_dataframe_gives_a_lazy_result_equal_to_in_memory(rule_set):
    """Many partitions on a local two-worker cluster; equal to the in-memory evaluation."""
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    rng = np.random.default_rng(7)
    rows = 2_000
    frame = pd.DataFrame(
        {
            "region": np.arange(rows),
            "bumil_k4": rng.integers(0, 120, rows).astype(float),
            "sasaran_bumil": rng.integers(0, 100, rows),
        }
    )
    frame.loc[::17, "bumil_k4"] = np.nan
    expected = spmkit.evaluate_batch(rule_set, frame, keys=["region"]).to_pandas("wide")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        lazy = spmkit.evaluate_batch(
            rule_set, dd.from_pandas(frame, npartitions=16), keys=["region"]
        )
        assert lazy.npartitions == 16
        got = lazy.compute()
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)
