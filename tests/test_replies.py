"""server.replies: the upload URLs the browser waits for outlive the start of a run (the lost checkpoint
uploads of docs/performance.md, "Inputs lost under load"). Streamlit's own message queue, as a session's
AppSession clears it when a run starts (``_clear_queue``: every message but the lifecycle ones)."""

from __future__ import annotations

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.forward_msg_queue import ForwardMsgQueue

from server import replies


def upload_urls_reply() -> ForwardMsg:
    """What AppSession._handle_file_urls_request queues for a browser that is about to upload a file."""
    message = ForwardMsg()
    message.file_urls_response.response_id = "request-1"
    message.file_urls_response.file_urls.add(file_id="f1", upload_url="/_stcore/upload_file/s/f1")
    return message


def a_delta(fragment_id: str = "") -> ForwardMsg:
    message = ForwardMsg()
    message.delta.new_element.markdown.body = "the previous run's output"
    message.delta.fragment_id = fragment_id
    message.metadata.delta_path[:] = [0, 0]
    return message


def queued(queue: ForwardMsgQueue) -> list[str]:
    return [m.WhichOneof("type") for m in queue._queue]


def test_upstream_still_drops_the_reply_when_a_run_starts():
    """Why the fix exists: without it, a full run's start drops the pending reply. When this fails, the pinned
    Streamlit keeps replies itself and server/replies.py can go."""
    replies.keep_replies()
    original = ForwardMsgQueue.clear.__wrapped__
    queue = ForwardMsgQueue()
    queue.enqueue(a_delta())
    queue.enqueue(upload_urls_reply())
    original(queue, retain_lifecycle_msgs=True, fragment_ids_this_run=None)
    assert queued(queue) == []


def test_a_full_runs_start_keeps_the_reply_and_a_flush_sends_it_once():
    replies.keep_replies()
    replies.keep_replies()  # a second call (app.py imported again) wraps nothing twice
    assert ForwardMsgQueue.clear.__wrapped__.__name__ == "clear"
    queue = ForwardMsgQueue()
    queue.enqueue(a_delta())
    queue.enqueue(upload_urls_reply())
    queue.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=None)  # a full run starts
    assert queued(queue) == ["file_urls_response"]  # the old run's output goes, the reply stays
    sent = queue.flush()
    assert [m.WhichOneof("type") for m in sent] == ["file_urls_response"]
    assert sent[0].file_urls_response.file_urls[0].file_id == "f1"
    assert queued(queue) == []  # sent once, not kept for ever
    queue.clear(retain_lifecycle_msgs=True)
    assert queued(queue) == []


def test_a_fragments_run_keeps_the_reply_once():
    """A fragment's run already keeps messages that are not its deltas: the reply is not doubled."""
    replies.keep_replies()
    queue = ForwardMsgQueue()
    queue.enqueue(a_delta("fragment-a"))
    queue.enqueue(upload_urls_reply())
    queue.clear(retain_lifecycle_msgs=True, fragment_ids_this_run=["fragment-a"])
    assert queued(queue) == ["file_urls_response"]
