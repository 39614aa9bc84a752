"""A CSV file read, evaluated and written in chunks: the same bytes as the whole-file path.

The streamed path (:mod:`spmkit._files.streaming`) is what ``spmkit evaluate`` runs on a
CSV file; the whole-file path (``read_data`` + ``evaluate_table`` + ``render``) is what
it ran before, and what the API still offers. Files here span several chunks (chunks of
7 rows) and hold what a health office's file holds: a title row, footnotes, blank rows,
totals rows, refused rows, formula-looking region names, and a notation settled only by
a late cell.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import spmkit
from spmkit._files.export import render_outcomes
from spmkit._files.reading import read_data
from spmkit._files.report import ChunkedReport
from spmkit._files.streaming import STREAM_ROWS, evaluate_stream, open_csv
from spmkit._files.table import evaluate_table
from spmkit.errors import DataFileError

RULE_SET = spmkit.load_rule_set("kulon-progo-2011")
HEADER = "Puskesmas;Tahun;bumil_k4;sasaran_bumil;ibu_komplikasi_ditangani;ibu_komplikasi;Catatan"


def _office_file(rows: int = 40) -> str:
    """A ';' CSV as an office keeps it; '3.582'-style cells are settled as Indonesian late."""
    lines = ["Laporan SPM Kabupaten Contoh", "", HEADER]
    for i in range(1, rows + 1):
        k4, target = 80 + i, 100 + i
        if i % 5 == 0:
            k4, target = f"1.{i:03d}", f"1.{i + 50:03d}"  # ambiguous alone: 1.005 or 1005
        region = f"Puskesmas {i}"
        if i == 3:
            region = "=HYPERLINK(1)"
        if i == 4:
            region = "Wates, Kulon Progo"
        if i == 30:
            region = '"Nanggulan\nBarat ""Lama"""'  # quoted over two lines, with quotes
        year = 2012 if i % 2 else 2013
        complications, treated = 30 + i % 7, 20 + i % 5
        if i == 9:
            treated = "banyak"  # not a number: this row is refused alone
        if i == 11:
            complications = -3  # a negative count: refused by the rule set's value rules
        if i == 17:
            k4 = ""  # no data for I.1
        lines.append(f"{region};{year};{k4};{target};{treated};{complications};")
        if i == 20:
            lines.append("JUMLAH;;;;;;")  # a totals row with no numbers: not checked
        if i == 26:
            lines.append("")
    lines.append("JUMLAH KABUPATEN;;1.000;2.000;1;2;")
    lines.append("Sumber: Dinas Kesehatan;;;;;;96,81")  # the late cell: Indonesian
    lines.append("*) data sementara;;;;;;")
    return "\n".join(lines) + "\n"


def _whole(path: Path, output_format: str, period: str | None = None) -> tuple[str, list[str]]:
    table = read_data(path, RULE_SET)
    if period is not None:
        table = table.for_period(period)
    evaluation = evaluate_table(RULE_SET, table)
    text = render_outcomes(
        output_format,
        RULE_SET,
        evaluation.outcomes,
        "en",
        source=table.source,
        totals=evaluation.totals,
    )
    assert isinstance(text, str)
    return text, [check.describe() for check in evaluation.totals]


def _streamed(
    path: Path, output_format: str, period: str | None = None, chunk_rows: int = 7
) -> tuple[str, list[str]]:
    stream = open_csv(path, RULE_SET, period=period)
    assert stream is not None
    out = io.StringIO()
    report = ChunkedReport(output_format, RULE_SET, "en", source=stream.table.source)
    found = evaluate_stream(RULE_SET, stream, report, out.write, chunk_rows=chunk_rows)
    return out.getvalue(), [check.describe() for check in found.totals]


@pytest.mark.parametrize("output_format", ["csv", "json", "table", "markdown"])
@pytest.mark.parametrize("chunk_rows", [1, 7, STREAM_ROWS])
def test_streamed_output_is_the_whole_file_output(tmp_path, output_format, chunk_rows):
    """Chunks of 1, 7 and 5,000 rows give the bytes of the whole-file path, totals alike."""
    path = tmp_path / "data.csv"
    path.write_text(_office_file(), encoding="utf-8")
    whole, whole_totals = _whole(path, output_format)
    streamed, streamed_totals = _streamed(path, output_format, chunk_rows=chunk_rows)
    assert streamed == whole
    assert streamed_totals == whole_totals
    assert len(whole_totals) == 2


def test_the_file_holds_what_the_test_means(tmp_path):
    """The late cell settles Indonesian, and rows are refused, quoted and neutralised."""
    path = tmp_path / "data.csv"
    path.write_text(_office_file(), encoding="utf-8")
    streamed, totals = _streamed(path, "csv")
    lines = streamed.splitlines()
    assert any(
        line.startswith("8,Puskesmas 5,2012,I.1,") and ",1005,1055," in line for line in lines
    )
    assert any(line.startswith("6,'=HYPERLINK(1),2012,I.1,") for line in lines)
    assert any(line.startswith('7,"Wates, Kulon Progo",2013,I.1,') for line in lines)
    refused = [line for line in lines if ",refused," in line]
    assert [line.split(",")[0] for line in refused] == ["12", "14"]
    assert "'banyak' is not a number" in refused[0]
    assert totals[0] == "totals row JUMLAH (row 24) agrees with the sum of the 20 rows above"
    assert "(row 47) disagrees with the 20 rows above: bumil_k4 is 1,000, the rows" in totals[1]


def test_a_year_is_streamed_as_for_period(tmp_path):
    """``--year``: the rows (and totals rows) of one year, the same as ``for_period``."""
    path = tmp_path / "data.csv"
    path.write_text(_office_file(), encoding="utf-8")
    for output_format in ("csv", "json"):
        assert _streamed(path, output_format, period="2013") == _whole(
            path, output_format, period="2013"
        )


def test_notes_and_columns_are_the_whole_file_readers(tmp_path):
    """The title row, the footnotes skipped, the notation: as ``read_data`` says them."""
    path = tmp_path / "data.csv"
    path.write_text(_office_file(), encoding="utf-8")
    table = read_data(path, RULE_SET)
    stream = open_csv(path, RULE_SET)
    assert stream is not None
    assert stream.table.notes == table.notes
    assert [note.in_lang("id") for note in stream.table.notes] == [
        note.in_lang("id") for note in table.notes
    ]
    assert stream.table.number_formats == table.number_formats
    assert stream.table.number_formats["bumil_k4"] == "id"
    assert stream.table.header_rows == table.header_rows
    assert stream.rows == len(table.rows)
    assert stream.totals == len(table.totals)


def test_an_ambiguous_column_is_refused_as_read_data_refuses_it(tmp_path):
    """Without the late cell nothing settles '1.005': the same error, naming the cells.

    Tab-separated: a ';' separator is itself evidence of a decimal comma (test_reader.py).
    """
    path = tmp_path / "data.csv"
    text = _office_file().replace("96,81", "").replace(";", "\t")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as whole:
        read_data(path, RULE_SET)
    with pytest.raises(DataFileError) as streamed:
        open_csv(path, RULE_SET)
    assert streamed.value.problems == whole.value.problems
    assert "cannot tell how its numbers are written" in whole.value.problems[0]
    assert "and 4 more" in whole.value.problems[0]  # 9 ambiguous cells, 5 shown


def test_a_file_streaming_cannot_read_is_left_to_read_data(tmp_path):
    """Not UTF-8, an unbalanced quote, or no rows: ``read_data`` names the problem."""
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + b"\nCaf\xe9;2012;1;2;3;4;\n")
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(HEADER + '\n"Wates;2012;1;2;3;4;\nSentolo;2012;1;2;3;4;\n')
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    for path in (latin, quoted, empty):
        assert open_csv(path, RULE_SET) is None
        with pytest.raises(DataFileError):
            read_data(path, RULE_SET)


def test_ragged_rows_and_unnamed_columns(tmp_path):
    """Short and long rows under a header with several unnamed columns read as before."""
    path = tmp_path / "ragged.csv"
    rows = [
        "Puskesmas,bumil_k4,sasaran_bumil,,",
        "Wates,90,100,x,y",
        "Sentolo,80",
        "Nanggulan,70,100,a,b,c,d",
        "JUMLAH,240,300",
    ] + [f"P{i},{i},{i + 10},," for i in range(30)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for output_format in ("csv", "json"):
        assert _streamed(path, output_format, chunk_rows=4) == _whole(path, output_format)


@pytest.mark.slow
def test_the_command_streams_a_file_of_many_chunks(tmp_path):
    """``spmkit evaluate FILE.csv -o out.csv`` on 12,000 rows: the whole-file bytes, exit 3."""
    path = tmp_path / "many.csv"
    lines = [HEADER]
    for i in range(12_000):
        cell = "x" if i == 7_777 else str(50 + i % 60)
        lines.append(f"P{i};2012;{i % 90};100;{cell};60;")
    lines.append("JUMLAH;;1;2;3;4;")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spmkit.cli",
            "evaluate",
            "kulon-progo-2011",
            str(path),
            "-o",
            str(out),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    assert out.read_text(encoding="utf-8") == _whole(path, "csv")[0]
    assert "totals row JUMLAH (row 12002) disagrees with the 12000 rows above" in done.stderr


_PEAK = textwrap.dedent(
    """
    import resource, subprocess, sys
    subprocess.run(sys.argv[1:], check=False, capture_output=True)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    """
)

_WHOLE = textwrap.dedent(
    """
    import sys
    import spmkit
    from spmkit._files.reading import read_data
    from spmkit._files.report import render_csv
    from spmkit._files.table import evaluate_table
    rule_set = spmkit.load_rule_set("kulon-progo-2011")
    outcomes = evaluate_table(rule_set, read_data(sys.argv[1], rule_set)).outcomes
    open(sys.argv[2], "w").write(render_csv(rule_set, outcomes, "id"))
    """
)


def _peak_mb(*command: str) -> float:
    """Peak resident memory of a command, in MB, measured in a process of its own."""
    found = subprocess.run(
        [sys.executable, "-c", _PEAK, *command], capture_output=True, text=True, check=True
    )
    return int(found.stdout.split()[-1]) / 1024


def _regency_file(path: Path, rows: int) -> None:
    names = list(RULE_SET.inputs)
    lines = ["kabupaten," + ",".join(names)]
    lines.extend(
        f"R{i}," + ",".join(str(100 + (i * 7 + j) % 900) for j in range(len(names)))
        for i in range(rows)
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in kilobytes (Linux)")
def test_the_command_stays_within_its_memory_bound(tmp_path):
    """Peak memory does not grow with the file: 4x the rows, about the same peak.

    The whole-file path (what ``evaluate`` did before) holds every row: on the larger
    file it takes more than twice the streamed peak. A memory assertion, not a timing.
    """
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _regency_file(small, 10_000)
    _regency_file(large, 40_000)
    command = [sys.executable, "-m", "spmkit.cli", "evaluate", "kulon-progo-2011"]
    streamed_small = _peak_mb(*command, str(small), "-o", str(tmp_path / "a.csv"))
    streamed_large = _peak_mb(*command, str(large), "-o", str(tmp_path / "b.csv"))
    whole_large = _peak_mb(sys.executable, "-c", _WHOLE, str(large), str(tmp_path / "c.csv"))
    assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "c.csv").read_bytes()
    assert streamed_large < streamed_small * 1.25
    assert whole_large > 2 * streamed_large


def test_the_memory_bound_is_documented_with_its_value():
    """docs/semantics.md's limits table states the chunk size the code uses."""
    docs = (Path(__file__).resolve().parents[1] / "docs" / "semantics.md").read_text("utf-8")
    row = next(line for line in docs.splitlines() if "STREAM_ROWS" in line)
    assert f"one chunk of {STREAM_ROWS:,} data rows" in row


@pytest.mark.parametrize(
    "text",
    [
        "a,b\r\n1,2\r\n\r\n3,4\r\n",
        "a;b\r1;2\r\r3;4",
        "\ufeffa\tb\n1\t2\n \t \n3\t4\n",
        'a,b\n1,2\n"x\ny",3\n4,5\n',
        'a,b\n1,2\n3,"q"\n4,5\n6\n',
        "a,b\n1,2\n,\n  ,  \n\n",
    ],
)
def test_records_are_read_grids_rows(tmp_path, text):
    """The streamed reader gives the whole reader's records and line numbers, endings alike."""
    from spmkit._files.records import csv_records, read_grids  # noqa: PLC0415 - the readers

    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    whole = [(number, list(cells)) for number, cells in read_grids(path, None)[0].rows]
    assert list(csv_records(path)) == whole


def test_only_formats_written_in_chunks_are_streamed():
    """HTML and xlsx are written whole (a summary page, a workbook): no chunked report."""
    from spmkit.errors import UsageError  # noqa: PLC0415 - the one error checked here

    with pytest.raises(UsageError, match="not written in chunks"):
        ChunkedReport("html", RULE_SET, "en")


def _plain_file(rows: int = 30, *, bad: bool = True) -> str:
    """A ',' CSV without a period column: the chunks a batch evaluates at once."""
    lines = ["kabupaten,bumil_k4,sasaran_bumil,ibu_komplikasi_ditangani,ibu_komplikasi"]
    for i in range(1, rows + 1):
        region = {3: "=HYPERLINK(1)", 4: '"Wates, Kulon Progo"', 5: '"Nang ""Lama"""'}.get(
            i, f"R{i}"
        )
        k4, target = 900 + 7 * i, 1000 + i
        treated: object = 20 + i % 5
        if i == 8:
            k4, target = 94996, 100000  # near the target: its record decides the cell
        if i == 12:
            k4 = ""  # no data for I.1
        if bad and i == 23:
            treated = -3  # refused by the value rules: the chunk is read row by row
        lines.append(f"{region},{k4},{target},{treated},{30 + i % 7}")
        if i == 15:
            lines.append("JUMLAH,1,2,3,4")  # a totals row: checked against running sums
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("chunk_rows", [1, 7, STREAM_ROWS])
@pytest.mark.parametrize("bad", [True, False])
def test_a_chunk_evaluated_at_once_is_the_whole_file_output(tmp_path, chunk_rows, bad):
    """Chunks without periods, bad cells or totals are one batch: the same bytes and totals."""
    from spmkit._evaluation.batch import compile_rule_set  # noqa: PLC0415
    from spmkit._files.streaming import _clean_batch  # noqa: PLC0415 - the fast path itself

    path = tmp_path / "data.csv"
    path.write_text(_plain_file(bad=bad), encoding="utf-8")
    for output_format in ("csv", "json"):
        whole, whole_totals = _whole(path, output_format)
        streamed, streamed_totals = _streamed(path, output_format, chunk_rows=chunk_rows)
        assert streamed == whole
        assert streamed_totals == whole_totals
        assert len(whole_totals) == 1
    stream = open_csv(path, RULE_SET)
    assert stream is not None
    compiled = compile_rule_set(RULE_SET)
    taken = [_clean_batch(compiled, chunk) is not None for chunk in stream.chunks(7)]
    # Chunk 3 holds the totals row; chunk 4 the refused row (when there is one).
    assert taken == [True, True, False, not bad, True]
    assert "94.996" in whole  # the near miss is its record's value


def test_a_line_longer_than_the_limit_is_not_read_whole(tmp_path):
    """A streamed line is read at most MAX_STREAMED_LINE characters at a time."""
    from spmkit._files.records import MAX_STREAMED_LINE, csv_records  # noqa: PLC0415

    path = tmp_path / "long.csv"
    path.write_text("a,b\n1," + "9" * MAX_STREAMED_LINE + "\n", encoding="utf-8")
    records = csv_records(path)
    assert next(records) == (1, ["a", "b"])
    with pytest.raises(DataFileError, match=f"a line longer than {MAX_STREAMED_LINE} characters"):
        next(records)
    path.write_text("a,b\n" + "9" * (MAX_STREAMED_LINE + 1), encoding="utf-8")
    with pytest.raises(DataFileError, match="a line longer than"):
        next(csv_records(path))  # refused while the delimiter is looked for
    wide = ",".join(["9" * 999] * (MAX_STREAMED_LINE // 1000))  # fields under their limit
    path.write_text("a,b\n" + wide + "\n", encoding="utf-8")
    assert [len(cells) for _, cells in csv_records(path)] == [2, MAX_STREAMED_LINE // 1000]
