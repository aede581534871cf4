"""Replies the browser waits for survive the start of a script run.

Uploading a file is a round trip before it is an upload: the browser asks for upload URLs (a
``file_urls_request``), the server answers with a ``file_urls_response`` put in the session's
outgoing queue, and only then does the browser send the file and rerun the script with it. A run that
starts clears that queue of everything but its lifecycle messages (Streamlit 1.67,
``ForwardMsgQueue.clear(retain_lifecycle_msgs=True)``), so when a run of the same session starts
between the reply's queueing and the queue's next flush, the reply is dropped and the browser waits
for it for ever: the uploader shows the file, the script never sees it. On an idle server the window
is a few milliseconds; with several sessions busy on the server's event loop it lost a checkpoint upload
in about ten (docs/performance.md, "Inputs lost under load").

``keep_replies`` makes a clear that keeps lifecycle messages keep these replies too. A reply is not
part of any run's output, so no run can make it stale; a flush (which clears without keeping) still
sends and removes it, once.
"""

from __future__ import annotations

from typing import Any

from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

REPLIES = frozenset({"file_urls_response"})  # the ForwardMsg types a browser waits for


def keep_replies() -> None:
    """Make every session's queue keep pending replies when a run starts (idempotent)."""
    if getattr(ForwardMsgQueue.clear, "keeps_replies", False):
        return
    clear = ForwardMsgQueue.clear

    def clear_keeping_replies(self: ForwardMsgQueue, retain_lifecycle_msgs: bool = False, **kwargs: Any) -> None:
        replies = [m for m in self._queue if m.WhichOneof("type") in REPLIES] if retain_lifecycle_msgs else []
        clear(self, retain_lifecycle_msgs, **kwargs)
        kept = {id(m) for m in self._queue}  # a fragment's run keeps every message that is not a delta
        self._queue.extend(m for m in replies if id(m) not in kept)

    clear_keeping_replies.keeps_replies = True  # type: ignore[attr-defined]
    clear_keeping_replies.__wrapped__ = clear  # type: ignore[attr-defined]
    ForwardMsgQueue.clear = clear_keeping_replies  # type: ignore[method-assign]
