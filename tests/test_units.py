"""Units: the registry, unit checks when a rule set loads, and quantities given as data."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pint
import pytest

import spmkit
from spmkit._rulesets.model import InputKind
from spmkit._rulesets.units import (
    COUNTING_UNITS,
    conversion_factor,
    is_counting,
    parse_unit,
    quantity,
    registry,
)
from spmkit.errors import (
    DataInvalid,
    RuleSetInvalid,
    UnitMismatchError,
    UnknownUnitError,
    format_errors,
)

HEAD = """\
spmkit: 1
id: contoh
title: Contoh
language: id
jurisdiction: {level: kabupaten, name: Kabupaten Contoh}
legal_basis: {instrument: Peraturan Bupati, number: "1", year: 2011}
service_types:
  I: {name: Pelayanan Dasar}
"""


def rule_text(inputs: dict[str, str], indicators: str) -> str:
    """A small rule file: inputs as name -> unit (plus extra YAML), and indicator YAML."""
    lines = [HEAD, "inputs:"]
    for name, unit in inputs.items():
        lines.append(f"  {name}:\n    label: Jumlah {name}\n    unit: {unit}")
    lines.append("indicators:")
    lines.append(indicators)
    return "\n".join(lines) + "\n"


def indicator(
    numerator: str,
    denominator: str,
    *,
    factor: int = 100,
    target: str = '{op: ">=", value: 95}',
    extra: str = "",
    iid: str = "I.1",
) -> str:
    return (
        f"  {iid}:\n    service_type: I\n    name: Contoh\n"
        f"    numerator: {numerator}\n    denominator: {denominator}\n"
        f"    factor: {factor}\n    target: {target}\n    deadline: 2015\n"
        f"    source: Lampiran\n{extra}"
    )


def problems_of(text: str) -> list[spmkit.RuleSetError]:
    with pytest.raises(RuleSetInvalid) as caught:
        spmkit.loads_rule_set(text, file="contoh.yaml")
    return list(caught.value.exceptions)


WATER = rule_text(
    {"air_terlayani": "L / day", "penduduk": "person"},
    indicator(
        "air_terlayani",
        "penduduk",
        factor=1,
        target='{op: ">=", value: 60, unit: L / (person * day)}',
        iid="AM.1",
    ),
)
"""A drinking-water style indicator: litres per day over persons, target in L/person/day."""


class TestRegistry:
    """One lazily built registry with SPM counting units as distinct dimensions."""

    @pytest.mark.slow  # a subprocess
    def test_import_does_not_import_pint(self):
        """`import spmkit` neither imports pint nor builds a registry."""
        code = "import sys, spmkit; print('pint' in sys.modules)"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "False"

    def test_one_registry(self):
        """Every call returns the same registry, and quantities come from it."""
        assert registry() is registry()
        assert quantity(3, "person")._REGISTRY is registry()

    @pytest.mark.parametrize(
        ("text", "scale", "dimensions"),
        [
            ("person", 1, "[person]"),
            ("orang", 1, "[person]"),
            ("persons", 1, "[person]"),
            ("desa", 1, "[village]"),
            ("kelurahan", 1, "[village]"),
            ("rumah sakit", 1, "[hospital]"),
            ("PUS", None, None),
            ("case per 100000 person", Fraction(1, 100000), "[case] / [person]"),
            ("per 100,000 person", Fraction(1, 100000), "1 / [person]"),
            ("%", 1, "dimensionless"),
            ("L / (person * day)", 1, "[length] ** 3 / [person] / [time]"),
        ],
    )
    def test_parse(self, text, scale, dimensions):
        """Unit text gives an exact scale and the dimension in words; names are case-sensitive."""
        if scale is None:
            with pytest.raises(UnknownUnitError, match="did you mean 'pus'"):
                parse_unit(text)
            return
        unit = parse_unit(text)
        assert unit.scale == scale
        assert unit.dimensions == dimensions

    def test_scales_are_the_same_unit(self):
        """'per mille' is '‰'; percent is 1/100 of a plain number; per 1,000 is not percent."""
        assert parse_unit("per mille").same_as(parse_unit("‰"))
        assert parse_unit("%").same_as(parse_unit("1").scaled(Fraction(1, 100)))
        assert not parse_unit("per 1000").same_as(parse_unit("%"))

    def test_counting_units_are_distinct_dimensions(self):
        """No two counting units convert into each other."""
        units = [parse_unit(name) for name in COUNTING_UNITS]
        for i, first in enumerate(units):
            for second in units[i + 1 :]:
                assert not first.same_dimension(second), (first, second)

    @pytest.mark.parametrize(
        ("text", "counting"),
        [("person", True), ("village", True), ("L / day", False), ("1000 person", False)],
    )
    def test_is_counting(self, text, counting):
        """Counting units count one by one; scaled or physical units do not."""
        assert is_counting(parse_unit(text)) is counting

    def test_unknown_unit_lists_known_units(self):
        """An unknown name says what it might be and lists every known unit."""
        with pytest.raises(UnknownUnitError) as caught:
            parse_unit("villages_x")
        message = caught.value.message
        assert message.startswith("unknown unit 'villages_x'; did you mean 'village'? known units:")
        for name in ("person (orang)", "village (desa, kelurahan)", "litre (L)", "percent (%)"):
            assert name in message

    @pytest.mark.parametrize("text", ["", "person + village", "__import__('os')", "x" * 101])
    def test_not_a_unit(self, text):
        """Text that is not a unit expression is refused without running anything."""
        with pytest.raises(UnknownUnitError):
            parse_unit(text)

    def test_exact_conversion(self):
        """Conversions are exact fractions, not floats."""
        assert conversion_factor("m**3/day", "L/day") == 1000
        assert conversion_factor("L/day", "m**3/day") == Fraction(1, 1000)
        assert conversion_factor("hour", "minute") == 60
        assert conversion_factor("person", "L/day") is None


class TestShippedRuleSets:
    """Every input of every shipped rule set has a known unit, and every formula checks."""

    @pytest.mark.parametrize("rule_set_id", sorted(spmkit.shipped_rule_sets()))
    def test_every_input_has_a_known_unit(self, rule_set_id):
        """Loading runs the unit checks; each input's unit parses."""
        rule_set = spmkit.load_rule_set(rule_set_id)
        assert rule_set.inputs
        for spec in rule_set.inputs.values():
            assert spec.unit.strip()
            parse_unit(spec.unit)

    def test_kulon_progo_units(self):
        """The units the regulation's rows count, and the two printed discrepancies."""
        rs = spmkit.load_rule_set("kulon-progo-2011")
        units = {spec.unit for spec in rs.inputs.values()}
        assert units == {"person", "village", "hospital", "case", "visit", "outbreak", "couple"}
        accepted = {i.id: i.units.accept for i in rs.indicators.values() if i.units}
        assert accepted == {"I.13.a": "case / person", "I.14": "visit / person"}
        assert all(i.coverage for i in rs.indicators.values() if i.id not in accepted)
        assert all(rs.indicators[i].coverage is False for i in accepted)
        estimates = {n for n, spec in rs.inputs.items() if spec.kind is InputKind.AMOUNT}
        assert estimates == {
            "sasaran_bumil",
            "sasaran_bulin",
            "pneumonia_balita_perkiraan",
            "tb_bta_perkiraan",
            "diare_perkiraan",
        }


class TestLoadTimeChecks:
    """Unit problems are RuleSetErrors, found at load, reported with all the others."""

    def test_persons_per_village_refused(self):
        """Dividing persons by villages for a percent target names both dimensions."""
        text = rule_text({"pasien": "person", "desa": "village"}, indicator("pasien", "desa"))
        (error,) = problems_of(text)
        assert isinstance(error, UnitMismatchError)
        assert error.indicator_id == "I.1"
        assert error.path == "$.indicators['I.1'].target"
        assert str(error).startswith("contoh.yaml:")
        assert (
            "the formula gives person per 100 village ([person] / [village]) "
            "but the target is in percent (dimensionless)"
        ) in error.message

    def test_rate_per_100000_against_percent_refused(self):
        """A rate per 100,000 compared with a percent target is refused."""
        text = rule_text(
            {"afp": "case", "penduduk": "person"},
            indicator("afp", "penduduk", factor=100000, target='{op: ">=", value: 2}'),
        )
        (error,) = problems_of(text)
        assert isinstance(error, UnitMismatchError)
        assert "case per 100,000 person ([case] / [person])" in error.message
        assert "per 100,000 (dimensionless)" in error.message

    def test_same_dimension_other_scale_refused(self):
        """Persons over persons per 100,000 is not percent either, though both are plain."""
        text = rule_text(
            {"a": "person", "b": "person"},
            indicator("a", "b", factor=100000, target='{op: ">=", value: 2, unit: "%"}'),
        )
        (error,) = problems_of(text)
        assert "gives per 100,000 (dimensionless) but the target is in percent" in error.message

    def test_rate_per_100000_with_its_unit_loads(self):
        """'2 per 100,000 population under 15' is a real target unit."""
        text = rule_text(
            {"afp": "kasus", "penduduk": "orang"},
            indicator(
                "afp",
                "penduduk",
                factor=100000,
                target='{op: ">=", value: 2, unit: case per 100000 person}',
            ),
        )
        rs = spmkit.loads_rule_set(text)
        report = spmkit.evaluate(rs, {"afp": 3, "penduduk": 100_000})
        assert report["I.1"].exact_value == 3
        assert report["I.1"].met is True

    def test_adding_persons_to_villages_refused(self):
        """A sum of persons and villages is refused at the expression's path."""
        text = rule_text(
            {"pasien": "person", "desa": "village", "penduduk": "person"},
            indicator("pasien + desa", "penduduk"),
        )
        (error,) = problems_of(text)
        assert isinstance(error, UnitMismatchError)
        assert error.path == "$.indicators['I.1'].numerator"
        assert "cannot add person ([person]) and village ([village]) in 'pasien + desa'" in (
            error.message
        )

    def test_litres_plus_cubic_metres_refused(self):
        """Same dimension, different scale: the plain numbers would add wrongly."""
        text = rule_text(
            {"a": "L / day", "b": "m**3 / day", "p": "person"},
            indicator("a + b", "p", factor=1, target='{op: ">=", value: 60, unit: L/person/day}'),
        )
        (error,) = problems_of(text)
        assert "same dimension but a different scale" in error.message

    def test_literals_fit_any_unit(self):
        """coalesce(x, 0) and x - 1 keep x's unit; 2 * x too."""
        text = rule_text(
            {"a": "person", "b": "person"},
            indicator("coalesce(a, 0) - 1", "max(2 * b, 1)"),
        )
        assert spmkit.loads_rule_set(text).indicators["I.1"]

    def test_references_carry_units(self):
        """@I.1 is in percent, so comparing it with a percent target works; x persons does not."""
        ok = rule_text(
            {"a": "person", "b": "person"},
            indicator("a", "b")
            + indicator(
                '"@I.1"', "1", factor=1, iid="I.2", target='{op: ">=", value: 95, unit: "%"}'
            ),
        )
        assert spmkit.loads_rule_set(ok)
        bad = rule_text(
            {"a": "person", "b": "person"},
            indicator("a", "b")
            + indicator(
                '"@I.1 + a"', "1", factor=1, iid="I.2", target='{op: ">=", value: 95, unit: "%"}'
            ),
        )
        (error,) = problems_of(bad)
        assert "cannot add percent (dimensionless) and person ([person])" in error.message

    def test_accepted_discrepancy_loads_and_is_kept(self):
        """A printed discrepancy, declared with a note, loads and stays visible."""
        extra = "    units: {accept: visit / person, note: Printed so in the Lampiran.}\n"
        text = rule_text(
            {"kunjungan": "kunjungan", "gakin": "orang"},
            indicator("kunjungan", "gakin", target='{op: ">=", value: 100}', extra=extra),
        )
        rs = spmkit.loads_rule_set(text)
        units = rs.indicators["I.1"].units
        assert units is not None
        assert (units.accept, units.note) == ("visit / person", "Printed so in the Lampiran.")

    def test_unit_problems_reported_with_other_problems(self):
        """A unit mismatch, an unknown unit and a bad comparator come in one error."""
        text = rule_text(
            {"pasien": "person", "desa": "village", "x": "persn"},
            indicator("pasien", "desa")
            + indicator("pasien", "pasien", target='{op: "=>", value: 1}', iid="I.2"),
        )
        messages = format_errors(RuleSetInvalid("x", problems_of(text)))
        assert len(messages) == 3, messages
        assert any("unknown unit 'persn'" in m for m in messages)
        assert any("[person] / [village]" in m for m in messages)
        assert any("target 'op' must be one of" in m for m in messages)

    def test_python_built_rule_set_is_checked(self):
        """A RuleSet built in Python is held to the same unit checks as a file."""
        rs = spmkit.load_rule_set("kulon-progo-2011")
        spec = rs.inputs["desa_uci"]
        bad = dict(rs.inputs)
        bad["desa_uci"] = type(spec)(name="desa_uci", label=spec.label, unit="person")
        with pytest.raises(RuleSetInvalid) as caught:
            type(rs)(
                id=rs.id,
                title=rs.title,
                language=rs.language,
                jurisdiction=rs.jurisdiction,
                legal_basis=rs.legal_basis,
                inputs=bad,
                service_types=rs.service_types,
                indicators=rs.indicators,
            )
        (error,) = caught.value.exceptions
        assert isinstance(error, UnitMismatchError)
        assert error.indicator_id == "I.7"
        assert error.path == "$.indicators['I.7'].coverage"
        assert "person ([person])" in error.message
        assert "village ([village])" in error.message


class TestQuantityData:
    """Plain numbers are in the declared unit; quantities are converted exactly or refused."""

    @pytest.fixture
    def water(self):
        return spmkit.loads_rule_set(WATER)

    def test_water_indicator_with_plain_numbers(self, water):
        """6,000 L/day for 100 persons is 60 L/person/day: the target is met."""
        report = spmkit.evaluate(water, {"air_terlayani": 6000, "penduduk": 100})
        assert report["AM.1"].exact_value == 60
        assert report["AM.1"].met is True

    def test_cubic_metres_per_day_converted_to_litres(self, water):
        """5.9 m**3/day is exactly 5,900 L/day: 59 L/person/day, not met."""
        data = {"air_terlayani": quantity(5.9, "m**3/day"), "penduduk": quantity(100, "orang")}
        values = spmkit.validate_data(water, data)
        assert values == {"air_terlayani": Fraction(5900), "penduduk": Fraction(100)}
        report = spmkit.evaluate(water, data)
        assert report["AM.1"].exact_value == 59
        assert report["AM.1"].met is False

    def test_quantity_of_another_registry(self, water):
        """A quantity from pint's default registry is converted by unit name."""
        other = pint.UnitRegistry()
        values = spmkit.validate_data(water, {"air_terlayani": other.Quantity(2, "m**3/day")})
        assert values == {"air_terlayani": Fraction(2000)}

    def test_incompatible_quantity_refused(self, water):
        """Litres per hour per person, or persons, are not litres per day."""
        data = {"air_terlayani": quantity(3, "km"), "penduduk": quantity(100, "village")}
        with pytest.raises(DataInvalid) as caught:
            spmkit.validate_data(water, data)
        assert format_errors(caught.value) == [
            (
                "input 'air_terlayani' must be a quantity in L / day or a unit convertible to it "
                "(got <Quantity(3, 'kilometre')>) (kilometre does not convert to L / day)"
            ),
            (
                "input 'penduduk' must be a quantity in person or a unit convertible to it "
                "(got <Quantity(100, 'village')>) (village does not convert to person)"
            ),
        ]


CONSTRAINED = rule_text(
    {"pasien": "person", "penduduk": "person", "persen": "%"},
    indicator("pasien", "penduduk"),
).replace(
    "    label: Jumlah persen\n    unit: %",
    "    label: Jumlah persen\n    unit: '%'\n    max: 100\n    required: false\n    default: 0",
)


class TestConstraints:
    """Counts are whole numbers, bounds hold, and every bad value is reported at once."""

    @pytest.fixture
    def rs(self):
        return spmkit.loads_rule_set(CONSTRAINED)

    def test_kinds_default_from_units(self, rs):
        """Counting units are counts; a percent is an amount with its declared bound."""
        assert rs.inputs["pasien"].kind is InputKind.COUNT
        assert rs.inputs["persen"].kind is InputKind.AMOUNT
        assert rs.inputs["persen"].maximum == 100

    def test_valid_values_pass(self, rs):
        """Whole counts, and amounts within bounds, are accepted exactly."""
        values = spmkit.validate_data(rs, {"pasien": 3.0, "penduduk": 10, "persen": 99.5})
        assert values == {"pasien": 3, "penduduk": 10, "persen": Fraction(199, 2)}

    def test_all_violations_in_one_error(self, rs):
        """A fractional count, a value above max and a negative count: three problems at once."""
        with pytest.raises(DataInvalid) as caught:
            spmkit.evaluate(rs, {"pasien": 3.5, "penduduk": -1, "persen": 100.5})
        assert format_errors(caught.value) == [
            "input 'pasien' must be a count of person: a whole number, 0 or more (got 3.5)",
            (
                "input 'penduduk' must be a non-negative finite number (got -1) "
                "(counts cannot be negative)"
            ),
            "input 'persen' must be at most 100 % (got 100.5)",
        ]

    def test_count_kind_on_quantities(self, rs):
        """A quantity is checked after conversion: 2.5 persons is not a count."""
        with pytest.raises(DataInvalid) as caught:
            spmkit.validate_data(rs, {"pasien": quantity(2.5, "person")})
        (message,) = format_errors(caught.value)
        assert "must be a count of person: a whole number, 0 or more" in message

    def test_declared_amount_and_min(self):
        """kind: amount allows fractions; min bounds from below."""
        text = CONSTRAINED.replace(
            "    label: Jumlah pasien\n    unit: person",
            "    label: Jumlah pasien\n    unit: person\n    kind: amount\n    min: 1",
        )
        rs = spmkit.loads_rule_set(text)
        assert spmkit.validate_data(rs, {"pasien": 1.5}) == {"pasien": Fraction(3, 2), "persen": 0}
        with pytest.raises(DataInvalid) as caught:
            spmkit.validate_data(rs, {"pasien": 0.5})
        assert format_errors(caught.value) == ["input 'pasien' must be at least 1 person (got 0.5)"]


class TestPopulationSemantics:
    """Coverage declarations decide when a numerator above its denominator is flagged."""

    @pytest.mark.parametrize(
        ("declaration", "flagged"),
        [("    coverage: true\n", True), ("    coverage: false\n", False), ("", True)],
    )
    def test_exceeds_denominator(self, declaration, flagged):
        """Coverage true flags 104 %; a declared rate never; undeclared flags as a hint."""
        text = rule_text({"a": "person", "b": "person"}, indicator("a", "b", extra=declaration))
        rs = spmkit.loads_rule_set(text)
        result = spmkit.evaluate(rs, {"a": 104, "b": 100})["I.1"]
        assert result.exact_value == 104
        assert result.exceeds_denominator is flagged
        below = spmkit.evaluate(rs, {"a": 100, "b": 100})["I.1"]
        assert below.exceeds_denominator is False

    def test_kulon_progo_example_flags_i6_only(self):
        """In the shipped example only I.6 (a declared coverage) is above its denominator."""
        rs = spmkit.load_rule_set("kulon-progo-2011")
        data = dict.fromkeys(rs.inputs, 100)
        data["bayi_pelayanan_standar"] = 101
        data["kunjungan_gakin_strata1"] = 250  # visits per person: a rate, not flagged
        report = spmkit.evaluate(rs, data)
        flagged = [r.indicator_id for r in report.values() if r.exceeds_denominator]
        assert flagged == ["I.6"]

    def test_lower_is_better(self):
        """Gizi buruk <= 1.5 %: 14 of 1,000 (1.4 %) is met, 16 of 1,000 (1.6 %) is not."""
        text = rule_text(
            {"balita_gizi_buruk": "person", "balita": "person"},
            indicator(
                "balita_gizi_buruk",
                "balita",
                target='{op: "<=", value: 1.5}',
                extra="    coverage: true\n",
            ),
        )
        rs = spmkit.loads_rule_set(text)
        met = spmkit.evaluate(rs, {"balita_gizi_buruk": 14, "balita": 1000})["I.1"]
        assert (met.exact_value, met.met, met.exact_gap) == (Fraction(7, 5), True, 0)
        missed = spmkit.evaluate(rs, {"balita_gizi_buruk": 16, "balita": 1000})["I.1"]
        assert (missed.exact_value, missed.met) == (Fraction(8, 5), False)
        assert missed.exact_gap == Fraction(1, 10)
