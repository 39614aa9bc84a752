"""atheris harness: the rule-file loader on arbitrary bytes (see fuzz/README.md)."""

import sys

import atheris

with atheris.instrument_imports():
    import spmkit


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(65536)
    try:
        spmkit.loads_rule_set(text)
    except spmkit.RuleSetInvalid:
        return


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
