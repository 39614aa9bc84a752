r"""What the service checks before any work: body size, access token, JSON, CORS.

Each guard is a pure ASGI middleware: it sees every request before routing and answers
an RFC 9457 ``application/problem+json`` document itself when it refuses one.

- :class:`BodyLimit`: a body over the limit is refused (413) when declared, else as it
  arrives, before it is all read.
- :class:`TokenCheck`: ``Authorization: Bearer <token>`` on every request but
  ``GET /health`` and CORS preflights, compared in constant time; the scheme name is
  case-insensitive (RFC 7235).
- :class:`JsonCheck`: a JSON body is parsed as the command line parses a data file:
  duplicate keys (JSON keeps only the last), invalid UTF-8, lone surrogates (``"\ud800"``,
  which no UTF-8 text can hold) and over-deep nesting are a 400 problem, not a guess.
"""

import hmac
import json
import zipfile
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal

from spmkit._files.bounded import load_json
from spmkit._files.outputs import bounded_copy
from spmkit._files.reading import DataTable, read_data
from spmkit._rulesets.model import RuleSet
from spmkit.errors import DataFileError, ServiceLimitError, UsageError

__all__ = [
    "HEADER_ROWS",
    "PROBLEM_JSON",
    "UPLOAD_SUFFIXES",
    "ASGIApp",
    "BodyLimit",
    "JsonCheck",
    "TokenCheck",
    "header",
    "problem_bytes",
    "read_uploaded",
    "send_problem",
    "upload_too_large",
]

PROBLEM_JSON: Final = "application/problem+json"
"""The media type of every error response (RFC 9457)."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def header(scope: Scope, name: bytes) -> bytes | None:
    """The value of a request header (the first one of that name), or None."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


def problem_bytes(status: int, title: str, detail: str, errors: list[str] | None = None) -> bytes:
    """An RFC 9457 problem document as JSON bytes."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = [{"message": message} for message in errors]
    return json.dumps(body).encode()


async def send_problem(  # noqa: PLR0913 - a problem's fields
    send: Send,
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[str] | None = None,
    extra: dict[str, str] | None = None,
) -> None:
    """Answer a request with a problem document."""
    body = problem_bytes(status, title, detail, errors)
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    headers.extend((key.encode(), value.encode()) for key, value in (extra or {}).items())
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
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            detail = f"the request body is {int(declared)} bytes; at most {limit} are accepted"
            await send_problem(send, 413, "Content too large", detail)
            return
        received = 0
        started = False

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    msg = f"the request body is over {limit} bytes, the most accepted"
                    raise ServiceLimitError(msg)
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, tracking)
        except ServiceLimitError as exc:  # the body arrived over the limit
            if started:
                raise
            await send_problem(send, 413, "Content too large", str(exc))


class TokenCheck:
    """Answer 401 to every request but ``GET /health`` that lacks ``Bearer <token>``.

    The web pages (``/`` and ``/web/...``) check the token themselves, from a form field:
    a browser form cannot send a Bearer header.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = token.encode()

    def _carries_token(self, given: bytes) -> bool:
        scheme, _, credentials = given.strip().partition(b" ")
        # Compared in full even when the scheme is wrong: the time says nothing.
        right_token = hmac.compare_digest(credentials.strip(), self.expected)
        return scheme.lower() == b"bearer" and right_token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on when it carries the token (or asks for the health check)."""
        if (
            scope["type"] == "http"
            and scope.get("path") != "/health"
            and scope.get("path") != "/"
            and not str(scope.get("path", "")).startswith("/web/")
            and scope.get("method") != "OPTIONS"  # a CORS preflight carries no credentials
            and not self._carries_token(header(scope, b"authorization") or b"")
        ):
            detail = "send the service's access token as 'Authorization: Bearer <token>'"
            await send_problem(
                send, 401, "Unauthorized", detail, extra={"www-authenticate": "Bearer"}
            )
            return
        await self.app(scope, receive, send)


def _lone_surrogate(loaded: object) -> str | None:
    """The first text (key or value) holding a lone surrogate, as an escaped excerpt."""
    stack = [loaded]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return item.encode("utf-8", "backslashreplace").decode("ascii")[:80]
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class JsonCheck:
    """Parse a JSON body strictly before the application sees it (400 when it is not)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read a JSON body whole (BodyLimit bounds it), check it, then replay it."""
        media = (header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
        if scope["type"] != "http" or not (
            media == b"application/json" or media.endswith(b"+json")
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refused = _refusal(body)
        if refused is not None:
            title, detail, errors = refused
            await send_problem(send, 400, title, detail, errors=errors)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _refusal(body: bytes) -> tuple[str, str, list[str]] | None:
    """Why a JSON body is refused (title, detail, problems), or None when it is sound."""
    if not body.strip():
        return None  # FastAPI says the body is missing, with the field it needs
    try:
        loaded = load_json(Path("request body"), body)
    except DataFileError as exc:
        return (
            "Malformed JSON",
            "the request body is not valid, unambiguous JSON",
            list(exc.problems),
        )
    bad = _lone_surrogate(loaded)
    if bad is not None:
        detail = "the request body has a lone surrogate (\\ud800-\\udfff), which no text can hold"
        return "Invalid Unicode", detail, [f"in {bad!r}: write the character itself, or remove it"]
    return None


def upload_too_large(path: Path, suffix: str, most_rows: int, most_cells: int) -> str | None:
    """Why an uploaded file has more rows or cells than the limits, counted before reading.

    A CSV's lines are counted; an xlsx's worksheets are decompressed in chunks and their
    ``<row`` and ``<c`` elements counted, stopping at the first limit passed, so a sheet
    of a million cells (or a zip bomb) costs no more than reading up to the limit.
    """
    if suffix == ".csv":
        lines = path.read_bytes().count(b"\n")
        return None if lines <= most_rows else f"{lines} lines; at most {most_rows} are read"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return None  # the reader says what is wrong with it
    with archive:
        for info in archive.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                continue
            too_many = _count_sheet(archive, info, most_rows, most_cells)
            if too_many is not None:
                return f"{info.filename}: {too_many}"
    return None


def _count_sheet(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, rows: int, cells: int
) -> str | None:
    counted_rows = counted_cells = 0
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(1 << 16):
            text = tail + chunk
            counted_rows += text.count(b"<row") - tail.count(b"<row")
            counted_cells += (
                text.count(b"<c ") + text.count(b"<c>") - tail.count(b"<c ") - tail.count(b"<c>")
            )
            tail = text[-4:]
            if counted_rows > rows:
                return f"over {rows} rows; at most {rows} are read"
            if counted_cells > cells:
                return f"over {cells} cells; at most {cells} are read"
    return None


UPLOAD_SUFFIXES: Final = (".csv", ".xlsx")
HEADER_ROWS: Final = 50
"""Rows an uploaded sheet may have above and below its data (titles, headers, totals)."""


def read_uploaded(  # noqa: PLR0913 - one upload's facts and limits
    rule_set: RuleSet,
    stream: BinaryIO,
    name: str,
    *,
    max_rows: int,
    max_cells: int,
    max_bytes: int,
    number_format: Literal["auto", "id", "en"] = "auto",
) -> DataTable:
    """An uploaded file's table: copied to a temporary file, counted, read, then deleted.

    The copy is bounded by ``max_bytes``; rows and cells are counted before the reader
    runs (:func:`upload_too_large`); problems name the client's file, not the temporary.

    Raises:
        UsageError: not a .csv or .xlsx file.
        ServiceLimitError: over a limit.
        DataFileError: the reader's problems.
    """
    suffix = Path(name).suffix.casefold()
    if suffix not in UPLOAD_SUFFIXES:
        msg = f"upload a .csv or .xlsx file (got {name!r})"
        raise UsageError(msg)
    with bounded_copy(stream, suffix, max_bytes, name) as path:
        too_large = upload_too_large(path, suffix, max_rows + HEADER_ROWS, max_cells)
        if too_large is not None:
            msg = f"{name}: {too_large} (--max-rows, --max-cells)"
            raise ServiceLimitError(msg)
        try:
            table = read_data(path, rule_set, number_format=number_format)
        except DataFileError as exc:
            raise DataFileError(name, exc.problems) from None
    if len(table.rows) > max_rows:
        msg = f"{len(table.rows)} rows; at most {max_rows} are accepted per request"
        raise ServiceLimitError(msg)
    return table
