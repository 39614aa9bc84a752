"""spmkit new rule-set: a skeleton that passes spmkit check, with its JSON-Schema modeline."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

import spmkit
from spmkit._rulesets.jsonschema import rule_set_schema
from spmkit._rulesets.skeleton import LEVELS, skeleton
from spmkit._rulesets.timekeys import SECTORS
from spmkit.cli import main
from spmkit.errors import UsageError

VALIDATOR = jsonschema.Draft7Validator(rule_set_schema())


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("sector", SECTORS)
def test_skeleton_passes_check(tmp_path, capsys, sector, level):
    out = tmp_path / "new.yaml"
    rule_set_id = f"spm-{sector.replace('_', '-')}-contoh"
    words = ["new", "rule-set", rule_set_id, "--sector", sector, "--level", level]
    assert main([*words, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./rule-set.schema.json"
    assert main(["check", str(out)]) == 0
    assert capsys.readouterr().out.endswith(f"{out}: ok (3 indicators)\n")
    assert not list(VALIDATOR.iter_errors(yaml.safe_load(text)))
    rule_set = spmkit.load_rule_set(out)
    assert (rule_set.sector, rule_set.jurisdiction.level) == (sector, level)
    assert [i.id for i in rule_set.indicators.values()] == ["1", "M.1", "IP.1"]
    counts = rule_set.verification_counts()
    assert counts[spmkit.Verification.PRIMARY] == counts[spmkit.Verification.SECONDARY] == 0


def test_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "mine.yaml"
    out.write_text("my work\n", encoding="utf-8")
    words = ["new", "rule-set", "x", "--sector", "sosial", "--level", "provinsi", "-o", str(out)]
    assert main(words) == 2
    assert "the file exists" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "my work\n"


def test_refuses_a_symbolic_link(tmp_path):
    target = tmp_path / "elsewhere.yaml"
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    words = ["new", "rule-set", "x", "--sector", "sosial", "--level", "provinsi", "-o", str(link)]
    assert main(words) == 2
    assert not target.exists()


def test_overlay_of_a_base(tmp_path):
    out = tmp_path / "kab.yaml"
    words = ["new", "rule-set", "spm-kesehatan-kabupaten-contoh-2025", "--sector", "kesehatan"]
    words += ["--level", "kabupaten", "--extends", "permenkes-6-2024"]
    words += ["--jurisdiction", "Kabupaten Contoh", "--schema", "../rule-set.schema.json"]
    assert main([*words, "-o", str(out)]) == 0
    assert main(["check", str(out)]) == 0
    rule_set = spmkit.load_rule_set(out)
    assert rule_set.extends == ("permenkes-6-2024", "permenkes-4-2019")
    assert rule_set.jurisdiction.name == "Kabupaten Contoh"
    assert rule_set.indicators["1"].source_of("target").verification.value == "unverified"
    assert out.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../rule-set.schema.json\n"
    )


def test_stdout_without_output(capsys):
    assert main(["new", "rule-set", "x", "--sector", "sosial", "--level", "kota"]) == 0
    assert capsys.readouterr().out.startswith("# yaml-language-server: $schema=")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rule_set_id": "Bad Id"}, "lower-case"),
        ({"sector": "pekerjaan-umum"}, "--sector must be one of pendidikan"),
        ({"level": "desa"}, "--level must be one of"),
        ({"jurisdiction": "a\nb"}, "one line"),
    ],
)
def test_refusals(kwargs, match):
    given = {"rule_set_id": "x", "sector": "sosial", "level": "kota", **kwargs}
    with pytest.raises(UsageError, match=match):
        skeleton(given.pop("rule_set_id"), **given)


def test_base_of_another_urusan():
    base = spmkit.load_rule_set("spm-sosial-permensos-9-2018")
    with pytest.raises(UsageError, match="urusan 'sosial', not 'kesehatan'"):
        skeleton("x", sector="kesehatan", level="kabupaten", extends=base)
