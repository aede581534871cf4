"""Server time of a slider move on the explorer page, measured with Streamlit's AppTest:
python -m bench.server_time [--quick]   (--quick: 5 moves, to prove it runs in CI)

Each move sets the z1 slider and reruns; with the slider inside a fragment only the fragment runs.
The figure includes AppTest's own overhead, so it is an upper bound on the server's work.
"""

from __future__ import annotations

import argparse
import statistics
import time

from streamlit.testing.v1 import AppTest

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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="5 moves: proves it runs (CI)")
    args = parser.parse_args()
    main(5 if args.quick else args.moves)
