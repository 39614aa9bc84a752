"""A report a Kepala Dinas can show: every region of a table on one self-contained page.

:func:`regions_html` judges a table of regions (one row per puskesmas, kecamatan or
regency) with the batch engine and writes one HTML page that needs no network and no
script: an overview grid (regions x indicators) whose cells carry the value, a status
glyph and a colour from a colour-blind-safe palette; the totals row, computed as a ratio
of sums (:func:`spmkit.aggregate`), shown apart; a ranking per indicator with the 95 %
Wilson interval and a caveat for small denominators; and a detail per region, folded
(``<details>``) so that it does not drown the overview. It prints on paper (a print
stylesheet) as it shows on screen.

Values are shown with the precision that agrees with the exact decision: 94.996 % against
a target of 95 % is never shown as "95,0" in a "not met" cell (see :func:`shown_value`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Final

from spmkit._evaluation.aggregate import aggregate
from spmkit._evaluation.batch import BatchResult, IndicatorArrays, evaluate_batch
from spmkit._evaluation.shown import shown_value as shown
from spmkit._messages import Language
from spmkit._numbers import number_text
from spmkit._rulesets.model import RuleSet, Target
from spmkit._translation import in_language, tr
from spmkit.errors import show_number

__all__ = [
    "GLYPHS",
    "MAX_REFUSED_LISTED",
    "MAX_REGIONS",
    "SUMMARY_LOWEST",
    "regions_html",
    "shown_value",
]

MAX_REGIONS: Final = 500
"""Most regions one page shows in full; a larger table gets a summary page instead."""

SUMMARY_LOWEST: Final = 20
"""On a summary page, how many of the lowest-ranked regions each indicator lists."""

MAX_REFUSED_LISTED: Final = 100
"""Most refused rows a page lists one by one; the rest are counted."""

GLYPHS: Final = {"met": "✓", "not_met": "✗", "no_data": "\u2013", "undefined": "?"}
"""A glyph per status, so the status reads without colour (and in black-and-white print)."""


def _words(lang: Language) -> dict[str, str]:
    """The page's words in ``lang`` (gettext); ``{n}`` stays a field to fill in."""
    n = "{n}"
    return {
        "met": tr("met").in_lang(lang),
        "not_met": tr("not met").in_lang(lang),
        "no_data": tr("no data").in_lang(lang),
        "undefined": tr("undefined").in_lang(lang),
        "region": tr("Region").in_lang(lang),
        "overview": tr("Overview").in_lang(lang),
        "totals": tr("Total (ratio of sums)").in_lang(lang),
        "ranking": tr("Ranking per indicator").in_lang(lang),
        "detail": tr("Detail per region").in_lang(lang),
        "small": tr("denominator < {n}: fragile value", n=n).in_lang(lang),
        "interval": tr("95 % CI").in_lang(lang),
        "target": tr("Target").in_lang(lang),
        "value": tr("Achievement").in_lang(lang),
        "regions": tr("{n} regions", n=n).in_lang(lang),
        "legend": tr("Legend").in_lang(lang),
    }


# Okabe-Ito palette tints (colour-blind safe): blue for met, vermilion for not met.
_CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1rem;
color:#1b1b1b;line-height:1.35}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin-top:1.6rem}
.basis,.legend{color:#444;font-size:.85rem}
table{border-collapse:collapse;font-size:.8rem}
th,td{border:1px solid #ccc;padding:.15rem .35rem;vertical-align:top}
th{background:#f3f3f3;position:sticky;top:0}
th.ind{max-width:7rem;white-space:normal;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.region{white-space:nowrap;font-weight:600}
.met{background:#cfe5f5}.not_met{background:#f9d3bf}
.no_data{background:#eee;color:#666}.undefined{background:#f7f7f7;color:#666}
tr.totals td{border-top:3px double #333;font-weight:700}
.small{text-decoration:underline dotted}
details{margin:.3rem 0}summary{cursor:pointer;font-weight:600}
.wrap{overflow-x:auto}
@media print{body{margin:0;font-size:9pt}.wrap{overflow:visible}th{position:static}
details{break-inside:avoid}h2{break-before:page}table{font-size:7pt}}
"""


_NO_FLOAT: Final = Fraction(10**300)


def _text(value: Fraction | float, decimals: int, lang: Language) -> str:
    if abs(Fraction(value)) >= _NO_FLOAT:  # a float would overflow: shown by its size
        return show_number(Fraction(value))
    return number_text(value, lang, decimals)


def shown_value(
    value: Fraction, target: Target, met: bool, lang: Language = "id", decimals: int = 2
) -> str:
    """The value as every output shows it against one target (:mod:`spmkit._evaluation.shown`).

    >>> t = Target(op=">=", value=95)
    >>> shown_value(Fraction(94996, 1000), t, met=False, lang="en")
    '94.996'
    >>> shown_value(Fraction(9463, 100), t, met=False, lang="en")
    '94.63'
    """
    del met, decimals  # decided by the exact value itself, at least the usual two decimals
    return shown(value, [(target.op, target.value)], lang)


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


_COLUMNS: dict[int, tuple[object, list[str], list[bool]]] = {}
"""The status and small-denominator flags of the arrays drawn last, as lists, by ``id``."""


def _columns(arrays: IndicatorArrays) -> tuple[list[str], list[bool]]:
    """``status`` and ``small_denominator`` of every row, computed once per arrays.

    Each is computed over every row when read: read for each cell, a page of 20,000
    regions took quadratic time. The arrays are kept beside their lists (so an ``id``
    is not reused while kept), for the last few indicators drawn.
    """
    kept = _COLUMNS.get(id(arrays))
    if kept is not None and kept[0] is arrays:
        return kept[1], kept[2]
    columns = arrays.status.tolist(), arrays.small_denominator.tolist()
    while len(_COLUMNS) >= _KEPT_COLUMNS:
        _COLUMNS.pop(next(iter(_COLUMNS)), None)
    _COLUMNS[id(arrays)] = (arrays, *columns)
    return columns


_KEPT_COLUMNS: Final = 256
"""Indicators whose columns are kept (a rule set has up to a few hundred)."""


def _cell(result: BatchResult, iid: str, row: int, lang: Language) -> str:
    arrays = result[iid]
    statuses, smalls = _columns(arrays)
    status = statuses[row]
    glyph = GLYPHS[status]
    small = smalls[row]
    mark = ' class="small"' if small else ""
    if status in ("met", "not_met"):
        # The row's record: the shown value decides the target, milestone and band edges.
        text = result.result(row, iid).shown_value_in(lang) if result.rule_set else None
        exact = arrays.exact_value(row)
        if text is None and exact is not None:
            text = shown_value(exact, arrays.judged_target(row), status == "met", lang)
        shown = text or _text(float(arrays.value[row]), 2, lang)
        title = f"{_words(lang)[status]}"
        if small:
            title += f"; {_words(lang)['small'].format(n=arrays.small_denominator_threshold)}"
        return (
            f'<td class="num {status}" title="{_esc(title)}"><span{mark}>{_esc(shown)}</span>'
            f" {glyph}</td>"
        )
    return f'<td class="num {status}" title="{_esc(_words(lang)[status])}">{glyph}</td>'


def _table_end(totals: BatchResult | None, ids: Sequence[str], lang: Language) -> list[str]:
    """The end of a grid: the totals row as its footer (one row of totals only), closed."""
    end = ["</tbody>"]
    if totals is not None and totals.rows == 1:
        cells = "".join(_cell(totals, iid, 0, lang) for iid in ids)
        end.append(
            f'<tfoot><tr class="totals"><td class="region">{_esc(_words(lang)["totals"])}</td>'
            f"{cells}</tr></tfoot>"
        )
    end.append("</table></div>")
    return end


def _region_names(result: BatchResult, keys: Sequence[str]) -> list[str]:
    if not keys:
        return [f"#{row + 1}" for row in range(result.rows)]
    columns = [result.key_columns[key] for key in keys]
    return [" / ".join(str(column[row]) for column in columns) for row in range(result.rows)]


def _overview(
    rule_set: RuleSet,
    result: BatchResult,
    totals: BatchResult | None,
    names: list[str],
    lang: Language,
) -> list[str]:
    words = _words(lang)
    ids = list(rule_set.indicators)
    head = "".join(
        f'<th class="ind" title="{_esc(rule_set.indicators[iid].name)}">{_esc(iid)}</th>'
        for iid in ids
    )
    parts = [
        f'<h2 id="overview">{words["overview"]}</h2><div class="wrap"><table class="grid">',
        f"<thead><tr><th>{words['region']}</th>{head}</tr></thead><tbody>",
    ]
    order = sorted(range(result.rows), key=lambda row: names[row].casefold())
    for row in order:
        cells = "".join(_cell(result, iid, row, lang) for iid in ids)
        parts.append(f'<tr><td class="region">{_esc(names[row])}</td>{cells}</tr>')
    return [*parts, *_table_end(totals, ids, lang)]


def _refused(refused: Sequence[tuple[str, Sequence[str]]], lang: Language) -> list[str]:
    if not refused:
        return []
    heading = tr("Rows refused").in_lang(lang)
    items = "".join(
        f"<li><b>{_esc(label)}</b>: "
        f"{_esc('; '.join(in_language(problem, lang) for problem in problems))}</li>"
        for label, problems in refused[:MAX_REFUSED_LISTED]
    )
    rest = len(refused) - MAX_REFUSED_LISTED
    if rest > 0:
        more = tr("... and {rest} more rows", rest=rest).in_lang(lang)
        items += f"<li>{_esc(more)}</li>"
    return [f'<h2 id="refused">{heading} ({len(refused)})</h2><ul>{items}</ul>']


def _summary(
    rule_set: RuleSet, result: BatchResult, totals: BatchResult, lang: Language
) -> list[str]:
    """More regions than one grid can show: counts per status and the totals, per indicator."""
    words = _words(lang)
    note = tr(
        "{rows} regions: too many for one grid ({most} at most); this page summarises them. "
        "Every row is in the .xlsx or .csv output.",
        rows=result.rows,
        most=MAX_REGIONS,
    ).in_lang(lang)
    ids = list(rule_set.indicators)
    head = "".join(f'<th class="ind">{_esc(iid)}</th>' for iid in ids)
    parts = [
        f'<h2 id="overview">{words["overview"]}</h2><p class="summary-note">{_esc(note)}</p>',
        f'<div class="wrap"><table class="counts"><thead><tr><th></th>{head}</tr></thead><tbody>',
    ]
    for status in ("met", "not_met", "no_data", "undefined"):
        cells = "".join(
            f'<td class="num {status}">{int((result[iid].status == status).sum())}</td>'
            for iid in ids
        )
        parts.append(f"<tr><td>{GLYPHS[status]} {_esc(words[status])}</td>{cells}</tr>")
    return [*parts, *_table_end(totals, ids, lang)]


def _ranking(
    rule_set: RuleSet,
    result: BatchResult,
    names: list[str],
    lang: Language,
    lowest: int | None = None,
) -> list[str]:
    """Regions ranked per indicator; with ``lowest``, only that many from the bottom."""
    words = _words(lang)
    parts = [f'<h2 id="ranking">{words["ranking"]}</h2>']
    for iid, indicator in rule_set.indicators.items():
        arrays = result[iid]
        low, high = arrays.interval
        judged = [row for row in range(result.rows) if arrays.judged[row]]
        higher = arrays.target.op in (">=", ">")
        judged.sort(key=lambda row: float(arrays.value[row]), reverse=higher)
        ranks = list(enumerate(judged, start=1))
        if lowest is not None:
            ranks = ranks[-lowest:]
        parts.append(
            f"<details><summary>{_esc(iid)} {_esc(indicator.name)} "
            f"({len(judged)}/{result.rows})</summary><table><thead><tr><th>#</th>"
            f"<th>{words['region']}</th><th>{words['value']}</th><th>{words['interval']}</th>"
            "<th></th></tr></thead><tbody>"
        )
        for rank, row in ranks:
            caveat = (
                words["small"].format(n=arrays.small_denominator_threshold)
                if _columns(arrays)[1][row]
                else ""
            )
            interval = (
                ""
                if math.isnan(low[row])
                else _text(float(low[row]), 1, lang) + " \u2013 " + _text(float(high[row]), 1, lang)
            )
            parts.append(
                f"<tr><td>{rank}</td><td>{_esc(names[row])}</td>"
                f"{_cell(result, iid, row, lang)}<td class='num'>{_esc(interval)}</td>"
                f"<td>{_esc(caveat)}</td></tr>"
            )
        parts.append("</tbody></table></details>")
    return parts


def _details(rule_set: RuleSet, result: BatchResult, names: list[str], lang: Language) -> list[str]:
    words = _words(lang)
    parts = [f'<h2 id="detail">{words["detail"]}</h2>']
    for row in sorted(range(result.rows), key=lambda r: names[r].casefold()):
        counts: dict[str, int] = {}
        rows = []
        for iid, indicator in rule_set.indicators.items():
            status = _columns(result[iid])[0][row]
            counts[status] = counts.get(status, 0) + 1
            rows.append(
                f"<tr><td>{_esc(iid)}</td><td>{_esc(indicator.name)}</td>"
                f"{_cell(result, iid, row, lang)}"
                f"<td>{_esc(result[iid].target.describe(result[iid].factor))}</td></tr>"
            )
        summary = ", ".join(f"{n} {words[s]}" for s, n in counts.items())
        parts.append(
            f"<details><summary>{_esc(names[row])}: {_esc(summary)}</summary><table>"
            f"<thead><tr><th></th><th></th><th>{words['value']}</th><th>{words['target']}</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
        )
    return parts


def regions_html(  # noqa: PLR0913 - keyword-only options of one public function
    rule_set: RuleSet,
    table: Any,  # noqa: ANN401 - columns as for evaluate_batch
    *,
    keys: Sequence[str],
    lang: Language = "id",
    title: str | None = None,
    refused: Sequence[tuple[str, Sequence[str]]] = (),
    year: int | None = None,
) -> str:
    """One self-contained HTML page for every region of ``table`` (1 to 500 regions).

    Args:
        rule_set: the rule set to judge by.
        table: columns by name: the key columns naming each region, and the input counts.
            A totals row must not be in it: the totals are computed as a ratio of sums.
        keys: the columns that name a region.
        lang: ``"id"`` (Indonesian, the default) or ``"en"``.
        title: the page title; the rule set's title by default.
        refused: rows of a file that were not evaluated, with their problems, listed
            after the overview so that nothing is silently left out.
        year: the year every row (and the totals) is judged in, as ``evaluate_batch(year=)``.
    """
    from spmkit.errors import UsageError  # noqa: PLC0415

    result = evaluate_batch(rule_set, table, keys=tuple(keys), year=year)
    if result.rows < 1:
        msg = tr("a regions report needs at least one region (the table has no rows)")
        raise UsageError(msg)
    summary = result.rows > MAX_REGIONS
    summed = aggregate(rule_set, table, by=[], allow_unknown=True)
    totals = evaluate_batch(rule_set, summed, year=year)
    names = _region_names(result, keys)
    words = _words(lang)
    heading = title or rule_set.title
    legend = " · ".join(
        f"{GLYPHS[s]} {words[s]}" for s in ("met", "not_met", "no_data", "undefined")
    )
    parts = [
        '<!DOCTYPE html><html lang="' + lang + '"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(heading)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(heading)}</h1>",
        (
            f'<p class="basis">{_esc(rule_set.legal_basis.cite())} · '
            f"{_esc(words['regions'].format(n=result.rows))}</p>"
        ),
        (
            f'<p class="legend">{words["legend"]}: {_esc(legend)} · '
            f'<span class="small">'
            f"{_esc(words['small'].format(n=rule_set.small_denominator))}</span></p>"
        ),
        *(
            _summary(rule_set, result, totals, lang)
            if summary
            else _overview(rule_set, result, totals, names, lang)
        ),
        *_refused(refused, lang),
        *_ranking(rule_set, result, names, lang, lowest=SUMMARY_LOWEST if summary else None),
        *([] if summary else _details(rule_set, result, names, lang)),
        "</body></html>",
    ]
    return "\n".join(parts)
