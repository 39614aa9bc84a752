"""The national rule sets: shape, provenance, the unverified-value warning, Tanah Bumbu 2017."""

from __future__ import annotations

import warnings
from fractions import Fraction
from typing import ClassVar

import pytest

import spmkit
from spmkit import Status, Verification
from spmkit._rulesets.model import PROVENANCE_FIELDS

NATIONAL = ("permenkes-741-2008", "permenkes-43-2016", "permenkes-4-2019")


def quiet(rule_set_id):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.UnverifiedValuesWarning)
        return spmkit.load_rule_set(rule_set_id)


class TestShape:
    def test_741_has_18_numbered_indicators_in_22_rows(self):
        """741: four service types; indicators 1-18, with 13 split into sub-items a-e."""
        rs = quiet("permenkes-741-2008")
        assert list(rs.service_types) == ["I", "II", "III", "IV"]
        assert len(rs.indicators) == 22
        numbers = {
            i.source.ref.removeprefix("Lampiran, indikator ").split(" ")[0]
            for i in rs.indicators.values()
        }
        assert numbers == {str(n) for n in range(1, 19)}

    def test_741_confirmed_targets(self):
        """K4 (95 %), persalinan and nifas (90 %), TB BTA+ (100 %) and Desa Siaga (80 %)."""
        rs = quiet("permenkes-741-2008")
        confirmed = {
            (iid, ind.target.value, ind.deadline)
            for iid, ind in rs.indicators.items()
            if ind.source_of("target").verification is Verification.SECONDARY
        }
        assert confirmed == {
            ("I.1", 95, 2015),
            ("I.3", 90, 2015),  # shared/regulations.md 10.2 (Manado study)
            ("I.4", 90, 2015),
            ("I.13.c", 100, 2010),  # 10.3 (Tanah Datar study)
            ("IV.1", 80, 2015),
        }
        afp = rs.indicators["I.13.a"]
        assert (afp.factor, afp.target.describe(afp.factor)) == (100_000, ">= 2 per 100,000")

    @pytest.mark.parametrize("rule_set_id", ["permenkes-43-2016", "permenkes-4-2019"])
    def test_twelve_services_at_100_percent(self, rule_set_id):
        """43/2016 and 4/2019: 12 kab/kota services, each judged against >= 100 % every year."""
        rs = quiet(rule_set_id)
        assert list(rs.indicators) == [str(n) for n in range(1, 13)]
        assert {i.target.describe(i.factor) for i in rs.indicators.values()} == {">= 100 %"}
        assert {i.deadline for i in rs.indicators.values()} == {None}

    def test_4_2019_names_are_pp_2_2018_verbatim(self):
        """Service names are PP 2/2018 Pasal 6 ayat (3), primary, huruf a-l."""
        rs = quiet("permenkes-4-2019")
        first, eleventh = rs.indicators["1"], rs.indicators["11"]
        assert first.name == "Pelayanan kesehatan ibu hamil"
        assert eleventh.name == "Pelayanan kesehatan orang terduga tuberkulosis"
        assert eleventh.source.ref == "Pasal 6 ayat (3) huruf k"
        assert {i.source.verification for i in rs.indicators.values()} == {Verification.PRIMARY}

    @pytest.mark.parametrize("rule_set_id", NATIONAL)
    def test_every_unverified_value_says_what_was_found(self, rule_set_id):
        """No value is unverified without a note explaining what was (not) found."""
        rs = quiet(rule_set_id)
        for iid, field in rs.unverified:
            assert rs.indicators[iid].source_of(field).note, (iid, field)

    @pytest.mark.parametrize("rule_set_id", NATIONAL)
    def test_units_are_kulon_progo_units(self, rule_set_id):
        """Inputs use the unit names of the reference rule set."""
        allowed = {
            "person",
            "village",
            "hospital",
            "case",
            "visit",
            "outbreak",
            "couple",
            "household",
        }
        assert {spec.unit for spec in quiet(rule_set_id).inputs.values()} <= allowed


class TestUnverifiedWarning:
    def test_loading_warns_with_the_values(self):
        """Loading 741 warns once, naming how many values are unverified."""
        with pytest.warns(spmkit.UnverifiedValuesWarning) as record:
            rs = spmkit.load_rule_set("permenkes-741-2008")
        (warning,) = [
            w.message for w in record if isinstance(w.message, spmkit.UnverifiedValuesWarning)
        ]
        assert warning.rule_set_id == "permenkes-741-2008"
        assert warning.values == rs.unverified
        assert len(rs.unverified) == 57
        assert str(warning).startswith("rule set 'permenkes-741-2008': 57 of 66 values unverified")
        assert "\n" not in str(warning)
        assert issubclass(spmkit.UnverifiedValuesWarning, spmkit.SpmkitWarning)

    def test_fully_verified_rule_set_does_not_warn(self):
        """Kulon Progo's values are all primary: no warning."""
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            rs = spmkit.load_rule_set("kulon-progo-2011")
        assert rs.unverified == ()
        assert rs.verification_counts()[Verification.PRIMARY] == 3 * 23


class TestTanahBumbu2017:
    """Tanah Bumbu 2017 under Permenkes 43/2016 (seed 000): 72.3 %, 73.8 %, 64.82 % of 100 %."""

    DATA: ClassVar = {
        "bumil_standar": 723,
        "sasaran_bumil": 1000,
        "bulin_standar": 738,
        "sasaran_bulin": 1000,
        "bbl_standar": 6482,
        "bbl_total": 10000,
    }

    def test_achievements_and_gaps(self):
        """The three services are not met, with gaps of exactly 27.7, 26.2 and 35.18 points."""
        report = spmkit.evaluate(quiet("permenkes-43-2016"), self.DATA)
        got = {
            iid: (report[iid].exact_value, report[iid].exact_gap, report[iid].status)
            for iid in ("1", "2", "3")
        }
        assert got == {
            "1": (Fraction("72.3"), Fraction("27.7"), Status.NOT_MET),
            "2": (Fraction("73.8"), Fraction("26.2"), Status.NOT_MET),
            "3": (Fraction("64.82"), Fraction("35.18"), Status.NOT_MET),
        }
        assert report["3"].explanation.startswith(
            "3: bbl_standar / bbl_total x 100 = 6,482 / 10,000 x 100 = 64.82 %; target >= 100 %: "
            "not met, gap 35.18 percentage points."
        )

    def test_target_source_is_the_study(self):
        """The 100 % these three were judged against is cited to the Tanah Bumbu study (secondary)."""
        report = spmkit.evaluate(quiet("permenkes-43-2016"), self.DATA)
        source = report["1"].target_source
        assert source is not None
        assert source.verification is Verification.SECONDARY
        assert "masih di bawah target 100" in (source.quote or "")
        assert report["4"].status is Status.NO_DATA

    def test_one_more_person_per_thousand_moves_the_value_exactly(self):
        """724/1000 is 72.4 % exactly: no float drift in the gap."""
        report = spmkit.evaluate(quiet("permenkes-43-2016"), {**self.DATA, "bumil_standar": 724})
        assert report["1"].exact_gap == Fraction("27.6")


@pytest.mark.parametrize("field", PROVENANCE_FIELDS)
def test_every_shipped_value_has_a_source(field):
    """Every value of every shipped rule set cites a source with a ref."""
    for rule_set_id in spmkit.shipped_rule_sets():
        for indicator in quiet(rule_set_id).indicators.values():
            assert indicator.source_of(field).ref.strip()
