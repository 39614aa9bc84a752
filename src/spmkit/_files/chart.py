"""Charts of achievement against target, as PNG or SVG (needs the ``plot`` extra).

One data row gives a bar chart: a bar per indicator, as long as its achievement, with a
black tick at the target; the bar's colour and the word at its end say met, not met or
no data. Several rows (regions, periods) give a grid: indicators down, rows across,
each cell coloured by status and holding the achievement. Indicators with different
factors (per cent, per 1,000) get separate panels, never a shared axis.

matplotlib is imported only when a chart is drawn, with the non-interactive Agg
backend, so the rest of spmkit never needs it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, Literal

from spmkit._evaluation.results import IndicatorResult, Status
from spmkit._files.regions import GLYPHS
from spmkit._files.report import indicator_name
from spmkit._files.table import RowOutcome
from spmkit._messages import Language, message, status_label
from spmkit._numbers import exact_text
from spmkit._rulesets.model import RuleSet, factor_suffix
from spmkit._translation import tr
from spmkit.errors import ChartUnavailableError, UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "ChartUnavailableError",
    "chart_bytes",
    "chart_colour",
    "plotting_available",
    "pyplot",
]

# Okabe-Ito (colour-blind safe): blue for met, vermilion for not met; a glyph says it too.
_COLOURS: Final = {
    Status.MET: "#0072B2",
    Status.NOT_MET: "#D55E00",
    Status.NO_DATA: "#bdbdbd",
    Status.UNDEFINED: "#bdbdbd",
}
_REFUSED: Final = "#ffffff"
_NAME_WIDTH: Final = 48
_MAX_GRID_LABELS: Final = 60


def plotting_available() -> bool:
    """Whether matplotlib can be imported."""
    try:
        import matplotlib as mpl  # noqa: F401, PLC0415 - an optional extra, probed on demand
    except ImportError:
        return False
    return True


def _pyplot() -> Any:  # noqa: ANN401 - matplotlib.pyplot is an untyped module object
    try:
        import matplotlib as mpl  # noqa: PLC0415 - an optional extra
    except ImportError:
        msg = tr("charts need matplotlib: pip install 'spmkit[plot]'")
        raise ChartUnavailableError(msg) from None
    mpl.use("Agg")
    mpl.rcParams["svg.hashsalt"] = "spmkit"  # the same SVG for the same data
    mpl.rcParams["svg.fonttype"] = "none"  # real, searchable text in SVG and HTML
    mpl.rcParams["text.parse_math"] = False  # a region named '$\frac$' is text, not TeX
    import matplotlib.pyplot as plt  # noqa: PLC0415 - after choosing the backend

    return plt


def chart_colour(status: str) -> str:
    """The chart colour of a status (``"met"``, ``"not_met"``, ...)."""
    return _COLOURS[Status(status)]


def pyplot() -> Any:  # noqa: ANN401 - matplotlib.pyplot is an untyped module object
    """matplotlib.pyplot, headless (Agg); :class:`ChartUnavailableError` if not installed."""
    return _pyplot()


def _label(result: IndicatorResult, lang: Language) -> str:
    """The record's shown value: the decimals that decide like the exact value (never 95 in red)."""
    return result.shown_value_in(lang) or "-"


def _short(text: str, width: int = _NAME_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _panels(rule_set: RuleSet, ids: Sequence[str]) -> list[tuple[Fraction, list[str]]]:
    """Group indicator ids by factor, in first-seen order."""
    groups: dict[Fraction, list[str]] = {}
    for indicator_id in ids:
        groups.setdefault(rule_set.indicators[indicator_id].factor, []).append(indicator_id)
    return list(groups.items())


def _bar_figure(rule_set: RuleSet, outcome: RowOutcome, lang: Language) -> Figure:
    plt = _pyplot()
    assert outcome.report is not None  # noqa: S101 - the caller passes an evaluated row
    report = outcome.report
    panels = _panels(rule_set, list(report))
    heights = [len(ids) for _, ids in panels]
    figure, axes = plt.subplots(
        len(panels),
        1,
        figsize=(10, 1.2 + 0.34 * sum(heights)),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for (factor, ids), ax in zip(panels, axes[:, 0], strict=True):
        results = [report[i] for i in ids]
        positions = list(range(len(ids)))
        # A value beyond the float range (inf) is drawn as the longest bar, labelled exactly.
        values = [min(r.value or 0.0, 1e300) for r in results]
        targets = [float(r.target.value) for r in results]
        ax.barh(
            positions,
            values,
            color=[_COLOURS[r.status] for r in results],
            height=0.62,
            zorder=2,
        )
        top = max([*values, *targets, 1.0]) * 1.22
        for position, result, target in zip(positions, results, targets, strict=True):
            ax.plot([target, target], [position - 0.42, position + 0.42], color="black", lw=2)
            value = "" if result.value is None else _label(result, lang) + " "
            if result.value is not None and 0 < result.value < top * 0.005:
                # A tiny value (0.0036 %) has no visible bar: mark where it is.
                ax.plot(
                    [result.value],
                    [position],
                    marker="|",
                    markersize=12,
                    color=_COLOURS[result.status],
                    zorder=3,
                )
            ax.text(
                max(result.value or 0.0, target) + top * 0.012,
                position,
                value + GLYPHS[result.status.value] + " " + status_label(result.status, lang),
                va="center",
                fontsize=8,
                color="#b71c1c" if result.status is Status.NOT_MET else "#333333",
                fontweight="bold" if result.status is Status.NOT_MET else "normal",
            )
        ax.set_yticks(positions)
        ax.set_yticklabels(
            [f"{i}  {_short(indicator_name(rule_set.indicators[i], lang))}" for i in ids],
            fontsize=8,
        )
        ax.invert_yaxis()
        ax.set_xlim(0, top)
        ax.set_xlabel(f"{message('chart.axis', lang)} ({factor_suffix(factor).strip() or 'x'})")
        ax.grid(axis="x", color="#e0e0e0", zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
    place = rule_set.jurisdiction.name
    label = outcome.row.label
    if label and label != "data":
        place = label if label.startswith(place) else f"{place}, {label}"
    heading = f"{message('chart.title', lang)}: {place}"
    axes[0, 0].set_title(heading, loc="left", fontsize=11)
    axes[-1, 0].plot([], [], color="black", lw=2, label=message("chart.target", lang))
    axes[-1, 0].legend(loc="lower right", fontsize=8, frameon=False)
    figure.tight_layout()
    return figure  # type: ignore[no-any-return]


def _grid_cells(
    ax: Any,  # noqa: ANN401 - matplotlib's Axes
    plt: Any,  # noqa: ANN401 - matplotlib's pyplot
    outcomes: Sequence[RowOutcome],
    ids: Sequence[str],
    lang: Language,
) -> None:
    """A labelled, outlined rectangle per region and indicator (a grid of up to 60 regions)."""
    for x, outcome in enumerate(outcomes):
        for y, indicator_id in enumerate(ids):
            if outcome.report is None:
                colour, text, edge, hatch = _REFUSED, "x", "#9e9e9e", "///"
            else:
                result = outcome.report[indicator_id]
                colour, edge, hatch = _COLOURS[result.status], "white", None
                text = "-" if result.value is None else _label(result, lang)
            ax.add_patch(
                plt.Rectangle((x, y), 1, 1, facecolor=colour, edgecolor=edge, hatch=hatch, lw=1.5)
            )
            dark = colour in {_COLOURS[Status.MET], _COLOURS[Status.NOT_MET]}
            ax.text(
                x + 0.5,
                y + 0.5,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else "#333333",
            )


def _grid_image(
    ax: Any,  # noqa: ANN401 - matplotlib's Axes
    outcomes: Sequence[RowOutcome],
    ids: Sequence[str],
) -> None:
    """The grid of many regions as one image: a pixel of its status's colour per cell."""
    from matplotlib.colors import to_rgb  # noqa: PLC0415 - optional extra

    colours = {status: to_rgb(colour) for status, colour in _COLOURS.items()}
    refused = to_rgb(_REFUSED)  # white, as the legend's (an image has no hatching)
    image = [
        [
            refused if outcome.report is None else colours[outcome.report[i].status]
            for outcome in outcomes
        ]
        for i in ids
    ]
    ax.imshow(
        image,
        aspect="auto",
        interpolation="nearest",
        extent=(0, len(outcomes), len(ids), 0),
    )


def _grid_figure(rule_set: RuleSet, outcomes: Sequence[RowOutcome], lang: Language) -> Figure:
    plt = _pyplot()
    from matplotlib.patches import Patch  # noqa: PLC0415 - optional extra

    reports = [o.report for o in outcomes if o.report is not None]
    ids = [
        i
        for i in rule_set.indicators
        if any(report[i].status is not Status.NO_DATA for report in reports)
    ] or list(rule_set.indicators)
    hidden = len(rule_set.indicators) - len(ids)
    columns = len(outcomes)
    figure, ax = plt.subplots(
        figsize=(min(4 + 1.05 * columns, 40), 1.6 + 0.32 * len(ids)),
    )
    annotate = columns <= _MAX_GRID_LABELS
    if annotate:
        _grid_cells(ax, plt, outcomes, ids, lang)
    else:  # one image, not a patch per cell: thousands of rows drew for minutes
        _grid_image(ax, outcomes, ids)
    ax.set_xlim(0, columns)
    ax.set_ylim(len(ids), 0)
    ax.set_yticks([y + 0.5 for y in range(len(ids))])
    ax.set_yticklabels(
        [
            f"{i} ({exact_text(rule_set.indicators[i].target.value, lang)})  "
            f"{_short(indicator_name(rule_set.indicators[i], lang), 36)}"
            for i in ids
        ],
        fontsize=7,
    )
    step = -(-columns // _MAX_GRID_LABELS)  # every column labelled up to 60, then every step-th
    ax.set_xticks([x + 0.5 for x in range(0, columns, step)])
    ax.set_xticklabels(
        [_short(o.row.label, 24) for o in outcomes[::step]], rotation=45, ha="right", fontsize=7
    )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(
        f"{message('chart.title', lang)}: {rule_set.jurisdiction.name}", loc="left", fontsize=11
    )
    note = message("chart.grid_note", lang)
    if hidden:
        note += " " + message("chart.hidden", lang, count=hidden)
    ax.set_xlabel(note, fontsize=7, loc="left")
    handles = [
        Patch(color=_COLOURS[status], label=status_label(status, lang))
        for status in (Status.MET, Status.NOT_MET, Status.NO_DATA)
    ]
    handles.append(
        Patch(
            facecolor=_REFUSED,
            edgecolor="#9e9e9e",
            hatch="///",
            label=message("status.refused", lang),
        )
    )
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
    )
    figure.tight_layout()
    return figure  # type: ignore[no-any-return]


def chart_bytes(
    rule_set: RuleSet,
    outcomes: Sequence[RowOutcome],
    lang: Language,
    *,
    image_format: Literal["png", "svg"] = "png",
) -> bytes:
    """Draw the chart for these outcomes and return it as PNG or SVG bytes.

    One evaluated row gives the bar chart, several rows the status grid.

    Raises:
        ChartUnavailableError: matplotlib is not installed.
        ValueError: no row was evaluated, so there is nothing to draw.
    """
    evaluated = [o for o in outcomes if o.report is not None]
    if not evaluated:
        msg = tr("no row was evaluated, so there is no chart to draw")
        raise UsageError(msg)
    plt = _pyplot()
    if len(outcomes) == 1:
        figure = _bar_figure(rule_set, evaluated[0], lang)
    else:
        figure = _grid_figure(rule_set, outcomes, lang)
    buffer = io.BytesIO()
    metadata = {"Date": None} if image_format == "svg" else {}
    try:
        # SVG text stays text (selectable, searchable, read by screen readers), not paths.
        with plt.rc_context({"svg.fonttype": "none"}):
            figure.savefig(
                buffer, format=image_format, dpi=110, metadata=metadata, bbox_inches="tight"
            )
    finally:
        plt.close(figure)
    return buffer.getvalue()
