"""The packages under kb/ import only what docs/architecture.md lets them (no stage reaches into another)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[1] / "kb"
SHARED = {"errors", "privacy", "cache", "heap"}  # kb/errors.py: the error types every layer raises; kb/privacy.py: masking phone
# and card numbers; kb/cache.py: the user's cache folder; kb/heap.py: the garbage collector around big heaps

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
    """The kb packages a module imports, at its top or inside functions (``import kb.x``,
    ``from kb.x import …``, ``from kb import x`` and relative imports)."""
    here = ["kb", *path.relative_to(KB).parent.parts]  # the module's package, as a dotted path
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (here[: len(here) - node.level + 1] if node.level else []) + (node.module or "").split(".")
            base = [part for part in base if part]
            names = [".".join([*base, a.name]) for a in node.names] if base == ["kb"] else [".".join(base)]
        else:
            continue
        found |= {name.split(".")[1] for name in names if name.startswith("kb.")}
    return found


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_the_layers_below_it(package):
    allowed = MAY_IMPORT[package] | SHARED | {package}
    modules = {p.name for p in KB.iterdir() if p.is_dir()} | {p.stem for p in KB.glob("*.py")}
    wrong = {f"{path.relative_to(KB)} imports kb.{name}" for path in (KB / package).rglob("*.py")
             for name in (imports(path) & modules) - allowed}  # kb.__version__ is no module
    assert not wrong, sorted(wrong)


def test_the_import_reader_sees_every_form(tmp_path, monkeypatch):
    module = KB / "eval" / "example.py"  # a path inside kb/eval/; only its text is read
    text = ("import kb.nlp\nfrom kb.extract import qa\nfrom kb import publish\nfrom ..curate import x\n"
            "from . import align\ndef f():\n    from kb.rules.qa import load_qa_rules\n")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: text)
    assert imports(module) == {"nlp", "extract", "publish", "curate", "eval", "rules"}


def test_every_package_is_listed():
    packages = {p.name for p in KB.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"data"} <= set(MAY_IMPORT), packages - set(MAY_IMPORT)
