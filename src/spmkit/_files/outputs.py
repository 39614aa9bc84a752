"""The one writer: every file spmkit writes goes through :func:`write_output`.

- It refuses a target that is one of the command's inputs (the data file, the rule file
  and every file of its ``extends:`` chain, a mapping or tests file): ``-o data.csv``
  would destroy the data. Files are compared by device and inode (``os.stat``), so an
  input reached through a symbolic or hard link is refused too.
- It refuses a target that is a symbolic link (a link planted where the report goes
  could redirect the write anywhere).
- It writes atomically: the bytes go to a temporary file in the target's directory,
  which then replaces the target (``os.replace``); a reader never sees half a report,
  a failed run leaves the old file as it was, and a link made in between is replaced,
  never followed.
- :func:`check_output` refuses an unsupported suffix (and the checks above) *before* any
  work, so a long evaluation is not done for a file that will not be written.
- :func:`neutralise_cell` applies the OWASP rule against CSV/formula injection: a cell
  beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
  ``'`` so a spreadsheet shows it as text instead of running it. Numbers that spmkit
  writes itself (``-1.5``) are not cells of this kind: only text from the data is passed.
- :func:`escape_markdown` makes text from the data inert in Markdown: HTML is escaped
  (``<script>`` is shown, not run, by renderers that allow HTML) and table pipes too.

``tests/test_writer.py`` fails when any other module of spmkit opens a file for writing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import sys
import tempfile
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Final

from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = [
    "FORMULA_PREFIXES",
    "bounded_copy",
    "check_output",
    "create_file",
    "escape_markdown",
    "inert_csv",
    "inert_workbook",
    "neutralise_cell",
    "open_output",
    "scratch_file",
    "silence_stdout",
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


def _identity(path: str | Path) -> tuple[int, int] | None:
    """The (device, inode) of a file, following links; None when it does not exist."""
    try:
        found = Path(path).stat()
    except (OSError, ValueError):
        return None
    return found.st_dev, found.st_ino


def check_output(
    target: str | Path,
    *,
    inputs: Iterable[str | Path | None] = (),
    suffixes: Collection[str] | None = None,
) -> None:
    """Refuse, before any work, a target the writer would refuse.

    Args:
        target: the file to be written.
        inputs: every file the command reads (None entries are skipped).
        suffixes: the suffixes the command writes (``".csv"``), any when None.

    Raises:
        UsageError: an unsupported suffix, a symbolic link, or one of the inputs.
    """
    path = Path(target)
    if suffixes is not None and path.suffix.casefold() not in suffixes:
        got = repr(path.suffix) if path.suffix else tr("no suffix")
        msg = tr(
            "cannot write {path!r}: {suffix} is not a supported output; use one of {supported}",
            path=str(target),
            suffix=got,
            supported=", ".join(sorted(suffixes)),
        )
        raise UsageError(msg)
    if path.is_symlink():
        msg = tr(
            "will not write {target}: it is a symbolic link (spmkit does not follow links "
            "when writing); give the real file, or remove the link",
            target=str(target),
        )
        raise UsageError(msg)
    mine = _identity(path)
    if mine is not None and any(
        source is not None and _identity(source) == mine for source in inputs
    ):
        msg = tr(
            "will not write {target}: it is an input of this command; choose another file",
            target=str(target),
        )
        raise UsageError(msg)


def write_output(
    target: str | Path,
    data: bytes,
    *,
    inputs: Iterable[str | Path | None] = (),
    suffixes: Collection[str] | None = None,
) -> None:
    """Write ``data`` to ``target`` atomically, refusing inputs, links and unknown suffixes.

    Raises:
        UsageError: see :func:`check_output`.
    """
    suffix = Path(target).suffix.casefold()
    check_output(target, inputs=inputs, suffixes=suffixes)
    if suffix in {".xlsx", ".xlsm"}:
        data = inert_workbook(data)
    elif suffix == ".csv":
        data = inert_csv(data)
    with open_output(target, inputs=inputs, suffixes=suffixes) as stream:
        stream.write(data)


_NEGATIVE: Final = re.compile(r"-\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")


def _needs(text: str) -> bool:
    """Text a spreadsheet would run: a formula prefix, and not a negative number (``-1.5``)."""
    return text.startswith(FORMULA_PREFIXES) and _NEGATIVE.fullmatch(text) is None


def inert_csv(data: bytes) -> bytes:
    """CSV bytes with every cell a spreadsheet would run as a formula prefixed with ``'``.

    Unchanged, byte for byte, when no cell needs it (the renderers neutralise the text
    they take from the data; this is the writer's last guard).
    """
    text = data.decode("utf-8")
    if not any(character in text for character in FORMULA_PREFIXES):
        return data
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not any(_needs(cell) for row in rows for cell in row):
        return data
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([neutralise_cell(cell) if _needs(cell) else cell for cell in row])
    return buffer.getvalue().encode("utf-8")


def inert_workbook(data: bytes) -> bytes:
    """Workbook bytes with no formula cells: each becomes the text it was, prefixed with ``'``.

    spmkit writes numbers and text, never formulas; a cell that became one did so
    because text from the data began with ``=`` (openpyxl stores such text as a formula).
    """
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # noqa: PLC0415 - excel extra

    workbook = load_workbook(io.BytesIO(data))
    changed = False
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f" or (isinstance(value, str) and _needs(value)):
                    cell.value = neutralise_cell(str(value))
                    cell.data_type = "s"
                    changed = True
    if not changed:
        return data
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@contextlib.contextmanager
def open_output(
    target: str | Path,
    *,
    inputs: Iterable[str | Path | None] = (),
    suffixes: Collection[str] | None = None,
) -> Iterator[BinaryIO]:
    """A binary stream to write a report in pieces; the target is replaced when it closes.

    The pieces go to a temporary file beside the target; only a block that ends without
    an exception replaces the target with it.

    Raises:
        UsageError: see :func:`check_output`.
    """
    inputs = tuple(inputs)
    check_output(target, inputs=inputs, suffixes=suffixes)
    path = Path(target)
    folder = path.parent if str(path.parent) else Path()
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".spmkit-tmp", dir=folder
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode(path))  # noqa: PTH101 - mkstemp's file is private (0600)
        check_output(target, inputs=inputs)  # a link or an input put there meanwhile
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # noqa: PTH108 - a path from mkstemp
        raise


def _mode(path: Path) -> int:
    """The replaced file's permissions, or those of a new report (rw-r--r--)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o644


def silence_stdout() -> None:
    """Point standard output at the null device (the reader of a pipe went away)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


@contextlib.contextmanager
def scratch_file(content: bytes, suffix: str) -> Iterator[Path]:
    """``content`` as a file in a fresh private directory, removed afterwards (uploads).

    Readers of workbooks want a path; an upload is bytes. The directory is made by
    :func:`tempfile.TemporaryDirectory` (mode 0700), so no other user can swap the file.
    """
    with tempfile.TemporaryDirectory(prefix="spmkit-upload-") as folder:
        path = Path(folder) / f"data{suffix}"
        with path.open("xb") as stream:
            stream.write(content)
        yield path


def create_file(path: str | Path, text: str) -> None:
    """Write ``text`` to a new file; never replace one (nor follow a link) that exists.

    Raises:
        UsageError: the file exists already.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags, 0o666)
    except FileExistsError:
        msg = tr(
            "will not write {path}: the file exists; choose another name or remove it first",
            path=str(path),
        )
        raise UsageError(msg) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)


@contextlib.contextmanager
def bounded_copy(stream: BinaryIO, suffix: str, max_bytes: int, name: str) -> Iterator[Path]:
    """An upload copied to a fresh private file, at most ``max_bytes``, removed afterwards.

    Raises:
        ServiceLimitError: the upload is longer than ``max_bytes`` (nothing is kept).
    """
    from spmkit.errors import ServiceLimitError  # noqa: PLC0415 - the service's error

    with tempfile.TemporaryDirectory(prefix="spmkit-upload-") as folder:
        path = Path(folder) / f"data{suffix}"  # the service's own name, never a client's
        written = 0
        with path.open("wb") as target:
            while chunk := stream.read(1 << 16):
                written += len(chunk)
                if written > max_bytes:
                    msg = tr(
                        "{name}: over {limit} bytes, the most accepted (--max-body-bytes)",
                        name=name,
                        limit=max_bytes,
                    )
                    raise ServiceLimitError(msg)
                target.write(chunk)
        yield path
