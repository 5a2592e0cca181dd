"""Benchmark the estate scan: N sites, each with app settings, connection strings and one slot,
served by the fake ARM on 127.0.0.1 with injected per-request latency.

    python bench/estate.py                       # 500 sites, 20 ms, concurrency 1 and 16
    python bench/estate.py --sites 200 --latency 0.02 --concurrency 1 8 16 32

Prints wall time, request count, the sequential lower bound (requests x latency) and the ideal
at each concurrency (requests x latency / concurrency).  Not a test: nothing fails on a timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanners.app_service import EstateScanOptions, scan_estate  # noqa: E402
from scanners.fingerprint import Fingerprinter  # noqa: E402
from scanners.sign_in import ArmTarget  # noqa: E402
from tests.fakearm import AsyncStaticTokenCredential, FakeArm, FakeSlot, Faults, make_estate  # noqa: E402

SUB = "00000000-0000-0000-0000-000000000001"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.02)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    args = ap.parse_args()
    estate = make_estate(args.sites, with_slots=False)
    for site in estate.sites:
        site.slots["staging"] = FakeSlot(dict(site.app_settings), dict(site.connection_strings))
    faults = Faults(latency_s=args.latency, read_budget=10**9, write_budget=10**9)
    print(
        f"{args.sites} sites x (site + 1 slot), {args.latency * 1000:.0f} ms per request, {os.cpu_count()} cores"
    )
    print(
        f"{'concurrency':>11}{'wall s':>9}{'requests':>10}{'sequential s':>14}{'ideal s':>9}{'wall/ideal':>12}{'items':>8}"
    )
    with FakeArm(estate, faults=faults, page_size=100) as arm:
        os.environ["SSL_CERT_FILE"] = arm.ca_path
        target = ArmTarget(arm.base_url, "https://management.azure.com/.default")
        for conc in args.concurrency:
            before = len(arm.requests)
            t0 = time.perf_counter()
            res = scan_estate(
                AsyncStaticTokenCredential(),
                target,
                EstateScanOptions(subscriptions=(SUB,), concurrency=conc),
                Fingerprinter(b"\0" * 32),
            )
            wall = time.perf_counter() - t0
            n = len(arm.requests) - before
            seq = n * args.latency
            ideal = seq / conc
            print(
                f"{conc:>11}{wall:>9.2f}{n:>10}{seq:>14.2f}{ideal:>9.2f}{wall / ideal:>12.2f}{len(res.items):>8}"
            )
            if res.skipped:
                print(f"  skipped: {len(res.skipped)} ({res.skipped[0].reason})")


if __name__ == "__main__":
    main()
