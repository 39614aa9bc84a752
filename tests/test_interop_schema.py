"""The JSON Schema of rule files: generated from the reader, shipped, and never laxer than the loader."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import spmkit
from hypothesis_budget import examples, stride
from spmkit._rulesets.jsonschema import _object, rule_set_schema, schema_text
from spmkit._yamlload import read_yaml
from spmkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_SCHEMA = ROOT / "rules" / "rule-set.schema.json"
VALIDATOR = jsonschema.Draft7Validator(rule_set_schema())
RULE_FILES = sorted(
    p for p in (ROOT / "rules").rglob("*.yaml") if not p.name.endswith(".tests.yaml")
)


def for_yaml(value):
    """Loaded rule data as PyYAML can write it back (exact decimals as floats)."""
    if isinstance(value, dict):
        return {key: for_yaml(item) for key, item in value.items()}
    if isinstance(value, list):
        return [for_yaml(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def as_editor_sees(value):
    """What an editor's YAML parser gives the schema: dates are strings."""
    value = for_yaml(value)
    if isinstance(value, dict):
        return {str(key): as_editor_sees(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load(path: Path):
    return for_yaml(read_yaml(path.read_text(encoding="utf-8"), str(path)).data)


def schema_rejects(data) -> bool:
    return any(True for _ in VALIDATOR.iter_errors(as_editor_sees(data)))


def loader_rejects(data) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", spmkit.SpmkitWarning)
        try:
            spmkit.loads_rule_set(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        except spmkit.RuleSetError:
            return True
    return False


KP = ROOT / "rules" / "kulon-progo-2011.yaml"
OVERLAY = ROOT / "rules" / "regency" / "kubu-raya-2021.yaml"


class TestTheSchema:
    def test_is_a_valid_draft_7_schema(self):
        """jsonschema accepts the document as a draft-07 schema."""
        jsonschema.Draft7Validator.check_schema(rule_set_schema())

    def test_shipped_file_is_the_generated_schema(self):
        """rules/rule-set.schema.json (in the wheel as spmkit/rules/) is what spmkit schema prints."""
        assert SHIPPED_SCHEMA.read_text(encoding="utf-8") == schema_text()

    def test_spmkit_schema_prints_it(self, capsys):
        """`spmkit schema` prints the schema as JSON."""
        assert main(["schema"]) == 0
        assert json.loads(capsys.readouterr().out) == rule_set_schema()

    @pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
    def test_every_shipped_rule_file_validates(self, path):
        """Each shipped rule file (rule sets and overlays) has no schema error."""
        errors = [
            f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(as_editor_sees(load(path)))
        ]
        assert errors == []

    def test_keys_come_from_the_reader(self):
        """The indicator keys are the reader's; a key without a value type cannot be built."""
        from spmkit._rulesets.schema import INDICATOR_KEYS  # noqa: PLC0415

        schema = rule_set_schema()
        assert set(schema["definitions"]["indicator"]["properties"]) == set(INDICATOR_KEYS)
        with pytest.raises(AssertionError, match="no value type for key"):
            _object("target", {"op": True, "value": True, "colour": False})


def _mutations(data, path=()):
    """(description, mutated copy) for each simple change at each mapping of the document."""
    if not isinstance(data, dict):
        return
    yield f"{'.'.join(path)}: unknown key", {**data, "colour": "red"}
    for key, value in data.items():
        yield f"{'.'.join((*path, str(key)))}: removed", {k: v for k, v in data.items() if k != key}
        for wrong in ([1, 2], {"x": 1}, True, "", -3):
            yield f"{'.'.join((*path, str(key)))} = {wrong!r}", {**data, key: wrong}
        for description, inner in _mutations(value, (*path, str(key))):
            yield description, {**data, key: inner}


def _sample(path: Path, every: int):
    mutations = list(_mutations(load(path)))
    return [pytest.param(m, id=d) for d, m in mutations[::every]]


class TestNeverLaxerThanTheLoader:
    @pytest.mark.parametrize("mutated", _sample(KP, stride(29)) + _sample(OVERLAY, stride(7)))
    def test_what_the_schema_rejects_the_loader_rejects(self, mutated):
        """Unknown keys, removed keys, wrong types, empty text: schema rejects => loader rejects."""
        if schema_rejects(mutated):
            assert loader_rejects(mutated)

    def test_the_sample_has_rejections(self):
        """The mutations above are not all accepted (the property would then test nothing)."""
        sample = [p.values[0] for p in _sample(KP, 29)]
        assert sum(schema_rejects(m) for m in sample) > len(sample) // 2

    def test_a_rejected_file_named(self):
        """An unknown indicator key is flagged by both, with the loader's message naming it."""
        data = load(KP)
        data["indicators"]["I.1"]["colour"] = "red"
        assert schema_rejects(data)
        with pytest.raises(spmkit.RuleSetInvalid) as caught:
            spmkit.loads_rule_set(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        assert "unknown key 'colour' in indicator 'I.1'" in "\n".join(
            spmkit.format_errors(caught.value)
        )

    @pytest.mark.parametrize("path", [KP, OVERLAY], ids=["rule set", "overlay"])
    def test_format_version_true_is_not_1(self, path):
        """Found by the property below: `spmkit: true` passed as version 1 (True == 1)."""
        data = load(path)
        data["spmkit"] = True
        assert schema_rejects(data)
        assert loader_rejects(data)

    def test_overlay_title_en_must_be_text(self):
        """Found by the property below: an overlay's title_en was taken as given (true)."""
        data = load(OVERLAY)
        data["title_en"] = True
        assert schema_rejects(data)
        assert loader_rejects(data)

    @pytest.mark.slow
    @settings(max_examples=examples(60), deadline=None)
    @given(st.data())
    def test_random_mutations(self, data):
        """Hypothesis picks mutations of both files: schema rejects => loader rejects."""
        path = data.draw(st.sampled_from([KP, OVERLAY]))
        _, mutated = data.draw(st.sampled_from(list(_mutations(load(path)))))
        if schema_rejects(mutated):
            assert loader_rejects(mutated)
