"""Writing reports safely: never over an input, never through a symlink, no live formulas.

- :func:`write_output` refuses a target that is one of the command's own inputs (the
  data file, the rule file: ``-o data.csv`` would destroy the data) or a symbolic link
  (a link planted where the report goes could redirect the write anywhere); the file is
  opened with ``O_NOFOLLOW`` so a link made in between is refused too.
- :func:`neutralise_cell` applies the OWASP rule against CSV/formula injection: a cell
  beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
  ``'`` so a spreadsheet shows it as text instead of running it. Numbers that spmkit
  writes itself (``-1.5``) are not cells of this kind: only text from the data is passed.
- :func:`escape_markdown` makes text from the data inert in Markdown: HTML is escaped
  (``<script>`` is shown, not run, by renderers that allow HTML) and table pipes too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Final

from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = [
    "FORMULA_PREFIXES",
    "escape_markdown",
    "neutralise_cell",
    "open_output",
    "write_output",
]

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""


def neutralise_cell(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (``=HYPERLINK(...)``)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def escape_markdown(text: str) -> str:
    """Text from the data made inert in Markdown: HTML escaped, pipes and newlines tamed."""
    # '&' and '<' are enough to stop every tag and entity; '>' stays readable ('>= 95 %').
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|").replace("\n", " ")


def _same_file(target: Path, source: str | None) -> bool:
    if source is None:
        return False
    try:
        return Path(source).exists() and target.samefile(source)
    except OSError:
        return False


def write_output(target: str, data: bytes, *, inputs: Iterable[str | None] = ()) -> None:
    """Write ``data`` to ``target``, refusing an input of the command and symbolic links.

    Raises:
        UsageError: the target is an input of the command, or a symbolic link.
    """
    with open_output(target, inputs=inputs) as stream:
        stream.write(data)


def open_output(target: str, *, inputs: Iterable[str | None] = ()) -> BinaryIO:
    """Open ``target`` to write a report in pieces, with the checks of :func:`write_output`.

    Raises:
        UsageError: the target is an input of the command, or a symbolic link.
    """
    path = Path(target)
    if path.is_symlink():
        msg = tr(
            "will not write {target}: it is a symbolic link (spmkit does not follow links "
            "when writing); give the real file, or remove the link",
            target=target,
        )
        raise UsageError(msg)
    if path.exists() and any(_same_file(path, source) for source in inputs):
        msg = tr(
            "will not write {target}: it is an input of this command; choose another file",
            target=target,
        )
        raise UsageError(msg)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o666)
    return os.fdopen(descriptor, "wb")
