"""Several app replicas on one machine behind HAProxy, with sticky sessions.

    python -m deploy.replicas --replicas 4 --port 8080              # serve until Ctrl-C
    python -m deploy.replicas --replicas 4 --port 80 --bind 0.0.0.0 --base-port 8501 --print-config

Starts N ``streamlit run app.py`` on loopback ports, waits until each answers its health check,
then starts HAProxy (Debian's ``haproxy`` package) in front with the config rendered from
deploy/haproxy.cfg, and waits until HAProxy sees every replica up. A replica that exits is
started again on its port; everything stops on Ctrl-C or SIGTERM. Tests use ``balanced_app()``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("haproxy.cfg")
BACKEND = "replicas"


def haproxy_path() -> str | None:
    """The haproxy binary: $HAPROXY, else on PATH, else Debian's /usr/sbin/haproxy (not on a user's PATH)."""
    for candidate in (os.environ.get("HAPROXY"), shutil.which("haproxy"), "/usr/sbin/haproxy"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render_config(ports: list[int], port: int, bind: str, stats_socket: Path, user: str | None = None) -> str:
    """deploy/haproxy.cfg for replicas on these loopback ports; ``user``: drop root to this user and group."""
    servers = "\n".join(f"    server r{i} 127.0.0.1:{p} cookie r{i}" for i, p in enumerate(ports, 1))
    run_as = f"    user {user}\n    group {user}" if user else "    # (runs as the user who starts it)"
    return Template(TEMPLATE.read_text()).substitute(
        bind=bind, port=port, socket=stats_socket, servers=servers, run_as=run_as
    )


@dataclass
class Replica:
    name: str
    port: int
    log: Path | None
    process: subprocess.Popen[bytes] = field(init=False)

    def start(self) -> None:
        streamlit = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
        self.process = _popen([*streamlit, "--server.address", "127.0.0.1", "--server.port", str(self.port)], self.log)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False


@dataclass
class Balanced:
    """A running set of replicas behind HAProxy."""

    url: str
    replicas: list[Replica]
    haproxy: subprocess.Popen[bytes]
    stats_socket: Path
    log: Path | None  # HAProxy's access log (None: it goes to this process's stdout)

    def command(self, line: str) -> str:
        """One command on HAProxy's runtime API (e.g. ``show stat``, ``shutdown sessions server replicas/r1``)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.stats_socket))
            s.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_status(self) -> dict[str, str]:
        """Each replica's state as HAProxy sees it (``UP``, ``DOWN``, ...)."""
        rows = csv.DictReader(self.command("show stat").lstrip("# ").splitlines())
        return {r["svname"]: r["status"] for r in rows if r["pxname"] == BACKEND and r["svname"].startswith("r")}


def _popen(command: list[str], log: Path | None) -> subprocess.Popen[bytes]:
    """Start ``command`` in the project folder, its output appended to ``log`` (None: to this process's stdout)."""
    with log.open("ab") if log else contextlib.nullcontext() as out:
        return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT if out else None)


def _tail(path: Path | None) -> str:
    return path.read_text(errors="replace")[-3000:] if path and path.exists() else "(output not captured)"


def _stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def balanced_app(
    replicas: int = 2,
    port: int | None = None,
    bind: str = "127.0.0.1",
    base_port: int | None = None,
    log_dir: Path | None = None,
    timeout: float = 120.0,
) -> Iterator[Balanced]:
    """Start the replicas and HAProxy; yield once HAProxy sees every replica up; stop them all on exit.

    ``log_dir``: where each replica's output (r1.log, ...) and HAProxy's access log (haproxy.log) go;
    None: this process's stdout (a terminal, or the journal under systemd).
    """
    haproxy = haproxy_path()
    if haproxy is None:
        raise RuntimeError("haproxy is not installed: apt-get install haproxy (Debian's package)")
    port = port or free_port()
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        run_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="replicas-")))
        procs: list[Replica] = []
        stack.callback(lambda: _stop(*(r.process for r in procs)))
        for i in range(1, replicas + 1):
            log = log_dir / f"r{i}.log" if log_dir else None
            replica = Replica(f"r{i}", base_port + i - 1 if base_port else free_port(), log)
            replica.start()
            procs.append(replica)
        deadline = time.monotonic() + timeout
        waiting = list(procs)
        while waiting:
            for replica in list(waiting):
                if replica.process.poll() is not None:
                    raise RuntimeError(f"replica {replica.name} exited during start:\n{_tail(replica.log)}")
                if replica.healthy():
                    waiting.remove(replica)
            if time.monotonic() > deadline:
                raise RuntimeError(f"replicas not healthy after {timeout:.0f} s: {[r.name for r in waiting]}")
            time.sleep(0.2)

        stats_socket = run_dir / "haproxy.sock"
        config = run_dir / "haproxy.cfg"
        config.write_text(render_config([r.port for r in procs], port, bind, stats_socket))
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"haproxy rejected its config:\n{check.stdout}{check.stderr}")
        access_log = log_dir / "haproxy.log" if log_dir else None
        process = _popen([haproxy, "-db", "-f", str(config)], access_log)
        stack.callback(_stop, process)  # runs before the replicas are stopped
        url = f"http://{'127.0.0.1' if bind in ('0.0.0.0', '::') else bind}:{port}"
        balanced = Balanced(url, procs, process, stats_socket, access_log)
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"haproxy exited:\n{_tail(access_log)}")
            with contextlib.suppress(OSError):
                if set(balanced.server_status().values()) == {"UP"}:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"HAProxy does not see every replica up: {balanced.server_status()}")
            time.sleep(0.2)
        yield balanced


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.replicas", description="N app replicas behind HAProxy")
    parser.add_argument("--replicas", type=int, default=2, help="how many app processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="HAProxy's port (default 8080)")
    parser.add_argument("--bind", default="127.0.0.1", help="HAProxy's address (0.0.0.0 to serve the network)")
    parser.add_argument("--base-port", type=int, help="replica ports base, base+1, ... (default: free ports)")
    parser.add_argument("--log-dir", type=Path, help="replica output and HAProxy's access log (default: stdout)")
    parser.add_argument(
        "--print-config", action="store_true", help="print a config for Debian's haproxy service and exit"
    )
    args = parser.parse_args(argv)
    if args.print_config:
        base = args.base_port or 8501
        ports = list(range(base, base + args.replicas))
        # For Debian's haproxy service (/etc/haproxy/haproxy.cfg): its socket folder and its user.
        print(render_config(ports, args.port, args.bind, Path("/run/haproxy/admin.sock"), "haproxy"), end="")
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where started with SIGINT ignored (&)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # systemctl stop: clean up as on Ctrl-C
    with balanced_app(args.replicas, args.port, args.bind, args.base_port, args.log_dir) as app:
        where = ", ".join(f"{r.name} on {r.port}" for r in app.replicas)
        print(f"{app.url} -> {len(app.replicas)} replicas ({where}); Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while app.haproxy.poll() is None:
                for replica in app.replicas:
                    if replica.process.poll() is not None:
                        print(f"replica {replica.name} exited ({replica.process.returncode}): restarting", flush=True)
                        replica.start()
                time.sleep(1)
            sys.exit(f"haproxy exited ({app.haproxy.returncode})")


if __name__ == "__main__":
    main()
