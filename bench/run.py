"""Benchmark `secretless scan` on a real tree and print median wall time, throughput and peak RSS.

    python bench/run.py                 # tree: a copy of this Python's standard library
    python bench/run.py --tree DIR      # any directory
    python bench/run.py --repeat 5 --scale 4

The default tree is built once under bench/.trees/ (ignored by git): the running
interpreter's standard library without tests and caches, optionally copied `--scale` times.
Benchmarks are not tests: nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build_stdlib_tree(scale: int) -> Path:
    dest = HERE / ".trees" / f"stdlib-x{scale}"
    if dest.exists():
        return dest
    src = Path(sysconfig.get_paths()["stdlib"])
    ignore = shutil.ignore_patterns("test", "tests", "__pycache__", "site-packages", "idlelib", "*.pyc")
    for i in range(scale):
        shutil.copytree(src, dest / f"copy{i}", ignore=ignore, symlinks=True)
    return dest


def tree_size(root: Path) -> tuple[int, int]:
    files = total = 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                files += 1
                total += os.path.getsize(p)
    return files, total


def run_once(cmd: list[str]) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # noqa: S603 - our own CLI
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} exited {proc.returncode}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--extra", default="", help="extra arguments for secretless scan, one string")
    args = ap.parse_args()
    tree = args.tree or build_stdlib_tree(args.scale)
    files, nbytes = tree_size(tree)
    exe = shutil.which("secretless") or str(Path(sys.executable).with_name("secretless"))
    key = HERE / ".trees" / "bench.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    if not key.exists():
        key.write_text("00" * 32)
    cmd = [exe, "scan", str(tree), "-f", "json", "-o", os.devnull, "--key-file", str(key), *args.extra.split()]
    times = []
    peak = 0
    for _ in range(args.repeat):
        t, rss = run_once(cmd)
        times.append(t)
        peak = max(peak, rss)
    med = statistics.median(times)
    print(f"tree: {tree} ({files} files, {nbytes / 1e6:.1f} MB); cores: {os.cpu_count()}")
    print(f"{'tool':<12}{'median s':>10}{'MB/s':>10}{'peak RSS MB (largest process)':>32}")
    print(f"{'secretless':<12}{med:>10.2f}{nbytes / 1e6 / med:>10.1f}{peak / 1024:>32.0f}")


if __name__ == "__main__":
    main()
