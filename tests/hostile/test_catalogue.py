"""The attack catalogue of issue 15: each finding rebuilt, through the API and the CLI.

One test per numbered finding (``test_finding_N_*``), each driving its attacks and
asserting the error class (an :class:`~spmkit.SpmkitError` subclass), a fragment of the
message, and the command line's exit status: 2 for an unusable data or rule file, 3 for
refused rows (1 stays "a target was not met"). The fresh-interpreter race of finding 1 is
``tests/hostile/test_race.py``. Limits are tested at their value and just over it.
"""

from __future__ import annotations

import json
import threading
import warnings
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import spmkit
from spmkit._evaluation.batch import _CACHE_SIZE
from spmkit._files.datafiles import read_data
from spmkit._limits import (
    MAX_CSV_FIELD,
    MAX_DATA_NESTING,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_EXTENDS_DEPTH,
    MAX_SHEET_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
)
from spmkit.cli import main
from spmkit.errors import (
    DataError,
    DataFileError,
    DataInvalid,
    ExpressionLimitError,
    RuleSetInvalid,
    SpmkitError,
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

LAUGHS = "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else '"lol"'] * 9) + "]\n" for i in range(9)
)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line; return its exit status, stdout and stderr."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def refused(call, kind: type[SpmkitError], fragment: str) -> SpmkitError:
    """Run ``call``; it must raise ``kind`` whose message contains ``fragment``."""
    with pytest.raises(kind) as caught:
        call()
    text = "\n".join(format_errors(caught.value))
    assert fragment in text, text
    return caught.value


# --- 1. Race at first use --------------------------------------------------------------


@pytest.mark.slow  # compiles 40 rule sets from 8 threads
def test_finding_1_compile_cache_from_threads() -> None:
    """More rule sets than the compiled cache holds, compiled from 8 threads: no KeyError."""
    text = Path(spmkit.shipped_rule_sets()["kulon-progo-2011"]).read_text(encoding="utf-8")
    many = [spmkit.loads_rule_set(text) for _ in range(_CACHE_SIZE + 8)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(number: int) -> None:
        try:
            barrier.wait()
            for rule_set in many[number::2]:
                assert spmkit.compile_rule_set(rule_set).rule_set is rule_set
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


# --- 2. Tiny inputs, unbounded work ----------------------------------------------------


@pytest.mark.parametrize(
    ("factor", "fragment"),
    [
        ("1.0e+100000000", "exponent +99,999,999"),
        ("1.0e+5000", "exponent +4,999"),
        (f"1.0e+{MAX_EXPONENT + 2}", f"exponent +{MAX_EXPONENT + 1}"),
        ("1" * (MAX_DIGITS + 1), f"a number of {MAX_DIGITS + 1} digits"),
        ("1" * 5000, "a number of 5,000 digits"),
    ],
)
def test_finding_2_huge_numbers_in_rule_files(capsys, tmp_path, factor, fragment) -> None:
    """A 607-byte file with factor 1.0e+100000000 is refused at once, naming the size."""
    text = SMALL.replace("factor: 100", f"factor: {factor}")
    refused(lambda: spmkit.loads_rule_set(text, file="f.yaml"), RuleSetInvalid, fragment)
    path = write(tmp_path / "f.yaml", text)
    data = write(tmp_path / "d.json", '{"bumil_k4": 1, "sasaran_bumil": 2}')
    status, _, err = cli(capsys, "evaluate", path, data)
    assert (status, fragment in err) == (2, True)


def test_finding_2_numbers_at_the_limits() -> None:
    """400 digits and exponent 400 are read (rule file, expression, data); one more is not."""
    at = SMALL.replace("factor: 100", f"factor: {'1' * MAX_DIGITS}")
    assert spmkit.loads_rule_set(at).indicators["I.1"].factor == int("1" * MAX_DIGITS)
    exponent = SMALL.replace("factor: 100", f"factor: 1.0e+{MAX_EXPONENT - 1}")
    assert spmkit.loads_rule_set(exponent).indicators["I.1"].factor == 10 ** (MAX_EXPONENT - 1)
    formula = SMALL.replace("numerator: bumil_k4", f"numerator: bumil_k4 * {'9' * MAX_DIGITS}")
    spmkit.loads_rule_set(formula)
    over = SMALL.replace("numerator: bumil_k4", f"numerator: bumil_k4 * {'9' * (MAX_DIGITS + 1)}")
    refused(lambda: spmkit.loads_rule_set(over), RuleSetInvalid, "number length in digits")
    with pytest.raises(ExpressionLimitError):
        spmkit.parse_expression("9" * (MAX_DIGITS + 1))
    top = 10**MAX_DIGITS - 1
    assert spmkit.evaluate(RS, {"bumil_k4": top, "sasaran_bumil": top})["I.1"].met is True
    refused(
        lambda: spmkit.evaluate(RS, {"bumil_k4": top + 1, "sasaran_bumil": 1}),
        DataInvalid,
        f"a number of {MAX_DIGITS + 1} digits",
    )
    refused(
        lambda: spmkit.evaluate(RS, {"bumil_k4": Fraction(1, top + 1)}),
        DataInvalid,
        f"at most {MAX_DIGITS} digits",
    )
    assert spmkit.evaluate(RS, {"bumil_k4": Decimal(f"1e{MAX_EXPONENT - 1}")})
    refused(
        lambda: spmkit.evaluate(RS, {"bumil_k4": Decimal(f"1e{MAX_EXPONENT + 1}")}),
        DataInvalid,
        f"exponent +{MAX_EXPONENT + 1}",
    )


def test_finding_2_huge_decimal_in_data(capsys, tmp_path) -> None:
    """Decimal('1e999999999') is refused at once (it took past 120 s), API and CLI."""
    refused(
        lambda: spmkit.evaluate(RS, {"bumil_k4": Decimal("1e999999999")}),
        DataInvalid,
        "exponent +999,999,999",
    )
    batch = {"bumil_k4": [Decimal("1e999999999")], "sasaran_bumil": [1]}
    refused(lambda: spmkit.evaluate_batch(RS, batch), DataInvalid, "exponent +999,999,999")
    path = write(tmp_path / "d.yaml", "bumil_k4: 1.0e+999999999\nsasaran_bumil: 10\n")
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", path, "--lang", "en")
    assert (status, "spmkit accepts exponents from -400 to 400" in err) == (2, True)


def test_finding_2_billion_laughs_data_file(capsys, tmp_path) -> None:
    """The 538-byte YAML data file (5.5 GB before) is refused by the strict loader."""
    text = LAUGHS + "bumil_k4: *l8\nsasaran_bumil: 1000\n"
    assert len(text.encode()) == 538
    path = write(tmp_path / "laughs.yaml", text)
    refused(lambda: read_data(path, RS), DataFileError, "YAML nodes once aliases are expanded")
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", path)
    assert (status, "YAML nodes" in err) == (2, True)


def _workbook(path: Path, cells: dict[str, object]) -> str:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"], sheet["A2"], sheet["B2"] = "bumil_k4", "sasaran_bumil", 950, 1000
    for ref, value in cells.items():
        sheet[ref] = value
    workbook.save(path)
    return str(path)


def test_finding_2_xlsx_declared_dimension(capsys, tmp_path) -> None:
    """A 4.9 KB sheet declaring A1:XFD1048576 with one far cell: refused in moments."""
    path = _workbook(tmp_path / "far.xlsx", {"XFD1048576": 1})
    assert Path(path).stat().st_size < 6000
    refused(lambda: read_data(path, RS), DataFileError, "row 1,048,576 has cells")
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", path, "--lang", "en")
    assert (status, f"at most {MAX_SHEET_ROWS:,} rows" in err) == (2, True)


@pytest.mark.slow  # sheets at the row and column limits
def test_finding_2_xlsx_row_and_column_limits(tmp_path) -> None:
    """A cell in the last allowed row or column is read; one past either is refused."""
    column = "ALL"  # column 1,000
    assert MAX_SHEET_COLUMNS == 1000
    for name, cells in [("rows", {f"C{MAX_SHEET_ROWS}": 5}), ("cols", {f"{column}1": "x"})]:
        at = _workbook(tmp_path / f"at-{name}.xlsx", cells)
        assert read_data(at, RS).rows[0].values["bumil_k4"] == 950
    both = _workbook(tmp_path / "both.xlsx", {f"C{MAX_SHEET_ROWS}": 5, f"{column}1": "x"})
    refused(lambda: read_data(both, RS), DataFileError, f"at most {MAX_SHEET_CELLS:,} cells")
    rows = _workbook(tmp_path / "rows.xlsx", {f"C{MAX_SHEET_ROWS + 1}": 5})
    refused(lambda: read_data(rows, RS), DataFileError, f"row {MAX_SHEET_ROWS + 1:,} has cells")
    columns = _workbook(tmp_path / "cols.xlsx", {"ALM1": "x"})
    refused(lambda: read_data(columns, RS), DataFileError, "cells up to column ALM")


def _chain_rule_set(links: int, minus: int = 2) -> str:
    """Indicators referencing each other in reverse file order, each under ``minus`` signs."""
    lines = SMALL.split("indicators:")[0] + "indicators:\n"
    for number in range(1, links + 1):  # C1 references C2, which comes later in the file
        if number == links:
            formula, rest = "bumil_k4", "denominator: sasaran_bumil\n    factor: 100\n"
        else:
            formula = "-" * (minus - minus % 2) + f"@C{number + 1}"
            rest = 'denominator: "1"\n    factor: 1\n'
        lines += (
            f'  C{number}:\n    service_type: I\n    name: c\n    numerator: "{formula}"\n'
            f'    {rest}    target: {{op: ">=", value: 95, unit: "%"}}\n'
            "    deadline: 2015\n    source: s\n"
        )
    return lines


def test_finding_2_long_reference_chains() -> None:
    """240 indicators referencing in reverse order; 16 links under 62 minus signs: loaded."""
    spmkit.loads_rule_set(_chain_rule_set(240))
    spmkit.loads_rule_set(_chain_rule_set(16, minus=62))


def _overlay_chain(tmp_path: Path, length: int) -> Path:
    base = "kulon-progo-2011"
    for number in range(length):
        name = f"o{number}.yaml"
        write(tmp_path / name, f"spmkit: 1\nid: o-{number}\nextends: {base}\n")
        base = name
    return tmp_path / base


def test_finding_2_overlay_chain(capsys, tmp_path) -> None:
    """An extends: chain of the limit loads; one more, or 400, is refused (no recursion)."""
    (tmp_path / "ok").mkdir()
    top = _overlay_chain(tmp_path / "ok", MAX_EXTENDS_DEPTH)
    assert spmkit.load_rule_set(top).id == f"o-{MAX_EXTENDS_DEPTH - 1}"
    (tmp_path / "over").mkdir()
    over = _overlay_chain(tmp_path / "over", MAX_EXTENDS_DEPTH + 1)
    refused(lambda: spmkit.load_rule_set(over), RuleSetInvalid, "chain is longer than")
    (tmp_path / "far").mkdir()
    far = _overlay_chain(tmp_path / "far", 400)
    refused(lambda: spmkit.load_rule_set(far), RuleSetInvalid, "chain is longer than")
    data = write(tmp_path / "d.json", '{"bumil_k4": 1, "sasaran_bumil": 2}')
    status, _, err = cli(capsys, "evaluate", str(far), data)
    assert (status, f"longer than {MAX_EXTENDS_DEPTH} overlays" in err) == (2, True)


def test_finding_2_json_nesting_and_csv_field(tmp_path) -> None:
    """JSON nesting and CSV field size: at the limit read, just over refused."""
    deep = '{"bumil_k4": 1, "x": ' + "[" * (MAX_DATA_NESTING - 1) + "]" * (MAX_DATA_NESTING - 1)
    read_data(write(tmp_path / "ok.json", deep + "}"), RS, mapping=None)
    over = '{"bumil_k4": 1, "x": ' + "[" * MAX_DATA_NESTING + "]" * MAX_DATA_NESTING + "}"
    path = write(tmp_path / "over.json", over)
    refused(lambda: read_data(path, RS), DataFileError, f"nested deeper than {MAX_DATA_NESTING}")
    field = "region,bumil_k4,sasaran_bumil\n{},950,1000\n"
    ok = write(tmp_path / "ok.csv", field.format("a" * MAX_CSV_FIELD))
    assert read_data(ok, RS).rows[0].values["bumil_k4"] == 950
    long = write(tmp_path / "long.csv", field.format("a" * (MAX_CSV_FIELD + 1)))
    refused(lambda: read_data(long, RS), DataFileError, f"longer than {MAX_CSV_FIELD:,}")


# --- 3. Crashes outside spmkit's errors ------------------------------------------------


def test_finding_3_huge_integers(capsys, tmp_path) -> None:
    """10**4400, Decimal('1e5000') and -(10**5000) are refused; str() of the error works."""
    for value, fragment in [
        (10**4400, "about 4,400 digits"),
        (Decimal("1e5000"), "exponent +5,000"),
        (-(10**5000), "about 5,000 digits"),
    ]:
        error = refused(lambda v=value: spmkit.evaluate(RS, {"bumil_k4": v}), DataInvalid, fragment)
        assert len(str(error)) < 1000
        refused(lambda v=value: spmkit.evaluate_batch(RS, {"bumil_k4": [v]}), DataInvalid, fragment)
    path = write(
        tmp_path / "d.csv", f"region,bumil_k4,sasaran_bumil\nA,{'9' * 4400},10\nB,950,1000\n"
    )
    status, out, _ = cli(capsys, "evaluate", "kulon-progo-2011", path, "--format", "csv")
    assert status == 3
    assert "angka dengan 4.400 digit" in out  # the refused row's reason, in Indonesian
    status, out, _ = cli(
        capsys, "evaluate", "kulon-progo-2011", path, "--format", "csv", "--lang", "en"
    )
    assert status == 3
    assert "a number of 4,400 digits" in out


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"bumil_k4": np.timedelta64(3, "D")}, "got a timedelta64"),
        ({"bumil_k4": np.datetime64("2020-01-01")}, "got a datetime64"),
        ({"bumil_k4": 1 + 2j}, "got a complex"),
    ],
)
def test_finding_3_numpy_types_in_scalar(data, fragment) -> None:
    """numpy timedelta/datetime scalars and complex numbers are refused, not counted."""
    refused(lambda: spmkit.evaluate(RS, data), DataInvalid, fragment)


def test_finding_3_aggregate_and_stratify_keys() -> None:
    """None/NaN/mixed keys, a key that is an input, a missing stratum: DataInvalid."""
    base = {"bumil_k4": [950, 940, 930], "sasaran_bumil": [1000, 1000, 1000]}
    for keys, fragment in [
        (["a", None, "b"], "a key is missing at row 1"),
        (["a", float("nan"), "b"], "a key is missing at row 1"),
        (["a", 1, "b"], "the keys mix types: str (row 0), int (row 1)"),
    ]:
        data = {**base, "kab": keys}
        refused(lambda d=data: spmkit.aggregate(RS, d, by=["kab"]), DataInvalid, fragment)
    refused(lambda: spmkit.aggregate(RS, base, by=["bumil_k4"]), DataInvalid, "it is an input of")
    refused(lambda: spmkit.stratify(RS, base, stratum="sex"), DataInvalid, "'sex'")


def test_finding_3_frames() -> None:
    """Duplicate DataFrame columns refused; a polars Int128 column read exactly."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([[950, 1000, 3]], columns=["bumil_k4", "sasaran_bumil", "bumil_k4"])
    refused(lambda: spmkit.evaluate_batch(RS, frame), DataInvalid, "a column name used once")
    pl = pytest.importorskip("polars")
    wide = pl.DataFrame({"bumil_k4": pl.Series([950], dtype=pl.Int128), "sasaran_bumil": [1000]})
    assert spmkit.evaluate_batch(RS, wide)["I.1"].value.tolist() == [95.0]


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested deeper than"),
        ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000, "nested deeper than 40 levels"),
        ("notzip.xlsx", "this is not a workbook", "not a zip archive"),
        ("latin1.json", '{"wilayah": "Kulon Progo \xe9", "bumil_k4": 1}', "not UTF-8 text"),
    ],
)
def test_finding_3_unreadable_data_files(capsys, tmp_path, name, content, fragment) -> None:
    """Deep JSON/YAML, not-a-zip xlsx, Latin-1 JSON: DataFileError, exit 2."""
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1"))
    refused(lambda: read_data(path, RS), DataFileError, fragment)
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", str(path), "--lang", "en")
    assert (status, fragment in err) == (2, True)


def test_finding_3_xlsx_with_an_entity_declaration(capsys, tmp_path) -> None:
    """A workbook whose strings declare and use an external entity: a DataFileError."""
    good = Path(_workbook(tmp_path / "good.xlsx", {"A3": "x"}))
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(evil, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1
                ).replace(b"<t>x</t>", b"<t>&e;</t>")
            target.writestr(item, data)
    error = refused(lambda: read_data(evil, RS), DataFileError, "cannot read the workbook")
    assert "root:" not in str(error)
    status, _, _ = cli(capsys, "evaluate", "kulon-progo-2011", str(evil))
    assert status == 2


def test_finding_3_chart_text_and_empty_chart(capsys, tmp_path) -> None:
    """A region named '$\\frac$' is drawn as text; a chart of only refused rows is exit 2."""
    pytest.importorskip("matplotlib")
    data = write(tmp_path / "d.csv", "region,bumil_k4,sasaran_bumil\n$\\frac$,950,1000\n")
    status, _, err = cli(
        capsys, "evaluate", "kulon-progo-2011", data, "--chart", str(tmp_path / "c.svg")
    )
    assert status in {0, 1}, err
    bad = write(tmp_path / "bad.csv", "region,bumil_k4,sasaran_bumil\nA,x,1000\n")
    status, _, err = cli(
        capsys,
        "evaluate",
        "kulon-progo-2011",
        bad,
        "--chart",
        str(tmp_path / "e.svg"),
        "--lang",
        "en",
    )
    assert (status, "no row was evaluated" in err) == (2, True)


@pytest.mark.parametrize(
    ("path", "kind", "fragment"),
    [
        ("x" * 5000, DataFileError, "a path of 5,000 characters"),
        ("/proc/self/mem", DataFileError, "/proc/self/mem: unknown file type"),
        (b"data.csv", DataFileError, "not bytes"),
        (None, DataFileError, "not NoneType"),
    ],
)
def test_finding_3_paths(path, kind, fragment) -> None:
    """Long, unreadable, bytes and None paths: DataFileError, never OSError/TypeError."""
    if path == "/proc/self/mem" and not Path(path).exists():
        pytest.skip("no /proc here")
    refused(lambda: read_data(path, RS), kind, fragment)


def test_finding_3_paths_in_the_cli(capsys) -> None:
    """The command line: a 5,000-character path and /proc/self/mem exit 2, one line."""
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", "x" * 5000, "--lang", "en")
    assert (status, "a path of 5,000 characters" in err) == (2, True)
    if Path("/proc/self/mem").exists():
        status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", "/proc/self/mem")
        assert status == 2, err


# --- 4. Wrong answers with no error ----------------------------------------------------


def test_finding_4_batch_types_as_scalar() -> None:
    """Quantities converted as scalar, masked rows missing, dates/durations/complex refused."""
    pint = pytest.importorskip("pint")
    ureg = pint.UnitRegistry()
    water = spmkit.loads_rule_set(SMALL.replace("unit: person", "unit: L / day"))
    quantity = ureg.Quantity(np.array([0.3, 0.2]), "m**3/day")
    batch = spmkit.evaluate_batch(water, {"bumil_k4": quantity, "sasaran_bumil": [300, 300]})
    scalar = [
        spmkit.evaluate(water, {"bumil_k4": ureg.Quantity(v, "m**3/day"), "sasaran_bumil": 300})
        for v in (0.3, 0.2)
    ]
    assert batch["I.1"].value.tolist() == [r["I.1"].value for r in scalar] == [100.0, 200 / 3]
    wrong = {"bumil_k4": ureg.Quantity(np.array([1.0]), "m"), "sasaran_bumil": [300]}
    refused(lambda: spmkit.evaluate_batch(water, wrong), DataInvalid, "does not convert to")
    for shaped, shape in ((ureg.Quantity(0.3, "m**3/day"), "()"), (quantity[None], "(1, 2)")):
        data = {"bumil_k4": shaped, "sasaran_bumil": [300, 300]}
        fragment = f"must be a 1-D column (got 'an array of shape {shape}')"
        refused(lambda d=data: spmkit.evaluate_batch(water, d), DataInvalid, fragment)
    masked = np.ma.masked_array([950, 940], mask=[False, True])
    result = spmkit.evaluate_batch(RS, {"bumil_k4": masked, "sasaran_bumil": [1000, 1000]})
    assert result["I.1"].status.tolist() == ["met", "no_data"]
    for column, fragment in [
        (np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"), "holds dates"),
        (np.array([1, 2], dtype="timedelta64[D]"), "holds durations"),
        (np.array([1 + 2j, 3]), "holds complex numbers"),
    ]:
        data = {"bumil_k4": column, "sasaran_bumil": [1000, 1000]}
        refused(lambda d=data: spmkit.evaluate_batch(RS, d), DataInvalid, fragment)


def test_finding_4_overlay_title_en_must_be_text(capsys, tmp_path) -> None:
    """An overlay's title_en: {a: 1} is refused when loaded (it crashed renderers later)."""
    path = write(
        tmp_path / "o.yaml", "spmkit: 1\nid: o-1\nextends: kulon-progo-2011\ntitle_en: {a: 1}\n"
    )
    refused(lambda: spmkit.load_rule_set(path), RuleSetInvalid, "'title_en' must be")
    status, _, _ = cli(capsys, "show", path)
    assert status == 2


# --- 5. Lost or misread data -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            'region,bumil_k4,sasaran_bumil\n"Kulon Progo,950,1000\nSleman,940,1000\n',
            'line 2: a quote (") opened here is never closed',
        ),
        (
            'region,bumil_k4,sasaran_bumil\n"Kulon Progo,950,1000\nSleman",940,1000\nBantul,1,2\n',
            "lines 2-3: a quoted cell runs over 2 lines",
        ),
    ],
)
def test_finding_5_unbalanced_quote(capsys, tmp_path, text, fragment) -> None:
    """An unbalanced quote is an error naming the line, not rows folded into one name."""
    path = write(tmp_path / "d.csv", text)
    refused(lambda: read_data(path, RS), DataFileError, fragment)
    status, _, err = cli(capsys, "evaluate", "kulon-progo-2011", path, "--lang", "en")
    assert (status, fragment in err) == (2, True)


def test_finding_5_formula_without_saved_value(capsys, tmp_path) -> None:
    """A formula cell never calculated (openpyxl writes none) is an error, not a blank."""
    path = _workbook(tmp_path / "f.xlsx", {"A3": "=A2*2", "B3": 1000})
    refused(lambda: read_data(path, RS), DataFileError, "cells A3 hold formulas without a saved")
    status, _, _ = cli(capsys, "evaluate", "kulon-progo-2011", path)
    assert status == 2


def test_finding_5_duplicate_json_keys(capsys, tmp_path) -> None:
    """Duplicate JSON keys are an error (JSON would keep the last silently)."""
    path = write(tmp_path / "d.json", '{"bumil_k4": 950, "bumil_k4": 10, "sasaran_bumil": 1000}')
    refused(lambda: read_data(path, RS), DataFileError, "duplicate key 'bumil_k4'")
    status, _, _ = cli(capsys, "evaluate", "kulon-progo-2011", path)
    assert status == 2


# --- 6. Aliasing -----------------------------------------------------------------------


def test_finding_6_results_own_their_data() -> None:
    """A caller's change is not seen by the result; a write to the result never reaches it."""
    numerator = np.array([950, 940])
    denominator = np.array([1000, 1000])
    region = np.array(["a", "b"], dtype=object)
    result = spmkit.evaluate_batch(
        RS,
        {"bumil_k4": numerator, "sasaran_bumil": denominator, "region": region},
        keys=["region"],
    )
    numerator[0], region[0] = 1, "z"
    arrays = result["I.1"]
    assert arrays.numerator.tolist() == [950, 940]
    assert result.key_columns["region"].tolist() == ["a", "b"]
    assert numerator.flags.writeable
    for array in (arrays.numerator, arrays.denominator, result.key_columns["region"]):
        assert not np.shares_memory(array, numerator)
        assert not np.shares_memory(array, denominator)
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 7
    copy = arrays.numerator
    try:
        copy.flags.writeable = True
        copy[1] = 7
    except ValueError:
        pass
    assert numerator.tolist() == [1, 940]


# --- 7. Disclosure and clobbering ------------------------------------------------------


def test_finding_7_extends_is_confined(capsys, tmp_path) -> None:
    """extends: to a file outside the overlay's directory is refused; no content echoed."""
    secret = tmp_path / "secret.txt"
    secret.write_text("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n")
    (tmp_path / "rules").mkdir()
    for reference in (str(secret), "../secret.txt"):
        overlay = write(
            tmp_path / "rules" / "o.yaml", f"spmkit: 1\nid: o-1\nextends: {reference}\n"
        )
        error = refused(lambda o=overlay: spmkit.load_rule_set(o), RuleSetInvalid, "no rule set")
        assert "MIIEvQ" not in "\n".join(format_errors(error))
        status, _, err = cli(capsys, "show", overlay)
        assert (status, "MIIEvQ" in err) == (2, False)
    inside = tmp_path / "rules" / "key.yaml"
    inside.write_text(secret.read_text())
    overlay = write(tmp_path / "rules" / "o.yaml", "spmkit: 1\nid: o-1\nextends: key.yaml\n")
    error = refused(lambda: spmkit.load_rule_set(overlay), RuleSetInvalid, "text of")
    assert "MIIEvQ" not in "\n".join(format_errors(error))


def test_finding_7_output_never_clobbers(capsys, tmp_path) -> None:
    """-o onto the data file or the rule file, or through a symlink: refused, exit 2."""
    data = write(tmp_path / "d.csv", "region,bumil_k4,sasaran_bumil\nA,950,1000\n")
    rules = write(tmp_path / "r.md", SMALL)  # a suffix -o writes, so the input check decides
    for target in (data, rules):
        before = Path(target).read_text()
        status, _, err = cli(capsys, "evaluate", rules, data, "-o", target, "--lang", "en")
        assert (status, "it is an input of this command" in err) == (2, True)
        assert Path(target).read_text() == before
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    status, _, err = cli(capsys, "evaluate", rules, data, "-o", str(link), "--lang", "en")
    assert (status, "symbolic link" in err) == (2, True)
    assert not (tmp_path / "elsewhere.csv").exists()


# --- 8. Injection ----------------------------------------------------------------------


def test_finding_8_formula_and_html_injection(capsys, tmp_path) -> None:
    """CSV cells starting with = + - @ get a quote; Markdown escapes HTML."""
    rows = ['=HYPERLINK("http://x")', "+1", "-1+1", "@SUM(A1)", "<script>alert(1)</script>"]
    body = "".join(f'"{name.replace(chr(34), chr(34) * 2)}",950,1000\n' for name in rows)
    data = write(tmp_path / "d.csv", "region,bumil_k4,sasaran_bumil\n" + body)
    status, out, _ = cli(capsys, "evaluate", "kulon-progo-2011", data, "--format", "csv")
    assert status == 1
    for name in rows[:4]:
        assert f"'{name}"[:6] in out.replace('""', '"')
        assert f",{name[:4]}" not in out.replace('""', '"')
    status, out, _ = cli(capsys, "evaluate", "kulon-progo-2011", data, "--format", "markdown")
    assert "<script>" not in out
    assert "&lt;script>" in out


# --- 9. Cost cliffs --------------------------------------------------------------------


def test_finding_9_fallback_only_where_needed() -> None:
    """One value of 2**53 + 1: only its indicator falls back, and results equal scalar."""
    rng = np.random.default_rng(5)
    data = {name: rng.integers(100, 1000, 200) for name in RS.inputs}
    data["bumil_k4"][7] = 2**53 + 1
    result = spmkit.evaluate_batch(RS, data)
    assert result.exact_fallback == ("I.1",)
    for row in (0, 7, 199):
        report = spmkit.evaluate(RS, {name: int(column[row]) for name, column in data.items()})
        for indicator_id, arrays in result.items():
            assert arrays.status[row] == report[indicator_id].status.value
            if report[indicator_id].value is not None:
                assert arrays.value[row] == report[indicator_id].value


def test_every_catalogue_error_is_an_spmkit_error() -> None:
    """The classes asserted above are all SpmkitErrors (the CLI maps them to exit 2)."""
    for kind in (DataError, DataFileError, DataInvalid, RuleSetInvalid, UsageError):
        assert issubclass(kind, SpmkitError)
    assert json.dumps(MAX_DIGITS) == "400"
