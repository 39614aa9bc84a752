"""docs/rule-sets.md lists every shipped rule set, with counts that match the files."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import spmkit
from spmkit import Verification

DOC = Path(__file__).resolve().parents[1] / "docs" / "rule-sets.md"


def table_rows() -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- shipped-rule-sets:start -->")[1].split(
        "<!-- shipped-rule-sets:end -->"
    )[0]
    rows = {}
    for line in block.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells
    return rows


def expected_counts(rule_set_id: str) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.UnverifiedValuesWarning)
        rs = spmkit.load_rule_set(rule_set_id)
    counts = rs.verification_counts()
    total = sum(counts.values())
    primary = counts[Verification.PRIMARY]
    return [
        str(len(rs.indicators)),
        f"{primary}/{total} ({round(100 * primary / total)} %)",
        f"{counts[Verification.SECONDARY]}/{total}",
        f"{counts[Verification.UNVERIFIED]}/{total}",
    ]


def test_every_shipped_rule_set_is_listed_once():
    """The table has one row per shipped rule set, no more."""
    assert sorted(table_rows()) == sorted(spmkit.shipped_rule_sets())


def test_counts_match_the_files():
    """Indicator counts and verification shares are those computed from the files."""
    for rule_set_id, cells in table_rows().items():
        assert cells[4:] == expected_counts(rule_set_id), rule_set_id


def test_years_in_force_are_filled_in():
    """Every row states the years in force (starting with a year)."""
    for cells in table_rows().values():
        assert re.match(r"(19|20)\d\d", cells[3])
