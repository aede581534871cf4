"""Server time of a slider move on the explorer page, measured with Streamlit's AppTest:
python -m bench.server_time [--quick]   (--quick: 5 moves and 5 switches each way, to prove it runs in CI)

Each move sets the z1 slider and reruns; with the slider inside a fragment only the fragment runs.
``--switches A.py B.py``: instead, each page's full run as a page switch brings it, switching between the
two (``--moves`` times each way, after a first visit to each). The figures include AppTest's own
overhead, so they are upper bounds on the server's work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from streamlit.testing.v1 import AppTest

from ui import registry
from ui.registry import NAVIGATION


def main(moves: int = 40) -> None:
    at = AppTest.from_file(str(NAVIGATION), default_timeout=120)
    at.run()
    times = []
    for i in range(moves):
        t0 = time.perf_counter()
        at.slider(key="z_x").set_value(round(-2 + 0.1 * i, 2)).run()
        times.append((time.perf_counter() - t0) * 1000)
        assert not at.exception
    print(
        f"slider move -> new image, server side: median {statistics.median(times):.1f} ms over {moves} moves "
        f"(min {min(times):.1f}, max {max(times):.1f})"
    )


def switches(files: list[str], moves: int) -> None:
    at = AppTest.from_file(str(NAVIGATION), default_timeout=120)
    at.run()
    times: dict[str, list[float]] = {file: [] for file in files}
    for i in range(2 * moves + 2):
        file = files[i % 2]
        t0 = time.perf_counter()
        at.switch_page(os.path.relpath(registry.screen(file).path, NAVIGATION.parent)).run()  # as AppTest wants it
        if i >= 2:  # the first visit to each computes what later ones find cached
            times[file].append((time.perf_counter() - t0) * 1000)
        assert not at.exception
    medians = ", ".join(f"switch -> {f}: median {statistics.median(t):.1f} ms" for f, t in times.items())
    print(f"{medians} ({moves} each)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="5 moves: proves it runs (CI)")
    parser.add_argument("--switches", nargs=2, metavar="PAGE", help="two page files: their full runs instead")
    args = parser.parse_args()
    moves = 5 if args.quick else args.moves
    if args.switches or args.quick:
        switches(args.switches or ["explorer.py", "samples.py"], moves)
    if not args.switches:
        main(moves)
