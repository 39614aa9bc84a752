"""``-`` as the data file: standard input as YAML, JSON or CSV, bounded like a file."""

from __future__ import annotations

import io
import json

import pytest

from spmkit.cli import main


@pytest.mark.parametrize(
    "text",
    [
        "bumil_k4: 94996\nsasaran_bumil: 100000\n",
        '{"bumil_k4": 94996, "sasaran_bumil": 100000}',
        "wilayah,bumil_k4,sasaran_bumil\nA,94996,100000\n",
    ],
)
def test_standard_input_is_read_as_its_format(text, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert main(["evaluate", "kulon-progo-2011", "-", "--format", "json"]) == 1
    (row,) = json.loads(capsys.readouterr().out)["rows"]
    first = row["results"][0]
    assert (first["indicator"], first["status"], first["shown_value"]) == (
        "I.1",
        "not_met",
        "94,996",
    )
    assert first["numerator"] == 94996
    assert isinstance(first["numerator"], int)
