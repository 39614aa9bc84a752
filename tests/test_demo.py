"""The README's demo: the shipped rule set on the bundled example data."""

from __future__ import annotations

from pathlib import Path

from spmkit.cli import main

EXAMPLE = Path(__file__).parents[1] / "examples" / "kulon-progo-2011.yaml"


def test_demo_prints_the_achievement_table(capsys):
    """`make demo` prints one row per indicator and a summary, and exits 1 (targets missed)."""
    status = main(["evaluate", "kulon-progo-2011", str(EXAMPLE)])
    out = capsys.readouterr().out
    assert status == 1
    assert "Peraturan Bupati Nomor 15 Tahun 2011 (Kabupaten Kulon Progo)" in out
    # Indonesian by default: the rule set is Indonesian (decimal commas, Indonesian statuses).
    i1 = next(line for line in out.splitlines() if line.startswith("I.1 "))
    assert i1.endswith("94,23 %  >= 95 %   2015   TIDAK TERCAPAI     0,77")
    assert (
        "18 tercapai, 5 tidak tercapai, 0 tidak ada data, 0 tak terdefinisi dari 23 indikator"
        in out
    )
