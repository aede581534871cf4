"""Memory under a coming and going class: python -m bench.soak [minutes] [visitors at once]

For the given time (default 10 minutes) visitors keep arriving as others leave (each explores,
reconstructs an upload, every third uploads a checkpoint, every fourth trains a small model, then
closes the tab); the server's resident memory is sampled every 5 s and printed as a curve, with its
growth over the second half. The server runs with its default settings (a closed session's state is
kept 120 s for a reconnect, then dropped) unless --ttl says otherwise.

    python -m bench.soak 10 4 --probe artifacts/soak-probe.jsonl   # also: what holds the memory
    python -m bench.soak --quick                                   # 2 visitors for 20 s (CI: proves it runs)

--probe runs harness/memprobe.py inside the server: every 5 s it records glibc's heap (in use,
free, mmapped), Streamlit's own accounting (session state, caches, uploaded and media files), the
sessions connected, kept and gone, and live models; the first and last records are printed.
"""

import argparse
import asyncio
import json
from pathlib import Path

from harness.browser import running_server
from harness.memprobe import probe_env
from harness.soak import UPLOAD_LOST_SECONDS, UPLOAD_TAKEN_SECONDS, growth_mb_per_minute, soak

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("minutes", nargs="?", type=float, default=10.0)
    parser.add_argument("at_once", nargs="?", type=int, default=4, help="visitors at once")
    parser.add_argument("--ttl", type=int, default=None, help="server.disconnectedSessionTTL (Streamlit's: 120 s)")
    parser.add_argument("--probe", type=Path, default=None, help="write the server's memory breakdown here")
    parser.add_argument("--samples", type=Path, default=None, help="write the RSS samples here (JSON)")
    parser.add_argument("--quick", action="store_true", help="2 visitors at once for 20 s (CI)")
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.at_once = 1 / 3, 2
    options = {} if args.ttl is None else {"server.disconnectedSessionTTL": str(args.ttl)}
    env = probe_env(args.probe) if args.probe else None
    if args.probe:
        args.probe.unlink(missing_ok=True)
    with running_server(options=options, env=env) as server:
        report = asyncio.run(soak(server.url, args.minutes * 60, args.at_once, server.rss_mb))
    print(
        f"{report.visitors} visitors ({report.uploads} checkpoint uploads made mid-run: {report.late_uploads} "
        f"taken after more than {UPLOAD_TAKEN_SECONDS} s, {report.lost_uploads} not taken within "
        f"{UPLOAD_LOST_SECONDS} s; "
        f"{report.trainings} trainings), "
        f"{len(report.errors)} errors"
    )
    if report.upload_seconds:
        seconds = sorted(report.upload_seconds)
        print(f"upload -> model switched: median {seconds[len(seconds) // 2]:.1f} s, longest {seconds[-1]:.1f} s")
    for step in report.lost_at:
        print(f"a lost upload's round trip stopped after: {step}")
    for t, mb in report.samples[:: max(1, len(report.samples) // 40)]:
        print(f"{t:7.0f} s  {mb:7.0f} MB  " + "#" * int(mb / 25))
    half = report.samples[-1][0] / 2
    print(f"growth over the second half: {growth_mb_per_minute(report.samples, half):+.1f} MB per minute")
    if args.samples:
        args.samples.write_text(json.dumps(report.samples))
    if args.probe and args.probe.exists():
        lines = [json.loads(line) for line in args.probe.read_text().splitlines()]
        for label, line in (("first", lines[0]), ("last", lines[-1])):
            print(f"probe, {label}: {json.dumps(line)}")
    for error in report.errors[:10]:
        print("error:", error)
