"""The browser front door of ``spmkit serve``: a small web page at ``/`` for a health office.

Choose a rule set (or find it by regency and year), upload a workbook, and get the
regions page of ``spmkit evaluate -o x.html``, each region's per-indicator explanations,
and the xlsx of ``spmkit evaluate -o x.xlsx`` to download. Indonesian by default,
English with ``?lang=en``.

Plain HTML forms that work without JavaScript; no script, no external request (a
``Content-Security-Policy`` says so to the browser). The pages render the library's
records with the library's own renderers and compute nothing.

With an access token, the pages ask for it in a password field (a browser form cannot
send a Bearer header); it is compared in constant time. A result's xlsx is kept in
memory under a random key for a few minutes (at most :data:`_KEPT` of them).
"""

import hmac
import html
import re
import secrets
import time
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Final, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, Response

import spmkit
from spmkit._interop.service_guards import read_uploaded
from spmkit._translation import in_language, tr
from spmkit.errors import DataFileError, SpmkitError

__all__ = ["CSP", "web_routes"]

CSP: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""Nothing is loaded from anywhere: inline styles and data: images only, forms to itself."""

_KEPT: Final = 32
_KEPT_SECONDS: Final = 600
_GAP: Final = ' style="margin-right:1.5rem"'
_XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_STYLE: Final = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;
line-height:1.5;color:#111}
label{display:block;font-weight:600;margin-top:.8rem}
input,select,button{font-size:1rem;padding:.3rem}
button{margin-top:1rem}
fieldset{margin:1rem 0;border:1px solid #888;padding:.5rem 1rem;min-width:0}
select{max-width:100%}
.problem{border-left:4px solid #b00;padding:.5rem 1rem;background:#fee}
nav a{margin-right:1rem}
"""

Lang = Literal["id", "en"]


def _t(text: str, lang: Lang) -> str:
    return html.escape(in_language(text, lang))


def _words(lang: Lang) -> dict[str, str]:
    """The page's words in ``lang``, escaped (tr() outside f-strings, so they are extracted)."""
    words = {
        "access_token": tr("Access token"),
        "minimum_service_standard": tr("Minimum service standards (SPM): evaluate a workbook"),
        "find_the_rule_set_by_reg": tr("Find the rule set by regency and year"),
        "regency_or_city": tr("Regency or city"),
        "year": tr("Year"),
        "find": tr("Find"),
        "evaluate_a_workbook": tr("Evaluate a workbook"),
        "rule_set": tr("Rule set"),
        "workbook_xlsx_or_csv_fil": tr("Workbook (.xlsx) or CSV file"),
        "evaluate": tr("Evaluate"),
        "the_file_was_not_evaluat": tr("The file was not evaluated"),
        "back_to_the_form": tr("Back to the form"),
        "explanations": tr("Explanations"),
        "result": tr("Result"),
        "download_the_xlsx_result": tr("Download the xlsx result"),
        "evaluate_another_file": tr("Evaluate another file"),
    }
    return {key: _t(text, lang) for key, text in words.items()}


def _page(title: str, body: str, lang: Lang) -> HTMLResponse:
    document = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(document, headers={"Content-Security-Policy": CSP})


def _language_links(lang: Lang) -> str:
    other: Lang = "en" if lang == "id" else "id"
    name = {"id": "Bahasa Indonesia", "en": "English"}[other]
    return f'<nav><a href="/?lang={other}" hreflang="{other}" lang="{other}">{name}</a></nav>'


def _form(  # noqa: PLR0913 - the form's state
    served: Mapping[str, spmkit.RuleSet],
    lang: Lang,
    chosen: str | None,
    jurisdiction: str,
    year: int | None,
    note: str,
    *,
    token: bool,
) -> str:
    w = _words(lang)
    options = "".join(
        f'<option value="{html.escape(rid)}"{" selected" if rid == chosen else ""}>'
        f"{html.escape(rid)}: {html.escape(rule_set.title)}</option>"
        for rid, rule_set in served.items()
    )
    token_field = (
        f'<label for="token">{w["access_token"]}</label>'
        '<input type="password" id="token" name="token" required autocomplete="current-password">'
        if token
        else ""
    )
    year_text = "" if year is None else str(year)
    return (
        f"<h1>{w['minimum_service_standard']}</h1>"
        f"{_language_links(lang)}"
        f'<form method="get" action="/"><fieldset><legend>'
        f"{w['find_the_rule_set_by_reg']}</legend>"
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<label for="jurisdiction">{w["regency_or_city"]}</label>'
        f'<input id="jurisdiction" name="jurisdiction" value="{html.escape(jurisdiction)}" '
        'placeholder="Kabupaten Kulon Progo">'
        f'<label for="year">{w["year"]}</label>'
        f'<input id="year" name="year" type="number" min="1945" max="2100" value="{year_text}">'
        f'<button type="submit">{w["find"]}</button></fieldset></form>'
        f"{note}"
        '<form method="post" action="/web/evaluate" enctype="multipart/form-data">'
        f"<fieldset><legend>{w['evaluate_a_workbook']}</legend>"
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<label for="rule_set">{w["rule_set"]}</label>'
        f'<select id="rule_set" name="rule_set" required>{options}</select>'
        f'<label for="file">{w["workbook_xlsx_or_csv_fil"]}</label>'
        '<input type="file" id="file" name="file" required accept=".xlsx,.csv">'
        f"{token_field}"
        f'<button type="submit">{w["evaluate"]}</button></fieldset></form>'
    )


def _problem_page(lines: list[str], lang: Lang) -> HTMLResponse:
    w = _words(lang)
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    body = (
        f'<div class="problem" role="alert"><h1>{w["the_file_was_not_evaluat"]}'
        f"</h1><ul>{items}</ul></div>"
        f'<p><a href="/?lang={lang}">{w["back_to_the_form"]}</a></p>'
    )
    page = _page(in_language(tr("The file was not evaluated"), lang), body, lang)
    page.status_code = 422
    return page


def _explanations(outcomes: list[object], lang: Lang) -> str:
    """Each region's per-indicator explanations, from the records, in the page's language."""
    w = _words(lang)
    parts = [f'<section id="explanations"><h2>{w["explanations"]}</h2>']
    for outcome in outcomes:
        report = getattr(outcome, "report", None)
        if report is None:
            continue
        row = getattr(outcome, "row", None)
        region = getattr(row, "region", None) or getattr(row, "where", "")
        period = getattr(row, "period", None)
        heading = f"{region} {period}" if period else str(region)
        items = "".join(
            f"<li>{html.escape(result.explanation_in(lang))}</li>" for result in report.values()
        )
        parts.append(
            f"<details><summary>{html.escape(heading)}</summary><ul>{items}</ul></details>"
        )
    parts.append("</section>")
    return "".join(parts)


def web_routes(
    served: Mapping[str, spmkit.RuleSet],
    *,
    max_rows: int,
    max_cells: int,
    max_bytes: int,
    token: str | None,
) -> APIRouter:
    """The front door's routes: ``GET /``, ``POST /web/evaluate``, ``GET /web/download/{key}``."""
    router = APIRouter(include_in_schema=False)
    kept: OrderedDict[str, tuple[float, str, bytes]] = OrderedDict()

    def keep(name: str, data: bytes) -> str:
        now = time.monotonic()
        for key in [k for k, (at, _, _) in kept.items() if now - at > _KEPT_SECONDS]:
            del kept[key]
        while len(kept) >= _KEPT:
            kept.popitem(last=False)
        key = secrets.token_urlsafe(16)
        kept[key] = (now, name, data)
        return key

    @router.get("/", response_class=HTMLResponse)
    def front(
        lang: Annotated[Lang, Query()] = "id",
        jurisdiction: Annotated[str, Query(max_length=200)] = "",
        year: Annotated[int | None, Query(ge=1945, le=2100)] = None,
        rule_set: Annotated[str | None, Query(max_length=200)] = None,
    ) -> HTMLResponse:
        chosen, note = rule_set, ""
        if jurisdiction.strip() and year is not None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", spmkit.SpmkitWarning)
                    chosen = spmkit.rule_set_for(jurisdiction, year).id
                found = _t(tr("Rule set found: {rule_set}", rule_set=chosen), lang)
                note = f'<p role="status">{found}</p>'
            except SpmkitError as exc:
                said = html.escape(in_language(str(exc), lang))
                note = f'<p class="problem" role="alert">{said}</p>'
        body = _form(served, lang, chosen, jurisdiction, year, note, token=token is not None)
        return _page(in_language(tr("spmkit: evaluate a workbook"), lang), body, lang)

    @router.post("/web/evaluate", response_class=HTMLResponse)
    def evaluate_page(
        rule_set: Annotated[str, Form(max_length=200)],
        file: Annotated[UploadFile, File()],
        lang: Annotated[Lang, Form()] = "id",
        given_token: Annotated[str, Form(alias="token", max_length=1000)] = "",
    ) -> HTMLResponse:
        if token is not None and not hmac.compare_digest(given_token.encode(), token.encode()):
            refused = _problem_page([in_language(tr("The access token is wrong"), lang)], lang)
            refused.status_code = 401
            return refused
        chosen = served.get(rule_set)
        if chosen is None:
            return _problem_page(
                [in_language(tr("Unknown rule set {id}", id=rule_set), lang)], lang
            )
        name = Path(file.filename or "upload").name
        try:
            text, workbook = _evaluate_upload(
                chosen,
                file,
                name,
                lang,
                max_rows=max_rows,
                max_cells=max_cells,
                max_bytes=max_bytes,
            )
        except DataFileError as exc:
            return _problem_page(list(exc.problems_in(lang)), lang)
        except SpmkitError as exc:
            return _problem_page(spmkit.format_errors(exc, lang), lang)
        key = keep(f"{Path(name).stem}-{chosen.id}.xlsx", workbook)
        w = _words(lang)
        links = (
            f'<nav aria-label="{w["result"]}" style="padding:.5rem;background:#eef">'
            f'<a href="/web/download/{key}" download{_GAP}>'
            f"{w['download_the_xlsx_result']}</a>"
            f'<a href="#explanations"{_GAP}>{w["explanations"]}</a>'
            f'<a href="/?lang={lang}">{w["evaluate_another_file"]}</a></nav>'
        )
        text = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + links, text, count=1)
        return HTMLResponse(text, headers={"Content-Security-Policy": CSP})

    @router.get("/web/download/{key}")
    def download(key: str) -> Response:
        found = kept.get(key)
        if found is None:
            return Response(status_code=404)
        _, name, data = found
        disposition = f'attachment; filename="{name}"'
        return Response(data, media_type=_XLSX, headers={"Content-Disposition": disposition})

    return router


def _evaluate_upload(  # noqa: PLR0913 - one upload's facts
    rule_set: spmkit.RuleSet,
    file: UploadFile,
    name: str,
    lang: Lang,
    *,
    max_rows: int,
    max_cells: int,
    max_bytes: int,
) -> tuple[str, bytes]:
    """The regions page (with explanations) and the xlsx of an uploaded file, as the CLI makes."""
    from spmkit._files.export import render_outcomes  # noqa: PLC0415 - on upload
    from spmkit._files.table import evaluate_table  # noqa: PLC0415

    table = read_uploaded(
        rule_set, file.file, name, max_rows=max_rows, max_cells=max_cells, max_bytes=max_bytes
    )
    evaluation = evaluate_table(rule_set, table)
    outcomes = list(evaluation.outcomes)
    rendered = render_outcomes(
        "html",
        rule_set,
        outcomes,
        lang,
        source=name,
        totals=evaluation.totals,
        version=spmkit.__version__,
    )
    workbook = render_outcomes(
        "xlsx", rule_set, outcomes, lang, source=name, totals=evaluation.totals
    )
    assert isinstance(rendered, str)  # noqa: S101 - html is text
    assert isinstance(workbook, bytes)  # noqa: S101 - xlsx is bytes
    page = rendered.replace("</body>", _explanations(list(outcomes), lang) + "</body>", 1)
    return page, workbook
