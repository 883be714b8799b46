"""How a kb process ends: databases closed, then what is left frozen for the last collections."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from unittest import mock

from click.testing import CliRunner

from kb.cli import common, main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


def test_the_console_script_ends_with_at_exit_and_an_embedding_program_does_not(monkeypatch):
    import kb.cli

    monkeypatch.setattr(common, "_exit_pid", None)
    with mock.patch("atexit.register") as register:
        CliRunner().invoke(main, ["ingest", "--help"])  # a program calling kb's commands itself
        register.assert_not_called()
        with mock.patch.object(kb.cli, "main") as command_line:
            kb.cli.run()
            kb.cli.run()
        assert command_line.call_count == 2
    register.assert_called_once_with(common.at_exit)


def test_at_exit_in_another_process_leaves_everything_alone():
    code = """
import gc, os, sys
from kb.cli import common
from kb.store import open_db
engine = open_db(sys.argv[1])
with engine.connect() as conn:
    conn.exec_driver_sql("SELECT 1")
common._exit_pid = os.getpid() + 1  # registered by a parent this process was forked from
common.at_exit()
print(engine.pool.checkedin(), gc.get_freeze_count())
"""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        done = _python(code, f"sqlite:///{folder}/kb.sqlite")
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["1", "0"]


def test_at_exit_closes_pooled_connections_then_freezes():
    code = """
import gc, sys
from kb.cli import common
from kb.store import open_db
engine = open_db(sys.argv[1])
with engine.connect() as conn:
    conn.exec_driver_sql("SELECT 1")
before = engine.pool.checkedin()
common.at_exit()
print(before, engine.pool.checkedin(), gc.get_freeze_count() > 0)
"""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        done = _python(code, f"sqlite:///{folder}/kb.sqlite")
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["1", "0", "True"]


def test_a_command_leaves_its_sqlite_file_closed(tmp_path):
    # the WAL file goes when the last connection closes: at_exit closes them before it freezes what
    # would have collected them
    db = tmp_path / "kb.sqlite"
    done = subprocess.run([sys.executable, "-m", "kb", "ingest", str(EXAMPLES / "logs"), "--db", f"sqlite:///{db}"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert db.is_file()
    assert not (tmp_path / "kb.sqlite-wal").exists()
    assert not (tmp_path / "kb.sqlite-shm").exists()
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] > 0
