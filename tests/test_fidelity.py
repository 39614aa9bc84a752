"""Fidelity of the national rule sets: estimates as amounts, found quotes, Permenkes 6/2024.

Published figures are recomputed from the counts the documents print, with the
office's rounding (half up, to the decimals they print).
"""

from __future__ import annotations

import functools
import re
import warnings
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples
from spmkit import Status, Verification
from spmkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
DM_EXAMPLE = ROOT / "examples" / "dm-prevalensi-aceh-timur-2023.yaml"

PP2_SERVICES = ("permenkes-43-2016", "permenkes-4-2019", "permenkes-6-2024")
PP2_ESTIMATES = (
    "sasaran_bumil",
    "sasaran_bulin",
    "balita_total",
    "hipertensi_estimasi",
    "dm_estimasi",
    "odgj_berat",
    "hiv_berisiko",
)
ESTIMATE_INPUTS = [
    *((rule_set_id, name) for rule_set_id in PP2_SERVICES for name in PP2_ESTIMATES),
    *(
        (rule_set_id, name)
        for rule_set_id in ("permenkes-741-2008", "kulon-progo-2011", "kulon-progo-2011-overlay")
        for name in (
            "sasaran_bumil",
            "sasaran_bulin",
            "pneumonia_balita_perkiraan",
            "tb_bta_perkiraan",
            "diare_perkiraan",
        )
    ),
]
ESTIMATE_WORDS = re.compile(r"sasaran|estimasi|perkiraan|proyeksi|proksi", re.IGNORECASE)


@functools.cache
def quiet(source: str | Path) -> spmkit.RuleSet:
    """Load a rule set once (rule sets are immutable), without the unverified warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.UnverifiedValuesWarning)
        return spmkit.load_rule_set(source)


def published(value: Fraction, places: int) -> Decimal:
    """Round as a spreadsheet does for print: half up, to ``places`` decimals."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


class TestEstimatesAreAmounts:
    @pytest.mark.parametrize(("rule_set_id", "name"), ESTIMATE_INPUTS)
    def test_estimate_accepts_a_fractional_value(self, rule_set_id, name):
        """302/125 (2.416, a sasaran from prevalence 1.6 % of 151 people) is accepted."""
        rs = quiet(rule_set_id)
        assert rs.inputs[name].kind is spmkit.InputKind.AMOUNT
        assert spmkit.validate_data(rs, {name: Fraction(302, 125)}) == {name: Fraction(302, 125)}

    @pytest.mark.parametrize(("rule_set_id", "name"), ESTIMATE_INPUTS)
    def test_estimate_quotes_its_source(self, rule_set_id, name):
        """Each estimate input says, with a quote, why it is an estimate."""
        description = quiet(rule_set_id).inputs[name].description
        assert description is not None
        assert re.search(r'"[^"]{10,}"', description), description

    @pytest.mark.parametrize("rule_set_id", sorted(spmkit.shipped_rule_sets()))
    def test_every_input_named_an_estimate_is_an_amount(self, rule_set_id):
        """No shipped input labelled sasaran/estimasi/perkiraan/proyeksi is left a count."""
        rs = quiet(rule_set_id)
        for name, spec in rs.inputs.items():
            if ESTIMATE_WORDS.search(spec.label):
                assert spec.kind is spmkit.InputKind.AMOUNT, (rule_set_id, name)

    def test_head_counts_stay_counts(self):
        """Served people are counted: a fraction of a person served is refused."""
        rs = quiet("permenkes-4-2019")
        with pytest.raises(spmkit.DataInvalid):
            spmkit.validate_data(rs, {"dm_standar": Fraction(302, 125)})


class TestPublishedFigures:
    """Figures the health offices published, recomputed under the 4/2019 rule set."""

    @pytest.mark.parametrize(
        ("indicator_id", "data", "places", "printed"),
        [
            # Evaluasi SPM Dinkes Kota Blitar 2020, hlm. 23: "24.632 / 91.980 sebesar 26,78%".
            ("6", {"usia_produktif_skrining": 24632, "usia_produktif": 91980}, 2, "26.78"),
            # Profil Kesehatan Jawa Tengah 2020, hlm. 137: 64.467 of 86.155, "74,8 persen".
            ("10", {"odgj_berat_standar": 64467, "odgj_berat": 86155}, 1, "74.8"),
            # Same profile, hlm. 111: 517.812 of an estimated 654.951, "79,1 persen".
            ("12", {"hiv_berisiko_diperiksa": 517812, "hiv_berisiko": 654951}, 1, "79.1"),
            # Profil Kesehatan Jawa Tengah 2022, hlm. 118 (p. 136 of the flip-book):
            # 5.992.684 of an estimated 8.494.296 "atau 70,55 persen".
            ("8", {"hipertensi_standar": 5992684, "hipertensi_estimasi": 8494296}, 2, "70.55"),
            # Profil Kesehatan Kubu Raya 2021, hlm. 110: 4.950 of 5.297 sasaran, 93,45 %.
            ("9", {"dm_standar": 4950, "dm_estimasi": 5297}, 2, "93.45"),
        ],
    )
    def test_published_percentage(self, indicator_id, data, places, printed):
        """The value rounds to the printed percentage; it is below the 100 % target."""
        result = spmkit.evaluate(quiet("permenkes-4-2019"), data)[indicator_id]
        assert published(result.exact_value, places) == Decimal(printed)
        assert result.status is Status.NOT_MET


ACEH_TIMUR_2023 = [
    # desa, population aged >= 15 (men, women), served to standard (men, women), and the
    # printed capaian (men, women, total), from the Puskesmas Peunaron DM table.
    ("Arul Pinang", (1415, 1433), (4, 6), ("17.7", "26.2", "21.9")),
    ("Peunaron Baru", (908, 919), (3, 5), ("20.6", "34.0", "27.4")),
    ("Peunaron Lama", (353, 358), (4, 6), ("70.8", "104.7", "87.9")),
    ("Bukit Tiga", (267, 508), (3, 4), ("70.2", "49.2", "56.5")),
    ("Sri Mulya", (151, 153), (2, 3), ("82.8", "122.5", "102.8")),
    ("JUMLAH", (3094, 3371), (16, 24), ("32.3", "44.5", "38.7")),
]


@pytest.fixture(scope="module")
def dm_example():
    return quiet(DM_EXAMPLE)


@pytest.fixture(scope="module")
def six_2024():
    return quiet("permenkes-6-2024")


class TestPrevalenceDenominator:
    """examples/dm-prevalensi-aceh-timur-2023.yaml: sasaran = prevalence / 100 x population."""

    @pytest.mark.parametrize(("desa", "population", "served", "printed"), ACEH_TIMUR_2023)
    def test_reproduces_the_published_table(self, dm_example, desa, population, served, printed):
        """Every printed capaian, men, women and total, comes out of the unrounded estimate."""
        groups = (*zip(population, served, strict=True), (sum(population), sum(served)))
        for (people, patients), figure in zip(groups, printed, strict=True):
            data = {"dm_standar": patients, "dm_prevalensi": Fraction("1.60"),
                    "penduduk_15_plus": people}  # fmt: skip
            result = spmkit.evaluate(dm_example, data)["9"]
            by_hand = Fraction(patients) / (Fraction(16, 10) / 100 * people) * 100
            assert result.exact_value == by_hand, desa
            assert published(result.exact_value, 1) == Decimal(figure), desa

    def test_above_100_percent_is_met_and_flagged(self, dm_example):
        """Sri Mulya, women: 3 served of an estimated 2.448 is 122.5 %, met, and flagged."""
        data = {"dm_standar": 3, "dm_prevalensi": Fraction("1.60"), "penduduk_15_plus": 153}
        result = spmkit.evaluate(dm_example, data)["9"]
        assert result.exact_value == Fraction(6250, 51)
        assert result.denominator == Fraction(306, 125)  # 2.448, not rounded
        assert result.status is Status.MET
        assert result.exceeds_denominator

    def test_a_rounded_estimate_would_not_reproduce_the_table(self):
        """Rounding the estimate first (as a count would force) misses the printed figure."""
        result = spmkit.evaluate(quiet("permenkes-4-2019"), {"dm_standar": 3, "dm_estimasi": 2})
        assert published(result["9"].exact_value, 1) != Decimal("122.5")

    def test_the_same_estimate_given_directly_gives_the_same_value(self, dm_example):
        """Passing 2.448 as dm_estimasi to 4/2019 equals computing it from the prevalence."""
        direct = spmkit.evaluate(
            quiet("permenkes-4-2019"), {"dm_standar": 3, "dm_estimasi": Fraction("2.448")}
        )["9"]
        computed = spmkit.evaluate(
            dm_example,
            {"dm_standar": 3, "dm_prevalensi": Fraction("1.6"), "penduduk_15_plus": 153},
        )["9"]
        assert direct.exact_value == computed.exact_value

    def test_prevalence_is_bounded(self, dm_example):
        """A prevalence above 100 is refused as data."""
        with pytest.raises(spmkit.DataInvalid):
            spmkit.validate_data(dm_example, {"dm_prevalensi": 160})

    def test_units_are_checked(self):
        """Multiplying by the prevalence without dividing it back to persons is refused."""
        text = DM_EXAMPLE.read_text(encoding="utf-8").replace(
            "denominator: dm_prevalensi / 100 * penduduk_15_plus",
            "denominator: dm_prevalensi / 100 * penduduk_15_plus / penduduk_15_plus",
        )
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.loads_rule_set(text, file=str(DM_EXAMPLE))
        assert any("the formula gives" in line for line in spmkit.format_errors(caught.value))

    def test_documented(self):
        """docs/rule-sets.md shows the example file as it is."""
        docs = (ROOT / "docs" / "rule-sets.md").read_text(encoding="utf-8")
        assert "examples/dm-prevalensi-aceh-timur-2023.yaml" in docs
        assert "denominator: dm_prevalensi / 100 * penduduk_15_plus" in docs


class TestFoundQuotes:
    def test_43_2016_formulas_1_to_4_are_the_reporting_form(self):
        """43/2016 services 1-4 cite the 'PERMENKES NOMOR 43 TAHUN 2016' reporting form."""
        rs = quiet("permenkes-43-2016")
        for indicator_id in ("1", "2", "3", "4"):
            source = rs.indicators[indicator_id].source_of("formula")
            assert source.verification is Verification.SECONDARY
            assert source.url == "https://id.scribd.com/document/670703177/"
            assert source.quote
        assert "0\u201359 bulan" in rs.indicators["4"].source_of("formula").quote  # en dash

    def test_43_2016_balita_contradiction_is_a_note(self):
        """The 12-59 months recollection is recorded as contradicted, not silently fixed."""
        notes = " ".join(quiet("permenkes-43-2016").indicators["4"].notes)
        assert "0-59 months" in notes
        assert "12-59 months" in notes

    def test_4_2019_tb_is_presumptive_tb_examined(self):
        """4/2019 service 11: 'orang terduga TBC yang dilakukan pemeriksaan penunjang'."""
        rs = quiet("permenkes-4-2019")
        source = rs.indicators["11"].source_of("formula")
        assert source.verification is Verification.SECONDARY
        assert "terduga TBC yang dilakukan pemeriksaan penunjang" in source.quote
        assert any("pemeriksaan penunjang" in note for note in rs.notes)

    @pytest.mark.parametrize(
        ("rule_set_id", "counts"),
        [
            ("permenkes-741-2008", (0, 9, 57)),
            ("permenkes-43-2016", (0, 8, 28)),
            ("permenkes-4-2019", (0, 8, 28)),
            ("permenkes-6-2024", (0, 0, 36)),
        ],
    )
    def test_verification_counts(self, rule_set_id, counts):
        """Primary, secondary and unverified values per national rule set."""
        tally = quiet(rule_set_id).verification_counts()
        assert (
            tally[Verification.PRIMARY],
            tally[Verification.SECONDARY],
            tally[Verification.UNVERIFIED],
        ) == counts


class TestPermenkes62024:
    def test_is_4_2019_carried_over(self, six_2024):
        """It extends 4/2019 and has its 12 services, each at 100 %."""
        assert six_2024.extends == ("permenkes-4-2019",)
        assert list(six_2024.indicators) == [str(number) for number in range(1, 13)]
        assert {ind.target.value for ind in six_2024.indicators.values()} == {100}
        assert six_2024.legal_basis.cite() == "Peraturan Menteri Kesehatan Nomor 6 Tahun 2024"

    def test_every_value_is_unverified_and_says_carried_over(self, six_2024):
        """No value claims more than was read: all 36 are unverified, each with a note."""
        for indicator in six_2024.indicators.values():
            for field in ("target", "deadline", "formula"):
                source = indicator.source_of(field)
                assert source.verification is Verification.UNVERIFIED
                assert "unverified for 6/2024" in source.note or "K6" in source.note

    def test_ibu_hamil_counts_k6(self, six_2024):
        """Service 1 counts six antenatal visits (K6); the only formula that differs."""
        assert str(six_2024.indicators["1"].numerator) == "bumil_k6"
        assert "enam kali" in six_2024.inputs["bumil_k6"].label
        change = spmkit.diff(quiet("permenkes-4-2019"), six_2024)
        assert [c.indicator_id for c in change.changes] == ["1"]

    def test_evaluates(self, six_2024):
        """With K6 counts: 450 of 500 sasaran is 90 %, below 100 %."""
        report = spmkit.evaluate(six_2024, {"bumil_k6": 450, "sasaran_bumil": 500})
        assert report["1"].exact_value == 90
        assert report["1"].status is Status.NOT_MET

    def test_warns_on_load(self):
        """Loading it warns: every value is unverified."""
        with pytest.warns(spmkit.UnverifiedValuesWarning):
            spmkit.load_rule_set("permenkes-6-2024")


class TestFractionalCountMessage:
    def test_python_error_shows_a_decimal(self):
        """A fractional head count is refused and shown as 2.416, not as 302/125."""
        with pytest.raises(spmkit.DataInvalid) as caught:
            spmkit.validate_data(quiet("permenkes-4-2019"), {"dm_standar": Fraction(302, 125)})
        assert spmkit.format_errors(caught.value) == [
            "input 'dm_standar' must be a count of person: a whole number, 0 or more (got 2.416)"
        ]

    def test_command_line_error_shows_a_decimal(self, tmp_path, capsys):
        """Read from a CSV file, the same value is reported as 2.416 too."""
        data = tmp_path / "dm.csv"
        data.write_text("dm_standar,dm_estimasi\n2.416,2.416\n", encoding="utf-8")
        main(["evaluate", "permenkes-4-2019", str(data), "--number-format", "en", "--lang", "en"])
        out, err = capsys.readouterr()
        (refused,) = [line for line in (out + err).splitlines() if "(got " in line]
        assert refused.endswith(
            "input 'dm_standar' must be a count of person: a whole number, 0 or more (got 2.416)"
        )
        assert "302/125" not in out + err


class TestProvenance:
    def test_lists_every_value_in_order(self):
        """Target, deadline and formula of each indicator, in the rule set's order."""
        rs = quiet("permenkes-4-2019")
        entries = rs.provenance()
        assert len(entries) == 3 * len(rs.indicators)
        assert [(e.indicator_id, e.field) for e in entries[:3]] == [
            ("1", "target"),
            ("1", "deadline"),
            ("1", "formula"),
        ]
        (formula,) = [e for e in entries if (e.indicator_id, e.field) == ("6", "formula")]
        assert formula.value == "usia_produktif_skrining / usia_produktif x 100"
        assert formula.verification is Verification.SECONDARY
        assert (
            formula.source.url
            == "http://online.flipbuilder.com/vymnt/omxe/files/basic-html/page30.html"
        )
        assert "24.632 / 91.980 sebesar 26,78%" in formula.source.quote
        assert entries[0].value == ">= 100 %"
        assert entries[1].value == "none"

    def test_filter_by_level(self):
        """provenance("unverified") is exactly RuleSet.unverified, with the sources."""
        rs = quiet("permenkes-4-2019")
        unverified = rs.provenance("unverified")
        assert [(e.indicator_id, e.field) for e in unverified] == list(rs.unverified)
        assert all(e.source.note for e in unverified)
        assert len(rs.provenance(Verification.SECONDARY)) == 8
        with pytest.raises(
            spmkit.UsageError, match="must be one of primary, secondary, unverified"
        ):
            rs.provenance("checked")

    def test_overlay_values_name_their_rule_set(self):
        """In 6/2024 every value comes from the 6/2024 file, none from 4/2019's sources."""
        entries = quiet("permenkes-6-2024").provenance()
        assert {e.source.rule_set for e in entries} == {"permenkes-6-2024"}
        assert entries[2].value == "bumil_k6 / sasaran_bumil x 100"

    def test_show_provenance(self, capsys):
        """`spmkit show ID --provenance` prints each value, its level and sources, and counts."""
        assert main(["show", "permenkes-4-2019", "--provenance"]) == 0
        out, err = capsys.readouterr()
        values = [
            line
            for line in out.splitlines()
            if re.match(r"  \d+ (target|deadline|formula): ", line)
        ]
        assert len(values) == 36
        assert "  6 formula: usia_produktif_skrining / usia_produktif x 100  [secondary]" in values
        assert (
            "      url: http://online.flipbuilder.com/vymnt/omxe/files/basic-html/page30.html"
            in out
        )
        assert out.splitlines()[-1] == "nilai: 0 primary, 8 secondary, 28 unverified (dari 36)"
        assert err == ""  # show lists the levels itself: no note
        assert main(["show", "permenkes-4-2019", "--provenance", "--lang", "en"]) == 0
        out, _ = capsys.readouterr()
        assert out.splitlines()[-1] == "values: 0 primary, 8 secondary, 28 unverified (of 36)"


class TestUnverifiedNote:
    @pytest.fixture
    def data(self, tmp_path):
        path = tmp_path / "k6.yaml"
        path.write_text("bumil_k6: 450\nsasaran_bumil: 500\n", encoding="utf-8")
        return str(path)

    def test_one_line_per_rule_set(self, data, capsys):
        """evaluate prints one note line for the rule set, naming the share unverified."""
        main(["evaluate", "permenkes-6-2024", data, "--lang", "en"])
        notes = [line for line in capsys.readouterr().err.splitlines() if "unverified" in line]
        assert notes == [
            (
                "spmkit: note: rule set 'permenkes-6-2024': 36 of 36 values unverified "
                "(indicators 1, 2, 3, 4, 5, 6, 7, 8, ...), shipped to be checked, not trusted; "
                "'spmkit show permenkes-6-2024 --provenance' lists them"
            )
        ]

    def test_silenced_by_option(self, data, capsys):
        """--no-unverified-note prints none; the results are the same."""
        main(["evaluate", "permenkes-6-2024", data, "--format", "csv", "--lang", "en"])
        with_note = capsys.readouterr()
        main(
            [
                "evaluate",
                "permenkes-6-2024",
                data,
                "--format",
                "csv",
                "--no-unverified-note",
                "--lang",
                "en",
            ]
        )
        without = capsys.readouterr()
        assert "unverified" in with_note.err
        assert "unverified" not in without.err
        assert without.out == with_note.out

    @pytest.mark.parametrize(
        "argv",
        [
            ["show", "permenkes-6-2024"],
            ["check", "permenkes-6-2024"],
            ["diff", "permenkes-4-2019", "permenkes-6-2024"],
            ["list"],
        ],
    )
    def test_not_printed_by_commands_that_judge_nothing(self, argv, capsys):
        """show, check, diff and list do not print the note."""
        main(argv)
        assert "unverified" not in capsys.readouterr().err


class TestBatchAndProperties:
    def test_batch_reproduces_the_table(self, dm_example):
        """The vectorised path gives the same exact values for the whole Aceh Timur table."""
        people = [p for _, population, _, _ in ACEH_TIMUR_2023[:-1] for p in population]
        served = [s for _, _, patients, _ in ACEH_TIMUR_2023[:-1] for s in patients]
        result = spmkit.evaluate_batch(
            dm_example,
            {
                "dm_standar": served,
                "dm_prevalensi": [Fraction("1.60")] * len(people),
                "penduduk_15_plus": people,
            },
        )
        printed = [f for _, _, _, figures in ACEH_TIMUR_2023[:-1] for f in figures[:2]]
        values = [Fraction(v).limit_denominator(10**9) for v in result["9"].value.tolist()]
        assert [str(published(v, 1)) for v in values] == printed

    def test_batch_accepts_a_fractional_estimate(self):
        """evaluate_batch reads 2.448 as an estimate, exactly like evaluate."""
        result = spmkit.evaluate_batch(
            quiet("permenkes-4-2019"),
            {"dm_standar": [3], "dm_estimasi": [Fraction("2.448")]},
        )
        assert result["9"].status.tolist() == ["met"]
        assert result["9"].value.tolist() == [float(Fraction(300, 1) / Fraction("2.448"))]

    @given(
        prevalence=st.fractions(min_value=Fraction(1, 100), max_value=100, max_denominator=100),
        population=st.integers(min_value=1, max_value=10**7),
        served=st.integers(min_value=0, max_value=10**7),
    )
    @settings(max_examples=examples(60), deadline=None)
    def test_computed_estimate_equals_the_estimate_given(self, prevalence, population, served):
        """prevalence / 100 x population computed in the rule set == passing that estimate.

        And the result is flagged above the denominator exactly when more people were
        served than estimated.
        """
        example, national = quiet(DM_EXAMPLE), quiet("permenkes-4-2019")
        estimate = prevalence / 100 * population
        computed = spmkit.evaluate(
            example,
            {"dm_standar": served, "dm_prevalensi": prevalence, "penduduk_15_plus": population},
        )["9"]
        given_ = spmkit.evaluate(national, {"dm_standar": served, "dm_estimasi": estimate})["9"]
        assert computed.exact_value == given_.exact_value == Fraction(served) / estimate * 100
        assert computed.exceeds_denominator is (served > estimate)


def test_prevalence_in_percent_is_refused_with_the_scale():
    """Declared in percent, the prevalence would be divided by 100 twice: refused, saying so."""
    overlay = (
        "spmkit: 1\nid: dm-persen\nextends: dm-prevalensi-aceh-timur-2023.yaml\n"
        "inputs:\n  dm_prevalensi: {label: Prevalensi DM, unit: percent, kind: amount}\n"
    )
    with pytest.raises(spmkit.RuleSetInvalid) as caught:
        spmkit.loads_rule_set(overlay, file=str(ROOT / "examples" / "dm-persen.yaml"))
    (line,) = spmkit.format_errors(caught.value)
    assert "but the target is in percent (dimensionless) (same dimension, other scale: " in line
    assert "1 in the formula's unit is 100 in the target's" in line
    assert "inputs in percent or per mille, which are read as the number printed" in line


def test_docs_provenance_excerpt_matches_the_command(capsys):
    """The excerpt of `show --provenance` in docs/cli.md is real output (lines cut at '...')."""
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    block = docs.split("```text\n$ spmkit show permenkes-4-2019 --provenance\n")[1].split("```")[0]
    main(["show", "permenkes-4-2019", "--provenance"])
    output = capsys.readouterr().out.splitlines()
    for line in block.splitlines():
        if line.strip() == "...":
            continue
        shown = line.removesuffix('..."').removesuffix("...")
        assert any(real.startswith(shown) for real in output), line
