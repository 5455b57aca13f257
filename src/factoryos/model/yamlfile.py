"""Read YAML keeping where each value came from, and refusing duplicate keys that PyYAML would overwrite."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

Location = tuple[str | int, ...]


def format_path(path: Location) -> str:
    """`('routings', 'paint', 'operations', 2, 'equipment')` -> `routings.paint.operations[2].equipment`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass(frozen=True)
class YamlIssue:
    path: Location
    line: int | None
    message: str


@dataclass
class YamlDocument:
    data: Any
    lines: dict[Location, int]
    issues: list[YamlIssue]

    def line_of(self, path: Location) -> int | None:
        """The line of the deepest part of `path` that the file has."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def read_yaml(text: str) -> YamlDocument:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        return YamlDocument(None, {}, [YamlIssue((), mark.line + 1 if mark else None, f"YAML syntax: {problem}")])
    document = YamlDocument(None, {}, [])
    if node is not None:
        document.data = _build(node, (), document, SafeConstructor())
    return document


def read_yaml_file(path: Path) -> YamlDocument:
    return read_yaml(path.read_text(encoding="utf-8"))


def _build(node: yaml.Node, path: Location, document: YamlDocument, constructor: SafeConstructor) -> Any:
    document.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                key = str(key)
            key = str(key) if not isinstance(key, str) else key
            if key in result:
                first = document.lines.get((*path, key))
                document.issues.append(
                    YamlIssue(
                        (*path, key),
                        key_node.start_mark.line + 1,
                        f"duplicate id {key!r} (first on line {first})",
                    )
                )
                continue
            result[key] = _build(value_node, (*path, key), document, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), document, constructor) for i, item in enumerate(node.value)]
    if node.tag in _SEXAGESIMAL and node.style is None and ":" in node.value:
        return node.value  # YAML 1.1 reads `22:30` as the number 1350; a plant file means a time of day
    return constructor.construct_object(node, deep=True)


_SEXAGESIMAL = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
