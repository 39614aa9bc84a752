"""Trends: one region's achievement year by year, against its target.

:func:`trend_chart` draws, per indicator, the achievement of each year as a line with a
status glyph at each point, the final target as a dashed line, the year's milestone of a
phased target (docs/time.md) as a green step line, and the deadline as a vertical line;
each point is judged against its year's milestone, and labels use the precision that
agrees with the exact decision. PNG or SVG bytes (matplotlib, the ``plot`` extra);
:func:`trends_html` wraps the SVG in a self-contained page.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from typing import Any, Final, Literal

from spmkit._evaluation.batch import evaluate_batch
from spmkit._evaluation.results import Status
from spmkit._files.chart import chart_colour, pyplot
from spmkit._files.regions import GLYPHS
from spmkit._messages import Language, status_label
from spmkit._numbers import number_text
from spmkit._rulesets.model import RuleSet, factor_suffix
from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = ["MAX_YEARS", "trend_chart", "trends_html"]

MAX_YEARS: Final = 100
"""Most years one trend chart draws."""


def _years(table: Any, year: str) -> list[int]:  # noqa: ANN401 - columns
    if year not in table:
        msg = tr("no year column {year!r} in the table; name it with year=...", year=year)
        raise UsageError(msg)
    years = [int(value) for value in table[year]]
    if len(set(years)) != len(years):
        msg = tr(
            "the year column {year!r} repeats a year: a trend is one region's years", year=year
        )
        raise UsageError(msg)
    if not 1 <= len(years) <= MAX_YEARS:
        msg = tr(
            "a trend chart draws 1 to {limit} years (got {count})",
            limit=MAX_YEARS,
            count=len(years),
        )
        raise UsageError(msg)
    return years


def trend_chart(  # noqa: PLR0913 - keyword-only options of one public function
    rule_set: RuleSet,
    table: Any,  # noqa: ANN401 - columns as for evaluate_batch, one row per year
    *,
    year: str = "year",
    indicators: Sequence[str] | None = None,
    lang: Language = "id",
    image_format: Literal["png", "svg"] = "svg",
) -> bytes:
    """Draw each indicator's achievement over the years against its target.

    Args:
        rule_set: the rule set to judge by.
        table: one region's data, one row per year, with a year column.
        year: the name of the year column.
        indicators: which indicators (default: those with a value in some year).
        lang: ``"id"`` or ``"en"`` for labels and number notation.
        image_format: ``"svg"`` or ``"png"``.
    """
    years = _years(table, year)
    # Judged with year=: each year against its own milestone (docs/time.md), so a phased
    # target draws as a stepped line rising to the final target at the deadline.
    result = evaluate_batch(rule_set, table, keys=(year,), year=year)
    ids = (
        list(indicators)
        if indicators is not None
        else [iid for iid in rule_set.indicators if result[iid].judged.any()]
    )
    if not ids:
        msg = tr("no indicator has a value in any year: nothing to draw")
        raise UsageError(msg)
    plt = pyplot()
    order = sorted(range(len(years)), key=years.__getitem__)
    figure, axes = plt.subplots(len(ids), 1, figsize=(8, 2.2 * len(ids)), squeeze=False)
    for ax, iid in zip(axes[:, 0], ids, strict=True):
        arrays = result[iid]
        xs = [years[row] for row in order]
        ys = [float(arrays.value[row]) for row in order]
        ax.plot(xs, ys, color="#555555", lw=1.2, zorder=1)
        target = float(arrays.target.value)
        ax.axhline(target, color="black", lw=1, ls="--", zorder=0)
        if arrays.milestone is not None:
            steps = [float(arrays.milestone[row]) for row in order]
            if any(not math.isnan(s) and s != target for s in steps):
                ax.step(xs, steps, where="mid", color="#009E73", lw=1.2, zorder=0)
        deadline = rule_set.indicators[iid].deadline
        if deadline is not None and min(xs) <= deadline <= max(xs) + 1:
            ax.axvline(deadline, color="#999999", lw=1, ls=":", zorder=0)
        for row, x, y in zip(order, xs, ys, strict=True):
            status = str(arrays.status[row])
            if math.isnan(y):
                continue
            ax.scatter([x], [y], color=chart_colour(status), zorder=2, s=28)
            label = _point_label(result, iid, row, lang)
            ax.annotate(
                f"{label} {GLYPHS[status]}",
                (x, y),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=7,
            )
        ax.set_title(f"{iid}  {rule_set.indicators[iid].name}"[:90], fontsize=8, loc="left")
        unit = factor_suffix(arrays.factor).strip()
        axis = tr("Achievement").in_lang(lang) + (f" ({unit})" if unit else "")
        ax.set_ylabel(axis, fontsize=7)
        ax.set_xticks(xs)
        ax.tick_params(labelsize=7)
        ax.grid(axis="y", color="#e0e0e0")
    _legend(axes[0, 0], lang)
    figure.tight_layout()
    buffer = io.BytesIO()
    try:
        with plt.rc_context({"svg.fonttype": "none"}):
            metadata = {"Date": None} if image_format == "svg" else {}
            figure.savefig(buffer, format=image_format, dpi=110, metadata=metadata)
    finally:
        plt.close(figure)
    return buffer.getvalue()


def _legend(ax: Any, lang: Language) -> None:  # noqa: ANN401 - a matplotlib Axes
    """What each line and glyph means, on the first chart (the others draw the same)."""
    from matplotlib.lines import Line2D  # noqa: PLC0415 - the plot extra, loaded with pyplot

    handles = [
        Line2D([], [], color="#555555", lw=1.2, label=tr("achievement").in_lang(lang)),
        Line2D([], [], color="black", lw=1, ls="--", label=tr("final target").in_lang(lang)),
        Line2D([], [], color="#009E73", lw=1.2, label=tr("milestone of the year").in_lang(lang)),
        Line2D([], [], color="#999999", lw=1, ls=":", label=tr("deadline").in_lang(lang)),
    ]
    glyphs = "  ".join(f"{GLYPHS[status.value]} {status_label(status, lang)}" for status in Status)
    ax.legend(handles=handles, fontsize=6, loc="lower right", title=glyphs, title_fontsize=6)


def _point_label(result: Any, iid: str, row: int, lang: Language) -> str:  # noqa: ANN401 - a BatchResult
    """The point's record's shown value: decides target, milestone and bands like the value."""
    shown = result.result(row, iid).shown_value_in(lang)
    return shown if shown is not None else number_text(float(result[iid].value[row]), lang, 2)


def trends_html(
    rule_set: RuleSet,
    table: Any,  # noqa: ANN401 - columns, one row per year
    *,
    year: str = "year",
    lang: Language = "id",
    title: str | None = None,
) -> str:
    """A self-contained page with the trend chart inline (SVG), no script, no request."""
    svg = trend_chart(rule_set, table, year=year, lang=lang, image_format="svg").decode()
    svg = svg[svg.index("<svg") :]
    heading = html.escape(title or rule_set.title)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{heading}'
        f"</title></head><body><h1>{heading}</h1>{svg}</body></html>"
    )
