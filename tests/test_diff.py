"""spmkit._rulesets.diff and spmkit._evaluation.compare: structured differences and side-by-side results."""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar

import attrs
import pytest

import spmkit
from spmkit import DataInvalid, Status
from spmkit._rulesets.diff import Formula


class TestDiff:
    def test_43_2016_to_4_2019(self):
        """From 43/2016 to 4/2019 only the TB formula changes (people with TB -> presumed TB), plus names."""
        d = spmkit.diff("permenkes-43-2016", "permenkes-4-2019")
        assert (d.a, d.b, d.added, d.removed) == ("permenkes-43-2016", "permenkes-4-2019", (), ())
        (tb,) = d.by_field("formula")
        assert tb.indicator_id == "11"
        assert str(tb.before) == "tb_standar / tb_total x 100"
        assert str(tb.after) == "terduga_tb_diperiksa / terduga_tb x 100"
        assert tb.source_before.instrument == "Peraturan Menteri Kesehatan Nomor 43 Tahun 2016"
        assert d.by_field("target") == d.by_field("deadline") == ()
        assert [c.indicator_id for c in d.by_field("name")] == ["9", "11", "12"]

    def test_741_to_kulon_progo(self):
        """Kulon Progo adds I.16, moves I.15 to service I, and changes 9 targets and 16 deadlines."""
        d = spmkit.diff("permenkes-741-2008", "kulon-progo-2011")
        assert [i.id for i in d.added] == ["I.16"]
        assert d.removed == ()
        assert {c.indicator_id for c in d.by_field("target")} == {
            "I.2",
            "I.3",
            "I.4",
            "I.5",
            "I.6",
            "I.8",
            "I.12",
            "I.13.a",
            "I.13.c",
        }
        assert len(d.by_field("deadline")) == 16
        (moved,) = d.by_field("service_type")
        assert (moved.indicator_id, moved.before, moved.after) == ("I.15", "II", "I")
        (tb,) = (c for c in d.changes_of("I.13.c") if c.field == "target")
        assert tb.describe() == ">= 100 % -> >= 70 %"
        assert (tb.source_before.verification.value, tb.source_after.verification.value) == (
            "unverified",
            "primary",
        )
        afp = next(c for c in d.changes_of("I.13.a") if c.field == "target")
        assert afp.describe() == ">= 2 per 100,000 -> >= 100 %"

    def test_overlay_and_stand_alone_do_not_differ(self):
        """The overlay form of Kulon Progo diffs empty against the stand-alone file."""
        d = spmkit.diff("kulon-progo-2011", "kulon-progo-2011-overlay")
        assert not d
        assert (
            str(d)
            == "diff kulon-progo-2011 -> kulon-progo-2011-overlay: 0 added, 0 removed, 0 changed (no values)"
        )

    def test_rendering(self):
        """The text report shows each change with both values and both sources."""
        lines = str(spmkit.diff("permenkes-4-2019", "kubu-raya-2021")).splitlines()
        assert lines[:6] == [
            "diff permenkes-4-2019 -> kubu-raya-2021: 0 added, 0 removed, 2 changed (1 formula, 2 target, 2 deadline)",
            "~ 2",
            "    formula: bulin_standar / sasaran_bulin x 100 -> bulin_nakes / sasaran_bulin x 100",
            "      was: Peraturan Menteri Kesehatan Nomor 4 Tahun 2019, Lampiran, capaian kinerja (numerator and denominator) [unverified]",
            "      now: Profil Kesehatan Kabupaten Kubu Raya 2021 (Dinas Kesehatan), hlm. 57 [secondary; from kubu-raya-2021]",
            "    target: >= 100 % -> >= 88 %",
        ]
        summary = spmkit.diff("permenkes-4-2019", "kubu-raya-2021").summary().splitlines()
        assert summary[-3:] == [
            "~ 9",
            "    target: >= 100 % -> >= 85 %",
            "    deadline: none -> 2021",
        ]

    def test_result_is_frozen(self):
        """Diff results are immutable."""
        d = spmkit.diff("permenkes-43-2016", "permenkes-4-2019")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            d.a = "x"  # type: ignore[misc]
        assert isinstance(d.changes, tuple)
        assert isinstance(d.by_field("formula")[0].before, Formula)

    def test_bad_field(self):
        """Unknown fields are refused with the list of valid ones."""
        with pytest.raises(
            ValueError, match="fields must be among service_type, name, formula, target, deadline"
        ):
            spmkit.diff("permenkes-43-2016", "permenkes-4-2019", fields=("colour",))  # type: ignore[arg-type]


class TestCompare:
    DATA: ClassVar = {
        "bulin_standar": 894,
        "bulin_nakes": 936,
        "sasaran_bulin": 1000,
        "dm_standar": 4950,
        "dm_estimasi": 5297,
    }

    def test_regency_targets_change_the_verdict(self):
        """Kubu Raya's 2021 counts meet its own Renstra targets but not the national 100 %."""
        c = spmkit.compare(["permenkes-4-2019", "kubu-raya-2021"], self.DATA)
        assert c.rule_set_ids == ("permenkes-4-2019", "kubu-raya-2021")
        national, regency = c.row("9")
        assert national is not None and regency is not None
        assert (national.status, regency.status) == (Status.NOT_MET, Status.MET)
        assert national.exact_value == regency.exact_value
        assert c.row("2")[1].exact_value == Fraction("93.6")  # type: ignore[union-attr]
        assert c.disagreements() == ("2", "9")
        table = str(c).splitlines()
        assert table[0].split(" | ")[0].strip() == "indicator"
        assert [cell.strip() for cell in table[10].split(" | ")] == [
            "9",
            "93.45 % (>= 100 %) not_met, gap 6.55",
            "93.45 % (>= 85 %) met",
        ]

    def test_input_mapping(self):
        """A rule set that names a count differently reads it through the mapping."""
        c = spmkit.compare(
            ["kulon-progo-2011", "permenkes-4-2019"],
            {"k4": 950, "sasaran_bumil": 1000},
            inputs={
                "kulon-progo-2011": {"bumil_k4": "k4"},
                "permenkes-4-2019": {"bumil_standar": "k4"},
            },
        )
        assert [r.value for r in (c.row("I.1")[0], c.row("1")[1])] == [95.0, 95.0]  # type: ignore[union-attr]
        assert c.row("I.1")[1] is None

    def test_unknown_names_refused(self):
        """A data name no compared rule set declares is refused, with a suggestion."""
        with pytest.raises(DataInvalid) as info:
            spmkit.compare(["permenkes-4-2019"], {"dm_standr": 1})
        assert spmkit.format_errors(info.value) == [
            "input 'dm_standr' must be an input of one of the compared rule sets (got 1) (did you mean 'dm_standar'?)"
        ]
