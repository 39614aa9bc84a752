"""The HTTP service: a real `spmkit serve` process on 127.0.0.1, called with httpx, then stopped.

The answers are compared with what the library itself returns for the same call.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

import spmkit
from hypothesis_budget import examples
from spmkit._interop.service import PROBLEM_JSON, load_served, openapi_document
from test_interop_fhir_dhis2 import LOW_TARGET

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = ROOT / "docs" / "openapi.json"
TOKEN = "s3cret-token-for-tests"  # noqa: S105 - a test token for a loopback server
KP = "kulon-progo-2011"
MAX_BODY = 20_000
MAX_ROWS = 50
ORIGIN = "https://dashboard.dinkes.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spmkit_script() -> str:
    found = shutil.which("spmkit", path=str(Path(sys.executable).parent))
    assert found is not None
    return found


class Server:
    """A `spmkit serve` subprocess; started and stopped by the fixture."""

    def __init__(
        self,
        tmp: Path,
        *,
        token_file: bool = True,
        env_token: str | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            spmkit_script(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--max-body-bytes",
            str(MAX_BODY),
            "--max-rows",
            str(MAX_ROWS),
            "--cors-origin",
            ORIGIN,
            "--timeout-request",
            "2",
            *options,
        ]
        if token_file:
            path = tmp / "token.txt"
            path.write_text(TOKEN + "\n", encoding="utf-8")
            command += ["--token-file", str(path)]
        env = {k: v for k, v in os.environ.items() if k != "SPMKIT_TOKEN"}
        self.tmpdir = tmp / "tmpdir"
        self.tmpdir.mkdir(exist_ok=True)
        env["TMPDIR"] = str(self.tmpdir)  # the uploads' temporary files, to be checked
        if env_token is not None:
            env["SPMKIT_TOKEN"] = env_token
        self.log_path = tmp / f"server-{self.port}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=tmp
        )
        self.wait_until_up()

    def wait_until_up(self) -> None:
        """Poll /health until it answers (startup loads every shipped rule set)."""
        for _ in range(300):
            if self.process.poll() is not None:
                pytest.fail(f"spmkit serve exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("spmkit serve did not come up")

    def stop(self) -> str:
        """Send SIGTERM; return the log, which shows whether the shutdown was orderly."""
        self.process.terminate()
        code = self.process.wait(timeout=30)
        self.log.close()
        # uvicorn shuts down, then re-raises the signal it caught: killed by SIGTERM it is.
        assert code in {0, -signal.SIGTERM}
        return self.log_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("serve"))
    yield running
    assert "Application shutdown complete." in running.stop()


@pytest.fixture
def client(server) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ) as http:
        yield http


def quiet(rule_set_id: str) -> spmkit.RuleSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        return spmkit.load_rule_set(rule_set_id)


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


def test_openapi_document_is_checked_in():
    """docs/openapi.json is what the service generates (regenerate: docs/service.md)."""
    checked_in = json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert checked_in == openapi_document()


@pytest.mark.slow
class TestEndpoints:
    def test_health_needs_no_token(self, server):
        """GET /health answers without a token: a load balancer can probe it."""
        response = httpx.get(f"{server.url}/health")
        assert response.json() == {
            "status": "ok",
            "version": spmkit.__version__,
            "rule_sets": len(load_served()),
        }

    @pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
    def test_the_scheme_name_is_case_insensitive(self, server, scheme):
        """RFC 7235: the auth scheme is case-insensitive; the token itself is not."""
        ok = httpx.get(f"{server.url}/rule-sets", headers={"Authorization": f"{scheme} {TOKEN}"})
        assert ok.status_code == 200
        wrong = {"Authorization": f"{scheme} {TOKEN.upper()}"}
        assert_problem(httpx.get(f"{server.url}/rule-sets", headers=wrong), 401)

    @pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
    def test_every_other_endpoint_needs_the_token(self, server, header):
        """Missing or wrong tokens get 401 problem+json with WWW-Authenticate."""
        headers = {} if header is None else {"Authorization": header}
        response = httpx.get(f"{server.url}/rule-sets", headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    def test_rule_set_for_a_place_as_written(self, client):
        """GET /rule-set-for takes a name as written or a code; unknown places are 404."""
        for place in ("Kab. Kulon Progo", "Kulonprogo", "3401"):
            found = client.get("/rule-set-for", params={"jurisdiction": place, "year": 2012})
            assert found.json()["id"] == "kulon-progo-2011"
        bantul = client.get("/rule-set-for", params={"jurisdiction": "Kab. Bantul", "year": 2020})
        assert bantul.json()["id"] == "permenkes-4-2019"
        assert bantul.json()["notes"] == [
            (
                "Kabupaten Bantul (3402) has no rule set of its own in force then "
                "that spmkit knows: this is the national rule set permenkes-4-2019"
            )
        ]
        missing = client.get("/rule-set-for", params={"jurisdiction": "Kulon Prgo", "year": 2012})
        assert_problem(missing, 404)
        assert "closest: Kabupaten Kulon Progo" in missing.json()["detail"]

    def test_rule_sets_list_and_show(self, client):
        """GET /rule-sets lists the shipped ids; GET /rule-sets/{id} has the formulas and targets."""
        listed = client.get("/rule-sets").json()["rule_sets"]
        assert [r["id"] for r in listed] == list(load_served())
        assert set(spmkit.shipped_rule_sets()) <= {r["id"] for r in listed}
        shown = client.get(f"/rule-sets/{KP}").json()
        first = shown["indicators"][0]
        assert (first["id"], first["numerator"], first["denominator"]) == (
            "I.1",
            "bumil_k4",
            "sasaran_bumil",
        )
        assert first["target"] == {"op": ">=", "value": 95.0}
        assert len(shown["indicators"]) == 23

    def test_evaluate_equals_the_library(self, client):
        """POST evaluate returns Report.to_dict() (plus the year): K4 950/1,000 is 95 %, met."""
        data = {"bumil_k4": 950, "sasaran_bumil": 1000}
        response = client.post(f"/rule-sets/{KP}/evaluate", json={"data": data, "year": 2011})
        expected = spmkit.evaluate(quiet(KP), data, year=2011).to_dict()
        assert response.json() == {**expected, "year": 2011, "period": None}
        assert response.json()["results"][0]["status"] == "met"

    def test_evaluate_in_a_year_uses_the_milestone(self, client):
        """Siak K4 at 96 % in 2013: the Renstra's 97 % that year, behind (as the library says)."""
        data = {"bumil_k4": 960, "sasaran_bumil": 1000}
        body = client.post(
            "/rule-sets/siak-renstra-2012-2016/evaluate", json={"data": data, "year": 2013}
        ).json()
        first = body["results"][0]
        assert (first["milestone"], first["progress"], first["status"]) == (
            97.0,
            "behind",
            "not_met",
        )
        expected = spmkit.evaluate(quiet("siak-renstra-2012-2016"), data, year=2013).to_dict()
        assert body == {**expected, "year": 2013, "period": None}

    def test_explain(self, client):
        """POST explain gives the result, its explanation and the inputs it read."""
        data = {"bumil_k4": 949, "sasaran_bumil": 1000}
        body = client.post(
            f"/rule-sets/{KP}/explain", json={"data": data, "indicator": "I.1"}
        ).json()
        assert body["explanation"] == spmkit.evaluate(quiet(KP), data)["I.1"].explanation
        assert [(i["name"], i["value"]) for i in body["inputs"]] == [
            ("bumil_k4", 949),
            ("sasaran_bumil", 1000),
        ]
        assert_problem(
            client.post(f"/rule-sets/{KP}/explain", json={"data": {}, "indicator": "X"}), 400
        )

    def test_batch_json_rows_and_uploaded_csv(self, client):
        """JSON rows and a CSV upload give the same results; a bad row lists its problem only."""
        rows = [
            {"region": "Wates", "year": 2011, "data": {"bumil_k4": 950, "sasaran_bumil": 1000}},
            {"region": "Sentolo", "year": 2011, "data": {"bumil_k4": -1, "sasaran_bumil": 1000}},
        ]
        body = client.post(f"/rule-sets/{KP}/batch", json={"rows": rows}).json()
        assert (
            body["rows"][0]["results"]
            == spmkit.evaluate(quiet(KP), rows[0]["data"], year=2011).to_dict()["results"]
        )
        assert body["rows"][1]["results"] is None
        assert body["rows"][1]["problems"] == [
            "input 'bumil_k4' must be a non-negative finite number (got -1) (counts cannot be negative)"
        ]
        csv = b"region,year,bumil_k4,sasaran_bumil\nWates,2011,950,1000\n"
        uploaded = client.post(
            f"/rule-sets/{KP}/batch/upload", files={"file": ("k4.csv", csv)}
        ).json()
        assert uploaded["rows"][0]["results"] == body["rows"][0]["results"]
        assert (uploaded["rows"][0]["region"], uploaded["rows"][0]["year"]) == ("Wates", 2011)

    def test_diff_and_compare(self, client):
        """GET /diff and POST /compare are the library's diff() and compare() as dicts."""
        body = client.get(
            "/diff", params={"a": "permenkes-43-2016", "b": "permenkes-4-2019"}
        ).json()
        assert body == spmkit.diff("permenkes-43-2016", "permenkes-4-2019").to_dict()
        data = {"dm_standar": 4950, "dm_estimasi": 5297}  # Kubu Raya 2021, Profil p. 110
        request = {"rule_sets": ["permenkes-4-2019", "kubu-raya-2021"], "data": data}
        compared = client.post("/compare", json=request).json()
        assert compared == spmkit.compare(["permenkes-4-2019", "kubu-raya-2021"], data).to_dict()


@pytest.mark.slow
class TestRefusals:
    def test_declared_huge_body_is_413(self, client):
        """A body over --max-body-bytes is refused with 413 before it is read."""
        huge = {"data": {f"x{i}": i for i in range(5000)}}
        assert_problem(client.post(f"/rule-sets/{KP}/evaluate", json=huge), 413)

    def test_streamed_huge_body_is_413(self, client):
        """A chunked body without Content-Length is cut off at the limit, also 413."""

        def chunks():
            yield b'{"data": {'
            for i in range(5000):
                yield f'"x{i}": {i}, '.encode()
            yield b'"y": 1}}'

        response = client.post(
            f"/rule-sets/{KP}/evaluate",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
        assert_problem(response, 413)

    def test_too_many_rows_is_413(self, client):
        """More rows than --max-rows: 413 with the counts."""
        rows = [{"data": {}}] * (MAX_ROWS + 1)
        body = assert_problem(client.post(f"/rule-sets/{KP}/batch", json={"rows": rows}), 413)
        assert body["detail"] == f"{MAX_ROWS + 1} rows; at most {MAX_ROWS} are accepted per request"

    def test_bad_json_is_400(self, client):
        """Malformed JSON is a 400 problem, not a crash."""
        response = client.post(
            f"/rule-sets/{KP}/evaluate",
            content=b'{"data": {',
            headers={"content-type": "application/json"},
        )
        assert assert_problem(response, 400)["title"] == "Malformed JSON"

    def test_wrong_types_are_422(self, client):
        """data as a list, year as text: 422 naming where."""
        body = assert_problem(
            client.post(f"/rule-sets/{KP}/evaluate", json={"data": [1], "year": "x"}), 422
        )
        assert {e["location"] for e in body["errors"]} == {"body.data", "body.year"}

    def test_bad_values_carry_the_library_messages(self, client):
        """Text and negative counts: 422 with exactly the lines of spmkit.format_errors."""
        data = {"bumil_k4": "3.582", "sasaran_bumil": -5, "bumil_k5": 1}
        body = assert_problem(client.post(f"/rule-sets/{KP}/evaluate", json={"data": data}), 422)
        with pytest.raises(spmkit.DataInvalid) as caught:
            spmkit.evaluate(quiet(KP), data)
        assert [e["message"] for e in body["errors"]] == spmkit.format_errors(caught.value)
        assert body["errors"][0]["input"] == "bumil_k4"

    def test_no_file_named_by_the_client_is_read(self, client, tmp_path):
        """Rule sets are shipped ids only: a path, even URL-encoded, is 404; an upload's name is not used."""
        secret = tmp_path / "rules.yaml"
        secret.write_text(
            (ROOT / "rules" / "kulon-progo-2011.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        for name in (str(secret), "../../rules/kulon-progo-2011", "..%2F..%2Fetc%2Fpasswd"):
            response = client.post(f"/rule-sets/{name}/evaluate", json={"data": {}})
            assert response.status_code == 404
            assert response.headers["content-type"] == PROBLEM_JSON
        target = tmp_path / "written.csv"
        response = client.post(
            f"/rule-sets/{KP}/batch/upload",
            files={"file": (str(target), b"bumil_k4,sasaran_bumil\n1,2\n")},
        )
        assert response.status_code == 200
        assert not target.exists()

    def test_concurrent_requests_equal_the_library(self, client):
        """64 requests from 16 threads at once: every answer is the library's for its data."""
        rule_set = quiet(KP)
        cases = [{"bumil_k4": k, "sasaran_bumil": 1000} for k in range(900, 964)]

        def call(data):
            return client.post(f"/rule-sets/{KP}/evaluate", json={"data": data}).json()

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(call, cases))
        assert answers == [
            {**spmkit.evaluate(rule_set, d).to_dict(), "year": None, "period": None} for d in cases
        ]


@pytest.mark.slow
class TestContract:
    def test_served_openapi_is_the_checked_in_one(self, client):
        """GET /openapi.json (token set: the bearer scheme declared) equals docs/openapi.json."""
        served = client.get("/openapi.json").json()
        assert served == json.loads(OPENAPI.read_text(encoding="utf-8"))
        assert served["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert served["paths"]["/health"]["get"]["security"] == []

    def test_evaluate_response_is_typed(self):
        """The evaluate answer is a typed record, not additionalProperties: shown_value is text."""
        schemas = openapi_document()["components"]["schemas"]
        ok = openapi_document()["paths"]["/rule-sets/{rule_set_id}/evaluate"]["post"]
        reference = ok["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert reference == "#/components/schemas/EvaluateResponse"
        result = schemas["IndicatorResultModel"]["properties"]
        assert result["shown_value"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
        assert result["status"]["enum"] == ["met", "not_met", "no_data", "undefined"]
        assert result["provenance"]["additionalProperties"] == {
            "$ref": "#/components/schemas/Provenance"
        }
        assert "securitySchemes" not in openapi_document(secured=False)["components"]

    def test_cors_preflight(self, server):
        """A dashboard's preflight (no token) is allowed for its origin only."""
        headers = {
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        response = httpx.options(f"{server.url}/rule-sets/{KP}/evaluate", headers=headers)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in response.headers["access-control-allow-methods"]
        assert "Authorization" in response.headers["access-control-allow-headers"]
        other = httpx.options(
            f"{server.url}/rule-sets/{KP}/evaluate",
            headers={**headers, "Origin": "https://evil.example"},
        )
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        real = httpx.get(
            f"{server.url}/rule-sets",
            headers={"Origin": ORIGIN, "Authorization": f"Bearer {TOKEN}"},
        )
        assert real.headers["access-control-allow-origin"] == ORIGIN

    def test_shown_value_decides_like_the_value(self, client):
        """94,996 / 100,000: shown as 94,996 (not 95,00) next to not_met."""
        data = {"bumil_k4": 94996, "sasaran_bumil": 100000}
        first = client.post(f"/rule-sets/{KP}/evaluate", json={"data": data}).json()["results"][0]
        expected = spmkit.evaluate(quiet(KP), data)["I.1"]
        assert (first["status"], first["shown_value"]) == ("not_met", expected.shown_value)
        assert first["shown_value"] == "94,996"
        assert first["shown_gap"] == expected.shown_gap

    def test_rule_set_for(self, client):
        """GET /rule-set-for is spmkit.rule_set_for: Kulon Progo's own rule set in 2012."""
        body = client.get(
            "/rule-set-for", params={"jurisdiction": "Kabupaten Kulon Progo", "year": 2012}
        ).json()
        assert (body["id"], body["in_force_from"]) == ("kulon-progo-2011", "2011-02-17")
        # The issue's own query, as written: the abbreviation "Kab." and %20 for spaces.
        exact = client.get("/rule-set-for?jurisdiction=Kab.%20Kulon%20Progo&year=2012")
        assert (exact.status_code, exact.json()["id"]) == (200, KP)
        assert exact.json()["asked"]["jurisdiction"] == "Kab. Kulon Progo"
        assert body["asked"] == {
            "jurisdiction": "Kabupaten Kulon Progo",
            "year": 2012,
            "sector": "kesehatan",
        }
        assert (
            client.get(
                "/rule-set-for", params={"jurisdiction": "kulon-progo", "year": 2010}
            ).json()["id"]
            == spmkit.rule_set_for("kulon-progo", 2010).id
        )
        assert_problem(
            client.get(
                "/rule-set-for", params={"jurisdiction": "Kabupaten Atlantis", "year": 1950}
            ),
            404,
        )

    def test_rule_set_detail_has_milestones_bands_and_provenance(self, client):
        """Siak's yearly targets, the index's bands, every value's verification level."""
        siak = client.get("/rule-sets/siak-renstra-2012-2016").json()
        k4 = siak["indicators"][0]
        assert k4["milestones"] == {
            "2012": 95.0,
            "2013": 97.0,
            "2014": 98.0,
            "2015": 100.0,
            "2016": 100.0,
        }
        assert siak["in_force_from"] == "2012-01-01"
        index = client.get("/rule-sets/indeks-spm-kesehatan").json()
        ip = next(i for i in index["indicators"] if i["kind"] == "continuous-variable")
        rule_set = quiet("indeks-spm-kesehatan")
        bands = rule_set.indicators[ip["id"]].bands
        assert [b["label"] for b in ip["bands"]] == [band.label for band in bands]
        assert {f"band:{band.label}" for band in bands} <= set(ip["provenance"])
        assert ip["provenance"]["target"]["verification"] == str(
            rule_set.indicators[ip["id"]].source_of("target").verification
        )

    def test_fhir_over_http(self, client):
        """Accept: application/fhir+json: a MeasureReport; a batch: a Bundle with unique ids."""
        from fhir.resources.R4B.bundle import Bundle  # noqa: PLC0415 - the fhir extra
        from fhir.resources.R4B.measurereport import MeasureReport  # noqa: PLC0415

        fhir = {"Accept": "application/fhir+json"}
        data = {"bumil_k4": 94996, "sasaran_bumil": 100000}
        response = client.post(
            f"/rule-sets/{KP}/evaluate", json={"data": data, "year": 2011}, headers=fhir
        )
        assert response.headers["content-type"] == "application/fhir+json"
        report = MeasureReport.model_validate(response.json())
        assert float(report.group[0].measureScore.value) == 0.94996
        rows = [{"data": data, "year": 2011}] * 3  # no region: ids must still differ
        bundle = client.post(f"/rule-sets/{KP}/batch", json={"rows": rows}, headers=fhir).json()
        Bundle.model_validate(bundle)
        urls = [entry["fullUrl"] for entry in bundle["entry"]]
        assert len(urls) == len(set(urls)) == 24 + 3
        no_year = client.post(f"/rule-sets/{KP}/evaluate", json={"data": data}, headers=fhir)
        assert "needs a period" in assert_problem(no_year, 400)["detail"]

    def test_fhir_of_an_uploaded_file(self, client):
        """The upload route honours Accept: application/fhir+json: a Bundle of its rows' reports.

        The Bundle is the library's to_fhir of the same records (the rows' regions and years),
        validated by fhir.resources; a row with problems has no MeasureReport; no year is 400.
        """
        from fhir.resources.R4B.bundle import Bundle  # noqa: PLC0415 - the fhir extra

        from spmkit._interop.fhir import RegionReport, to_fhir  # noqa: PLC0415

        fhir = {"Accept": "application/fhir+json"}
        csv = (
            b"region,tahun,bumil_k4,sasaran_bumil\n"
            b"Wates,2011,950,1000\nSentolo,2012,94996,100000\nKokap,2011,-1,1000\n"
        )
        url = f"/rule-sets/{KP}/batch/upload"
        response = client.post(url, files={"file": ("k4.csv", csv)}, headers=fhir)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/fhir+json"
        bundle = response.json()
        Bundle.model_validate(bundle)
        rule_set = quiet(KP)
        expected = to_fhir(
            rule_set,
            [
                RegionReport(report=spmkit.evaluate(rule_set, data, year=year), region=r, year=year)
                for r, year, data in (
                    ("Wates", 2011, {"bumil_k4": 950, "sasaran_bumil": 1000}),
                    ("Sentolo", 2012, {"bumil_k4": 94996, "sasaran_bumil": 100000}),
                )
            ],
        )
        assert bundle == expected
        reports = [
            e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] != "Measure"
        ]
        assert {r["resourceType"] for r in reports} == {"MeasureReport"}
        assert sorted({r["period"]["start"][:4] for r in reports}) == ["2011", "2012"]
        # The same upload without the header: the JSON records, one per row, Kokap's refused.
        plain = client.post(url, files={"file": ("k4.csv", csv)}).json()
        assert [row["problems"] == [] for row in plain["rows"]] == [True, True, False]
        no_year = b"region,bumil_k4,sasaran_bumil\nWates,950,1000\n"
        refused = client.post(url, files={"file": ("k4.csv", no_year)}, headers=fhir)
        assert "needs a period" in assert_problem(refused, 400)["detail"]

    def test_explain_in_indonesian(self, client):
        """lang=id gives the Indonesian explanation of the same record."""
        data = {"bumil_k4": 949, "sasaran_bumil": 1000}
        body = client.post(
            f"/rule-sets/{KP}/explain", json={"data": data, "indicator": "I.1", "lang": "id"}
        ).json()
        assert body["text"] == spmkit.evaluate(quiet(KP), data)["I.1"].explanation_in("id")

    def test_generated_client_calls_the_live_server(self, server, tmp_path):
        """openapi-python-client builds a typed client from docs/openapi.json; it compiles and works."""
        generator = Path(sys.executable).parent / "openapi-python-client"
        output = tmp_path / "spmkit_client"
        subprocess.run(
            [
                str(generator),
                "generate",
                "--path",
                str(OPENAPI),
                "--meta",
                "none",
                "--output-path",
                str(output),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PATH": f"{generator.parent}:{os.environ['PATH']}"},
            timeout=300,
        )
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(output)], check=True)
        sys.path.insert(0, str(tmp_path))
        try:
            from spmkit_client import AuthenticatedClient  # noqa: PLC0415 - just generated
            from spmkit_client.api.evaluation import evaluate  # noqa: PLC0415
            from spmkit_client.models import (  # noqa: PLC0415
                EvaluateRequest,
                EvaluateRequestData,
                EvaluateResponse,
                EvaluateRuleSetId,
                Problem,
            )

            api = AuthenticatedClient(base_url=server.url, token=TOKEN)
            data = {"bumil_k4": 94996, "sasaran_bumil": 100000}
            body = EvaluateRequest(data=EvaluateRequestData.from_dict(data), year=2011)
            answer = evaluate.sync(EvaluateRuleSetId(KP), client=api, body=body)
            assert isinstance(answer, EvaluateResponse)
            first = answer.results[0]
            expected = spmkit.evaluate(quiet(KP), data, year=2011)["I.1"]
            assert (first.indicator, first.status.value, first.shown_value) == (
                "I.1",
                "not_met",
                expected.shown_value,
            )
            assert first.provenance.to_dict() == expected.to_dict()["provenance"]
            refused = evaluate.sync(
                EvaluateRuleSetId(KP),
                client=api,
                body=EvaluateRequest(data=EvaluateRequestData.from_dict({"bumil_k4": -1})),
            )
            assert isinstance(refused, Problem)
            assert refused.status == 422
        finally:
            sys.path.remove(str(tmp_path))
            for name in [m for m in sys.modules if m.startswith("spmkit_client")]:
                del sys.modules[name]


# The office's own rule file: a made-up regency's malnutrition target (<= 1.5 %).
OFFICE_RULES = LOW_TARGET.replace("id: rendah", "id: dinkes-contoh-2024")


@pytest.mark.slow
class TestWholeLibrary:
    """history, aggregate, quarterly and impact: each the library's answer."""

    def test_history(self, client):
        """Siak: 2010 under Permenkes 741/2008, 2013 under the Renstra with its milestone."""
        rows = [
            {"year": 2010, "data": {"bumil_k4": 880, "sasaran_bumil": 1000}},
            {"year": 2013, "data": {"bumil_k4": 965, "sasaran_bumil": 1000}},
        ]
        body = client.post("/history", json={"jurisdiction": "Kabupaten Siak", "rows": rows})
        table = [{"year": row["year"], **row["data"]} for row in rows]
        expected = spmkit.evaluate_history("Kabupaten Siak", table).to_dict()
        assert body.json() == json.loads(json.dumps(expected))
        assert [y["rule_set"] for y in body.json()["years"]] == [
            "permenkes-741-2008",
            "siak-renstra-2012-2016",
        ]
        no_year = client.post("/history", json={"jurisdiction": "Siak", "rows": [{"data": {}}]})
        assert "needs its year" in assert_problem(no_year, 400)["detail"]

    def test_aggregate_sums_before_dividing(self, client):
        """51 of 101 (50,50 %), not the mean of 100 % and 50 %."""
        rows = [
            {"puskesmas": "A", "bumil_k4": 1, "sasaran_bumil": 1},
            {"puskesmas": "A", "bumil_k4": 50, "sasaran_bumil": 100},
            {"puskesmas": "B", "bumil_k4": 3, "sasaran_bumil": 4},
        ]
        body = client.post(
            f"/rule-sets/{KP}/aggregate", json={"rows": rows, "by": ["puskesmas"]}
        ).json()
        first = body["groups"][0]
        assert first["group"] == {"puskesmas": "A"}
        assert first["data"] == {"bumil_k4": 51, "sasaran_bumil": 101}
        expected = spmkit.evaluate(quiet(KP), {"bumil_k4": 51, "sasaran_bumil": 101})
        assert first["results"] == expected.to_dict()["results"]

    def test_quarterly(self, client):
        """The quarterly report's rows, as QuarterlyReport.to_rows() gives them."""
        from spmkit._evaluation.quarterly import quarterly_report  # noqa: PLC0415

        quarters = {
            "TW1": {"bumil_standar": 10, "sasaran_bumil": 100},
            "TW2": {"bumil_standar": 30, "sasaran_bumil": 100},
        }
        body = client.post(
            "/rule-sets/indeks-spm-kesehatan/quarterly", json={"quarters": quarters}
        ).json()
        expected = quarterly_report(quiet("indeks-spm-kesehatan"), quarters).to_rows()
        assert body["rows"] == json.loads(json.dumps(expected, default=str))
        assert [(r["quarter"], r["served"]) for r in body["rows"][:1]] == [("TW1", 10.0)]

    def test_dhis2_data_value_set(self, client):
        """Rows and a mapping: DHIS2's dataValueSet, as to_data_value_set; a bad uid is 422."""
        mapping = {
            "dhis2": 1,
            "org_units": {"Wates": "WatesOrgU01"},
            "indicators": {"I.1": {"numerator": "K4visitsAA1", "denominator": "SasaranBml1"}},
        }
        rows = [{"region": "Wates", "year": 2011, "data": {"bumil_k4": 950, "sasaran_bumil": 1000}}]
        body = client.post(f"/rule-sets/{KP}/dhis2", json={"mapping": mapping, "rows": rows})
        assert body.json() == {
            "dataValues": [
                {
                    "dataElement": "K4visitsAA1",
                    "period": "2011",
                    "orgUnit": "WatesOrgU01",
                    "value": "950",
                },
                {
                    "dataElement": "SasaranBml1",
                    "period": "2011",
                    "orgUnit": "WatesOrgU01",
                    "value": "1000",
                },
            ]
        }
        mapping["org_units"] = {"Wates": "Wates"}
        refused = client.post(f"/rule-sets/{KP}/dhis2", json={"mapping": mapping, "rows": rows})
        assert "must be a DHIS2 uid" in assert_problem(refused, 422)["detail"]

    def test_impact(self, client):
        """Which regions the change from Permenkes 43/2016 to 4/2019 moves."""
        rows = [{"puskesmas": "A", "bumil_k4": 950, "sasaran_bumil": 1000}]
        request = {"a": "permenkes-43-2016", "b": "permenkes-4-2019", "rows": rows}
        body = client.post("/impact", json={**request, "keys": ["puskesmas"]}).json()
        expected = spmkit.impact(
            spmkit.diff("permenkes-43-2016", "permenkes-4-2019"),
            {"puskesmas": ["A"], "bumil_k4": [950], "sasaran_bumil": [1000]},
            keys=["puskesmas"],
        )
        assert body["changes"] == [change.to_dict() for change in expected]


@pytest.mark.slow
def test_office_rules_are_served(tmp_path):
    """--rules DIR serves the office's own file beside the shipped ones; a clash is refused."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "contoh.yaml").write_text(OFFICE_RULES, encoding="utf-8")
    running = Server(tmp_path, options=("--rules", str(folder)))
    try:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        listed = httpx.get(f"{running.url}/rule-sets", headers=headers).json()["rule_sets"]
        assert "dinkes-contoh-2024" in [r["id"] for r in listed]
        answer = httpx.post(
            f"{running.url}/rule-sets/dinkes-contoh-2024/evaluate",
            json={"data": {"gb": 3, "balita": 200}},
            headers=headers,
        ).json()
        assert (answer["results"][0]["status"], answer["results"][0]["shown_value"]) == (
            "met",
            "1,50",
        )
    finally:
        running.stop()
    (folder / "clash.yaml").write_text(
        OFFICE_RULES.replace("dinkes-contoh-2024", KP), encoding="utf-8"
    )
    done = subprocess.run(
        [spmkit_script(), "serve", "--port", str(free_port()), "--rules", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert f"the id '{KP}' is already served" in done.stderr


@pytest.mark.slow
class TestStrictInput:
    def test_duplicate_keys_are_refused(self, client):
        """{"bumil_k4": 1, "bumil_k4": 2}: 400 problem+json, as the CLI refuses the file."""
        response = client.post(
            f"/rule-sets/{KP}/evaluate",
            content=b'{"data": {"bumil_k4": 1, "bumil_k4": 950, "sasaran_bumil": 1000}}',
            headers={"content-type": "application/json"},
        )
        body = assert_problem(response, 400)
        assert body["title"] == "Malformed JSON"
        assert "duplicate key 'bumil_k4'" in body["errors"][0]["message"]

    @pytest.mark.parametrize(
        "raw", [b'{"data": {"x\\ud800": 1}}', b'{"data": {}, "period": "\\udfff"}']
    )
    def test_lone_surrogate_is_400(self, client, raw):
        """A lone surrogate (no UTF-8 text can hold it) is a 400 problem, not a 500."""
        response = client.post(
            f"/rule-sets/{KP}/evaluate", content=raw, headers={"content-type": "application/json"}
        )
        body = assert_problem(response, 400)
        # The strict JSON reader the CLI uses refuses the escape itself, naming it.
        assert body["title"] == "Malformed JSON"
        assert "lone surrogate" in body["errors"][0]["message"]

    def test_invalid_utf8_is_400(self, client):
        response = client.post(
            f"/rule-sets/{KP}/evaluate",
            content=b'{"data": {"a\xff": 1}}',
            headers={"content-type": "application/json"},
        )
        assert "not UTF-8" in assert_problem(response, 400)["errors"][0]["message"]

    def test_slow_body_gets_408(self, server):
        """A client that stops sending mid-body is answered 408 after --timeout-request (2 s)."""
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(
                f"POST /rule-sets/{KP}/evaluate HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
                'Content-Length: 100\r\n\r\n{"data"'.encode()
            )
            answer = sock.recv(4096).decode()
        assert answer.startswith("HTTP/1.1 408")
        assert PROBLEM_JSON in answer

    def test_uploaded_sheet_over_the_row_limit_is_refused_before_reading(self, client, tmp_path):
        """An xlsx of 150 rows (limit 50, and 50 for headings): 413 from counting, naming the limit."""
        openpyxl = pytest.importorskip("openpyxl")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["region", "bumil_k4", "sasaran_bumil"])
        for number in range(150):
            sheet.append([f"P{number}", 1, 2])
        path = tmp_path / "big.xlsx"
        workbook.save(path)
        response = client.post(
            f"/rule-sets/{KP}/batch/upload", files={"file": ("big.xlsx", path.read_bytes())}
        )
        if response.status_code == 413 and "body" in response.json()["detail"]:
            pytest.skip("the file is over the body limit itself")
        body = assert_problem(response, 413)
        assert f"over {MAX_ROWS + 50} rows" in body["detail"]
        csv = "region,bumil_k4,sasaran_bumil\n" + "P,1,2\n" * 200
        body = assert_problem(
            client.post(f"/rule-sets/{KP}/batch/upload", files={"file": ("m.csv", csv.encode())}),
            413,
        )
        assert "201 lines" in body["detail"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("options", "env", "said"),
    [
        (["--max-body-bytes", "0"], {}, "--max-body-bytes: give a number above 0"),
        (["--max-rows", "-3"], {}, "--max-rows: give a number above 0"),
        (["--timeout-request", "nan"], {}, "--timeout-request: give a number above 0"),
        (["--token-file", "BAD"], {}, "is not UTF-8 text; save it as UTF-8"),
        (["--token-file", "MISSING"], {}, "cannot read the token file"),
        ([], {"SPMKIT_TOKEN": "   "}, "SPMKIT_TOKEN is set but blank"),
        (["--rules", "MISSING"], {}, "not a folder"),
    ],
)
def test_bad_start_options_exit_2(tmp_path, options, env, said):
    """Every bad start option: a clear message and exit 2, never 'internal error' (70)."""
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfetoken")
    given = [
        {"BAD": str(bad), "MISSING": str(tmp_path / "missing")}.get(option, option)
        for option in options
    ]
    environment = {k: v for k, v in os.environ.items() if k != "SPMKIT_TOKEN"} | env
    done = subprocess.run(
        [spmkit_script(), "serve", "--port", str(free_port()), *given],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert said in done.stderr
    assert "internal error" not in done.stderr


@pytest.mark.slow
def test_token_from_the_environment(tmp_path):
    """SPMKIT_TOKEN protects the service when no --token-file is given."""
    running = Server(tmp_path, token_file=False, env_token="from-env")  # noqa: S106 - test token
    try:
        assert httpx.get(f"{running.url}/rule-sets").status_code == 401
        ok = httpx.get(f"{running.url}/rule-sets", headers={"Authorization": "Bearer from-env"})
        assert ok.status_code == 200
    finally:
        assert "Application shutdown complete." in running.stop()


@pytest.mark.slow
class TestLoadAndFaults:
    def test_1000_requests_from_32_clients(self, server, capsys):
        """1,000 evaluate requests from 32 concurrent clients: 0 errors, every answer the library's."""
        rule_set = quiet(KP)
        cases = [
            {"bumil_k4": 90_000 + k * 7, "sasaran_bumil": 100_000, "pus_kb_aktif": k, "pus": 1000}
            for k in range(1000)
        ]
        expected = [
            {**spmkit.evaluate(rule_set, data).to_dict(), "year": None, "period": None}
            for data in cases
        ]

        def call(data: dict) -> tuple[int, float, dict]:
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
            ) as http:
                started = time.perf_counter()
                response = http.post(f"/rule-sets/{KP}/evaluate", json={"data": data})
                return response.status_code, time.perf_counter() - started, response.json()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=32) as pool:
            answers = list(pool.map(call, cases))
        wall = time.perf_counter() - started
        assert [status for status, _, _ in answers] == [200] * 1000
        assert [body for _, _, body in answers] == expected
        latencies = sorted(seconds for _, seconds, _ in answers)
        with capsys.disabled():
            print(  # noqa: T201 - the figures the load test reports
                f"\n1000 requests, 32 clients: 0 errors, wall {wall:.1f} s, "
                f"{1000 / wall:.0f} req/s, p50 {latencies[499] * 1000:.0f} ms, "
                f"p99 {latencies[989] * 1000:.0f} ms"
            )

    def test_10000_row_batch(self, tmp_path, capsys):
        """A 10,000-row batch in one request equals the library's rows; gzipped on request."""
        running = Server(tmp_path, options=("--max-rows", "10000", "--max-body-bytes", "20000000"))
        try:
            rule_set = quiet(KP)
            rows = [
                {"region": f"P{k}", "data": {"bumil_k4": k % 1001, "sasaran_bumil": 1000}}
                for k in range(10_000)
            ]
            url = f"{running.url}/rule-sets/{KP}/batch"
            headers = {"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "identity"}
            started = time.perf_counter()
            response = httpx.post(url, json={"rows": rows}, headers=headers, timeout=600)
            wall = time.perf_counter() - started
            assert response.status_code == 200
            assert "transfer-encoding" in response.headers  # streamed, not held whole
            answered = response.json()["rows"]
            assert len(answered) == 10_000
            for number in (0, 949, 950, 9999):
                data = rows[number]["data"]
                assert (
                    answered[number]["results"]
                    == spmkit.evaluate(rule_set, data).to_dict()["results"]
                )
            zipped = {**headers, "Accept-Encoding": "gzip"}
            started = time.perf_counter()
            with httpx.stream("POST", url, json={"rows": rows}, headers=zipped, timeout=600) as got:
                raw = b"".join(got.iter_raw())
            zipped_wall = time.perf_counter() - started
            assert got.headers["content-encoding"] == "gzip"
            assert gzip.decompress(raw) == response.content
            with capsys.disabled():
                print(  # noqa: T201 - the figures the test reports
                    f"\n10,000-row batch: {wall:.1f} s, {len(response.content):,} bytes; "
                    f"gzipped: {zipped_wall:.1f} s, {len(raw):,} bytes"
                )
        finally:
            running.stop()

    def test_client_disconnecting_mid_upload(self, server, client):
        """A client gone mid-upload leaves no temporary file and no stuck worker."""
        boundary = "spmkitboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="k4.csv"\r\nContent-Type: text/csv\r\n\r\n'
            "region,bumil_k4,sasaran_bumil\n"
        )
        for _ in range(8):
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
                sock.sendall(
                    f"POST /rule-sets/{KP}/batch/upload HTTP/1.1\r\nHost: x\r\n"
                    f"Authorization: Bearer {TOKEN}\r\n"
                    f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                    "Content-Length: 15000\r\n\r\n".encode()
                    + head.encode()
                    + b"Wates,950,1000\n" * 200
                )
        time.sleep(1)
        assert list(server.tmpdir.iterdir()) == []
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: client.get("/health").status_code, range(40)))
        assert statuses == [200] * 40
        data = {"bumil_k4": 950, "sasaran_bumil": 1000}
        assert client.post(f"/rule-sets/{KP}/evaluate", json={"data": data}).status_code == 200


# The checked-in document, read as a file: building the app to serve it at collection time
# cost every test process seconds, and test_openapi_document_is_checked_in holds it equal.
SCHEMA = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.json"))


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
def test_api_holds_its_openapi_contract(case, server):
    """Property test from the OpenAPI document: no 5xx, documented statuses and media types.

    Requests are generated valid and invalid (schemathesis' positive and negative modes).
    schemathesis' negative_data_rejection check is not used: a generated invalid body over
    the size limit is rightly answered 413, which that check does not count as a rejection.
    """
    response = case.call(
        base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    )
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
