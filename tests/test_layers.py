"""The packages under kb/ import only what docs/architecture.md lets them (no stage reaches into another)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[1] / "kb"
SHARED = {"errors"}  # kb/errors.py: the error types every layer raises

MAY_IMPORT = {
    "cli": {"curate", "eval", "extract", "ingest", "nlp", "publish", "rules", "store"},
    "ingest": {"store"},
    "store": set(),
    "rules": set(),
    "nlp": {"store", "rules"},
    "extract": {"nlp", "rules", "store"},
    "curate": {"store"},
    "publish": {"store"},
    "eval": {"ingest", "store"},
}


def imports(path: Path) -> set[str]:
    """The kb packages a module imports, at its top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
        found |= {name.split(".")[1] for name in names if name.startswith("kb.") and name.count(".") >= 1}
    return found


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_the_layers_below_it(package):
    allowed = MAY_IMPORT[package] | SHARED | {package}
    wrong = {f"{path.relative_to(KB)} imports kb.{name}" for path in (KB / package).rglob("*.py")
             for name in imports(path) - allowed}
    assert not wrong, sorted(wrong)


def test_every_package_is_listed():
    packages = {p.name for p in KB.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"data"} <= set(MAY_IMPORT), packages - set(MAY_IMPORT)
