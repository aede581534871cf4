"""The protocol student (harness/protocol_student.py) must keep driving the app as its front end
does, or the classroom benchmark's server-side figures (python -m bench.classroom --browser-students 3)
would measure something else: each press moves the slider one step and brings the image decoded there,
a page switch comes back to the student's own point, every widget on the way is one whose state it
knows how to send, and two students never see each other's point."""

from __future__ import annotations

import asyncio

from harness.protocol_student import ProtocolStudent


async def two_students(url: str) -> list[str]:
    """Two students side by side; returns what each saw, in order."""
    seen: list[str] = []
    async with ProtocolStudent(url, 1.3) as a, ProtocolStudent(url, -0.7) as b:
        seen += [a.decoded_caption(), b.decoded_caption()]
        for direction in (1, 1, -1):
            seen.append((await a.press(direction)).caption)
        switch = await a.switch("samples.py")
        assert switch.kept, switch
        seen.append(switch.caption)
        switch = await b.switch("interpolation.py")
        assert switch.kept, switch
        seen.append(switch.caption)
        assert not a.unhandled and not b.unhandled, (a.unhandled, b.unhandled)
    return seen


def test_protocol_students_drive_the_app_as_a_browser_does(app_url):
    # The session's shared server: the students open sessions of their own, as any visitor does.
    seen = asyncio.run(two_students(app_url))
    points = [caption.split(" by ")[0] for caption in seen]
    assert points == [
        "decoded at z = (0.00, 1.30)",
        "decoded at z = (0.00, -0.70)",
        "decoded at z = (0.10, 1.30)",
        "decoded at z = (0.20, 1.30)",
        "decoded at z = (0.10, 1.30)",
        "decoded at z = (0.10, 1.30)",  # a came back from Samples to its own point
        "decoded at z = (0.00, -0.70)",  # b from Interpolation to its own, untouched by a's presses
    ], seen
