"""Bad data values in Indonesian, from the gettext catalogue like rule-file problems.

Every :class:`~spmkit.errors.DataError` is built with ``tr()`` where it is found: its
``rule`` and ``hint`` are :class:`~spmkit._translation.Bilingual`, ``str(error)`` is the
English it always was (byte for byte: programs and tests compare it), and
``error.in_lang("id")`` is the same problem in Indonesian, numbers in Indonesian notation
and unit names in Indonesian. The command's refused rows use it.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import spmkit
from spmkit._evaluation.aggregate import aggregate, stratify
from spmkit._evaluation.quarterly import quarterly_report
from spmkit._files.datafiles import evaluate_table, read_data
from spmkit._files.export import render_outcomes
from spmkit._messages import data_invalid_text, data_problem_texts
from spmkit._rulesets.units import quantity, unit_words
from spmkit._translation import Bilingual
from spmkit.cli import EXIT_REFUSED, main
from spmkit.errors import DataError, DataInvalid, format_errors

KP = spmkit.load_rule_set("kulon-progo-2011")
BOUNDED = spmkit.loads_rule_set(
    """\
spmkit: 1
id: contoh
title: Contoh
language: en
jurisdiction: {level: kabupaten, name: Kabupaten Contoh}
legal_basis: {instrument: Peraturan Bupati, number: "1", year: 2011}
service_types:
  I: {name: Pelayanan Dasar}
inputs:
  served: {unit: person, label: served}
  share: {unit: '%', label: share, max: 100, min: 0.5, required: false}
  water: {unit: L / (person * day), label: water, min: 1.5, required: false}
indicators:
  I.1:
    service_type: I
    name: x
    numerator: served
    denominator: served
    factor: 100
    target: {op: ">=", value: 90}
    deadline: 2020
    source: Lampiran
""",
    file="contoh.yaml",
)


def _kp(data: object) -> object:
    return spmkit.evaluate(KP, data)  # type: ignore[arg-type]


def _batch(**columns: object) -> object:
    return spmkit.evaluate_batch(BOUNDED, columns)


def _quantity(value: float, unit: str) -> object:
    return quantity(value, unit)


# (site, call, English as it was before the catalogue, Indonesian). The English column was
# taken from the code before this change: it must not move.
CASES: list[tuple[str, Callable[[], object], str, str]] = [
    (
        "negative",
        lambda: _kp({"bumil_k4": -4}),
        (
            "input 'bumil_k4' must be a non-negative finite number (got -4) "
            "(counts cannot be negative)"
        ),
        (
            "input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis -4) "
            "(hitungan tidak boleh negatif)"
        ),
    ),
    (
        "nan",
        lambda: _kp({"bumil_k4": math.nan}),
        (
            "input 'bumil_k4' must be a non-negative finite number (got nan) "
            "(NaN and infinities are not counts; leave the input out if unknown)"
        ),
        (
            "input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis nan) "
            "(NaN dan tak hingga bukan hitungan; kosongkan input bila tidak diketahui)"
        ),
    ),
    (
        "infinity",
        lambda: _kp({"bumil_k4": Decimal("Infinity")}),
        (
            "input 'bumil_k4' must be a non-negative finite number (got Decimal('Infinity')) "
            "(NaN and infinities are not counts; leave the input out if unknown)"
        ),
        (
            "input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis "
            "Decimal('Infinity')) (NaN dan tak hingga bukan hitungan; kosongkan input bila "
            "tidak diketahui)"
        ),
    ),
    (
        "boolean",
        lambda: _kp({"bumil_k4": True}),
        (
            "input 'bumil_k4' must be a non-negative finite number (got True) "
            "(booleans are not counts; give 0 or 1 if you mean that)"
        ),
        (
            "input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis True) "
            "(nilai benar/salah bukan hitungan; tulis 0 atau 1 bila itu maksudnya)"
        ),
    ),
    (
        "text",
        lambda: _kp({"bumil_k4": "tidak ada"}),
        (
            "input 'bumil_k4' must be a non-negative finite number (got 'tidak ada') "
            "(give a number, not text)"
        ),
        (
            "input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis 'tidak ada') "
            "(berikan angka, bukan teks)"
        ),
    ),
    (
        "number_as_text",
        lambda: _kp({"bumil_k4": "3.582"}),
        (
            "input 'bumil_k4' must be a non-negative finite number (got '3.582') (give a "
            "number, not text; convert it first: '3.582' may be 3,582 in Indonesian notation, "
            "and spmkit will not guess)"
        ),
        (
            "input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis '3.582') "
            "(berikan angka, bukan teks; konversikan dulu: '3.582' bisa berarti 3582 dalam "
            "notasi Indonesia, dan spmkit tidak akan menebak)"
        ),
    ),
    (
        "decimal_count",
        lambda: _kp({"bumil_k4": 2.5}),
        "input 'bumil_k4' must be a count of person: a whole number, 0 or more (got 2.5)",
        "input 'bumil_k4' harus hitungan orang: bilangan bulat, 0 atau lebih (tertulis 2,5)",
    ),
    (
        "not_a_number_type",
        lambda: _kp({"bumil_k4": np.datetime64("2020-01-01")}),
        (
            "input 'bumil_k4' must be a non-negative finite number "
            "(got np.datetime64('2020-01-01')) (got a datetime64, not a count)"
        ),
        (
            "input 'bumil_k4' harus angka berhingga yang tidak negatif "
            "(tertulis np.datetime64('2020-01-01')) (nilainya bertipe datetime64, bukan hitungan)"
        ),
    ),
    (
        "too_many_digits",
        lambda: _kp({"bumil_k4": 10**400}),
        (
            "input 'bumil_k4' must be a number of at most 400 digits (got a number of about "
            "10^400) (a number of 401 digits; spmkit accepts at most 400 digits "
            "(docs/semantics.md, Limits))"
        ),
        (
            "input 'bumil_k4' harus angka dengan paling banyak 400 digit (tertulis bilangan "
            "sekitar 10^400) (angka dengan 401 digit; spmkit menerima paling banyak 400 digit "
            "(docs/semantics.md, Limits))"
        ),
    ),
    (
        "unknown_input",
        lambda: _kp({"bumil_k5": 1}),
        (
            "input 'bumil_k5' must be a declared input of rule set 'kulon-progo-2011' (got 1) "
            "(did you mean 'bumil_k4'?; pass allow_unknown=True to ignore extra inputs)"
        ),
        (
            "input 'bumil_k5' harus input yang dideklarasikan dalam rule set 'kulon-progo-2011' "
            "(tertulis 1) (maksudnya 'bumil_k4'?; berikan allow_unknown=True untuk mengabaikan "
            "input tambahan)"
        ),
    ),
    (
        "over_maximum",
        lambda: spmkit.evaluate(BOUNDED, {"served": 1, "share": 150}),
        "input 'share' must be at most 100 % (got 150)",
        "input 'share' harus paling banyak 100 % (tertulis 150)",
    ),
    (
        "under_minimum",
        lambda: spmkit.evaluate(BOUNDED, {"served": 1, "water": 1.25}),
        "input 'water' must be at least 1.5 L / (person * day) (got 1.25)",
        "input 'water' harus paling sedikit 1,5 L / (orang * hari) (tertulis 1,25)",
    ),
    (
        "column_over_maximum",
        lambda: _batch(served=[1, 1, 1], share=np.array([50, 150, 160])),
        "input 'share' must be at most 100 % (got 150) (at row 1; 2 bad rows in this column)",
        (
            "input 'share' harus paling banyak 100 % (tertulis 150) "
            "(di baris 1; 2 baris bermasalah di kolom ini)"
        ),
    ),
    (
        "column_negative",
        lambda: _batch(served=np.array([1, -1, -2])),
        (
            "input 'served' must be a non-negative finite number (got -1) "
            "(counts cannot be negative; at row 1; 2 bad rows in this column)"
        ),
        (
            "input 'served' harus angka berhingga yang tidak negatif (tertulis -1) "
            "(hitungan tidak boleh negatif; di baris 1; 2 baris bermasalah di kolom ini)"
        ),
    ),
    (
        "column_decimal_count",
        lambda: spmkit.evaluate_batch(KP, {"bumil_k4": [1.5, 2.5]}),
        (
            "input 'bumil_k4' must be a count of person: a whole number, 0 or more (got 1.5) "
            "(at row 0; 2 bad rows in this column)"
        ),
        (
            "input 'bumil_k4' harus hitungan orang: bilangan bulat, 0 atau lebih (tertulis 1,5) "
            "(di baris 0; 2 baris bermasalah di kolom ini)"
        ),
    ),
    (
        "column_of_dates",
        lambda: _batch(served=np.array(["2020-01-01"], dtype="datetime64[D]")),
        (
            "input 'served' must be a non-negative finite number (got datetime.date(2020, 1, 1)) "
            "(column 'served' holds dates (datetime64[D]), not counts; convert it first; "
            "at row 0)"
        ),
        (
            "input 'served' harus angka berhingga yang tidak negatif (tertulis "
            "datetime.date(2020, 1, 1)) (kolom 'served' berisi tanggal (datetime64[D]), bukan "
            "hitungan; konversikan dulu; di baris 0)"
        ),
    ),
    (
        "two_dimensional",
        lambda: _batch(served=np.ones((2, 2))),
        "input 'served' must be a 1-D column (got 'an array of shape (2, 2)')",
        "input 'served' harus kolom satu dimensi (tertulis 'array berbentuk (2, 2)')",
    ),
    (
        "lengths_differ",
        lambda: _batch(served=[1, 2], share=[1, 2, 3]),
        "input '<data>' must be columns of one length (got 'served: 2, share: 3') (lengths differ)",
        (
            "input '<data>' harus kolom-kolom yang sama panjang (tertulis 'served: 2, share: 3') "
            "(panjangnya berbeda)"
        ),
    ),
    (
        "unknown_column",
        lambda: _batch(servd=[1]),
        (
            "input 'servd' must be a declared input of rule set 'contoh' (got '<column>') "
            "(did you mean 'served'?; pass allow_unknown=True to ignore extra columns, or "
            "keys=[...] to carry them into the result)"
        ),
        (
            "input 'servd' harus input yang dideklarasikan dalam rule set 'contoh' (tertulis "
            "'<kolom>') (maksudnya 'served'?; berikan allow_unknown=True untuk mengabaikan kolom "
            "tambahan, atau keys=[...] untuk membawanya ke hasil)"
        ),
    ),
    (
        "missing_key_column",
        lambda: spmkit.evaluate_batch(BOUNDED, {"served": [1]}, keys=["region"]),
        "input 'region' must be a key column of the data (got None) (it is absent)",
        "input 'region' harus kolom kunci dalam data (tertulis None) (kolom itu tidak ada)",
    ),
    (
        "unit_not_convertible",
        lambda: spmkit.evaluate(BOUNDED, {"served": 1, "water": _quantity(3, "person")}),
        (
            "input 'water' must be a quantity in L / (person * day) or a unit convertible to it "
            "(got <Quantity(3, 'person')>) (person does not convert to L / (person * day))"
        ),
        (
            "input 'water' harus besaran dalam L / (orang * hari) atau dalam satuan yang dapat "
            "dikonversi ke L / (orang * hari) (tertulis <Quantity(3, 'person')>) (orang tidak "
            "dapat dikonversi ke L / (orang * hari))"
        ),
    ),
    (
        "key_is_an_input",
        lambda: aggregate(BOUNDED, {"served": [1, 2]}, by=["served"]),
        (
            "input 'served' must be a key column: one value of one type on every row "
            "(got '<column>') (it is an input of the rule set, so it is summed, not grouped by; "
            "copy it to a column of another name)"
        ),
        (
            "input 'served' harus kolom kunci: satu nilai dengan satu jenis di setiap baris "
            "(tertulis '<kolom>') (kolom itu input rule set, jadi dijumlahkan, bukan dipakai "
            "untuk mengelompokkan; salin ke kolom dengan nama lain)"
        ),
    ),
    (
        "keys_mix_types",
        lambda: aggregate(BOUNDED, {"served": [1, 2], "r": [1, "a"]}, by=["r"]),
        (
            "input 'r' must be a key column: one value of one type on every row "
            "(got '<column>') (the keys mix types: int (row 0), str (row 1))"
        ),
        (
            "input 'r' harus kolom kunci: satu nilai dengan satu jenis di setiap baris "
            "(tertulis '<kolom>') (jenis kuncinya bercampur: int (baris 0), str (baris 1))"
        ),
    ),
    (
        "strata_disagree",
        lambda: stratify(BOUNDED, {"served": [1, 2, 4], "sex": ["l", "p", "total"]}, stratum="sex"),
        (
            "input 'served' must be the sum of its strata (3.0) (got 4.0) "
            "(the reported total of the data set disagrees)"
        ),
        (
            "input 'served' harus jumlah stratanya (3,0) (tertulis 4,0) "
            "(total yang dilaporkan untuk kumpulan data tidak sesuai)"
        ),
    ),
    (
        "bad_quarter",
        lambda: quarterly_report(spmkit.load_rule_set("indeks-spm-kesehatan"), {"TW5": {}}),
        "input '<quarter>' must be a quarter: TW1, TW2, TW3 or TW4 (or 1-4, Q1-Q4) (got 'TW5')",
        (
            "input '<quarter>' harus triwulan: TW1, TW2, TW3 atau TW4 (atau 1-4, Q1-Q4) "
            "(tertulis 'TW5')"
        ),
    ),
    (
        "quarter_twice",
        lambda: quarterly_report(spmkit.load_rule_set("indeks-spm-kesehatan"), {1: {}, "TW1": {}}),
        "input '<quarter>' must be each quarter once (got 'TW1')",
        "input '<quarter>' harus setiap triwulan sekali saja (tertulis 'TW1')",
    ),
    (
        "bad_year_column",
        lambda: spmkit.evaluate_batch(
            KP, {"bumil_k4": [1, 2], "tahun": [2013, 1800]}, year="tahun"
        ),
        "input 'tahun' must be a year such as 2013 (got 1800) (row 1)",
        "input 'tahun' harus tahun, misalnya 2013 (tertulis 1800) (di baris 1)",
    ),
    (
        "bad_year_in_history",
        lambda: spmkit.evaluate_history("Kabupaten Siak", {"year": [1900], "bumil_k4": [1]}),
        "input 'year' must be a year such as 2013 (got 1900) (row 0)",
        "input 'year' harus tahun, misalnya 2013 (tertulis 1900) (di baris 0)",
    ),
    (
        "history_value",
        lambda: spmkit.evaluate_history(
            "Kabupaten Siak", {"year": [2013], "bumil_k4": [-1], "sasaran_bumil": [5]}
        ),
        (
            "input 'bumil_k4' must be a non-negative finite number (got -1) "
            "(row 0 (2013); counts cannot be negative)"
        ),
        (
            "input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis -1) "
            "(di baris 0 (2013); hitungan tidak boleh negatif)"
        ),
    ),
]


def _problem(call: Callable[[], object]) -> DataError:
    with pytest.raises(DataInvalid) as caught:
        call()
    (problem,) = caught.value.exceptions
    return problem


@pytest.mark.parametrize(
    ("call", "english", "indonesian"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_kind_of_bad_value_in_both_languages(call, english, indonesian):
    """The English as it always was; the Indonesian from the catalogue, exactly."""
    problem = _problem(call)
    assert str(problem) == english
    assert problem.in_lang("en") == english
    assert problem.in_lang("id") == indonesian
    assert isinstance(problem.rule, Bilingual)


def test_the_group_heading_and_its_problems_in_indonesian():
    with pytest.raises(DataInvalid) as caught:
        spmkit.evaluate(KP, {"bumil_k4": -4, "sasaran_bumil": True})
    assert caught.value.in_lang("id").splitlines() == [
        "data untuk rule set 'kulon-progo-2011' memuat nilai yang salah: 2 masalah",
        (
            "  input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis -4) "
            "(hitungan tidak boleh negatif)"
        ),
        (
            "  input 'sasaran_bumil' harus angka berhingga yang tidak negatif (tertulis True) "
            "(nilai benar/salah bukan hitungan; tulis 0 atau 1 bila itu maksudnya)"
        ),
    ]
    assert str(caught.value).startswith(
        "data for rule set 'kulon-progo-2011' have bad values: 2 problem(s)\n"
    )
    assert format_errors(caught.value, "id")[0].startswith("input 'bumil_k4' harus ")


def test_the_record_texts_of_the_command_and_the_rule_tests():
    with pytest.raises(DataInvalid) as caught:
        spmkit.evaluate(KP, {"bumil_k4": 2.5, "sasaran_bumil": -1})
    texts = data_problem_texts(caught.value)
    assert [t.in_lang("id") for t in texts] == [
        "input 'bumil_k4' harus hitungan orang: bilangan bulat, 0 atau lebih (tertulis 2,5)",
        (
            "input 'sasaran_bumil' harus angka berhingga yang tidak negatif (tertulis -1) "
            "(hitungan tidak boleh negatif)"
        ),
    ]
    line = data_invalid_text(caught.value)
    assert line == "; ".join(str(e) for e in caught.value.exceptions)
    assert line.in_lang("id") == "; ".join(t.in_lang("id") for t in texts)


def test_a_data_error_with_plain_text_is_shown_as_is_in_both_languages():
    """User code may build a DataError with plain str rule and hint: no translation, no crash."""
    error = DataError("k4", 1.5, "a multiple of 0.5", "ask the puskesmas")
    assert str(error) == "input 'k4' must be a multiple of 0.5 (got 1.5) (ask the puskesmas)"
    assert (
        error.in_lang("id")
        == "input 'k4' harus a multiple of 0.5 (tertulis 1,5) (ask the puskesmas)"
    )
    assert DataError("k4", "x", "y").in_lang("id") == "input 'k4' harus y (tertulis 'x')"


def test_both_languages_survive_pickling():
    """Batch workers send errors across processes: the Indonesian goes with them."""
    with pytest.raises(DataInvalid) as caught:
        spmkit.evaluate(KP, {"bumil_k4": 2.5})
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own object
    assert copy.in_lang("id") == caught.value.in_lang("id")
    assert str(copy) == str(caught.value)


@given(st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False))
def test_any_negative_float_english_as_before_indonesian_notation(value):
    """str() is the old f-string for every negative float; Indonesian swaps the separator."""
    problem = _problem(lambda: spmkit.evaluate(KP, {"bumil_k4": value}))
    shown = repr(value)
    assert str(problem) == (
        f"input 'bumil_k4' must be a non-negative finite number (got {shown}) "
        "(counts cannot be negative)"
    )
    shown_id = shown if "e" in shown else shown.replace(".", ",")
    assert problem.in_lang("id") == (
        f"input 'bumil_k4' harus angka berhingga yang tidak negatif (tertulis {shown_id}) "
        "(hitungan tidak boleh negatif)"
    )


@pytest.mark.parametrize(
    ("unit", "indonesian"),
    [
        ("person", "orang"),
        ("persons", "orang"),
        ("L / (person * day)", "L / (orang * hari)"),
        ("case per 100000 person", "kasus per 100000 orang"),
        ("health_facility", "fasilitas kesehatan"),
        ("%", "%"),
        ("orang", "orang"),
        ("widget", "widget"),
    ],
)
def test_unit_names_in_indonesian(unit, indonesian):
    words = unit_words(unit)
    assert words == unit
    assert words.in_lang("id") == indonesian


def _bad_file(tmp_path):
    names = list(KP.inputs)
    lines = ["wilayah," + ",".join(names)]
    lines.append("A," + ",".join("100" for _ in names))
    lines.append("B," + ",".join("2.5" if n == "bumil_k4" else "100" for n in names))
    lines.append("C," + ",".join("-4" if n == "bumil_k4" else "100" for n in names))
    lines.append("D," + ",".join("7.5" if n == "ibu_komplikasi" else "100" for n in names))
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_refused_rows_of_the_command_have_no_english_words(tmp_path, capsys):
    path = str(_bad_file(tmp_path))
    assert main(["evaluate", "kulon-progo-2011", path, "--lang", "id"]) == EXIT_REFUSED
    out = capsys.readouterr().out
    refused = [line for line in out.splitlines() if ": ditolak: " in line]
    assert refused == [
        (
            "B (baris 3): ditolak: input 'bumil_k4' harus hitungan orang: bilangan bulat, "
            "0 atau lebih (tertulis 2,5)"
        ),
        (
            "C (baris 4): ditolak: input 'bumil_k4' harus angka berhingga yang tidak negatif "
            "(tertulis -4) (hitungan tidak boleh negatif)"
        ),
        (
            "D (baris 5): ditolak: input 'ibu_komplikasi' harus hitungan orang: bilangan bulat, "
            "0 atau lebih (tertulis 7,5)"
        ),
    ]
    for line in refused:
        for english in ("must be", "got", "person", "row ", "count ", "cannot", "whole"):
            assert english not in line


def test_refused_rows_in_english_are_unchanged(tmp_path, capsys):
    path = str(_bad_file(tmp_path))
    assert main(["evaluate", "kulon-progo-2011", path, "--lang", "en"]) == EXIT_REFUSED
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if ": refused: " in line] == [
        (
            "B (row 3): refused: input 'bumil_k4' must be a count of person: a whole number, "
            "0 or more (got 2.5)"
        ),
        (
            "C (row 4): refused: input 'bumil_k4' must be a non-negative finite number "
            "(got -4) (counts cannot be negative)"
        ),
        (
            "D (row 5): refused: input 'ibu_komplikasi' must be a count of person: a whole "
            "number, 0 or more (got 7.5)"
        ),
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_csv_problem_column_follows_the_language(tmp_path, capsys, lang):
    """Streamed (the command) and whole-file (render) CSV: the problem in --lang, codes kept."""
    path = _bad_file(tmp_path)
    assert main(["evaluate", "kulon-progo-2011", str(path), "--format", "csv", "--lang", lang])
    streamed = capsys.readouterr().out
    evaluation = evaluate_table(KP, read_data(path, KP))
    whole = render_outcomes("csv", KP, evaluation.outcomes, lang)
    assert streamed == whole
    refused = [line for line in streamed.splitlines() if ",refused," in line]
    if lang == "id":
        assert refused[0] == (
            "3,B,,,refused,,,,,,,,,,,,,,,,,,\"input 'bumil_k4' harus hitungan orang: bilangan bulat, "
            '0 atau lebih (tertulis 2,5)"'
        )
    else:
        assert refused[0] == (
            "3,B,,,refused,,,,,,,,,,,,,,,,,,\"input 'bumil_k4' must be a count of person: a whole "
            'number, 0 or more (got 2.5)"'
        )
    assert len(refused) == 3
    assert ",I.1,met," in streamed  # statuses stay codes in both languages
