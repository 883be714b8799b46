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
    lines: dict[str, dict[str, int]] = field(default_factory=dict)  # file -> line_index of what load_yaml read

    def add(self, file: str | Path, rule: str | None, message: str, line: int | None = None,
            at: str | None = None) -> None:
        """A problem of ``rule`` (a rule name or a dotted setting, e.g. question.threshold); its line is
        looked up in what load_yaml read of the file (``at`` names a more precise place than ``rule``)."""
        if line is None:
            index = self.lines.get(str(file), {})
            line = index.get(at) or index.get(rule) if (at or rule) else None
        self.items.append(Problem(str(file), rule, message, line))

    def raise_if_any(self) -> None:
        if self.items:
            raise RulesError(self.items)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: the same data, ten times faster


def load_yaml(path: Path, problems: Problems) -> Any:
    """Parse one YAML file; a syntax error becomes a problem with its line, and None is returned."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_LOADER)
        problems.lines[str(path)] = line_index(yaml.compose(text, Loader=_LOADER))
        return data
    except OSError as exc:
        problems.add(path, None, f"cannot read: {exc.strerror or exc}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(path, None, f"invalid YAML: {getattr(exc, 'problem', None) or exc}",
                     line=mark.line + 1 if mark else None)
    return None


def line_index(node: yaml.Node | None, prefix: str = "", index: dict[str, int] | None = None) -> dict[str, int]:
    """The 1-based line of each place of a YAML document, by the names problems use: dotted keys
    (``question.threshold``, ``settings.min_freq``), a list item by its ``name:`` (``question_mark``)
    and by its position (``cues[3]``, 1-based)."""
    index = {} if index is None else index
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                path = f"{prefix}.{key.value}" if prefix else str(key.value)
                index.setdefault(path, key.start_mark.line + 1)
                line_index(value, path, index)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value, 1):
            index.setdefault(f"{prefix}[{position}]", item.start_mark.line + 1)
            if isinstance(item, yaml.MappingNode):
                for key, value in item.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == "name" and isinstance(value, yaml.ScalarNode):
                        index.setdefault(str(value.value), item.start_mark.line + 1)
            line_index(item, f"{prefix}[{position}]", index)
    return index


def check_rules(rules_dir: str | Path | None = None) -> None:
    """Load every rule file of a folder (terms, definitions, stop list, Q&A); raise one RulesError
    listing the problems of all of them, so one run shows everything to fix."""
    from kb.rules.qa import load_qa_rules
    from kb.rules.terms import load_term_rules

    problems: list[Problem] = []
    for load in (load_term_rules, load_qa_rules):
        try:
            load(rules_dir)
        except RulesError as exc:
            problems.extend(exc.problems)
    if problems:
        raise RulesError(problems)
