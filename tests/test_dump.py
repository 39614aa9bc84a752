"""dump_rule_set writes the documented YAML format, exactly, and loads back equal."""

from __future__ import annotations

from fractions import Fraction

import attrs
import pytest
import yaml

import spmkit
from spmkit._rulesets.dump import dump_rule_set, without_origins
from spmkit._rulesets.model import Indicator, InputSpec, LegalBasis, RuleSet, Source, Target

KULON_PROGO = spmkit.load_rule_set("kulon-progo-2011")


class TestDumpRuleSet:
    @pytest.mark.parametrize("rule_set_id", sorted(spmkit.shipped_rule_sets()))
    def test_every_shipped_rule_set_round_trips(self, rule_set_id):
        """loads_rule_set(dump_rule_set(rs)) == rs for every shipped rule set, overlays resolved."""
        rule_set = spmkit.load_rule_set(rule_set_id)
        assert spmkit.loads_rule_set(dump_rule_set(rule_set)) == without_origins(rule_set)

    def test_origin_stamps_are_what_differs_for_an_overlay(self):
        """A resolved overlay differs from its dump only by the loader's origin stamps."""
        overlay = spmkit.load_rule_set("kulon-progo-2011-overlay")
        assert overlay.extends
        loaded = spmkit.loads_rule_set(dump_rule_set(overlay))
        assert loaded != overlay
        assert loaded == without_origins(overlay)

    def test_layout_follows_the_documented_order(self):
        """The document starts with the format version and keeps the documented key order."""
        text = dump_rule_set(KULON_PROGO)
        assert text.startswith("spmkit: 1\nid: kulon-progo-2011\ntitle: ")
        data = yaml.safe_load(text)
        assert list(data)[-3:] == ["inputs", "service_types", "indicators"]
        assert data["indicators"]["I.1"]["target"] == {"op": ">=", "value": 95}
        assert data["indicators"]["I.2"]["deadline"] is None
        assert data["legal_basis"]["number"] == "15"

    def test_numbers_are_written_exactly(self):
        """A target of 1.5 is written 1.5 and reads back as exactly 3/2."""
        indicator = attrs.evolve(
            KULON_PROGO.indicators["I.1"], target=Target(op="<=", value=Fraction(3, 2))
        )
        rule_set = attrs.evolve(
            KULON_PROGO, indicators={**KULON_PROGO.indicators, "I.1": indicator}
        )
        text = dump_rule_set(rule_set)
        assert "value: 1.5}" in text or "value: 1.5\n" in text
        loaded = spmkit.loads_rule_set(text)
        assert loaded.indicators["I.1"].target.value == Fraction(3, 2)

    def test_number_without_finite_decimal_is_refused(self):
        """1/3 cannot be written exactly; the error says so instead of rounding."""
        indicator = attrs.evolve(
            KULON_PROGO.indicators["I.1"], target=Target(op=">=", value=Fraction(1, 3))
        )
        rule_set = attrs.evolve(
            KULON_PROGO, indicators={**KULON_PROGO.indicators, "I.1": indicator}
        )
        with pytest.raises(ValueError, match=r"cannot write 1/3 exactly"):
            dump_rule_set(rule_set)

    def test_input_aggregation_and_bounds_round_trip(self):
        """aggregate: last, kind, min and max are written and read back."""
        spec = InputSpec(
            name="sasaran_bumil",
            label="Sasaran",
            unit="person",
            aggregate="last",
            minimum=Fraction(1),
            maximum=Fraction(10**6),
        )
        rule_set = attrs.evolve(KULON_PROGO, inputs={**KULON_PROGO.inputs, "sasaran_bumil": spec})
        text = dump_rule_set(rule_set)
        assert "aggregate: last" in text
        assert spmkit.loads_rule_set(text).inputs["sasaran_bumil"] == spec

    def test_optional_input_with_default_round_trips(self):
        """required: false and a default are written and read back."""
        spec = InputSpec(
            name="bumil_k4", label="K4", unit="person", required=False, default=Fraction(5, 2)
        )
        rule_set = attrs.evolve(KULON_PROGO, inputs={**KULON_PROGO.inputs, "bumil_k4": spec})
        text = dump_rule_set(rule_set)
        assert spmkit.loads_rule_set(text).inputs["bumil_k4"] == spec

    def test_aggregation_rule_round_trips(self):
        """A non-default aggregation rule (a population: 'same' over months) is written."""
        spec = attrs.evolve(KULON_PROGO.inputs["sasaran_bumil"], aggregate="same")
        rule_set = attrs.evolve(KULON_PROGO, inputs={**KULON_PROGO.inputs, "sasaran_bumil": spec})
        text = dump_rule_set(rule_set)
        assert "aggregate: same" in text
        assert spmkit.loads_rule_set(text).inputs["sasaran_bumil"] == spec

    @pytest.mark.parametrize(
        ("model", "handled"),
        [
            (
                RuleSet,
                {
                    "id",
                    "title",
                    "title_en",
                    "language",
                    "jurisdiction",
                    "legal_basis",
                    "inputs",
                    "service_types",
                    "indicators",
                    "notes",
                    "evaluation_order",
                    "extends",  # a loader stamp: overlays are written resolved
                    "in_force",
                    "supersedes",
                    "sector",
                    "small_denominator",
                },
            ),
            (
                Indicator,
                {
                    "id",
                    "name",
                    "name_en",
                    "service_type",
                    "numerator",
                    "denominator",
                    "factor",
                    "target",
                    "deadline",
                    "source",
                    "notes",
                    "coverage",
                    "units",
                    "sources",
                    "bands",
                    "index",
                    "corresponds_to",
                    "correspondence_sources",
                },
            ),
            (
                InputSpec,
                {
                    "name",
                    "label",
                    "label_en",
                    "unit",
                    "required",
                    "default",
                    "description",
                    "aggregate",
                    "kind",
                    "minimum",
                    "maximum",
                    "same_as",
                },
            ),
            # rule_set and file are loader stamps (see without_origins)
            (
                Source,
                {"ref", "verification", "instrument", "url", "quote", "note", "rule_set", "file"},
            ),
            (
                LegalBasis,
                {"instrument", "number", "year", "title", "enacted", "publication", "url"},
            ),
        ],
    )
    def test_dump_knows_every_model_field(self, model, handled):
        """A field added to the model must be added to dump.py too (this test says where)."""
        fields = {field.name for field in attrs.fields(model)}
        assert fields == handled, f"spmkit/dump.py does not write {sorted(fields - handled)}"
