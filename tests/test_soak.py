"""A short soak: visitors come and go (explore, reconstruct an upload, upload a checkpoint, train,
close the tab), then leave; once they have gone, the server must hold no more than it did after the
first round of the same visits. The 10-minute run is `python -m bench.soak` (docs/measurements.md, "Memory").

Why not the slope of resident memory, as first written: a training's activations move RSS by
±150 MB within seconds, so a least-squares slope over a minute or two was noise (it failed and passed
at random), and it could not tell a leak from glibc keeping freed memory. Instead the server runs a
probe (harness/memprobe.py) and the test compares two quiet moments, each after every visitor
has gone and the server's housekeeping has run: the first after one visit of each kind (libraries,
caches and the first training's allocations in place), the second after a minute more of visitors.
No checkpoint upload made mid-run may be lost (docs/performance.md, "Inputs lost under load").
Checked then: no session, training job or model outlives its visitor (object counts: exact), no
uploaded or media file is left, and the memory in use (glibc's heap in use plus its mmapped blocks:
every tensor and Python object lives in one or the other) grew by less than 60 MB, a sixth of one
training's peak. Resident memory is bounded loosely: on top of what is in use it holds glibc's
fragmented free heap, which a training's large short-lived buffers leave behind (measured: +156 MB
resident with +1.6 MB in use; docs/measurements.md, "Memory").
"""

from __future__ import annotations

import asyncio
import os

import pytest

from harness.browser import require_chromium, running_server
from harness.memprobe import probe_env
from harness.soak import settle, soak

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the second CI stage (docs/testing.md)
require_chromium()

SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
RECONNECT = 5  # server.disconnectedSessionTTL: closed tabs are dropped after 5 s here (120 s by default)
HOUSEKEEPING = 3  # seconds between the server's housekeeping passes here (30 by default)
IN_USE_MB_BOUND = 60
RSS_MB_BOUND = 400  # measured: +156 MB (+1.6 MB in use) between the quiet moments (docs/measurements.md)


def test_memory_returns_to_its_level_once_visitors_have_gone_and_no_upload_was_lost(tmp_path):
    probe = tmp_path / "probe.jsonl"
    env = probe_env(probe, every=2.0) | {"VAE_HOUSEKEEPING_SECONDS": str(HOUSEKEEPING)}
    with running_server(options={"server.disconnectedSessionTTL": str(RECONNECT)}, env=env) as server:
        first = asyncio.run(soak(server.url, 1, at_once=3, rss_mb=server.rss_mb))  # one visit of each kind
        base = settle(server.url, probe, RECONNECT, HOUSEKEEPING)
        more = asyncio.run(soak(server.url, SECONDS, at_once=3, rss_mb=server.rss_mb, first=3))
        end = settle(server.url, probe, RECONNECT, HOUSEKEEPING)
    print(f"\nafter the first round: {base}\nat the end: {end}\nRSS during the second: {more.samples}")
    assert not first.errors and not more.errors, first.errors + more.errors
    assert first.uploads == 1 and first.trainings == 1
    # Visitors came and went (a seat visited again) with an upload and a training among them. How many fit
    # in the time depends on the machine: a visit that trains took over a minute on a CI run, so 6 failed.
    assert more.visitors > 3 and more.uploads >= 1 and more.trainings >= 1
    # No input lost: every checkpoint uploaded while the page's run still went on was taken (within 180 s;
    # before server/replies.py some were never taken). Where one stopped, the tracer tells; it saw every
    # step of each taken one, so it sees what it should.
    for report in (first, more):
        assert report.lost_uploads == 0, f"uploads lost; their round trips stopped after: {report.lost_at}"
        assert report.traced == len(report.upload_seconds), (report.traced, report.upload_seconds)
    # Exact: every visitor's session, training and models are gone, and so are their files. (Streamlit
    # keeps the last session to close until another one closes: the passer-by's, an explorer's.)
    assert end["sessions_active"] == 0 and end["AppSession"] <= 1 and end["TrainingJob"] == 0, end
    assert end["VAE"] <= base["VAE"], f"models outlived their sessions: {base['VAE']} -> {end['VAE']}"
    assert end["mb"].get("UploadedFileManager", 0) == 0 and end["mb"].get("st_memory_media_file_storage", 0) == 0
    # Bounded: memory in use (a leak of C-level memory) and resident memory (also glibc's free heap).
    grown = (end["heap_in_use"] + end["mmapped"]) - (base["heap_in_use"] + base["mmapped"])
    assert grown < IN_USE_MB_BOUND, (base, end)
    assert end["rss"] - base["rss"] < RSS_MB_BOUND, (base, end)
