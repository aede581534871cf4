"""Housekeeping: a session's files are cleared only once it can no longer be resumed, and freeing
memory is safe to call anywhere."""

from __future__ import annotations

from unittest import mock

import pytest

from server import housekeeping


class FakeRuntime:
    """Just what housekeeping asks of Streamlit's Runtime: who is connected, and its file managers."""

    def __init__(self) -> None:
        self.connected: set[str] = set()
        self.uploaded_file_mgr = mock.Mock()
        self.media_file_mgr = mock.Mock()

    def is_active_session(self, session_id: str) -> bool:
        return session_id in self.connected


@pytest.fixture
def runtime(monkeypatch):
    fake = FakeRuntime()
    monkeypatch.setattr(housekeeping, "Runtime", mock.Mock(exists=lambda: True, instance=lambda: fake))
    monkeypatch.setattr(housekeeping, "reconnect_window", lambda: 120.0)
    monkeypatch.setattr(housekeeping, "_inactive_since", {"a": None, "b": None})
    return fake


def test_a_session_is_forgotten_only_after_the_reconnect_window(runtime):
    runtime.connected = {"a", "b"}
    assert housekeeping.forget_gone_sessions(now=0.0) == []
    runtime.connected = {"a"}  # b's tab closes
    assert housekeeping.forget_gone_sessions(now=10.0) == []  # b may still reconnect
    assert housekeeping.forget_gone_sessions(now=10.0 + 120 + housekeeping.CHECK_EVERY - 1) == []
    gone = housekeeping.forget_gone_sessions(now=10.0 + 120 + housekeeping.CHECK_EVERY + 1)
    assert gone == ["b"]
    runtime.uploaded_file_mgr.remove_session_files.assert_called_once_with("b")
    runtime.media_file_mgr.clear_session_refs.assert_called_once_with("b")
    runtime.media_file_mgr.remove_orphaned_files.assert_called_once()
    assert "a" in housekeeping._inactive_since and "b" not in housekeeping._inactive_since


def test_a_session_that_reconnects_in_time_is_kept(runtime):
    runtime.connected = set()
    housekeeping.forget_gone_sessions(now=0.0)
    runtime.connected = {"a", "b"}  # both come back within the window
    housekeeping.forget_gone_sessions(now=100.0)
    runtime.connected = set()
    assert housekeeping.forget_gone_sessions(now=200.0) == []  # the clock starts again from 200 s
    assert sorted(housekeeping.forget_gone_sessions(now=200.0 + 120 + housekeeping.CHECK_EVERY + 1)) == ["a", "b"]
