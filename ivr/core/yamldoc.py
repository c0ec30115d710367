"""Load YAML documents while remembering the line of every key, for `file:line` messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[Any, ...]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it: the same documents and marks, about 7x faster."""


@dataclass(frozen=True)
class Problem:
    """One finding about a flow or config file."""

    file: str
    line: int
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        where = f"{self.file}:{self.line}" if self.line else self.file  # line 0: the environment, not a file
        return f"{where}: {prefix}{self.message}"


@dataclass
class Document:
    """A parsed YAML file with a line for every path inside it."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int:
        """Return the line of `path`, or of its nearest parent that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def problem(self, path: Path_, message: str, severity: str = "error") -> Problem:
        """Make a Problem located at `path`."""
        return Problem(self.file, self.line(path), message, severity)


def finding(err: Mapping[str, Any]) -> str:
    """The text of one pydantic error for people editing the file ("unknown key" for a key no model knows)."""
    if err["type"] == "extra_forbidden":
        return "unknown key (check its spelling and indentation)"
    return str(err["msg"]).removeprefix("Value error, ")


class YamlSyntaxError(Exception):
    """A file is not valid YAML; carries the Problem with its line."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def _walk(loader: Any, node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in seen and key_node.tag != "tag:yaml.org,2002:merge":  # YAML would keep the last one silently
                raise yaml.constructor.ConstructorError(problem=f"duplicate key {key!r}",
                                                        problem_mark=key_node.start_mark)
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(loader, value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(loader, item, path + (index,), lines)


def parse(text: str, file: str) -> Document:
    """Parse YAML text into a Document; raise YamlSyntaxError with the line on bad syntax."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(file, None, {(): 1})
        data = loader.construct_document(node)
        lines: dict[Path_, int] = {}
        _walk(loader, node, (), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(Problem(file, line, f"invalid YAML: {exc.problem or exc}")) from exc
    finally:
        loader.dispose()
    return Document(file, data, lines)


def load(path: str | Path) -> Document:
    """Read and parse one YAML file."""
    path = Path(path)
    return parse(path.read_text(encoding="utf-8"), str(path))
