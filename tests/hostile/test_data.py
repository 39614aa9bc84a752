"""Hostile data in every input form: refused with spmkit's errors, or evaluated exactly;
never a crash, never a changed argument, never a lost good row."""

from __future__ import annotations

import copy
import json
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import spmkit
from spmkit.cli import main
from spmkit.errors import format_errors

RS = spmkit.load_rule_set("kulon-progo-2011")
GOOD = {"bumil_k4": 950, "sasaran_bumil": 1000}


class TestScalarValues:
    """evaluate() on one mapping."""

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (math.nan, "NaN and infinities"),
            (math.inf, "NaN and infinities"),
            (-math.inf, "NaN and infinities"),
            (np.float64("nan"), "NaN and infinities"),
            (Decimal("Infinity"), "NaN and infinities"),
            (True, "booleans are not counts"),
            (np.bool_(False), "got a bool"),  # noqa: FBT003
            ("3.582", "Indonesian notation"),
            ("96,81", "give a number, not text"),
            (-1, "non-negative"),
            (b"950", "got a bytes"),
        ],
    )
    def test_refused(self, value, fragment):
        """Each is a DataInvalid naming the input and the value."""
        with pytest.raises(spmkit.DataInvalid) as caught:
            spmkit.evaluate(RS, {**GOOD, "bumil_k4": value})
        message = "\n".join(format_errors(caught.value))
        assert "input 'bumil_k4'" in message
        assert fragment in message

    def test_negative_zero_is_zero(self):
        """-0.0 is zero, a valid count."""
        assert spmkit.evaluate(RS, {**GOOD, "bumil_k4": -0.0})["I.1"].exact_value == 0

    def test_int_beyond_float_is_exact(self):
        """10**399 (within the digit limit) is kept exactly; the float view is inf, the decision exact."""
        r = spmkit.evaluate(RS, {"bumil_k4": 10**399, "sasaran_bumil": 10**399 + 1})["I.1"]
        assert r.met is True
        assert r.value == 100.0


class TestBatchColumns:
    """evaluate_batch() on numpy arrays, lists and DataFrames."""

    def test_nan_in_a_column_is_missing_for_that_row(self):
        """NaN means missing for its row only; the other rows evaluate."""
        result = spmkit.evaluate_batch(
            RS, {"bumil_k4": np.array([950.0, np.nan]), "sasaran_bumil": np.array([1000, 1000])}
        )
        assert [str(s) for s in result["I.1"].status] == ["met", "no_data"]

    @pytest.mark.parametrize(
        ("column", "fragment"),
        [
            (np.array([950.0, np.inf]), "at row 1"),
            (np.array([950.0, -np.inf]), "at row 1"),
            (np.array([True, False]), "booleans are not counts"),
            (["950", "3.582"], "Indonesian notation"),
            (np.array([950, -3]), "at row 1"),
        ],
    )
    def test_refused_with_row(self, column, fragment):
        """A bad column is refused naming the input, the value and the row."""
        with pytest.raises(spmkit.DataInvalid) as caught:
            spmkit.evaluate_batch(RS, {"bumil_k4": column, "sasaran_bumil": np.array([1000, 1000])})
        message = "\n".join(format_errors(caught.value))
        assert "input 'bumil_k4'" in message
        assert fragment in message

    def test_mismatched_lengths(self):
        """Columns of different lengths are refused, with both lengths."""
        with pytest.raises(spmkit.DataInvalid) as caught:
            spmkit.evaluate_batch(RS, {"bumil_k4": [1, 2], "sasaran_bumil": [1, 2, 3]})
        assert "bumil_k4: 2, sasaran_bumil: 3" in "\n".join(format_errors(caught.value))

    def test_two_dimensional(self):
        """A 2-D array is not a column."""
        with pytest.raises(spmkit.DataInvalid):
            spmkit.evaluate_batch(
                RS, {"bumil_k4": np.ones((2, 2)), "sasaran_bumil": np.ones((2, 2))}
            )

    @pytest.mark.parametrize(
        "data",
        [
            # Regression: both raised OverflowError from the batch fallback (found here).
            {"bumil_k4": [10**399, 1], "sasaran_bumil": [3, 1000]},
            {"bumil_k4": np.array([1.7e308, 1.0]), "sasaran_bumil": np.array([1e-300, 10.0])},
            {"bumil_k4": [2**60, 1], "sasaran_bumil": [3, 1000]},
        ],
        ids=["int-beyond-float", "overflow-times-factor", "int-beyond-2**53"],
    )
    def test_overflowing_values_equal_scalar(self, data):
        """Values whose float overflows are evaluated exactly, as evaluate() does, row by row."""
        batch = spmkit.evaluate_batch(RS, data)["I.1"]
        for row in range(len(data["bumil_k4"])):
            scalar = spmkit.evaluate(RS, {k: v[row] for k, v in data.items()})["I.1"]
            assert bool(batch.met[row]) == scalar.met
            assert float(batch.value[row]) == scalar.value

    def test_numpy_arguments_not_mutated(self):
        """Arrays given are unchanged (including NaN positions)."""
        data = {
            "bumil_k4": np.array([950.0, np.nan, -0.0]),
            "sasaran_bumil": np.array([1000.0, 5, 0]),
        }
        before = copy.deepcopy(data)
        spmkit.evaluate_batch(RS, data)
        for name, column in data.items():
            np.testing.assert_array_equal(column, before[name])

    def test_dataframe_not_mutated(self):
        """A pandas DataFrame with nullable values is unchanged."""
        frame = pd.DataFrame(
            {"bumil_k4": pd.array([950, None, 3], dtype="Int64"), "sasaran_bumil": [1000, 1000, 0]}
        )
        before = frame.copy(deep=True)
        result = spmkit.evaluate_batch(RS, frame)
        pd.testing.assert_frame_equal(frame, before)
        assert [str(s) for s in result["I.1"].status] == ["met", "no_data", "undefined"]


class TestCsvRows:
    """The command line on a CSV with hostile cells: bad rows reported, good rows kept."""

    def test_bad_cells_lose_only_their_rows(self, tmp_path, capsys):
        """NaN, inf, negative and text cells refuse their own rows; row 2 still evaluates."""
        path = tmp_path / "data.csv"
        path.write_text(
            "region,bumil_k4,sasaran_bumil\nA,950,1000\nB,inf,1000\nC,-5,1000\nD,sembilan,1000\n",
            encoding="utf-8",
        )
        status = main(
            ["evaluate", "kulon-progo-2011", str(path), "--format", "json", "--lang", "en"]
        )
        out, _ = capsys.readouterr()
        assert status == 3  # rows refused (docs/cli.md: exit status)
        rows = {row["row"]: row for row in json.loads(out)["rows"]}
        assert rows[2]["region"] == "A"
        assert rows[2]["problems"] == []
        assert next(r for r in rows[2]["results"] if r["indicator"] == "I.1")["status"] == "met"
        assert "'inf' is not a number" in rows[3]["problems"][0]
        assert "(got -5)" in rows[4]["problems"][0]
        assert "'sembilan' is not a number" in rows[5]["problems"][0]


@pytest.mark.slow
def test_xlsx_that_understates_its_dimension_is_refused_streaming(tmp_path):
    """A sheet declaring A1:B2 but holding 200,001 rows is refused before the full load."""
    import re  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    openpyxl = pytest.importorskip("openpyxl")
    from spmkit._limits import MAX_SHEET_ROWS  # noqa: PLC0415

    honest = tmp_path / "honest.xlsx"
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("2011")
    sheet.append(["puskesmas", "bumil_k4", "sasaran_bumil"])
    for row in range(MAX_SHEET_ROWS):
        sheet.append([f"P{row}", 95, 100])
    workbook.save(honest)
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(honest) as source, zipfile.ZipFile(lying, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', data)
            target.writestr(item, data)
    rs = spmkit.load_rule_set("kulon-progo-2011")
    from spmkit._files.datafiles import read_data  # noqa: PLC0415

    # The streaming check's words (row N has cells), not the loaded sheet's: refused
    # before openpyxl builds the whole sheet in memory.
    with pytest.raises(spmkit.DataFileError, match=f"row {MAX_SHEET_ROWS + 1:,} has cells"):
        read_data(lying, rs)
