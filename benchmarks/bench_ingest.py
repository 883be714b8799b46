"""Benchmark of kb ingest on the whole corpus: seconds, messages per second, peak memory.

Ingests ../shared/corpus/logs (beside the repository) into a fresh temporary SQLite
database, and into a fresh PostgreSQL database when $KB_TEST_PG_URL is set; also
times parsing alone (no database) and a second, no-change run. Each figure is the
best of --repeat runs, as wall-clock and CPU seconds of this process (the database
server's work on PostgreSQL shows in wall time only). Peak memory is the process's
maximum resident set size so far, so it only grows from line to line.

Usage: python benchmarks/bench_ingest.py [--repeat N] [--logs PATH]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from kb.ingest import discover, ingest, parse_file  # noqa: E402
from kb.store import open_db  # noqa: E402

LOGS = ROOT.parent / "shared" / "corpus" / "logs"


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    """Wall-clock and CPU seconds of a block (CPU time is steadier on a shared machine)."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def parse_only(files: list[Path]) -> tuple[float, float, int]:
    with Timer() as timer:
        messages = sum(len(parse_file(path).messages) for path in files)
    return timer.wall, timer.cpu, messages


def ingest_into(url: str, logs: Path) -> tuple[float, float, float, int, int]:
    """(wall and CPU seconds of the first run, seconds of a second run, messages stored, messages added again)."""
    engine = open_db(url)
    try:
        with Timer() as first_run:
            first = ingest(engine, [logs])
        with Timer() as second_run:
            second = ingest(engine, [logs])
        if first.rejected:
            raise SystemExit(f"{len(first.rejected)} files rejected, e.g. {first.rejected[0].where}: "
                             f"{first.rejected[0].reason}")
        return first_run.wall, first_run.cpu, second_run.wall, first.messages_stored, second.messages_stored
    finally:
        engine.dispose()


def sqlite_url(folder: str) -> str:
    return f"sqlite:///{Path(folder) / 'bench.sqlite'}"


class PostgresDatabase:
    """A fresh database on the server of $KB_TEST_PG_URL, dropped on exit."""

    def __init__(self, server_url: str) -> None:
        self.admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.name = f"kb_bench_{uuid.uuid4().hex[:10]}"
        self.url = sa.make_url(server_url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *_exc) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}"')
        self.admin.dispose()


def report(label: str, wall: float, cpu: float, messages: int) -> None:
    print(f"{label:<24} {wall:6.2f} s wall {cpu:6.2f} s CPU  {messages / wall:7,.0f} messages/s  "
          f"peak {peak_mb():4.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the best is shown (default 1)")
    parser.add_argument("--logs", type=Path, default=LOGS, help=f"log folder (default {LOGS})")
    args = parser.parse_args()
    if not args.logs.is_dir():
        raise SystemExit(f"corpus not found at {args.logs}")

    files = discover([args.logs])
    print(f"corpus: {args.logs} ({len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB)")
    print(f"python {platform.python_version()}, sqlalchemy {sa.__version__}, {os.cpu_count()} CPUs")

    wall, cpu, messages = min(parse_only(files) for _ in range(args.repeat))
    report("parse only", wall, cpu, messages)

    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            runs.append(ingest_into(sqlite_url(folder), args.logs))
    wall, cpu, again, stored, added = min(runs)
    report("ingest, SQLite", wall, cpu, stored)
    print(f"{'second run, SQLite':<24} {again:6.2f} s wall, adds {added} messages")

    server = os.environ.get("KB_TEST_PG_URL")
    if server:
        runs = []
        for _ in range(args.repeat):
            with PostgresDatabase(server) as url:
                runs.append(ingest_into(url, args.logs))
        wall, cpu, again, stored, added = min(runs)
        report("ingest, PostgreSQL", wall, cpu, stored)
        print(f"{'second run, PostgreSQL':<24} {again:6.2f} s wall, adds {added} messages")
    else:
        print("PostgreSQL: skipped (set KB_TEST_PG_URL to include it)")


if __name__ == "__main__":
    main()
