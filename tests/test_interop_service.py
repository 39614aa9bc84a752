"""The HTTP service: a real `spmkit serve` process on 127.0.0.1, called with httpx, then stopped.

The answers are compared with what the library itself returns for the same call.
"""

from __future__ import annotations

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
from spmkit._interop.service import PROBLEM_JSON, openapi_document

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = ROOT / "docs" / "openapi.json"
TOKEN = "s3cret-token-for-tests"  # noqa: S105 - a test token for a loopback server
KP = "kulon-progo-2011"
MAX_BODY = 20_000
MAX_ROWS = 50


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

    def __init__(self, tmp: Path, *, token_file: bool = True, env_token: str | None = None) -> None:
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
        ]
        if token_file:
            path = tmp / "token.txt"
            path.write_text(TOKEN + "\n", encoding="utf-8")
            command += ["--token-file", str(path)]
        env = {k: v for k, v in os.environ.items() if k != "SPMKIT_TOKEN"}
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
            "rule_sets": len(spmkit.shipped_rule_sets()),
        }

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
            assert found.json()["rule_set"] == "kulon-progo-2011"
        bantul = client.get("/rule-set-for", params={"jurisdiction": "Kab. Bantul", "year": 2020})
        assert bantul.json()["rule_set"] == "permenkes-4-2019"
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
        assert [r["id"] for r in listed] == list(spmkit.shipped_rule_sets())
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
        assert response.json() == {**expected, "year": 2011}
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
        assert body == {**expected, "year": 2013}

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
        assert answers == [{**spmkit.evaluate(rule_set, d).to_dict(), "year": None} for d in cases]


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


SCHEMA = schemathesis.openapi.from_dict(openapi_document())


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
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
