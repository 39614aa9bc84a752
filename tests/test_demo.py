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
    assert "I.1            94.23 %  >= 95 %   2015  NOT MET    0.77" in out
    assert "18 met, 5 not met, 0 no data, 0 undefined of 23 indicators" in out
