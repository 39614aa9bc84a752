"""atheris harness: the expression parser on arbitrary bytes (see fuzz/README.md)."""

import sys

import atheris

with atheris.instrument_imports():
    import spmkit
    from spmkit._language.parse import parse_expression


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    try:
        expression = parse_expression(text)
    except (spmkit.ExpressionSyntaxError, spmkit.ExpressionLimitError):
        return
    if parse_expression(str(expression)) != expression:
        raise AssertionError(text)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
