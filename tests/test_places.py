"""Rules in time and place, part two (issue 25): places as written, a truthful catalogue,
succession that follows through, periods as offices write them, index details."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import sys
import textwrap
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit._rulesets.places import all_places, find_places, place
from spmkit.cli import main

KP_SPELLINGS = [
    "Kabupaten Kulon Progo",
    "Kab. Kulon Progo",
    "Kab Kulon Progo",
    "KAB KULON PROGO",
    "Kulonprogo",
    "kulon-progo",
    3401,
    "34.01",
    np.int64(3401),
]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        yield


def _rows(years, k4=900):
    return {
        "year": list(years),
        "bumil_k4": [k4] * len(years),
        "sasaran_bumil": [1000] * len(years),
    }


class TestGazetteer:
    """Item 1: the 38 provinces and 514 kabupaten/kota, by code and by the names people write."""

    def test_counts_and_kinds(self):
        places = all_places()
        assert sum(p.level == "provinsi" for p in places) == 38
        assert sum(p.regency for p in places) == 514
        assert sum(p.level == "kota" for p in places) == 98
        assert len({p.code for p in places}) == 552
        assert all(p.province_code in {q.code for q in places} for p in places)

    @pytest.mark.parametrize("name", KP_SPELLINGS)
    def test_kulon_progo_as_written(self, name):
        assert [p.label() for p in find_places(name)] == ["Kabupaten Kulon Progo (3401)"]
        assert spmkit.rule_set_for(name, 2012).id == "kulon-progo-2011"

    @pytest.mark.parametrize(
        ("name", "code"),
        [
            ("Toba Samosir", "1212"),  # former name (Permendagri 56/2015 edition)
            ("Kab. Mamuju Utara", "7601"),  # now Pasangkayu
            ("9101", "9301"),  # Merauke, in Papua until Papua Selatan (2022)
            ("DIY", "34"),
            ("Provinsi DI Yogyakarta", "34"),
            ("Kota Yogyakarta", "3471"),
            ("Kota Bandung", "3273"),
            ("kabupaten bandung", "3204"),
        ],
    )
    def test_other_names(self, name, code):
        assert place(name).code == code

    def test_ambiguous_name_is_an_error_naming_both(self):
        with pytest.raises(spmkit.RuleSetNotFoundError, match="say which") as caught:
            spmkit.rule_set_for("Bandung", 2020)
        assert caught.value.candidates == ("Kabupaten Bandung", "Kota Bandung")

    def test_unknown_place_suggests_the_closest(self):
        with pytest.raises(spmkit.RuleSetNotFoundError) as caught:
            spmkit.rule_set_for("Kab. Kulon Prgo", 2012)
        assert caught.value.candidates[0] == "Kabupaten Kulon Progo"
        assert "closest: Kabupaten Kulon Progo" in str(caught.value)
        with pytest.raises(spmkit.RuleSetNotFoundError, match="no province"):
            spmkit.list_rule_sets("Atlantis")
        with pytest.raises(spmkit.RuleSetNotFoundError, match="Kemendagri code"):
            spmkit.rule_set_for(9999, 2012)

    def test_unknown_place_is_never_a_national_fallback_in_history(self):
        with pytest.raises(spmkit.RuleSetNotFoundError):
            spmkit.evaluate_history("Kulon Prgo", _rows([2012]))

    def test_regency_without_its_own_set_is_told_it_is_the_national_one(self):
        rs = spmkit.rule_set_for("Kab. Bantul", 2020)
        assert rs.id == "permenkes-4-2019"
        assert rs.notes[-1] == (
            "Kabupaten Bantul (3402) has no rule set of its own in force then that "
            "spmkit knows: this is the national rule set permenkes-4-2019"
        )
        assert not any("national rule set" in n for n in spmkit.load_rule_set(rs.id).notes)
        own = spmkit.rule_set_for(3401, 2012)
        assert not any("national rule set" in n for n in own.notes)

    def test_province_gets_no_regency_rules(self):
        """National kabupaten/kota sets do not apply to a province; province sets would."""
        found = spmkit.list_rule_sets("Daerah Istimewa Yogyakarta")
        assert found
        assert {r.level for r in found} == {"provinsi"}  # the national provincial sets only
        assert spmkit.rule_set_for(34, 2020).id == "spm-kesehatan-provinsi-permenkes-4-2019"

    def test_history_by_code(self):
        h = spmkit.evaluate_history(3401, _rows([2010, 2012]))
        assert h.rule_set_by_year() == {2010: "permenkes-741-2008", 2012: "kulon-progo-2011"}

    @pytest.mark.slow
    @settings(max_examples=examples(200), deadline=None)
    @given(data=st.data())
    def test_every_regency_however_written(self, data):
        """Property: prefix, case and spacing do not change which place a name means."""
        regency = data.draw(st.sampled_from([p for p in all_places() if p.regency]))
        kota = regency.level == "kota"
        prefix = data.draw(
            st.sampled_from(["Kota ", "KOTA "] if kota else ["Kabupaten ", "Kab. ", "KAB ", "kab "])
        )
        words = regency.bare.split()
        joiner = data.draw(st.sampled_from([" ", "  ", "-", ""]))
        written = prefix + joiner.join(words)
        cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in written)
        assert regency in find_places(cased)
        assert place(regency.code) == regency


class TestCatalogue:
    """Item 2: what is in force, filters, installed sets, notes on open validity."""

    def test_in_force_on_2030_follows_succession(self):
        ids = [r.id for r in spmkit.list_rule_sets(on=2030)]
        health = [r.id for r in spmkit.list_rule_sets(on=2030, sector="kesehatan") if r.national]
        assert health == ["indeks-spm-kesehatan-6-2024", "permenkes-6-2024"]
        assert {"kulon-progo-2011", "kulon-progo-2011-overlay"} <= set(ids)
        superseded = {"permenkes-741-2008", "permenkes-43-2016", "permenkes-4-2019"}
        assert not (superseded | {"indeks-spm-kesehatan"}) & set(ids)

    def test_superseded_end_where_the_successor_starts(self):
        records = {r.id: r for r in spmkit.list_rule_sets()}
        old = records["permenkes-741-2008"]
        assert (old.in_force_until, old.declared_until) == (dt.date(2015, 12, 31), None)
        assert old.superseded_by == ("permenkes-43-2016",)
        assert old.validity() == "2008-07-29 .. 2015-12-31 (superseded by permenkes-43-2016)"
        assert records["permenkes-4-2019"].in_force_until == dt.date(2023, 12, 31)
        assert records["siak-renstra-2012-2016"].validity() == "2012-01-01 .. 2016-12-31"
        assert records["permenkes-741-2008"].in_force_on(dt.date(2015, 12, 31))
        assert not records["permenkes-741-2008"].in_force_on(dt.date(2016, 1, 1))

    def test_filters(self):
        health = {r.id for r in spmkit.list_rule_sets(on=2025, sector="kesehatan")}
        assert "spm-air-minum-pupr-29-2018" not in health
        assert "permenkes-6-2024" in health
        works = {r.id for r in spmkit.list_rule_sets(sector="pekerjaan_umum")}
        assert works == {r.id for r in spmkit.list_rule_sets(sector="pekerjaan-umum")}
        assert "spm-air-minum-pupr-29-2018" in works
        provinces = spmkit.list_rule_sets(level="provinsi")
        assert "spm-sosial-provinsi-permensos-9-2018" in {r.id for r in provinces}
        assert {r.level for r in provinces} == {"provinsi"}
        regencies = spmkit.list_rule_sets(level="kabupaten/kota")
        assert len(provinces) + len(regencies) == len(spmkit.list_rule_sets())
        with pytest.raises(spmkit.UsageError, match="level must be one of"):
            spmkit.list_rule_sets(level="desa")
        siak = {r.id for r in spmkit.list_rule_sets("Kab. Siak", on=2013, sector="kesehatan")}
        assert "siak-renstra-2012-2016" in siak
        assert "kulon-progo-2011" not in siak

    def test_history_text_ends_with_its_notes_once(self):
        text = str(spmkit.evaluate_history("Kab. Bantul", _rows(range(2020, 2023))))
        assert text.splitlines()[-1] == (
            "note (2020-2022): Kabupaten Bantul (3402) has no rule set of its own in force "
            "then that spmkit knows: this is the national rule set permenkes-4-2019"
        )

    def test_kulon_progo_overdue_from_2016_with_its_note(self):
        h = spmkit.evaluate_history("Kulonprogo", _rows(range(2015, 2018)))
        progress = [r.progress.value for r in h.series("I.1", "permenkes-741-2008")]
        assert progress == ["behind", "overdue", "overdue"]
        for row in h:
            assert row.rule_set_id == "kulon-progo-2011"
            assert "no revoking instrument was found" in row.notes[-1]
            assert "No instrument revoking this Perbup was found" in row.notes[-1]

    def test_command_line_list_on_2025(self, capsys):
        assert main(["list", "--on", "2025", "--sector", "kesehatan"]) == 0
        out = capsys.readouterr().out
        assert "permenkes-6-2024" in out
        assert "permenkes-4-2019 " not in out
        assert "verified" in out
        assert "Peraturan Bupati Nomor 15 Tahun 2011" in out
        assert main(["list", "--level", "provinsi", "--sector", "sosial"]) == 0
        assert "spm-sosial-provinsi-permensos-9-2018" in capsys.readouterr().out

    def test_installed_rule_set_with_tests_file_is_not_a_warning(self, tmp_path, monkeypatch):
        source = Path(spmkit.__file__).resolve().parents[2] / "rules" / "kulon-progo-2011.yaml"
        text = source.read_text().replace("id: kulon-progo-2011\n", "id: kulon-progo-copy\n")
        files = {"kulon-progo-copy.yaml": text, "kulon-progo-copy.tests.yaml": "cases: []\n"}
        with _installed(tmp_path, monkeypatch, files), warnings.catch_warnings():
            warnings.simplefilter("error", spmkit.SpmkitWarning)
            warnings.filterwarnings("ignore", category=spmkit.UnverifiedValuesWarning)
            records = {r.id: r for r in spmkit.list_rule_sets()}
        assert records["kulon-progo-copy"].installed
        assert "kulon-progo-copy.tests" not in records

    def test_province_rule_sets_are_found_by_province(self, tmp_path, monkeypatch):
        text = _head("diy-provinsi").replace(
            "{level: kabupaten, name: Kabupaten Bantul}",
            "{level: provinsi, name: Provinsi Daerah Istimewa Yogyakarta}",
        ) + (
            "  P: {service_type: I, name: p, numerator: a, denominator: b, factor: 100,\n"
            '      target: {op: ">=", value: 100}, deadline: null, source: {ref: r}}\n'
            "in_force: {from: 2020, until: null, source: {ref: Pasal 9}}\n"
        )
        with _installed(tmp_path, monkeypatch, {"diy-provinsi.yaml": text}):
            for name in ("DIY", "Provinsi DI Yogyakarta", 34):
                assert spmkit.rule_set_for(name, 2021, sector=None).id == "diy-provinsi"
                listed = spmkit.list_rule_sets(name)
                assert "diy-provinsi" in {r.id for r in listed}
                assert {r.level for r in listed} == {"provinsi"}
            assert "diy-provinsi" in {r.id for r in spmkit.list_rule_sets(level="provinsi")}
            assert "diy-provinsi" not in {r.id for r in spmkit.list_rule_sets("Kab. Bantul")}
            assert spmkit.rule_set_for("Kab. Bantul", 2021).id == "permenkes-4-2019"


@contextlib.contextmanager
def _installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]):
    """A package installed for the test: rule files registered under spmkit.rule_sets."""
    package = tmp_path / "places_rules_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, text in files.items():
        (package / name).write_text(text)
    info = tmp_path / "places_rules_pkg-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: places-rules-pkg\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[spmkit.rule_sets]\nplaces = places_rules_pkg\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.modules.pop("places_rules_pkg", None)


class TestSuccession:
    """Item 3: pairs through the chain of corresponds_to, every year of a regency."""

    def test_diff_741_to_4_2019_pairs_through_43_2016(self):
        d = spmkit.diff("permenkes-741-2008", "permenkes-4-2019")
        assert d.paired == (("I.1", "1"), ("I.3", "2"), ("I.8", "4"), ("I.11", "5"))
        assert (len(d.added), len(d.removed)) == (8, 18)

    def test_impact_reads_the_renumbered_service(self):
        d = spmkit.diff("permenkes-741-2008", "permenkes-4-2019")
        table = {
            "puskesmas": ["A", "B"],
            "bumil_k4": [960, 900],
            "bumil_standar": [960, 900],
            "sasaran_bumil": [1000, 1000],
        }
        impact = {i.indicator_id: i for i in spmkit.impact(d, table, keys=["puskesmas"])}
        flips = impact["1"].flipped
        assert [(f.from_status, f.to_status, f.regions) for f in flips] == [
            ("met", "not_met", ("A",))
        ]

    def test_kulon_progo_declares_its_correspondences(self):
        kp = spmkit.load_rule_set("kulon-progo-2011")
        declared = {i: dict(ind.corresponds_to) for i, ind in kp.indicators.items()}
        assert declared["I.1"] == {"permenkes-741-2008": "I.1"}
        assert declared["I.16"] == {}
        assert sum(bool(v) for v in declared.values()) == 22

    def test_series_covers_every_year_of_kulon_progo(self):
        h = spmkit.evaluate_history("Kab. Kulon Progo", _rows(range(2009, 2025)))
        series = h.series("I.1", "permenkes-741-2008")
        assert all(r is not None for r in series)
        assert [r.indicator_id for r in series] == ["I.1"] * 16
        assert spmkit.diff("permenkes-741-2008", "kulon-progo-2011").paired == ()

    def test_6_2024_corresponds_to_4_2019(self):
        rs = spmkit.load_rule_set("permenkes-6-2024")
        assert dict(rs.indicators["1"].corresponds_to) == {"permenkes-4-2019": "1"}
        assert dict(rs.indicators["1"].correspondence_sources) == {}
        assert all(
            dict(i.corresponds_to) == {"permenkes-4-2019": iid} for iid, i in rs.indicators.items()
        )

    def test_a_row_without_rules_does_not_fail_the_table(self):
        h = spmkit.evaluate_history("Kab. Kulon Progo", _rows([2005, 2009]))
        first, second = h
        assert (first.status, first.rule_set_id, len(first.report)) == ("no_rule_set", "", 0)
        assert "no rule set applies to 'Kab. Kulon Progo' on 2005-12-31" in first.notes[0]
        assert second.status == "evaluated"
        assert h.series("I.1", "permenkes-741-2008")[0] is None
        assert "2005  no_rule_set: no rule set applies" in str(h)
        assert h.to_dict()["years"][0]["status"] == "no_rule_set"
        with pytest.raises(spmkit.RuleSetNotFoundError):
            spmkit.evaluate_history("Kab. Kulon Progo", _rows([2005]))


def _head(rule_set_id: str) -> str:
    """The top of a small test rule set: inputs a, b, c (persons), service type I."""
    people = ", ".join(f"{n}: {{label: {n}, unit: person}}" for n in "abc")
    return (
        f"spmkit: 1\nid: {rule_set_id}\ntitle: T\nlanguage: en\n"
        "jurisdiction: {level: kabupaten, name: Kabupaten Bantul}\n"
        'legal_basis: {instrument: Perbup, number: "1", year: 2012}\n'
        f"inputs: {{{people}}}\nservice_types: {{I: {{name: s}}}}\nindicators:\n"
    )


LE_RULE = (
    _head("test-le")
    + """\
  AKI:
    service_type: I
    name: low is good
    numerator: a
    denominator: b
    factor: 100000
    target: {op: "<=", value: 200}
    deadline: null
    source: {ref: row 1, verification: primary}
"""
)

QUARTERS = {
    1: ["Q1", "q1", "TW1", "tw 1", "TW I", "tw-i", "triwulan 1", "Triwulan I", "kuartal 1"],
    2: ["Q2", "TW2", "TW II", "triwulan 2", "TRIWULAN II", "Tw.2"],
    3: ["Q3", "TW3", "TW III", "triwulan 3"],
    4: ["Q4", "TW4", "TW IV", "triwulan 4", "Triwulan IV"],
}
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]  # fmt: skip


class TestPeriods:
    """Item 4: periods and years as offices write them."""

    @pytest.mark.slow
    @settings(max_examples=examples(300), deadline=None)
    @given(data=st.data())
    def test_spellings_of_quarters_months_and_semesters(self, data):
        kind = data.draw(st.sampled_from(["quarter", "month", "semester"]))
        if kind == "quarter":
            n = data.draw(st.integers(1, 4))
            text, share, label = data.draw(st.sampled_from(QUARTERS[n])), Fraction(n, 4), f"Q{n}"
        elif kind == "month":
            n = data.draw(st.integers(1, 12))
            text = data.draw(
                st.sampled_from([MONTHS[n - 1], MONTHS[n - 1][:3], str(n), f"bulan {n}"])
            )
            share, label = Fraction(n, 12), f"month {n}"
        else:
            n = data.draw(st.integers(1, 2))
            text = data.draw(
                st.sampled_from([f"S{n}", f"semester {n}", f"Semester {'I' * n}", f"sem. {n}"])
            )
            share, label = Fraction(n, 2), f"S{n}"
        cased = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in text)
        padded = (
            data.draw(st.sampled_from(["", " "])) + cased + data.draw(st.sampled_from(["", " "]))
        )
        phased = spmkit.loads_rule_set(LE_RULE.replace('"<="', '">="'))
        r = spmkit.evaluate(phased, {"a": 1, "b": 1000}, year=2020, period=padded)["AKI"]
        assert r.milestone == 200 * share
        assert f"milestone 2020 {label} " in r.explanation

    @pytest.mark.parametrize("bad", ["TW5", "TW 0", "S3", "13", "IV", "triwulan", "Q", "June"])
    def test_not_a_period(self, bad):
        rs = spmkit.loads_rule_set(LE_RULE)
        with pytest.raises(spmkit.UsageError, match="period must be a quarter"):
            spmkit.evaluate(rs, {"a": 1, "b": 2}, year=2020, period=bad)

    def test_numpy_and_pandas_years(self):
        pd = pytest.importorskip("pandas")
        rs = spmkit.loads_rule_set(LE_RULE)
        for year in (np.int64(2020), np.int32(2020), pd.Series([2020]).iloc[0]):
            assert spmkit.evaluate(rs, {"a": 1, "b": 1000}, year=year)["AKI"].milestone == 200
            assert spmkit.rule_set_for("Kab. Bantul", year).id == "permenkes-4-2019"
            assert "permenkes-4-2019" in {r.id for r in spmkit.list_rule_sets(on=year)}
        batch = spmkit.evaluate_batch(rs, {"a": [1], "b": [1000]}, year=np.int64(2020))
        assert list(batch["AKI"].milestone) == [200.0]
        with pytest.raises(spmkit.UsageError, match="year must be a year"):
            spmkit.evaluate(rs, {"a": 1, "b": 2}, year=np.bool_(1))

    def test_explanation_states_the_rule_applied(self):
        rs = spmkit.loads_rule_set(LE_RULE)
        r = spmkit.evaluate(rs, {"a": 1, "b": 1000}, year=2020, period="TW II")["AKI"]
        assert r.milestone == 200
        assert (
            "milestone 2020 Q2 (no pro rata for '<=': the whole milestone applies in every "
            "period) <= 200 per 100,000, final target <= 200 per 100,000: met" in r.explanation
        )
        assert "pro rata 6/12" not in r.explanation
        ge = spmkit.loads_rule_set(LE_RULE.replace('"<="', '">="'))
        r = spmkit.evaluate(ge, {"a": 1, "b": 1000}, year=2020, period="TW II")["AKI"]
        assert "(pro rata 6/12 of 200" in r.explanation

    def test_command_line_period(self, tmp_path, capsys):
        data = tmp_path / "k4.csv"
        data.write_text("wilayah,bumil_standar,sasaran_bumil\nA,520,1000\nB,480,1000\n")
        argv = ["evaluate", "permenkes-4-2019", str(data), "--year", "2020", "--lang", "en"]
        assert main([*argv, "--period", "TW II", "--format", "csv"]) == 1
        lines = capsys.readouterr().out.splitlines()
        # 6/12 of 100 %: judged against 50
        assert any(line.startswith("2,A,,1,met,true,52.0,52.00,>=,50,") for line in lines)
        assert any(line.startswith("3,B,,1,not_met,false,48.0,48.00,>=,50,") for line in lines)
        assert main([*argv[:3], "--period", "Q2"]) == 2
        assert "--period Q2 needs --year" in capsys.readouterr().err


INDEX_RULE = (
    _head("test-index")
    + """\
  A: {service_type: I, name: a, numerator: a + b, denominator: b + c, factor: 100,
      target: {op: ">=", value: 100}, deadline: null, source: {ref: row 1, verification: primary}}
  B: {service_type: I, name: b, numerator: a, denominator: c, factor: 100,
      target: {op: ">=", value: 100}, deadline: null, source: {ref: row 2, verification: primary}}
  X:
    service_type: I
    name: index
    index:
      weights: {A: 0.8, B: 0.2}
      source: {ref: "weights table", verification: secondary, quote: "80 % and 20 %"}
    bands:
      - {label: Tuntas, at_least: 100, source: {ref: "band table", verification: unverified}}
      - {label: Belum tuntas}
    target: {op: ">=", value: 100}
    deadline: null
    source: {ref: row 3, verification: primary}
"""
)


class TestIndexDetails:
    """Item 6: weights refused at load, their provenance, formulas with parentheses."""

    @pytest.mark.parametrize("weight", ["-0.2", "0"])
    def test_bad_weight_is_located(self, weight):
        text = INDEX_RULE.replace("{A: 0.8, B: 0.2}", f"{{A: 1.2, B: {weight}}}")
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.loads_rule_set(text, file="idx.yaml")
        lines = spmkit.format_errors(caught.value)
        assert any(
            line.startswith("idx.yaml:18: $.indicators.X.index.weights.B: weight of 'B' must be")
            for line in lines
        ), lines
        assert not any("Neg" in line for line in lines)

    def test_bad_weight_on_the_command_line(self, tmp_path, capsys):
        path = tmp_path / "idx.yaml"
        path.write_text(INDEX_RULE.replace("{A: 0.8, B: 0.2}", "{A: 1.2, B: -0.2}"))
        assert main(["check", str(path)]) == 2
        assert f"{path}:18:" in capsys.readouterr().out

    def test_weights_and_bands_have_provenance(self):
        rs = spmkit.loads_rule_set(INDEX_RULE)
        values = {(v.indicator_id, v.field): v for v in rs.provenance()}
        assert values["X", "weights"].value == "A: 0.8, B: 0.2"
        assert values["X", "weights"].source.quote == "80 % and 20 %"
        assert values["X", "band Tuntas"].value == ">= 100"
        assert values["X", "band Tuntas"].verification.value == "unverified"
        assert values["X", "band Belum tuntas"].source.ref == "row 3"  # the target's source
        counts = rs.verification_counts()
        assert (counts[spmkit.Verification.PRIMARY], counts[spmkit.Verification.SECONDARY]) == (
            10,
            1,
        )
        assert counts[spmkit.Verification.UNVERIFIED] == 1
        dumped = spmkit.loads_rule_set(spmkit.dump_rule_set(rs))
        assert dumped.indicators["X"].index == rs.indicators["X"].index

    def test_formulas_have_their_parentheses(self):
        rs = spmkit.loads_rule_set(INDEX_RULE)
        assert rs.indicators["A"].describe("formula") == "(a + b) / (b + c) x 100"
        assert rs.indicators["B"].describe("formula") == "a / c x 100"
        other = spmkit.loads_rule_set(INDEX_RULE.replace("numerator: a + b", "numerator: a"))
        d = spmkit.diff(other, rs)
        assert "formula: a / (b + c) x 100 -> (a + b) / (b + c) x 100" in str(d)
        text = textwrap.dedent(str(spmkit.evaluate(rs, {"a": 1, "b": 1, "c": 2})["A"].explanation))
        assert text.startswith("A: (a + b) / (b + c) x 100")


DM_EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dm-prevalensi-aceh-timur-2023.yaml"
PEUNARON = {  # Puskesmas Peunaron DM table 2023 (both sexes): served, population >= 15
    "desa": ["Arul Pinang", "Peunaron Baru", "Peunaron Lama", "Bukit Tiga", "Sri Mulya"],
    "dm_standar": [10, 8, 10, 7, 5],
    "penduduk_15_plus": [2848, 1827, 711, 775, 304],
}


class TestNationalFixes:
    """Item 5: the national sets' smaller untruths, fixed."""

    @pytest.mark.parametrize(
        ("rule_set_id", "name"),
        [
            ("permenkes-741-2008", "ibu_komplikasi"),
            ("permenkes-741-2008", "neonatus_komplikasi"),
            ("permenkes-741-2008", "ibu_nifas"),
            ("permenkes-741-2008", "balita_total"),
            ("permenkes-4-2019", "terduga_tb"),
            ("permenkes-4-2019", "bbl_total"),
            ("permenkes-6-2024", "terduga_tb"),
        ],
    )
    def test_estimated_denominators_are_amounts(self, rule_set_id, name):
        assert spmkit.load_rule_set(rule_set_id).inputs[name].kind.value == "amount"

    def test_twenty_percent_of_pregnant_women_is_accepted(self):
        rs = spmkit.load_rule_set("permenkes-741-2008")
        data = {"ibu_komplikasi_ditangani": 900, "ibu_komplikasi": Fraction("941.1")}
        assert (
            spmkit.evaluate(rs, data)["I.2"].exact_value == Fraction(900) / Fraction("941.1") * 100
        )

    @pytest.mark.parametrize(
        ("iid", "quote"),
        [
            ("I.3", "90% untuk persalinan ditolong oleh tenaga kesehatan"),
            ("I.4", "90% untuk pelayanan ibu nifas"),
            ("I.13.c", "Target SPM penemuan kasus baru TB BTA (+) adalah 100%"),
        ],
    )
    def test_three_raised_levels_with_their_quotes(self, iid, quote):
        source = spmkit.load_rule_set("permenkes-741-2008").indicators[iid].source_of("target")
        assert source.verification.value == "secondary"
        assert quote in source.quote
        assert "contradiction kept as found" in source.note

    def test_4_2019_levels_follow_the_documented_rule(self):
        rs = spmkit.load_rule_set("permenkes-4-2019")
        assert rs.indicators["1"].source_of("formula").verification.value == "unverified"
        for iid in ("9", "10"):
            target = rs.indicators[iid].source_of("target")
            assert target.verification.value == "unverified"
            assert "an inference from the standard's form" in target.note
        assert any("Permenkes 21/2021" in note for note in rs.notes)

    def test_k6_note_names_permenkes_21_2021(self):
        notes = spmkit.load_rule_set("permenkes-6-2024").notes
        k6 = next(note for note in notes if note.startswith("K6 predates 6/2024"))
        assert "Permenkes 21/2021" in k6
        assert "secondary" in k6
        assert "Minister of Health Regulation Number 21 of 2021" in k6

    def test_dm_prevalence_total_is_the_published_one(self):
        rs = spmkit.load_rule_set(DM_EXAMPLE)
        assert rs.inputs["dm_prevalensi"].aggregate == "same"
        counts = {k: v for k, v in PEUNARON.items() if k != "desa"}
        villages = {**counts, "dm_prevalensi": [Fraction("1.60")] * 5}
        total = spmkit.aggregate(rs, villages, by=[])
        assert total["dm_prevalensi"].tolist() == [Fraction(8, 5)]
        result = spmkit.evaluate_batch(rs, total)["9"]
        assert round(float(result.value[0]), 1) == 38.7  # JUMLAH: "38.7" as printed
        villages["dm_prevalensi"][0] = Fraction("1.70")
        with pytest.raises(spmkit.DataInvalid, match="cannot be aggregated") as caught:
            spmkit.aggregate(rs, villages, by=[])
        assert [e.input_name for e in caught.value.exceptions] == ["dm_prevalensi"]

    def test_dm_totals_row_agrees(self, tmp_path, capsys):
        rows = zip(*PEUNARON.values(), strict=True)
        lines = [f"{d},{s},1.60,{p}" for d, s, p in rows]
        data = tmp_path / "dm.csv"
        data.write_text(
            "desa,dm_standar,dm_prevalensi,penduduk_15_plus\n"
            + "\n".join(lines)
            + "\nJUMLAH,40,1.60,6465\n"
        )
        main(["evaluate", str(DM_EXAMPLE), str(data), "--lang", "en"])
        out = capsys.readouterr().out
        assert "totals row JUMLAH (row 7) agrees with the sum of the 5 rows above" in out
