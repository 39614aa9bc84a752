"""The cross-urusan SPM report as files: its data file read, the report as HTML, xlsx, JSON.

:func:`read_spm_data` reads the data of ``spmkit report-spm`` (a YAML or JSON mapping of
urusan to inputs) as strictly as any data file. :func:`render_spm` writes a
:class:`~spmkit._evaluation.spm_report.SpmReport` as a self-contained HTML page (every
text escaped, no script, no outside resource), an Excel workbook (the excel extra; text
cells neutralised against formulas), JSON, or a plain-text table; :func:`write_spm`
writes it to a file through :func:`~spmkit._files.outputs.write_output`, the one safe
writer (never over an input, never through a symbolic link).
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Final

from spmkit._evaluation.results import IndicatorResult
from spmkit._evaluation.spm_report import ServiceRow, SpmReport, UrusanReport
from spmkit._files.bounded import load_json, load_yaml_data
from spmkit._files.outputs import neutralise_cell, write_output
from spmkit._files.records import MAX_DATA_BYTES
from spmkit._numbers import number_text
from spmkit._translation import Bilingual, Language, in_language, tr
from spmkit.errors import DataFileError, UsageError

__all__ = ["SPM_FORMATS", "read_spm_data", "render_spm", "write_spm"]

SPM_FORMATS: Final = {".html": "html", ".htm": "html", ".xlsx": "xlsx", ".json": "json"}
"""Output suffixes of the SPM report and the format each one means."""


def _urusan_names() -> dict[str, Bilingual]:
    """The urusan (government affairs) of the SPM, by key, in both languages."""
    return {
        "pendidikan": tr("Education"),
        "kesehatan": tr("Health"),
        "pekerjaan_umum": tr("Public works"),
        "perumahan_rakyat": tr("Public housing"),
        "trantibumlinmas": tr("Public order, peace and community protection"),
        "sosial": tr("Social affairs"),
    }


def _headers(lang: Language) -> tuple[str, ...]:
    """The columns of the report, in ``lang``."""
    headers = (
        tr("Urusan"),
        tr("Service"),
        tr("Served"),
        tr("Must be served"),
        tr("Recipients %"),
        tr("Quality %"),
        tr("Index"),
        tr("Band"),
        tr("Judged by rule set"),
        tr("Lowest verification"),
    )
    return tuple(header.in_lang(lang) for header in headers)


_ORDER: Final = ("primary", "secondary", "unverified")


def read_spm_data(path: str | Path) -> dict[str, object]:
    """Read the data of an SPM report: a YAML or JSON mapping of urusan to inputs.

    Raises:
        DataFileError: no such file, too large, not parseable, not a mapping.
    """
    file = Path(path)
    if not file.is_file():
        raise DataFileError(str(file), [tr("no such file")])
    if file.stat().st_size > MAX_DATA_BYTES:
        raise DataFileError(str(file), [tr("larger than {limit} bytes", limit=MAX_DATA_BYTES)])
    raw = file.read_bytes()
    suffix = file.suffix.casefold()
    if suffix == ".json":
        loaded = load_json(file, raw)
    elif suffix in {".yaml", ".yml"}:
        loaded = load_yaml_data(file, raw)
    else:
        raise DataFileError(str(file), [tr("an SPM report reads a .yaml, .yml or .json file")])
    if not isinstance(loaded, dict):
        problem = tr("an SPM report's data are a mapping of urusan to its inputs")
        raise DataFileError(str(file), [problem])
    return {str(key): value for key, value in loaded.items()}


def _urusan_name(key: str, lang: Language) -> str:
    return in_language(_urusan_names().get(key, key), lang)


def _shown(result: IndicatorResult | None, lang: Language) -> str:
    if result is None:
        return ""
    return result.shown_value_in(lang) or "-"


def _count(value: int | None, lang: Language) -> str:
    return "-" if value is None else number_text(value, lang, 0)


def _lowest(row: ServiceRow) -> str:
    levels = {
        source.verification.value
        for result in (row.penerima, row.mutu, row.index)
        if result is not None
        for source in result.provenance.values()
    }
    return max(levels, key=_ORDER.index) if levels else ""


def _service(row: ServiceRow, lang: Language) -> str:
    indicator = row.penerima.indicator
    name = indicator.name_en if lang == "en" and indicator and indicator.name_en else None
    return f"{row.penerima.indicator_id} {name or row.penerima.name}"


def _band(row: ServiceRow, lang: Language) -> str:
    return (row.band_en if lang == "en" and row.band_en else row.band) or "-"


def _integer(value: object) -> int | None:
    """A whole count as an int (the people columns); None otherwise."""
    numerator = getattr(value, "numerator", None)
    if getattr(value, "denominator", None) == 1 and isinstance(numerator, int):
        return numerator
    return None


def _cells(row: ServiceRow, lang: Language) -> tuple[str, ...]:
    return (
        _urusan_name(row.urusan, lang),
        _service(row, lang),
        _count(_integer(row.penerima.numerator), lang),
        _count(_integer(row.penerima.denominator), lang),
        _shown(row.penerima, lang),
        _shown(row.mutu, lang),
        _shown(row.index, lang),
        _band(row, lang),
        row.rule_set_id,
        _lowest(row),
    )


def _heading(report: SpmReport, lang: Language) -> str:
    return tr(
        "SPM report: {jurisdiction} (Level {level}), Period {period}; rules in force on {day}",
        jurisdiction=report.jurisdiction,
        level=report.level,
        period=report.period,
        day=report.day.isoformat(),
    ).in_lang(lang)


def _section_lines(section: UrusanReport, lang: Language) -> list[str]:
    in_force = (
        tr("Rule set in force: {rule_set}", rule_set=section.in_force)
        if section.judged_by == section.in_force
        else tr(
            "Rule set in force: {rule_set} (judged by {judged_by})",
            rule_set=section.in_force,
            judged_by=section.judged_by,
        )
    )
    basis = tr("Legal basis: {basis}", basis=section.legal_basis)
    return [in_force.in_lang(lang), basis.in_lang(lang)]


def _text(report: SpmReport, lang: Language) -> str:
    headers = _headers(lang)
    body = [list(_cells(row, lang)) for row in report.rows]
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)
    ]
    widths[1] = min(widths[1], 48)
    widths[0] = min(widths[0], 18)

    def line(cells: list[str] | tuple[str, ...]) -> str:
        shown = [
            c if len(c) <= w else c[: w - 3] + "..." for c, w in zip(cells, widths, strict=True)
        ]
        return " | ".join(
            c.rjust(w) if 2 <= i <= 6 else c.ljust(w)
            for i, (c, w) in enumerate(zip(shown, widths, strict=True))
        ).rstrip()

    out = [_heading(report, lang), "", line(headers), "-+-".join("-" * w for w in widths)]
    out.extend(line(r) for r in body)
    out.append("")
    for section in report.urusan:
        out.append(f"{_urusan_name(section.urusan, lang)}:")
        out.extend(f"  {text}" for text in _section_lines(section, lang))
        out.extend(f"  - {in_language(note, lang)}" for note in section.notes)
    out.extend(f"- {in_language(note, lang)}" for note in report.notes)
    return "\n".join(out) + "\n"


_CSS: Final = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0;width:100%;table-layout:fixed}
th:nth-child(1){width:27%}th:nth-child(2){width:8%}th:nth-child(3){width:8%}th:nth-child(4){width:9%}th:nth-child(5){width:7%}th:nth-child(6){width:7%}th:nth-child(7){width:10%}th:nth-child(8){width:15%}th:nth-child(9){width:9%}
td{overflow-wrap:anywhere}
th,td{border:1px solid #bbb;padding:.25em .5em;font-size:.9em;vertical-align:top}
th{background:#eef1f5;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555;font-size:.9em;margin:.2em 0}
.notes{font-size:.85em;color:#444}
.b0{background:#c8e6c9}.b1{background:#dcedc8}.b2{background:#f0f4c3}
.b3{background:#fff9c4}.b4{background:#ffe0b2}.b5{background:#ffcdd2}
"""


def _band_class(row: ServiceRow) -> str:
    judged = row.index or row.penerima
    bands = judged.indicator.bands if judged.indicator is not None else ()
    labels = [band.label for band in bands]
    if row.band is None or row.band not in labels:
        return ""
    return f' class="b{min(labels.index(row.band), 5)}"'


def _html(report: SpmReport, lang: Language) -> str:
    esc = html.escape
    headers = _headers(lang)[1:]
    title = tr("SPM report: {jurisdiction}", jurisdiction=report.jurisdiction)
    meta = tr(
        "Level {level}; Period {period}; rules in force on {day}",
        level=report.level,
        period=report.period,
        day=report.day.isoformat(),
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{esc(_heading(report, lang))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{esc(title.in_lang(lang))}</h1>",
        f'<p class="meta">{esc(meta.in_lang(lang))}</p>',
    ]
    for section in report.urusan:
        parts.append(f"<h2>{esc(_urusan_name(section.urusan, lang))}</h2>")
        parts.extend(f'<p class="meta">{esc(text)}</p>' for text in _section_lines(section, lang))
        parts.append("<table><thead><tr>")
        parts.extend(f"<th>{esc(h)}</th>" for h in headers)
        parts.append("</tr></thead><tbody>")
        for row in section.rows:
            cells = _cells(row, lang)[1:]
            parts.append("<tr>")
            for position, cell in enumerate(cells):
                if position == 6:
                    parts.append(f"<td{_band_class(row)}>{esc(cell)}</td>")
                else:
                    numeric = ' class="n"' if 1 <= position <= 5 else ""
                    parts.append(f"<td{numeric}>{esc(cell)}</td>")
            parts.append("</tr>")
        parts.append("</tbody></table>")
        items = "".join(f"<li>{esc(in_language(n, lang))}</li>" for n in section.notes)
        if items:
            parts.append(f'<ul class="notes">{items}</ul>')
    notes = tr("Notes").in_lang(lang)
    parts.append(f'<h2>{esc(notes)}</h2><ul class="notes">')
    parts.extend(f"<li>{esc(in_language(note, lang))}</li>" for note in report.notes)
    parts.append("</ul></body></html>")
    return "\n".join(parts) + "\n"


def _xlsx(report: SpmReport, lang: Language) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]  # noqa: PLC0415 - excel extra
    from openpyxl.styles import Font  # type: ignore[import-untyped]  # noqa: PLC0415

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = tr("SPM report").in_lang(lang)
    sheet.append([neutralise_cell(_heading(report, lang))])
    sheet.append([])
    sheet.append(list(_headers(lang)))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in report.rows:
        cells: list[object] = [neutralise_cell(text) for text in _cells(row, lang)]
        # Counts as numbers (a spreadsheet sums them); shown values stay text: they are
        # written with the fewest decimals that decide like the exact value.
        cells[2] = _integer(row.penerima.numerator)
        cells[3] = _integer(row.penerima.denominator)
        sheet.append(cells)
    for column, width in zip("ABCDEFGHIJ", (18, 60, 12, 14, 12, 10, 10, 18, 44, 14), strict=True):
        sheet.column_dimensions[column].width = width
    notes = workbook.create_sheet(tr("Notes").in_lang(lang))
    for section in report.urusan:
        name = _urusan_name(section.urusan, lang)
        for text in _section_lines(section, lang):
            notes.append([neutralise_cell(name), neutralise_cell(text)])
        for note in section.notes:
            notes.append([neutralise_cell(name), neutralise_cell(in_language(note, lang))])
    for note in report.notes:
        notes.append(["", neutralise_cell(in_language(note, lang))])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 120
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_spm(report: SpmReport, fmt: str = "text", lang: Language = "id") -> bytes:
    """The report as bytes: ``text``, ``html``, ``xlsx`` (needs openpyxl) or ``json``.

    Raises:
        UsageError: an unknown format.
    """
    if fmt == "json":
        return (json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "html":
        return _html(report, lang).encode()
    if fmt == "xlsx":
        return _xlsx(report, lang)
    if fmt == "text":
        return _text(report, lang).encode()
    msg = tr("unknown format {fmt!r}; use text, html, xlsx or json", fmt=fmt)
    raise UsageError(msg)


def write_spm(
    report: SpmReport, target: str, lang: Language = "id", *, inputs: tuple[str, ...] = ()
) -> None:
    """Write the report to ``target``, the format by its suffix (.html, .xlsx, .json).

    Raises:
        UsageError: an unknown suffix, a target that is an input or a symbolic link.
    """
    fmt = SPM_FORMATS.get(Path(target).suffix.casefold())
    if fmt is None:
        msg = tr(
            "cannot write {target}: the SPM report is written as .html, .xlsx or .json",
            target=target,
        )
        raise UsageError(msg)
    write_output(target, render_spm(report, fmt, lang), inputs=inputs)
