"""Loading and validating the YAML rules in the repository's rules/ folder.

Each rule kind has its own module (terms, qa, ...); they share this module's
problem collection so that every problem of every rule file is reported together,
each with its file and rule name, before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb.errors import KbError

# The rules shipped in the repository; --rules DIR points elsewhere.
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


@dataclass(frozen=True)
class Problem:
    file: str
    rule: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        rule = f" rule {self.rule!r}:" if self.rule else ""
        return f"{where}:{rule} {self.message}"


class RulesError(KbError):
    """One or more rule files are invalid; the message lists every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the rules:\n{lines}")


@dataclass
class Problems:
    """Collects problems while rules are validated; raise_if_any() reports them all at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: str | Path, rule: str | None, message: str, line: int | None = None) -> None:
        self.items.append(Problem(str(file), rule, message, line))

    def raise_if_any(self) -> None:
        if self.items:
            raise RulesError(self.items)


def load_yaml(path: Path, problems: Problems) -> Any:
    """Parse one YAML file; a syntax error becomes a problem with its line, and None is returned."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as exc:
        problems.add(path, None, f"cannot read: {exc.strerror or exc}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(path, None, f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                     line=mark.line + 1 if mark else None)
    return None
