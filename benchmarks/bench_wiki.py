"""Benchmark of the wiki render and of ``kb lookup`` on an extracted database (normally the whole corpus).

The database must have been built first (its extraction takes minutes, so this script does
not redo it), e.g.:

    kb ingest --db sqlite:///corpus.sqlite ../shared/corpus/logs
    kb extract --db sqlite:///corpus.sqlite

Then: python benchmarks/bench_wiki.py --db sqlite:///corpus.sqlite [--repeat N]

1. wiki: render_wiki into a new, empty folder (best of --repeat), wall and CPU seconds, with
   the load / pages split; pages, terms, days, megabytes written;
2. wiki again into the same folder (pages unchanged are not rewritten);
3. lookup: ``kb lookup`` as a user runs it (a new process each time: interpreter start-up
   included), for a few queries, best and median of --repeat runs; and the in-process lookup.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.publish.lookup import lookup  # noqa: E402
from kb.publish.render import render_wiki  # noqa: E402
from kb.store import open_db  # noqa: E402

QUERIES = ["zjc", "资金池", "beifujin", "清算", "资金吃"]


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an extracted database")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = open_db(args.db)
    print(f"# wiki and lookup — {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="kb-bench-wiki-") as tmp:
        best = None
        for n in range(args.repeat):
            out = Path(tmp) / f"site{n}"
            report, wall, cpu = timed(lambda out=out: render_wiki(engine, out))
            if best is None or wall < best[1]:
                best = (report, wall, cpu, out)
        report, wall, cpu, out = best
        print(f"wiki, new folder:  {wall:6.1f} s wall  {cpu:6.1f} s CPU  (load {report.seconds['load']:.1f} s, "
              f"pages {report.seconds['pages']:.1f} s)  {report.pages} pages, {report.terms} terms, "
              f"{report.days} days, {folder_mb(out):.0f} MB")
        again, wall, cpu = timed(lambda: render_wiki(engine, out))
        print(f"wiki, same folder: {wall:6.1f} s wall  {cpu:6.1f} s CPU  "
              f"({getattr(again, 'written', '?')} written, {getattr(again, 'unchanged', '?')} unchanged)")
    kb = [sys.executable, "-m", "kb", "lookup", "--db", args.db]
    for query in QUERIES:
        runs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = subprocess.run([*kb, query], capture_output=True, text=True, cwd=ROOT)
            runs.append(time.perf_counter() - started)
        first = (result.stdout or result.stderr).splitlines()[0] if (result.stdout or result.stderr) else ""
        _, inproc, _ = timed(lambda query=query: lookup(query, args.db))
        print(f"kb lookup {query:10s} best {min(runs):.2f} s  median {statistics.median(runs):.2f} s  "
              f"(in process {inproc * 1000:.0f} ms)  → {first[:60]}")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    print(f"python -c pass: {time.perf_counter() - started:.2f} s (interpreter start-up alone)")


if __name__ == "__main__":
    main()
