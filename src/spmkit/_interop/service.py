"""The library over HTTP: ``spmkit serve`` (needs the ``serve`` extra: FastAPI and uvicorn).

PHP, JavaScript and spreadsheet systems call spmkit here instead of recomputing SPM
percentages in their own view code. Responses are the library's result records
(``to_dict()``), typed by the models of :mod:`spmkit._interop.service_models`, with display
text (``shown_value``); errors are RFC 9457 ``application/problem+json`` documents carrying
the library's messages (with file:line, path and input where it gives them).

What the service deliberately does not do: read or write any file a client names. Rule
sets are the shipped ones, installed rule-set packages and the office's own rule files
(``--rules DIR``), chosen by id; an uploaded data file is read from a temporary file the
service names itself and deletes. Sizes a client chooses are bounded (:class:`Limits`):
a larger body, more rows or cells is answered with 413, before the work.

The guards (body limit, access token, strict JSON) are in
:mod:`spmkit._interop.service_guards`; the browser front door at ``/`` in
:mod:`spmkit._interop.webapp`.
"""

import asyncio
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Final, Literal, cast

import attrs
from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

import spmkit
from spmkit._interop.fhir import RegionReport, scoring_of, to_fhir
from spmkit._interop.service_guards import (
    PROBLEM_JSON,
    ASGIApp,
    BodyLimit,
    JsonCheck,
    TokenCheck,
    read_uploaded,
    send_problem,
)
from spmkit._interop.service_json import rows_response
from spmkit._interop.service_models import (
    AggregateRequest,
    AggregateResponse,
    BatchRequest,
    BatchResponse,
    CompareRequest,
    CompareResponse,
    Dhis2Request,
    Dhis2Response,
    DiffResponse,
    EvaluateRequest,
    EvaluateResponse,
    ExplainRequest,
    ExplainResponse,
    Health,
    HistoryRequest,
    HistoryResponse,
    ImpactRequest,
    ImpactResponse,
    Problem,
    QuarterlyRequest,
    QuarterlyResponse,
    RuleSetDetail,
    RuleSetFor,
    RuleSetList,
    UploadResponse,
)
from spmkit.errors import DataFileError, Dhis2Error, ServiceLimitError, UsageError

__all__ = [
    "FHIR_JSON",
    "GZIP_MINIMUM_BYTES",
    "PROBLEM_JSON",
    "Limits",
    "create_app",
    "error_items",
    "load_served",
    "openapi_document",
    "problem",
    "serve",
]

FHIR_JSON: Final = "application/fhir+json"
"""Ask for FHIR R4 (``Accept: application/fhir+json``): a MeasureReport or a Bundle."""

GZIP_MINIMUM_BYTES: Final = 1024
"""A JSON answer at least this long is gzipped for a client that sends ``Accept-Encoding: gzip``."""


@attrs.frozen(kw_only=True)
class Limits:
    """Sizes and times a client may choose, bounded; over a limit is answered with 413/408.

    Attributes:
        max_body_bytes: the largest request body (JSON or an uploaded file), in bytes.
        max_rows: the most rows of one batch (JSON rows or data-file rows).
        max_cells: the most cells of an uploaded sheet (counted before it is read).
        max_results: the most results of one batch answer, rows x indicators (about
            1.4 KB of JSON each), refused before any row is evaluated.
        max_rule_sets: the most rule sets of one comparison.
        request_timeout: seconds a client may take to send its whole body (408 after).
        idle_timeout: seconds an idle keep-alive connection is kept open.
    """

    max_body_bytes: int = attrs.field(default=1_048_576, validator=attrs.validators.gt(0))
    max_rows: int = attrs.field(default=10_000, validator=attrs.validators.gt(0))
    max_cells: int = attrs.field(default=2_000_000, validator=attrs.validators.gt(0))
    max_results: int = attrs.field(default=400_000, validator=attrs.validators.gt(0))
    max_rule_sets: int = attrs.field(default=16, validator=attrs.validators.gt(0))
    request_timeout: float = attrs.field(default=60.0, validator=attrs.validators.gt(0))
    idle_timeout: float = attrs.field(default=5.0, validator=attrs.validators.gt(0))


# --- problems (RFC 9457) -------------------------------------------------------------------


def _problem_responses() -> dict[int | str, dict[str, Any]]:
    described = {
        400: "Malformed JSON, or a request the library refuses",
        401: "The access token is missing or wrong",
        404: "No such shipped rule set, indicator or endpoint",
        413: "The body, the rows or the rule sets are over the service's limits",
        422: "The request or its data do not have the required shape or values",
    }
    return {
        status: {
            "model": Problem,
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status, description in described.items()
    }


def _json_safe(value: object) -> object:
    """A value as JSON can carry it: text for what JSON has no number for."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Fraction):
        return str(value)
    return repr(value)


def error_items(error: BaseException) -> list[dict[str, Any]]:
    """One JSON object per problem of an spmkit error (or group), with its facts.

    Every item has ``message`` (the line :func:`spmkit.format_errors` gives); a rule-set
    problem adds ``file``, ``line``, ``path`` and ``indicator``; a data problem adds
    ``input``, ``value``, ``rule`` and ``hint``.
    """
    if isinstance(error, BaseExceptionGroup):
        return [item for inner in error.exceptions for item in error_items(inner)]
    if isinstance(error, DataFileError):
        return [{"message": f"{error.source}: {line}"} for line in error.problems]
    item: dict[str, Any] = {"message": str(error)}
    if isinstance(error, spmkit.RuleSetError):
        item.update(file=error.file, line=error.line, path=error.path, indicator=error.indicator_id)
    if isinstance(error, spmkit.DataError):
        item.update(
            input=error.input_name,
            value=_json_safe(error.value),
            rule=error.rule,
            hint=error.hint,
        )
    return [item]


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: Iterable[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An RFC 9457 problem document (``type`` is ``about:blank``: the status says it)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    listed = [dict(item) for item in errors]
    if listed:
        body["errors"] = listed
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _status_of(error: spmkit.SpmkitError) -> tuple[int, str]:
    if isinstance(error, spmkit.RuleSetNotFoundError):
        return 404, "Rule set not found"
    if isinstance(error, DataFileError):
        return 422, "Invalid data file"
    if isinstance(error, Dhis2Error):
        return 422, "Invalid DHIS2 mapping or data"
    if isinstance(error, spmkit.DataInvalid | spmkit.DataError):
        return 422, "Invalid data"
    if isinstance(error, ServiceLimitError):
        return 413, "Content too large"
    if isinstance(error, spmkit.RuleSetInvalid | spmkit.RuleSetError):
        return 422, "Invalid rule set"
    return 400, "Bad request"


def _first_line(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):
        return str(error.message)
    return str(error)


async def _on_spmkit_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, spmkit.SpmkitError):  # registered for SpmkitError only
        raise error
    status, title = _status_of(error)
    return problem(status, title, _first_line(error), errors=error_items(error))


async def _on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):  # registered for it only
        raise error
    items = []
    bad_json = False
    for entry in error.errors():
        bad_json = bad_json or entry.get("type") == "json_invalid"
        where = ".".join(str(part) for part in entry.get("loc", ()))
        items.append({"message": f"{where}: {entry.get('msg', '')}", "location": where})
    if bad_json:
        return problem(400, "Malformed JSON", "the request body is not valid JSON", errors=items)
    detail = f"the request does not have the documented shape: {len(items)} problem(s)"
    return problem(422, "Invalid request", detail, errors=items)


async def _on_http_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, StarletteHTTPException):  # registered for it only
        raise error
    title = {404: "Not found", 405: "Method not allowed", 413: "Content too large"}.get(
        error.status_code, "HTTP error"
    )
    return problem(
        error.status_code, title, str(error.detail), headers=getattr(error, "headers", None)
    )


# --- rule sets served ----------------------------------------------------------------------


def load_served(rule_dirs: Sequence[str | Path] = ()) -> dict[str, spmkit.RuleSet]:
    """Every rule set the service serves, loaded once: shipped, installed, and ``rule_dirs``.

    Their unverified values are listed in the answers, not warned. A file of ``rule_dirs``
    whose id is already served (shipped, installed, or another file) is refused, so an id
    always means one rule set.

    Raises:
        UsageError: a folder does not exist or has no rule files, or two files share an id.
        RuleSetError: a rule file of ``rule_dirs`` does not load (its problems listed).
    """
    from spmkit._rulesets.installed import installed_rule_files  # noqa: PLC0415 - at start

    files = {**installed_rule_files(), **spmkit.shipped_rule_sets()}
    served: dict[str, spmkit.RuleSet] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        for rule_set_id, path in files.items():
            try:
                served[rule_set_id] = spmkit.load_rule_set(path)
            except spmkit.SpmkitError:
                if rule_set_id in spmkit.shipped_rule_sets():
                    raise
        for folder in map(Path, rule_dirs):
            if not folder.is_dir():
                msg = f"--rules {folder}: not a folder; give a folder of rule files (.yaml)"
                raise UsageError(msg)
            found = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
            if not found:
                msg = f"--rules {folder}: no rule files (.yaml, .yml) in it"
                raise UsageError(msg)
            for path in found:
                rule_set = spmkit.load_rule_set(path)
                if rule_set.id in served:
                    msg = (
                        f"--rules {path}: the id {rule_set.id!r} is already served (shipped, "
                        "installed or another file); give the office's rule set its own id"
                    )
                    raise UsageError(msg)
                served[rule_set.id] = rule_set
    return served


def _day(value: object) -> str | None:
    return None if value is None else str(value)


def _summary(rule_set: spmkit.RuleSet) -> dict[str, Any]:
    counts = rule_set.verification_counts()
    return {
        "id": rule_set.id,
        "title": rule_set.title,
        "title_en": rule_set.title_en,
        "legal_basis": rule_set.legal_basis.cite(),
        "jurisdiction": {
            "level": rule_set.jurisdiction.level,
            "name": rule_set.jurisdiction.name,
            "province": rule_set.jurisdiction.province,
        },
        "in_force_from": _day(rule_set.in_force_from),
        "in_force_until": _day(rule_set.in_force_until),
        "indicators": len(rule_set.indicators),
        "verification": {str(level): count for level, count in counts.items()},
    }


def _source(source: Any) -> dict[str, str]:  # noqa: ANN401 - a Source
    return {"ref": source.ref, "verification": str(source.verification)}


def _indicator_detail(indicator: Any) -> dict[str, Any]:  # noqa: ANN401 - an Indicator
    schedule = indicator.target.schedule or {}
    provenance = {field: _source(indicator.source_of(field)) for field in _PROVENANCE}
    provenance |= {f"band:{band.label}": _source(band.source) for band in indicator.bands}
    return {
        "id": indicator.id,
        "name": indicator.name,
        "name_en": indicator.name_en,
        "service_type": indicator.service_type,
        "kind": scoring_of(indicator),
        "numerator": str(indicator.numerator),
        "denominator": str(indicator.denominator),
        "factor": float(indicator.factor),
        "target": {"op": indicator.target.op, "value": float(indicator.target.value)},
        "deadline": indicator.deadline,
        "milestones": {str(year): float(value) for year, value in schedule.items()},
        "bands": [
            {
                "label": band.label,
                "label_en": band.label_en,
                "at_least": None if band.at_least is None else float(band.at_least),
                "at_most": None if band.at_most is None else float(band.at_most),
                "verification": str(band.source.verification),
            }
            for band in indicator.bands
        ],
        "source": indicator.source.ref,
        "verification": {
            field: str(indicator.source_of(field).verification) for field in _PROVENANCE
        },
        "provenance": provenance,
        "notes": list(indicator.notes),
    }


_PROVENANCE: Final = ("target", "deadline", "formula")


def _detail(rule_set: spmkit.RuleSet) -> dict[str, Any]:
    inputs = [
        {
            "name": spec.name,
            "label": spec.label,
            "label_en": spec.label_en,
            "unit": spec.unit,
            "kind": str(spec.kind),
            "required": spec.required,
        }
        for spec in rule_set.inputs.values()
    ]
    return {
        **_summary(rule_set),
        "notes": list(rule_set.notes),
        "inputs": inputs,
        "indicators": [_indicator_detail(ind) for ind in rule_set.indicators.values()],
    }


# --- uploads -------------------------------------------------------------------------------


# --- the application -----------------------------------------------------------------------


def _report_dict(report: spmkit.Report, year: int | None, period: str | None) -> dict[str, Any]:
    return {**report.to_dict(), "year": year, "period": period}


def _evaluate_row(  # noqa: PLR0913 - one row's facts
    rule_set: spmkit.RuleSet,
    number: int,
    region: str | None,
    year: int | None,
    period: str | None,
    data: Mapping[str, object],
    problems: Iterable[str],
) -> tuple[dict[str, Any], spmkit.Report | None]:
    """One batch row: evaluated in its year, or the problems that kept it from evaluation."""
    found = list(problems)
    report = None
    if not found:
        try:
            report = spmkit.evaluate(rule_set, data, year=year)
        except (spmkit.DataInvalid, UsageError) as exc:
            found = spmkit.format_errors(exc)
    row = {
        "row": number,
        "region": region,
        "year": year,
        "period": period,
        "results": None if report is None else report.to_dict()["results"],
        "problems": found,
    }
    return row, report


def _wants_fhir(request: Request) -> bool:
    return FHIR_JSON in (request.headers.get("accept") or "")


def _fhir(resource: dict[str, Any]) -> JSONResponse:
    return JSONResponse(resource, media_type=FHIR_JSON)


_FHIR_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "With Accept: application/fhir+json: FHIR R4 (docs/fhir.md)",
        "content": {FHIR_JSON: {"schema": {"type": "object"}}},
    }
}


class _ReceiveTimeout:
    """Answer 408 when a client takes longer than the request timeout to send its body."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:  # noqa: ANN401 - ASGI
        """Pass the request on, bounding the time each part of its body may take."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        complete = False

        async def bounded() -> Any:  # noqa: ANN401 - an ASGI message
            nonlocal complete
            if complete:  # the body is in: waiting for a disconnect is not a slow client
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.001))
            except TimeoutError:
                raise _SlowClientError from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        try:
            await self.app(scope, bounded, send)
        except _SlowClientError:
            detail = f"the request body did not arrive within {self.seconds:g} s"
            await send_problem(send, 408, "Request timeout", detail)


class _SlowClientError(Exception):
    """The body did not arrive in time."""


def create_app(  # noqa: PLR0915 - the routes are closures over one app's state
    *,
    token: str | None = None,
    limits: Limits | None = None,
    cors_origins: Sequence[str] = (),
    rule_dirs: Sequence[str | Path] = (),
    rule_sets: Mapping[str, spmkit.RuleSet] | None = None,
) -> FastAPI:
    """Build the ASGI application (give it to any ASGI server, or use :func:`serve`).

    Args:
        token: when given, every endpoint but ``GET /health`` needs
            ``Authorization: Bearer <token>`` (the scheme name in any case).
        limits: body, row, cell and rule-set limits and timeouts (default :class:`Limits`).
        cors_origins: browser origins allowed to call the service (CORS), e.g. a dashboard.
        rule_dirs: folders of the office's own rule files, served with the shipped ones.
        rule_sets: the rule sets to serve instead of loading them (:func:`load_served`).

    Raises:
        UsageError: a blank token, or a bad rule folder.
    """
    limits = limits or Limits()
    if token is not None and not token.strip():
        msg = "the access token is blank; give a token, or none to run without one"
        raise UsageError(msg)
    served = dict(rule_sets) if rule_sets is not None else load_served(rule_dirs)
    app = FastAPI(
        title="spmkit",
        version=spmkit.__version__,
        description=(
            "Indonesia's minimum service standards (SPM) as rules as code, over HTTP. "
            "Errors are RFC 9457 application/problem+json documents."
        ),
        docs_url=None,
        redoc_url=None,
        responses=_problem_responses(),
        # operationId is the function's name: generated clients call evaluate(), batch()...
        generate_unique_id_function=lambda route: route.name,
    )
    # The ids served, listed in the OpenAPI document (not enforced by validation: any
    # other id is answered with a 404 problem that lists them).
    known = {"enum": list(served)}
    rule_set_path = PathParam(
        description="a rule set id the service serves", json_schema_extra=known
    )
    RuleSetId = Annotated[str, rule_set_path]  # noqa: N806 - a type alias local to this app
    app.add_exception_handler(spmkit.SpmkitError, _on_spmkit_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)

    def rule_set_of(rule_set_id: str) -> spmkit.RuleSet:
        found = served.get(rule_set_id)
        if found is None:
            listed = ", ".join(served) or "none"
            msg = f"no rule set {rule_set_id!r} is served; the service has: {listed}"
            raise spmkit.RuleSetNotFoundError(msg)
        return found

    def at_most(count: int, limit: int, what: str) -> None:
        if count > limit:
            msg = f"{count} {what}; at most {limit} are accepted per request"
            raise ServiceLimitError(msg)

    def results_at_most(rows: int, rule_set: spmkit.RuleSet) -> None:
        """Rows x indicators within --max-results: the answer's size, known before the work."""
        indicators = len(rule_set.indicators)
        what = f"results ({rows} rows x {indicators} indicators of {rule_set.id})"
        at_most(rows * indicators, limits.max_results, what)

    @app.get("/health", tags=["service"])
    def health() -> Health:
        """Whether the service is up (never needs the token)."""
        return Health(status="ok", version=spmkit.__version__, rule_sets=len(served))

    @app.get("/rule-sets", tags=["rule sets"])
    def list_rule_sets() -> RuleSetList:
        """The rule sets served: id, title, legal basis, jurisdiction, in force, verification."""
        return RuleSetList.model_validate(
            {"rule_sets": [_summary(rule_set) for rule_set in served.values()]}
        )

    @app.get("/rule-sets/{rule_set_id}", tags=["rule sets"])
    def show_rule_set(rule_set_id: RuleSetId) -> RuleSetDetail:
        """One rule set: inputs; indicators with formula, target, milestones, bands, sources."""
        return RuleSetDetail.model_validate(_detail(rule_set_of(rule_set_id)))

    @app.get("/rule-set-for", tags=["rule sets"])
    def rule_set_for(
        jurisdiction: Annotated[
            str, Query(min_length=1, max_length=200, description="Kabupaten Kulon Progo, or a slug")
        ],
        year: Annotated[int, Query(ge=1945, le=2100, description="the year (its 31 December)")],
        sector: Annotated[str, Query(max_length=40, description="the SPM field")] = "kesehatan",
    ) -> RuleSetFor:
        """The rule set that applied there that year (as ``spmkit.rule_set_for``).

        ``jurisdiction`` as written (Kab. Kulon Progo, Kulonprogo) or a Kemendagri code
        (3401). ``notes`` say what a result must say about the choice (the national set,
        no known end). An unknown place is a 404 naming the closest places.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", spmkit.SpmkitWarning)
            found = spmkit.rule_set_for(jurisdiction, year, sector=sector)
        chosen = served.get(found.id, found)
        # The catalogue adds its notes to the rule set it chose; the file's own stay out.
        own = set() if chosen is found else set(chosen.notes)
        asked = {"jurisdiction": jurisdiction, "year": year, "sector": sector}
        notes = [note for note in found.notes if note not in own]
        return RuleSetFor.model_validate({**_summary(chosen), "asked": asked, "notes": notes})

    @app.post("/rule-sets/{rule_set_id}/evaluate", tags=["evaluation"], responses=_FHIR_RESPONSE)
    def evaluate(
        rule_set_id: RuleSetId, body: EvaluateRequest, request: Request
    ) -> EvaluateResponse:
        """Evaluate one data set: every indicator's result record, and the year and period.

        With ``year``, each indicator is judged against its milestone of that year (a phased
        target) and every result carries ``milestone`` and ``progress``. With
        ``Accept: application/fhir+json``: a FHIR R4 MeasureReport (needs ``year``).
        """
        rule_set = rule_set_of(rule_set_id)
        report = spmkit.evaluate(rule_set, body.data, year=body.year)
        if _wants_fhir(request):
            return _fhir(to_fhir(rule_set, report, year=body.year))  # type: ignore[return-value]
        return EvaluateResponse.model_validate(_report_dict(report, body.year, body.period))

    @app.post("/rule-sets/{rule_set_id}/explain", tags=["evaluation"])
    def explain(rule_set_id: RuleSetId, body: ExplainRequest) -> ExplainResponse:
        """Explain one indicator's result: formula with values, target, source, the inputs."""
        rule_set = rule_set_of(rule_set_id)
        indicator = rule_set.indicators.get(body.indicator)
        if indicator is None:
            listed = ", ".join(rule_set.indicators)
            msg = f"rule set {rule_set.id!r} has no indicator {body.indicator!r}; it has: {listed}"
            raise UsageError(msg)
        result = spmkit.evaluate(rule_set, body.data, year=body.year)[indicator.id]
        inputs = [
            {
                "name": name,
                "label": rule_set.inputs[name].label,
                "unit": rule_set.inputs[name].unit,
                "value": _json_safe(body.data.get(name)),
            }
            for name in rule_set.inputs
            if name in indicator.inputs
        ]
        return ExplainResponse.model_validate(
            {
                **result.to_dict(),
                "year": body.year,
                "period": body.period,
                "text": result.explanation_in(body.lang),
                "inputs": inputs,
                "notes": list(indicator.notes),
            }
        )

    @app.post(
        "/rule-sets/{rule_set_id}/batch",
        tags=["evaluation"],
        responses=_FHIR_RESPONSE,
        response_model=BatchResponse,
    )
    def batch(rule_set_id: RuleSetId, body: BatchRequest, request: Request) -> Response:
        """Evaluate JSON rows one by one; a row with bad values lists its problems.

        Each row is judged in its own ``year``. With ``Accept: application/fhir+json``: a
        FHIR R4 Bundle of one MeasureReport per evaluated row.
        """
        rule_set = rule_set_of(rule_set_id)
        at_most(len(body.rows), limits.max_rows, "rows")
        results_at_most(len(body.rows), rule_set)
        evaluated = (
            _evaluate_row(rule_set, number, row.region, row.year, row.period, row.data, ())
            for number, row in enumerate(body.rows, start=1)
        )
        return _batch_answer(request, rule_set, evaluated, len(body.rows), {})

    @app.post(
        "/rule-sets/{rule_set_id}/batch/upload",
        tags=["evaluation"],
        responses=_FHIR_RESPONSE,
        response_model=UploadResponse,
    )
    def batch_upload(
        rule_set_id: RuleSetId,
        file: Annotated[UploadFile, File(description="a .csv or .xlsx file")],
        request: Request,
        number_format: Annotated[
            Literal["auto", "id", "en"],
            Query(description="how numbers written as text are read (id: 3.582 is 3582)"),
        ] = "auto",
    ) -> Response:
        """Evaluate the rows of an uploaded CSV or Excel file, as ``spmkit evaluate`` reads them.

        The file's rows and cells are counted before it is read: over the limits is a 413.
        With ``Accept: application/fhir+json``: a FHIR R4 Bundle of one MeasureReport per
        evaluated row (as ``/batch``; a row with problems has none).
        """
        rule_set = rule_set_of(rule_set_id)
        name = Path(file.filename or "upload").name
        count, evaluated = read_upload(rule_set, file, name, number_format, limits)
        results_at_most(count, rule_set)  # read, not yet evaluated: rows are lazy
        return _batch_answer(request, rule_set, evaluated, count, {"source": name})

    @app.get("/diff", tags=["rule sets"])
    def diff(
        a: Annotated[str, Query(description="the first rule set", json_schema_extra=known)],
        b: Annotated[str, Query(description="the second rule set", json_schema_extra=known)],
    ) -> DiffResponse:
        """What changed from rule set ``a`` to ``b``: indicators added, removed, changed."""
        return DiffResponse.model_validate(spmkit.diff(rule_set_of(a), rule_set_of(b)).to_dict())

    @app.post("/compare", tags=["evaluation"])
    def compare(body: CompareRequest) -> CompareResponse:
        """One data set judged under several rule sets, aligned by indicator."""
        at_most(len(body.rule_sets), limits.max_rule_sets, "rule sets")
        chosen = [rule_set_of(rule_set_id) for rule_set_id in body.rule_sets]
        result = spmkit.compare(chosen, body.data, inputs=body.inputs).to_dict()
        return CompareResponse.model_validate(result)

    from spmkit._interop.webapp import _XLSX, web_routes  # noqa: PLC0415 - the front door

    app.include_router(
        web_routes(
            served,
            max_rows=limits.max_rows,
            max_cells=limits.max_cells,
            max_bytes=limits.max_body_bytes,
            token=token,
        )
    )

    @app.post("/history", tags=["evaluation"])
    def history(body: HistoryRequest) -> HistoryResponse:
        """Rows of several years, each judged under the rule set and milestone of its year."""
        at_most(len(body.rows), limits.max_rows, "rows")
        missing = [number for number, row in enumerate(body.rows, start=1) if row.year is None]
        if missing:
            msg = f"every row of a history needs its year (rows {missing[:10]} have none)"
            raise UsageError(msg)
        table = [{"year": row.year, **row.data} for row in body.rows]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", spmkit.SpmkitWarning)
            found = spmkit.evaluate_history(body.jurisdiction, table)
        return HistoryResponse.model_validate(found.to_dict())

    @app.post("/rule-sets/{rule_set_id}/aggregate", tags=["evaluation"])
    def aggregate(rule_set_id: RuleSetId, body: AggregateRequest) -> AggregateResponse:
        """Sum the rows per group (as ``spmkit.aggregate``), then evaluate each group."""
        rule_set = rule_set_of(rule_set_id)
        at_most(len(body.rows), limits.max_rows, "rows")
        names = list(dict.fromkeys(name for row in body.rows for name in row))
        named = [*body.by, *(c for c in (body.period, body.place) if c is not None)]
        absent = [column for column in named if column not in names]
        if not body.rows or absent:
            msg = f"give rows with the columns named in by, period and place (absent: {absent})"
            raise UsageError(msg)
        columns = {name: [row.get(name) for row in body.rows] for name in names}
        totals = spmkit.aggregate(
            rule_set, columns, by=body.by, period=body.period, place=body.place
        )
        listed = {name: values.tolist() for name, values in totals.items()}
        count = len(next(iter(listed.values()), []))
        groups = []
        for index in range(count):
            data = {n: v[index] for n, v in listed.items() if n in rule_set.inputs}
            report = spmkit.evaluate(rule_set, data)
            groups.append(
                {
                    "group": {key: listed[key][index] for key in body.by},
                    "data": data,
                    "results": report.to_dict()["results"],
                }
            )
        return AggregateResponse.model_validate({"rule_set": rule_set.id, "groups": groups})

    @app.post("/rule-sets/{rule_set_id}/quarterly", tags=["evaluation"])
    def quarterly(rule_set_id: RuleSetId, body: QuarterlyRequest) -> QuarterlyResponse:
        """The quarterly e-SPM report (TW1-TW4): served, not yet served, mutu, index, band."""
        from spmkit._evaluation.quarterly import quarterly_report  # noqa: PLC0415 - on use

        rule_set = rule_set_of(rule_set_id)
        quarters = cast("Mapping[object, Mapping[str, object]]", body.quarters)
        report = quarterly_report(rule_set, quarters)
        rows = [{key: _json_safe(value) for key, value in row.items()} for row in report.to_rows()]
        return QuarterlyResponse.model_validate({"rule_set": rule_set.id, "rows": rows})

    @app.post(
        "/rule-sets/{rule_set_id}/dhis2", tags=["evaluation"], response_model_exclude_none=True
    )
    def dhis2(rule_set_id: RuleSetId, body: Dhis2Request) -> Dhis2Response:
        """The rows' numerators and denominators as a DHIS2 dataValueSet, by the mapping."""
        from spmkit._interop.dhis2 import parse_mapping, to_data_value_set  # noqa: PLC0415

        rule_set = rule_set_of(rule_set_id)
        at_most(len(body.rows), limits.max_rows, "rows")
        results_at_most(len(body.rows), rule_set)
        mapping = parse_mapping(body.mapping, source="the mapping")
        reports = [
            RegionReport(
                report=spmkit.evaluate(rule_set, row.data, year=row.year),
                region=row.region,
                year=row.year,
            )
            for row in body.rows
        ]
        value_set = to_data_value_set(rule_set, reports, mapping)
        return Dhis2Response.model_validate(value_set)

    @app.post("/impact", tags=["rule sets"])
    def impact(body: ImpactRequest) -> ImpactResponse:
        """For each indicator changed from ``a`` to ``b``: the regions whose results move."""
        at_most(len(body.rows), limits.max_rows, "rows")
        pair = (rule_set_of(body.a), rule_set_of(body.b))
        names = list(dict.fromkeys(name for row in body.rows for name in row))
        columns = {name: [row.get(name) for row in body.rows] for name in names}
        found = spmkit.impact(spmkit.diff(*pair), columns, rule_sets=pair, keys=body.keys)
        changes = [change.to_dict() for change in found]
        return ImpactResponse.model_validate({"a": body.a, "b": body.b, "changes": changes})

    app.openapi = _openapi_document(app, secured=token is not None)  # type: ignore[method-assign]
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MINIMUM_BYTES,
        compresslevel=6,
        # Not the front door's pages, which carry download keys next to the office's data
        # (a compressed secret beside chosen text leaks it: BREACH), nor xlsx (a zip).
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, "text/html", _XLSX),
    )
    app.add_middleware(JsonCheck)
    app.add_middleware(BodyLimit, limit=limits.max_body_bytes)
    app.add_middleware(_ReceiveTimeout, seconds=limits.request_timeout)
    if token is not None:
        app.add_middleware(TokenCheck, token=token)  # checked before anything but CORS
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            max_age=600,
        )
    return app


def read_upload(
    rule_set: spmkit.RuleSet,
    file: UploadFile,
    name: str,
    number_format: Literal["auto", "id", "en"],
    limits: Limits,
) -> tuple[int, Iterator[tuple[dict[str, Any], spmkit.Report | None]]]:
    """An uploaded file's rows (counted, read and deleted by :func:`read_uploaded`).

    How many, and each row's record and report (None for a row with problems), evaluated
    as they are read from the iterator.
    """
    table = read_uploaded(
        rule_set,
        file.file,
        name,
        max_rows=limits.max_rows,
        max_cells=limits.max_cells,
        max_bytes=limits.max_body_bytes,
        number_format=number_format,
    )
    evaluated = (
        _evaluate_row(rule_set, r.number, r.region, r.year, r.period, r.values, r.problems)
        for r in table.rows
    )
    return len(table.rows), evaluated


def _batch_answer(
    request: Request,
    rule_set: spmkit.RuleSet,
    evaluated: Iterator[tuple[dict[str, Any], spmkit.Report | None]],
    count: int,
    more: Mapping[str, str],
) -> Response:
    """A batch's rows: FHIR when asked for, else the records (``more`` after ``rows``)."""
    if _wants_fhir(request):
        reports = [
            RegionReport(report=report, region=row["region"], year=row["year"])
            for row, report in evaluated
            if report is not None
        ]
        return _fhir(to_fhir(rule_set, reports))
    envelope = {"rule_set": rule_set.id, "rows": [], **more}  # the models' field order
    return rows_response(envelope, (row for row, _ in evaluated), count)


def _openapi_document(app: FastAPI, *, secured: bool) -> Callable[[], dict[str, Any]]:
    """FastAPI's document, with errors as problem+json only and the bearer scheme when set."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status.startswith(("4", "5")) and PROBLEM_JSON in content:
                            content.pop("application/json", None)
            if secured:
                components = document.setdefault("components", {})
                components["securitySchemes"] = {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "the token given to spmkit serve (--token-file)",
                    }
                }
                document["security"] = [{"bearer": []}]
                health = document["paths"]["/health"]["get"]
                health["security"] = []
            app.openapi_schema = document
        return app.openapi_schema

    return openapi


def openapi_document(*, secured: bool = True) -> dict[str, Any]:
    """The service's OpenAPI document (what ``GET /openapi.json`` serves with a token)."""
    token = "document" if secured else None
    return create_app(token=token).openapi()


def serve(  # noqa: PLR0913 - the start options
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    limits: Limits | None = None,
    cors_origins: Sequence[str] = (),
    rule_dirs: Sequence[str | Path] = (),
) -> None:
    """Run the service with uvicorn until interrupted."""
    import uvicorn  # noqa: PLC0415 - the serve extra, only when serving

    limits = limits or Limits()
    app = create_app(token=token, limits=limits, cors_origins=cors_origins, rule_dirs=rule_dirs)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        timeout_keep_alive=max(1, math.ceil(limits.idle_timeout)),
    )
