"""Strict, safe YAML for rule and data files: no Python tags, no duplicate keys, lines kept.

PyYAML's ``safe_load`` silently keeps the last of two equal keys and forgets where each
value was. Rule files need both: a duplicate target is a legal mistake, and every
message must say ``file:line``. This module composes the YAML node tree with a
:class:`yaml.SafeLoader` subclass (the global loaders are never modified), records the
line of every path, collects duplicate keys, and constructs plain Python data with
floats read exactly (as :class:`decimal.Decimal`, so ``1.5`` is exactly 3/2).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final

import attrs
import yaml

from spmkit._limits import MAX_FILE_BYTES, decimal_problem, digits_text_problem, number_problem
from spmkit._translation import tr
from spmkit.errors import DataFileError, RuleSetError

__all__ = [
    "MAX_ALIASES",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "MAX_NODES",
    "YamlDocument",
    "read_data_yaml",
    "read_yaml",
]


MAX_NESTING: Final = 40
"""Deepest nesting of YAML collections (a rule file needs 5)."""

MAX_ALIASES: Final = 100
"""Most alias uses (``*name``) in one file; aliases can multiply a file's size."""

MAX_NODES: Final = 200_000
"""Most YAML nodes after aliases are expanded (guards against 'billion laughs')."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that bounds nesting and alias use, and reads floats exactly."""

    finite_only = False
    """Refuse ``.nan`` and ``.inf`` where they are read (data files: never a count)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nesting = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                msg = tr(
                    "more than {limit} YAML aliases (*name); write the values out",
                    limit=MAX_ALIASES,
                )
                raise yaml.YAMLError(f"{msg} (line {mark.line + 1})")
        self._nesting += 1
        if self._nesting > MAX_NESTING:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            msg = tr(
                "YAML nested deeper than {limit} levels (line {value})",
                limit=MAX_NESTING,
                value=mark.line + 1,
            )
            raise yaml.YAMLError(msg)
        try:
            return super().compose_node(parent, index)
        finally:
            self._nesting -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Keep the first of duplicate keys (the duplicates are reported, not used)."""
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError as exc:
                line = key_node.start_mark.line + 1
                msg = tr("a mapping key must be plain text or a number (line {line})", line=line)
                raise yaml.YAMLError(msg) from exc
            if key not in mapping:
                mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_float(self, node: yaml.ScalarNode) -> Decimal:  # type: ignore[override]
        text = str(self.construct_scalar(node)).replace("_", "")
        _check_digits(text, node)
        _refuse_base_60(text, node)
        try:
            number = Decimal(text)
        except InvalidOperation:  # .inf, .nan in YAML spelling
            if self.finite_only:
                refused = tr(
                    "{text} is not a number a data file can hold; leave the value out or "
                    "write null (~) for a missing value",
                    text=text,
                )
                raise yaml.constructor.ConstructorError(
                    None, None, refused, node.start_mark
                ) from None
            return Decimal(text.replace(".", "", 1))
        problem = decimal_problem(number)
        if problem is not None:
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)
        return number

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        _check_digits(str(self.construct_scalar(node)), node)
        _refuse_base_60(str(self.construct_scalar(node)), node)
        number: int = super().construct_yaml_int(node)
        problem = number_problem(number)
        if problem is not None:
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)
        return number

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:  # noqa: ANN401 - PyYAML's date or datetime
        """A date or time; one that is not a real date (2011-02-29) is a located error."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            problem = tr(
                "{text!r} is not a real date ({reason}); write a date that exists, "
                "or quote it to keep it as text",
                text=str(node.value),
                reason=str(exc),
            )
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from exc


def _refuse_base_60(text: str, node: yaml.ScalarNode) -> None:
    """Refuse YAML 1.1's base-60 numbers (``1:30.5`` is 90.5): a typo far more often."""
    if ":" in text:
        problem = tr(
            "{text!r} is a YAML 1.1 base-60 number; write it as a decimal number, "
            "or quote it to keep it as text",
            text=text,
        )
        raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _check_digits(text: str, node: yaml.ScalarNode) -> None:
    """Refuse number text too long to convert (Python refuses ints over 4,300 digits)."""
    problem = digits_text_problem(text)
    if problem is not None:
        raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_yaml_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)


@attrs.frozen
class YamlDocument:
    """Plain data read from a rule file, with the line of every path in it."""

    data: Any
    lines: dict[str, int]
    problems: tuple[RuleSetError, ...]

    def line(self, path: str) -> int | None:
        """Return the line of ``path``, or of its nearest enclosing path."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                break
            path = path[:cut]
        return self.lines.get("$")


def child_path(parent: str, key: object) -> str:
    """Return the path of ``key`` under ``parent`` (``$.inputs``, ``$.indicators['I.1']``)."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    text = str(key)
    if text.isidentifier():
        return f"{parent}.{text}"
    return f"{parent}[{text!r}]"


def _index(
    root: yaml.Node, file: str | None, files: str
) -> tuple[dict[str, int], list[RuleSetError]]:
    lines: dict[str, int] = {}
    problems: list[RuleSetError] = []
    stack: list[tuple[yaml.Node, str]] = [(root, "$")]
    visited = 0
    while stack:
        node, path = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            msg = tr("more than {limit} YAML nodes once aliases are expanded", limit=MAX_NODES)
            raise yaml.YAMLError(msg)
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
                line = key_node.start_mark.line + 1
                sub = child_path(path, key)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    msg = tr(
                        "YAML merge keys ('<<') are not supported in {files}; write the keys out",
                        files=files,
                    )
                    problems.append(RuleSetError(msg, file=file, line=line, path=sub))
                    continue
                if key in seen:
                    problems.append(
                        RuleSetError(
                            tr(
                                "duplicate key {key!r} (first at line {seen}); YAML keeps only "
                                "one of them, so remove or rename one",
                                key=key,
                                seen=seen[key],
                            ),
                            file=file,
                            line=line,
                            path=sub,
                        )
                    )
                    continue
                seen[key] = line
                lines[sub] = line
                stack.append((value_node, sub))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, child_path(path, i)) for i, item in enumerate(node.value))
    return lines, problems


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def read_yaml(
    text: str,
    file: str | None = None,
    *,
    files: str | None = None,
    allow_empty: bool = False,
    finite_only: bool = False,
) -> YamlDocument:
    """Read one YAML document strictly; raise :class:`RuleSetError` if it cannot be read.

    Duplicate keys do not raise: they are returned in ``problems`` so the caller can
    report them together with the rule set's other problems. ``files`` names what is
    read in messages (rule files by default); ``allow_empty`` reads an empty document as
    None; ``finite_only`` refuses ``.nan`` and ``.inf`` (data files), naming the line.
    """
    files = tr("rule files") if files is None else files
    try:
        # The reader checks characters when it is built, so it is built inside the try.
        loader = _StrictLoader(text)
        loader.finite_only = finite_only
    except yaml.YAMLError as exc:
        raise RuleSetError(
            tr("not valid YAML: {first_line}", first_line=_first_line(exc)), file=file
        ) from exc
    try:
        root = loader.get_single_node()
        if root is None:
            if allow_empty:
                return YamlDocument(None, {}, ())
            raise RuleSetError(tr("the file is empty; a rule set is a YAML mapping"), file=file)
        lines, problems = _index(root, file, files)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if "could not determine a constructor" in problem:
            problem = tr(
                "{problem}; {files} may use only plain YAML (no !!python or other tags)",
                problem=problem,
                files=files,
            )
        raise RuleSetError(
            tr("not valid YAML: {problem}", problem=problem), file=file, line=line
        ) from exc
    except yaml.YAMLError as exc:
        raise RuleSetError(
            tr("not valid YAML: {first_line}", first_line=_first_line(exc)), file=file
        ) from exc
    finally:
        if "loader" in locals():
            loader.dispose()
    return YamlDocument(data, lines, tuple(problems))


def read_data_yaml(text: str, source: str) -> Any:  # noqa: ANN401 - whatever the file holds
    """Read a data or column-mapping file as strictly as a rule file; None when empty.

    A duplicated key (``bumil_k4: 950`` ... ``bumil_k4: 10``) is refused with both
    lines instead of silently keeping the last value; tags, merge keys and the alias,
    nesting and node limits are those of rule files. Floats are read exactly (Decimal).

    Raises:
        DataFileError: every problem of the file, each with its line.
    """
    try:
        document = read_yaml(
            text, source, files=tr("data files"), allow_empty=True, finite_only=True
        )
    except RuleSetError as exc:
        raise DataFileError(source, [_data_problem(exc)]) from None
    if document.problems:
        raise DataFileError(source, [_data_problem(p) for p in document.problems])
    return document.data


def _data_problem(error: RuleSetError) -> str:
    path = "" if error.path == "$" else f"{error.path}: "
    if error.line is None:
        return tr("{path}{message}", path=path, message=error.message)
    return tr("line {line}: {path}{message}", line=error.line, path=path, message=error.message)
