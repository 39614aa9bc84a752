"""atheris harness: evaluate() on arbitrary data values (see fuzz/README.md)."""

import math
import sys

import atheris

with atheris.instrument_imports():
    import spmkit

RULE_SET = spmkit.load_rule_set("kulon-progo-2011")
NAMES = [*RULE_SET.inputs, "unknown"]


def value(fdp: atheris.FuzzedDataProvider) -> object:
    kind = fdp.ConsumeIntInRange(0, 5)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeInt(64)
    if kind == 3:
        return fdp.ConsumeFloat()
    if kind == 4:
        return fdp.ConsumeUnicodeNoSurrogates(12)
    return math.nan


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    values = {NAMES[fdp.ConsumeIntInRange(0, len(NAMES) - 1)]: value(fdp) for _ in range(8)}
    try:
        spmkit.evaluate(RULE_SET, values)
    except spmkit.DataInvalid:
        return


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
