"""FHIR R4 export (parsed back by fhir.resources) and DHIS2 export and import."""

from __future__ import annotations

import json
import time
import warnings
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import spmkit
from spmkit._interop.dhis2 import parse_mapping, read_analytics, to_data_value_set
from spmkit._interop.dhis2_files import data_value_set_csv, read_dhis2_file
from spmkit._interop.fhir import (
    RegionReport,
    fhir_measure,
    fhir_rule_set_measure,
    scoring_of,
    to_fhir,
)
from spmkit._limits import MAX_FILE_BYTES, MAX_SHEET_ROWS
from spmkit.cli import main
from spmkit.errors import Dhis2Error

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = yaml.safe_load((ROOT / "examples" / "kulon-progo-2011.yaml").read_text(encoding="utf-8"))
KP = spmkit.load_rule_set("kulon-progo-2011")

LOW_TARGET = """
spmkit: 1
id: rendah
title: Uji rendah
language: id
jurisdiction: {level: kabupaten, name: Kabupaten Uji}
legal_basis: {instrument: Peraturan Bupati, number: "1", year: 2011}
inputs:
  gb: {label: balita gizi buruk, unit: person, kind: amount}
  balita: {label: balita, unit: person}
service_types:
  I: {name: Pelayanan}
indicators:
  LOW:
    service_type: I
    name: Balita gizi buruk
    numerator: gb
    denominator: balita
    factor: 100
    target: {op: "<=", value: 1.5}
    deadline: null
    source: Lampiran, baris LOW
"""


def quiet_load(text: str) -> spmkit.RuleSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        return spmkit.loads_rule_set(text)


LOW_RULES = quiet_load(LOW_TARGET)


class TestFhir:
    def test_kulon_progo_2011_measure_report_parses_back(self):
        """The example year of Kulon Progo as one MeasureReport, read back by fhir.resources."""
        report = spmkit.evaluate(KP, EXAMPLE["data"])
        resource = to_fhir(KP, report, year=EXAMPLE["year"], region=EXAMPLE["region"])
        parsed = MeasureReport.model_validate(resource)
        assert parsed.status == "complete"
        assert parsed.type == "summary"
        assert parsed.measure == "urn:spmkit:measure:kulon-progo-2011"
        assert parsed.subject.display == "Kabupaten Kulon Progo"
        assert (str(parsed.period.start), str(parsed.period.end)) == ("2011-01-01", "2011-12-31")
        assert [g.code.coding[0].code for g in parsed.group] == list(KP.indicators)
        first = parsed.group[0]
        # I.1: 4,900 / 5,200 x 100 = 94.23... %, below 95: not met.
        assert [p.count for p in first.population] == [4900, 5200]
        # A coverage is a proportion: its score is on HL7's scale, 0 to 1.
        assert float(first.measureScore.value) == 4900 / 5200
        assert (first.measureScore.system, first.measureScore.code) == (
            "http://unitsofmeasure.org",
            "1",
        )
        extensions = {e.url: e for e in first.extension}
        assert extensions["urn:spmkit:fhir:status"].valueCode == "not_met"
        assert extensions["urn:spmkit:fhir:met"].valueBoolean is False
        scale = extensions["urn:spmkit:fhir:value"].valueQuantity
        assert (float(scale.value), scale.unit) == (report["I.1"].value, "%")
        assert extensions["urn:spmkit:fhir:shown"].valueString == report["I.1"].shown_value

    def test_bundle_of_regions_has_measures_and_reports(self):
        """Two regions: one Bundle with the rule-set Measure, 23 indicator Measures, 2 reports."""
        report = spmkit.evaluate(KP, EXAMPLE["data"])
        bundle = to_fhir(
            KP,
            [
                RegionReport(report=report, region="Wates", year=2011),
                RegionReport(report=report, region="Sentolo", year=2012),
            ],
        )
        parsed = Bundle.model_validate(bundle)
        kinds = [entry.resource.get_resource_type() for entry in parsed.entry]
        assert kinds == ["Measure"] * 24 + ["MeasureReport"] * 2
        ids = [entry.resource.id for entry in parsed.entry]
        assert len(set(ids)) == len(ids)
        assert all(entry.fullUrl == f"urn:uuid:{entry.resource.id}" for entry in parsed.entry)
        assert to_fhir(KP, [RegionReport(report=report, region="Wates", year=2011)]) == to_fhir(
            KP, [RegionReport(report=report, region="Wates", year=2011)]
        )

    def test_indicator_measure_is_a_proportion_with_improvement_notation(self):
        """>= targets improve upwards; <= targets (malnutrition) downwards; both parse as Measure."""
        up = Measure.model_validate(fhir_measure(KP, "I.1"))
        assert up.scoring.coding[0].code == "proportion"
        assert up.improvementNotation.coding[0].code == "increase"
        codes = [p.code.coding[0].code for p in up.group[0].population]
        assert codes == ["numerator", "denominator"]
        assert "Target >= 95 % by 2015" in up.guidance
        down = Measure.model_validate(fhir_measure(quiet_load(LOW_TARGET), "LOW"))
        assert down.improvementNotation.coding[0].code == "decrease"

    def test_no_data_and_fractional_counts_are_never_invented(self):
        """No data: no score; an estimate of 7.5 persons: no count, its value in an extension."""
        rule_set = quiet_load(LOW_TARGET)
        empty = MeasureReport.model_validate(
            to_fhir(rule_set, spmkit.evaluate(rule_set, {}), year=2020)
        )
        assert empty.group[0].measureScore is None
        assert all(p.count is None for p in empty.group[0].population)
        resource = to_fhir(
            rule_set, spmkit.evaluate(rule_set, {"gb": 7.5, "balita": 1000}), year=2020
        )
        numerator = resource["group"][0]["population"][0]
        assert "count" not in numerator
        assert numerator["extension"] == [{"url": "urn:spmkit:fhir:exact", "valueDecimal": 7.5}]
        assert resource["group"][0]["measureScore"]["value"] == 0.0075
        MeasureReport.model_validate(resource)

    def test_scoring_follows_the_indicator_kind(self):
        """Coverage: proportion (0-1); another ratio: ratio on its scale; index: no populations."""
        index = spmkit.load_rule_set("indeks-spm-kesehatan")
        kinds = {
            iid: Measure.model_validate(fhir_measure(index, iid)).scoring.coding[0].code
            for iid in index.indicators
        }
        assert set(kinds.values()) == {"proportion", "continuous-variable"}
        ip = next(iid for iid, kind in kinds.items() if kind == "continuous-variable")
        measure = Measure.model_validate(fhir_measure(index, ip))
        assert measure.group[0].population is None
        whole = Measure.model_validate(fhir_rule_set_measure(index))
        assert whole.scoring is None  # mixed kinds: each group says its own
        group_kinds = {g.extension[0].valueCodeableConcept.coding[0].code for g in whole.group}
        assert group_kinds == {"proportion", "continuous-variable"}
        # Kulon Progo: AFP cases per 100,000 children and visits per poor person are ratios.
        kp_kinds = {iid: scoring_of(ind) for iid, ind in KP.indicators.items()}
        assert {iid for iid, kind in kp_kinds.items() if kind != "proportion"} == {
            "I.13.a",
            "I.14",
        }
        assert set(kp_kinds.values()) == {"proportion", "ratio"}
        assert "scoring" not in fhir_rule_set_measure(KP)
        afp = Measure.model_validate(fhir_measure(KP, "I.13.a"))
        assert afp.scoring.coding[0].code == "ratio"
        assert fhir_measure(LOW_RULES, "LOW")["scoring"]["coding"][0]["code"] == "proportion"
        rate = quiet_load(LOW_TARGET.replace("factor: 100", "factor: 100000\n    coverage: false"))
        assert scoring_of(rate.indicators["LOW"]) == "ratio"
        report = spmkit.evaluate(rate, {"gb": 3, "balita": 200000})
        group = MeasureReport.model_validate(to_fhir(rate, report, year=2020)).group[0]
        assert (float(group.measureScore.value), group.measureScore.unit) == (1.5, "per 100000")
        assert [p.count for p in group.population] == [3, 200000]

    def test_index_report_has_its_score_and_no_invented_populations(self):
        """An index row: measureScore is the index itself; no numerator 100 / denominator 1."""
        index = spmkit.load_rule_set("indeks-spm-kesehatan")
        data = dict.fromkeys(index.inputs, 90)
        report = spmkit.evaluate(index, data)
        resource = to_fhir(index, report, year=2020)
        MeasureReport.model_validate(resource)
        scored = 0
        for group, result in zip(resource["group"], report.values(), strict=True):
            kind = scoring_of(index.indicators[result.indicator_id])
            if kind == "continuous-variable":
                assert "population" not in group
                assert group["measureScore"]["value"] == result.value
                scored += 1
        assert scored > 0

    def test_bundle_rows_without_region_have_unique_ids(self):
        """Three rows with no region (and one region twice): every entry its own id and fullUrl."""
        report = spmkit.evaluate(KP, EXAMPLE["data"])
        rows = [RegionReport(report=report, year=2011)] * 3 + [
            RegionReport(report=report, region="Wates", year=2011)
        ] * 2
        bundle = to_fhir(KP, rows, measures=False)
        ids = [entry["resource"]["id"] for entry in bundle["entry"]]
        urls = [entry["fullUrl"] for entry in bundle["entry"]]
        assert len(ids) == 5
        assert len(set(ids)) == 5
        assert len(set(urls)) == 5
        Bundle.model_validate(bundle)

    def test_a_report_needs_a_year(self):
        """FHIR requires the period; without a year the export refuses, naming the region."""
        report = spmkit.evaluate(KP, {})
        with pytest.raises(spmkit.UsageError, match="needs a period: give the year of Wates"):
            to_fhir(KP, [RegionReport(report=report, region="Wates")])

    def test_evaluate_format_fhir(self, capsys):
        """`spmkit evaluate ... --format fhir`: one MeasureReport for one region, a Bundle for rows."""
        status = main(
            [
                "evaluate",
                KP.id,
                str(ROOT / "examples" / "kulon-progo-2011.yaml"),
                "--format",
                "fhir",
            ]
        )
        single = MeasureReport.model_validate_json(capsys.readouterr().out)
        assert status == 1  # five targets are not met in the example
        assert str(single.period.start) == "2011-01-01"
        main(
            [
                "evaluate",
                KP.id,
                str(ROOT / "docs" / "data" / "puskesmas-2011.csv"),
                "--format",
                "fhir",
            ]
        )
        bundle = Bundle.model_validate_json(capsys.readouterr().out)
        assert bundle.entry[-1].resource.get_resource_type() == "MeasureReport"

    def test_the_validator_does_reject_a_broken_report(self):
        """The check has teeth: without its period, fhir.resources refuses the MeasureReport."""
        resource = to_fhir(KP, spmkit.evaluate(KP, {}), year=2011)
        del resource["period"]
        with pytest.raises(ValidationError, match="period"):
            MeasureReport.model_validate(resource)


MAPPING = {
    "dhis2": 1,
    "rule_set": "kulon-progo-2011",
    "org_units": {"Kabupaten Kulon Progo": "Rp268JB6Ne4", "Wates": "WatesOrgU01"},
    "indicators": {
        "I.1": {
            "numerator": "K4visitsAA1",
            "denominator": "SasaranBml1",
            "indicator": "Uvn6LCg7dVU",
        },
        "I.12": {
            "numerator": "KBaktifAAA1",
            "denominator": "PUSAAAAAAA1",
            "indicator": "KBindic0001",
        },
    },
}


def analytics(rows):
    headers = [
        "dx",
        "ou",
        "pe",
        "value",
        "numerator",
        "denominator",
        "factor",
        "multiplier",
        "divisor",
    ]
    return {
        "headers": [{"name": name} for name in headers],
        "metaData": {"items": {"OtherOrg001": {"name": "Sentolo"}}},
        "rows": rows,
    }


class TestDhis2:
    def test_export_writes_numerators_and_denominators(self):
        """Each mapped indicator's counts as data values; values stay exact text; no data is left out."""
        report = spmkit.evaluate(
            KP, {"bumil_k4": 950, "sasaran_bumil": 1000, "pus_kb_aktif": 750, "pus": 1000}
        )
        payload = to_data_value_set(
            KP,
            [RegionReport(report=report, region="Kabupaten Kulon Progo", year=2011)],
            parse_mapping(MAPPING),
        )
        assert payload == {
            "dataValues": [
                {
                    "dataElement": "K4visitsAA1",
                    "period": "2011",
                    "orgUnit": "Rp268JB6Ne4",
                    "value": "950",
                },
                {
                    "dataElement": "SasaranBml1",
                    "period": "2011",
                    "orgUnit": "Rp268JB6Ne4",
                    "value": "1000",
                },
                {
                    "dataElement": "KBaktifAAA1",
                    "period": "2011",
                    "orgUnit": "Rp268JB6Ne4",
                    "value": "750",
                },
                {
                    "dataElement": "PUSAAAAAAA1",
                    "period": "2011",
                    "orgUnit": "Rp268JB6Ne4",
                    "value": "1000",
                },
            ]
        }
        partial = to_data_value_set(
            KP,
            [RegionReport(report=spmkit.evaluate(KP, {"sasaran_bumil": 1000}), region="Wates")],
            parse_mapping(MAPPING),
            year=2012,
        )
        assert partial == {
            "dataValues": [
                {
                    "dataElement": "SasaranBml1",
                    "period": "2012",
                    "orgUnit": "WatesOrgU01",
                    "value": "1000",
                }
            ]
        }

    def test_export_lists_every_problem(self):
        """An unmapped region and a missing year are both reported."""
        report = spmkit.evaluate(KP, {})
        with pytest.raises(Dhis2Error) as caught:
            to_data_value_set(
                KP,
                [
                    RegionReport(report=report, region="Nanggulan", year=2011),
                    RegionReport(report=report, region="Wates"),
                ],
                parse_mapping(MAPPING),
            )
        assert caught.value.problems == (
            "region 'Nanggulan' has no organisation unit in $.org_units",
            "the report of 'Wates' has no year; give year=...",
        )

    def test_mapping_is_checked_strictly(self):
        """Unknown keys, bad uids and a wrong version are all reported."""
        bad = {
            "dhis2": 2,
            "org_units": {"Wates": "not-a-uid"},
            "indicators": {"I.1": {"numerator": "K4visitsAA1", "nominator": "x"}},
            "extra": 1,
        }
        with pytest.raises(Dhis2Error) as caught:
            parse_mapping(bad, source="map.yaml")
        problems = "\n".join(caught.value.problems)
        assert "$: unknown key 'extra'" in problems
        assert "$.dhis2 must be 1" in problems
        assert "$.org_units['Wates'] must be a DHIS2 uid" in problems
        assert "$.indicators['I.1']: unknown key 'nominator'" in problems

    def test_import_analytics_with_numerators_and_denominators(self):
        """includeNumDen rows become input values (exactly) per org unit and period, then evaluate."""
        document = analytics(
            [
                [
                    "Uvn6LCg7dVU",
                    "Rp268JB6Ne4",
                    "2011",
                    "95.0",
                    "950.0",
                    "1000.0",
                    "100",
                    "100",
                    "1",
                ],
                ["KBindic0001", "Rp268JB6Ne4", "2011", "72.5", "725", "1000", "100", "100", "1"],
                ["Uvn6LCg7dVU", "OtherOrg001", "2011", "50.0", "1.5", "3", "100", "100", "1"],
                ["unmappedDx1", "Rp268JB6Ne4", "2011", "1", "1", "1", "100", "100", "1"],
            ]
        )
        rows = read_analytics(document, KP, parse_mapping(MAPPING))
        assert [(r.region, r.period, dict(r.data)) for r in rows] == [
            (
                "Kabupaten Kulon Progo",
                "2011",
                {"bumil_k4": 950, "sasaran_bumil": 1000, "pus_kb_aktif": 725, "pus": 1000},
            ),
            ("Sentolo", "2011", {"bumil_k4": Fraction(3, 2), "sasaran_bumil": 3}),
        ]
        report = spmkit.evaluate(KP, rows[0].data)
        assert (report["I.1"].exact_value, report["I.12"].exact_value) == (95, Fraction("72.5"))

    def test_import_refuses_a_document_without_numerators(self):
        """An analytics export made without includeNumDen names the missing columns and the fix."""
        document = {"headers": [{"name": n} for n in ("dx", "ou", "pe", "value")], "rows": []}
        with pytest.raises(Dhis2Error, match="includeNumDen=true"):
            read_analytics(document, KP, parse_mapping(MAPPING))

    def test_import_refuses_bad_numbers_and_conflicts(self):
        """Text that is no number, and one input given two values, are reported together."""
        document = analytics(
            [
                ["Uvn6LCg7dVU", "Rp268JB6Ne4", "2011", "", "lots", "1000", "", "", ""],
                ["Uvn6LCg7dVU", "Rp268JB6Ne4", "2011", "", "950", "999", "", "", ""],
            ]
        )
        with pytest.raises(Dhis2Error) as caught:
            read_analytics(document, KP, parse_mapping(MAPPING))
        assert caught.value.problems == (
            "row 1 (I.1) numerator: 'lots' is not a number",
            "row 2: input 'sasaran_bumil' of Rp268JB6Ne4 2011 is 999 here but 1000 in an earlier row",
        )

    @pytest.mark.parametrize(
        ("text", "said"),
        [
            ("Infinity", "'Infinity' is not a finite number"),
            ("-inf", "'-inf' is not a finite number"),
            ("NaN", "'NaN' is not a finite number"),
            ("1e50000000", "'1e50000000' is over 400 digits"),
            ("1e-50000000", "'1e-50000000' is over 400 digits"),
            ("9" * 100_000, "is over 400 digits"),
        ],
    )
    def test_import_refuses_non_finite_and_huge_numbers(self, text, said):
        """Non-finite or huge numerators are refused by their text, never expanded."""
        document = analytics([["Uvn6LCg7dVU", "Rp268JB6Ne4", "2011", "", text, "1000", "", "", ""]])
        with pytest.raises(Dhis2Error) as caught:
            read_analytics(document, KP, parse_mapping(MAPPING))
        assert said in caught.value.problems[0]


DHIS2_ANALYTICS = ROOT / "tests" / "data" / "dhis2-analytics.json"
DOCUMENTED_JSON_KEYS = {"dataElement", "period", "orgUnit", "value", "comment", "followup"} | {
    "categoryOptionCombo",
    "attributeOptionCombo",
    "storedBy",
}
VALUES_CSV = (
    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
    "K4visitsAA1,2011,WatesOrgU01,,,950\nSasaranBml1,2011,WatesOrgU01,,,1000\n"
)
# /api/analytics.csv writes each header's "column"; the rows of DHIS2_ANALYTICS.
ANALYTICS_CSV = (
    "Data,Organisation unit,Period,Value,Numerator,Denominator,Factor,Multiplier,Divisor\n"
    "Uvn6LCg7dVU,WatesOrgU01,2011,95.0,950.0,1000.0,100.0,100.0,1.0\n"
    "Uvn6LCg7dVU,SentoloOU01,2011,95.0,94996.0,100000.0,100.0,100.0,1.0\n"
)
CLI_MAPPING = """dhis2: 1
rule_set: kulon-progo-2011
org_units:
  Wates: WatesOrgU01
  Sentolo: SentoloOU01
indicators:
  I.1: {numerator: K4visitsAA1, denominator: SasaranBml1, indicator: Uvn6LCg7dVU}
"""


class TestDhis2Command:
    """`spmkit dhis2 export|import` on DHIS2's documented JSON and CSV formats."""

    @pytest.fixture
    def files(self, tmp_path):
        mapping = tmp_path / "m.yaml"
        mapping.write_text(CLI_MAPPING, encoding="utf-8")
        data = tmp_path / "d.csv"
        data.write_text(
            "puskesmas,bumil_k4,sasaran_bumil\nWates,950,1000\nSentolo,94996,100000\n",
            encoding="utf-8",
        )
        return mapping, data

    def test_export_json_and_csv(self, files, tmp_path, capsys):
        """A dataValueSet: JSON to stdout; -o x.csv in DHIS2's CSV import columns."""
        mapping, data = files
        args = ["dhis2", "export", KP.id, str(data), "--mapping", str(mapping), "--year", "2011"]
        assert main(args) == 0
        values = json.loads(capsys.readouterr().out)["dataValues"]
        assert [(v["dataElement"], v["orgUnit"], v["period"], v["value"]) for v in values] == [
            ("K4visitsAA1", "WatesOrgU01", "2011", "950"),
            ("SasaranBml1", "WatesOrgU01", "2011", "1000"),
            ("K4visitsAA1", "SentoloOU01", "2011", "94996"),
            ("SasaranBml1", "SentoloOU01", "2011", "100000"),
        ]
        # DHIS2's JSON keys only (Developer guide, Data values: "Sending bulks of data values").
        assert {key for v in values for key in v} <= DOCUMENTED_JSON_KEYS
        out = tmp_path / "values.csv"
        assert main([*args, "-o", str(out)]) == 0
        lines = out.read_text(encoding="utf-8").splitlines()
        # DHIS2's CSV data value format: this header, then the columns by position.
        assert lines[0] == (
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,"
            "storedby,lastupdated,comment,followup"
        )
        assert lines[1] == "K4visitsAA1,2011,WatesOrgU01,,,950,,,,"
        assert {len(line.split(",")) for line in lines} == {10}

    def test_import_evaluates_the_analytics_rows(self, files, capsys):
        """An /api/analytics export (includeNumDen) becomes each org unit's records."""
        mapping, _ = files
        assert main(["dhis2", "import", str(DHIS2_ANALYTICS), "--mapping", str(mapping)]) == 0
        rows = json.loads(capsys.readouterr().out)["rows"]
        assert [(r["region"], r["data"]) for r in rows] == [
            ("Wates", {"bumil_k4": 950, "sasaran_bumil": 1000}),
            ("Sentolo", {"bumil_k4": 94996, "sasaran_bumil": 100000}),
        ]
        expected = spmkit.evaluate(KP, rows[1]["data"], year=2011).to_dict()["results"]
        assert rows[1]["results"] == expected
        assert (rows[1]["results"][0]["status"], rows[1]["results"][0]["shown_value"]) == (
            "not_met",
            expected[0]["shown_value"],
        )

    @pytest.mark.parametrize(
        ("swap", "said"),
        [
            (
                [('"WatesOrgU01", "2011"', '"Wates", "2011"')],
                "not uids (names?)",
            ),
            ([('"Uvn6LCg7dVU", "', '"ANC 4th visit", "')], "outputIdScheme=UID, not names"),
            ([('"94996.0"', '"Infinity"')], "'Infinity' is not a finite number"),
            ([('"94996.0"', '"1e50000000"')], "'1e50000000' is over 400 digits"),
        ],
    )
    def test_import_refusals(self, files, tmp_path, capsys, swap, said):
        """Names instead of uids, non-finite and huge numbers: a clear error, exit 2."""
        mapping, _ = files
        text = DHIS2_ANALYTICS.read_text(encoding="utf-8")
        for old, new in swap:
            text = text.replace(old, new)
        path = tmp_path / "a.json"
        path.write_text(text, encoding="utf-8")
        assert main(["dhis2", "import", str(path), "--mapping", str(mapping)]) == 2
        assert said in capsys.readouterr().err

    def test_codes_instead_of_uids(self, tmp_path, capsys):
        """id_scheme: code maps DHIS2 codes; the export says idScheme CODE."""
        mapping = tmp_path / "codes.yaml"
        mapping.write_text(
            "dhis2: 1\nid_scheme: code\norg_units: {Wates: OU_WATES}\n"
            "indicators:\n  I.1: {numerator: K4_VISITS, denominator: SASARAN_BUMIL, "
            "indicator: IND_K4}\n",
            encoding="utf-8",
        )
        data = tmp_path / "d.csv"
        data.write_text("puskesmas,bumil_k4,sasaran_bumil\nWates,950,1000\n", encoding="utf-8")
        args = ["dhis2", "export", KP.id, str(data), "--mapping", str(mapping), "--year", "2011"]
        assert main(args) == 0
        value_set = json.loads(capsys.readouterr().out)
        assert value_set["idScheme"] == "CODE"
        assert value_set["dataValues"][0]["dataElement"] == "K4_VISITS"
        text = (
            DHIS2_ANALYTICS.read_text(encoding="utf-8")
            .replace("Uvn6LCg7dVU", "IND_K4")
            .replace("WatesOrgU01", "OU_WATES")
        )
        analytics_path = tmp_path / "a.json"
        analytics_path.write_text(text, encoding="utf-8")
        assert (
            main(
                [
                    "dhis2",
                    "import",
                    str(analytics_path),
                    "--mapping",
                    str(mapping),
                    "--rule-set",
                    KP.id,
                ]
            )
            == 0
        )
        rows = json.loads(capsys.readouterr().out)["rows"]
        assert rows[0]["region"] == "Wates"
        assert rows[0]["data"] == {"bumil_k4": 950, "sasaran_bumil": 1000}


def imported(capsys, path: Path, mapping: Path, *more: str) -> list[dict]:
    """`spmkit dhis2 import`'s rows: region, period and input data of each."""
    assert main(["dhis2", "import", str(path), "--mapping", str(mapping), *more]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    return [(row["region"], row["period"], row["data"]) for row in rows]


def refused(capsys, path: Path, mapping: Path) -> str:
    """`spmkit dhis2 import` exits 2; what it says."""
    assert main(["dhis2", "import", str(path), "--mapping", str(mapping)]) == 2
    return capsys.readouterr().err


EXPECTED = [
    ("Wates", "2011", {"bumil_k4": 950, "sasaran_bumil": 1000}),
    ("Sentolo", "2011", {"bumil_k4": 94996, "sasaran_bumil": 100000}),
]


class TestDhis2Csv:
    """Import of DHIS2's CSV formats: analytics CSV and the dataValueSet CSV; limits."""

    @pytest.fixture
    def mapping(self, tmp_path):
        path = tmp_path / "m.yaml"
        path.write_text(CLI_MAPPING, encoding="utf-8")
        return path

    @pytest.mark.parametrize("form", ["json", "csv"])
    def test_export_then_import_gives_the_same_values(self, mapping, tmp_path, capsys, form):
        """`dhis2 export` (JSON or CSV) read back by `dhis2 import`: the data it came from."""
        data = tmp_path / "d.csv"
        data.write_text(
            "puskesmas,tahun,bumil_k4,sasaran_bumil\nWates,2011,950,1000\n"
            "Sentolo,2011,94996,100000\nWates,2012,17,19\n",
            encoding="utf-8",
        )
        out = tmp_path / f"values.{form}"
        assert (
            main(["dhis2", "export", KP.id, str(data), "--mapping", str(mapping), "-o", str(out)])
            == 0
        )
        assert imported(capsys, out, mapping) == [
            *EXPECTED,
            ("Wates", "2012", {"bumil_k4": 17, "sasaran_bumil": 19}),
        ]

    def test_analytics_csv_equals_the_analytics_json(self, mapping, tmp_path, capsys):
        """An /api/analytics.csv export (column titles, or names in any order) reads as the JSON."""
        from_json = imported(capsys, DHIS2_ANALYTICS, mapping)
        assert from_json == EXPECTED
        titled = tmp_path / "a.csv"
        titled.write_text(ANALYTICS_CSV, encoding="utf-8")
        assert imported(capsys, titled, mapping) == from_json
        named = tmp_path / "named.csv"
        named.write_text(
            "pe;ou;dx;denominator;numerator;value\n"
            "2011;WatesOrgU01;Uvn6LCg7dVU;1000;950;95\n"
            "2011;SentoloOU01;Uvn6LCg7dVU;100000;94996;95\n",
            encoding="utf-8",
        )
        assert imported(capsys, named, mapping) == from_json

    def test_the_documented_data_value_set_csv(self, mapping, tmp_path, capsys):
        """DHIS2's own example form: quoted cells, the old header, default combos, extra columns."""
        path = tmp_path / "dvs.csv"
        path.write_text(
            '"dataelement","period","orgunit","catoptcombo","attroptcombo","value","storedby","timestamp"\n'
            '"K4visitsAA1","2011","WatesOrgU01","HllvX50cXC0",,"950","admin","2012-01-17"\n'
            '"SasaranBml1","2011","WatesOrgU01","HllvX50cXC0",,"1000.0","admin","2012-01-17"\n'
            '"OtherDE0001","2011","WatesOrgU01","HllvX50cXC0",,"7","admin","2012-01-17"\n',
            encoding="utf-8",
        )
        assert imported(capsys, path, mapping) == [EXPECTED[0]]

    def test_a_data_value_set_json_with_set_level_period_and_org_unit(
        self, mapping, tmp_path, capsys
    ):
        """The set's period and orgUnit apply to values without their own (DHIS2's JSON form)."""
        path = tmp_path / "dvs.json"
        path.write_text(
            json.dumps(
                {
                    "dataSet": "pBOMPrpg1QX",
                    "period": "2011",
                    "orgUnit": "SentoloOU01",
                    "dataValues": [
                        {"dataElement": "K4visitsAA1", "value": "94996"},
                        {"dataElement": "SasaranBml1", "value": "100000"},
                    ],
                }
            ),
            encoding="utf-8",
        )
        assert imported(capsys, path, mapping) == [EXPECTED[1]]

    @pytest.mark.parametrize(
        ("text", "said"),
        [
            # Names instead of uids: a clear error naming the values and the fix.
            (
                (
                    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
                    "ANC 4th visit,2011,Wates,,,950\n"
                ),
                (
                    "no value is of a mapped data element (the file's data elements: "
                    "'ANC 4th visit'); the mapping has uids: export with idScheme=UID, not names"
                ),
            ),
            (
                (
                    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
                    "K4visitsAA1,2011,Wates,,,950\n"
                ),
                "organisation units 'Wates' are not uids (names?); export with orgUnitIdScheme=UID",
            ),
            (
                ANALYTICS_CSV.replace("Uvn6LCg7dVU", "ANC 4th visit coverage"),
                "export with outputIdScheme=UID, not names",
            ),
            # Non-finite and huge numbers, at their file:line and column.
            (
                ANALYTICS_CSV.replace("94996.0", "Infinity"),
                "a.csv:3 (I.1) Numerator: 'Infinity' is not a finite number; give a count",
            ),
            (
                (
                    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
                    "K4visitsAA1,2011,WatesOrgU01,,,NaN\n"
                ),
                "a.csv:2 (K4visitsAA1) value: 'NaN' is not a finite number",
            ),
            (
                ANALYTICS_CSV.replace("94996.0", "1e50000000"),
                "a.csv:3 (I.1) Numerator: '1e50000000' is over 400 digits",
            ),
            (
                ANALYTICS_CSV.replace("94996.0", "9" * 500_000),
                "a.csv:3 (I.1) Numerator: '9999999999999999999999999999999999999999' is over 400",
            ),
            # One input given two values (two category option combos of one element).
            (
                (
                    "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
                    "K4visitsAA1,2011,WatesOrgU01,Male0000001,,400\n"
                    "K4visitsAA1,2011,WatesOrgU01,Female00001,,550\n"
                ),
                "a.csv:3: input 'bumil_k4' of WatesOrgU01 2011 is 550 here but 400 in a.csv:2",
            ),
            # Neither kind of header; too few columns.
            ("region,value\nWates,1\n", "line 1: the header 'region,value' is neither"),
            (
                "dataelement,period,orgunit\nK4visitsAA1,2011,WatesOrgU01\n",
                "a.csv:2: 3 columns; a data value needs at least 6",
            ),
            (
                ANALYTICS_CSV.replace("Uvn6LCg7dVU,Sentolo", '"Uvn6LCg7dVU,Sentolo'),
                'line 3: a quote (") opened here is never closed',
            ),
        ],
    )
    def test_refusals_name_the_place_and_the_fix(self, mapping, tmp_path, capsys, text, said):
        """Every refusal exits 2 and says where (file:line, column) and how to fix it."""
        path = tmp_path / "a.csv"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        said_here = refused(capsys, path, mapping).replace(str(tmp_path) + "/", "")
        assert said in said_here
        assert time.perf_counter() - started < 30  # bounded: never expands a huge number

    def test_the_id_scheme_of_a_data_value_set_must_be_the_mappings(
        self, mapping, tmp_path, capsys
    ):
        """A dataValueSet saying idScheme NAME against a uid mapping is refused, with the fix."""
        path = tmp_path / "dvs.json"
        path.write_text(
            json.dumps({"idScheme": "NAME", "dataValues": [{"dataElement": "x"}]}), encoding="utf-8"
        )
        said = refused(capsys, path, mapping)
        assert "$.idScheme is 'NAME' but the mapping has UID ids (id_scheme)" in said

    def test_codes_in_a_data_value_set_csv(self, tmp_path, capsys):
        """id_scheme: code reads DHIS2 codes in the dataValueSet CSV too."""
        codes = {"K4visitsAA1": "K4_VISITS", "SasaranBml1": "SASARAN_BUMIL", "WatesOrgU01": "OU_W"}
        files = {"codes.yaml": f"{CLI_MAPPING}id_scheme: code\n", "v.csv": VALUES_CSV}
        for name, text in files.items():
            for uid, code in codes.items():
                text = text.replace(uid, code)  # noqa: PLW2901 - the file's text, with codes
            (tmp_path / name).write_text(text, encoding="utf-8")
        assert imported(capsys, tmp_path / "v.csv", tmp_path / "codes.yaml") == [EXPECTED[0]]

    def test_a_huge_mapping_file_is_refused_before_it_is_read(self, tmp_path, capsys):
        """A mapping over MAX_FILE_BYTES: exit 2 naming the limit; at the limit it is read."""
        path = tmp_path / "m.yaml"
        path.write_text(CLI_MAPPING + "#" * (MAX_FILE_BYTES - len(CLI_MAPPING)), encoding="utf-8")
        assert imported(capsys, DHIS2_ANALYTICS, path) == EXPECTED
        path.write_text(
            CLI_MAPPING + "#" * (MAX_FILE_BYTES + 1 - len(CLI_MAPPING)), encoding="utf-8"
        )
        said = refused(capsys, DHIS2_ANALYTICS, path)
        assert f"is over {MAX_FILE_BYTES} bytes; a DHIS2 mapping is a few lines" in said

    @pytest.mark.slow
    def test_row_and_column_limits_while_reading(self, mapping, tmp_path, capsys):
        """At most MAX_SHEET_ROWS rows and MAX_SHEET_COLUMNS columns: at the limit read, over refused."""
        head = "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n"
        row = "OtherDE0001,2011,WatesOrgU01,,,1\n"
        path = tmp_path / "big.csv"
        path.write_text(head + row * MAX_SHEET_ROWS, encoding="utf-8")
        assert "no value is of a mapped data element" in refused(capsys, path, mapping)
        path.write_text(head + row * (MAX_SHEET_ROWS + 1), encoding="utf-8")
        assert "200,001 rows; spmkit reads at most 200,000 rows" in refused(capsys, path, mapping)
        wide = tmp_path / "wide.csv"
        wide.write_text(
            head + "K4visitsAA1,2011,WatesOrgU01,,,950" + ",x" * 994 + "\n", encoding="utf-8"
        )
        assert imported(capsys, wide, mapping) == [("Wates", "2011", {"bumil_k4": 950})]
        wide.write_text(
            head + "K4visitsAA1,2011,WatesOrgU01,,,950" + ",x" * 995 + "\n", encoding="utf-8"
        )
        assert "line 2: 1,001 columns; spmkit reads at most 1,000" in refused(capsys, wide, mapping)


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**12),
            st.integers(min_value=1, max_value=10**12),
            st.sampled_from(["Wates", "Sentolo"]),
        ),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[2],
    )
)
@settings(max_examples=40, deadline=None)
def test_data_value_set_csv_round_trip_property(rows):
    """Any counts: to_data_value_set -> DHIS2 CSV -> read_dhis2_file gives them back exactly."""
    import tempfile  # noqa: PLC0415 - hypothesis runs this many times

    mapping = parse_mapping(yaml.safe_load(CLI_MAPPING))
    reports = [
        RegionReport(
            report=spmkit.evaluate(KP, {"bumil_k4": k4, "sasaran_bumil": target}),
            region=region,
            year=2011,
        )
        for k4, target, region in rows
    ]
    text = data_value_set_csv(to_data_value_set(KP, reports, mapping))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "v.csv"
        path.write_text(text, encoding="utf-8")
        back = read_dhis2_file(path, KP, mapping)
    assert {(r.region, r.period): dict(r.data) for r in back} == {
        (region, "2011"): {"bumil_k4": k4, "sasaran_bumil": target} for k4, target, region in rows
    }
