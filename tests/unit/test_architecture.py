"""The engine does no I/O of its own: what import-linter cannot see (builtins and attribute calls) is read here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "ivr" / "engine"
IO_CALLS = {"open", "glob", "rglob", "iterdir", "read_text", "read_bytes", "write_text", "write_bytes", "is_file",
            "is_dir", "exists", "stat", "getenv", "listdir", "walk", "scandir"}
"""Names that read the file system or the environment when called (as a builtin or as a method)."""


def io_uses(source: str) -> list[str]:
    """Name each file or environment access in Python source: `line: what`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in IO_CALLS:
                found.append(f"{node.lineno}: {name}()")
        elif isinstance(node, ast.Attribute) and node.attr == "environ":
            found.append(f"{node.lineno}: environ")
    return found


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda p: p.name)
def test_engine_module_reads_no_files_and_no_environment(path):
    assert io_uses(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "open('flows/hotline.yaml')",
    "Path(audio_dir).glob('*/*.wav')",
    "Path(name).read_text()",
    "os.environ.get('IVR_FLOWS_DIR')",
    "os.getenv('IVR_FLOWS_DIR')",
])
def test_the_check_sees_each_kind_of_access(source):
    assert io_uses(source) != []


def test_the_check_passes_pure_code():
    assert io_uses("schedule.is_open(now)\nfrozenset(names)\n'a'.join(parts)") == []
