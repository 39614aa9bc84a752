"""Reports for many regions, small numbers and comparisons a researcher can publish."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import spmkit
from spmkit._evaluation.intervals import wilson_interval
from spmkit._files.chart import chart_bytes
from spmkit._files.datafiles import DataRow, RowOutcome
from spmkit._files.regions import MAX_REGIONS, regions_html, shown_value
from spmkit._rulesets.model import Target
from spmkit.errors import UsageError

KP = spmkit.load_rule_set("kulon-progo-2011")


class TestWilson:
    @pytest.mark.parametrize(
        ("successes", "trials", "low", "high"),
        [
            # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3
            # (Wilson score interval without continuity correction).
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ],
    )
    def test_published_values(self, successes, trials, low, high):
        got = wilson_interval(successes, trials)
        assert got is not None
        assert (round(got[0], 4), round(got[1], 4)) == (low, high)

    def test_three_of_four_against_950_of_1000(self):
        """3 of 4 is 75 % but could be 30 %..95 %; 950 of 1,000 is 93.5 %..96.2 %."""
        small = wilson_interval(3, 4)
        large = wilson_interval(950, 1000)
        assert small is not None and large is not None
        assert (round(small[0], 4), round(small[1], 4)) == (0.3006, 0.9544)
        assert (round(large[0], 4), round(large[1], 4)) == (0.9347, 0.9619)

    def test_no_interval_without_a_proportion(self):
        assert wilson_interval(5, 0) is None
        assert wilson_interval(5, 4) is None

    def test_result_attributes(self):
        report = spmkit.evaluate(KP, {"bumil_k4": 3, "sasaran_bumil": 4})
        result = report["I.1"]
        assert result.small_denominator
        assert result.interval is not None
        assert round(result.interval[0], 2) == 30.06
        big = spmkit.evaluate(KP, {"bumil_k4": 950, "sasaran_bumil": 1000})["I.1"]
        assert not big.small_denominator
        assert big.to_dict()["small_denominator"] is False

    def test_batch_arrays(self):
        result = spmkit.evaluate_batch(KP, {"bumil_k4": [3, 950], "sasaran_bumil": [4, 1000]})
        arrays = result["I.1"]
        assert arrays.small_denominator.tolist() == [True, False]
        low, high = arrays.interval
        assert [round(v, 2) for v in low.tolist()] == [30.06, 93.47]
        assert [round(v, 2) for v in high.tolist()] == [95.44, 96.19]


class TestShownValue:
    def test_never_rounds_across_the_target(self):
        target = Target(op=">=", value=95)
        assert shown_value(Fraction(94996, 1000), target, met=False, lang="id") == "94,996"
        assert shown_value(Fraction(9463, 100), target, met=False, lang="en") == "94.63"
        assert shown_value(Fraction(95), target, met=True, lang="en") == "95.00"
        assert shown_value(Fraction(95 * 10**9 - 1, 10**9), target, met=False) == "94,999999999"

    @given(
        value=st.fractions(min_value=0, max_value=200, max_denominator=10**7),
        threshold=st.fractions(min_value=0, max_value=200, max_denominator=1000),
        op=st.sampled_from([">=", ">", "<=", "<"]),
    )
    def test_shown_text_decides_like_the_exact_value(self, value, threshold, op):
        target = Target(op=op, value=threshold)
        met = target.is_met(value)
        text = shown_value(value, target, met=met, lang="en").replace(",", "")
        assert target.is_met(Fraction(text)) == met


def _table(regions):
    names = [f"Puskesmas {i:03d}" for i in range(regions)]
    return {
        "puskesmas": names,
        "bumil_k4": [900 + (i * 7) % 120 for i in range(regions)],
        "sasaran_bumil": [1000] * regions,
        "ibu_nifas_kf3": [3 if i == 0 else 400 for i in range(regions)],
        "ibu_nifas": [4 if i == 0 else 420 for i in range(regions)],
    }


class TestRegionsReport:
    @pytest.mark.parametrize("regions", [25, pytest.param(MAX_REGIONS, marks=pytest.mark.slow)])
    def test_structure(self, regions):
        page = regions_html(KP, _table(regions), keys=["puskesmas"], lang="id")
        grid = page.split('<table class="grid">', 1)[1].split("</table>", 1)[0]
        body = grid.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        assert body.count("<tr>") == regions
        assert 'class="totals"' in grid.split("</tbody>", 1)[1]
        assert "<script" not in page
        assert not re.search(r"""(src|href)=["']?https?:""", page)
        assert page.count("<details>") == len(KP.indicators) + regions

    def test_totals_are_a_ratio_of_sums(self):
        table = {"puskesmas": ["A", "B"], "bumil_k4": [1, 50], "sasaran_bumil": [1, 100]}
        page = regions_html(KP, table, keys=["puskesmas"], lang="en")
        totals = page.split('class="totals"', 1)[1].split("</tr>", 1)[0]
        assert "50.5" in totals  # 51 of 101, not the 75 % an average of 100 % and 50 % gives

    def test_small_denominator_caveat_in_the_ranking(self):
        page = regions_html(KP, _table(25), keys=["puskesmas"], lang="en")
        ranking = page.split('id="ranking"', 1)[1].split('id="detail"', 1)[0]
        row = next(r for r in ranking.split("<tr>") if "Puskesmas 000" in r and "75" in r)
        assert "denominator &lt; 30" in row

    @pytest.mark.slow  # a page past the grid limit
    def test_more_regions_than_a_grid_get_a_summary(self):
        """20,000 regions: counts per status, the totals, the lowest 20 per indicator."""
        page = regions_html(KP, _table(20_000), keys=["puskesmas"], lang="en")
        assert '<table class="grid">' not in page
        counts = page.split('<table class="counts">', 1)[1].split("</table>", 1)[0]
        met = counts.split("</tr>")[1]  # the header row, then the 'met' row
        total_i1 = sum(1 for i in range(20_000) if 900 + (i * 7) % 120 >= 950)
        assert f">{total_i1}</td>" in met
        assert 'class="totals"' in counts
        assert page.count("<details>") == len(KP.indicators)
        assert len(page) < 1_000_000  # a summary, not a 100 MB page

    @pytest.mark.slow
    @pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium not installed")
    def test_renders_in_chromium_at_a_reasonable_height(self, tmp_path):
        page = tmp_path / "report.html"
        page.write_text(regions_html(KP, _table(25), keys=["puskesmas"]), encoding="utf-8")
        shot = tmp_path / "report.png"
        pdf = tmp_path / "report.pdf"
        flags = [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
        ]
        subprocess.run(
            [*flags, f"--screenshot={shot}", "--window-size=1400,1000", page.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            [*flags, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert shot.stat().st_size > 10_000
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
        assert 1 <= pages <= 12  # 25 regions x 23 indicators: an overview, not 23 stacked tables


class TestCompareTable:
    @pytest.fixture
    def scenario(self, tmp_path):
        path = tmp_path / "skenario.yaml"
        path.write_text(
            "spmkit: 1\nid: skenario-k4-93\nextends: kulon-progo-2011\n"
            'indicators:\n  I.1:\n    target: {op: ">=", value: 93}\n'
            "    sources: {target: {ref: 'skenario peneliti', verification: unverified,"
            " note: a researcher's scenario}}\n",
            encoding="utf-8",
        )
        return path

    TABLE: ClassVar[dict[str, list[object]]] = {
        "puskesmas": ["A", "B", "C"],
        "bumil_k4": [950, 930, 900],
        "sasaran_bumil": [1000, 1000, 1000],
    }

    def test_flips_between_rule_sets(self, scenario):
        result = spmkit.compare(["kulon-progo-2011", scenario], self.TABLE, keys=["puskesmas"])
        assert result.statuses("I.1")["kulon-progo-2011"] == ("met", "not_met", "not_met")
        assert result.statuses("I.1")["skenario-k4-93"] == ("met", "met", "not_met")
        (flip,) = result.flips()
        assert (flip.indicator_id, flip.from_status, flip.to_status, flip.regions) == (
            "I.1",
            "not_met",
            "met",
            ("B",),
        )
        data = json.loads(json.dumps(result.to_dict()))
        assert data["summary"] == {
            "flips": 1,
            "regions_flipping": 1,
            "indicators_with_flips": ["I.1"],
        }

    def test_overlay_target_cites_the_overlay(self, scenario):
        result = spmkit.compare(["kulon-progo-2011", scenario], self.TABLE, keys=["puskesmas"])
        targets = result.to_dict()["indicators"]["I.1"]["targets"]
        assert targets["skenario-k4-93"]["source"] == "skenario peneliti"
        assert targets["skenario-k4-93"]["set_by"] == "skenario-k4-93"
        assert targets["kulon-progo-2011"]["verification"] == "primary"

    @pytest.mark.slow
    def test_cli_json_is_structured(self, scenario, tmp_path):
        data = tmp_path / "table.csv"
        data.write_text(
            "puskesmas,bumil_k4,sasaran_bumil\nWates,950,1000\n"
            "Pengasih,930,1000\nSentolo,900,1000\n",
            encoding="utf-8",
        )
        out = subprocess.run(
            [
                str(Path(sys.executable).with_name("spmkit")),
                "compare",
                "kulon-progo-2011",
                str(scenario),
                "--data",
                str(data),
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        parsed = json.loads(out.stdout)
        flips = parsed["indicators"]["I.1"]["flips"]
        assert [(f["from_status"], f["to_status"], f["regions"]) for f in flips] == [
            ("not_met", "met", ["Pengasih"])
        ]

    def test_impact_of_a_diff(self, scenario):
        base = spmkit.load_rule_set("kulon-progo-2011")
        variant = spmkit.load_rule_set(scenario)
        change_set = spmkit.diff(base, variant)
        (entry,) = spmkit.impact(
            change_set, self.TABLE, rule_sets=(base, variant), keys=["puskesmas"]
        )
        assert entry.indicator_id == "I.1"
        assert "target" in entry.fields
        assert entry.moved == ()  # the target moved, not the achievement
        assert [f.regions for f in entry.flipped] == [("B",)]

    def test_csv_neutralises_formula_cells(self):
        table = {"puskesmas": ["=cmd|' /C calc'!A0"], "bumil_k4": [950], "sasaran_bumil": [1000]}
        text = spmkit.compare(["kulon-progo-2011"], table, keys=["puskesmas"]).to_csv()
        assert "\n=cmd" not in text and ",'=cmd" in text


class TestTruthfulCharts:
    """Chart labels agree with the exact decision; tiny values are visible; glyphs too."""

    def _svg(self, values):
        pytest.importorskip("matplotlib")
        report = spmkit.evaluate(KP, values)
        row = DataRow(where="", number=1, region=None, period=None, values=values)
        return chart_bytes(KP, [RowOutcome(row=row, report=report)], "en", image_format="svg")

    def test_a_near_miss_is_not_labelled_as_the_target(self):
        svg = self._svg({"bumil_k4": 9463, "sasaran_bumil": 10000}).decode()
        assert "94.63 \u2717 NOT MET" in svg
        assert "95.0 \u2717" not in svg


class TestTrends:
    TABLE: ClassVar[dict[str, list[object]]] = {
        "year": [2011, 2012, 2013, 2014, 2015],
        "bumil_k4": [880, 910, 9463, 955, 970],
        "sasaran_bumil": [1000, 1000, 10000, 1000, 1000],
    }

    def test_svg_labels_each_year_truthfully(self):
        pytest.importorskip("matplotlib")
        from spmkit._files.trends import trend_chart  # noqa: PLC0415 - after the importorskip

        svg = trend_chart(KP, self.TABLE, lang="en").decode()
        assert "94.63 \u2717" in svg  # 2013: 94.63 %, not met: never drawn as "95"
        assert "95.50 \u2713" in svg
        assert "I.1" in svg and "I.2" not in svg  # only indicators with data

    def test_repeated_year_refused(self):
        from spmkit._files.trends import trend_chart  # noqa: PLC0415

        table = dict(self.TABLE, year=[2011, 2011, 2013, 2014, 2015])
        with pytest.raises(UsageError, match="repeats a year"):
            trend_chart(KP, table)


@pytest.mark.slow
def test_cli_html_for_many_rows_is_the_overview_page(tmp_path):
    """`spmkit evaluate RULES table.csv -o report.html` with many rows: one grid, not N tables."""
    data = tmp_path / "puskesmas.csv"
    rows = "\n".join(f"Puskesmas {i},{900 + i},1000" for i in range(21))
    data.write_text(
        "puskesmas,bumil_k4,sasaran_bumil\n" + rows + "\nBad,tidak ada,1000\n", encoding="utf-8"
    )
    out = tmp_path / "report.html"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("spmkit")),
            "evaluate",
            "kulon-progo-2011",
            str(data),
            "-o",
            str(out),
        ],
        capture_output=True,
        check=False,
    )
    page = out.read_text(encoding="utf-8")
    assert page.count('<table class="grid">') == 1
    assert 'id="refused"' in page and "Bad" in page


def test_trend_draws_the_yearly_milestones():
    """Siak's phased K4 target (Renstra Tabel 5.1): each year judged against its milestone."""
    pytest.importorskip("matplotlib")
    from spmkit._files.trends import trend_chart  # noqa: PLC0415 - after the importorskip

    siak = spmkit.load_rule_set("siak-renstra-2012-2016")
    table = {
        "year": [2012, 2013, 2014],
        "bumil_k4": [960, 970, 975],
        "sasaran_bumil": [1000, 1000, 1000],
    }
    svg = trend_chart(siak, table, indicators=["I.1"], lang="en").decode()
    assert "96.00 \u2713" in svg  # 96 % meets 2012's milestone of 95 (the final target is 100)
    assert "97.50 \u2717" in svg  # 97.5 % misses 2014's milestone of 98
    assert "stroke: #009e73" in svg.lower()  # the milestone step line


class TestSmallDenominatorThreshold:
    """A rule set sets its own threshold (`small_denominator:`); 30 by default."""

    def _rule_set(self, tmp_path, threshold):
        path = tmp_path / "strict.yaml"
        path.write_text(
            f"spmkit: 1\nid: kp-n50\nextends: kulon-progo-2011\nsmall_denominator: {threshold}\n",
            encoding="utf-8",
        )
        return spmkit.load_rule_set(path)

    def test_scalar_and_batch_follow_the_rule_set(self, tmp_path):
        strict = self._rule_set(tmp_path, 50)
        assert (strict.small_denominator, KP.small_denominator) == (50, 30)
        data = {"bumil_k4": 38, "sasaran_bumil": 40}
        assert spmkit.evaluate(strict, data)["I.1"].small_denominator
        assert not spmkit.evaluate(KP, data)["I.1"].small_denominator
        batch = spmkit.evaluate_batch(strict, {"bumil_k4": [38, 48], "sasaran_bumil": [40, 50]})
        assert batch["I.1"].small_denominator.tolist() == [True, False]

    def test_threshold_must_be_a_positive_whole_number(self, tmp_path):
        with pytest.raises(spmkit.RuleSetError) as caught:
            self._rule_set(tmp_path, 0)
        assert "'small_denominator' must be a whole number, 1 or more (got 0)" in str(
            spmkit.format_errors(caught.value)
        )


class TestLargeGrid:
    """Many regions: the status grid is one image, not a rectangle and a label per cell."""

    def _svg(self, regions: int) -> str:
        pytest.importorskip("matplotlib")
        outcomes = []
        for number in range(regions):
            values = {"bumil_k4": 900 + number, "sasaran_bumil": 1000}
            row = DataRow(
                where="", number=number + 2, region=f"R{number}", period=None, values=values
            )
            report = spmkit.evaluate(KP, values)
            outcomes.append(RowOutcome(row=row, report=report))
        refused = DataRow(where="", number=regions + 2, region="bad", period=None, values={})
        outcomes.append(RowOutcome(row=refused, report=None))
        return chart_bytes(KP, outcomes, "en", image_format="svg").decode()

    @pytest.mark.slow  # a chart of 200 regions
    def test_a_grid_of_200_regions_is_one_image(self):
        large, small = self._svg(200), self._svg(20)
        assert large.count("<image") == 1
        assert "<image" not in small  # up to 60 regions: a labelled rectangle per cell
        # 4,623 cells drawn as patches would be thousands of paths; the image is one.
        assert large.count("<path") < small.count("<path")
