"""Rules in time (issue 12): validity, catalogue, phased targets, periods, succession, history."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit.cli import main

RULE = """\
spmkit: 1
id: test-phased
title: T
language: en
jurisdiction: {level: kabupaten, name: Kabupaten Contoh}
legal_basis: {instrument: Perbup, number: "1", year: 2012}
sector: kesehatan
in_force: {from: 2012-01-01, until: 2015, source: {ref: "Pasal 9", verification: primary}}
inputs:
  a: {label: a, unit: person}
  b: {label: b, unit: person}
service_types:
  I: {name: s}
indicators:
  K4:
    service_type: I
    name: K4
    numerator: a
    denominator: b
    factor: 100
    target: {op: ">=", value: 95, schedule: {2012: 80, 2013: 85, 2014: 90, 2015: 95}}
    deadline: 2015
    source: {ref: row 1, verification: primary}
  B:
    service_type: I
    name: B
    numerator: a
    denominator: b
    factor: 100
    target: {op: ">=", value: 90, baseline: {year: 2010, value: 70}}
    deadline: 2013
    source: {ref: row 2, verification: primary}
"""


@pytest.fixture(scope="module")
def phased() -> spmkit.RuleSet:
    return spmkit.loads_rule_set(RULE)


def _broken(old: str, new: str) -> list[str]:
    with pytest.raises(spmkit.RuleSetInvalid) as caught:
        spmkit.loads_rule_set(RULE.replace(old, new), file="x.yaml")
    return spmkit.format_errors(caught.value)


class TestValidity:
    def test_every_shipped_rule_set_declares_it_with_a_source(self):
        """Item 1: in_force with a cited source in every shipped file; dates are dates."""
        for rule_set_id in spmkit.shipped_rule_sets():
            rs = spmkit.load_rule_set(rule_set_id)
            assert rs.in_force is not None, rule_set_id
            assert isinstance(rs.in_force_from, dt.date)
            assert rs.in_force_until is None or isinstance(rs.in_force_until, dt.date)
            assert rs.in_force.source.ref
            assert rs.sector in {
                "kesehatan",
                "pendidikan",
                "pekerjaan_umum",
                "perumahan_rakyat",
                "trantibumlinmas",
                "sosial",
            }
            if rs.in_force_until is None:
                assert rs.in_force.note, f"{rule_set_id}: an open end needs a note saying why"

    def test_kulon_progo_from_pasal_7(self):
        """Perbup 15/2011: ditetapkan and diundangkan 17 February 2011, in force on promulgation."""
        rs = spmkit.load_rule_set("kulon-progo-2011")
        assert rs.in_force_from == dt.date(2011, 2, 17)
        assert rs.in_force_until is None
        source = rs.in_force.source
        assert source.verification is spmkit.Verification.PRIMARY
        assert source.quote == "Peraturan Bupati ini mulai berlaku pada tanggal diundangkan."
        assert source.ref.startswith("Pasal 7")

    def test_national_succession(self):
        """741/2008 from 29 July 2008 (secondary); 43/2016 and 4/2019 supersede their predecessors."""
        rs741 = spmkit.load_rule_set("permenkes-741-2008")
        assert rs741.in_force_from == dt.date(2008, 7, 29)
        assert rs741.in_force.source.verification is spmkit.Verification.SECONDARY
        assert spmkit.load_rule_set("permenkes-43-2016").supersedes == ("permenkes-741-2008",)
        rs4 = spmkit.load_rule_set("permenkes-4-2019")
        assert rs4.supersedes == ("permenkes-43-2016",)
        assert (rs4.in_force_from, rs4.in_force.precision) == (dt.date(2019, 1, 1), "year")

    def test_a_year_stands_for_its_first_or_last_day(self, phased):
        """'until: 2015' is 31 December 2015, and is written back as a year."""
        assert phased.in_force_until == dt.date(2015, 12, 31)
        assert phased.in_force.end_precision == "year"
        text = spmkit.dump_rule_set(phased)
        assert "until: 2015\n" in text
        assert spmkit.loads_rule_set(text) == phased

    def test_overlay_inherits_no_validity(self, tmp_path):
        """An overlay without in_force has none, even though its base has one."""
        path = tmp_path / "o.yaml"
        path.write_text("spmkit: 1\nid: my-overlay\nextends: kulon-progo-2011\n")
        rs = spmkit.load_rule_set(path)
        assert (rs.in_force, rs.supersedes) == (None, ())
        assert rs.sector == "kesehatan"  # the field of the base is kept: it is not time

    @pytest.mark.parametrize(
        ("old", "new", "expected"),
        [
            (
                "until: 2015",
                "until: 2011",
                "x.yaml:8: $.in_force.until: 'until' 2011-12-31 is before 'from' 2012-01-01",
            ),
            ("until: 2015,", "till: 2015,", "unknown key 'till' in in_force"),
            (
                "from: 2012-01-01",
                "from: soon",
                "$.in_force.from: a date (YYYY-MM-DD) or a year must be a year",
            ),
            ("sector: kesehatan", "sector: Health!", "'sector' must be one of the six SPM urusan"),
        ],
    )
    def test_bad_validity_is_located(self, old, new, expected):
        assert any(expected in line for line in _broken(old, new)), _broken(old, new)


class TestCatalogue:
    def test_records(self):
        """Item 2: one record per rule set with the contract's attributes."""
        records = {r.id: r for r in spmkit.list_rule_sets()}
        assert set(spmkit.shipped_rule_sets()) <= set(records)
        kp = records["kulon-progo-2011"]
        assert (kp.title, kp.jurisdiction, kp.level) == (
            "Standar Pelayanan Minimal Bidang Kesehatan",
            "Kabupaten Kulon Progo",
            "kabupaten",
        )
        assert (kp.in_force_from, kp.in_force_until, kp.supersedes) == (
            dt.date(2011, 2, 17),
            None,
            (),
        )
        rs = spmkit.load_rule_set("kulon-progo-2011")
        counts = rs.verification_counts()
        assert kp.verified_share == counts[spmkit.Verification.PRIMARY] / sum(counts.values())
        assert kp.verified_share == 1.0
        assert records["permenkes-43-2016"].supersedes == ("permenkes-741-2008",)
        assert 0.0 <= records["permenkes-741-2008"].verified_share < 0.2

    def test_filters(self):
        """By jurisdiction (its own plus the national ones) and by day."""
        ids = [r.id for r in spmkit.list_rule_sets("kulon-progo", on=dt.date(2011, 2, 16))]
        assert "kulon-progo-2011" not in ids  # one day before it was promulgated
        assert "permenkes-741-2008" in ids
        assert "siak-renstra-2012-2016" not in ids
        ids = [r.id for r in spmkit.list_rule_sets("Kabupaten Kulon Progo", on=2011)]
        assert {"kulon-progo-2011", "kulon-progo-2011-overlay", "permenkes-741-2008"} <= set(ids)

    @pytest.mark.parametrize(
        ("jurisdiction", "on", "expected"),
        [
            ("Kabupaten Kulon Progo", 2010, "permenkes-741-2008"),
            ("Kabupaten Kulon Progo", 2012, "kulon-progo-2011"),
            ("kulon-progo", dt.date(2011, 2, 17), "kulon-progo-2011"),
            ("kulon-progo", dt.date(2011, 2, 16), "permenkes-741-2008"),
            ("Kabupaten Siak", 2013, "siak-renstra-2012-2016"),
            ("siak", 2011, "permenkes-741-2008"),
            ("Kabupaten Siak", 2017, "permenkes-43-2016"),
            ("Kabupaten Siak", 2020, "permenkes-4-2019"),
            ("Kabupaten Kubu Raya", 2021, "kubu-raya-2021"),
            ("Kabupaten Kubu Raya", 2022, "permenkes-4-2019"),
            ("Kota Bandung", 2016, "permenkes-43-2016"),
        ],
    )
    def test_rule_set_for(self, jurisdiction, on, expected):
        """The regency's own while in force, else the national one that nothing supersedes."""
        assert spmkit.rule_set_for(jurisdiction, on).id == expected

    def test_sector(self):
        """The water SPM is found by its sector; health is the default."""
        assert spmkit.rule_set_for("Kota Bandung", 2020, sector="pekerjaan_umum").id == (
            "spm-air-minum-pupr-29-2018"
        )

    def test_none_applies_names_the_candidates(self):
        """Before 741/2008 nothing applies: the error names what exists, with validity."""
        with pytest.raises(spmkit.RuleSetNotFoundError) as caught:
            spmkit.rule_set_for("Kabupaten Kulon Progo", 2005)
        assert "kulon-progo-2011 (2011-02-17 .. open)" in str(caught.value)
        assert {"kulon-progo-2011", "permenkes-741-2008"} <= set(caught.value.candidates)

    def test_bad_on(self):
        with pytest.raises(spmkit.UsageError, match="'on' must be a date or a year"):
            spmkit.rule_set_for("siak", "2013")  # type: ignore[arg-type]


@pytest.mark.slow
def test_third_party_package_is_found_and_loaded(tmp_path):
    """A package registering under 'spmkit.rule_sets' is listed and loaded by id."""
    source = tmp_path / "src"
    package = source / "contoh_rules"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "kabupaten-contoh-2013.yaml").write_text(
        RULE.replace("id: test-phased", "id: kabupaten-contoh-2013")
    )
    (source / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"
        [project]
        name = "contoh-rules"
        version = "1.0"
        [project.entry-points."spmkit.rule_sets"]
        contoh = "contoh_rules"
        [tool.hatch.build.targets.wheel]
        packages = ["contoh_rules"]
        """)
    )
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
    )
    code = (
        "import sys, json, warnings; sys.path.insert(0, sys.argv[1]); import spmkit\n"
        "warnings.simplefilter('ignore')\n"
        "r = {x.id: x for x in spmkit.list_rule_sets()}['kabupaten-contoh-2013']\n"
        "rs = spmkit.load_rule_set('kabupaten-contoh-2013')\n"
        "print(json.dumps([r.installed, r.jurisdiction, str(r.in_force_from), rs.id,"
        " spmkit.rule_set_for('Kabupaten Contoh', 2013).id]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(target)], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [
        True,
        "Kabupaten Contoh",
        "2012-01-01",
        "kabupaten-contoh-2013",
        "kabupaten-contoh-2013",
    ]


class TestPhasedTargets:
    def test_schedule_values_are_kept(self, phased):
        k4 = phased.indicators["K4"]
        assert dict(k4.target.schedule) == {2012: 80, 2013: 85, 2014: 90, 2015: 95}
        assert [k4.milestone(y) for y in (2011, 2012, 2013, 2015, 2020)] == [80, 80, 85, 95, 95]

    def test_baseline_runs_linearly_and_exactly(self, phased):
        """70 in 2010 to 90 in 2013: 2011 is 76 2/3, 2012 is 83 1/3, exactly."""
        b = phased.indicators["B"]
        assert [b.milestone(y) for y in (2009, 2010, 2011, 2012, 2013)] == [
            70,
            70,
            Fraction(230, 3),
            Fraction(250, 3),
            90,
        ]

    @pytest.mark.parametrize(
        ("year", "a", "b", "status", "progress"),
        [
            (2013, 85, 100, "met", spmkit.Progress.ON_TRACK),  # just at the milestone
            (2013, 8499, 10000, "not_met", spmkit.Progress.BEHIND),  # just below it
            (2013, 95, 100, "met", spmkit.Progress.MET),  # the final target already
            (2016, 94, 100, "not_met", spmkit.Progress.OVERDUE),  # after the deadline
            (2015, 94, 100, "not_met", spmkit.Progress.BEHIND),  # the deadline year itself
        ],
    )
    def test_progress(self, phased, year, a, b, status, progress):
        """Item 3: judged against the year's milestone; progress says where it stands."""
        result = spmkit.evaluate(phased, {"a": a, "b": b}, year=year)["K4"]
        assert (result.status.value, result.progress) == (status, progress)
        assert result.milestone == phased.indicators["K4"].milestone(year)

    def test_same_in_batch(self, phased):
        """The batch gives the same decisions, progress and milestones, row by row."""
        rows = [(2013, 85, 100), (2013, 8499, 10000), (2013, 95, 100), (2016, 94, 100),
                (2012, 250, 300), (2012, 2499999, 3000000)]  # fmt: skip
        data = {"year": [r[0] for r in rows], "a": [r[1] for r in rows], "b": [r[2] for r in rows]}
        batch = spmkit.evaluate_batch(phased, data, year="year")
        for iid in phased.indicators:
            arrays = batch[iid]
            for number, (year, a, b) in enumerate(rows):
                scalar = spmkit.evaluate(phased, {"a": a, "b": b}, year=year)[iid]
                assert arrays.status[number] == scalar.status.value
                assert arrays.progress[number] == scalar.progress
                assert arrays.milestone[number] == float(scalar.milestone)
                assert arrays.gap[number] == float(scalar.exact_gap)
        # exactly at the milestone 83 1/3 (250/300) and a hair below it
        assert list(batch["B"].progress[4:]) == [spmkit.Progress.ON_TRACK, spmkit.Progress.BEHIND]

    def test_exact_value_and_judged_target_per_row(self, phased):
        """Labels rebuild a row's exact value and the milestone it was judged against."""
        data = {"year": [2013, 2013, 2016], "a": [85, 8499, 0], "b": [100, 10000, 0]}
        arrays = spmkit.evaluate_batch(phased, data, year="year")["K4"]
        for row, (year, a, b) in enumerate(zip(*data.values(), strict=True)):
            scalar = spmkit.evaluate(phased, {"a": a, "b": b}, year=year)["K4"]
            assert arrays.exact_value(row) == scalar.exact_value
            assert arrays.judged_target(row).value == scalar.milestone
        assert arrays.exact_value(2) is None  # a zero denominator has no value
        plain = spmkit.evaluate_batch(phased, {"a": [1.0, None], "b": [3, 3]})  # floats
        assert (plain["K4"].exact_value(0), plain["K4"].exact_value(1)) == (Fraction(100, 3), None)
        assert plain["K4"].judged_target(0) == phased.indicators["K4"].target

    def test_batch_frames_carry_progress(self, phased):
        pandas = pytest.importorskip("pandas")
        data = pandas.DataFrame({"tahun": [2013, None], "a": [85, 85], "b": [100, 100]})
        frame = spmkit.evaluate_batch(phased, data, year="tahun").to_pandas()
        k4 = frame[frame.indicator == "K4"]
        assert k4.progress.tolist()[0] == "on_track"
        assert pandas.isna(k4.progress.tolist()[1])
        assert k4.milestone.tolist()[0] == 85.0

    def test_batch_with_one_year(self, phased):
        batch = spmkit.evaluate_batch(phased, {"a": [85, 84], "b": [100, 100]}, year=2013)
        assert list(batch["K4"].progress) == [spmkit.Progress.ON_TRACK, spmkit.Progress.BEHIND]
        assert spmkit.evaluate_batch(phased, {"a": [85], "b": [100]})["K4"].progress is None

    def test_no_year_no_progress(self, phased):
        result = spmkit.evaluate(phased, {"a": 85, "b": 100})["K4"]
        assert (result.progress, result.milestone, result.status.value) == (None, None, "not_met")
        fields = attrs.fields_dict(spmkit.IndicatorResult)
        assert {"progress", "milestone"} <= set(fields)
        assert isinstance(spmkit.Progress.ON_TRACK, str)
        assert {p.value for p in spmkit.Progress} == {"met", "on_track", "behind", "overdue"}

    def test_explanation_names_milestone_and_final_target(self, phased):
        text = spmkit.evaluate(phased, {"a": 8499, "b": 10000}, year=2013)["K4"].explanation
        assert (
            "84.99 %; milestone 2013 >= 85 %, final target >= 95 % by 2015: not met, gap 0.01"
            in text
        )

    def test_missing_data_has_no_progress(self, phased):
        result = spmkit.evaluate(phased, {"b": 100}, year=2013)["K4"]
        assert (result.status.value, result.progress, result.milestone) == ("no_data", None, 85)

    @pytest.mark.parametrize(
        ("old", "new", "expected"),
        [
            ("2015: 95}}", "2015: 95, 2016: 99}}", "'schedule' has years after the deadline 2015"),
            ("2015: 95}}", "2015: 96}}", "'schedule' gives 96 for the deadline 2015"),
            ("deadline: 2013", "deadline: null", "a 'baseline' runs to the final value"),
            ("year: 2010, value: 70", "year: 2014, value: 70", "baseline year 2014 must be before"),
            ("2012: 80,", "2012: lots,", "the value of 2012 must be a number"),
        ],
    )
    def test_bad_phasing_is_located(self, old, new, expected):
        assert any(expected in line for line in _broken(old, new)), _broken(old, new)

    def test_year_is_checked(self, phased):
        with pytest.raises(spmkit.UsageError, match="year must be a year"):
            spmkit.evaluate(phased, {"a": 1, "b": 2}, year=True)  # type: ignore[arg-type]
        with pytest.raises(spmkit.DataInvalid, match="column 'y' must hold years") as caught:
            spmkit.evaluate_batch(phased, {"a": [1], "b": [2], "y": ["later"]}, year="y")
        assert str(caught.value.exceptions[0]) == (
            "input 'y' must be a year such as 2013 (got 'later') (row 0)"
        )


class TestPeriods:
    def test_quarter_is_pro_rata(self, phased):
        """Item 4: Q2 judges cumulative achievement against 6/12 of the year's milestone."""
        r = spmkit.evaluate(phased, {"a": 4250, "b": 10000}, year=2013, period="Q2")["K4"]
        assert (r.milestone, r.progress) == (Fraction(85, 2), spmkit.Progress.ON_TRACK)
        assert "milestone 2013 Q2 (pro rata 6/12 of 85 %) >= 42.5 %" in r.explanation
        r = spmkit.evaluate(phased, {"a": 4249, "b": 10000}, year=2013, period="Q2")["K4"]
        assert r.progress is spmkit.Progress.BEHIND

    def test_month(self, phased):
        r = spmkit.evaluate(phased, {"a": 1, "b": 100}, year=2013, period=5)["K4"]
        assert r.milestone == Fraction(85 * 5, 12)

    def test_batch_period(self, phased):
        batch = spmkit.evaluate_batch(
            phased, {"a": [4250, 4249], "b": [10000] * 2}, year=2013, period="Q2"
        )
        assert list(batch["K4"].progress) == [spmkit.Progress.ON_TRACK, spmkit.Progress.BEHIND]

    @pytest.mark.parametrize("period", ["Q5", 13, 0, "June", True])
    def test_bad_period(self, phased, period):
        with pytest.raises(spmkit.UsageError, match="period must be a quarter"):
            spmkit.evaluate(phased, {"a": 1, "b": 2}, year=2013, period=period)

    def test_period_needs_a_year(self, phased):
        with pytest.raises(spmkit.UsageError, match="needs a year"):
            spmkit.evaluate(phased, {"a": 1, "b": 2}, period="Q1")


class TestSuccession:
    def test_diff_pairs_k4_with_ibu_hamil(self):
        """Item 5: 741 'I.1' K4 is 43/2016 '1' ibu hamil: one change, not a removal and an addition."""
        d = spmkit.diff("permenkes-741-2008", "permenkes-43-2016")
        assert ("I.1", "1") in d.paired
        assert "I.1" not in {i.id for i in d.removed}
        assert "1" not in {i.id for i in d.added}
        assert {c.field for c in d.changes_of("1")} == {
            "service_type",
            "name",
            "formula",
            "target",
            "deadline",
        }
        target = next(c for c in d.changes_of("1") if c.field == "target")
        assert (target.describe(), target.indicator_before) == (">= 95 % -> >= 100 %", "I.1")
        summary = d.summary()
        assert "~ 1 (was I.1)" in summary
        assert (
            "name: 'Cakupan Kunjungan Ibu Hamil K4' -> 'Pelayanan kesehatan ibu hamil'" in summary
        )
        assert summary.splitlines()[0].startswith(
            "diff permenkes-741-2008 -> permenkes-43-2016: 8 added, 18 removed, 4 changed"
        )

    def test_diff_data_says_what_was_paired(self):
        data = spmkit.diff("permenkes-741-2008", "permenkes-43-2016").to_dict()
        assert ["I.1", "1"] in data["paired"]
        one = next(entry for entry in data["changed"] if entry["id"] == "1")
        assert one["was"] == "I.1"

    def test_correspondences_are_cited(self):
        rs = spmkit.load_rule_set("permenkes-43-2016")
        one = rs.indicators["1"]
        assert dict(one.corresponds_to) == {"permenkes-741-2008": "I.1"}
        source = one.correspondence_sources["permenkes-741-2008"]
        assert source.verification is spmkit.Verification.SECONDARY
        assert "pelayanan K4" in source.quote
        rs4 = spmkit.load_rule_set("permenkes-4-2019")
        assert all(
            rs4.indicators[str(n)].corresponds_to == {"permenkes-43-2016": str(n)}
            for n in range(1, 13)
        )

    def test_compare_maps_inputs_by_same_as(self):
        """One K4 count judged under 741/2008 and 43/2016 without an input mapping."""
        c = spmkit.compare(
            ["permenkes-741-2008", "permenkes-43-2016"], {"bumil_k4": 930, "sasaran_bumil": 1000}
        )
        old, new = c.row("I.1")[0], c.row("1")[1]
        assert (old.value, old.status.value, new.value, new.status.value) == (
            93.0,
            "not_met",
            93.0,
            "not_met",
        )


SIAK_TABLE = {
    "year": list(range(2009, 2023)),
    "bumil_k4": [880, 900, 915, 940, 970, 975, 990, 1000, 985, 990, 995, 960, 970, 1000],
    "sasaran_bumil": [1000] * 14,
}


class TestHistory:
    def test_each_year_under_its_rules(self):
        """Item 6: 741 to 2011, Siak's Renstra 2012-2016, 43/2016 for 2017-2018, then 4/2019."""
        history = spmkit.evaluate_history("Kabupaten Siak", SIAK_TABLE)
        assert history.rule_set_by_year() == {
            **dict.fromkeys(range(2009, 2012), "permenkes-741-2008"),
            **dict.fromkeys(range(2012, 2017), "siak-renstra-2012-2016"),
            **dict.fromkeys(range(2017, 2019), "permenkes-43-2016"),
            **dict.fromkeys(range(2019, 2023), "permenkes-4-2019"),
        }
        k4 = history.series("I.1", "permenkes-741-2008")
        assert [r.indicator_id for r in k4] == ["I.1"] * 8 + ["1"] * 6
        assert [r.milestone for r in k4] == [95, 95, 95, 95, 97, 98, 100, 100] + [100] * 6
        assert [r.progress.value for r in k4][3:8] == [
            "behind",
            "on_track",
            "behind",
            "behind",
            "met",
        ]
        assert history[4].inputs == {"bumil_k4": "bumil_k4", "sasaran_bumil": "sasaran_bumil"}
        assert history[10].inputs["bumil_standar"] == "bumil_k4"  # routed by same_as

    def test_unknown_columns_are_refused(self):
        with pytest.raises(spmkit.DataInvalid) as caught:
            spmkit.evaluate_history("siak", {"year": [2013], "bumil_k5": [1], "sasaran_bumil": [2]})
        (problem,) = caught.value.exceptions
        assert str(problem) == (
            "input 'bumil_k5' must be an input of a rule set in force in some year of the table "
            "(got None) (did you mean 'bumil_k4'?; pass keys=['bumil_k5'] to ignore it)"
        )

    def test_bad_years_are_refused(self):
        with pytest.raises(spmkit.DataInvalid, match="column 'year' must hold a year") as caught:
            spmkit.evaluate_history("siak", [{"year": "dua ribu", "bumil_k4": 1}])
        assert "a year such as 2013 (got 'dua ribu') (row 0)" in str(caught.value.exceptions[0])

    def test_command_line(self, tmp_path, capsys):
        """spmkit evaluate --jurisdiction NAME data.csv: the rule set of each year is named."""
        path = tmp_path / "siak.csv"
        lines = ["year,bumil_k4,sasaran_bumil"] + [
            f"{y},{k},{s}" for y, k, s in zip(*SIAK_TABLE.values(), strict=True)
        ]
        path.write_text("\n".join(lines) + "\n")
        status = main(["evaluate", "--jurisdiction", "Kabupaten Siak", str(path)])
        out = capsys.readouterr().out
        assert status == 1  # not every year met its milestone
        assert "2013  siak-renstra-2012-2016   I.1    97.00 % vs milestone >= 97 %" in out
        assert "2017  permenkes-43-2016        1      98.50 % vs milestone >= 100 %" in out


class TestSiak:
    def test_renstra_table_5_1(self):
        """Item 7: the five SPM rows of Tabel 5.1, 2012-2016, each cited (primary)."""
        rs = spmkit.load_rule_set("siak-renstra-2012-2016")
        expected = {
            "I.1": (Fraction("93.00"), [95, 97, 98, 100, 100]),
            "I.2": (Fraction("34.93"), [50, 55, 60, 65, 70]),
            "I.3": (Fraction("90.90"), [92, 94, 96, 98, 99]),
            "I.4": (Fraction("78.14"), [80, 85, 90, 95, 100]),
            "I.12": (Fraction("49.56"), [50, 55, 60, 65, 65]),
        }
        for iid, (baseline, values) in expected.items():
            indicator = rs.indicators[iid]
            assert dict(indicator.target.schedule) == dict(
                zip(range(2012, 2017), values, strict=True)
            )
            assert indicator.target.baseline == spmkit.Baseline(year=2011, value=baseline)
            assert (indicator.target.value, indicator.deadline) == (values[-1], 2016)
            for field in ("target", "deadline"):
                source = indicator.source_of(field)
                assert source.verification is spmkit.Verification.PRIMARY
                assert source.rule_set == "siak-renstra-2012-2016"
        assert (rs.in_force_from, rs.in_force_until) == (dt.date(2012, 1, 1), dt.date(2016, 12, 31))
        assert rs.extends == ("permenkes-741-2008",)

    def test_command_line_shows_validity(self, capsys):
        assert main(["show", "siak-renstra-2012-2016", "--lang", "en"]) == 0
        out = capsys.readouterr().out
        assert "in force: 2012-01-01 .. 2016-12-31 [Tabel 5.1, column headers" in out
        assert main(["show", "siak-renstra-2012-2016"]) == 0  # the rule set's language
        out = capsys.readouterr().out
        assert "berlaku: 2012-01-01 .. 2016-12-31 [Tabel 5.1, column headers" in out
        assert main(["list", "--jurisdiction", "siak", "--on", "2013"]) == 0
        out = capsys.readouterr().out
        assert "siak-renstra-2012-2016" in out
        assert "kulon-progo-2011" not in out


def test_docs_page_is_in_the_nav():
    nav = Path(__file__).resolve().parents[1].joinpath("mkdocs.yml").read_text()
    assert "time.md" in nav


class TestProperties:
    @given(
        rows=st.lists(
            st.tuples(st.integers(2008, 2018), st.integers(0, 10**6), st.integers(1, 10**6)),
            min_size=1,
            max_size=12,
        )
    )
    @settings(max_examples=examples(40), deadline=None)
    def test_batch_in_time_equals_scalar(self, rows):
        """With year=, every row of the batch is the scalar evaluation in that row's year."""
        phased = spmkit.loads_rule_set(RULE)
        data = {"y": [r[0] for r in rows], "a": [r[1] for r in rows], "b": [r[2] for r in rows]}
        batch = spmkit.evaluate_batch(phased, data, year="y")
        for number, (year, a, b) in enumerate(rows):
            report = spmkit.evaluate(phased, {"a": a, "b": b}, year=year)
            for iid, result in report.items():
                arrays = batch[iid]
                assert arrays.status[number] == result.status.value
                assert arrays.progress[number] == result.progress
                assert arrays.milestone[number] == float(result.milestone)

    @given(
        base=st.integers(0, 100),
        final=st.integers(0, 100),
        base_year=st.integers(2000, 2020),
        span=st.integers(1, 15),
        year=st.integers(1990, 2040),
    )
    def test_baseline_milestone_lies_between_the_ends(self, base, final, base_year, span, year):
        """A baseline milestone never leaves the segment from the baseline to the final value."""
        target = spmkit.Target(
            op=">=", value=final, baseline=spmkit.Baseline(year=base_year, value=base)
        )
        indicator = attrs.evolve(
            spmkit.loads_rule_set(RULE).indicators["K4"], target=target, deadline=base_year + span
        )
        value = indicator.milestone(year)
        assert min(base, final) <= value <= max(base, final)
        if year >= base_year + span:
            assert value == final
        if year <= base_year:
            assert value == base
