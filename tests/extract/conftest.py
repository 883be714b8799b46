"""Helpers for extraction tests: chat logs written on the fly, ingested into the test database."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.ingest import discover, ingest

ROOT = Path(__file__).resolve().parents[2]


def write_log(folder: Path, day: str, messages: list[tuple[str, str, str]]) -> Path:
    """A chat log in the cocolian format: (time, speaker, text) per message."""
    lines = ["---", "layout:     source", f'title:      "{day}-WeChat"', f"date:       {day} 12:00:00",
             'author:     "Test"', "tag:\t\t  [chat]", "---"]
    for time, speaker, text in messages:
        lines += [f"> {time}  {speaker}  ", "   ", f"{text}  ", "   "]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{day}-chat.markdown"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def examples_engine(engine):
    """The test database with examples/logs ingested."""
    ingest(engine, discover([ROOT / "examples" / "logs"]))
    return engine


@pytest.fixture
def log_writer(tmp_path):
    def write(day: str, messages: list[tuple[str, str, str]], group: str = "grp") -> Path:
        return write_log(tmp_path / "logs" / group, day, messages)
    return write
