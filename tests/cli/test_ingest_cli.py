"""kb ingest through click's CliRunner: the summary it prints, exit codes, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kb.cli import main

FRONT_MATTER = '---\ntitle:      "{date}-WeChat"\ndate:       {date} 12:00:00\n---\n'


def write_log(path: Path, date: str, *texts: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"> 10:00:{i:02d}  thq  \n   \n{text}  \n   \n" for i, text in enumerate(texts))
    path.write_text(FRONT_MATTER.format(date=date) + body, encoding="utf-8")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """A working folder with logs/demo holding two days (three messages) and a quiet day."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KB_DB_URL", raising=False)
    write_log(tmp_path / "logs" / "demo" / "2024-03-04-chat.markdown", "2024-03-04", "备付金", "资金池")
    write_log(tmp_path / "logs" / "demo" / "2024-03-05-chat.markdown", "2024-03-05", "代扣")
    write_log(tmp_path / "logs" / "demo" / "2024-03-06-chat.markdown", "2024-03-06")
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, ["ingest", "--db", "sqlite:///kb.sqlite", *args])


def summary(files: int, new: int, replaced: int, unchanged: int, rejected: int, stored: int) -> str:
    return (
        "kb ingest\n"  # piped: no centring, no wrapping (kb.cli.common.PIPE_WIDTH)
        "┏━━━━━━━┳━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓\n"
        "┃ files ┃ new ┃ replaced ┃ unchanged ┃ rejected ┃ messages stored ┃\n"
        "┡━━━━━━━╇━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩\n"
        f"│ {files:>5} │ {new:>3} │ {replaced:>8} │ {unchanged:>9} │ {rejected:>8} │ {stored:>15} │\n"
        "└───────┴─────┴──────────┴───────────┴──────────┴─────────────────┘\n"
    )


def test_first_run_prints_the_summary(workdir: Path) -> None:
    result = run("logs")
    assert result.exit_code == 0, result.output
    assert result.output == summary(files=3, new=3, replaced=0, unchanged=0, rejected=0, stored=3)


def test_second_run_adds_nothing_and_a_change_is_replaced(workdir: Path) -> None:
    assert run("logs").exit_code == 0
    result = run("logs")
    assert result.exit_code == 0, result.output
    assert result.output == summary(files=3, new=0, replaced=0, unchanged=3, rejected=0, stored=0)
    write_log(workdir / "logs" / "demo" / "2024-03-05-chat.markdown", "2024-03-05", "代扣", "协议支付")
    result = run("logs")
    assert result.output == summary(files=3, new=0, replaced=1, unchanged=2, rejected=0, stored=2)
    engine = sa.create_engine("sqlite:///kb.sqlite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM messages").scalar() == 4
    engine.dispose()


def test_bad_input_exits_1_with_a_rejected_table(workdir: Path) -> None:
    (workdir / "logs" / "demo" / "notes.txt").write_text("shopping list\n", encoding="utf-8")
    (workdir / "logs" / "demo" / "open.md").write_text("---\ntitle: x\n> 10:00:00  a\n\nhi\n", encoding="utf-8")
    result = run("logs", "missing.markdown")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith(summary(files=6, new=3, replaced=0, unchanged=0, rejected=3, stored=3))
    table = result.output[len(summary(6, 3, 0, 0, 3, 3)):]
    rows = [line for line in table.splitlines() if line.startswith("│")]
    assert rows == [
        "│ logs/demo/notes.txt │ neither front matter nor message headers, not a chat log │",
        "│ logs/demo/open.md:1 │ front matter opened here is never closed with '---'      │",
        "│ missing.markdown    │ cannot read: No such file or directory                   │",
    ]
    assert "rejected files" in table
    assert result.output.endswith("Error: 3 of 6 files rejected; the others are stored\n")


def test_a_header_with_a_typo_is_a_warning_naming_file_and_line(workdir: Path) -> None:
    (workdir / "logs" / "demo" / "2024-03-06-chat.markdown").write_text(
        "---\ntitle: x\n---\n> 10:00:00  a\n\nhi\n\n> 10:53  b\n\nhello\n", encoding="utf-8")
    result = run("logs")
    assert result.exit_code == 0, result.output
    assert "warning: logs/demo/2024-03-06-chat.markdown:8: '> 10:53  b' looks like a message header" in result.output


def test_group_option_and_db_from_the_environment(workdir: Path, monkeypatch) -> None:
    monkeypatch.setenv("KB_DB_URL", "sqlite:///from-env.sqlite")
    result = CliRunner().invoke(main, ["ingest", "--group", "支付群", "logs/demo/2024-03-04-chat.markdown"])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine("sqlite:///from-env.sqlite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT key, \"group\", n_messages FROM sources").all() == [
            ("支付群/2024-03-04-chat.markdown", "支付群", 2)]
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--db", "nosuch://x", "logs"], 1, "Error: cannot use database URL 'nosuch://x': "),
        (["--db", "sqlite:////proc/kb.sqlite", "logs"], 1,
         "Error: cannot open sqlite:////proc/kb.sqlite: OperationalError: unable to open database file\n"),
        ([], 2, "Error: Missing argument 'PATHS...'."),
    ],
    ids=["bad-url", "unopenable-db", "no-paths"],
)
def test_errors_are_one_line_without_traceback(workdir: Path, args: list[str], code: int, message: str) -> None:
    result = CliRunner().invoke(main, ["ingest", *args])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_help_ends_with_an_example() -> None:
    result = CliRunner().invoke(main, ["ingest", "--help"])
    assert result.exit_code == 0
    assert "Example: kb ingest ../shared/corpus/logs" in result.output


def test_the_same_file_under_another_group_is_a_warning(workdir: Path) -> None:
    assert run("logs").exit_code == 0
    result = CliRunner().invoke(main, ["ingest", "--db", "sqlite:///kb.sqlite", "--group", "支付群",
                                       "logs/demo/2024-03-04-chat.markdown"])
    assert result.exit_code == 0, result.output
    assert ("warning: logs/demo/2024-03-04-chat.markdown: the same file is stored as demo/2024-03-04-chat.markdown "
            "already: its messages are now there twice (under groups demo and 支付群)") in result.output


def test_the_same_day_in_two_folders_of_one_run_is_no_warning(workdir: Path) -> None:
    # the archive has a few days saved byte for byte in two groups: each group keeps its copy, quietly
    other = workdir / "logs" / "other"
    other.mkdir()
    (other / "2024-03-04-chat.markdown").write_bytes((workdir / "logs" / "demo" / "2024-03-04-chat.markdown").read_bytes())
    result = run("logs")
    assert result.exit_code == 0 and "warning" not in result.output
