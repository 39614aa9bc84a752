"""Two SPM health indices, one at a time (issue 25, item 5, last bullet).

``indeks-spm-kesehatan`` (over Permenkes 4/2019) and ``indeks-spm-kesehatan-6-2024`` (over
Permenkes 6/2024): the same weights and bands over each standard's services, with in-force
periods that do not overlap, paired indicator by indicator.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from spmkit.cli import main

OLD, NEW = "indeks-spm-kesehatan", "indeks-spm-kesehatan-6-2024"
ROOT = Path(__file__).resolve().parents[1]
DAY = dt.timedelta(days=1)
REGENCY = "Kab. Bantul"  # a regency without its own rule set: the national ones apply


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        yield


def quiet(rule_set_id: str) -> spmkit.RuleSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        return spmkit.load_rule_set(rule_set_id)


@functools.cache
def is_index(rule_set_id: str) -> bool:
    """Whether a rule set carries an index per service (IP.1)."""
    return "IP.1" in quiet(rule_set_id).indicators


def health_indices(on: dt.date | int) -> list[str]:
    """The national kabupaten/kota health indices in force that day."""
    return [
        r.id
        for r in spmkit.list_rule_sets(on=on, sector="kesehatan", level="kabupaten/kota")
        if r.national and is_index(r.id)
    ]


def boundaries() -> list[dt.date]:
    """Every first and last day of a health index, as the catalogue decides them."""
    records = {r.id: r for r in spmkit.list_rule_sets()}
    days = set()
    for rule_set_id in (OLD, NEW):
        record = records[rule_set_id]
        days.update(d for d in (record.in_force_from, record.in_force_until) if d is not None)
    return sorted(days)


class TestPeriods:
    def test_the_periods_as_the_catalogue_decides_them(self):
        records = {r.id: r for r in spmkit.list_rule_sets()}
        old, new = records[OLD], records[NEW]
        assert (old.in_force_from, old.in_force_until) == (
            dt.date(2021, 1, 1),
            dt.date(2023, 12, 31),
        )
        assert (old.declared_until, old.superseded_by) == (None, (NEW,))
        assert old.validity() == f"2021-01-01 .. 2023-12-31 (superseded by {NEW})"
        assert (new.in_force_from, new.in_force_until, new.supersedes) == (
            dt.date(2024, 1, 1),
            None,
            (OLD,),
        )
        assert boundaries() == [dt.date(2021, 1, 1), dt.date(2023, 12, 31), dt.date(2024, 1, 1)]

    @pytest.mark.parametrize(
        "edge", [dt.date(2021, 1, 1), dt.date(2023, 12, 31), dt.date(2024, 1, 1)]
    )
    def test_one_index_the_day_before_at_and_after_every_boundary(self, edge):
        for day in (edge - DAY, edge, edge + DAY):
            found = health_indices(day)
            expected = [] if day < dt.date(2021, 1, 1) else [OLD if day.year < 2024 else NEW]
            assert found == expected, day

    def test_the_boundaries_are_the_ones_tested(self):
        # The parametrised days above are every boundary the catalogue has.
        assert set(boundaries()) == {
            dt.date(2021, 1, 1),
            dt.date(2023, 12, 31),
            dt.date(2024, 1, 1),
        }

    @pytest.mark.parametrize("edge", [dt.date(2021, 1, 1), dt.date(2024, 1, 1)])
    def test_the_index_in_force_is_over_the_standard_rule_set_for_gives(self, edge):
        for day in (edge - DAY, edge, edge + DAY):
            standard = spmkit.rule_set_for(REGENCY, day)
            assert standard.id == ("permenkes-6-2024" if day.year >= 2024 else "permenkes-4-2019")
            for index_id in health_indices(day):
                assert quiet(index_id).extends[0] == standard.id

    @pytest.mark.slow
    @settings(max_examples=40, deadline=None)
    @given(st.dates(min_value=dt.date(2008, 1, 1), max_value=dt.date(2045, 12, 31)))
    def test_never_two_indices_on_one_day(self, day):
        found = health_indices(day)
        assert len(found) == (1 if day >= dt.date(2021, 1, 1) else 0)
        if found:
            assert quiet(found[0]).extends[0] == spmkit.rule_set_for(REGENCY, day).id

    def test_no_successor_overlaps_what_it_supersedes(self):
        # The whole catalogue: a superseded set ends before each of its successors starts.
        records = {r.id: r for r in spmkit.list_rule_sets()}
        pairs = [(old, new) for new in records.values() for old in new.supersedes]
        assert (OLD, records[NEW]) in pairs
        for old_id, new in pairs:
            old = records[old_id]
            assert old.in_force_until is not None, old_id
            assert new.in_force_from is not None
            assert old.in_force_until < new.in_force_from, (old_id, new.id)

    def test_years_as_31_december(self):
        assert health_indices(2020) == []
        assert health_indices(2023) == [OLD]
        assert health_indices(2024) == [NEW]
        assert health_indices(2030) == [NEW]


class TestSameStructure:
    """The index over 6/2024 is the index over 4/2019 applied to 6/2024's services."""

    def test_mutu_and_index_indicators_are_the_same_formulas_weights_and_bands(self):
        old, new = quiet(OLD), quiet(NEW)
        assert list(new.indicators) == list(old.indicators)
        for iid, before in old.indicators.items():
            after = new.indicators[iid]
            if iid[0] not in "MI":
                continue
            assert (after.numerator, after.denominator, after.factor) == (
                before.numerator,
                before.denominator,
                before.factor,
            ), iid
            assert (after.target, after.deadline, after.index) == (
                before.target,
                before.deadline,
                before.index,
            ), iid
            assert after.bands == before.bands, iid
            assert after.source.verification == before.source.verification, iid

    def test_services_are_permenkes_6_2024s(self):
        new, standard = quiet(NEW), quiet("permenkes-6-2024")
        for iid, service in standard.indicators.items():
            mine = new.indicators[iid]
            assert (mine.numerator, mine.denominator, mine.target) == (
                service.numerator,
                service.denominator,
                service.target,
            )
            assert mine.sources == service.sources
        assert str(new.indicators["1"].numerator) == "bumil_k6"
        assert str(quiet(OLD).indicators["1"].numerator) == "bumil_standar"

    def test_mutu_inputs_are_the_same_counts(self):
        old, new = quiet(OLD), quiet(NEW)
        mutu = [name for name in old.inputs if name.startswith("mutu_")]
        assert len(mutu) == 48
        for name in mutu:
            assert (new.inputs[name].unit, new.inputs[name].aggregate) == (
                old.inputs[name].unit,
                old.inputs[name].aggregate,
            )

    def test_every_value_cited_and_none_better_than_its_source(self):
        new = quiet(NEW)
        counts = new.verification_counts()
        assert sum(counts.values()) == 192
        assert counts[spmkit.Verification.UNVERIFIED] == 192
        assert new.legal_basis.cite() == quiet(OLD).legal_basis.cite()

    def test_every_mutu_and_index_corresponds_to_the_old_one(self):
        new = quiet(NEW)
        for iid, indicator in new.indicators.items():
            if iid[0] in "MI":
                assert dict(indicator.corresponds_to) == {OLD: iid}
                source = indicator.correspondence_sources[OLD]
                assert source.verification == spmkit.Verification.PRIMARY
            else:
                assert dict(indicator.corresponds_to) == {"permenkes-4-2019": iid}


class TestSameCountsBothIndices:
    """The same counts under both indices: what each regulation's services imply."""

    COUNTS = {  # noqa: RUF012 - read only
        "sasaran_bumil": 1000,
        "bumil_standar": 950,  # K4: four antenatal visits (4/2019)
        "bumil_k6": 700,  # K6: six, two with a doctor (6/2024)
        "mutu_1_barang_dibutuhkan": 5,
        "mutu_1_barang_terpenuhi": 4,
        "mutu_1_sdm_dibutuhkan": 3,
        "mutu_1_sdm_terpenuhi": 3,
        "hipertensi_estimasi": 52340,
        "hipertensi_standar": 32200,
        "mutu_8_barang_dibutuhkan": 3,
        "mutu_8_barang_terpenuhi": 3,
        "mutu_8_sdm_dibutuhkan": 7,
        "mutu_8_sdm_terpenuhi": 6,
    }

    def test_service_1_counts_k4_then_k6(self):
        old = spmkit.evaluate(quiet(OLD), self.COUNTS, allow_unknown=True)
        new = spmkit.evaluate(quiet(NEW), self.COUNTS, allow_unknown=True)
        mutu = Fraction(4 + 3, 5 + 3) * 100  # 87.5 in both
        assert old["M.1"].exact_value == new["M.1"].exact_value == mutu
        assert old["1"].exact_value == 95
        assert new["1"].exact_value == 70
        # 0.8 x 95 + 0.2 x 87.5 = 76 + 17.5 = 93.5; 0.8 x 70 + 0.2 x 87.5 = 56 + 17.5 = 73.5
        assert old["IP.1"].exact_value == Fraction(187, 2)
        assert new["IP.1"].exact_value == Fraction(147, 2)
        assert (old["IP.1"].band, new["IP.1"].band) == ("Tuntas Utama", "Tuntas Pratama")

    def test_the_other_services_are_judged_alike(self):
        old = spmkit.evaluate(quiet(OLD), self.COUNTS, allow_unknown=True)
        new = spmkit.evaluate(quiet(NEW), self.COUNTS, allow_unknown=True)
        penerima = Fraction(32200, 52340) * 100
        mutu = Fraction(3 + 6, 3 + 7) * 100
        expected = Fraction(4, 5) * penerima + Fraction(1, 5) * mutu
        for iid in ("8", "M.8", "IP.8"):
            assert old[iid].exact_value == new[iid].exact_value, iid
        assert new["IP.8"].exact_value == expected
        assert new["IP.8"].band == "Tuntas Muda"  # 67.22...
        for iid in quiet(NEW).indicators:
            if iid not in {"1", "IP.1"}:
                assert old[iid].status == new[iid].status, iid

    def test_k4_alone_gives_no_index_under_6_2024(self):
        counts = {k: v for k, v in self.COUNTS.items() if k != "bumil_k6"}
        new = spmkit.evaluate(quiet(NEW), counts)
        assert (new["1"].status.value, new["IP.1"].status.value) == ("no_data", "no_data")


class TestDiffAndCommands:
    def test_diff_pairs_all_36_and_changes_one_formula(self):
        diff = spmkit.diff(OLD, NEW)
        assert (diff.added, diff.removed) == ((), ())
        assert [(c.indicator_id, c.field) for c in diff.changes] == [("1", "formula")]

    def test_history_follows_ip_1_across_the_two(self):
        from spmkit._rulesets.succession import (  # noqa: PLC0415 - the helper under test
            corresponding_indicator,
            linked_rule_sets,
        )

        old, new = quiet(OLD), quiet(NEW)
        known = linked_rule_sets(old, new)
        assert corresponding_indicator("IP.1", new, old, known) == "IP.1"
        assert corresponding_indicator("1", new, quiet("permenkes-4-2019"), known) == "1"

    def test_cli_check_list_and_diff(self, capsys):
        assert main(["check", NEW]) == 0
        assert "indeks-spm-kesehatan-6-2024: ok (36 indicators)" in capsys.readouterr().out
        assert main(["list", "--on", "2025", "--sector", "kesehatan", "--lang", "en"]) == 0
        listed = [
            line.split()[0] for line in capsys.readouterr().out.splitlines() if line[:1] != " "
        ]
        assert NEW in listed
        assert OLD not in listed
        assert main(["list", "--lang", "en"]) == 0
        out = capsys.readouterr().out
        assert f"{OLD} " in out
        assert f"in force 2021-01-01 .. 2023-12-31 (superseded by {NEW})" in out
        assert main(["diff", OLD, NEW, "--lang", "en"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"diff {OLD} -> {NEW}: 0 added, 0 removed, 1 changed (1 formula)")
        assert "bumil_standar / sasaran_bumil x 100 -> bumil_k6 / sasaran_bumil x 100" in out

    def test_show_states_the_end_the_succession_decides(self, capsys, tmp_path):
        assert main(["show", OLD, "--lang", "en"]) == 0
        third = capsys.readouterr().out.splitlines()[2]
        assert third.startswith(f"in force: 2021-01-01 .. 2023-12-31 (superseded by {NEW}) [")
        assert main(["show", NEW, "--lang", "en"]) == 0
        third = capsys.readouterr().out.splitlines()[2]
        assert third.startswith("in force: 2024-01-01 .. open [")
        assert third.endswith(f"; supersedes {OLD}")
        # A file given by path is not the catalogue's entry: its own declaration is shown.
        copy = tmp_path / "mine.yaml"  # extends the shipped id permenkes-4-2019
        copy.write_text((ROOT / "rules" / "national" / f"{OLD}.yaml").read_text(encoding="utf-8"))
        assert main(["show", str(copy), "--lang", "en"]) == 0
        assert capsys.readouterr().out.splitlines()[2].startswith("in force: 2021-01-01 .. open [")

    @pytest.mark.parametrize(("year", "judge"), [(2023, OLD), (2024, NEW)])
    def test_the_spm_report_is_judged_by_the_index_in_force(self, year, judge):
        report = spmkit.report_spm(REGENCY, {"kesehatan": {}}, year=year)
        health = report.urusan[0]
        standard = "permenkes-6-2024" if year >= 2024 else "permenkes-4-2019"
        assert (health.in_force, health.judged_by) == (standard, judge)
        assert not any("differs from" in str(note) for note in health.notes)
