"""The service's batch answers, written from the result records directly and streamed.

A batch answer is every row's result records (``Report.to_dict()``), already in the shape
of the response models (:class:`~spmkit._interop.service_models.BatchResponse`). Checking
10,000 rows x 23 records through those models again cost about as much as evaluating them
(docs/service.md has the profile), so the records are written as they are, by pydantic's
own JSON writer (``pydantic_core.to_json``): the same bytes the models give (a test
compares them), which ``json.dumps`` is not (it writes ``1e-07`` where pydantic writes
``1e-7``). Past :data:`STREAM_ROWS` rows the answer is streamed, each chunk of rows
evaluated as it is sent, so the server never holds the whole answer.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from pydantic_core import to_json
from starlette.responses import Response, StreamingResponse

__all__ = ["CHUNK_ROWS", "STREAM_ROWS", "json_bytes", "rows_response"]

STREAM_ROWS: Final = 500
"""A batch of more rows than this is streamed (chunked), not sent as one body."""

CHUNK_ROWS: Final = 50
"""Rows evaluated and written per chunk of a streamed answer (a few MB for 23 indicators)."""

_ROWS: Final = b'"rows":[]'


def json_bytes(value: object) -> bytes:
    """``value`` as compact JSON, as the response models write it (NaN and infinity: null)."""
    return to_json(value, inf_nan_mode="null")


def _chunks(head: bytes, rows: Iterable[Mapping[str, Any]], tail: bytes) -> Iterator[bytes]:
    yield head
    separator = b""
    written: list[bytes] = []
    for row in rows:
        written.append(json_bytes(row))
        if len(written) == CHUNK_ROWS:
            yield separator + b",".join(written)
            separator, written = b",", []
    if written:
        yield separator + b",".join(written)
    yield tail


def rows_response(
    envelope: Mapping[str, Any], rows: Iterable[Mapping[str, Any]], count: int
) -> Response:
    """``envelope`` (its ``rows`` given as ``[]``, in the model's field order) with ``rows``.

    ``rows`` is read lazily: with more than :data:`STREAM_ROWS` (``count``) the answer is
    streamed while they are evaluated, else sent as one body with its length.
    """
    head, _, tail = json_bytes(envelope).partition(_ROWS)  # the first: no text holds it
    chunks = _chunks(head + b'"rows":[', rows, b"]" + tail)
    if count > STREAM_ROWS:
        return StreamingResponse(chunks, media_type="application/json")
    return Response(b"".join(chunks), media_type="application/json")
