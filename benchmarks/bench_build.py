"""Benchmark of full-archive builds: segmentation floor, cold build, warm extract, one-day incremental
build, wiki render and lookup; seconds, ratio to the floor, and peak memory of each stage.

Every stage runs as its own process (``kb ...`` through ``python -m kb``), so its memory is its
own. Peak memory is the largest memory of the stage's whole process tree (the kb
process and its segmentation workers: the sum of their PSS, so pages a forked worker shares with
its parent count once), sampled every 0.25 s.

Steps, on a copy of the corpus logs in a temporary folder (the corpus itself is never written):
1. cold build: ``kb build`` of every log but the last day of one group into a fresh SQLite database
   and site folder (717 of 718 days: the held-out day is the incremental one);
2. floor: every distinct message text the build segments (kinds text and quote, masked as the
   extractor masks them) through pkuseg on all cores, model loading in each worker included;
   then the same texts as kb cuts them (kb.nlp.fastcut, not part of the floor), which must give
   the same tokens for every text;
3. warm extract: ``kb extract`` again, nothing changed (it finds nothing changed and stops);
   then ``kb extract --force`` on a copy of the database: the whole extraction again from the
   segmentation cache (what a rule change costs);
4. incremental: the held-out day is copied back and ``kb build`` runs again (it appends the day,
   kb.extract.append, and makes only the pages the day touches); the same on a copy of the
   database and site with ``--append-limit 0`` (everything extracted and rendered again), for
   comparison. Before it, the copy of pkuseg's model a few texts are cut with (kb.nlp.lite) is
   written if the cache has none (once per machine; not timed);
5. wiki: ``kb wiki`` of the whole database into a new, empty folder, which is then compared with
   the incremental build's site (they must be the same files, byte for byte, but the marker);
6. lookup: ``kb lookup`` of a frequent term.

With ``--pairs N`` the cold build and the floor are measured N times, each build into a new
database and site, each floor right after its build; their ratios are printed pair by pair and
the check uses the median (this machine's speed drifts by a third within minutes). Nothing is
deleted before the end: creating files right after deleting many is slower on some file systems
(ext4 without a journal, as here), which would charge the next build for the last one's clean-up;
so the N databases and sites (about 220 MB each on the corpus) stay until then.

Usage: python benchmarks/bench_build.py [--logs PATH] [--workers N] [--keep DIR] [--pairs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOGS = ROOT.parent / "shared" / "corpus" / "logs"


def _pss(pid: int) -> int:
    """Proportional resident bytes of a process: pages shared with its forked workers count once in all."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    """Direct children of a process (Linux keeps them in /proc/PID/task/TID/children)."""
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return out


def tree_memory(pid: int) -> int:
    """Memory of a process and all its descendants: the sum of their PSS (read from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _pss(p)
        todo.extend(_children(p))
    return total


def run_stage(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a command; its wall seconds, CPU seconds (user and system, of it and every process it
    waited for), peak memory of its process tree (MiB), and its output."""
    before = os.times()
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, cwd=ROOT)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_memory(proc.pid))
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{out}\n{err}")
    return {"seconds": wall, "cpu": cpu_since(before, children=True), "peak_mib": peak / 2**20, "out": out}


def cpu_since(before: os.times_result, children: bool = False) -> float:
    """User and system seconds since ``before``: of the processes this one waited for (``children``),
    or of this one and those."""
    now = os.times()
    spent = (now.children_user - before.children_user) + (now.children_system - before.children_system)
    if not children:
        spent += (now.user - before.user) + (now.system - before.system)
    return spent


def kb(*args: str) -> list[str]:
    return [sys.executable, "-m", "kb", *args]


def floor(db_url: str, workers: int | None) -> None:
    """The segmentation floor, in this (sub)process: prints JSON {seconds, texts}."""
    import sqlalchemy as sa

    from kb.extract.terms import mask
    from kb.nlp.parallel import cut_many
    from kb.store.models import Message

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        texts = sorted({mask(t) for t in conn.execute(
            sa.select(Message.text).where(Message.kind.in_(("text", "quote")))).scalars() if t and t.strip()})
    texts = [t for t in texts if t.strip()]
    before = os.times()
    started = time.perf_counter()
    plain = [tokens for _text, tokens in cut_many(texts, [], workers=workers, fast=False)]
    seconds = time.perf_counter() - started
    cpu = cpu_since(before)  # (the workers are waited for when the pool closes)
    started = time.perf_counter()  # the same texts as kb cuts them (kb.nlp.fastcut): not part of the floor
    fast = [tokens for _text, tokens in cut_many(texts, [], workers=workers, fast=True)]
    print(json.dumps({"seconds": seconds, "cpu": cpu, "texts": len(plain), "fast_seconds": time.perf_counter() - started,
                      "fast_differ": sum(a != b for a, b in zip(plain, fast))}))


def hold_out(logs: Path, copy: Path) -> Path:
    """Copy the logs, all but the last day of the group with most days; return that day's file."""
    shutil.copytree(logs, copy)
    groups = sorted((d for d in copy.iterdir() if d.is_dir()), key=lambda d: -len(list(d.iterdir())))
    last = sorted(p for p in groups[0].iterdir() if p.is_file())[-1]
    held = copy.parent / "held" / last.parent.name
    held.mkdir(parents=True)
    shutil.move(str(last), held / last.name)
    return held / last.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=Path, default=LOGS)
    parser.add_argument("--workers", type=int, default=None, help="segmentation processes (default: every core)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--pairs", type=int, default=1, metavar="N",
                        help="measure the cold build and the floor N times, one after the other, and compare "
                             "the median of their ratios (default 1)")
    parser.add_argument("--floor", metavar="DB_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        floor(args.floor, args.workers)
        return
    if not args.logs.is_dir():
        raise SystemExit(f"{args.logs}: corpus logs not found")

    work = Path(tempfile.mkdtemp(prefix="kb-bench-build-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    env = {"KB_WORKERS": str(args.workers)} if args.workers else {}
    try:
        logs = work / "logs"
        held = hold_out(args.logs, logs)
        db = f"sqlite:///{work / 'kb.sqlite'}"
        site = str(work / "site")
        files = sum(1 for _ in logs.rglob("*") if _.is_file())
        print(f"corpus: {args.logs} ({files} files built cold, then {held.parent.name}/{held.name} added)")
        print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, workers "
              f"{args.workers or 'all'}, load {os.getloadavg()[0]:.1f} at start, "
              f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
        results: dict[str, dict] = {}
        results["cold build"] = run_stage(kb("build", str(logs), "--out", site, "--db", db), env)
        stage = run_stage([sys.executable, str(Path(__file__).resolve()), "--floor", db]
                          + (["--workers", str(args.workers)] if args.workers else []))
        stage.update(json.loads(stage["out"]))  # (its seconds and CPU seconds: the floor's own)
        results["segmentation floor"] = stage
        pairs = [(results["cold build"]["seconds"], stage["seconds"])]
        cpu_pairs = [(results["cold build"]["cpu"], stage["cpu"])]
        for n in range(1, args.pairs):  # more pairs, each on a new database and site (the first is kept)
            again = f"sqlite:///{work / f'pair{n}.sqlite'}"
            cold = run_stage(kb("build", str(logs), "--out", str(work / f"site-pair{n}"), "--db", again), env)
            pair_floor = json.loads(run_stage([sys.executable, str(Path(__file__).resolve()), "--floor", again]
                                              + (["--workers", str(args.workers)] if args.workers else []))["out"])
            pairs.append((cold["seconds"], pair_floor["seconds"]))
            cpu_pairs.append((cold["cpu"], pair_floor["cpu"]))
            # (deleted at the end, not now: on ext4 without a journal, a new file's inode is looked for
            # past those deleted in the last minute or more, so the next build would create its 6,700
            # files slower, 1-3 s here; docs/benchmarks.md)
        results["warm extract"] = run_stage(kb("extract", "--db", db), env)
        # on a copy: a full extraction after the build would make the next one render every page
        # (the site would no longer show what the database's last extraction made)
        shutil.copy(work / "kb.sqlite", work / "force.sqlite")
        results["re-extract from cache"] = run_stage(kb("extract", "--force", "--db", f"sqlite:///{work / 'force.sqlite'}"),
                                                     env)
        (work / "force.sqlite").unlink()
        shutil.copy(held, logs / held.parent.name / held.name)
        subprocess.run([sys.executable, "-c", "from kb.nlp import lite, segment\n"
                        "lite.available() or lite.write_cache(segment._base_model())"], check=True, cwd=ROOT)
        shutil.copy(work / "kb.sqlite", work / "full.sqlite")
        shutil.copytree(site, work / "site-full")
        results["incremental build (+1 day)"] = run_stage(kb("build", str(logs), "--out", site, "--db", db), env)
        results["incremental, all again"] = run_stage(kb(
            "build", str(logs), "--out", str(work / "site-full"), "--db", f"sqlite:///{work / 'full.sqlite'}",
            "--append-limit", "0"), env)
        results["wiki render"] = run_stage(kb("wiki", "--out", str(work / "site-fresh"), "--db", db))
        results["lookup"] = run_stage(kb("lookup", "备付金", "--db", db))
        differ = subprocess.run(["diff", "-rq", "-x", ".kb-wiki", site, str(work / "site-fresh")],
                                capture_output=True, text=True).stdout.splitlines()
        base = results["segmentation floor"]["seconds"]
        seg = results["segmentation floor"]
        print(f"floor: {seg['texts']:,} distinct texts; kb's own segmentation of them (kb.nlp.fastcut) "
              f"{seg['fast_seconds']:.2f} s, {seg['fast_differ']} cut differently")
        print(f"{'stage':<28} {'seconds':>8} {'× floor':>8} {'CPU s':>8} {'peak memory':>12}")
        for name in ("segmentation floor", "cold build", "warm extract", "re-extract from cache",
                     "incremental build (+1 day)", "incremental, all again",
                     "wiki render", "lookup"):
            r = results[name]
            print(f"{name:<28} {r['seconds']:8.2f} {r['seconds'] / base:8.2f} {r['cpu']:8.1f} {r['peak_mib']:8.0f} MiB")
        cold = results["cold build"]["seconds"]
        ratio = cold / base
        if len(pairs) > 1:
            ratio = statistics.median(c / f for c, f in pairs)
            print("cold build / floor, pair by pair: " + ", ".join(f"{c:.1f} / {f:.1f} s = {c / f:.2f}" for c, f in pairs)
                  + f"; median {ratio:.2f}")
        # not the aim (wall time), but what the machine's speed moves less: the work each one does
        print("CPU seconds, cold build / floor: " + ", ".join(f"{c:.1f} / {f:.1f} = {c / f:.2f}" for c, f in cpu_pairs)
              + (f"; median {statistics.median(c / f for c, f in cpu_pairs):.2f}" if len(cpu_pairs) > 1 else ""))
        print(f"checks: cold ≤ 1.3× floor: {ratio:.2f}; warm extract ≤ 0.15× cold: "
              f"{results['warm extract']['seconds'] / cold:.2f}; incremental ≤ 5 s: "
              f"{results['incremental build (+1 day)']['seconds']:.1f}; peak ≤ 2 GiB: "
              f"{max(r['peak_mib'] for r in results.values()):.0f} MiB")
        print(f"the incremental build's site and a fresh render: {len(differ)} files differ" + "".join(
            f"\n  {line}" for line in differ[:10]))
        print(f"load {os.getloadavg()[0]:.1f} at end")
        print("--- cold build output ---")
        print(results["cold build"]["out"].rstrip())
        print("--- incremental build output ---")
        print(results["incremental build (+1 day)"]["out"].rstrip())
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            for n in range(1, args.pairs):
                for path in work.glob(f"pair{n}.sqlite*"):
                    path.unlink()
                shutil.rmtree(work / f"site-pair{n}", ignore_errors=True)


if __name__ == "__main__":
    main()
