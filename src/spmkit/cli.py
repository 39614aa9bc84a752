"""The ``spmkit`` command: a thin shell over the library.

Every subcommand reads files, calls the pure API and prints; no rule lives here. Data
files are read by :mod:`spmkit._files.datafiles`, output is written by
:mod:`spmkit._files.report` and :mod:`spmkit._files.chart`, words come from :mod:`spmkit._messages`.

Exit status (the same for every command, documented in docs/cli.md):

- 0: success; for ``evaluate``, every target of every row met;
- 1: some target not met;
- 2: unusable input: bad usage, an unreadable data or rule file (``check`` finding a
  problem), an unknown output suffix, or a feature this installation lacks;
- 3: some data rows refused (a cell that is not a number); the other rows were evaluated.

Refused rows (3) outrank unmet targets (1): the report is incomplete. A closed pipe
(``spmkit list | head -3``) ends quietly with the status of the work done.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import json
import os
import re
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, TextIO

from spmkit._evaluation.compare import Comparison
from spmkit._evaluation.values import exact_number
from spmkit._files import sqlfiles
from spmkit._files.export import OUTPUT_FORMATS, format_for, render_outcomes
from spmkit._files.mapping import ColumnMapping, load_mapping
from spmkit._files.outputs import check_output, open_output, silence_stdout, write_output
from spmkit._files.present import target_text
from spmkit._files.reading import DataTable, read_data
from spmkit._files.report import ChunkedReport, indicator_name
from spmkit._files.streaming import CsvStream, StreamOutcome, evaluate_stream, open_csv
from spmkit._files.table import RowOutcome, TableEvaluation, evaluate_table, region_columns
from spmkit._messages import (
    LANGUAGES,
    Language,
    default_language,
    in_language,
    message,
)
from spmkit._numbers import exact_text
from spmkit._rulesets.model import RuleSet, Verification
from spmkit._rulesets.reader import (
    load_rule_set,
    resolve_rule_set,
    rule_files,
)
from spmkit._translation import Bilingual, argparse_language, gettext_in, grouped, tr
from spmkit.errors import (
    DataFileError,
    SpmkitError,
    SpmkitWarning,
    UnverifiedValuesWarning,
    UsageError,
    error_in,
    format_errors,
)

if TYPE_CHECKING:
    from spmkit._rulesets.diff import RuleSetDiff

__all__ = ["build_parser", "main"]

PROGRESS_MIN_ROWS: Final = 200
"""Batches of at least this many rows show progress on stderr (when it is a terminal)."""

EXIT_OK: Final = 0
"""Success; every target of every row met."""
EXIT_NOT_MET: Final = 1
"""Some target not met."""
EXIT_UNUSABLE: Final = 2
"""Unusable input: bad usage, an unreadable data or rule file, an unknown output suffix."""
EXIT_INTERNAL: Final = 70
"""An internal error of spmkit (EX_SOFTWARE): a bug, reported in one line, no traceback."""
EXIT_REFUSED: Final = 3
"""Some data rows refused; the others were evaluated."""


class Progress:
    """``rows 1200/5000`` on one rewritten stderr line, at most every 0.2 s.

    Off when the stream is not a terminal (a log file or a pipe gets no progress
    noise) or when the batch is smaller than ``minimum`` rows.
    """

    def __init__(self, stream: IO[str], *, minimum: int = PROGRESS_MIN_ROWS) -> None:
        self.stream = stream
        self.minimum = minimum
        self.enabled = stream.isatty()
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` rows are evaluated."""
        if not self.enabled or total < self.minimum:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.2:
            return
        self._last = now
        self._shown = True
        self.stream.write(f"\rspmkit: {done}/{total} rows ({done * 100 // total} %)")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def _version() -> str:
    import spmkit  # noqa: PLC0415 - the package imports nothing from the CLI

    return spmkit.__version__


def _language(args: argparse.Namespace, rule_set: RuleSet | None) -> Language:
    chosen: Language | None = args.lang
    resolved = chosen if chosen is not None else default_language(rule_set)
    args.resolved_lang = resolved  # for the messages of errors raised later
    return resolved


def _rule_files(given: object, rule_set: RuleSet | None) -> list[str]:
    """The rule file given and every file of its ``extends:`` chain (the writer's inputs)."""
    files: list[str] = []
    if isinstance(given, str | Path):
        files.extend(str(path) for path in rule_files(given))
    if rule_set is not None:
        for indicator in rule_set.indicators.values():
            found = [indicator.source, *indicator.sources.values()]
            files.extend(source.file for source in found if source.file is not None)
    return list(dict.fromkeys(files))


def _inputs(args: argparse.Namespace, *rule_sets: RuleSet) -> list[str]:
    """Every file the command reads: data, rule files with their chains, the mapping."""
    files = [
        str(name)
        for name in (getattr(args, "data", None), getattr(args, "mapping", None))
        if name is not None
    ]
    given = getattr(args, "rule_set", None)
    files.extend(_rule_files(given, rule_sets[0] if rule_sets else None))
    for rule_set in rule_sets[1:]:
        files.extend(_rule_files(None, rule_set))
    return files


def _mapping(args: argparse.Namespace) -> ColumnMapping | None:
    return None if args.mapping is None else load_mapping(args.mapping)


def _read_table(args: argparse.Namespace, rule_sets: RuleSet | Sequence[RuleSet]) -> DataTable:
    table = read_data(
        args.data,
        rule_sets,
        number_format=args.number_format,
        mapping=_mapping(args),
        sheet=args.sheet,
        header_row=args.header_row,
    )
    if args.year is not None:
        table = table.for_period(str(args.year))
    lang = args.lang or default_language(
        rule_sets if isinstance(rule_sets, RuleSet) else rule_sets[0]
    )
    for note in table.notes:
        print(f"spmkit: {table.source}: {in_language(note, lang)}", file=sys.stderr)
    return table


def _status(outcomes: Sequence[RowOutcome]) -> int:
    """The exit status of evaluated rows: refused rows outrank unmet targets."""
    if any(not outcome.evaluated for outcome in outcomes):
        return EXIT_REFUSED
    return EXIT_OK if all(outcome.all_met for outcome in outcomes) else EXIT_NOT_MET


_SHOWN_UNKNOWN = 20
"""Unknown columns named (with a suggestion) in the warning; the rest are counted."""


def _warn_unknown(table: DataTable, rule_set: RuleSet, lang: Language) -> None:
    if table.unknown_columns:
        names = list(rule_set.inputs)
        shown = []
        # The first few, with suggestions: 40,000 unknown keys are one line, not minutes.
        for column in table.unknown_columns[:_SHOWN_UNKNOWN]:
            close = difflib.get_close_matches(column.strip().casefold(), names, n=1)
            hint = f" ({message('did_you_mean', lang, name=close[0])})" if close else ""
            shown.append(f"{column!r}{hint}")
        more = len(table.unknown_columns) - _SHOWN_UNKNOWN
        if more > 0:
            shown.append(in_language(tr("and {count} more", count=grouped(more)), lang))
        columns = ", ".join(shown)
        warning = message(
            "unknown_columns", lang, source=table.source, rule_set=rule_set.id, columns=columns
        )
        print(f"spmkit: {warning}", file=sys.stderr)


def _no_rows(table: DataTable, args: argparse.Namespace, lang: Language) -> UsageError:
    year = "" if args.year is None else message("no_rows_year", lang, year=args.year)
    return UsageError(message("no_rows", lang, source=table.source, year=year))


def _output_format(args: argparse.Namespace) -> str:
    """``--format``, else the output file's suffix (an unknown suffix is an error)."""
    if args.output is not None:
        by_suffix = format_for(args.output)
        if args.format is not None and args.format != by_suffix:
            msg = tr(
                "--format {format} does not match the output file {output!r}",
                format=args.format,
                output=args.output,
            )
            raise UsageError(msg)
        return by_suffix
    return str(args.format) if args.format is not None else "table"


def _chart(
    rule_set: RuleSet, outcomes: Sequence[RowOutcome], lang: Language, image_format: str
) -> bytes:
    from spmkit._files.chart import chart_bytes  # noqa: PLC0415 - matplotlib only when asked

    if image_format not in {"png", "svg"}:
        msg = tr("a chart file must end in .png or .svg (got .{suffix})", suffix=image_format)
        raise UsageError(msg)
    return chart_bytes(rule_set, outcomes, lang, image_format=image_format)  # type: ignore[arg-type]


def _html_chart(rule_set: RuleSet, outcomes: Sequence[RowOutcome], lang: Language) -> str | None:
    from spmkit._files.chart import plotting_available  # noqa: PLC0415 - matplotlib only when asked

    if not plotting_available() or all(o.report is None for o in outcomes):
        return None
    return _chart(rule_set, outcomes, lang, "svg").decode("utf-8")


def _evaluate(args: argparse.Namespace, rule_set: RuleSet, table: DataTable) -> TableEvaluation:
    progress = Progress(sys.stderr)
    progress.enabled = progress.enabled and not getattr(args, "no_progress", False)
    return evaluate_table(rule_set, table, progress=progress)


def _for_period(args: argparse.Namespace, rule_set: RuleSet) -> RuleSet:
    """``--period`` (with ``--year``): the rule set whose targets are that period's milestones."""
    if getattr(args, "period", None) is None:
        return rule_set
    from spmkit._evaluation.yearly import judged_rule_set  # noqa: PLC0415 - only with --period

    if args.year is None:
        msg = tr("--period {period} needs --year (the year it is part of)", period=args.period)
        raise UsageError(msg)
    return judged_rule_set(rule_set, args.year, args.period)


def _from_stdin(args: argparse.Namespace, command: Callable[[argparse.Namespace], int]) -> int:
    """``-`` as the data file: standard input, read whole (bounded), as JSON, CSV or YAML.

    The first character and line decide: ``{`` or ``[`` is JSON, a first line with commas
    and no colon is CSV, anything else YAML (``bumil_k4: 950``).
    """
    from spmkit._files.outputs import scratch_file  # noqa: PLC0415 - only for standard input
    from spmkit._files.records import MAX_DATA_BYTES  # noqa: PLC0415

    content = sys.stdin.buffer.read(MAX_DATA_BYTES + 1)
    if len(content) > MAX_DATA_BYTES:
        problem = tr("larger than {limit} bytes", limit=MAX_DATA_BYTES)
        raise DataFileError("-", [problem])
    first = content.lstrip().split(b"\n", 1)[0]
    if first[:1] in {b"{", b"["}:
        suffix = ".json"
    elif b"," in first and b":" not in first:
        suffix = ".csv"
    else:
        suffix = ".yaml"
    with scratch_file(content, suffix) as path:
        args.data = str(path)
        return command(args)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.data == "-":
        return _from_stdin(args, _cmd_evaluate)
    if args.jurisdiction is not None:
        return _cmd_evaluate_history(args)
    if args.data is None:
        msg = tr("give a rule set and a data file (or --jurisdiction NAME and a data file)")
        raise UsageError(msg)
    output_format = _output_format(args)
    rule_set = _for_period(args, load_rule_set(args.rule_set))
    lang = _language(args, rule_set)
    inputs = _inputs(args, rule_set)
    if args.output is not None:
        check_output(args.output, inputs=inputs)
    if args.chart is not None:
        check_output(args.chart, inputs=inputs, suffixes=(".png", ".svg"))
    stream = _stream(args, rule_set, output_format)
    if stream is not None:
        return _evaluate_streamed(args, rule_set, lang, output_format, stream)
    table = _read_table(args, rule_set)
    _warn_unknown(table, rule_set, lang)
    if not table.rows:
        raise _no_rows(table, args, lang)
    evaluation = _evaluate(args, rule_set, table)
    outcomes = evaluation.outcomes
    args.work_status = _status(outcomes)  # kept if the reader closes the pipe while we write
    if output_format == "fhir":
        return _write_fhir(rule_set, outcomes, args)
    rendered = render_outcomes(
        output_format,
        rule_set,
        outcomes,
        lang,
        source=table.source,
        totals=evaluation.totals,
        **_terminal(args),
        chart_svg=_html_chart(rule_set, outcomes, lang) if output_format == "html" else None,
        version=_version(),
    )
    if args.output is not None:
        data = rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")
        write_output(args.output, data, inputs=inputs)
    elif isinstance(rendered, bytes):
        msg = tr("an Excel workbook is not written to the terminal: give -o FILE.xlsx")
        raise UsageError(msg)
    else:
        sys.stdout.write(rendered)
    if args.output is not None or output_format not in {"table", "markdown", "html"}:
        for check in evaluation.totals:
            print(f"spmkit: {check.describe().in_lang(lang)}", file=sys.stderr)
    if args.chart is not None:
        image_format = Path(args.chart).suffix.casefold().lstrip(".")
        chart = _chart(rule_set, outcomes, lang, image_format)
        write_output(args.chart, chart, inputs=[*inputs, args.output])
    if args.explain and output_format == "table":
        for outcome in outcomes:
            if outcome.report is not None:
                print()
                for result in outcome.report.values():
                    print(result.explanation_in(lang))
    return _status(outcomes)


def _terminal(args: argparse.Namespace) -> dict[str, Any]:
    """The width and colour of text written to a terminal (100 and none elsewhere)."""
    to_terminal = args.output is None and sys.stdout.isatty()
    return {
        "width": shutil.get_terminal_size().columns if to_terminal else 100,
        "color": to_terminal and "NO_COLOR" not in os.environ,
    }


def _stream(args: argparse.Namespace, rule_set: RuleSet, output_format: str) -> CsvStream | None:
    """A CSV file read in chunks, when the output can be written in chunks too."""
    if sqlfiles.wants_duckdb(args.data, args.engine):  # Parquet, or --engine duckdb
        chunked = output_format in ChunkedReport.FORMATS and args.chart is None
        if not chunked or args.explain:
            msg = tr(
                "a file read by DuckDB is written as {formats}",
                formats=", ".join(ChunkedReport.FORMATS),
            )
            raise UsageError(msg)
        period = None if args.year is None else str(args.year)
        return sqlfiles.open_duckdb(args.data, rule_set, mapping=_mapping(args), period=period)  # type: ignore[return-value]
    if output_format not in ChunkedReport.FORMATS or args.chart is not None or args.explain:
        return None
    stream = open_csv(
        args.data,
        rule_set,
        number_format=args.number_format,
        mapping=_mapping(args),
        header_row=args.header_row,
        period=None if args.year is None else str(args.year),
    )
    if stream is not None and stream.match.year is not None:
        return None  # a year column and a period column: the whole-file reader keys them
    return stream


def _evaluate_streamed(
    args: argparse.Namespace,
    rule_set: RuleSet,
    lang: Language,
    output_format: str,
    stream: CsvStream,
) -> int:
    """``evaluate`` on a CSV file in chunks: the same output, in bounded memory."""
    table = stream.table
    for note in table.notes:
        print(f"spmkit: {table.source}: {in_language(note, lang)}", file=sys.stderr)
    _warn_unknown(table, rule_set, lang)
    if not stream.rows:
        raise _no_rows(table, args, lang)
    report = ChunkedReport(output_format, rule_set, lang, source=table.source, **_terminal(args))
    progress = Progress(sys.stderr)
    progress.enabled = progress.enabled and not getattr(args, "no_progress", False)

    def seen(found: StreamOutcome) -> None:
        args.work_status = _streamed_status(found)  # kept if the reader closes the pipe

    if args.output is None:
        found = evaluate_stream(
            rule_set, stream, report, sys.stdout.write, progress=progress, seen=seen
        )
    else:
        with open_output(args.output, inputs=_inputs(args, rule_set)) as target:
            found = evaluate_stream(
                rule_set,
                stream,
                report,
                lambda text: target.write(text.encode("utf-8")),
                progress=progress,
                seen=seen,
            )
    if args.output is not None or output_format not in {"table", "markdown", "html"}:
        for check in found.totals:
            print(f"spmkit: {check.describe().in_lang(lang)}", file=sys.stderr)
    return _streamed_status(found)


def _streamed_status(found: StreamOutcome) -> int:
    if found.refused:
        return EXIT_REFUSED
    return EXIT_OK if found.all_met == found.rows else EXIT_NOT_MET


def _cmd_explain(args: argparse.Namespace) -> int:
    rule_set = load_rule_set(args.rule_set)
    lang = _language(args, rule_set)
    if args.indicator not in rule_set.indicators:
        known = ", ".join(rule_set.indicators)
        raise UsageError(
            message(
                "unknown_indicator",
                lang,
                rule_set=rule_set.id,
                indicator=args.indicator,
                known=known,
            )
        )
    indicator = rule_set.indicators[args.indicator]
    table = _read_table(args, rule_set)
    _warn_unknown(table, rule_set, lang)
    if args.region is not None:
        table = DataTable(
            source=table.source,
            rows=tuple(row for row in table.rows if row.region == args.region),
        )
    if not table.rows:
        raise _no_rows(table, args, lang)
    outcomes = evaluate_table(rule_set, table)
    status = EXIT_OK
    for number, outcome in enumerate(outcomes):
        if number:
            print()
        if len(outcomes) > 1 or outcome.row.region:
            print(f"== {outcome.row.label} ==")
        if outcome.report is None:
            for problem in outcome.problems:
                print(
                    message(
                        "row_refused",
                        lang,
                        where=outcome.row.where,
                        problem=in_language(problem, lang),
                    )
                )
            status = EXIT_REFUSED
            continue
        result = outcome.report[indicator.id]
        if status == EXIT_OK and result.met is not True:
            status = EXIT_NOT_MET
        print(f"{indicator.id}: {indicator_name(indicator, lang)}")
        print(result.explanation_in(lang))
        print(f"{message('explain.inputs', lang)}:")
        for name in (n for n in rule_set.inputs if n in indicator.inputs):
            spec = rule_set.inputs[name]
            label = spec.label_en if lang == "en" and spec.label_en else spec.label
            value = outcome.row.values.get(name)
            found = None if value is None else exact_number(value)
            shown = message("missing", lang) if found is None else exact_text(found, lang)
            print(f"  {name} = {shown}  ({label}; {spec.unit})")
        deadline = (
            message("no_deadline", lang)
            if indicator.deadline is None
            else message("by", lang, year=indicator.deadline)
        )
        print(f"{message('explain.target', lang)}: {target_text(result, lang)}, {deadline}")
        # The value's own source: the target judged (an overlay's file, its verification).
        source = result.target_source or indicator.source
        instrument = source.instrument or rule_set.legal_basis.cite()
        print(f"{message('explain.source', lang)}: {instrument}, {source.ref}")
        verification = message(f"verification.{source.verification.value}", lang)
        print(f"{message('explain.verification', lang)}: {verification}")
        if source.quote:
            print(f"{message('explain.quote', lang)}: {source.quote}")
        if indicator.notes:
            print(f"{message('explain.notes', lang)}:")
            for note in indicator.notes:
                print(f"  - {note}")
    return status


def _print_result(result: RuleSetDiff | Comparison, output_format: str, lang: Language) -> None:
    """Print a diff or a comparison: ``to_dict()`` as JSON, else its text in ``lang``."""
    if output_format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    print("\n".join(line.rstrip() for line in result.lines(lang=lang)))


def _cmd_diff(args: argparse.Namespace) -> int:
    first = load_rule_set(args.a)
    lang = _language(args, first)
    from spmkit._rulesets.diff import diff  # noqa: PLC0415 - only this command needs it

    _print_result(diff(first, load_rule_set(args.b)), args.format, lang)
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    """Every row (region) of the data under each rule set: verdicts side by side, flips."""
    from spmkit._evaluation.research import compare_table  # noqa: PLC0415 - numpy on use

    rule_sets = [load_rule_set(source) for source in args.rule_sets]
    lang = _language(args, rule_sets[0])
    table = _read_table(args, rule_sets)
    if not table.rows:
        raise _no_rows(table, args, lang)
    status = EXIT_OK
    good = [row for row in table.rows if not row.problems]
    for row in table.rows:
        for problem in row.problems:
            shown = in_language(problem, lang)
            where = in_language(row.where, lang)
            print(message("row_refused", lang, where=where, problem=shown), file=sys.stderr)
            status = EXIT_REFUSED
    if not good:
        return status
    columns, keys, year = region_columns(good), ["region"], None
    if any(row.year is not None for row in good):  # each row judged in its own year
        columns["region"] = [row.region or str(row.where) for row in good]
        columns["tahun"] = [row.year for row in good]
        keys, year = ["region", "tahun"], "tahun"
    result = compare_table(rule_sets, columns, keys=keys, year=year)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(result.to_csv())
    else:
        print(result.text(lang))
    return status


def _cmd_check(args: argparse.Namespace) -> int:
    failed = False
    lang: Language = args.lang or "en"
    for name in args.files:
        try:
            rule_set = load_rule_set(name)
        except SpmkitError as exc:
            failed = True
            for line in format_errors(exc, lang):
                print(line)
        else:
            print(message("check_ok", lang, name=name, count=len(rule_set.indicators)))
    return EXIT_UNUSABLE if failed else EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    """``spmkit list``: shipped and installed rule sets, in force as the succession decides."""
    return _cmd_list_in_time(args)


def _on(text: str) -> dt.date | int:
    """``--on``: a year (2013) or a date (2013-06-30)."""
    try:
        return int(text) if text.isdigit() else dt.date.fromisoformat(text)
    except ValueError:
        msg = tr("--on must be a year (2013) or a date (2013-06-30), got {text!r}", text=text)
        raise UsageError(msg) from None


def _cmd_list_in_time(args: argparse.Namespace) -> int:
    """The catalogue: validity, verified share, legal basis; filtered by the options."""
    from spmkit._rulesets.catalogue import list_rule_sets  # noqa: PLC0415 - loads every rule set

    on = None if args.on is None else _on(args.on)
    records = list_rule_sets(args.jurisdiction, on, sector=args.sector, level=args.level)
    lang = _language(args, None)
    for record in records:
        rule_set = load_rule_set(record.file or record.id)
        title = rule_set.title_en if lang == "en" and rule_set.title_en else rule_set.title
        supersedes = ", ".join(record.supersedes)
        replaces = tr("; supersedes {ids}", ids=supersedes) if record.supersedes else ""
        when = f"{in_language(record.validity(), lang):26}"
        in_force = tr("in force {when}", when=when).in_lang(lang)
        verified = tr("verified {share}", share=f"{record.verified_share:4.0%}").in_lang(lang)
        origin = tr(" [installed]").in_lang(lang) if record.installed else ""
        print(
            f"{record.id:42} {in_force} {verified} {record.jurisdiction}"
            f"{in_language(replaces, lang)}{origin}\n"
            f"{'':42} {rule_set.legal_basis.cite()}: {title}"
        )
    if not records:
        none = tr("no rule set applies to {where!r}", where=args.jurisdiction)
        print((none if args.jurisdiction else tr("no rule set applies")).in_lang(lang))
    return 0 if records else 1


def _succession_end(rule_set: RuleSet, reference: str) -> tuple[str, str] | None:
    """The end the catalogue's succession gives a shipped or installed rule set, if earlier.

    ``indeks-spm-kesehatan`` declares no end, but its successor starts in 2024:
    ``("2023-12-31", "indeks-spm-kesehatan-6-2024")``. None for a rule file given by
    path, or one no successor ends.
    """
    from spmkit._rulesets.catalogue import list_rule_sets  # noqa: PLC0415 - loads every rule set

    if reference != rule_set.id or rule_set.in_force is None:
        return None
    for record in list_rule_sets():
        if record.id == rule_set.id and record.in_force_until != record.declared_until:
            assert record.in_force_until is not None  # noqa: S101 - a successor ends it
            return record.in_force_until.isoformat(), ", ".join(record.superseded_by)
    return None


def _validity(rule_set: RuleSet, lang: Language, end: tuple[str, str] | None = None) -> str:
    """The validity line of ``spmkit show``; ``end``: the end the succession decides."""
    in_force = rule_set.in_force
    if in_force is None:
        return tr("in force: not declared").in_lang(lang)
    source = in_force.source
    fields = {"start": in_force.start.isoformat(), "ref": source.ref}
    if end is not None:
        text = tr(
            "in force: {start} .. {end} (superseded by {ids}) [{ref}; {level}]",
            **fields,
            end=end[0],
            ids=end[1],
            level=source.verification.value,
        )
    elif in_force.end is None:
        text = tr(
            "in force: {start} .. open [{ref}; {level}]", **fields, level=source.verification.value
        )
    else:
        text = tr(
            "in force: {start} .. {end} [{ref}; {level}]",
            **fields,
            end=in_force.end.isoformat(),
            level=source.verification.value,
        )
    if rule_set.supersedes:
        text = tr("{text}; supersedes {ids}", text=text, ids=", ".join(rule_set.supersedes))
    return text.in_lang(lang)


HISTORY_SUFFIXES: Final = {".json": "json", ".txt": "table"}
"""The files ``evaluate --jurisdiction`` writes, by suffix: the history as JSON or text."""


def _history_format(args: argparse.Namespace) -> str:
    """``--format`` or ``-o``'s suffix for a history: json or table; anything else refused."""
    chosen = args.format
    if args.output is not None:
        suffix = Path(args.output).suffix.casefold()
        by_suffix = HISTORY_SUFFIXES.get(suffix)
        if by_suffix is None or (chosen is not None and chosen != by_suffix):
            msg = tr(
                "with --jurisdiction the history is written as .json or .txt "
                "(--format json or table); got {output!r}",
                output=args.output,
            )
            raise UsageError(msg)
        return by_suffix
    if chosen not in {None, "table", "json"}:
        msg = tr(
            "with --jurisdiction the history is written as .json or .txt "
            "(--format json or table); got {output!r}",
            output=f"--format {chosen}",
        )
        raise UsageError(msg)
    return "json" if chosen == "json" else "table"


def _cmd_evaluate_history(args: argparse.Namespace) -> int:
    """``spmkit evaluate --jurisdiction NAME data.csv``: each year under its own rules."""
    from spmkit._evaluation.history import evaluate_history  # noqa: PLC0415
    from spmkit._rulesets.catalogue import list_rule_sets  # noqa: PLC0415

    data = args.data if args.data is not None else args.rule_set
    if data is None or (args.data is not None and args.rule_set is not None):
        given = tr("no data file") if data is None else tr("a rule set as well")
        msg = tr(
            "with --jurisdiction give the data file only (got {given}): the rule set of "
            "each year is chosen from the catalogue",
            given=given,
        )
        raise UsageError(msg)
    args.data = data
    output_format = _history_format(args)
    if args.output is not None:
        check_output(args.output, inputs=_inputs(args), suffixes=HISTORY_SUFFIXES)
    # Every health rule set that may judge some year: their inputs name the columns.
    candidates = [
        resolve_rule_set(record.file)
        for record in list_rule_sets(args.jurisdiction)
        if record.file is not None and record.sector in {None, "kesehatan"}
    ]
    table = read_data(
        data, candidates, number_format=args.number_format, mapping=_mapping(args), sheet=args.sheet
    )
    refused = [row for row in table.rows if row.problems or row.year is None]
    lang: Language = args.lang or "en"
    for row in refused:
        problems = row.problems or (tr("the row names no year (a column 'year' or 'tahun')"),)
        for problem in problems:
            where = in_language(row.where, lang)
            print(f"spmkit: {where}: {in_language(problem, lang)}", file=sys.stderr)
    rows = [
        {"year": row.year, **row.values}
        for row in table.rows
        if row not in refused and (args.year is None or row.year == args.year)
    ]
    history = evaluate_history(args.jurisdiction, rows)
    if output_format == "json":
        text = json.dumps(history.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
    else:
        text = "\n".join(history.lines(args.lang or "en")) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_output(args.output, text.encode("utf-8"), inputs=_inputs(args))
    met = all(r.status.value == "met" for row in history for r in row.computed())
    return 0 if met and not refused else 1


def _cmd_show(args: argparse.Namespace) -> int:
    rule_set = load_rule_set(args.rule_set)
    lang = _language(args, rule_set)
    title = rule_set.title_en if lang == "en" and rule_set.title_en else rule_set.title
    print(f"{rule_set.id}: {title}")
    print(f"{rule_set.legal_basis.cite()}, {rule_set.jurisdiction.name}")
    print(_validity(rule_set, lang, _succession_end(rule_set, args.rule_set)))
    if args.provenance:
        _print_provenance(rule_set, lang)
        return 0
    for indicator in rule_set.indicators.values():
        deadline = (
            message("no_deadline", lang)
            if indicator.deadline is None
            else message("by", lang, year=indicator.deadline)
        )
        print(
            f"  {indicator.id:8} {indicator.target.in_words(indicator.factor).in_lang(lang):10} "
            f"{deadline:17} "
            f"{indicator_name(indicator, lang)}  [{indicator.source.ref}]"
        )
    return 0


def _fhir_text(rule_set: RuleSet, outcomes: Sequence[RowOutcome], year: int | None) -> str:
    """The evaluated rows as one FHIR R4 resource (a MeasureReport, or a Bundle of them)."""
    from spmkit._interop.fhir import RegionReport, to_fhir  # noqa: PLC0415 - only when asked

    entries = [
        RegionReport(
            report=o.report,
            region=o.row.region,
            year=int(o.row.period) if o.row.period and o.row.period.isdigit() else year,
        )
        for o in outcomes
        if o.report is not None
    ]
    try:
        if len(entries) == 1:
            only = entries[0]
            resource = to_fhir(rule_set, only.report, year=only.year, region=only.region)
        else:
            resource = to_fhir(rule_set, entries, year=year)
    except UsageError as exc:
        problem = Bilingual(str(exc), exc.in_lang("id"))
        msg = tr("{problem}; give --year or a year column in the data", problem=problem)
        raise UsageError(msg) from exc
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def _write_fhir(rule_set: RuleSet, outcomes: Sequence[RowOutcome], args: argparse.Namespace) -> int:
    """``evaluate --format fhir``: print (or write) the resource; the exit status as evaluate's."""
    text = _fhir_text(rule_set, outcomes, args.year)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_output(args.output, text.encode("utf-8"), inputs=_inputs(args, rule_set))
    return _status(outcomes)


def _cmd_serve(args: argparse.Namespace) -> int:
    from spmkit._interop.commands import run_serve  # noqa: PLC0415 - only when serving

    return run_serve(args)


def _cmd_dhis2(args: argparse.Namespace) -> int:
    from spmkit._interop.commands import run_dhis2  # noqa: PLC0415 - only for this command

    return run_dhis2(args)


def _cmd_test(args: argparse.Namespace) -> int:
    from spmkit._interop.ruletests import find_rule_tests, load_rule_tests, run_case  # noqa: PLC0415

    paths = find_rule_tests(args.paths)
    if not paths:
        msg = tr("no *.tests.yaml files in {paths}", paths=", ".join(args.paths))
        raise UsageError(msg)
    passed = failed = 0
    unreadable = False
    lang: Language = args.lang or "en"
    for path in paths:
        try:
            suite = load_rule_tests(path)
        except SpmkitError as exc:
            unreadable = True
            for line in format_errors(exc, lang):
                print(line, file=sys.stderr)
            continue
        outcomes = [run_case(suite.rule_set, case) for case in suite.cases]
        for outcome in outcomes:
            if not outcome.passed:
                print("\n".join(outcome.lines(lang)))
        good = sum(outcome.passed for outcome in outcomes)
        passed, failed = passed + good, failed + len(outcomes) - good
        summary = tr(
            "{path}: {good}/{total} cases passed ({rule_set})",
            path=path,
            good=good,
            total=len(outcomes),
            rule_set=suite.rule_set.id,
        )
        print(summary.in_lang(lang))
    total = tr(
        "spmkit test: {passed} cases passed, {failed} failed, {files} file(s)",
        passed=passed,
        failed=failed,
        files=len(paths),
    )
    print(total.in_lang(lang))
    if unreadable:
        return 2
    return 1 if failed else 0


def _cmd_schema(_args: argparse.Namespace) -> int:
    from spmkit._rulesets.jsonschema import schema_text  # noqa: PLC0415 - only when asked

    sys.stdout.write(schema_text())
    return 0


def _print_provenance(rule_set: RuleSet, lang: Language = "en") -> None:
    """Each value with its level, place, quote, address and note; then the counts."""
    for value in rule_set.provenance():
        source = value.source
        print(f"  {value.indicator_id} {value.field}: {value.value}  [{source.verification}]")
        place = f"{source.instrument}, {source.ref}" if source.instrument else source.ref
        if source.rule_set not in {None, rule_set.id}:
            place = tr("{where} (from {rule_set})", where=place, rule_set=source.rule_set)
        print("      " + tr("source: {where}", where=place).in_lang(lang))
        if source.quote:
            print("      " + tr('quote: "{text}"', text=source.quote).in_lang(lang))
        if source.url:
            print(f"      url: {source.url}")
        if source.note:
            print("      " + tr("note: {text}", text=source.note).in_lang(lang))
    counts = rule_set.verification_counts()
    shares = ", ".join(f"{counts[level]} {level}" for level in Verification)
    total = tr("values: {shares} (of {total})", shares=shares, total=sum(counts.values()))
    print(total.in_lang(lang))


HELP_LANGUAGE: Language = "en"
"""The language of ``--help`` (set from ``--lang`` or the environment by :func:`main`)."""


def _t(text: Bilingual) -> str:
    """Help text (a message of the catalogue) in the help language."""
    return text.in_lang(HELP_LANGUAGE)


def _lang_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help=_t(
            tr(
                "language of labels, messages and numbers (default: the rule set's, English "
                "where no one rule set is read; id for Indonesian: 4.900 and 94,23 %%)"
            ),
        ),
    )
    return parent


def _data_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--year",
        type=int,
        help=_t(
            tr("use only the rows of this year (rows naming no year are kept)"),
        ),
    )
    parent.add_argument(
        "--number-format",
        choices=("auto", "id", "en"),
        default="auto",
        help=_t(
            tr(
                "how numbers written as text are read: id = 3.582 and 96,81; en = 3,582 and "
                "96.81; auto (default) decides from every cell of the file and refuses only "
                "an ambiguous column"
            ),
        ),
    )
    parent.add_argument(
        "--mapping",
        metavar="FILE",
        help=_t(
            tr("YAML file mapping column names to input names"),
        ),
    )
    parent.add_argument(
        "--sheet",
        help=_t(
            tr(
                "the sheet of an Excel workbook (default: the first); 'all' reads every sheet, "
                "the year taken from each sheet's name"
            ),
        ),
    )
    parent.add_argument(
        "--header-row",
        type=int,
        metavar="N",
        help=_t(
            tr(
                "the row number of the column headers (default: the row that best matches the "
                "rule set's inputs; title rows above it are skipped)"
            ),
        ),
    )
    parent.add_argument(
        "--no-unverified-note",
        dest="unverified_note",
        action="store_false",
        help=_t(
            tr("do not print the one-line note on a rule set with unverified values"),
        ),
    )
    return parent


def _add(
    commands: Any,  # noqa: ANN401 - argparse's _SubParsersAction is private
    name: str,
    summary: str,
    example: str,
    parents: Sequence[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"{_example()}:\n  {example}\n\n{_exit_codes()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=list(parents),
    )
    return parser


def _add_interop_commands(
    commands: Any,  # noqa: ANN401 - argparse's _SubParsersAction
    evaluate: argparse.ArgumentParser,
) -> None:
    """``serve``, ``test``, ``schema`` and ``sql``: spmkit for other systems and editors."""
    sqlfiles.add_sql_command(commands, evaluate=evaluate, help_text=_t)  # and --engine
    serve_parser = _add(
        commands,
        "serve",
        "serve the library over HTTP (needs the serve extra; docs/service.md)",
        "spmkit serve --host 127.0.0.1 --port 8000 --token-file token.txt",
        [],
    )
    from spmkit._interop.commands import add_serve_options  # noqa: PLC0415 - its options

    add_serve_options(serve_parser)
    serve_parser.set_defaults(handler=_cmd_serve)
    dhis2_parser = _add(
        commands,
        "dhis2",
        "DHIS2: export a data file as a dataValueSet, import an analytics export or a "
        "dataValueSet (docs/dhis2.md)",
        "spmkit dhis2 export kulon-progo-2011 data.csv --mapping dhis2.yaml --year 2011",
        [],
    )
    from spmkit._interop.commands import add_dhis2_options  # noqa: PLC0415 - its options

    add_dhis2_options(dhis2_parser)
    dhis2_parser.set_defaults(handler=_cmd_dhis2)

    test = _add(
        commands,
        "test",
        "run rule tests (*.tests.yaml beside rule files); exit status 1 when a case fails",
        "spmkit test rules/",
        [_lang_parent()],
    )
    test.add_argument(
        "paths", nargs="+", metavar="PATH", help=_t(tr("tests files, or folders of them"))
    )
    test.set_defaults(handler=_cmd_test)

    schema = _add(
        commands,
        "schema",
        "print the JSON Schema of rule files (for editors; docs/schema.md)",
        "spmkit schema > rule-set.schema.json",
        [],
    )
    schema.set_defaults(handler=_cmd_schema)


def _example() -> str:
    return _t(tr("example"))


def _exit_codes() -> str:
    return _t(
        tr(
            "exit status: 0 all targets met, 1 some target not met, 2 unusable input or rule "
            "file, 3 some rows refused"
        ),
    )


def _rule_set_help() -> str:
    return _t(tr("shipped rule-set id or path to a rule file"))


def _data_help() -> str:
    return _t(tr("CSV, .xlsx, JSON or YAML data file"))


def _add_top_options(parser: argparse.ArgumentParser) -> None:
    """``--version``, and ``--lang`` before the command (``spmkit --lang id evaluate ...``)."""
    parser.add_argument(
        "--version",
        action="version",
        version=f"spmkit {_version()}",
        help=gettext_in("argparse", "show program's version number and exit", HELP_LANGUAGE),
    )
    parser.add_argument(
        "--lang",
        dest="first_lang",
        choices=LANGUAGES,
        default=None,
        help=_t(
            tr("language of the output (also accepted after the command)"),
        ),
    )


def _list_options(listing: argparse.ArgumentParser) -> None:
    """The filters of ``spmkit list``: place, day, sector, level."""
    listing.add_argument(
        "--jurisdiction",
        metavar="NAME",
        help=_t(
            tr("only those that apply there (a name as written, a slug, or a Kemendagri code)")
        ),
    )
    listing.add_argument("--on", metavar="YEAR|DATE", help=_t(tr("only those in force then")))
    listing.add_argument(
        "--sector",
        metavar="SECTOR",
        help=_t(tr("only that SPM field (kesehatan, pendidikan, ...)")),
    )
    listing.add_argument(
        "--level",
        choices=("provinsi", "kabupaten/kota"),
        help=_t(tr("only rule sets of that level")),
    )


def build_parser() -> argparse.ArgumentParser:  # noqa: PLR0915 - one block per command
    """Return the argument parser of the ``spmkit`` command (help in :data:`HELP_LANGUAGE`)."""
    parser = argparse.ArgumentParser(
        prog="spmkit",
        description=_t(
            tr("Evaluate Indonesian SPM (Standar Pelayanan Minimal) rule sets on your counts."),
        ),
        epilog=f"{_example()}:\n  spmkit evaluate kulon-progo-2011 "
        f"examples/kulon-progo-2011.yaml\n\n{_exit_codes()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_top_options(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lang, data = _lang_parent(), _data_parent()

    run = _add(
        commands,
        "evaluate",
        _t(
            tr("evaluate a rule set on a data file (CSV, Excel, JSON or YAML)"),
        ),
        "spmkit evaluate kulon-progo-2011 data.xlsx --sheet all -o hasil.xlsx",
        [lang, data],
    )
    run.add_argument("rule_set", nargs="?", help=_rule_set_help())
    run.add_argument(
        "data",
        nargs="?",
        help=_t(
            tr("CSV, .xlsx, JSON or YAML: one row per region and period, or a single mapping"),
        ),
    )
    run.add_argument(
        "--jurisdiction",
        metavar="NAME",
        help=_t(
            tr(
                "judge each year of the data under the rule set in force there that year "
                "(give only the data file; it needs a year column): docs/time.md"
            ),
        ),
    )
    run.add_argument(
        "--period",
        metavar="PERIOD",
        help=_t(
            tr(
                "with --year: judge cumulative data of a part of the year against that year's "
                "milestone, pro rata for minimum targets (Q2, TW II, 'triwulan 2', Mei, S1): "
                "docs/time.md"
            ),
        ),
    )
    run.add_argument(
        "--format",
        choices=(*OUTPUT_FORMATS, "fhir"),
        help=_t(tr("output format (default: table)")),
    )
    run.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=_t(
            tr(
                "write the report here; the suffix sets the format: .xlsx, .csv, .json, .html, "
                ".md, .txt"
            ),
        ),
    )
    run.add_argument(
        "--chart",
        metavar="FILE",
        help=_t(tr("also draw the chart, as .png or .svg")),
    )
    run.add_argument(
        "--explain",
        action="store_true",
        help=_t(tr("print every result's explanation")),
    )
    run.add_argument(
        "--no-progress",
        action="store_true",
        help=_t(tr("no progress line on stderr")),
    )
    run.set_defaults(handler=_cmd_evaluate)

    explain = _add(
        commands,
        "explain",
        _t(
            tr("explain one indicator's result: formula, values, target, source, notes"),
        ),
        "spmkit explain kulon-progo-2011 examples/kulon-progo-2011.yaml I.1 --lang id",
        [lang, data],
    )
    explain.add_argument("rule_set", help=_rule_set_help())
    explain.add_argument("data", help=_data_help())
    explain.add_argument("indicator", help=_t(tr("the indicator id, e.g. I.1")))
    explain.add_argument("--region", help=_t(tr("only the rows of this region")))
    explain.set_defaults(handler=_cmd_explain)

    check = _add(
        commands,
        "check",
        _t(
            tr("check rule files and report every problem (exit status 2 when any)"),
        ),
        "spmkit check rules/kulon-progo-2011.yaml",
        [lang],
    )
    check.add_argument("files", nargs="+", help=_t(tr("rule files or shipped ids")))
    check.set_defaults(handler=_cmd_check)

    listing = _add(
        commands,
        "list",
        _t(tr("list the shipped rule sets")),
        "spmkit list",
        [lang],
    )
    _list_options(listing)
    listing.set_defaults(handler=_cmd_list)

    show = _add(
        commands,
        "show",
        _t(
            tr("show a rule set's indicators, targets, deadlines and sources"),
        ),
        "spmkit show kulon-progo-2011 --lang en",
        [lang],
    )
    show.add_argument("rule_set", help=_rule_set_help())
    show.add_argument(
        "--provenance",
        action="store_true",
        help=_t(
            tr(
                "list every target, deadline and formula with its source, quote and "
                "verification level (primary, secondary, unverified)"
            )
        ),
    )
    show.set_defaults(handler=_cmd_show)

    diff_command = _add(
        commands,
        "diff",
        _t(
            tr("show what changed between two rule sets (indicators, targets, formulas)"),
        ),
        "spmkit diff kulon-progo-2011 my-revision.yaml --lang id",
        [lang],
    )
    diff_command.add_argument("a", help=_t(tr("the first rule set (id or file)")))
    diff_command.add_argument("b", help=_t(tr("the second rule set (id or file)")))
    diff_command.add_argument("--format", choices=("text", "json"), default="text")
    diff_command.set_defaults(handler=_cmd_diff)

    compare_command = _add(
        commands,
        "compare",
        _t(
            tr("evaluate several rule sets on the same data, side by side"),
        ),
        "spmkit compare kulon-progo-2011 my-revision.yaml --data data.csv",
        [lang, data],
    )
    compare_command.add_argument(
        "rule_sets", nargs="+", metavar="RULESET", help=_t(tr("ids or files"))
    )
    compare_command.add_argument("--data", required=True, help=_data_help())
    compare_command.add_argument("--format", choices=("text", "json", "csv"), default="text")
    compare_command.set_defaults(handler=_cmd_compare)

    quarterly = _add(
        commands,
        "quarterly",
        _t(
            tr("the quarterly e-SPM report (TW1-TW4): served, not yet served, mutu, index, band"),
        ),
        "spmkit quarterly indeks-spm-kesehatan examples/spm-index-quarterly.csv -o report.xlsx",
        [lang, data],
    )
    quarterly.add_argument("rule_set", help=_t(tr("a rule set with an index per service")))
    quarterly.add_argument(
        "data", help=_t(tr("one row per quarter, its quarter in column 'periode'"))
    )
    quarterly.add_argument(
        "-o", "--output", metavar="FILE", help=".csv, .json, .xlsx, .html, .md or .txt"
    )
    quarterly.add_argument("--region", help=_t(tr("only the rows of this region")))
    quarterly.add_argument("--explain", action="store_true", help=_t(tr("print every explanation")))
    quarterly.set_defaults(handler=_cmd_quarterly)

    _add_interop_commands(commands, evaluate=run)
    _add_library_commands(commands, lang)
    return parser


QUARTERLY_SUFFIXES: Final = (".csv", ".json", ".xlsx", ".html", ".htm", ".md", ".txt")
"""The files ``spmkit quarterly -o`` writes, by suffix."""


def _add_library_commands(commands: Any, lang: argparse.ArgumentParser) -> None:  # noqa: ANN401
    """``report-spm`` (every urusan of a region) and ``new rule-set`` (docs/adding-rule-sets.md)."""
    report = _add(
        commands,
        "report-spm",
        _t(
            tr("the SPM report of a region across urusan: penerima, mutu, index, band, rule set"),
        ),
        'spmkit report-spm "Kabupaten Contoh" examples/spm-report-kabupaten.yaml --year 2025 '
        "-o laporan.html",
        [lang],
    )
    report.add_argument("jurisdiction", help=_t(tr("the region")))
    report.add_argument("data", help=_t(tr("YAML or JSON: urusan -> inputs")))
    report.add_argument("--year", type=int, required=True, help=_t(tr("reporting year")))
    report.add_argument("--quarter", type=int, choices=(1, 2, 3, 4), help=_t(tr("quarter")))
    report.add_argument("--level", choices=("provinsi", "kabupaten/kota"))
    report.add_argument("-o", "--output", metavar="FILE", help=".html, .xlsx or .json")
    report.add_argument(
        "--rule-set",
        action="append",
        default=[],
        metavar="URUSAN=RULESET",
        help=_t(
            tr("judge that urusan with this rule set (id or file), not the one in force"),
        ),
    )
    report.set_defaults(handler=_cmd_report_spm)

    new = commands.add_parser("new", help=_t(tr("write a new file")))
    kinds = new.add_subparsers(dest="kind", required=True, metavar="KIND")
    skeleton = _add(
        kinds,
        "rule-set",
        _t(
            tr("write the skeleton of a rule set that passes spmkit check, to fill in"),
        ),
        "spmkit new rule-set spm-sosial-kota-contoh-2025 --sector sosial --level kota "
        "-o spm-sosial-kota-contoh-2025.yaml",
        [],
    )
    skeleton.add_argument("id", help=_t(tr("the new rule set's id")))
    skeleton.add_argument("--sector", required=True, help="pendidikan, kesehatan, ...")
    skeleton.add_argument(
        "--level", required=True, help="kabupaten/kota, provinsi, kabupaten, kota"
    )
    skeleton.add_argument("--extends", metavar="BASE", help=_t(tr("an overlay of BASE")))
    skeleton.add_argument("--jurisdiction", metavar="NAME", help='"Kabupaten Contoh"')
    skeleton.add_argument("--year", type=int, default=2025, help=_t(tr("in force from")))
    skeleton.add_argument("--schema", default="./rule-set.schema.json", help="modeline target")
    skeleton.add_argument("-o", "--output", metavar="FILE", help=_t(tr("never overwritten")))
    skeleton.set_defaults(handler=_cmd_new_rule_set)


def _cmd_report_spm(args: argparse.Namespace) -> int:
    """``spmkit report-spm``: the cross-urusan report, to stdout or a file by its suffix."""
    from spmkit._evaluation.spm_report import report_spm  # noqa: PLC0415 - numpy on use
    from spmkit._files.spm_render import read_spm_data, render_spm, write_spm  # noqa: PLC0415

    lang = _language(args, None)
    data = read_spm_data(args.data)
    given = dict(pair.partition("=")[::2] for pair in args.rule_set)
    report = report_spm(
        args.jurisdiction,
        data,
        year=args.year,
        quarter=args.quarter,
        level=args.level,
        rule_sets=given,
    )
    if args.output is None:
        sys.stdout.write(render_spm(report, "text", lang).decode())
    else:
        write_spm(report, args.output, lang, inputs=(args.data, *given.values()))
    judged = [row.index or row.penerima for row in report.rows]
    return EXIT_NOT_MET if any(result.met is False for result in judged) else EXIT_OK


def _cmd_new_rule_set(args: argparse.Namespace) -> int:
    """``spmkit new rule-set``: a skeleton that loads, to stdout or a new file."""
    from spmkit._files.outputs import create_file  # noqa: PLC0415 - on use
    from spmkit._rulesets.skeleton import skeleton  # noqa: PLC0415 - on use

    base = None if args.extends is None else load_rule_set(args.extends)
    text = skeleton(
        args.id,
        sector=args.sector,
        level=args.level,
        extends=base,
        jurisdiction=args.jurisdiction,
        year=args.year,
        schema=args.schema,
    )
    if args.output is None:
        sys.stdout.write(text)
    else:
        create_file(args.output, text)
    return 0


def _cmd_quarterly(args: argparse.Namespace) -> int:
    """The quarterly e-SPM report: one row per quarter (column ``periode``) and service."""
    from spmkit._evaluation.quarterly import quarterly_report  # noqa: PLC0415 - numpy on use

    rule_set = load_rule_set(args.rule_set)
    lang = _language(args, rule_set)
    inputs = _inputs(args, rule_set)
    if args.output is not None:
        check_output(args.output, inputs=inputs, suffixes=QUARTERLY_SUFFIXES)
    table = _read_table(args, rule_set)
    _warn_unknown(table, rule_set, lang)
    rows = [r for r in table.rows if args.region is None or r.region == args.region]
    regions = sorted({r.region for r in rows if r.region is not None})
    if len(regions) > 1:
        msg = tr(
            "{source} has several regions ({regions}); choose one: --region",
            source=table.source,
            regions=", ".join(regions),
        )
        raise UsageError(msg)
    years = sorted({r.year for r in rows if r.year is not None})
    if len(years) > 1:
        msg = tr(
            "{source} has several years ({years}); choose one: --year",
            source=table.source,
            years=", ".join(map(str, years)),
        )
        raise UsageError(msg)
    bad = [(row.where, p) for row in rows for p in row.problems]
    if bad:
        for where, problem in bad:
            where_text = in_language(where, lang)
            print(f"spmkit: {where_text}: {in_language(problem, lang)}", file=sys.stderr)
        return EXIT_REFUSED
    unnamed = [row.where for row in rows if not isinstance(row.part, str)]
    if unnamed or not rows:
        missing: str = (
            tr(
                "every row needs its quarter (TW1-TW4) in a 'periode' column: {rows}",
                rows=Bilingual(str(unnamed), str([in_language(w, "id") for w in unnamed])),
            )
            if unnamed
            else tr("{source} has no rows", source=table.source)
        )
        raise UsageError(missing)
    report = quarterly_report(rule_set, {row.part: row.values for row in rows})
    suffix = "" if args.output is None else Path(args.output).suffix.casefold()
    renderers: dict[str, Callable[[Language], str | bytes]] = {
        ".csv": report.to_csv,
        ".json": lambda _lang: json.dumps(report.to_rows(), ensure_ascii=False, indent=2) + "\n",
        ".xlsx": report.to_excel,
        ".html": report.render_html,
        ".htm": report.render_html,
        ".md": report.render_markdown,
    }
    rendered = renderers.get(suffix, report.render_table)(lang)
    if args.output is None:
        sys.stdout.write(str(rendered))
    else:
        data = rendered if isinstance(rendered, bytes) else rendered.encode("utf-8")
        write_output(args.output, data, inputs=inputs)
    if args.explain:
        sys.stdout.write("\n" + report.explanation(lang))
    return 0


def _joined(problems: Sequence[tuple[str, str]]) -> str:
    """``where: problem; where: problem`` in both languages (each part may be Bilingual)."""
    english, indonesian = (
        "; ".join(f"{in_language(w, lang)}: {in_language(p, lang)}" for w, p in problems)
        for lang in ("en", "id")
    )
    return Bilingual(english, indonesian)


def _help_language(argv: Sequence[str]) -> Language:
    """``--lang id`` on the command line, else ``SPMKIT_LANG`` or ``LANG`` starting ``id``."""
    for index, word in enumerate(argv):
        if word == "--lang" and index + 1 < len(argv) and argv[index + 1] in LANGUAGES:
            return argv[index + 1]  # type: ignore[return-value]  # checked just above
        if word.startswith("--lang=") and word[7:] in LANGUAGES:
            return word[7:]  # type: ignore[return-value]  # checked just above
    for variable in ("SPMKIT_LANG", "LANG"):
        if os.environ.get(variable, "").casefold().startswith("id"):
            return "id"
    return "en"


def _parse(parser: argparse.ArgumentParser, words: Sequence[str]) -> argparse.Namespace:
    """Parse, letting optional positionals follow options.

    ``evaluate``'s rule set and data file may both be left out (``--jurisdiction``), and
    argparse (before Python 3.13) then leaves a data file given after an option
    (``evaluate kulon-progo-2011 --sheet all rekap.xlsx``) unparsed: it is taken here.
    """
    args, extra = parser.parse_known_args(words)
    for name in ("rule_set", "data"):
        if extra and not extra[0].startswith("-") and getattr(args, name, "") is None:
            setattr(args, name, extra.pop(0))
    if extra:
        unrecognized = gettext_in("argparse", "unrecognized arguments: %s", HELP_LANGUAGE)
        parser.error(unrecognized % " ".join(extra))
    if getattr(args, "lang", None) is None and args.first_lang is not None:
        args.lang = args.first_lang
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    A closed output pipe (``spmkit list | head -3``) ends the command quietly, with the
    exit status of the work done so far.
    """
    global HELP_LANGUAGE  # noqa: PLW0603 - the help language is chosen once per run
    words = list(sys.argv[1:] if argv is None else argv)
    HELP_LANGUAGE = _help_language(words)
    with argparse_language(HELP_LANGUAGE):  # argparse's own words too: "penggunaan:", "opsi"
        args = _parse(build_parser(), words)
    status = EXIT_OK
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalSafe(sys.stdout), TerminalSafe(sys.stderr)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SpmkitWarning)
            status = _run(args)
        _report_warnings(args, caught)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (head, less): stop writing, and do not let Python's
        # exit flush complain about the closed pipe.
        status = getattr(args, "work_status", EXIT_OK)
        silence_stdout()
    finally:
        sys.stdout, sys.stderr = streams
    return status


_UNSAFE: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]|\r(?!\n)"
)
"""Characters a terminal acts on or cannot show: control characters (ESC starts colour and
title sequences), bidirectional overrides, lone surrogates, and a carriage return that
does not end a line (it would write over the line)."""


def terminal_safe(text: str) -> str:
    r"""Text with every character of :data:`_UNSAFE` written as its escape.

    >>> terminal_safe("Wates" + chr(27) + "[31m" + chr(7))
    'Wates\\x1b[31m\\x07'
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda found: ascii(found.group())[1:-1], text)


class TerminalSafe:
    """A text stream that writes :func:`terminal_safe` text to the stream it wraps.

    Every word the command prints (tables, explanations, notes, errors) passes through
    it, so a region cell or a rule-set title cannot set the terminal's title or colours.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write the text, its unsafe characters escaped."""
        return self._stream.write(terminal_safe(text))

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - whatever the stream has
        return getattr(self._stream, name)


def _report_warnings(args: argparse.Namespace, caught: list[warnings.WarningMessage]) -> None:
    """Show spmkit's warnings as one-line notes on stderr, each once; re-emit others.

    ``list`` shows none: it loads every shipped rule set only to name them. The note on
    unverified values (one line per rule set) is shown only by the commands that judge
    data (evaluate, explain, compare), unless ``--no-unverified-note``; ``show
    --provenance`` lists the values themselves.
    """
    shown: set[str] = set()
    for warning in caught:
        if not isinstance(warning.message, SpmkitWarning):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
            continue
        if isinstance(warning.message, UnverifiedValuesWarning) and not getattr(
            args, "unverified_note", False
        ):
            continue
        lang: Language = getattr(args, "resolved_lang", None) or getattr(args, "lang", None) or "en"
        text = error_in(warning.message, lang)
        if args.command != "list" and text not in shown:
            shown.add(text)
            print(f"spmkit: {message('note', lang)}: {text}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    try:
        status: int = args.handler(args)
    except DataFileError as exc:
        lang: Language = getattr(args, "resolved_lang", None) or getattr(args, "lang", None) or "en"
        for line in exc.problems_in(lang):
            print(f"spmkit: {line}", file=sys.stderr)
        return 2
    except SpmkitError as exc:
        lang = getattr(args, "resolved_lang", None) or getattr(args, "lang", None) or HELP_LANGUAGE
        for line in format_errors(exc, lang):
            print(f"spmkit: {line}" if isinstance(exc, UsageError) else line, file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"spmkit: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise
    except OSError as exc:
        print(f"spmkit: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last guard: a message, never a traceback
        text = tr(
            "spmkit: internal error ({error}); this is a bug in spmkit, please report it "
            "with the command you ran",
            error=f"{type(exc).__name__}: {str(exc)[:300]}",
        )
        print(text.in_lang(getattr(args, "resolved_lang", None) or "en"), file=sys.stderr)
        return EXIT_INTERNAL
    return status


if __name__ == "__main__":
    sys.exit(main())
