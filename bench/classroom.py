"""A class of 30 on one server: python -m bench.classroom [--seconds 60]

Students join one browser's contexts in steps of 1, 5, 10, 20 and 30 sessions (students 10, 20
and 30 train with the Train page's defaults, the rest explore: a slider step or a page switch and
back every 2-6 s each); each step is measured for --seconds once all its students are on the page.
Printed: for each step, the slider -> image latency (median and p90, from the keydown to the new
image loaded) split into the browser before sending, the server (request sent -> the message with
the image received) and the browser after; the CPU cores used by the server (its training
included), the browser and this harness; the load average; then errors and state leaks (each must
be zero). See harness/classroom.py for what each student does.

Every student in Chromium on this machine measures the browsers as much as the server (30 tabs take
1.5 of 2 cores). With --browser-students N only N explorers (and the trainers) are Chromium tabs; the
others are protocol students, sessions driven over the WebSocket as the front end drives them, whose
browsers would be on their own computers: the server's view of a class.

    python -m bench.classroom --seconds 60 --json artifacts/classroom.json
    python -m bench.classroom --seconds 60 --browser-students 3 --json artifacts/classroom-server.json
    python -m bench.classroom --steps 10 30 --seconds 45 --browser-students 3 --without-trainers
    python -m bench.classroom --quick       # one student for 5 s (CI: proves it runs)
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from harness.browser import running_server
from harness.classroom import STEPS, TRAINERS, ClassroomReport, Step, classroom, table

COLUMNS = (
    "sessions",
    "presses",
    "median_ms",
    "p90_ms",
    "browser_before_send_ms",
    "server_ms",
    "server_p90_ms",
    "browser_after_ms",
    "protocol_presses",
    "protocol_median_ms",
    "protocol_p90_ms",
    "server_cores",
    "browser_cores",
    "harness_cores",
    "load_average",
    "joined_after_s",
)


def show(report: ClassroomReport, _step: Step | None = None) -> None:
    row = table(report)[-1]
    print(" | ".join(f"{k} {row[k]}" for k in COLUMNS), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time per step")
    parser.add_argument("--steps", type=int, nargs="+", default=list(STEPS))
    parser.add_argument("--json", type=Path, default=None, help="write the table, errors and leaks here")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a server option, e.g. server.disconnectedSessionTTL=120 (repeatable)",
    )
    parser.add_argument(
        "--browser-students",
        type=int,
        default=None,
        metavar="N",
        help="only N explorers (and the trainers) in Chromium, the rest protocol students (browsers elsewhere)",
    )
    parser.add_argument(
        "--without-trainers",
        action="store_true",
        help="students 10, 20 and 30 explore too: the class without its trainings, to see what they cost",
    )
    parser.add_argument("--quick", action="store_true", help="one step of 1 student for 5 s (CI)")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.seconds = [1], 5.0
    options = dict(o.split("=", 1) for o in args.option)
    with running_server(options=options) as server:
        report = asyncio.run(
            classroom(
                server.url,
                server.pid,
                tuple(args.steps),
                args.seconds,
                trainers=() if args.without_trainers else TRAINERS,
                on_step=show,
                browser_students=args.browser_students,
            )
        )
    rows = table(report)
    print("\n| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in COLUMNS) + " |")
    print(
        f"\nerrors {len(report.errors)}, leaks {len(report.leaks)}, trainings finished {report.trainings_finished}, "
        f"a trainer saw its place in the queue {report.queued_seen} times, "
        f"lost key presses {sum(s.lost_presses for s in report.sessions)}, "
        f"page switches {sum(s.rounds for s in report.sessions if s.name.startswith('student'))}"
    )
    for line in (report.errors + report.leaks)[:20]:
        print("  ", line)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "table": rows,
                    "errors": report.errors,
                    "leaks": report.leaks,
                    "options": options,
                    "browser_students": args.browser_students,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
