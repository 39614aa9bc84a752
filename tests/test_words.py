"""One owner of words and numbers: gettext for every word, ``number_text`` for every number.

``tests/words_scan.py`` finds the other ways: a separator swap (``maketrans(",.", ".,")``,
``.replace(".", ",")``), a phrase table keyed by language (``{"id": {...}, "en": {...}}``),
a hand-written pair (``Bilingual("...", "...")``, ``_t("...", "...")``) and an inline
language choice (``"kata" if lang == "id" else "word"``). None is left: a new one fails.
"""

from __future__ import annotations

import ast
import re
from fractions import Fraction
from pathlib import Path

import pytest

from source_tree import parsed
from words_scan import scan

SRC = Path(__file__).parents[1] / "src" / "spmkit"


def test_one_mechanism_of_words_and_numbers():
    """The number of translation mechanisms is one: gettext (and number_text for numbers).

    No separator swap, no phrase table keyed by language, no hand-written pair, no
    inline language choice anywhere in src/spmkit (``_numbers.py``, the one owner of
    separators, aside).
    """
    found = scan(SRC)
    assert found == {
        "separator swap": [],
        "phrase table": [],
        "hand pair": [],
        "language choice": [],
    }


def _modules(places: list[str]) -> set[str]:
    return {place.split(":")[0] for place in places}


def test_the_renderers_have_one_mechanism():
    """Every renderer and the command's messages: gettext and number_text only."""
    found = scan(SRC)
    renderers = {
        "_messages.py",
        "_files/report.py",
        "_files/present.py",
        "_files/excel.py",
        "_files/export.py",
        "_files/regions.py",
        "_files/trends.py",
        "_files/chart.py",
        "_evaluation/compare.py",
        "_evaluation/scoring.py",
        "_evaluation/shown.py",
    }
    used = {kind for kind, places in found.items() if _modules(places) & renderers}
    assert used == set()


_WORDS = re.compile(r"[A-Za-z]{3,}[ ,:;]+[A-Za-z]{3,}")
ALLOWED_LITERALS: set[tuple[str, str]] = set()
"""(module, text) printed without the catalogue on purpose (none today)."""


def _printed_literals(path: Path) -> list[str]:
    """String literals with words inside ``print()``/``write()`` calls, outside ``tr()``."""
    tree = parsed(path)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        up = node
        while up in parents:
            up = parents[up]
            if isinstance(up, ast.Call):
                name = getattr(up.func, "id", getattr(up.func, "attr", ""))
                if name == "tr":
                    break
                if name in {"print", "write"}:
                    if _WORDS.search(node.value):
                        found.append(node.value)
                    break
    return found


@pytest.mark.parametrize(
    "module",
    [
        p.relative_to(SRC).as_posix()
        for p in sorted(SRC.rglob("*.py"))
        if "locale" not in p.relative_to(SRC).parts
    ],
)
def test_no_user_facing_literal_outside_the_catalogue(module):
    """What the command prints comes from tr() (one .po), not from a literal in the code."""
    literals = _printed_literals(SRC / module)
    assert [t for t in literals if (module, t) not in ALLOWED_LITERALS] == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The scan is not vacuous: each mechanism is found in a module written to have it."""
    (tmp_path / "bad.py").write_text(
        'X = {"id": {"a": "kata"}, "en": {"a": "word"}}\n'
        'Y = "1,5".replace(",", ".")\n'
        'Z = Bilingual("word", "kata")\n'
        'W = "kata" if lang == "id" else "word"\n',
        encoding="utf-8",
    )
    found = scan(tmp_path)
    assert {kind: len(places) for kind, places in found.items()} == {
        "separator swap": 1,
        "phrase table": 1,
        "hand pair": 1,
        "language choice": 1,
    }


# --lang id is Indonesian everywhere: each command's output, with the English it used to
# leave (found by running it) named so that a leftover fails.
ROOT = Path(__file__).parents[1]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    from spmkit.cli import main  # noqa: PLC0415 - the command in process

    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_quarterly_in_indonesian(capsys):
    data = str(ROOT / "examples" / "spm-index-quarterly.csv")
    code, out, _ = _run(
        capsys, "quarterly", "indeks-spm-kesehatan", data, "--lang", "id", "--explain"
    )
    assert code in {0, 1}
    assert out.startswith("Triwulan | Layanan")
    assert "|          4.800 |     1.050 |           3.750 | 21,875 |" in out  # a tie: exact
    assert "Kategori: Tuntas Pratama (>= 70 dan < 80)" in out
    assert " and < " not in out
    assert "target >= 100 %: tidak tercapai, selisih 78,125 poin persen" in out


def test_history_in_indonesian(capsys, tmp_path):
    data = tmp_path / "yr.csv"
    data.write_text("tahun,bumil_k4,sasaran_bumil\n2010,900,1000\n2013,970,1000\n", "utf-8")
    code, out, _ = _run(
        capsys, "evaluate", "--jurisdiction", "Kabupaten Siak", str(data), "--lang", "id"
    )
    assert code == 1
    assert out.splitlines()[:3] == [
        "riwayat Kabupaten Siak: 2 baris",
        (
            "2010  permenkes-741-2008       I.1    90,00 % terhadap tonggak >= 95 % "
            "(akhir >= 95 % tahun 2015): tidak tercapai, tertinggal"
        ),
        (
            "2013  siak-renstra-2012-2016   I.1    97,00 % terhadap tonggak >= 97 % "
            "(akhir >= 100 % tahun 2016): tercapai, sesuai jalur"
        ),
    ]
    assert out.splitlines()[3].startswith("catatan (2010-2010): Kabupaten Siak (1408) tidak ")
    code, out, _ = _run(
        capsys, "evaluate", "--jurisdiction", "Kabupaten Siak", str(data), "--lang", "en"
    )
    assert "(final >= 95 % by 2015): not_met, behind" in out  # English keeps the codes
    assert "note (2010-2010): Kabupaten Siak (1408) has no rule set of its own" in out


def test_list_and_show_in_indonesian(capsys):
    _, out, _ = _run(capsys, "list", "--lang", "id")
    assert "berlaku 2011-02-17 .. terbuka      terverifikasi 100% Kabupaten Kulon Progo" in out
    assert "2015-12-31 (digantikan oleh permenkes-43-2016)" in out
    assert ".. open" not in out
    assert "superseded" not in out
    _, out, _ = _run(capsys, "show", "permenkes-741-2008", "--lang", "id", "--provenance")
    assert (
        "berlaku: 2008-07-29 .. 2015-12-31 (digantikan oleh permenkes-43-2016) "
        "[date of the regulation; secondary]"
    ) in out  # the end the succession decides, in Indonesian
    assert "      sumber: Lampiran, target value" in out
    assert '      kutipan: "' in out
    assert "\nnilai: " in out
    for english in ("in force", "source:", "quote:", "note:", "values:"):
        assert english not in out
    _, out, _ = _run(capsys, "show", "siak-renstra-2012-2016", "--lang", "id")
    assert ">= 2 per 100.000" in out  # Indonesian notation of the target's unit
    _, out, _ = _run(capsys, "show", "siak-renstra-2012-2016", "--lang", "en")
    assert ">= 2 per 100,000" in out


def test_diff_in_indonesian(capsys):
    _, out, _ = _run(capsys, "diff", "kulon-progo-2011", "permenkes-4-2019", "--lang", "id")
    assert out.startswith("beda kulon-progo-2011 -> permenkes-4-2019: 8 ditambah, 19 dihapus")
    assert "    sumber: Lampiran (standar teknis), capaian kinerja [unverified]" in out
    assert "source:" not in out


def test_refused_row_reasons_in_indonesian_html(capsys, tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text(
        "puskesmas,bumil_k4,sasaran_bumil\nWates,950,1000\nPengasih,abc,1000\n", "utf-8"
    )
    out = tmp_path / "out.html"
    code, _, _ = _run(
        capsys, "evaluate", "kulon-progo-2011", str(data), "--lang", "id", "-o", str(out)
    )
    assert code == 3
    page = out.read_text("utf-8")
    assert "kolom &#x27;bumil_k4&#x27;: &#x27;abc&#x27; bukan angka (kosongkan sel" in page
    assert "is not a number" not in page


def test_explanation_words_and_numbers_in_indonesian():
    """The target part of an explanation: milestone words and the number notation."""
    import spmkit  # noqa: PLC0415

    report = spmkit.evaluate(
        "siak-renstra-2012-2016", {"bumil_k4": 970, "sasaran_bumil": 1000}, year=2013
    )
    text = report["I.1"].explanation_in("id")
    assert "tonggak 2013 >= 97 %, target akhir >= 100 % tahun 2016" in text
    english = report["I.1"].explanation
    assert "milestone 2013 >= 97 %, final target >= 100 % by 2016" in english


def test_band_ranges_and_verdict_changes_in_both_languages():
    from spmkit._messages import code_words  # noqa: PLC0415
    from spmkit._rulesets.scoring import Band  # noqa: PLC0415

    band = Band(label="Tuntas Pratama", at_least=Fraction(705, 10), below=Fraction(80))
    assert band.in_words().in_lang("id") == ">= 70,5 dan < 80"
    assert band.in_words() == ">= 70.5 and < 80" == band.describe()
    assert code_words("not_met") == "not_met"
    assert code_words("not_met").in_lang("id") == "tidak tercapai"


def test_the_literal_check_finds_a_printed_literal(tmp_path):
    """The literal check is not vacuous: a printed phrase is found, one inside tr() is not."""
    module = tmp_path / "printing.py"
    module.write_text(
        'print("rows were refused")\nprint(tr("rows were refused"))\nprint(f"{x}: no data")\n',
        encoding="utf-8",
    )
    assert _printed_literals(module) == ["rows were refused"]
