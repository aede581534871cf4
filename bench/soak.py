"""Memory under a coming and going class: python -m bench.soak [minutes] [visitors at once]

For the given time (default 10 minutes) visitors keep arriving as others leave (each explores,
reconstructs an upload, every third uploads a checkpoint, every fourth trains a small model, then
closes the tab); the server's resident memory is sampled every 5 s and printed as a curve, with its
growth over the second half. The server runs with its default settings (a closed session's state is
kept 120 s for a reconnect, then dropped).
"""

import asyncio
import sys

from tests.support.browser import running_server
from tests.support.soak import growth_mb_per_minute, soak

if __name__ == "__main__":
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    at_once = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    with running_server() as server:
        report = asyncio.run(soak(server.url, minutes * 60, at_once, server.rss_mb))
    print(
        f"{report.visitors} visitors ({report.uploads} checkpoint uploads, {report.trainings} trainings), "
        f"{len(report.errors)} errors"
    )
    for t, mb in report.samples[:: max(1, len(report.samples) // 40)]:
        print(f"{t:7.0f} s  {mb:7.0f} MB  " + "#" * int(mb / 25))
    half = report.samples[-1][0] / 2
    print(f"growth over the second half: {growth_mb_per_minute(report.samples, half):+.1f} MB per minute")
    for error in report.errors[:10]:
        print("error:", error)
