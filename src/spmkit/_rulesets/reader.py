"""Rule files to rule sets: find a file by shipped id or path, read it, resolve ``extends:``.

The document itself is read by :mod:`spmkit._rulesets.builder` (the one reader of the
format of :mod:`spmkit._rulesets.schema`); this module finds files, refuses files that are
too large or not UTF-8, follows an overlay's ``extends:`` to its base (refusing a cycle)
and warns about unverified values. Every problem of a file is raised at once as one
:class:`~spmkit.errors.RuleSetInvalid`, each placed at ``file:line``.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Final

from spmkit._arguments import require, require_rule_set
from spmkit._diskcache import code_fingerprint, forget, load_pickle, store_pickle
from spmkit._limits import MAX_EXTENDS_DEPTH, MAX_FILE_BYTES
from spmkit._rulesets.model import RuleSet
from spmkit._rulesets.schema import FORMAT_VERSION, MAX_INDICATORS, MAX_INPUTS
from spmkit._translation import tr
from spmkit.errors import (
    ExtendsCycleError,
    RuleSetError,
    RuleSetInvalid,
    RuleSetNotFoundError,
    SpmkitError,
    SpmkitWarning,
    UnverifiedValuesWarning,
)

if TYPE_CHECKING:
    from spmkit._yamlload import YamlDocument

__all__ = [
    "FORMAT_VERSION",
    "MAX_INDICATORS",
    "MAX_INPUTS",
    "clear_rule_set_cache",
    "find_rule_file",
    "load_rule_set",
    "loads_rule_set",
    "read_rule_file",
    "resolve_rule_set",
    "rule_files",
    "shipped_rule_sets",
]


def _base_file(document: YamlDocument, file: str | None, chain: tuple[str, ...]) -> Path:
    """Find the base file of an overlay, refusing an ``extends:`` cycle."""
    reference = document.data.get("extends")
    line = document.line("$.extends")

    def refuse(message: str, kind: type[RuleSetError] = RuleSetError) -> RuleSetInvalid:
        error = kind(message, file=file, line=line, path="$.extends")
        return RuleSetInvalid(tr("overlay {file} is invalid", file=file or "<text>"), [error])

    if not isinstance(reference, str) or not reference.strip():
        raise refuse(
            tr(
                "'extends' must be a rule-set id or a file path (got {reference!r})",
                reference=reference,
            )
        )
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise refuse(
            tr(
                "'extends' chain is longer than {limit} overlays; merge "
                "some of them (docs/semantics.md, Limits)",
                limit=MAX_EXTENDS_DEPTH,
            )
        )
    here = Path(file).resolve().parent if file is not None else None
    try:
        path = _confined(reference, here)
    except RuleSetNotFoundError as exc:
        raise refuse(exc.message) from None
    key = str(path.resolve())
    if key in chain:
        loop = [Path(step).name for step in chain[chain.index(key) :]] + [path.name]
        raise refuse(
            tr(
                "'extends' makes a cycle: {items}; a rule set cannot extend itself, "
                "directly or through others",
                items=" -> ".join(loop),
            ),
            ExtendsCycleError,
        )
    return path


def _confined(reference: str, here: Path | None) -> Path:
    """The base file: a shipped rule set (by id or path), or a file in the overlay's directory.

    A path that leads elsewhere (absolute, ``..``, or a symlink out) is refused, so that
    an overlay cannot make spmkit read, and report on, any file of the machine.
    """
    from spmkit._rulesets.installed import installed_rule_files  # noqa: PLC0415 - entry points: slow

    shipped = {**installed_rule_files(), **shipped_rule_sets()}  # shipped ids win
    try:
        candidate = (here / reference if here is not None else Path(reference)).resolve()
        is_file = candidate.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        is_file = False
    if is_file and (
        (here is not None and candidate.is_relative_to(here))
        or candidate in {path.resolve() for path in shipped.values()}  # a shipped file by path
    ):
        return candidate
    if reference in shipped:
        return shipped[reference]
    where = (
        tr("a file under {directory}", directory=here)
        if here is not None
        else tr("a file (text has no directory)")
    )
    known = ", ".join(sorted(shipped)) or "none"
    msg = tr(
        "no rule set {reference!r}: 'extends' names a shipped rule set id "
        "({known}) or {where}; a base elsewhere must be copied beside the "
        "overlay",
        reference=reference[:100],
        known=known,
        where=where,
    )
    raise RuleSetNotFoundError(msg)


def _build(
    text: str, file: str | None, chain: tuple[str, ...], bases: list[Path] | None = None
) -> RuleSet:
    """Read one document into a rule set; a document with ``extends:`` is an overlay.

    ``chain`` holds the files (or ids) of the overlays being resolved that lead here, so
    that an ``extends:`` cycle is refused. ``bases`` collects every base file read on the
    way (what a cached overlay depends on).
    """
    # Imported here: a rule set found in the disk cache needs neither YAML nor the checks.
    from spmkit._rulesets.builder import build_overlay, build_rule_set  # noqa: PLC0415
    from spmkit._yamlload import read_yaml  # noqa: PLC0415

    try:
        document = read_yaml(text, file)
    except RuleSetError as exc:
        msg = tr("cannot read rule set {file}", file=file or "<text>")
        raise RuleSetInvalid(msg, [exc]) from None
    if not (isinstance(document.data, dict) and "extends" in document.data):
        return build_rule_set(document, file)
    me = str(Path(file).resolve()) if file is not None else "<text>"
    base_path = _base_file(document, file, (*chain, me))
    if bases is not None:
        bases.append(base_path)
    base = read_rule_file(base_path, (*chain, me), bases)
    return build_overlay(document, file, base, str(base_path))


def rule_files(source: str | Path) -> tuple[Path, ...]:
    """The rule file of ``source`` (id or path) and every file of its ``extends:`` chain.

    What a command reads to build the rule set: none of them may be written over
    (``spmkit._files.outputs``). A chain that cannot be followed ends where it breaks
    (loading the rule set reports why).
    """
    try:
        path = find_rule_file(source)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpmkitWarning)
            if not read_rule_file(path).extends:  # read before (cached): no YAML to parse
                return (path,)
    except (SpmkitError, OSError, UnicodeDecodeError):
        pass
    from spmkit._yamlload import read_yaml  # noqa: PLC0415 - YAML only when a file is read

    files: list[Path] = []
    try:
        path = find_rule_file(source)
        while len(files) <= MAX_EXTENDS_DEPTH:
            files.append(path)
            document = read_yaml(path.read_text(encoding="utf-8-sig"), str(path))
            if not (isinstance(document.data, dict) and "extends" in document.data):
                break
            chain = tuple(str(step.resolve()) for step in files)
            path = _base_file(document, str(path), chain)
    except (SpmkitError, OSError, UnicodeDecodeError):
        pass
    return tuple(files)


def _warn_unverified(rule_set: RuleSet) -> None:
    unverified = rule_set.unverified
    if unverified:
        total = sum(rule_set.verification_counts().values())
        warnings.warn(UnverifiedValuesWarning(rule_set.id, unverified, total), stacklevel=3)


def loads_rule_set(text: str, *, file: str | None = None) -> RuleSet:
    """Load a rule set from YAML text (``file`` names it in messages).

    A document with ``extends:`` is an overlay and is resolved against its base
    (``docs/rule-sets.md``, "Overlays").

    Warns:
        UnverifiedValuesWarning: some target, deadline or formula is not verified.

    Raises:
        RuleSetInvalid: every problem of the document, each with its line and path.
        UsageError: ``text`` is not text.
    """
    if not isinstance(text, str):
        require(text, "text", str, tr("YAML text (a str)"))
    rule_set = _build(text, file, ())
    _warn_unverified(rule_set)
    return rule_set


def _rules_directory() -> Path:
    """Where the shipped rule sets are: in the installed package, or in a checkout."""
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "rules"  # the package's own directory, as installed
    if packaged.is_dir():
        return packaged
    checkout = here.parents[3] / "rules"  # src/spmkit/_rulesets/reader.py in a checkout
    if here.parents[2].name == "src" and checkout.is_dir():
        return checkout
    import importlib.resources  # noqa: PLC0415 - slow to import; only for zipped packages

    packaged = Path(str(importlib.resources.files("spmkit"))) / "rules"
    if packaged.is_dir():
        return packaged
    return checkout


def shipped_rule_sets() -> dict[str, Path]:
    """Return the ids of the rule sets shipped with spmkit, and their files."""
    directory = _rules_directory()
    if not directory.is_dir():
        return {}
    # `<id>.tests.yaml` beside a rule file holds its rule tests (spmkit._interop.ruletests).
    found = []  # os.walk and strings: rglob's Path objects cost milliseconds per load
    for folder, _folders, files in os.walk(directory):
        found += [
            (os.path.join(folder, name), name[: -len(".yaml")])  # noqa: PTH118
            for name in files
            if name.endswith(".yaml") and not name.endswith(".tests.yaml")
        ]
    return {stem: Path(path) for path, stem in sorted(found)}


def find_rule_file(source: str | Path, *, relative_to: Path | None = None) -> Path:
    """Return the file of a rule set given by shipped id or by path.

    A path is taken relative to ``relative_to`` (an overlay's directory) when given.

    Raises:
        RuleSetNotFoundError: no shipped rule set has that id and no file that path.
        UsageError: ``source`` is neither an id (text) nor a path.
    """
    if not isinstance(source, str | os.PathLike) or isinstance(source, bytes):
        require_rule_set(source, "source")
    path = Path(source)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if isinstance(source, str) and not path.exists():
        listed = _SHIPPED.get(source)
        if listed is not None and listed.is_file():
            return listed  # listed before, still there: no new scan of the directories
    shipped = shipped_rule_sets()
    if not (isinstance(source, str) and source in shipped):  # shipped ids win: no entry points
        from spmkit._rulesets.installed import installed_rule_files  # noqa: PLC0415 - slow

        shipped = {**installed_rule_files(), **shipped}
    _SHIPPED.update(shipped)
    if isinstance(source, str) and source in shipped and not path.exists():
        path = shipped[source]
    if not path.is_file():
        known = ", ".join(sorted(shipped)) or "none"
        msg = tr(
            "no rule set {source!r}: not a shipped rule set id ({known}) nor a file",
            source=str(source),
            known=known,
        )
        raise RuleSetNotFoundError(msg)
    return path


def read_rule_file(
    path: Path, chain: tuple[str, ...] = (), bases: list[Path] | None = None
) -> RuleSet:
    """Read a rule file without warning (overlays read their bases with this).

    ``bases`` collects the base files an overlay's chain reads (see ``_build``).
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        error = RuleSetError(
            tr(
                "file is {size} bytes; rule files may be at most {limit}",
                size=size,
                limit=MAX_FILE_BYTES,
            ),
            file=str(path),
        )
        raise RuleSetInvalid(tr("cannot read rule set {file}", file=path), [error])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        error = RuleSetError(
            tr(
                "not UTF-8 text: byte {byte:#04x} at offset {start} cannot be decoded; "
                "save the file as UTF-8",
                byte=raw[exc.start],
                start=exc.start,
            ),
            file=str(path),
            line=raw.count(b"\n", 0, exc.start) + 1,
        )
        raise RuleSetInvalid(tr("cannot read rule set {file}", file=path), [error]) from None
    key = (str(path.resolve()), chain, _digest(raw))
    with _CACHE_LOCK:
        cached = _LOADED.get(key)
    if cached is not None:
        return cached
    # Checked before in another process: read back from the disk cache (spmkit._diskcache),
    # keyed by the code's fingerprint, the file's path and its content. An overlay is
    # stored with its base files' digests, and used only while every base is unchanged.
    disk_key = b"\0".join([code_fingerprint().encode(), repr(key).encode()])
    stored = None if chain else load_pickle(_DISK_KIND, disk_key)
    if (
        isinstance(stored, tuple)
        and len(stored) == 2
        and isinstance(stored[0], RuleSet)
        and _unchanged(stored[1])
    ):
        rule_set = stored[0]
    else:
        read_bases: list[Path] = []
        rule_set = _build(text, str(path), chain, read_bases)
        if bases is not None:
            bases.extend(read_bases)
        if not chain:
            depends = tuple((str(base), _digest(base.read_bytes())) for base in read_bases)
            store_pickle(_DISK_KIND, disk_key, (rule_set, depends))
    if not rule_set.extends:  # an overlay also depends on its bases' files: not kept here
        with _CACHE_LOCK:
            if len(_LOADED) >= _CACHE_SIZE:
                del _LOADED[next(iter(_LOADED))]
            _LOADED[key] = rule_set
    return rule_set


def _digest(content: bytes) -> bytes:
    """What a cached rule set is keyed by: its file's content (and its bases')."""
    return hashlib.blake2b(content, digest_size=16).digest()


def _unchanged(depends: object) -> bool:
    """Whether every base file a stored overlay was built from still has its digest."""
    if not isinstance(depends, tuple):
        return False
    try:
        return all(_digest(Path(file).read_bytes()) == digest for file, digest in depends)
    except (OSError, TypeError, ValueError):
        return False


def clear_rule_set_cache(*, disk: bool = True) -> None:
    """Forget the rule sets read before (the next load reads and checks its file again).

    Loads are cached by file content, in the process and on disk (``spmkit._diskcache``),
    so a changed file is read again anyway; this is for measuring or counting the work of
    a first load. ``disk=False`` keeps the disk cache (a new process's first load).
    """
    with _CACHE_LOCK:
        _LOADED.clear()
    _SHIPPED.clear()
    if disk:
        forget(_DISK_KIND)


# Rule sets read before, by file, chain and content: a RuleSet is immutable, so the
# same object can be shared by every caller and thread; a changed file has a new key.
_LOADED: dict[tuple[str, tuple[str, ...], bytes], RuleSet] = {}
_CACHE_SIZE: Final = 64
_CACHE_LOCK: Final = threading.Lock()
# The rule sets checked by earlier processes, in the user's cache directory.
_DISK_KIND: Final = "rule-sets"
# Shipped ids already listed, so a lookup by id need not scan the directory again.
_SHIPPED: dict[str, Path] = {}


def load_rule_set(source: str | Path) -> RuleSet:
    """Load a shipped rule set by id (``"kulon-progo-2011"``) or a rule file by path.

    >>> rs = load_rule_set("kulon-progo-2011")
    >>> rs.indicators["I.1"].target.describe()
    '>= 95 %'

    Warns:
        UnverifiedValuesWarning: some target, deadline or formula is not verified.

    Raises:
        RuleSetNotFoundError: no shipped rule set has that id and no file that path.
        RuleSetInvalid: the file has problems; all of them are reported.
        UsageError: ``source`` is neither an id (text) nor a path.
    """
    path = find_rule_file(source)
    rule_set = read_rule_file(path)
    _refuse_impersonation(rule_set, path)
    _warn_unverified(rule_set)
    return rule_set


def _refuse_impersonation(rule_set: RuleSet, path: Path) -> None:
    """Refuse an installed rule file that calls itself by another (or a shipped) id."""
    resolved = path.resolve()
    name = resolved.name
    if (
        name.endswith(".yaml")
        and not name.endswith(".tests.yaml")
        and resolved.is_relative_to(_rules_directory().resolve())
    ):
        return  # a shipped file (what shipped_rule_sets lists): no directory walk needed
    shipped = shipped_rule_sets()
    if resolved in {p.resolve() for p in shipped.values()}:
        return  # a shipped file linked from elsewhere
    from spmkit._rulesets.installed import (  # noqa: PLC0415 - entry points: slow to import and scan
        impersonation,
        installed_rule_files,
    )

    installed = {p.resolve() for p in installed_rule_files().values()}
    if resolved not in installed:
        return  # a file given by path: its id is what it says
    problem = impersonation(rule_set.id, path, shipped)
    if problem is not None:
        error = RuleSetError(problem, file=str(path))
        raise RuleSetInvalid(tr("cannot read rule set {file}", file=path), [error])


def resolve_rule_set(rule_set: RuleSet | str | Path, name: str = "rule_set") -> RuleSet:
    """Return a rule set as is, or load it by id or path without the unverified warning.

    For functions that take "a rule set or its id" and report each value's source and
    verification themselves (``diff``, ``compare``), so the warning would only repeat it.

    Raises:
        UsageError: ``rule_set`` (the caller's parameter ``name``) is none of those.
    """
    if isinstance(rule_set, RuleSet):
        return rule_set
    require_rule_set(rule_set, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpmkitWarning)
        return load_rule_set(rule_set)
