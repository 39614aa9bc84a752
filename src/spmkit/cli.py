"""The ``spmkit`` command: a thin shell over the library.

Every subcommand reads files, calls the pure API and prints; no rule lives here.
Exit status: 0 success (for ``evaluate``: every target met), 1 a target not met or a
problem found by ``check``, 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from spmkit.errors import SpmkitError, format_errors
from spmkit.evaluate import evaluate
from spmkit.model import RuleSet, factor_suffix
from spmkit.results import Report, Status
from spmkit.rules import load_rule_set, shipped_rule_sets

__all__ = ["main"]

_MARKS = {
    Status.MET: "met",
    Status.NOT_MET: "NOT MET",
    Status.NO_DATA: "no data",
    Status.UNDEFINED: "undefined",
}


def _read_data(path: Path) -> tuple[Mapping[str, Any], str]:
    """Read a data file (YAML or JSON): a mapping of inputs, or one under ``data:``."""
    text = path.read_text(encoding="utf-8-sig")
    loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(loaded, dict):
        msg = f"{path}: a data file must hold a mapping of input name to count"
        raise SpmkitError(msg)
    heading = " ".join(str(loaded[k]) for k in ("region", "year") if k in loaded)
    data = loaded.get("data", loaded)
    if not isinstance(data, dict):
        msg = f"{path}: 'data' must be a mapping of input name to count"
        raise SpmkitError(msg)
    return data, heading


def _number(value: float | None, suffix: str = "") -> str:
    return "-" if value is None else f"{value:,.2f}{suffix}"


def format_table(rule_set: RuleSet, report: Report) -> str:
    """Return the achievement table of a report as aligned plain text."""
    header = ("Indicator", "Achievement", "Target", "By", "Status", "Gap")
    rows = [header]
    for result in report.values():
        indicator = rule_set.indicators[result.indicator_id]
        suffix = factor_suffix(indicator.factor)
        mark = _MARKS[result.status] + (" (!)" if result.exceeds_denominator else "")
        rows.append(
            (
                result.indicator_id,
                _number(result.value, suffix),
                indicator.target.describe(indicator.factor),
                "-" if indicator.deadline is None else str(indicator.deadline),
                mark,
                "" if result.gap in (None, 0) else _number(result.gap),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {1, 5}
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    counts = report.counts
    lines.append("")
    lines.append(
        f"{counts[Status.MET]} met, {counts[Status.NOT_MET]} not met, "
        f"{counts[Status.NO_DATA]} no data, {counts[Status.UNDEFINED]} undefined "
        f"of {len(report)} indicators"
    )
    if any(r.exceeds_denominator for r in report.values()):
        lines.append("(!) numerator above denominator: the denominator is probably an estimate")
    return "\n".join(lines)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    rule_set = load_rule_set(args.rule_set)
    data, heading = _read_data(Path(args.data))
    report = evaluate(rule_set, data, allow_unknown=args.allow_unknown)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(f"{rule_set.title}")
        print(f"{rule_set.legal_basis.cite()} ({rule_set.jurisdiction.name})")
        if heading:
            print(f"Data: {heading}")
        print()
        print(format_table(rule_set, report))
        if args.explain:
            print()
            for result in report.values():
                print(result.explanation)
    return 0 if report.all_met else 1


def _cmd_check(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        try:
            rule_set = load_rule_set(name)
        except SpmkitError as exc:
            failed = True
            for line in format_errors(exc):
                print(line)
        else:
            print(f"{name}: ok ({len(rule_set.indicators)} indicators)")
    return 1 if failed else 0


def _cmd_list(_args: argparse.Namespace) -> int:
    for rule_set_id, path in shipped_rule_sets().items():
        rule_set = load_rule_set(path)
        print(f"{rule_set_id:28} {rule_set.legal_basis.cite()}: {rule_set.title}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    rule_set = load_rule_set(args.rule_set)
    print(f"{rule_set.id}: {rule_set.title}")
    print(f"{rule_set.legal_basis.cite()}, {rule_set.jurisdiction.name}")
    for indicator in rule_set.indicators.values():
        deadline = "no deadline" if indicator.deadline is None else f"by {indicator.deadline}"
        print(
            f"  {indicator.id:8} {indicator.target.describe(indicator.factor):10} {deadline:12} "
            f"{indicator.name}  [{indicator.source.ref}]"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``spmkit`` command."""
    parser = argparse.ArgumentParser(
        prog="spmkit", description="Evaluate Indonesian SPM rule sets on your counts."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "evaluate",
        help="evaluate a rule set on a data file",
        epilog="example: spmkit evaluate kulon-progo-2011 examples/kulon-progo-2011.yaml",
    )
    run.add_argument("rule_set", help="shipped rule-set id or path to a rule file")
    run.add_argument("data", help="YAML or JSON file: input name -> count (or under 'data:')")
    run.add_argument("--format", choices=("table", "json"), default="table")
    run.add_argument("--explain", action="store_true", help="print every result's explanation")
    run.add_argument("--allow-unknown", action="store_true", help="ignore undeclared inputs")
    run.set_defaults(handler=_cmd_evaluate)

    check = commands.add_parser(
        "check",
        help="check rule files and report every problem",
        epilog="example: spmkit check rules/kulon-progo-2011.yaml",
    )
    check.add_argument("files", nargs="+", help="rule files or shipped ids")
    check.set_defaults(handler=_cmd_check)

    listing = commands.add_parser(
        "list", help="list the shipped rule sets", epilog="example: spmkit list"
    )
    listing.set_defaults(handler=_cmd_list)

    show = commands.add_parser(
        "show",
        help="show a rule set's indicators, targets and sources",
        epilog="example: spmkit show kulon-progo-2011",
    )
    show.add_argument("rule_set")
    show.set_defaults(handler=_cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except SpmkitError as exc:
        for line in format_errors(exc):
            print(line, file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"spmkit: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
