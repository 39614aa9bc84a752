"""The library over HTTP: ``spmkit serve`` (needs the ``serve`` extra: FastAPI and uvicorn).

PHP, JavaScript and spreadsheet systems call spmkit here instead of recomputing SPM
percentages in their own view code. Responses are the library's own ``to_dict()`` shapes;
errors are RFC 9457 ``application/problem+json`` documents carrying the library's messages
(with file:line, path and input where it gives them).

What the service deliberately does not do: read or write any file a client names. Rule
sets are the shipped ones, chosen by id; an uploaded data file is read from a temporary
file the service names itself and deletes. Sizes a client chooses are bounded
(:class:`Limits`): a larger body or more rows is answered with 413.

An access token (``token=``) makes every endpoint but ``GET /health`` answer 401 unless the
request carries ``Authorization: Bearer <token>``; the comparison takes constant time.
"""

import hmac
import json
import math
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import attrs
from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

import spmkit
from spmkit.errors import DataFileError, ServiceLimitError, UsageError

__all__ = [
    "PROBLEM_JSON",
    "BodyLimit",
    "Limits",
    "Problem",
    "TokenCheck",
    "create_app",
    "error_items",
    "openapi_document",
    "problem",
    "serve",
]

PROBLEM_JSON: Final = "application/problem+json"
"""The media type of every error response (RFC 9457)."""

_UPLOAD_SUFFIXES: Final = (".csv", ".xlsx")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@attrs.frozen(kw_only=True)
class Limits:
    """Sizes a client may choose, bounded; a request over a limit is answered with 413.

    Attributes:
        max_body_bytes: the largest request body (JSON or an uploaded file), in bytes.
        max_rows: the most rows of one batch (JSON rows or data-file rows).
        max_rule_sets: the most rule sets of one comparison.
    """

    max_body_bytes: int = attrs.field(default=1_048_576, validator=attrs.validators.gt(0))
    max_rows: int = attrs.field(default=10_000, validator=attrs.validators.gt(0))
    max_rule_sets: int = attrs.field(default=16, validator=attrs.validators.gt(0))


# --- request bodies ------------------------------------------------------------------------

# A data value as JSON gives it. Text and booleans are accepted here so that the library,
# not the HTTP layer, refuses them with its own message ("give a number, not text").
DataValue = StrictInt | StrictFloat | StrictStr | StrictBool | None
Data = dict[str, DataValue]


class EvaluateRequest(BaseModel):
    """One data set: input name -> count; ``year`` names the period it is for."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"data": {"bumil_k4": 950, "sasaran_bumil": 1000}}]},
    )
    data: Data
    year: int | None = Field(default=None, ge=1900, le=2200)


class ExplainRequest(EvaluateRequest):
    """One data set and the indicator to explain."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"data": {"bumil_k4": 949, "sasaran_bumil": 1000}, "indicator": "I.1"}]
        },
    )

    indicator: str = Field(min_length=1, max_length=200)


class BatchRow(BaseModel):
    """One row of a batch: a region and period, and its data."""

    model_config = ConfigDict(extra="forbid")
    data: Data
    region: str | None = Field(default=None, max_length=500)
    year: int | None = Field(default=None, ge=1900, le=2200)


class BatchRequest(BaseModel):
    """Rows evaluated one by one; a bad row does not stop the others."""

    model_config = ConfigDict(extra="forbid")
    rows: list[BatchRow]


class CompareRequest(BaseModel):
    """One data set judged under several shipped rule sets."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rule_sets": ["permenkes-4-2019", "kubu-raya-2021"],
                    "data": {"dm_standar": 4950, "dm_estimasi": 5297},
                }
            ]
        },
    )
    rule_sets: list[str] = Field(min_length=1)
    data: Data
    inputs: dict[str, dict[str, str]] | None = None


# --- problems (RFC 9457) -------------------------------------------------------------------


class Problem(BaseModel):
    """An RFC 9457 problem document; ``errors`` lists each problem the library found."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


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


def _problem_bytes(status: int, title: str, detail: str) -> bytes:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json.dumps(body).encode()


def _status_of(error: spmkit.SpmkitError) -> tuple[int, str]:
    if isinstance(error, spmkit.RuleSetNotFoundError):
        return 404, "Rule set not found"
    if isinstance(error, DataFileError):
        return 422, "Invalid data file"
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


# --- middleware (pure ASGI: they see every request, before any routing) ----------------------


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


async def _send_problem(send: Send, status: int, title: str, detail: str, **extra: str) -> None:
    body = _problem_bytes(status, title, detail)
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    headers.extend((key.encode(), value.encode()) for key, value in extra.items())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse a body over ``limit`` bytes (413): at once when declared, else as it arrives."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, counting its body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            detail = f"the request body is {int(declared)} bytes; at most {limit} are accepted"
            await _send_problem(send, 413, "Content too large", detail)
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body reading as it is.
                    detail = f"the request body is over {limit} bytes, the most accepted"
                    raise StarletteHTTPException(413, detail)
            return message

        await self.app(scope, counting, send)


class TokenCheck:
    """Answer 401 to every request but ``GET /health`` that lacks ``Bearer <token>``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on when it carries the token (or asks for the health check)."""
        if scope["type"] == "http" and scope.get("path") != "/health":
            given = _header(scope, b"authorization") or b""
            if not hmac.compare_digest(given, self.expected):
                detail = "send the service's access token as 'Authorization: Bearer <token>'"
                await _send_problem(
                    send, 401, "Unauthorized", detail, **{"www-authenticate": "Bearer"}
                )
                return
        await self.app(scope, receive, send)


# --- the application -----------------------------------------------------------------------


def _load_shipped() -> dict[str, spmkit.RuleSet]:
    """Every shipped rule set, loaded once (their unverified values are listed, not warned)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        return {
            rule_set_id: spmkit.load_rule_set(path)
            for rule_set_id, path in spmkit.shipped_rule_sets().items()
        }


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
        "indicators": len(rule_set.indicators),
        "verification": {str(level): count for level, count in counts.items()},
    }


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
    indicators = [
        {
            "id": indicator.id,
            "name": indicator.name,
            "name_en": indicator.name_en,
            "service_type": indicator.service_type,
            "numerator": str(indicator.numerator),
            "denominator": str(indicator.denominator),
            "factor": float(indicator.factor),
            "target": {"op": indicator.target.op, "value": float(indicator.target.value)},
            "deadline": indicator.deadline,
            "source": indicator.source.ref,
            "verification": {
                field: str(indicator.source_of(field).verification)
                for field in ("target", "deadline", "formula")
            },
            "notes": list(indicator.notes),
        }
        for indicator in rule_set.indicators.values()
    ]
    return {**_summary(rule_set), "notes": list(rule_set.notes), "inputs": inputs} | {
        "indicators": indicators
    }


def _report_dict(report: spmkit.Report, year: int | None) -> dict[str, Any]:
    return {**report.to_dict(), "year": year}


def _evaluate_row(  # noqa: PLR0913 - one row's facts
    rule_set: spmkit.RuleSet,
    number: int,
    region: str | None,
    year: int | None,
    data: Mapping[str, object],
    problems: Iterable[str],
) -> dict[str, Any]:
    """One batch row: evaluated in its year, or the problems that kept it from evaluation."""
    found = list(problems)
    results = None
    if not found:
        try:
            results = spmkit.evaluate(rule_set, data, year=year).to_dict()["results"]
        except (spmkit.DataInvalid, UsageError) as exc:
            found = spmkit.format_errors(exc)
    return {"row": number, "region": region, "year": year, "results": results, "problems": found}


def create_app(*, token: str | None = None, limits: Limits | None = None) -> FastAPI:  # noqa: PLR0915 - the routes are closures over one app's state
    """Build the ASGI application (give it to any ASGI server, or use :func:`serve`).

    Args:
        token: when given, every endpoint but ``GET /health`` needs
            ``Authorization: Bearer <token>``.
        limits: body, row and rule-set limits (default :class:`Limits`).
    """
    limits = limits or Limits()
    if token is not None and not token.strip():
        msg = "the access token is empty; give a token or none"
        raise UsageError(msg)
    rule_sets = _load_shipped()
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
    )
    # The shipped ids, listed in the OpenAPI document (not enforced by validation: any
    # other id is answered with a 404 problem that lists them).
    known = {"enum": list(rule_sets)}
    rule_set_path = PathParam(description="a shipped rule set id", json_schema_extra=known)
    RuleSetId = Annotated[str, rule_set_path]  # noqa: N806 - a type alias local to this app
    app.add_exception_handler(spmkit.SpmkitError, _on_spmkit_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)

    def rule_set_of(rule_set_id: RuleSetId) -> spmkit.RuleSet:
        found = rule_sets.get(rule_set_id)
        if found is None:
            known = ", ".join(rule_sets) or "none"
            msg = f"no shipped rule set {rule_set_id!r}; the service has: {known}"
            raise spmkit.RuleSetNotFoundError(msg)
        return found

    def at_most(count: int, limit: int, what: str) -> None:
        if count > limit:
            msg = f"{count} {what}; at most {limit} are accepted per request"
            raise ServiceLimitError(msg)

    @app.get("/health", tags=["service"])
    def health() -> dict[str, Any]:
        """Whether the service is up (never needs the token)."""
        return {"status": "ok", "version": spmkit.__version__, "rule_sets": len(rule_sets)}

    @app.get("/rule-sets", tags=["rule sets"])
    def list_rule_sets() -> dict[str, Any]:
        """The shipped rule sets: id, title, legal basis, jurisdiction, verification counts."""
        return {"rule_sets": [_summary(rule_set) for rule_set in rule_sets.values()]}

    @app.get("/rule-sets/{rule_set_id}", tags=["rule sets"])
    def show_rule_set(rule_set_id: RuleSetId) -> dict[str, Any]:
        """One rule set: its inputs, and its indicators with formula, target and source."""
        return _detail(rule_set_of(rule_set_id))

    @app.post("/rule-sets/{rule_set_id}/evaluate", tags=["evaluation"])
    def evaluate(rule_set_id: RuleSetId, body: EvaluateRequest) -> dict[str, Any]:
        """Evaluate one data set: ``Report.to_dict()``, plus the year.

        With ``year``, each indicator is judged against its milestone of that year (a phased
        target) and every result carries ``milestone`` and ``progress``.
        """
        report = spmkit.evaluate(rule_set_of(rule_set_id), body.data, year=body.year)
        return _report_dict(report, body.year)

    @app.post("/rule-sets/{rule_set_id}/explain", tags=["evaluation"])
    def explain(rule_set_id: RuleSetId, body: ExplainRequest) -> dict[str, Any]:
        """Explain one indicator's result: formula with values, target, source, the inputs."""
        rule_set = rule_set_of(rule_set_id)
        indicator = rule_set.indicators.get(body.indicator)
        if indicator is None:
            known = ", ".join(rule_set.indicators)
            msg = f"rule set {rule_set.id!r} has no indicator {body.indicator!r}; it has: {known}"
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
        return {
            **result.to_dict(),
            "year": body.year,
            "inputs": inputs,
            "notes": list(indicator.notes),
        }

    @app.post("/rule-sets/{rule_set_id}/batch", tags=["evaluation"])
    def batch(rule_set_id: RuleSetId, body: BatchRequest) -> dict[str, Any]:
        """Evaluate JSON rows one by one; a row with bad values lists its problems."""
        rule_set = rule_set_of(rule_set_id)
        at_most(len(body.rows), limits.max_rows, "rows")
        rows = [
            _evaluate_row(rule_set, number, row.region, row.year, row.data, ())
            for number, row in enumerate(body.rows, start=1)
        ]
        return {"rule_set": rule_set.id, "rows": rows}

    @app.post("/rule-sets/{rule_set_id}/batch/upload", tags=["evaluation"])
    def batch_upload(
        rule_set_id: RuleSetId,
        file: Annotated[UploadFile, File(description="a .csv or .xlsx file")],
        number_format: Annotated[
            Literal["auto", "id", "en"],
            Query(description="how numbers written as text are read (id: 3.582 is 3582)"),
        ] = "auto",
    ) -> dict[str, Any]:
        """Evaluate the rows of an uploaded CSV or Excel file, as ``spmkit evaluate`` reads them."""
        from spmkit._files.reading import read_upload  # noqa: PLC0415 - on upload

        rule_set = rule_set_of(rule_set_id)
        name = Path(file.filename or "upload").name
        suffix = Path(name).suffix.casefold()
        if suffix not in _UPLOAD_SUFFIXES:
            msg = f"upload a .csv or .xlsx file (got {name!r})"
            raise UsageError(msg)
        content = file.file.read(limits.max_body_bytes + 1)
        # Named by the client's file name: the temporary path means nothing to them.
        table = read_upload(content, name, rule_set, number_format=number_format)
        at_most(len(table.rows), limits.max_rows, "rows")
        rows = [
            _evaluate_row(rule_set, r.number, r.region, r.year, r.values, r.problems)
            for r in table.rows
        ]
        return {"rule_set": rule_set.id, "source": name, "rows": rows}

    @app.get("/rule-set-for", tags=["rule sets"])
    def rule_set_for(
        jurisdiction: Annotated[
            str,
            Query(
                max_length=200,
                description="a kabupaten, kota or province as written (Kab. Kulon Progo, "
                "Kulonprogo) or its Kemendagri code (3401)",
            ),
        ],
        year: Annotated[int, Query(ge=1945, le=2100, description="the year (its 31 December)")],
        sector: Annotated[str, Query(max_length=40, description="the SPM field")] = "kesehatan",
    ) -> dict[str, Any]:
        """The rule set that applied there that year, and what a result must say about it.

        An unknown place is a 404 naming the closest places in ``candidates``.
        """
        chosen = spmkit.rule_set_for(jurisdiction, year, sector=sector)
        own = len(rule_set_of(chosen.id).notes) if chosen.id in rule_sets else len(chosen.notes)
        return {"rule_set": chosen.id, "year": year, "notes": list(chosen.notes[own:])}

    @app.get("/diff", tags=["rule sets"])
    def diff(
        a: Annotated[str, Query(description="the first shipped rule set", json_schema_extra=known)],
        b: Annotated[
            str, Query(description="the second shipped rule set", json_schema_extra=known)
        ],
    ) -> dict[str, Any]:
        """What changed from rule set ``a`` to ``b``: indicators added, removed, changed."""
        result: dict[str, Any] = spmkit.diff(rule_set_of(a), rule_set_of(b)).to_dict()
        return result

    @app.post("/compare", tags=["evaluation"])
    def compare(body: CompareRequest) -> dict[str, Any]:
        """One data set judged under several shipped rule sets, aligned by indicator."""
        at_most(len(body.rule_sets), limits.max_rule_sets, "rule sets")
        chosen = [rule_set_of(rule_set_id) for rule_set_id in body.rule_sets]
        result: dict[str, Any] = spmkit.compare(chosen, body.data, inputs=body.inputs).to_dict()
        return result

    app.openapi = _openapi_without_json_problems(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, limit=limits.max_body_bytes)
    if token is not None:
        app.add_middleware(TokenCheck, token=token)  # outermost: checked before anything
    return app


def _openapi_without_json_problems(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI lists a response model under application/json too; errors are problem+json only."""
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
            app.openapi_schema = document
        return app.openapi_schema

    return openapi


def openapi_document() -> dict[str, Any]:
    """The service's OpenAPI document (what ``GET /openapi.json`` serves)."""
    return create_app().openapi()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    limits: Limits | None = None,
) -> None:
    """Run the service with uvicorn until interrupted."""
    import uvicorn  # noqa: PLC0415 - the serve extra, only when serving

    uvicorn.run(create_app(token=token, limits=limits), host=host, port=port, log_level="info")
