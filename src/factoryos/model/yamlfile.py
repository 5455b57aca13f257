"""Read YAML keeping where each value came from, and refusing what PyYAML would silently get wrong.

A plant file is read with a few guards, each reported as an issue with its line rather than a crash:
duplicate keys (PyYAML overwrites), keys taken as written (`yes:` stays the id "yes", `1e3:` stays "1e3"),
only `true`/`false` as booleans (YAML 1.1 reads `no`, `on`, `y` as booleans), dates and times left as text
for the schema to check (an impossible date is a field error, not a traceback), merge keys (`<<: *base`)
applied with explicit keys winning, and bounds on size, nesting depth and alias expansion so that a hostile
file cannot exhaust the stack or the memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

Location = tuple[str | int, ...]

MAX_BYTES = 5 * 1024 * 1024
"""A plant file larger than this is refused before it is parsed (the biggest example is ~50 KB)."""
MAX_DEPTH = 64
"""Nesting deeper than this is refused; a plant file needs about ten levels."""
MAX_NODES = 1_000_000
"""Values after aliases are expanded; more than this is an alias bomb, not a plant."""

_MERGE = "tag:yaml.org,2002:merge"
_SEXAGESIMAL = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def format_path(path: Location) -> str:
    """`('routings', 'paint', 'operations', 2, 'equipment')` -> `routings.paint.operations[2].equipment`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass(frozen=True)
class YamlIssue:
    """A problem with the YAML itself (not the plant it describes): where in the document, its line, and what."""

    path: Location
    line: int | None
    message: str


@dataclass
class YamlDocument:
    """A parsed document: its data (None if unreadable), the line of each path that has one, and the issues."""

    data: Any
    lines: dict[Location, int]
    issues: list[YamlIssue]

    def line_of(self, path: Location) -> int | None:
        """The line of the deepest part of `path` that the file has."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader with YAML 1.2 booleans and no implicit timestamps."""


_DROPPED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


def _too_big(size: str) -> YamlIssue:
    return YamlIssue((), None, f"the file is {size}; plant files are limited to {MAX_BYTES // 2**20} MB")


def decode(content: bytes) -> tuple[str | None, YamlIssue | None]:
    """The text of a UTF-8 file (a leading byte-order mark dropped), or an issue naming the line of the first
    byte that is not UTF-8."""
    if len(content) > MAX_BYTES:
        return None, _too_big(f"{len(content) / 2**20:.1f} MB")
    try:
        return content.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        return None, YamlIssue((), line, f"not UTF-8 text: byte 0x{content[error.start]:02x} at line {line}")


def read_yaml(text: str) -> YamlDocument:
    """The document with the line of every value, or the issues that stopped it from being read."""
    if len(text) > MAX_BYTES:
        return YamlDocument(None, {}, [_too_big(f"{len(text) / 2**20:.1f} M characters")])
    text = text.removeprefix("\ufeff")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except RecursionError:  # only PyYAML's pure-Python composer recurses; libyaml stops at 1000 levels itself
        return YamlDocument(None, {}, [YamlIssue((), None, "YAML nested too deep")])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        return YamlDocument(None, {}, [YamlIssue((), mark.line + 1 if mark else None, f"YAML syntax: {problem}")])
    document = YamlDocument(None, {}, [])
    if node is not None:
        refused = _measure(node)
        if refused:
            document.issues.append(refused)
            return document
        document.data = _build(node, (), document, SafeConstructor())
    return document


def _measure(root: yaml.Node) -> YamlIssue | None:
    """Walk the composed document without recursion (memoised per node, so an alias bomb is measured without
    being expanded) and refuse nesting past MAX_DEPTH, a recursive alias, or more than MAX_NODES values."""
    sizes: dict[int, tuple[int, int]] = {}  # node -> (values once expanded, depth)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = [c for c in _children(node) if not isinstance(c, yaml.ScalarNode)]
        line = node.start_mark.line + 1
        if children_done:
            open_nodes.discard(key)
            measured = [sizes[id(c)] for c in children]
            size = 1 + len(_children(node)) - len(children) + sum(m[0] for m in measured)
            depth = 1 + max((m[1] for m in measured), default=0)
            if size > MAX_NODES:
                return YamlIssue((), line, f"aliases expand to more than {MAX_NODES:,} values (an alias bomb?)")
            if depth > MAX_DEPTH:
                return YamlIssue((), line, f"nested more than {MAX_DEPTH} levels deep")
            sizes[key] = (size, depth)
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                return YamlIssue((), child.start_mark.line + 1, "an alias refers to a value that contains it")
            if id(child) not in sizes:
                stack.append((child, False))
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _build(node: yaml.Node, path: Location, document: YamlDocument, constructor: SafeConstructor) -> Any:
    document.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, document, constructor)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), document, constructor) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.ScalarNode) and node.tag in _SEXAGESIMAL and not node.style and ":" in node.value:
        return node.value  # YAML 1.1 reads `22:30` as the number 1350; a plant file means a time of day
    try:
        return constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError) as error:
        document.issues.append(YamlIssue(path, node.start_mark.line + 1, f"cannot read {node.value!r}: {error}"))
        return None


def _build_mapping(
    node: yaml.MappingNode, path: Location, document: YamlDocument, constructor: SafeConstructor
) -> dict[str, Any]:
    """Keys as written; merged keys (`<<`) first, so that the mapping's own keys override them."""
    result = _merged(node, path, document, constructor)
    merged = set(result)
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            continue
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            document.issues.append(YamlIssue(path, line, "a key must be plain text, not a list or mapping"))
            continue
        key = key_node.value
        if key in result and key not in merged:
            first = document.lines.get((*path, key))
            document.issues.append(YamlIssue((*path, key), line, f"duplicate id {key!r} (first on line {first})"))
            continue
        merged.discard(key)
        result[key] = _build(value_node, (*path, key), document, constructor)
    return result


def _merged(
    node: yaml.MappingNode, path: Location, document: YamlDocument, constructor: SafeConstructor
) -> dict[str, Any]:
    """The keys the mapping's merge keys (`<<`) bring in; of two sources that have a key, the first wins."""
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE:
            continue
        for source in value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]:
            if not isinstance(source, yaml.MappingNode):
                line = source.start_mark.line + 1
                document.issues.append(YamlIssue(path, line, "a merge key (<<) takes a mapping or a list of them"))
                continue
            for key, value in _build_mapping(source, path, document, constructor).items():
                result.setdefault(key, value)
    return result
