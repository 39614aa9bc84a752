"""The attack catalogue of issue 30 (hostile inputs, part three): one case per finding.

Each ``test_finding_N_*`` rebuilds finding N's small reproduction and asserts the error
class (an :class:`~spmkit.SpmkitError`), a fragment of its message, the command line's
exit status (2 for an unusable file, 3 for refused rows, never 70), and where the finding
was a hang or a memory blow-up, a bound on time and on Python memory (``bounded``: a
generous hang detector, not a speed assertion). Every case failed on main before the fix.
Limits are tested at their value and just over it. Findings 7, 12 and 14 (the service,
the HTML report's cost) belong to other branches; 6 and 24 are cases here, fixed by the
one table reader and the one writer.
"""

from __future__ import annotations

import json
import re
import threading
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import spmkit
from spmkit._files.bounded import load_json
from spmkit._files.datafiles import read_data
from spmkit._interop.ruletests import load_rule_tests
from spmkit._limits import (
    MAX_CELL_TEXT,
    MAX_SHARED_STRINGS,
    MAX_SHEET_CELLS,
    MAX_VALUE_BITS,
)
from spmkit._rulesets.units import MAX_UNIT_EXPONENT, MAX_UNIT_SCALE_DIGITS, parse_unit, quantity
from spmkit.cli import main
from spmkit.errors import (
    DataFileError,
    DataInvalid,
    RuleSetInvalid,
    RuleTestError,
    SpmkitError,
    UnknownUnitError,
    UsageError,
    format_errors,
)

warnings.simplefilter("ignore", spmkit.SpmkitWarning)

RS = spmkit.load_rule_set("kulon-progo-2011")
SMALL = (Path(__file__).parents[1] / "data" / "invalid" / "unknown_input.yaml").read_text(
    encoding="utf-8"
)
SMALL = SMALL.split("\n", 1)[1].replace("bumil_k5", "bumil_k4")
"""A valid one-indicator rule file (I.1 = bumil_k4 / sasaran_bumil x 100, target >= 95)."""
ONE = spmkit.loads_rule_set(SMALL)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line; return its exit status, stdout and stderr (never a traceback)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert status != 70, err
    return status, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return str(path)


def refused(call: Callable[[], object], kind: type[SpmkitError], fragment: str) -> SpmkitError:
    """Run ``call``; it must raise ``kind`` whose message contains ``fragment``."""
    with pytest.raises(kind) as caught:
        call()
    text = "\n".join(format_errors(caught.value))
    assert fragment in text, text
    return caught.value


def bounded(call: Callable[[], object], *, seconds: float, megabytes: float) -> object:
    """Run ``call`` in a thread: it must end within ``seconds`` and peak under ``megabytes``.

    A hang detector (the findings took minutes and gigabytes), not a speed assertion: the
    bounds are ten times or more what the fixed code needs on a loaded 2-core machine.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc

    tracemalloc.start()
    try:
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(seconds)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not thread.is_alive(), f"still running after {seconds} s"
    assert peak < megabytes * 2**20, f"peak {peak / 2**20:.0f} MB"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _chain(links: int, unit: str = "person", factor: int = 100) -> str:
    """``@S.k = @S.(k-1) * @S.(k-1)``: each link squares the value (and its unit)."""
    head = SMALL.split("indicators:")[0].replace("unit: person", f"unit: {unit}")
    text = head + "indicators:\n"
    for k in range(links + 1):
        numerator = "bumil_k4" if k == 0 else f'"@S.{k - 1} * @S.{k - 1}"'
        denominator = "sasaran_bumil" if k == 0 else "1"
        text += (
            f"  S.{k}:\n    service_type: I\n    name: s{k}\n    numerator: {numerator}\n"
            f"    denominator: {denominator}\n    factor: {factor if k == 0 else 1}\n"
            '    target: {op: ">=", value: 95}\n    deadline: 2015\n    source: s\n'
        )
    return text


# --- 1-7. Silently wrong ---------------------------------------------------------------


def test_finding_1_series_with_different_indexes_are_refused() -> None:
    """Two Series indexed by region in different orders: refused, naming both columns."""
    pd = pytest.importorskip("pandas")
    k4 = pd.Series([90, 10], index=["Wates", "Sentolo"])
    bumil = pd.Series([100, 100], index=["Sentolo", "Wates"])
    refused(
        lambda: spmkit.evaluate_batch(ONE, {"bumil_k4": k4, "sasaran_bumil": bumil}),
        DataInvalid,
        "its index labels differ from those of 'bumil_k4'",
    )
    aligned = bumil.reindex(k4.index)
    result = spmkit.evaluate_batch(ONE, {"bumil_k4": k4, "sasaran_bumil": aligned})
    assert result["I.1"].value.tolist() == [90.0, 10.0]
    frame = pd.DataFrame({"bumil_k4": k4, "sasaran_bumil": bumil})  # pandas aligns these
    assert spmkit.evaluate_batch(ONE, frame)["I.1"].value.tolist() == [10.0, 90.0]


BIG = 2**53 + 1


def test_finding_2_nullable_int64_with_a_missing_value_is_read_exactly() -> None:
    """95 * BIG / (100 * BIG + 1) is just under 95 %: batch must agree with scalar (not met)."""
    pd = pytest.importorskip("pandas")
    scalar = spmkit.evaluate(ONE, {"bumil_k4": 95 * BIG, "sasaran_bumil": 100 * BIG + 1})
    assert scalar["I.1"].met is False
    columns = {
        "bumil_k4": pd.Series([95 * BIG, None], dtype="Int64"),
        "sasaran_bumil": pd.Series([100 * BIG + 1, 5], dtype="Int64"),
    }
    batch = spmkit.evaluate_batch(ONE, columns)["I.1"]
    assert batch.met.tolist() == [False, False]
    assert batch.status.tolist() == ["not_met", "no_data"]
    small = {"bumil_k4": pd.Series([95, None], dtype="Int64"), "sasaran_bumil": [100, 5]}
    assert spmkit.evaluate_batch(ONE, small)["I.1"].met.tolist() == [True, False]


def test_finding_2_polars_int64_with_a_null_is_read_exactly() -> None:
    pl = pytest.importorskip("polars")
    columns = {
        "bumil_k4": pl.Series([95 * BIG, None], dtype=pl.Int64),
        "sasaran_bumil": pl.Series([100 * BIG + 1, 5], dtype=pl.Int64),
    }
    assert spmkit.evaluate_batch(ONE, columns)["I.1"].met.tolist() == [False, False]


def test_finding_3_structured_arrays_are_refused_by_both() -> None:
    """A 1-field structured array: scalar refuses its np.void, and now batch too."""
    values = np.array([(95,), (90,)], dtype=[("v", "i8")])
    refused(
        lambda: spmkit.evaluate(ONE, {"bumil_k4": values[0], "sasaran_bumil": 100}),
        DataInvalid,
        "input 'bumil_k4'",
    )
    refused(
        lambda: spmkit.evaluate_batch(ONE, {"bumil_k4": values, "sasaran_bumil": [100, 100]}),
        DataInvalid,
        "structured array",
    )
    fields = {"bumil_k4": values["v"], "sasaran_bumil": [100, 100]}
    assert spmkit.evaluate_batch(ONE, fields)["I.1"].value.tolist() == [95.0, 90.0]


def test_finding_3_lists_of_quantities_convert_as_in_scalar() -> None:
    """A list of pint quantities: batch converts each as scalar does (1 m**3/day = 1000 L/day)."""
    pint = pytest.importorskip("pint")
    ureg = pint.UnitRegistry()
    water = spmkit.loads_rule_set(SMALL.replace("unit: person", "unit: L / day"))
    rows = [(ureg.Quantity(1, "m**3/day"), 1000), (ureg.Quantity(3, "L/hour"), 100), (None, 1)]
    scalar = [
        spmkit.evaluate(water, {"bumil_k4": a, "sasaran_bumil": b})["I.1"].value for a, b in rows
    ]
    columns = {"bumil_k4": [a for a, _ in rows], "sasaran_bumil": [b for _, b in rows]}
    batch = spmkit.evaluate_batch(water, columns)["I.1"].value.tolist()
    assert scalar == [100.0, 72.0, None]
    assert batch[:2] == [100.0, 72.0]
    assert np.isnan(batch[2])
    mixed = {"bumil_k4": [quantity(1, "person")], "sasaran_bumil": [1]}
    refused(lambda: spmkit.evaluate_batch(water, mixed), DataInvalid, "does not convert")


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        ("1e-400", "line 2: a number of 401 digits"),
        ("1e-401", "line 2: a number with exponent -401"),
        ("1e400", "line 2: a number of 401 digits"),
        ("NaN", "line 2: NaN is not a JSON number"),
        ("Infinity", "line 2: Infinity is not a JSON number"),
        ("-Infinity", "line 2: -Infinity is not a JSON number"),
        ("2e-324", "line 2: the number 2e-324 is too small"),
        ("1e-399", "line 2: the number 1e-399 is too small"),
        ("1.8e308", "line 2: the number 1.8e308 is too large"),
    ],
)
def test_finding_4_json_numbers_that_float_cannot_hold(capsys, tmp_path, token, fragment) -> None:
    """1e-400 silently became 0.0 and NaN "missing": now a located DataFileError, exit 2."""
    path = write(tmp_path / "d.json", f'{{"sasaran_bumil": 100,\n "bumil_k4": {token}}}')
    refused(lambda: read_data(path, RS), DataFileError, fragment)
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", path, "--lang", "en")
    assert (status, fragment in err) == (2, True)


def test_finding_4_json_numbers_at_the_limits_are_read() -> None:
    """The smallest and largest floats, and 1e-399 (exact), are read, not refused."""
    for token, expected in [("4.9e-324", 5e-324), ("1.7e308", 1.7e308), ("0.0", 0.0)]:
        loaded = json.loads(token)  # the reference
        assert loaded == expected
    for token in ("4.9e-324", "2.5e-324", "1.7e308", "0e-5", "1e-300"):
        assert load_json(Path("d.json"), f'{{"a": {token}}}'.encode()) == {"a": float(token)}


def _installed(site: Path, name: str, rule_text: str) -> None:
    """An installed distribution registering one rule file under 'spmkit.rule_sets'."""
    module = name.replace("-", "_")
    package = site / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / f"{name}.yaml").write_text(rule_text, encoding="utf-8")
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[spmkit.rule_sets]\n{module} = {module}\n")


@pytest.mark.parametrize(
    ("file_name", "claimed", "fragment"),
    [
        ("innocent-name", "kulon-progo-2011", "the id of the shipped rule file"),
        ("innocent-other", "other-name", "not its file name 'innocent-other'"),
    ],
)
def test_finding_5_installed_file_cannot_take_another_id(
    monkeypatch, tmp_path, file_name, claimed, fragment
) -> None:
    """innocent-name.yaml saying 'id: kulon-progo-2011' is refused, naming both files."""
    text = SMALL.replace("id: contoh", f"id: {claimed}").replace("value: 95", "value: 1")
    _installed(tmp_path, file_name, text)
    monkeypatch.syspath_prepend(str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", spmkit.SpmkitWarning)
        error = refused(lambda: spmkit.load_rule_set(file_name), RuleSetInvalid, fragment)
        listed = [r.id for r in spmkit.list_rule_sets()]
    shown = [str(w.message) for w in caught if fragment in str(w.message)]
    assert shown, [str(w.message) for w in caught]
    assert f"{file_name}.yaml" in shown[0]
    if claimed == "kulon-progo-2011":
        assert "rules/kulon-progo-2011.yaml" in shown[0]
        assert "kulon-progo-2011.yaml" in str(error)
    assert listed.count("kulon-progo-2011") == 1
    assert claimed not in listed or claimed == "kulon-progo-2011"
    assert spmkit.load_rule_set("kulon-progo-2011").indicators["I.1"].target.value == 95


def test_finding_6_quarterly_with_two_rows_for_one_quarter(capsys, tmp_path) -> None:
    """Two rows labelled TW1 (the TW2 row mislabelled): refused, not the last one kept."""
    example = Path(__file__).parents[2] / "examples" / "spm-index-quarterly.csv"
    lines = example.read_text(encoding="utf-8").splitlines()
    doubled = [line.replace("TW2", "TW1") for line in lines]
    path = write(tmp_path / "q.csv", "\n".join(doubled) + "\n")
    status, _, err = cli(capsys, "quarterly", "indeks-spm-kesehatan", path, "--lang", "en")
    assert status == 3  # rows refused, each naming the other (issue 24, item 3)
    assert "TW1" in err


# --- 8-14. Work the input does not bound -----------------------------------------------


def test_finding_8_a_chain_of_squares_is_refused_at_load_by_its_unit() -> None:
    """In percent, each square squares the unit's scale: refused at S.5, at once."""
    error = bounded(
        lambda: refused(
            lambda: spmkit.loads_rule_set(_chain(26)),
            RuleSetInvalid,
            "indicator 'S.5': '@S.4 * @S.4' gives a unit with a scale of about 64 digits",
        ),
        seconds=30,
        megabytes=200,
    )
    assert isinstance(error, RuleSetInvalid)


def test_finding_8_a_chain_of_squares_is_stopped_while_evaluating(capsys, tmp_path) -> None:
    """Dimensionless: 3/7 squared 26 times took 46 s; now a DataInvalid naming S.11."""
    rule_set = spmkit.loads_rule_set(_chain(26, unit='"1"', factor=1))
    fragment = "a value of at most 4096 bits (about 1233 digits) at every step of indicator 'S.11'"
    data = {"bumil_k4": 3, "sasaran_bumil": 7}
    bounded(
        lambda: refused(lambda: spmkit.evaluate(rule_set, data), DataInvalid, fragment),
        seconds=30,
        megabytes=200,
    )
    columns = {"bumil_k4": np.array([3, 2**60]), "sasaran_bumil": [7, 7]}
    bounded(
        lambda: refused(lambda: spmkit.evaluate_batch(rule_set, columns), DataInvalid, fragment),
        seconds=60,
        megabytes=400,
    )
    rules = write(tmp_path / "chain.yaml", _chain(26, unit='"1"', factor=1))
    csv = write(tmp_path / "d.csv", "wilayah,bumil_k4,sasaran_bumil\nWates,3,7\n")
    status, _, err = cli(capsys, "evaluate", rules, csv, "--lang", "en")
    assert (status, "S.11" in err) == (2, True)


def test_finding_8_the_value_bound_at_and_over_its_limit() -> None:
    """x**4 of a 1,024-bit x: 2**4096 - ... fits in 4,096 bits, 2**4096 (4,097) does not."""
    text = SMALL.replace("unit: person", 'unit: "1"').replace(
        "numerator: bumil_k4", 'numerator: "bumil_k4 * bumil_k4 * bumil_k4 * bumil_k4"'
    )
    rule_set = spmkit.loads_rule_set(text.replace("factor: 100", "factor: 1"))
    at = spmkit.evaluate(rule_set, {"bumil_k4": 2**1024 - 1, "sasaran_bumil": 1})["I.1"]
    assert at.exact_value == (2**1024 - 1) ** 4
    assert 2**MAX_VALUE_BITS > (2**1024 - 1) ** 4
    assert "Fraction(" in repr(at)  # repr is safe at the limit (under 4,300 digits)
    assert str(at.value) == "inf"
    refused(
        lambda: spmkit.evaluate(rule_set, {"bumil_k4": 2**1024, "sasaran_bumil": 1}),
        DataInvalid,
        f"input '@I.1' must be a value of at most {MAX_VALUE_BITS} bits",
    )


def test_finding_8_repr_of_errors_quoting_huge_values() -> None:
    """repr() of a DataError quoting a 5,000-digit int raised ValueError (4,300-digit cap)."""
    error = spmkit.DataError("bumil_k4", 10**5000, "a count")
    assert repr(error) == "DataError('bumil_k4', 'a number of about 10^5000', 'a count', '')"
    assert "about 10^5000" in str(error)
    group = DataInvalid("bad", [error])
    assert "about 10^5000" in repr(group)
    assert "about 10^5000" in str(group)
    inside = spmkit.DataError("x", [10**5000], "a count")
    assert "<list value>" in repr(inside)


@pytest.mark.parametrize(
    ("unit", "fragment"),
    [
        ("10**10**10", "unexpected '**'"),
        ("2**1000000", f"a power must be a whole number from -{MAX_UNIT_EXPONENT}"),
        (f"m**{MAX_UNIT_EXPONENT + 1}", f"(got '{MAX_UNIT_EXPONENT + 1}')"),
        ("1" * (MAX_UNIT_SCALE_DIGITS + 1) + " person", "a scale of about 41 digits"),
    ],
)
def test_finding_9_unit_scales_are_bounded_at_load(unit, fragment) -> None:
    """unit: 10**10**10 (20 bytes) hung load_rule_set; now refused at once, located."""
    text = SMALL.replace("unit: person", f"unit: {unit!r}", 1)
    error = bounded(
        lambda: refused(lambda: spmkit.loads_rule_set(text), RuleSetInvalid, fragment),
        seconds=10,
        megabytes=50,
    )
    assert "$.inputs.bumil_k4.unit" in "\n".join(format_errors(error))  # type: ignore[arg-type]


def test_finding_9_unit_limits_are_inclusive() -> None:
    assert parse_unit(f"m**{MAX_UNIT_EXPONENT}").units == parse_unit("m").units ** 12
    scaled = parse_unit("1" * MAX_UNIT_SCALE_DIGITS + " person")
    assert scaled.scale == int("1" * MAX_UNIT_SCALE_DIGITS)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
    'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
    '"xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="'
    'worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _xlsx(path: Path, rows: bytes | str, strings: list[str] | bytes | None = None) -> str:
    """A minimal workbook written byte by byte (no openpyxl): one sheet, shared strings."""
    if strings is None:
        strings = ["wilayah", "bumil_k4", "sasaran_bumil", "Wates"]
    if isinstance(strings, list):
        items = "".join(f"<si><t>{s}</t></si>" for s in strings)
        strings = f'<sst xmlns="{_MAIN}">{items}</sst>'.encode()
    sheet = f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode()
    sheet += rows.encode() if isinstance(rows, str) else rows
    sheet += b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", strings)
    return str(path)


_HEADER_ROWS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="s"><v>2</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>95</v></c><c r="C2"><v>100</v></c>'
    "</row>"
)


@pytest.mark.parametrize(("length", "fine"), [(MAX_CELL_TEXT, True), (MAX_CELL_TEXT + 1, False)])
def test_finding_10_xlsx_cell_text_at_and_over_the_limit(tmp_path, length, fine) -> None:
    pytest.importorskip("openpyxl")
    names = ["wilayah", "bumil_k4", "sasaran_bumil", "W" * length]
    path = _xlsx(tmp_path / "w.xlsx", _HEADER_ROWS, names)
    if fine:
        assert read_data(path, ONE).rows[0].values["bumil_k4"] == 95
    else:
        refused(lambda: read_data(path, ONE), DataFileError, "more than 32,767 characters")


@pytest.mark.slow  # a shared string past the limit
def test_finding_10_a_huge_shared_string_is_refused_while_streaming(capsys, tmp_path) -> None:
    """150,000,000 characters in one string (148 KB zipped) took 188 s and 7.6 GB."""
    pytest.importorskip("openpyxl")
    strings = (
        (
            f'<sst xmlns="{_MAIN}"><si><t>wilayah</t></si><si><t>bumil_k4</t></si>'
            "<si><t>sasaran_bumil</t></si><si><t>"
        ).encode()
        + b"W" * 150_000_000
        + b"</t></si></sst>"
    )
    path = _xlsx(tmp_path / "bomb.xlsx", _HEADER_ROWS, strings)
    assert Path(path).stat().st_size < 300_000
    bounded(
        lambda: refused(lambda: read_data(path, ONE), DataFileError, "sharedStrings.xml"),
        seconds=60,
        megabytes=50,
    )
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", path, "--lang", "en")
    assert (status, "more than 32,767 characters" in err) == (2, True)


@pytest.mark.slow  # 1,000,001 shared strings
def test_finding_10_too_many_shared_strings(tmp_path) -> None:
    """3,000,000 shared strings took 79 s: one more than the limit is refused at once."""
    pytest.importorskip("openpyxl")
    items = b"<si><t>x</t></si>" * (MAX_SHARED_STRINGS + 1)
    strings = f'<sst xmlns="{_MAIN}">'.encode() + items + b"</sst>"
    path = _xlsx(tmp_path / "many.xlsx", _HEADER_ROWS, strings)
    bounded(
        lambda: refused(lambda: read_data(path, ONE), DataFileError, "more than 1,000,000 shared"),
        seconds=60,
        megabytes=50,
    )


@pytest.mark.slow  # a 5,000,000-cell sheet read at the limit
def test_finding_10_a_sheet_over_the_cell_limit_is_refused_while_streaming(tmp_path) -> None:
    """6,002 x 1,000 cells: refused after 133 s and 2.4 GB; now at row 5,001, streaming."""
    pytest.importorskip("openpyxl")
    rows = b"".join(
        f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="ALL{n}"><v>1</v></c></row>'.encode()
        for n in range(3, 6003)
    )
    path = _xlsx(tmp_path / "wide.xlsx", _HEADER_ROWS.encode() + rows)
    fragment = f"row 5,001 has cells up to column ALL; spmkit reads at most {MAX_SHEET_CELLS:,}"
    bounded(
        lambda: refused(lambda: read_data(path, ONE), DataFileError, fragment),
        seconds=60,
        megabytes=50,
    )
    at = _xlsx(tmp_path / "at.xlsx", _HEADER_ROWS.encode() + rows[: rows.index(b'<row r="5001"')])
    assert read_data(at, ONE).rows[0].values["bumil_k4"] == 95


@pytest.mark.slow  # 300,000 keys: seconds now, past 15 minutes before
def test_finding_11_many_keys_in_linear_time(capsys, tmp_path) -> None:
    """300,000 keys (5.4 MB) took over 15 minutes (a list membership test per key)."""
    keys = {f"k{i}": i for i in range(300_000)}
    path = tmp_path / "many.json"
    path.write_text(json.dumps({**keys, "bumil_k4": 95, "sasaran_bumil": 100}), encoding="utf-8")
    bounded(
        lambda: cli(capsys, "evaluate", "kulon-progo-2011", str(path), "--lang", "en"),
        seconds=120,
        megabytes=1500,
    )


def test_finding_11_records_by_keys_bounded_like_a_sheet(capsys, tmp_path) -> None:
    """Records x distinct keys is a grid: over 5,000,000 cells is refused before the work."""
    records = [{"data": {f"k{i}": 1, "bumil_k4": 1}} for i in range(2300)]
    path = write(tmp_path / "wide.json", json.dumps(records))
    fragment = "2,300 records with 2,174 distinct keys make more than 5,000,000 cells"
    bounded(
        lambda: refused(lambda: read_data(path, RS), DataFileError, fragment),
        seconds=30,
        megabytes=300,
    )
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", path, "--lang", "en")
    assert (status, fragment in err) == (2, True)


def test_finding_11_unknown_keys_are_named_twenty_at_a_time(capsys, tmp_path) -> None:
    keys = {f"k{i}": i for i in range(40_000)}
    path = tmp_path / "many.json"
    path.write_text(json.dumps({**keys, "bumil_k4": 95, "sasaran_bumil": 100}), encoding="utf-8")
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", str(path), "--lang", "en")
    assert status in {0, 1}
    assert "'k19', and 39,980 more" in err
    assert "'k20'" not in err


def test_finding_13_the_batch_fallback_takes_the_int_path() -> None:
    """Huge ints fall back to scalar evaluation: exact, and through its int path."""
    rows = [(2**60 + i, 2**61 + 3 * i) for i in range(5)]
    batch = spmkit.evaluate_batch(
        ONE, {"bumil_k4": [a for a, _ in rows], "sasaran_bumil": [b for _, b in rows]}
    )["I.1"]
    for row, (a, b) in enumerate(rows):
        scalar = spmkit.evaluate(ONE, {"bumil_k4": a, "sasaran_bumil": b})["I.1"]
        assert batch.value[row] == scalar.value
        assert batch.gap[row] == scalar.gap
        assert bool(batch.met[row]) is scalar.met


# --- 15-23. Foreign errors where the input is simply bad -------------------------------


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("factor: 100", "factor: 1:30.5", "'1:30.5' is a YAML 1.1 base-60 number"),
        ("factor: 100", "factor: 1:30", "'1:30' is a YAML 1.1 base-60 number"),
        ("deadline: 2015", "deadline: 2011-02-29", "'2011-02-29' is not a real date"),
        ("deadline: 2015", "deadline: 0000-01-01", "'0000-01-01' is not a real date"),
    ],
)
def test_findings_15_16_yaml_oddities_in_rule_files(capsys, tmp_path, old, new, fragment) -> None:
    text = SMALL.replace(old, new)
    line = text[: text.index(new)].count("\n") + 1
    error = refused(lambda: spmkit.loads_rule_set(text, file="r.yaml"), RuleSetInvalid, fragment)
    assert f"r.yaml:{line}:" in "\n".join(format_errors(error))
    path = write(tmp_path / "r.yaml", text)
    data = write(tmp_path / "d.json", '{"bumil_k4": 1, "sasaran_bumil": 2}')
    status, _, err = cli(capsys, "evaluate", path, data, "--lang", "en")
    assert (status, fragment in err) == (2, True)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1:30", "line 1: not valid YAML: '1:30' is a YAML 1.1 base-60 number"),
        ("2011-02-29", "line 1: not valid YAML: '2011-02-29' is not a real date"),
        (".nan", "line 1: not valid YAML: .nan is not a number a data file can hold"),
        (".inf", "line 1: not valid YAML: .inf is not a number a data file can hold"),
    ],
)
def test_findings_15_16_yaml_oddities_in_data_files(capsys, tmp_path, value, fragment) -> None:
    path = write(tmp_path / "d.yaml", f"bumil_k4: {value}\nsasaran_bumil: 100\n")
    refused(lambda: read_data(path, RS), DataFileError, fragment)
    for output in ("table", "html", "json"):
        status, _, err = cli(
            capsys, "evaluate", "kulon-progo-2011", path, "--format", output, "--lang", "en"
        )
        assert (status, fragment in err) == (2, True)


@pytest.mark.parametrize(
    ("unit", "fragment"),
    [
        ("person)", "(unexpected ')')"),
        ("()", "(unexpected ')')"),
        ("min()", "(unexpected ')')"),
        ("person^", "(it ends where a unit or number is expected)"),
        ("*", "(unexpected '*')"),
        ("2**1000000", "a power must be a whole number"),
        ("person ** person", "a power must be a whole number from -12 to 12 (got 'person')"),
        ("((person)", "a '(' is not closed"),
        ("(person", "a '(' is not closed"),
    ],
)
def test_finding_17_malformed_unit_text(capsys, tmp_path, unit, fragment) -> None:
    """pint's AssertionError/TokenError/ValueError: now our grammar's located error."""
    refused(lambda: parse_unit(unit), UnknownUnitError, fragment)
    text = SMALL.replace("unit: person", f"unit: {unit!r}", 1)
    refused(lambda: spmkit.loads_rule_set(text), RuleSetInvalid, fragment)
    path = write(tmp_path / "r.yaml", text)
    status, out, err = cli(capsys, "check", path, "--lang", "en")
    assert (status, fragment in out + err) == (2, True)


@pytest.mark.parametrize("text", ['"\\ud800"', '"a\\udcffb"'])
def test_finding_18_lone_surrogates_in_json_data(capsys, tmp_path, text) -> None:
    """A lone surrogate gave UnicodeEncodeError or a matplotlib TypeError (exit 70)."""
    path = write(tmp_path / "d.json", f'{{"wilayah": {text}, "bumil_k4": 1, "sasaran_bumil": 2}}')
    refused(lambda: read_data(path, RS), DataFileError, "holds a lone surrogate")
    for output in ("table", "html"):
        status, _, err = cli(
            capsys, "evaluate", "kulon-progo-2011", path, "--format", output, "--lang", "en"
        )
        assert (status, "lone surrogate" in err) == (2, True)


_KEYS: list[tuple[str, object, type[SpmkitError], str]] = [
    ("lists", [[1], [2]], DataInvalid, "a 1-D column"),
    ("ragged", [[1], [2, 3]], DataInvalid, "row 0 holds a list"),
    ("dicts", [{"a": 1}, {"b": 2}], DataInvalid, "row 0 holds a dict"),
    ("2-D", np.array([[1, 2], [3, 4]]), DataInvalid, "a 1-D column"),
    ("complex", [1j, 2j], DataInvalid, "row 0 holds a complex"),
    ("complex array", np.array([1j, 2j]), DataInvalid, "complex numbers cannot be keys"),
    ("objects", [object(), object()], DataInvalid, "row 0 holds a object"),
    ("huge ints", [10**5000, 1], DataInvalid, "row 0 holds a int"),
]


@pytest.mark.parametrize(
    ("key", "kind", "fragment"), [k[1:] for k in _KEYS], ids=[k[0] for k in _KEYS]
)
def test_finding_19_aggregate_and_stratify_key_shapes(key, kind, fragment) -> None:
    data = {"k": key, "bumil_k4": [1, 2], "sasaran_bumil": [2, 2]}
    refused(lambda: spmkit.aggregate(RS, data, by=["k"]), kind, fragment)
    refused(lambda: spmkit.stratify(RS, data, stratum="k"), kind, fragment)
    refused(
        lambda: spmkit.aggregate(RS, {**data, "m": [1, 2]}, by=[], period="m", place="k"),
        kind,
        fragment,
    )


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda d: spmkit.aggregate(RS, d, by=None), "by must be a list of column names"),
        (lambda d: spmkit.aggregate(RS, d, by="k"), "by=['k'] (got a string)"),
        (lambda d: spmkit.aggregate(RS, d, by=["k", "k"]), "names the column(s) ['k'] twice"),
        (lambda d: spmkit.aggregate(RS, d, by=[1]), "by must be a list of column names"),
        (lambda d: spmkit.aggregate(RS, d, by=[], period=5), "period must be a column name"),
        (lambda d: spmkit.stratify(RS, d, stratum=None), "stratum must be a column name"),
        (lambda d: spmkit.stratify(RS, d, stratum="k", total=[1]), "total must be a label"),
    ],
)
def test_finding_19_aggregate_argument_types(call, fragment) -> None:
    data = {"k": ["a", "b"], "bumil_k4": [1, 2], "sasaran_bumil": [2, 2]}
    refused(lambda: call(data), UsageError, fragment)


def test_finding_19_stratify_with_columns_of_different_lengths() -> None:
    data = {"k": ["a"], "bumil_k4": [1, 2], "sasaran_bumil": [2, 2]}
    refused(lambda: spmkit.stratify(RS, data, stratum="k"), DataInvalid, "lengths differ")


def test_finding_20_str_of_a_quantity_with_a_powered_unit() -> None:
    """spmkit's own quantities have exact powers: str() raised TypeError inside pint."""
    for value in (quantity(1, "m**3/day"), quantity(-1, "m**3/day")):
        for call in (
            lambda v=value: spmkit.evaluate_batch(ONE, {"bumil_k4": [v], "sasaran_bumil": [5]}),
            lambda v=value: spmkit.evaluate(ONE, {"bumil_k4": v, "sasaran_bumil": 5}),
        ):
            with pytest.raises(DataInvalid) as caught:
                call()
            text = str(caught.value) + repr(caught.value) + caught.value.in_lang("id")
            assert "metre ** 3 / day" in text, text


@pytest.mark.parametrize(
    ("expected", "fragment"),
    [
        ("{value: .nan}", "must be a number (got Decimal('NaN'))"),
        ("{value: .inf}", "must be a number (got Decimal('Infinity'))"),
        ("{value: 1:30.5}", "'1:30.5' is a YAML 1.1 base-60 number"),
    ],
)
def test_finding_21_rule_tests_with_odd_values(capsys, tmp_path, expected, fragment) -> None:
    (tmp_path / "contoh.yaml").write_text(SMALL, encoding="utf-8")
    tests = (
        "spmkit_tests: 1\ntests:\n  - name: x\n    inputs: {bumil_k4: 95, sasaran_bumil: 100}\n"
        f"    expected:\n      I.1: {expected}\n"
    )
    path = write(tmp_path / "contoh.tests.yaml", tests)
    refused(lambda: load_rule_tests(path), RuleTestError, fragment)
    status, _, err = cli(capsys, "test", path, "--lang", "en")
    assert (status, fragment in err) == (2, True)


def test_finding_21_rule_tests_with_a_date_that_does_not_exist(capsys, tmp_path) -> None:
    (tmp_path / "contoh.yaml").write_text(SMALL, encoding="utf-8")
    tests = (
        "spmkit_tests: 1\ntests:\n  - name: x\n    year: 2011-02-29\n"
        "    inputs: {bumil_k4: 95, sasaran_bumil: 100}\n    expected:\n      I.1: {value: 95}\n"
    )
    path = write(tmp_path / "contoh.tests.yaml", tests)
    status, _, err = cli(capsys, "test", path, "--lang", "en")
    assert (status, "'2011-02-29' is not a real date" in err) == (2, True)


@pytest.mark.parametrize("output", ["json", "html", "csv", "markdown", "table"])
def test_finding_22_a_factor_beyond_the_float_range(capsys, tmp_path, output) -> None:
    """factor: 10**399 passed check, then --format json|html exited 70 (OverflowError)."""
    rules = write(tmp_path / "r.yaml", SMALL.replace("factor: 100", f"factor: {10**399}"))
    data = write(tmp_path / "d.json", '{"bumil_k4": 95, "sasaran_bumil": 100}')
    assert cli(capsys, "check", rules)[0] == 0
    status, out, _ = cli(capsys, "evaluate", rules, data, "--format", output)
    assert status == 0
    if output == "json":
        assert json.loads(out.replace("Infinity", "1e999"))["rows"][0]["results"][0]["met"]


def test_finding_22_data_beyond_the_float_range(capsys, tmp_path) -> None:
    """An input of 400 digits gives a value past 1.8e308: the HTML page shows its size."""
    data = write(tmp_path / "d.json", f'{{"bumil_k4": {10**399}, "sasaran_bumil": 1}}')
    shown = {}
    for output in ("html", "json", "table"):
        status, shown[output], _ = cli(
            capsys, "evaluate", "kulon-progo-2011", data, "--format", output, "--lang", "en"
        )
        assert status == 1
    # The record's shown value is exact (10**401 %, written out), never a float's inf.
    written = "100" + ",000" * 133 + ".00 %"
    assert f'<td class="num">{written}</td>' in shown["html"]
    assert written in shown["table"]


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ([1, 2], "table rows must be mappings of column to value (row 0 is a int)"),
        ({"year": 2013}, "the columns ['year'] of the table are not sequences"),
        ("siak", "table must be columns (a mapping), rows, or a DataFrame (got str)"),
    ],
)
def test_finding_23_evaluate_history_refuses_what_is_not_a_table(table, fragment) -> None:
    refused(lambda: spmkit.evaluate_history("siak", table), UsageError, fragment)


def test_finding_23_rule_set_for_refuses_a_jurisdiction_that_is_not_text() -> None:
    refused(
        lambda: spmkit.evaluate_history(5.5, [{"year": 2013}]),  # type: ignore[arg-type]
        UsageError,
        "jurisdiction must be text",
    )
    refused(lambda: spmkit.rule_set_for("siak", 2013, sector=3), UsageError, "sector must be text")  # type: ignore[arg-type]


# --- 24-26. Output safety --------------------------------------------------------------


def test_finding_24_output_over_the_base_of_an_overlay(capsys, tmp_path) -> None:
    """The base a rule file extends (base.txt) was overwritten by the report."""
    base = write(tmp_path / "base.txt", SMALL)
    overlay = write(tmp_path / "overlay.yaml", "spmkit: 1\nid: o\nextends: base.txt\n")
    data = write(tmp_path / "d.json", '{"bumil_k4": 95, "sasaran_bumil": 100}')
    before = Path(base).read_text(encoding="utf-8")
    status, _, _ = cli(capsys, "evaluate", overlay, data, "-o", base)
    assert Path(base).read_text(encoding="utf-8") == before
    assert status == 2


ESCAPES = "\x1b]0;PWNED\x07\x1b[31m\u202e\x9b"


def test_finding_25_control_characters_never_reach_the_terminal(capsys, tmp_path) -> None:
    """A region cell ESC]0;PWNED BEL ESC[31m set the terminal's title and colour."""
    title = SMALL.replace("title: Contoh", 'title: "Contoh \\e[2J"')
    rules = write(tmp_path / "r.yaml", title)
    data = write(tmp_path / "d.csv", f"wilayah,bumil_k4,sasaran_bumil\n{ESCAPES},95,100\n")
    for output in ("table", "markdown", "csv", "json"):
        status, out, err = cli(capsys, "evaluate", rules, data, "--format", output)
        assert status == 0
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", out + err), out
    status, out, _ = cli(capsys, "evaluate", rules, data)
    assert "\\x1b]0;PWNED\\x07\\x1b[31m\\u202e\\x9b" in out
    assert "Contoh \\x1b[2J" in out
    status, out, _ = cli(capsys, "explain", rules, data, "I.1")
    assert "\x1b" not in out


def test_finding_26_every_rule_file_text_is_escaped_in_markdown_and_html(capsys, tmp_path) -> None:
    """The title and the legal-basis line reached report.md raw (<script>)."""
    text = SMALL.replace("title: Contoh", 'title: "<script>alert(1)</script>"').replace(
        "instrument: Peraturan Bupati", 'instrument: "<img src=x onerror=alert(2)>"'
    )
    rules = write(tmp_path / "r.yaml", text)
    one = write(tmp_path / "d.csv", "wilayah,bumil_k4,sasaran_bumil\n<b>W</b>,95,100\n")
    two = write(tmp_path / "e.csv", "wilayah,bumil_k4,sasaran_bumil\n<b>W</b>,95,100\nX,1,2\n")
    for data in (one, two):
        for output in ("markdown", "html"):
            out_file = tmp_path / f"out.{'md' if output == 'markdown' else 'html'}"
            cli(capsys, "evaluate", rules, data, "-o", str(out_file))
            written = out_file.read_text(encoding="utf-8")
            for raw in ("<script>", "<img", "<b>"):
                assert raw not in written, (output, raw)
            assert "&lt;script&gt;" in written or "&lt;script>" in written


@pytest.mark.parametrize("value", [Decimal("NaN"), float("inf"), Fraction(10**400), 10**401])
def test_values_of_every_type_refused_or_read_without_a_foreign_error(value) -> None:
    """The doors together: scalar and batch give a SpmkitError or a result, nothing else."""
    for call in (
        lambda: spmkit.evaluate(ONE, {"bumil_k4": value, "sasaran_bumil": 1}),
        lambda: spmkit.evaluate_batch(ONE, {"bumil_k4": [value], "sasaran_bumil": [1]}),
    ):
        try:
            repr(call())
        except SpmkitError as error:
            repr(error)
            str(error)


def test_time_bound_helper_fails_on_a_hang() -> None:
    """``bounded`` itself: a call past its time fails the test (it is not a no-op)."""
    with pytest.raises(AssertionError, match="still running"):
        bounded(lambda: time.sleep(2), seconds=0.2, megabytes=10)
    with pytest.raises(AssertionError, match="peak"):
        bounded(lambda: bytearray(30 * 2**20), seconds=10, megabytes=10)


@pytest.mark.parametrize("output", ["table", "html", "json"])
def test_fuzz_a_row_without_any_input_value(capsys, tmp_path, output) -> None:
    """Found by fuzz/hypothesis_run.py: a row whose inputs are all empty exited 70."""
    data = write(tmp_path / "d.csv", "wilayah,bumil_k4,sasaran_bumil\nWates,,\n")
    status, out, _ = cli(capsys, "evaluate", "kulon-progo-2011", data, "--format", output)
    assert status == 1
    assert "Wates" in out


@pytest.mark.parametrize("wrong", [5, b"kulon-progo-2011", [1], 1.5])
@pytest.mark.parametrize(
    ("function", "rest"),
    [
        (spmkit.evaluate, ({},)),
        (spmkit.evaluate_batch, ({},)),
        (spmkit.validate_data, ({},)),
        (spmkit.compile_rule_set, ()),
        (spmkit.load_rule_set, ()),
        (spmkit.loads_rule_set, ()),
        (spmkit.list_rule_sets, ()),
    ],
    ids=["evaluate", "evaluate_batch", "validate_data", "compile", "load", "loads", "list"],
)
def test_public_functions_refuse_a_wrong_argument_type(function, rest, wrong) -> None:
    """A rule set that is not a RuleSet, an id or a path: a UsageError, not a TypeError.

    ``list_rule_sets(5)`` reads 5 as a Kemendagri code: no such place, a lookup error.
    """
    expected = (
        (UsageError, spmkit.RuleSetNotFoundError)
        if function is spmkit.list_rule_sets and isinstance(wrong, int)
        else UsageError
    )
    with pytest.raises(expected):
        function(wrong, *rest)


@pytest.mark.parametrize(
    ("function", "args"),
    [
        (spmkit.render, (5,)),
        (spmkit.to_fhir, (5, None)),
        (spmkit.dump_rule_set, (5,)),
        (spmkit.compare, (5, {})),
        (spmkit.compare, ("kulon-progo-2011", {})),
        (spmkit.wilson_interval, ("a", 2)),
        (spmkit.wilson_interval, (1.5, 2)),
        (spmkit.wilson_interval, (True, 2)),
    ],
    ids=[
        "render",
        "to_fhir",
        "dump",
        "compare-int",
        "compare-text",
        "wilson-text",
        "wilson-float",
        "wilson-bool",
    ],
)
def test_more_public_functions_refuse_a_wrong_argument_type(function, args) -> None:
    """Their docstrings name UsageError; a TypeError or AttributeError leaked before."""
    with pytest.raises(UsageError):
        function(*args)


def test_fhir_and_dump_take_a_rule_set_id() -> None:
    """As spmkit.diff does: an id is loaded (issue 24, item 6)."""
    report = spmkit.evaluate("kulon-progo-2011", {"bumil_k4": 950, "sasaran_bumil": 1000})
    assert spmkit.to_fhir("kulon-progo-2011", report, year=2011)["resourceType"] == "MeasureReport"
    assert spmkit.dump_rule_set("kulon-progo-2011").startswith("spmkit: 1\nid: kulon-progo-2011")
