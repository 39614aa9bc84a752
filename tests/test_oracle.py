"""The consistency oracle: the same question through every door gives the same answer.

Random data (hypothesis) on four shipped rule sets — one with a yearly schedule (Siak),
the index with bands (indeks-spm-kesehatan), an overlay (kulon-progo-2011-overlay) and
Kulon Progo 2011 — asked through the API (scalar and batch), ``spmkit.render``, the
command line (JSON, CSV, xlsx, HTML, Markdown, the terminal table, explain), FHIR and the
HTTP service. Each answer is parsed back and compared with the scalar record: the verdict,
the shown value (its text, and that the number it shows decides every threshold like the
exact value), the target and milestone, the band and the verification levels. The bar is
0 disagreements; ``ORACLE_SIZE`` counts the comparisons made (issue 24, item 8).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import warnings
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._evaluation.shown import decides
from spmkit._numbers import number_text
from spmkit.cli import main
from spmkit.strategies import data_for

openpyxl = pytest.importorskip("openpyxl")

RULE_SETS = {
    # id: the year each row is judged in (a schedule needs one)
    "siak-renstra-2012-2016": 2013,
    "indeks-spm-kesehatan": 2022,
    "kulon-progo-2011-overlay": None,
    "kulon-progo-2011": None,
}
LANG = "id"
ORACLE_SIZE: Counter[str] = Counter()
"""Comparisons made, by path (read by test_the_oracle_is_not_empty and the closing note)."""


def _load(rule_set_id: str) -> spmkit.RuleSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        return spmkit.load_rule_set(rule_set_id)


def _parse_shown(text: str) -> Fraction:
    """A shown number in Indonesian notation (1.234,567) as an exact Fraction."""
    return Fraction(text.replace(".", "").replace(",", "."))


class Oracle:
    """The scalar records of one case, and the checks every other path must pass."""

    def __init__(self, rule_set_id: str, rows: list[dict[str, int]], year: int | None) -> None:
        self.rule_set_id = rule_set_id
        self.rule_set = _load(rule_set_id)
        self.year = year
        self.rows = rows
        self.reports = [spmkit.evaluate(self.rule_set, row, year=year) for row in rows]
        self.problems: list[str] = []

    def record(self, row: int, indicator_id: str) -> spmkit.IndicatorResult:
        return self.reports[row][indicator_id]

    def same(self, path: str, row: int, indicator_id: str, field: str, got: Any, want: Any) -> None:
        ORACLE_SIZE[path] += 1
        if got != want:
            self.problems.append(f"{path} row {row} {indicator_id} {field}: {got!r} != {want!r}")

    def holds(self, path: str, row: int, indicator_id: str, what: str, condition: bool) -> None:
        """A property of the answer that must hold (the shown text is in its line...)."""
        self.same(path, row, indicator_id, what, got=condition, want=True)

    def shown(self, path: str, row: int, indicator_id: str, text: str | None) -> None:
        """The shown text is the record's, and the number it shows decides like the exact."""
        record = self.record(row, indicator_id)
        want = record.shown_value_in(LANG)
        self.same(path, row, indicator_id, "shown_value", text, want)
        if text and record.exact_value is not None:
            number = _parse_shown(text)
            for op, bound in record.thresholds:
                self.same(
                    path,
                    row,
                    indicator_id,
                    f"decides {op} {bound}",
                    decides(op, number, bound),
                    decides(op, record.exact_value, bound),
                )

    def fields(self, path: str, row: int, indicator_id: str, got: dict[str, Any]) -> None:
        """A JSON-like result: status, shown value, target, milestone, band, levels."""
        record = self.record(row, indicator_id)
        self.same(path, row, indicator_id, "status", got["status"], record.status.value)
        if "shown_value" in got:
            self.shown(path, row, indicator_id, got["shown_value"])
        target = got.get("target")
        if isinstance(target, dict):
            self.same(path, row, indicator_id, "target op", target["op"], record.target.op)
            self.same(
                path,
                row,
                indicator_id,
                "target value",
                Fraction(str(target["value"])),
                record.target.value,
            )
        if "milestone" in got:
            want = None if record.milestone is None else float(record.milestone)
            have = got["milestone"]
            self.same(
                path, row, indicator_id, "milestone", None if have is None else float(have), want
            )
        if "band" in got:
            self.same(path, row, indicator_id, "band", got["band"], record.band)
        if "provenance" in got:
            levels = {k: v["verification"] for k, v in got["provenance"].items()}
            want_levels = {k: s.verification.value for k, s in record.provenance.items()}
            self.same(path, row, indicator_id, "provenance", levels, want_levels)

    def csv_file(self, folder: Path) -> Path:
        names = list(self.rule_set.inputs)
        lines = [",".join(["wilayah", *(["tahun"] if self.year else []), *names])]
        for index, row in enumerate(self.rows):
            year = [str(self.year)] if self.year else []
            cells = ["" if row.get(n) is None else str(row[n]) for n in names]
            lines.append(",".join([f"R{index}", *year, *cells]))
        path = folder / "data.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def _cli(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main(list(argv))
    assert status in {0, 1, 3}, (argv, status)
    return out.getvalue()


def _judged(oracle: Oracle, row: int) -> list[str]:
    return [i for i, r in oracle.reports[row].items() if r.exact_value is not None]


def ask_every_path(oracle: Oracle, folder: Path, client: Any) -> None:  # noqa: PLR0915 - one question, every door
    """Ask the case through every path and compare each answer with the scalar records."""
    rs_id, year = oracle.rule_set_id, oracle.year
    # API batch: each row's record from the arrays.
    columns = {n: [row.get(n) for row in oracle.rows] for n in oracle.rule_set.inputs}
    batch = spmkit.evaluate_batch(oracle.rule_set, columns, year=year)
    for row in range(len(oracle.rows)):
        for indicator_id in oracle.rule_set.indicators:
            got = batch.result(row, indicator_id)
            oracle.fields("api batch", row, indicator_id, got.to_dict())
    # render (library), JSON.
    for row, report in enumerate(oracle.reports):
        rendered = json.loads(spmkit.render(report, "json", lang=LANG))
        for result in rendered["rows"][0]["results"]:
            oracle.fields("render json", row, result["indicator"], result)
    data = oracle.csv_file(folder)
    # CLI JSON.
    answer = json.loads(_cli("evaluate", rs_id, str(data), "--format", "json", "--lang", LANG))
    for row, out in enumerate(r for r in answer["rows"] if r["kind"] == "region"):
        for result in out["results"]:
            oracle.fields("cli json", row, result["indicator"], result)
    # CLI CSV.
    text = _cli("evaluate", rs_id, str(data), "--format", "csv", "--lang", LANG)
    for line in csv.DictReader(io.StringIO(text)):
        row = int(line["row"]) - 2
        indicator_id = line["indicator"]
        oracle.same(
            "cli csv",
            row,
            indicator_id,
            "status",
            line["status"],
            oracle.record(row, indicator_id).status.value,
        )
        oracle.shown("cli csv", row, indicator_id, line["shown_value"] or None)
        oracle.same(
            "cli csv",
            row,
            indicator_id,
            "band",
            line["band"] or None,
            oracle.record(row, indicator_id).band,
        )
    # CLI xlsx: the exact number, displayed with the decimals that decide.
    book_path = folder / "out.xlsx"
    book_path.unlink(missing_ok=True)
    _cli("evaluate", rs_id, str(data), "-o", str(book_path), "--lang", LANG)
    sheet = openpyxl.load_workbook(book_path).worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    found_xlsx = 0
    for cells in sheet.iter_rows(min_row=2):
        by_name = dict(zip(header, cells, strict=False))
        indicator = by_name.get("Indikator") or by_name.get("Indicator")
        region = by_name.get("Wilayah") or by_name.get("Region")
        if indicator is None or region is None or not str(region.value or "").startswith("R"):
            continue
        row, indicator_id = int(str(region.value)[1:]), str(indicator.value)
        record = oracle.record(row, indicator_id)
        value = by_name.get("Capaian") or by_name.get("Achievement")
        if value is None or record.exact_value is None:
            continue
        found_xlsx += 1
        # The stored number is the value (openpyxl writes 16-17 digits); what Excel
        # displays, at the cell's decimals, is the record's shown text.
        decimals = len(value.number_format.partition(".")[2].rstrip("%"))
        displayed = number_text(Fraction(value.value), LANG, decimals)
        oracle.holds(
            "cli xlsx",
            row,
            indicator_id,
            "stored value",
            abs(value.value - record.value) <= 1e-12 * max(1.0, abs(record.value)),
        )
        oracle.same(
            "cli xlsx", row, indicator_id, "displayed", displayed, record.shown_value_in(LANG)
        )
        oracle.same(
            "cli xlsx", row, indicator_id, "displayed decimals", decimals, record.shown_decimals
        )
    # The text formats: each judged indicator's line carries its record's shown text.
    for fmt in ("table", "markdown"):
        text = _cli("evaluate", rs_id, str(data), "--format", fmt, "--lang", LANG)
        for row in range(len(oracle.rows)):
            section = text.split(f"R{row} ")[1] if f"R{row} " in text else text
            for indicator_id in _judged(oracle, row):
                shown = oracle.record(row, indicator_id).shown_value_in(LANG)
                lines = [
                    ln
                    for ln in section.splitlines()
                    if re.match(rf"\W*{re.escape(indicator_id)}\W", ln)
                ]
                oracle.holds(
                    f"cli {fmt}",
                    row,
                    indicator_id,
                    "shown in its line",
                    bool(lines) and shown in lines[0],
                )
    html_path = folder / "out.html"
    html_path.unlink(missing_ok=True)
    _cli("evaluate", rs_id, str(data), "-o", str(html_path), "--lang", LANG)
    page = html_path.read_text(encoding="utf-8")
    for row in range(len(oracle.rows)):
        for indicator_id in _judged(oracle, row):
            shown = oracle.record(row, indicator_id).shown_value_in(LANG)
            oracle.holds("cli html", row, indicator_id, "shown on the page", shown in page)
    # explain: the first judged indicator of the first row.
    judged = _judged(oracle, 0)
    if judged:
        indicator_id = judged[0]
        text = _cli("explain", rs_id, str(data), indicator_id, "--region", "R0", "--lang", LANG)
        shown = oracle.record(0, indicator_id).shown_value_in(LANG)
        oracle.holds(
            "cli explain",
            0,
            indicator_id,
            "shown in the explanation",
            f"{shown} %" in text or f"= {shown}" in text,
        )
    # FHIR: status and shown text per group.
    for row, report in enumerate(oracle.reports):
        measure = spmkit.to_fhir(oracle.rule_set, report, year=year or 2011)
        for group in measure["group"]:
            indicator_id = group["code"]["coding"][0]["code"]
            ext = {e["url"].rsplit(":", 1)[1]: e for e in group.get("extension", [])}
            oracle.same(
                "fhir",
                row,
                indicator_id,
                "status",
                ext["status"]["valueCode"],
                oracle.record(row, indicator_id).status.value,
            )
            if "shown" in ext:
                oracle.shown("fhir", row, indicator_id, ext["shown"]["valueString"])
    # HTTP: the service's evaluate.
    for row, values in enumerate(oracle.rows):
        body = {"data": values, "year": year}
        response = client.post(f"/rule-sets/{rs_id}/evaluate", json=body)
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            oracle.fields("http", row, result["indicator"], result)


@pytest.fixture(scope="module")
def client() -> Any:
    testclient = pytest.importorskip("fastapi.testclient")
    from spmkit._interop.service import create_app  # noqa: PLC0415 - the serve extra

    return testclient.TestClient(create_app())


def _cases() -> st.SearchStrategy[tuple[str, list[dict[str, int]]]]:
    def rows_for(rule_set_id: str) -> st.SearchStrategy[tuple[str, list[dict[str, int]]]]:
        data = data_for(_load(rule_set_id), max_value=200_000)
        return st.tuples(st.just(rule_set_id), st.lists(data, min_size=1, max_size=2))

    return st.sampled_from(sorted(RULE_SETS)).flatmap(rows_for)


@pytest.mark.slow
@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(case=_cases())
@example(case=("kulon-progo-2011", [{"bumil_k4": 94996, "sasaran_bumil": 100000}]))
@example(case=("siak-renstra-2012-2016", [{"bumil_k4": 970, "sasaran_bumil": 1000}]))
def test_every_door_gives_the_same_answer(case, tmp_path_factory, client):
    rule_set_id, rows = case
    oracle = Oracle(rule_set_id, rows, RULE_SETS[rule_set_id])
    ask_every_path(oracle, tmp_path_factory.mktemp("oracle"), client)
    assert oracle.problems == []


@pytest.mark.slow
def test_the_index_row_near_a_band_edge(tmp_path, client):
    """IP.1 = 89.99999 next to the band edge 90 is shown 89,99999, beside its band, everywhere."""
    data = {
        "bumil_standar": 8999999,
        "sasaran_bumil": 10000000,
        "mutu_1_barang_terpenuhi": 8999999,
        "mutu_1_sdm_terpenuhi": 0,
        "mutu_1_barang_dibutuhkan": 10000000,
        "mutu_1_sdm_dibutuhkan": 0,
    }
    oracle = Oracle("indeks-spm-kesehatan", [data], 2022)
    record = oracle.record(0, "IP.1")
    assert record.exact_value == Fraction(8999999, 100000)
    assert (record.shown_value, record.band) == ("89,99999", "Tuntas Madya")
    ask_every_path(oracle, tmp_path, client)
    assert oracle.problems == []


def test_the_oracle_is_not_empty():
    """A smoke check that the oracle compares something (its own counter works)."""
    oracle = Oracle("kulon-progo-2011", [{"bumil_k4": 94996, "sasaran_bumil": 100000}], None)
    oracle.fields("self", 0, "I.1", oracle.record(0, "I.1").to_dict())
    assert oracle.problems == []
    assert ORACLE_SIZE["self"] > 5
    oracle.fields("self", 0, "I.1", {**oracle.record(0, "I.1").to_dict(), "status": "met"})
    assert oracle.problems == ["self row 0 I.1 status: 'met' != 'not_met'"]
