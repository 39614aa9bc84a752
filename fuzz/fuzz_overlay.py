"""atheris harness: the overlay resolver (``extends:``) on arbitrary overlay text.

Each input is an overlay file beside a base file (and beside a 'secret' file the overlay
must not be able to read): only ``RuleSetInvalid`` is accepted, and no error message may
contain the secret (see fuzz/README.md).
"""

import sys
import tempfile
import warnings
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import spmkit
    from spmkit.errors import format_errors

SECRET = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
ROOT = Path(tempfile.mkdtemp(prefix="spmkit-fuzz-"))
(ROOT / "secret.txt").write_text(f"-----BEGIN PRIVATE KEY-----\n{SECRET}\n")
RULES = ROOT / "rules"
RULES.mkdir()
(RULES / "base.yaml").write_text("spmkit: 1\nid: base-1\nextends: kulon-progo-2011\n")


def test_one_input(data: bytes) -> None:
    warnings.simplefilter("ignore")
    body = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(16384)
    path = RULES / "overlay.yaml"
    path.write_text(f"spmkit: 1\nid: fuzz-1\n{body}", encoding="utf-8")
    try:
        spmkit.load_rule_set(path)
    except spmkit.RuleSetInvalid as exc:
        if SECRET in "\n".join(format_errors(exc)):
            raise AssertionError("an error message repeated a file outside the overlay") from exc


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
