"""Overlays (``extends:``): resolution, provenance, ordering, and every refusal."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import spmkit
from spmkit import ExtendsCycleError, RuleSetInvalid, Verification, format_errors
from spmkit._language.expr import render

BASE = """\
spmkit: 1
id: base-2020
title: Base
language: id
jurisdiction: {level: kabupaten/kota, name: Semua}
legal_basis: {instrument: Peraturan Menteri, number: "1", year: 2020}
inputs:
  a: {label: A, unit: person}
  b: {label: B, unit: person}
  c: {label: C, unit: person}
service_types:
  S: {name: Layanan}
indicators:
  X.1:
    service_type: S
    name: Satu
    numerator: a
    denominator: b
    factor: 100
    target: {op: ">=", value: 90}
    deadline: 2015
    source: {ref: "Lampiran 1", verification: secondary}
  X.2:
    service_type: S
    name: Dua
    numerator: c
    denominator: b
    factor: 100
    target: {op: ">=", value: 100}
    deadline: null
    source: {ref: "Lampiran 2", verification: primary}
    sources:
      target: {ref: "Lampiran 2, nilai", verification: unverified, note: not read}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def overlay(body: str, extends: str = "base.yaml") -> str:
    return f"spmkit: 1\nid: variant-2021\nextends: {extends}\n{body}"


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    write(tmp_path, "base.yaml", BASE)
    return tmp_path


def load(path: Path) -> spmkit.RuleSet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.UnverifiedValuesWarning)
        return spmkit.load_rule_set(path)


class TestResolve:
    def test_empty_overlay_is_the_base_with_origins(self, base_dir):
        """An overlay that changes nothing has the base's indicators, each value stamped with the base file."""
        rs = load(write(base_dir, "v.yaml", overlay("")))
        assert rs.id == "variant-2021"
        assert rs.extends == ("base-2020",)
        assert list(rs.indicators) == ["X.1", "X.2"]
        target = rs.indicators["X.2"].source_of("target")
        assert (target.ref, target.verification, target.rule_set) == (
            "Lampiran 2, nilai",
            Verification.UNVERIFIED,
            "base-2020",
        )
        assert target.file == str(base_dir / "base.yaml")
        assert target.instrument == "Peraturan Menteri Nomor 1 Tahun 2020"
        assert rs.indicators["X.2"].source_of("formula").ref == "Lampiran 2"

    def test_override_target_with_per_value_source(self, base_dir):
        """Only the cited value changes provenance; the row keeps the base's source."""
        body = """\
indicators:
  X.1:
    target: {op: ">=", value: 80}
    sources: {target: {ref: "Renstra p. 5", verification: secondary}}
"""
        path = write(base_dir, "v.yaml", overlay(body))
        ind = load(path).indicators["X.1"]
        assert ind.target.value == 80
        assert ind.source_of("target").ref == "Renstra p. 5"
        assert ind.source_of("target").rule_set == "variant-2021"
        assert ind.source_of("target").file == str(path)
        assert ind.source_of("deadline").rule_set == "base-2020"
        assert ind.source.ref == "Lampiran 1"
        assert ind.deadline == 2015

    def test_row_source_cites_every_value_of_the_row(self, base_dir):
        """`source:` on an override re-cites the row and all its values, changed or not."""
        body = """\
indicators:
  X.2:
    deadline: 2019
    source: {ref: "Lampiran B, 2", verification: primary}
"""
        ind = load(write(base_dir, "v.yaml", overlay(body))).indicators["X.2"]
        assert ind.deadline == 2019
        assert {
            f: ind.source_of(f).ref for f in ("target", "deadline", "formula")
        } == dict.fromkeys(("target", "deadline", "formula"), "Lampiran B, 2")
        assert ind.target.value == 100

    def test_formula_override_and_new_input(self, base_dir):
        """Formulas can be overridden, reading inputs the overlay declares."""
        body = """\
inputs:
  d: {label: D, unit: person}
indicators:
  X.1:
    numerator: d + a
    factor: 1000
    sources: {formula: {ref: "Juknis", verification: secondary}}
"""
        ind = load(write(base_dir, "v.yaml", overlay(body))).indicators["X.1"]
        assert render(ind.numerator) == "d + a"
        assert ind.factor == 1000
        assert ind.source_of("formula").ref == "Juknis"

    def test_drop_and_add_with_after(self, base_dir):
        """Dropped indicators disappear; added ones go after their anchor, in file order."""
        new = """\
    service_type: S
    name: Baru
    numerator: a
    denominator: b
    factor: 100
    target: {op: ">=", value: 50}
    deadline: 2021
    source: {ref: "Lampiran 9", verification: primary}
"""
        body = f"drop: [X.2]\nindicators:\n  N.2:\n    after: X.1\n{new}  N.3:\n    after: X.1\n{new}  N.9:\n{new}"
        rs = load(write(base_dir, "v.yaml", overlay(body)))
        assert list(rs.indicators) == ["X.1", "N.2", "N.3", "N.9"]
        assert rs.indicators["N.2"].source_of("target").rule_set == "variant-2021"

    def test_overlay_of_overlay_keeps_deepest_origin(self, base_dir):
        """A two-level chain records both bases and keeps each value's first origin."""
        write(
            base_dir,
            "mid.yaml",
            overlay(
                "indicators:\n  X.1:\n    target: {op: '>=', value: 85}\n    sources: {target: {ref: mid}}\n"
            ),
        )
        top = "spmkit: 1\nid: top-2022\nextends: mid.yaml\n"
        rs = load(write(base_dir, "top.yaml", top))
        assert rs.extends == ("variant-2021", "base-2020")
        assert rs.indicators["X.1"].source_of("target").rule_set == "variant-2021"
        assert rs.indicators["X.2"].source_of("target").rule_set == "base-2020"

    def test_results_carry_the_target_source(self, base_dir):
        """An evaluation result cites the overridden target's source, not the base's."""
        body = "indicators:\n  X.1:\n    target: {op: '>=', value: 80}\n    sources: {target: {ref: 'Renstra p. 5', verification: secondary}}\n"
        rs = load(write(base_dir, "v.yaml", overlay(body)))
        result = spmkit.evaluate(rs, {"a": 81, "b": 100})["X.1"]
        assert result.met is True
        assert result.target_source is not None
        assert (result.target_source.ref, result.target_source.rule_set) == (
            "Renstra p. 5",
            "variant-2021",
        )
        assert result.to_dict()["target_source"]["verification"] == "secondary"


class TestRefusals:
    def test_self_extension_is_a_cycle(self, tmp_path):
        """A file that extends itself is refused with an ExtendsCycleError naming the loop."""
        path = write(tmp_path, "self.yaml", overlay("", extends="self.yaml"))
        with pytest.raises(RuleSetInvalid) as info:
            load(path)
        (error,) = info.value.exceptions
        assert isinstance(error, ExtendsCycleError)
        assert error.line == 3
        assert "'extends' makes a cycle: self.yaml -> self.yaml" in str(error)

    def test_two_file_cycle(self, tmp_path):
        """a -> b -> a is refused, and the message shows the whole loop."""
        write(tmp_path, "a.yaml", overlay("", extends="b.yaml"))
        write(tmp_path, "b.yaml", overlay("", extends="a.yaml"))
        with pytest.raises(RuleSetInvalid) as info:
            load(tmp_path / "a.yaml")
        assert format_errors(info.value) == [
            (
                f"{tmp_path / 'b.yaml'}:3: $.extends: 'extends' makes a cycle: "
                "a.yaml -> b.yaml -> a.yaml; a rule set cannot extend itself, directly or through others"
            )
        ]

    def test_unknown_base(self, tmp_path):
        """An unknown base id is reported at the extends line."""
        path = write(tmp_path, "v.yaml", overlay("", extends="no-such-rule-set"))
        with pytest.raises(RuleSetInvalid) as info:
            load(path)
        (message,) = format_errors(info.value)
        assert message.startswith(f"{path}:3: $.extends: no rule set 'no-such-rule-set'")

    def test_every_problem_at_once(self, base_dir):
        """Uncited overrides, bad drops, bad anchors and unknown keys are all reported together."""
        body = """\
drop: [X.9]
colour: red
indicators:
  X.1:
    target: {op: ">=", value: 80}
  X.2:
    numerator: nope
    sources: {formula: {ref: here}}
  N.1:
    after: X.7
    service_type: S
    name: Baru
    numerator: a
    denominator: b
    factor: 100
    target: {op: ">=", value: 50}
    deadline: 2021
    source: here
"""
        path = write(base_dir, "v.yaml", overlay(body))
        with pytest.raises(RuleSetInvalid) as info:
            load(path)
        messages = format_errors(info.value)
        assert len(messages) == 5, messages
        joined = "\n".join(messages)
        assert "unknown key 'colour' in an overlay" in joined
        assert (
            "cannot drop 'X.9': rule set 'base-2020' has no such indicator; did you mean 'X."
            in joined
        )
        assert "override of indicator 'X.1' changes target but cites no source for it" in joined
        assert "'after' must name an indicator of the resolved rule set (got 'X.7')" in joined
        assert "nope" in joined

    def test_dropped_and_overridden(self, base_dir):
        """An indicator cannot be both dropped and overridden."""
        body = "drop: [X.1]\nindicators:\n  X.1:\n    deadline: 2020\n    source: s\n"
        with pytest.raises(RuleSetInvalid) as info:
            load(write(base_dir, "v.yaml", overlay(body)))
        assert [m.partition(": ")[2] for m in format_errors(info.value)] == [
            "$.indicators['X.1']: indicator 'X.1' is both dropped and overridden"
        ]

    def test_loads_text_with_shipped_base(self):
        """Overlay text (no file) may extend a shipped rule set by id."""
        text = "spmkit: 1\nid: t-2020\nextends: permenkes-4-2019\ndrop: ['12']\n"
        with pytest.warns(spmkit.UnverifiedValuesWarning):
            rs = spmkit.loads_rule_set(text)
        assert len(rs.indicators) == 11


def test_extends_with_a_nul_byte_is_a_rule_set_problem(tmp_path):
    """A NUL in 'extends' (an OS-level ValueError in path code) is reported, not raised raw."""
    overlay = tmp_path / "o.yaml"
    overlay.write_text('spmkit: 1\nid: o\nextends: "base\\0.yaml"\n', encoding="utf-8")
    with pytest.raises(spmkit.RuleSetInvalid) as caught:
        spmkit.load_rule_set(overlay)
    (line,) = spmkit.format_errors(caught.value)
    assert "$.extends: no rule set 'base\\x00.yaml'" in line
    assert "a file under" in line
