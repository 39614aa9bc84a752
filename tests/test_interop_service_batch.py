"""The batch answers, written from the records: byte for byte what the response models write.

The service's own ASGI app (``create_app``) is called in-process through httpx; the
expected bytes are the library's records put through the pydantic response models, as the
service wrote them before it wrote the records directly (docs/service.md, "Large batches").
"""

from __future__ import annotations

import gzip
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

import spmkit
from spmkit._interop.service import GZIP_MINIMUM_BYTES, Limits, create_app
from spmkit._interop.service_json import CHUNK_ROWS, STREAM_ROWS
from spmkit._interop.service_models import BatchResponse, UploadResponse
from spmkit.errors import UsageError

KP = "kulon-progo-2011"
SIAK = "siak-renstra-2012-2016"
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    limits = Limits(max_rows=2 * STREAM_ROWS, max_body_bytes=4_000_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        app = create_app(limits=limits)
    with TestClient(app) as http:
        yield http


def quiet(rule_set_id: str) -> spmkit.RuleSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        return spmkit.load_rule_set(rule_set_id)


def hostile_rows(count: int, year: int | None) -> list[dict[str, Any]]:
    """Rows of every kind a record can be: met, not met, no data, undefined, refused.

    With values whose floats JSON writers disagree on (1e-07 and 1e-7), counts past 2**53,
    and regions of quotes, escapes, control characters and non-ASCII text.
    """
    kinds: list[dict[str, Any]] = [
        {"bumil_k4": 990, "sasaran_bumil": 1000},
        {"bumil_k4": 0, "sasaran_bumil": 0},
        {},
        {"bumil_k4": -1, "sasaran_bumil": 1000},
        {"bumil_k4": 1, "sasaran_bumil": 10**9},
        {"bumil_k4": 2**60 + 1, "sasaran_bumil": 2**61},
        {"bumil_k4": "950", "sasaran_bumil": 1000},
        {"bumil_k4": 94996, "sasaran_bumil": 100000, "bulin_nakes": 3, "sasaran_bulin": 7},
    ]
    return [
        {
            "region": None if k % 11 == 0 else f'Désa {k} "Wates" \\ </script> \x1b ✓',
            "year": year if k % 3 else None,
            "period": "TW3" if k % 5 == 0 else None,
            "data": {**kinds[k % len(kinds)], **({"bumil_k4": k} if k % 13 == 0 else {})},
        }
        for k in range(count)
    ]


def modelled(rule_set: spmkit.RuleSet, rows: list[dict[str, Any]]) -> bytes:
    """The answer as the response models write the library's records of ``rows``."""
    listed = []
    for number, row in enumerate(rows, start=1):
        results, problems = None, []
        try:
            report = spmkit.evaluate(rule_set, row["data"], year=row["year"])
        except (spmkit.DataInvalid, UsageError) as exc:
            problems = spmkit.format_errors(exc)
        else:
            results = report.to_dict()["results"]
        listed.append({**row, "row": number, "results": results, "problems": problems})
        del listed[-1]["data"]
    answer = BatchResponse.model_validate({"rule_set": rule_set.id, "rows": listed})
    return answer.model_dump_json().encode()


@pytest.mark.parametrize(
    ("rule_set_id", "count", "year"),
    [
        (KP, 9, 2011),
        pytest.param(KP, STREAM_ROWS + CHUNK_ROWS + 7, 2011, marks=pytest.mark.slow),
        pytest.param(SIAK, 300, 2013, marks=pytest.mark.slow),
    ],
)
def test_batch_bytes_equal_the_models(client, rule_set_id, count, year):
    """A batch answer is byte for byte the models' (streamed past STREAM_ROWS rows)."""
    rows = hostile_rows(count, year)
    response = client.post(f"/rule-sets/{rule_set_id}/batch", json={"rows": rows}, headers=IDENTITY)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.content == modelled(quiet(rule_set_id), rows)
    statuses = {
        result["status"] for row in response.json()["rows"] for result in row["results"] or ()
    }
    assert statuses == {"met", "not_met", "no_data", "undefined"}
    assert any(row["problems"] for row in response.json()["rows"])
    streamed = "content-length" not in response.headers
    assert streamed == (count > STREAM_ROWS)


def test_json_dumps_would_not_do():
    """Why pydantic's writer: the records' floats written by json.dumps differ (1e-07)."""
    rows = hostile_rows(8, None)
    body = json.loads(modelled(quiet(KP), rows))
    assert json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() != modelled(
        quiet(KP), rows
    )


def test_upload_bytes_equal_the_models(client):
    """An uploaded file's answer: the models' bytes, with ``source`` after the rows."""
    csv = b"region,year,bumil_k4,sasaran_bumil\nWates,2011,950,1000\nKokap,2011,-1,1000\n"
    response = client.post(
        f"/rule-sets/{KP}/batch/upload", files={"file": ("k4.csv", csv)}, headers=IDENTITY
    )
    assert response.status_code == 200, response.text
    assert UploadResponse.model_validate_json(response.content).model_dump_json().encode() == (
        response.content
    )
    body = response.json()
    assert list(body) == ["rule_set", "rows", "source"]
    assert body["source"] == "k4.csv"
    data = {"bumil_k4": 950, "sasaran_bumil": 1000}
    expected = spmkit.evaluate(quiet(KP), data, year=2011).to_dict()["results"]
    assert body["rows"][0]["results"] == expected
    assert body["rows"][1]["results"] is None
    assert body["rows"][1]["problems"]


@pytest.mark.slow
def test_gzip_on_request(client):
    """``Accept-Encoding: gzip`` shrinks a batch answer; the JSON read is the same bytes."""
    rows = hostile_rows(STREAM_ROWS + 1, 2011)
    plain = client.post(f"/rule-sets/{KP}/batch", json={"rows": rows}, headers=IDENTITY)
    with client.stream(
        "POST", f"/rule-sets/{KP}/batch", json={"rows": rows}, headers={"Accept-Encoding": "gzip"}
    ) as zipped:
        raw = b"".join(zipped.iter_raw())
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == plain.content
    assert len(raw) * 10 < len(plain.content)


def test_gzip_not_for_small_answers_nor_pages(client):
    """A small answer, the front door's HTML and a problem under the minimum stay plain."""
    small = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert len(small.content) < GZIP_MINIMUM_BYTES
    assert "content-encoding" not in small.headers
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert len(page.content) > GZIP_MINIMUM_BYTES
    assert "content-encoding" not in page.headers
    listed = client.get("/rule-sets", headers={"Accept-Encoding": "gzip"})
    assert listed.headers["content-encoding"] == "gzip"


def test_fhir_batch_is_not_the_records(client):
    """``Accept: application/fhir+json`` still answers a Bundle, not the records."""
    rows = [{"region": "Wates", "year": 2011, "data": {"bumil_k4": 950, "sasaran_bumil": 1000}}]
    response = client.post(
        f"/rule-sets/{KP}/batch",
        json={"rows": rows},
        headers={"Accept": "application/fhir+json"},
    )
    assert response.headers["content-type"] == "application/fhir+json"
    assert response.json()["resourceType"] == "Bundle"
    kinds = [entry["resource"]["resourceType"] for entry in response.json()["entry"]]
    assert kinds.count("MeasureReport") == 1


def test_more_results_than_the_limit_are_refused_before_the_work():
    """Rows x indicators over --max-results: 413 naming both counts, no row evaluated."""
    indicators = len(quiet(KP).indicators)  # 23
    limits = Limits(max_results=10 * indicators)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        app = create_app(limits=limits)
    rows = [{"data": {"bumil_k4": 950, "sasaran_bumil": 1000}}]
    with TestClient(app) as http:
        at = http.post(f"/rule-sets/{KP}/batch", json={"rows": rows * 10}, headers=IDENTITY)
        over = http.post(f"/rule-sets/{KP}/batch", json={"rows": rows * 11}, headers=IDENTITY)
        upload = http.post(
            f"/rule-sets/{KP}/batch/upload",
            files={"file": ("d.csv", "bumil_k4,sasaran_bumil\n" + "950,1000\n" * 11, "text/csv")},
            headers=IDENTITY,
        )
    assert at.status_code == 200
    assert len(at.json()["rows"]) == 10
    for refused in (over, upload):
        assert refused.status_code == 413
        assert refused.json()["detail"] == (
            f"{11 * indicators} results (11 rows x {indicators} indicators of {KP}); "
            f"at most {10 * indicators} are accepted per request"
        )
