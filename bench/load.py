"""Explorer latency idle and under load (4 explorers + 1 trainer): python -m bench.load [seconds]

``--quick`` is 5 idle presses and 5 seconds of load (CI: proves it runs); the default is 30 and 60.
"""

import asyncio
import json
import sys

from harness.browser import running_app
from harness.load import idle_latencies, median, run_load

if __name__ == "__main__":
    given = [a for a in sys.argv[1:] if a != "--quick"]
    seconds = 5.0 if "--quick" in sys.argv else float(given[0]) if given else 60.0
    with running_app() as url:
        idle = idle_latencies(url, 5 if "--quick" in sys.argv else 30)
        idle = asyncio.run(idle)
        reports = asyncio.run(run_load(url, seconds))
    loaded = [t for r in reports if r.name.startswith("explorer") for t in r.latencies_ms]
    print(
        json.dumps(
            {
                "slider -> image, idle, median ms": round(median(idle), 1),
                "slider -> image, 4 explorers + 1 training, median ms": round(median(loaded), 1),
                "presses under load": len(loaded),
                "errors": sum(len(r.errors) for r in reports),
                "leaks": sum(len(r.leaks) for r in reports),
            },
            indent=2,
        )
    )
