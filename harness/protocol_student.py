"""A student without a browser: one Streamlit session driven over the app's WebSocket, as its front end would.

Why: bench/classroom.py drives 30 real Chromium contexts on a 2-core machine, and their renderers alone take
about 1.5 cores, so the server is starved and its own latency for 30 sessions cannot be seen. In a real class
every browser runs on its own computer. A protocol student costs the machine almost nothing (it parses
protobufs and renders nothing), so 29 of them beside one real, measuring browser model that class.

What it sends is what Streamlit's front end (1.67, static/js/index.*.js) sends, read from its code:

* the WebSocket: ``/_stcore/stream``, subprotocol ``streamlit``, an ``Origin`` header for the app's own
  origin, permessage-deflate offered (Chromium offers it, so the server compresses for it), no client pings;
* every rerun is a ``BackMsg.rerun_script`` ``ClientState`` built like ``App.sendRerunBackMsg``:
  ``query_string`` (the link's on the first run, then the one the server last set with
  ``page_info_changed``, or "" on a page change, as ``filterParamsForPageChange`` leaves it without
  URL-bound widgets), ``page_script_hash`` ("" and ``page_name`` "" for the first run of ``/``),
  ``fragment_id`` for a fragment's widget, ``widget_states``, ``cached_message_hashes`` and
  ``context_info`` (time zone, offset, locale, the page's URL without query, not embedded, light
  scheme) on every run;
* ``widget_states`` is the ``WidgetStateManager``'s whole map, as ``createWidgetStatesMsg`` sends it: one
  state per widget on screen, the value the widget committed when it mounted (the proto's value when the
  server set one, else what this session chose, else the default) and what the student changed since;
  after a run, the states of widgets no longer on screen are dropped (``removeInactiveWidgetState``); a
  page change sends only the states of widgets the navigation script drew (``onPageChange`` clears the
  page's elements first);
* ``cached_message_hashes`` is the front end's ``ForwardMessageCache``: every ``cacheable`` message is kept
  by hash, a ``ref_hash`` answers from it (and refreshes it), and after each finished run entries older than
  ``max_cached_message_age`` runs are dropped (for a fragment run, only that fragment's). The server sends a
  reference instead of a large message (an image of a few tens of kB) only for hashes the client lists,
  so this keeps the server's work what it is for a browser.

Not mimicked (see ``UNHANDLED`` on a student): trigger-only widgets (buttons, a component's triggers) have
no lasting state, as in the browser; a v2 component (``bidi_component``) sends state only once its
JavaScript calls ``setStateValue``, which nothing here runs; widget types the explorer does not draw
(multiselect, date input, ...) are recorded, not sent. No HTTP is fetched (the page, its scripts, the
decoder weights a latent pad loads from /api/files): a browser fetches those once and then caches them.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

import websockets
from streamlit.proto.AppPage_pb2 import AppPage
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from ui import registry
from ui.state import Key

CAPTION_PREFIX = "decoded at z = ("
CAPTION_RE = re.compile(r"decoded at z = \((-?\d+\.\d+), (-?\d+\.\d+)\)")
EXPLORER = "explorer.py"
AWAY = ("samples.py", "interpolation.py")  # the pages a student glances at (here and in harness/classroom.py)
TITLES = {screen.file: screen.title for screen in registry.SCREENS}
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}

# Element types that are widgets but keep no state between runs (a trigger is sent once, then reset).
TRIGGER_ONLY = {"button", "download_button", "link_button", "page_link", "menu_button", "chat_input"}
# Elements with an id that commit no state when drawn, only once the person uses them (a v2 component's
# setStateValue, a chart's selection).
STATE_WHEN_USED = {
    "bidi_component",
    "component_instance",
    "plotly_chart",
    "vega_lite_chart",
    "dataframe",
    "deck_gl_json_chart",
    "echarts_chart",
}


@dataclass
class Widget:
    """A widget on screen: what a rerun's widget_states needs to know about it."""

    id: str
    kind: str  # the Element's oneof: "slider", "radio", ...
    label: str
    fragment_id: str  # "" unless drawn by a fragment
    script_hash: str  # the script that drew it (metadata.active_script_hash)
    path: tuple[int, ...]  # its delta path: [0, ...] main area, [1, ...] sidebar
    element: Element


@dataclass
class PressResult:
    """One slider step: seconds from the rerun request sent to the new image's caption, and to the run's end."""

    caption_s: float
    finished_s: float
    value: float  # the slider's new value
    caption: str


@dataclass
class SwitchResult:
    """A page switch away and back: seconds for each run, and whether the explorer kept this student's z2."""

    away: str
    away_s: float
    back_s: float
    caption: str
    kept: bool


@dataclass
class StudentReport:
    """What ``run_student`` measured for one session."""

    z2: float
    open_s: float = 0.0
    presses: list[PressResult] = field(default_factory=list)
    switches: list[SwitchResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unhandled: set[str] = field(default_factory=set)


@dataclass
class _Run:
    """A rerun request in flight: when it was sent, and what the caption waiter looks for."""

    sent: float
    want_caption: Callable[[str], bool] | None
    caption_at: float | None = None
    caption: str = ""
    finished: asyncio.Future[float] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass
class _Cached:
    """A ForwardMessageCache entry: the message, the run count when last used, and its fragment."""

    msg: ForwardMsg
    run_count: int
    fragment_id: str


class ProtocolStudent:
    """One Streamlit session over the WebSocket, as the browser's front end drives it (module docstring).

    Use as ``async with ProtocolStudent(url, z2) as s: await s.press(); await s.switch("samples.py")``.
    """

    def __init__(
        self,
        url: str,
        z2: float,
        *,
        timezone: str = "Europe/London",
        timezone_offset: int = 0,
        locale: str = "en-GB",
        timeout: float = 60.0,
    ) -> None:
        self.base = url.rstrip("/")
        self.z2 = z2
        self.query_string = f"z2={z2:g}"
        self.url = f"{self.base}/"  # the address bar without query or fragment, as context_info carries it
        self.timeout = timeout
        self._context = {"timezone": timezone, "timezone_offset": timezone_offset, "locale": locale}
        self._ws: websockets.ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._run: _Run | None = None
        self.states: dict[str, WidgetState] = {}  # the WidgetStateManager's map, by widget id
        self.widgets: dict[tuple[int, ...], Widget] = {}  # on screen, by delta path
        self.pages: dict[str, str] = {}  # page name (a title in ui/registry.py) -> page_script_hash
        self.url_paths: dict[str, str] = {}  # page_script_hash -> url path ("" for the default page)
        self.main_script_hash = ""
        self.page_script_hash = ""
        self.captions: dict[tuple[int, ...], str] = {}  # every image caption on screen, by delta path
        self.unhandled: set[str] = set()  # widget types whose state this student does not send
        self._cache: dict[str, _Cached] = {}
        self._run_count = 0
        self._max_age = 2
        self._got_new_session = False
        self._run_paths: set[tuple[int, ...]] = set()
        self._run_fragments: list[str] = []

    # -- the connection -------------------------------------------------------------------------------

    async def __aenter__(self) -> ProtocolStudent:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def open(self) -> float:
        """Connect and run the page its link opens (``/?z2=...``); return the seconds until that run finished."""
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self._ws = await websockets.connect(
            f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream",
            subprotocols=[websockets.Subprotocol("streamlit")],
            origin=websockets.Origin(f"{parts.scheme}://{parts.netloc}"),
            ping_interval=None,  # a browser does not ping; the library still answers the server's pings
            max_size=None,
            open_timeout=self.timeout,
        )
        self._reader = asyncio.create_task(self._read(), name="protocol-student-reader")
        run = await self._rerun(page_script_hash="", page_name="", query_string=self.query_string)
        return await self._finish(run)

    async def close(self) -> None:
        """Close the WebSocket cleanly (close frame, then wait for the reader), as a closed tab does."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                await asyncio.wait_for(self._reader, 10)
        self._ws = self._reader = None

    # -- what a student does --------------------------------------------------------------------------

    def widget(self, key: str, *, main: bool = True) -> Widget:
        """The widget whose user key is ``key`` (Streamlit's ids end in ``-<key>``), in the main area or sidebar."""
        for path, widget in sorted(self.widgets.items()):
            if widget.id.endswith(f"-{key}") and (path[0] == 0) == main:
                return widget
        raise LookupError(f"no widget {key!r} on screen ({sorted(w.id for w in self.widgets.values())})")

    def decoded_caption(self) -> str:
        """The caption of the explorer's server-decoded image ("decoded at z = (x, y) ..."), or ""."""
        return next((c for _, c in sorted(self.captions.items()) if c.startswith(CAPTION_PREFIX)), "")

    async def press(self, direction: int = 1) -> PressResult:
        """Move the explorer's first slider (z1) one step, as ArrowRight (or ArrowLeft for -1) on it does.

        The browser sets the slider's state and asks for a rerun of its fragment with the whole state map;
        the result says when the image captioned with the new value arrived, and when the run ended.
        """
        slider = self.widget(Key.Z_X)
        element = slider.element.slider
        old = self.states[slider.id].double_array_value.data[0]
        decimals = max(0, -int(f"{element.step:e}".split("e")[1]))
        value = round(min(element.max, max(element.min, old + direction * element.step)), decimals + 1)
        state = WidgetState(id=slider.id)
        state.double_array_value.data.append(value)
        self.states[slider.id] = state
        want = f"{CAPTION_PREFIX}{value:.2f}, "
        run = await self._rerun(fragment_id=slider.fragment_id, want_caption=lambda c: c.startswith(want))
        finished = await self._finish(run)
        if run.caption_at is None:
            raise AssertionError(f"no image captioned {want!r} (last: {self.decoded_caption()!r})")
        return PressResult(run.caption_at - run.sent, finished, value, run.caption)

    async def switch(self, away: str = AWAY[0]) -> SwitchResult:
        """Open another page (a file in pages/, e.g. "samples.py") from the navigation, then the explorer
        again, and check that the explorer still shows this student's own z2."""
        away_s = await self.open_page(away)
        back_s = await self.open_page(EXPLORER)
        caption = self.decoded_caption()
        match = CAPTION_RE.match(caption)
        kept = bool(match) and f"{float(match.group(2)):.2f}" == f"{self.z2:.2f}"
        return SwitchResult(away, away_s, back_s, caption, kept)

    async def open_page(self, file: str) -> float:
        """Click the navigation's entry for a page (a file in pages/); return the seconds its run took."""
        page_hash = self.pages[TITLES[file]]
        keep = {w.id for w in self.widgets.values() if w.script_hash == self.main_script_hash}
        states = [state for wid, state in self.states.items() if wid in keep]
        run = await self._rerun(page_script_hash=page_hash, page_name="", query_string="", states=states)
        return await self._finish(run)

    # -- requests -------------------------------------------------------------------------------------

    async def _rerun(
        self,
        *,
        page_script_hash: str | None = None,
        page_name: str = "",
        query_string: str | None = None,
        fragment_id: str = "",
        states: list[WidgetState] | None = None,
        want_caption: Callable[[str], bool] | None = None,
    ) -> _Run:
        """Send a rerun request built as the front end's sendRerunBackMsg builds it (module docstring)."""
        if self._ws is None:
            raise RuntimeError("not connected")
        if self._run is not None and not self._run.finished.done():
            raise RuntimeError("a run is still in flight")
        client = ClientState(
            query_string=self.query_string if query_string is None else query_string,
            page_script_hash=self.page_script_hash if page_script_hash is None else page_script_hash,
            page_name=page_name,
            fragment_id=fragment_id,
            is_auto_rerun=False,
            is_history_navigation=False,
            cached_message_hashes=list(self._cache),
        )
        client.widget_states.widgets.extend(self.states.values() if states is None else states)
        info = client.context_info
        info.timezone = self._context["timezone"]
        info.timezone_offset = self._context["timezone_offset"]
        info.locale = self._context["locale"]
        info.url = self.url
        info.is_embedded = False
        info.color_scheme = "light"
        msg = BackMsg()
        msg.rerun_script.CopyFrom(client)
        payload = msg.SerializeToString()
        self._run = run = _Run(time.perf_counter(), want_caption)
        self._got_new_session = False
        await self._ws.send(payload)
        return run

    async def _finish(self, run: _Run) -> float:
        """Wait for the run's script_finished; return the seconds since its request was sent."""
        return await asyncio.wait_for(asyncio.shield(run.finished), self.timeout) - run.sent

    # -- what the server sends ------------------------------------------------------------------------

    async def _read(self) -> None:
        """Take every ForwardMsg as it comes (the browser does too, so the server never waits on us)."""
        assert self._ws is not None
        try:
            async for raw in self._ws:
                if isinstance(raw, bytes):
                    msg = ForwardMsg()
                    msg.ParseFromString(raw)
                    self._handle(msg)
        except websockets.ConnectionClosed:
            pass
        finally:
            if self._run is not None and not self._run.finished.done():
                self._run.finished.set_exception(ConnectionError("the server closed the WebSocket"))

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                raise RuntimeError(f"cached ForwardMsg miss {msg.ref_hash}")
            cached.run_count = self._run_count
            full = ForwardMsg()
            full.CopyFrom(cached.msg)
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            if msg.hash in self._cache:
                self._cache[msg.hash].run_count = self._run_count
            else:
                self._cache[msg.hash] = _Cached(msg, self._run_count, msg.delta.fragment_id)
        if kind == "new_session":
            self._new_session(msg)
        elif kind == "delta":
            self._delta(msg)
        elif kind == "navigation":
            self._pages(msg.navigation.app_pages)
            self.page_script_hash = msg.navigation.page_script_hash or self.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "script_finished":
            self._script_finished(msg)

    def _pages(self, app_pages: Iterable[AppPage]) -> None:
        """The navigation's pages (new_session's app_pages name only the main script, or differ in a fragment's)."""
        for page in app_pages:
            self.pages[page.page_name] = page.page_script_hash
            self.url_paths[page.page_script_hash] = "" if page.is_default else page.url_pathname

    def _new_session(self, msg: ForwardMsg) -> None:
        session = msg.new_session
        self._got_new_session = True
        self._max_age = session.config.max_cached_message_age or self._max_age
        self.main_script_hash = session.main_script_hash
        if session.page_script_hash != self.page_script_hash and self.page_script_hash:
            # Another page: the front end clears the old page's elements and, with them, their widget
            # states (clearAppState, removeInactiveWidgetState); what the navigation script drew stays.
            for path in [p for p, w in self.widgets.items() if w.script_hash != self.main_script_hash]:
                del self.widgets[path]
            self.captions = {p: c for p, c in self.captions.items() if p[0] != 0}
            active = {w.id for w in self.widgets.values()}
            self.states = {wid: s for wid, s in self.states.items() if wid in active}
        self.page_script_hash = session.page_script_hash
        self.url = f"{self.base}/{self.url_paths.get(self.page_script_hash, '')}"  # the page's address
        self._run_paths = set()
        self._run_fragments = list(msg.metadata.run.fragment_ids)

    def _delta(self, msg: ForwardMsg) -> None:
        delta, path = msg.delta, tuple(msg.metadata.delta_path)
        self._run_paths.add(path)
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "imgs":
            for img in element.imgs.imgs:
                self.captions[path] = img.caption
                run = self._run
                if run and run.want_caption and run.caption_at is None and run.want_caption(img.caption):
                    run.caption_at, run.caption = time.perf_counter(), img.caption
            return
        self.captions.pop(path, None)
        proto = getattr(element, kind)
        widget_id = getattr(proto, "id", "")
        if not widget_id:
            self.widgets.pop(path, None)
            return
        self.widgets[path] = Widget(
            widget_id,
            kind,
            getattr(proto, "label", ""),
            delta.fragment_id,
            msg.metadata.active_script_hash,
            path,
            element,
        )
        self._mount(widget_id, kind, proto)

    def _mount(self, widget_id: str, kind: str, proto: object) -> None:
        """Commit the widget's value as its front-end component does when drawn: the server's value when it
        set one, else this session's, else the proto's default."""
        if kind in TRIGGER_ONLY or kind in STATE_WHEN_USED:
            return
        state = _state_from_proto(widget_id, kind, proto, keep=widget_id in self.states)
        if state is None:
            if widget_id not in self.states and kind not in _KNOWN:
                self.unhandled.add(kind)
            return
        self.states[widget_id] = state

    def _script_finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        if status in FINISHED:
            fragments = list(msg.metadata.run.fragment_ids) or self._run_fragments
            if not fragments:  # a full run: what it did not draw is gone (clearStaleNodes)
                for path in [p for p in self.widgets if p not in self._run_paths]:
                    del self.widgets[path]
                for path in [p for p in self.captions if p not in self._run_paths]:
                    del self.captions[path]
            else:  # a fragment run: only that fragment's stale elements go
                for path in [
                    p for p, w in self.widgets.items() if w.fragment_id in fragments and p not in self._run_paths
                ]:
                    del self.widgets[path]
            active = {w.id for w in self.widgets.values()}
            self.states = {wid: s for wid, s in self.states.items() if wid in active}  # removeInactiveWidgetState
            if self._got_new_session:
                self._age_cache(fragments)
        if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN and self._run and not self._run.finished.done():
            self._run.finished.set_result(time.perf_counter())

    def _age_cache(self, fragments: list[str]) -> None:
        """ForwardMessageCache.incrementRunCount: drop what has not been used for max_cached_message_age runs."""
        self._run_count += 1
        for key, entry in list(self._cache.items()):
            if fragments and entry.fragment_id not in fragments:
                continue
            if self._run_count - entry.run_count > self._max_age:
                del self._cache[key]


_KNOWN = {
    "button_group",
    "slider",
    "checkbox",
    "radio",
    "selectbox",
    "file_uploader",
    "number_input",
    "text_input",
    "text_area",
}


def _state_from_proto(widget_id: str, kind: str, proto: object, *, keep: bool) -> WidgetState | None:
    """The WidgetState a widget of this kind commits on mount (None: keep what there is, or none known).

    ``keep``: the session already holds a value, which wins unless the server set one (``set_value``).
    """
    set_value = bool(getattr(proto, "set_value", False))
    if keep and not set_value:
        return None
    state = WidgetState(id=widget_id)
    p = proto  # the element's proto; typed loosely since each kind has its own message
    if kind == "slider":
        state.double_array_value.data.extend(p.value if set_value else p.default)  # type: ignore[attr-defined]
    elif kind == "checkbox":
        state.bool_value = p.value if set_value else p.default  # type: ignore[attr-defined]
    elif kind in ("radio", "selectbox"):
        if set_value:
            if not p.HasField("raw_value"):  # type: ignore[attr-defined]
                return None
            state.string_value = p.raw_value  # type: ignore[attr-defined]
        elif p.HasField("default"):  # type: ignore[attr-defined]
            state.string_value = p.options[p.default]  # type: ignore[attr-defined]
        else:
            return None
    elif kind == "button_group":  # st.pills, st.segmented_control: the options' formatted contents
        chosen = p.raw_values if set_value else [p.options[i].content for i in p.default]  # type: ignore[attr-defined]
        state.string_array_value.data.extend(chosen)
    elif kind == "file_uploader":
        if keep:
            return None
        state.file_uploader_state_value.SetInParent()
    elif kind == "number_input":
        source = "value" if set_value else "default"
        if not p.HasField(source):  # type: ignore[attr-defined]
            return None
        state.double_value = getattr(p, source)
    elif kind in ("text_input", "text_area"):
        source = "value" if set_value else "default"
        if not p.HasField(source):  # type: ignore[attr-defined]
            return None
        state.string_value = getattr(p, source)
    else:
        return None
    return state


async def run_student(
    url: str,
    z2: float,
    *,
    seconds: float | None = None,
    presses: int | None = None,
    switches: int | None = None,
    think: tuple[float, float] = (2.0, 6.0),
    switch_share: float = 0.25,
    seed: int | None = None,
) -> StudentReport:
    """One student for a while: open ``/?z2=<z2>``, then think ``think`` seconds between actions, each a slider
    step (right, or left past +3) or, ``switch_share`` of the time, a page switch away and back.

    With ``presses`` and ``switches`` it does exactly that many (presses first, a switch after every
    ``presses // switches`` presses); with ``seconds`` it acts until that much time has passed.
    """
    rng = random.Random(seed)
    report = StudentReport(z2)
    deadline = None if seconds is None else time.perf_counter() + seconds
    plan: list[str] | None = None
    if presses is not None or switches is not None:
        p, s = presses or 0, switches or 0
        every = max(1, p // s) if s else p + 1
        plan = []
        for i in range(p):
            plan.append("press")
            if s and (i + 1) % every == 0 and plan.count("switch") < s:
                plan.append("switch")
        plan += ["switch"] * (s - plan.count("switch"))
    student = ProtocolStudent(url, z2)
    try:
        report.open_s = await student.open()
        step = 0
        while True:
            if plan is not None:
                if step >= len(plan):
                    break
                action = plan[step]
            else:
                action = "switch" if rng.random() < switch_share else "press"
            await asyncio.sleep(rng.uniform(*think))
            if deadline is not None and time.perf_counter() > deadline:
                break
            try:
                if action == "press":
                    value = student.states[student.widget(Key.Z_X).id].double_array_value.data[0]
                    report.presses.append(await student.press(-1 if value >= 3.0 else 1))
                else:
                    report.switches.append(await student.switch(AWAY[step % len(AWAY)]))
            except (AssertionError, LookupError, TimeoutError) as error:
                report.errors.append(f"{action}: {error!r}")
            step += 1
    finally:
        report.unhandled = set(student.unhandled)
        await student.close()
    return report


def median_ms(values: list[float]) -> float:
    """The median of seconds, in ms (nan for none)."""
    return statistics.median(values) * 1000 if values else float("nan")
