"""atheris harness: the data-file readers (CSV, JSON, YAML, xlsx bytes) on arbitrary bytes.

The first byte chooses the suffix; the rest is the file. Only ``DataFileError`` (a
file spmkit will not read) is accepted; anything else is a crash (see fuzz/README.md).
"""

import sys
import tempfile
import warnings
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import spmkit
    from spmkit._files.datafiles import read_data

SUFFIXES = (".csv", ".json", ".yaml", ".xlsx")
RULE_SET = None
DIRECTORY = Path(tempfile.mkdtemp(prefix="spmkit-fuzz-"))


def test_one_input(data: bytes) -> None:
    global RULE_SET  # noqa: PLW0603 - loaded once, on the first input
    if RULE_SET is None:
        warnings.simplefilter("ignore")
        RULE_SET = spmkit.load_rule_set("kulon-progo-2011")
    if not data:
        return
    path = DIRECTORY / f"data{SUFFIXES[data[0] % len(SUFFIXES)]}"
    path.write_bytes(data[1:])
    try:
        read_data(path, RULE_SET)
    except spmkit.DataError:
        return


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
