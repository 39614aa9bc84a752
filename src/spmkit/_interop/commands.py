"""The command-line side of ``spmkit serve`` and ``spmkit dhis2``: options and start checks.

``cli.py`` registers the subcommands and calls these; the work is here, next to the
service and the DHIS2 mapping. Every bad start option is a :class:`UsageError` (exit 2)
naming the option and how to fix it, checked before anything is loaded.
"""

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Final

from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = [
    "add_dhis2_options",
    "add_serve_options",
    "positive",
    "read_token",
    "run_dhis2",
    "run_serve",
]


def positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type: a number above zero, else a clear error (exit 2)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            msg = tr("give a number above 0 (got {text!r})", text=text)
            raise argparse.ArgumentTypeError(msg)
        return value

    parse.__name__ = kind.__name__
    return parse


_LIMITS: Final[tuple[tuple[str, Callable[[str], float], float, str], ...]] = (
    ("--max-body-bytes", int, 1_048_576, "largest request body in bytes (413 above)"),
    ("--max-rows", int, 10_000, "most rows of one batch (413 above)"),
    ("--max-cells", int, 2_000_000, "most cells of an uploaded sheet, counted first (413)"),
    ("--max-results", int, 400_000, "most results (rows x indicators) of one batch (413)"),
    ("--timeout-request", float, 60.0, "seconds a client may take to send its body (408)"),
    ("--timeout-idle", float, 5.0, "seconds an idle keep-alive connection is kept open"),
)


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``spmkit serve``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--token-file",
        metavar="PATH",
        help="require 'Authorization: Bearer <token>' with the token in this file "
        "(else from the SPMKIT_TOKEN environment variable, if set; a blank one refuses)",
    )
    for option, kind, default, what in _LIMITS:
        parser.add_argument(
            option,
            type=positive(kind),
            default=default,
            metavar="SECONDS" if kind is float else "N",
            help=what,
        )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a browser origin allowed to call the service (repeatable), "
        "e.g. https://dashboard.dinkes.example",
    )
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of the office's own rule files to serve too (repeatable)",
    )


def read_token(token_file: str | None) -> str | None:
    """The access token: from the file, else ``SPMKIT_TOKEN``; None when neither is given.

    Raises:
        UsageError: the file cannot be read, is not UTF-8, or is blank; or ``SPMKIT_TOKEN``
            is set but blank (running without a token must be a choice, not an accident).
    """
    if token_file is not None:
        try:
            token = Path(token_file).read_bytes().decode("utf-8").strip()
        except UnicodeDecodeError:
            msg = tr("the token file {file} is not UTF-8 text; save it as UTF-8", file=token_file)
            raise UsageError(msg) from None
        except OSError as exc:
            msg = tr("cannot read the token file {file}: {reason}", file=token_file, reason=exc)
            raise UsageError(msg) from None
        if not token:
            msg = tr("the token file {file} is empty", file=token_file)
            raise UsageError(msg)
        return token
    if "SPMKIT_TOKEN" in os.environ:
        token = os.environ["SPMKIT_TOKEN"].strip()
        if not token:
            msg = tr("SPMKIT_TOKEN is set but blank; give a token, or unset it to run without one")
            raise UsageError(msg)
        return token
    return None


def run_serve(args: argparse.Namespace) -> int:
    """``spmkit serve``: check the options, load the rule sets, then serve until stopped."""
    try:
        from spmkit._interop.service import Limits, serve  # noqa: PLC0415 - the serve extra
    except ImportError as exc:
        msg = tr(
            "spmkit serve needs the serve extra: pip install 'spmkit[serve]' ({reason})",
            reason=exc,
        )
        raise UsageError(msg) from exc
    token = read_token(args.token_file)
    limits = Limits(
        max_body_bytes=args.max_body_bytes,
        max_rows=args.max_rows,
        max_cells=args.max_cells,
        max_results=args.max_results,
        request_timeout=args.timeout_request,
        idle_timeout=args.timeout_idle,
    )
    serve(
        host=args.host,
        port=args.port,
        token=token,
        limits=limits,
        cors_origins=args.cors_origin,
        rule_dirs=args.rules,
    )
    return 0


def add_dhis2_options(parser: argparse.ArgumentParser) -> None:
    """The subcommands of ``spmkit dhis2``: ``export`` and ``import``."""
    actions = parser.add_subparsers(dest="dhis2_action", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export", help="a data file's numerators and denominators as a DHIS2 dataValueSet"
    )
    export.add_argument("rule_set", metavar="RULE_SET", help="a rule set id or file")
    export.add_argument("data", metavar="DATA", help="the data file (.csv, .xlsx, .json, .yaml)")
    export.add_argument("--year", type=int, help="the period of rows that name no year")
    export.add_argument(
        "--format",
        choices=("json", "csv"),
        help="DHIS2's JSON or CSV format (default: from -o's suffix, else json)",
    )
    imported = actions.add_parser(
        "import",
        help="a DHIS2 analytics export (includeNumDen=true) or dataValueSet evaluated as data",
    )
    imported.add_argument(
        "analytics",
        metavar="FILE",
        help="an /api/analytics or /api/dataValueSets export, JSON or CSV (docs/dhis2.md)",
    )
    imported.add_argument("--rule-set", help="the rule set (default: the mapping's rule_set)")
    for action in (export, imported):
        action.add_argument("--mapping", required=True, metavar="M.yaml", help="docs/dhis2.md")
        action.add_argument("-o", "--output", metavar="PATH", help="write here, not to stdout")


def run_dhis2(args: argparse.Namespace) -> int:
    """``spmkit dhis2 export|import``: the mapping read strictly, then the library's records."""
    import json  # noqa: PLC0415 - only for this command
    from fractions import Fraction  # noqa: PLC0415

    import spmkit  # noqa: PLC0415 - the public API
    from spmkit._files.bounded import load_yaml_data  # noqa: PLC0415
    from spmkit._files.outputs import write_output  # noqa: PLC0415
    from spmkit._interop.dhis2 import parse_mapping, to_data_value_set  # noqa: PLC0415
    from spmkit._interop.dhis2_files import data_value_set_csv, read_dhis2_file  # noqa: PLC0415
    from spmkit._interop.fhir import RegionReport  # noqa: PLC0415
    from spmkit._limits import MAX_FILE_BYTES  # noqa: PLC0415

    mapping_path = Path(args.mapping)
    if mapping_path.is_file() and mapping_path.stat().st_size > MAX_FILE_BYTES:
        msg = tr(
            "the mapping file {file} is over {limit} bytes; a DHIS2 mapping is a few lines",
            file=mapping_path,
            limit=MAX_FILE_BYTES,
        )
        raise UsageError(msg)
    mapping = parse_mapping(
        load_yaml_data(mapping_path, mapping_path.read_bytes()), source=args.mapping
    )
    if args.dhis2_action == "export":
        from spmkit._files.reading import read_data  # noqa: PLC0415 - the one table reader

        rule_set = spmkit.load_rule_set(args.rule_set)
        table = read_data(args.data, rule_set)
        reports = [
            RegionReport(
                report=spmkit.evaluate(rule_set, row.values, year=year),
                region=row.region,
                year=year,
            )
            for row in table.rows
            if not row.problems
            for year in [int(row.period) if row.period and row.period.isdigit() else args.year]
        ]
        value_set = to_data_value_set(rule_set, reports, mapping, year=args.year)
        csv_wanted = args.format == "csv" or (
            args.format is None and str(args.output or "").casefold().endswith(".csv")
        )
        if csv_wanted:
            text = data_value_set_csv(value_set)
        else:
            text = json.dumps(value_set, indent=2, ensure_ascii=False) + "\n"
        inputs = [args.data, args.mapping]
    else:
        rule_set_id = args.rule_set or mapping.rule_set
        if rule_set_id is None:
            msg = tr("give --rule-set, or rule_set in the mapping file")
            raise UsageError(msg)
        rule_set = spmkit.load_rule_set(rule_set_id)
        rows = read_dhis2_file(args.analytics, rule_set, mapping)

        def number(value: Fraction) -> int | float:
            return int(value) if value.denominator == 1 else float(value)

        answer = [
            {
                "org_unit": row.org_unit,
                "region": row.region,
                "period": row.period,
                "data": {name: number(value) for name, value in row.data.items()},
                "results": spmkit.evaluate(
                    rule_set,
                    row.data,
                    year=int(row.period) if row.period.isdigit() else None,
                ).to_dict()["results"],
            }
            for row in rows
        ]
        text = json.dumps({"rule_set": rule_set.id, "rows": answer}, indent=2, ensure_ascii=False)
        text += "\n"
        inputs = [args.analytics, args.mapping]
    if args.output is None:
        import sys  # noqa: PLC0415

        sys.stdout.write(text)
    else:
        write_output(args.output, text.encode("utf-8"), inputs=inputs)
    return 0
