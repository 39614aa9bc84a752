"""One record, one presenter: every format shows what the record decides.

The 94996/100000 row (94.996 % against >= 95 %) must never read 95,00 beside NOT MET;
the 89.99999 index must never read 90,00 beside Tuntas Madya. Batch rows give the same
record as a single evaluation, and ``spmkit.render`` renders every result type.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import warnings
from fractions import Fraction

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._files.present import CSV_FIELDS, record_fields
from spmkit.errors import UsageError

ROW = {"bumil_k4": 94996, "sasaran_bumil": 100000}
INDEX_ROW = {
    "bumil_standar": 8999999,
    "sasaran_bumil": 10000000,
    "mutu_1_barang_terpenuhi": 8999999,
    "mutu_1_sdm_terpenuhi": 0,
    "mutu_1_barang_dibutuhkan": 10000000,
    "mutu_1_sdm_dibutuhkan": 0,
}


def _load(rule_set_id):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spmkit.load_rule_set(rule_set_id)


@pytest.fixture(scope="module")
def report():
    return spmkit.evaluate(_load("kulon-progo-2011"), ROW)


def _line(text, start):
    return next(line for line in text.splitlines() if line.lstrip("| ").startswith(start))


class TestThe94996Row:
    def test_terminal_in_indonesian_and_english(self, report):
        indonesian = _line(spmkit.render(report, "table", lang="id"), "I.1 ")
        english = _line(spmkit.render(report, "table", lang="en"), "I.1 ")
        assert "94,996 %" in indonesian
        assert "TIDAK TERCAPAI" in indonesian
        assert "0,004" in indonesian
        assert "95,00" not in indonesian
        assert "94.996 %" in english
        assert "NOT MET" in english
        assert "0.004" in english

    def test_explanation_uses_the_shown_value(self, report):
        result = report["I.1"]
        assert "= 94.996 %; target >= 95 % by 2015: not met, gap 0.004" in result.explanation
        assert "= 94,996 %; target >= 95 % tahun 2015: tidak tercapai, selisih 0,004" in (
            result.explanation_id
        )

    def test_markdown_and_html(self, report):
        markdown = _line(spmkit.render(report, "markdown", lang="id"), "I.1 ")
        assert "| 94,996 % | >= 95 % |" in markdown
        html = spmkit.render(report, "html", lang="id")
        assert '<td class="num">94,996 %</td>' in html
        assert '<td class="num">0,004</td>' in html

    def test_json_carries_the_record_with_integer_counts(self, report):
        document = json.loads(spmkit.render(report, "json", lang="id"))
        first = document["rows"][0]["results"][0]
        assert first["shown_value"] == "94,996"
        assert first["shown_gap"] == "0,004"
        assert first["shown_decimals"] == 3
        assert first["numerator"] == 94996
        assert isinstance(first["numerator"], int)
        assert first["denominator"] == 100000
        assert first["value"] == 94.996
        assert first["target"] == {"op": ">=", "value": 95}
        assert first["met"] is False
        assert first["small_denominator"] is False
        assert first["interval"][0] < 94.996 < first["interval"][1]
        assert first["provenance"]["target"]["verification"] == "primary"
        assert set(first) >= {"band", "milestone", "progress", "interval", "provenance"}
        assert record_fields(report["I.1"], "id") == {
            key: first[key] for key in record_fields(report["I.1"], "id")
        }

    def test_csv_carries_the_record(self, report):
        rows = list(csv.DictReader(io.StringIO(spmkit.render(report, "csv", lang="en"))))
        first = rows[0]
        assert set(CSV_FIELDS) <= set(first)
        assert first["shown_value"] == "94.996"
        assert first["numerator"] == "94996"
        assert first["denominator"] == "100000"
        assert first["met"] == "false"
        assert first["verification"].startswith("target:primary")

    def test_xlsx_displays_three_decimals(self, report):
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.load_workbook(io.BytesIO(spmkit.render(report, "xlsx", lang="id")))
        sheet = book["Hasil"]
        header = [cell.value for cell in sheet[1]]
        row = list(sheet[2])
        value = row[header.index("Capaian")]
        assert value.value == 94.996
        assert value.number_format == "0.000"
        assert row[header.index("Selisih")].number_format == "0.000"
        assert row[header.index("Nilai tampil")].value == "94,996"
        assert row[header.index("Pembilang")].value == 94996
        wide = book["Ringkas"]
        assert wide.cell(2, 4).number_format == "0.000"


class TestTheIndexBesideItsBandEdge:
    def test_shown_as_89_99999_beside_tuntas_madya(self):
        report = spmkit.evaluate(_load("indeks-spm-kesehatan"), INDEX_ROW)
        line = _line(spmkit.render(report, "table", lang="id"), "IP.1 ")
        assert "89,99999" in line
        assert "Tuntas Madya" in line
        assert "90,00" not in line

    def test_the_indonesian_index_explanation_reads_value_times_weight(self):
        result = spmkit.evaluate(_load("indeks-spm-kesehatan"), INDEX_ROW)["IP.1"]
        text = result.explanation_id
        assert "= 89,99999 x 0,8 = 71,999992" in text
        assert "indeks = 89,99999." in text
        assert "sum(" not in text
        assert "Kategori: Tuntas Madya" in text
        assert "= 89.99999 x 0.8 = 71.999992" in result.explanation


class TestRenderReadsTheRecord:
    def test_an_edited_rule_set_with_a_shipped_id_is_not_reloaded(self):
        shipped = _load("kulon-progo-2011")
        indicator = attrs.evolve(
            shipped.indicators["I.1"],
            target=attrs.evolve(shipped.indicators["I.1"].target, value=Fraction(90)),
        )
        edited = attrs.evolve(shipped, indicators={**shipped.indicators, "I.1": indicator})
        report = spmkit.evaluate(edited, {"bumil_k4": 92, "sasaran_bumil": 100})
        line = _line(spmkit.render(report, "table", lang="id"), "I.1 ")
        assert ">= 90 %" in line
        assert "tercapai" in line

    def test_every_result_type_renders_or_names_the_formats(self):
        comparison = spmkit.compare([_load("kulon-progo-2011"), _load("kulon-progo-2011")], ROW)
        document = json.loads(spmkit.render(comparison, "json"))
        assert document == comparison.to_dict()
        assert spmkit.render(comparison, "table").strip()
        with pytest.raises(UsageError, match="json, table"):
            spmkit.render(comparison, "xlsx")
        with pytest.raises(UsageError, match="Report, BatchResult"):
            spmkit.render(object(), "json")

    def test_a_report_built_by_hand_needs_its_rule_set(self, report):
        bare = spmkit.Report(rule_set_id=report.rule_set_id, results=report.results)
        with pytest.raises(UsageError, match="rule_set="):
            spmkit.render(bare, "table")
        assert "94,996" in spmkit.render(bare, "table", rule_set=report.rule_set, lang="id")


COUNTS = st.integers(min_value=0, max_value=2000) | st.none()


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule_set_id=st.sampled_from(["kulon-progo-2011", "permenkes-6-2024", "siak-renstra-2012-2016"]),
    rows=st.lists(st.tuples(COUNTS, COUNTS), min_size=1, max_size=4),
    year=st.sampled_from([None, 2013, 2016]),
)
def test_a_batch_row_yields_the_scalar_record(rule_set_id, rows, year):
    rule_set = _load(rule_set_id)
    names = list(rule_set.inputs)
    columns = {name: [pair[i % 2] for pair in rows] for i, name in enumerate(names)}
    batch = spmkit.evaluate_batch(rule_set, columns, year=year)
    for row in range(len(rows)):
        data = {name: values[row] for name, values in columns.items() if values[row] is not None}
        scalar = spmkit.evaluate(rule_set, data, year=year)
        for indicator_id, expected in scalar.items():
            got = batch.result(row, indicator_id)
            assert got == attrs.evolve(expected, missing_inputs=())
            assert got.shown_value == expected.shown_value
            assert got.shown_gap == expected.shown_gap
            assert got.provenance == expected.provenance
            assert got.band == expected.band


def test_the_trends_page_has_a_legend_and_the_axis_unit():
    pytest.importorskip("matplotlib")
    from spmkit._files.trends import trends_html  # noqa: PLC0415 - the plot extra

    table = {"tahun": [2011, 2012], "bumil_k4": [94996, 960], "sasaran_bumil": [100000, 1000]}
    page = trends_html(_load("kulon-progo-2011"), table, year="tahun", lang="id")
    assert "Capaian (%)" in page
    for words in ("capaian", "target akhir", "tonggak tahun itu", "batas waktu", "tercapai"):
        assert words in page
    assert "94,996" in page  # the record's shown value: never 95,00 beside the target


EDGE_COUNTS = st.sampled_from([None, 0, 1, 3, 29, 30, 57, 94, 95, 949, 950, 951, 94996, 100000])


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule_set_id=st.sampled_from(["kulon-progo-2011", "permenkes-6-2024", "indeks-spm-kesehatan"]),
    rows=st.lists(st.tuples(EDGE_COUNTS, EDGE_COUNTS), min_size=1, max_size=6),
    lang=st.sampled_from(["id", "en"]),
)
def test_csv_from_the_arrays_is_the_records_csv(rule_set_id, rows, lang):
    """The CSV written from a batch's arrays at once is, byte for byte, its records' CSV."""
    from spmkit._files.present import csv_cells  # noqa: PLC0415 - the record path itself

    rule_set = _load(rule_set_id)
    names = list(rule_set.inputs)
    columns = {name: [pair[i % 2] for pair in rows] for i, name in enumerate(names)}
    batch = spmkit.evaluate_batch(rule_set, columns)
    fast = spmkit.render(batch, "csv", lang=lang).splitlines()[1:]
    by_record = [
        list(map(str, [row + 1, "", "", *csv_cells(batch.result(row, iid), lang), ""]))
        for row in range(len(rows))
        for iid in rule_set.indicators
    ]
    assert [next(csv.reader([line])) for line in fast] == by_record


def test_the_usual_row_is_written_from_the_arrays_and_a_near_miss_from_its_record():
    from spmkit._files.present import batch_csv_cells  # noqa: PLC0415

    batch = spmkit.evaluate_batch(
        _load("kulon-progo-2011"), {"bumil_k4": [900, 94996], "sasaran_bumil": [1000, 100000]}
    )
    usual, near = batch_csv_cells(batch, [0, 1], "id")
    assert usual is not None
    assert usual[0][:5] == ["I.1", "not_met", "false", "90.0", "90,00"]
    assert near is None  # 94.996 is within 0.01 of the target: its record decides


@pytest.fixture(params=["polars", "no polars"])
def polars_or_not(request, monkeypatch):
    """The column formatter with polars (where installed) and without it."""
    from spmkit._files import present  # noqa: PLC0415

    if request.param == "polars":
        pytest.importorskip("polars")
    else:
        monkeypatch.setitem(sys.modules, "polars", None)  # import polars raises ImportError
    present._polars.cache_clear()
    yield request.param
    present._polars.cache_clear()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_float_texts_are_repr(values):
    """Every float, tiny, huge, negative zero or infinite, is written as ``repr`` writes it."""
    import numpy as np  # noqa: PLC0415

    from spmkit._files import present  # noqa: PLC0415

    array = np.array(values, dtype=np.float64)
    mask = ~np.isnan(array)
    for use in (True, False):
        present._polars.cache_clear()
        if not use:
            sys.modules["polars"] = None  # type: ignore[assignment]
        try:
            texts = present.float_texts(array, mask, np)
        finally:
            if not use:
                del sys.modules["polars"]
            present._polars.cache_clear()
        assert texts == [repr(v) if v == v else "" for v in values]  # noqa: PLR0124 - NaN


SCALED_COUNTS = st.integers(min_value=0, max_value=10**9) | st.none()


@pytest.mark.usefixtures("polars_or_not")
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rule_set_id=st.sampled_from(["kulon-progo-2011", "permenkes-6-2024", "siak-renstra-2012-2016"]),
    rows=st.lists(st.tuples(SCALED_COUNTS | EDGE_COUNTS, EDGE_COUNTS), min_size=1, max_size=8),
    lang=st.sampled_from(["id", "en"]),
)
def test_csv_lines_from_the_columns_are_the_cells_csv(rule_set_id, rows, lang):
    """The lines formatted a column at a time are what csv writes for the records' cells."""
    from spmkit._files.present import batch_csv_lines, csv_cells  # noqa: PLC0415

    rule_set = _load(rule_set_id)
    names = list(rule_set.inputs)
    columns = {name: [pair[i % 2] for pair in rows] for i, name in enumerate(names)}
    batch = spmkit.evaluate_batch(rule_set, columns)
    leads = [f'{row + 2},"R,{row}",,' for row in range(len(rows))]
    lines = batch_csv_lines(batch, range(len(rows)), leads, lang, batch.result)
    for row in range(len(rows)):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(
            [row + 2, f"R,{row}", "", *csv_cells(batch.result(row, iid), lang), ""] for iid in batch
        )
        assert lines[row] == buffer.getvalue()
