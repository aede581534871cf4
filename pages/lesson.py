"""Lesson: a walk through the app one step at a time, each step a short text over a live view of
one of the app's pages, its state preset as the lesson file says (lessons/*.toml)."""

import runpy

import streamlit as st

from ui import claims, lessons, links, warmup, widgets
from ui.state import Key

available, problems = lessons.load_all()
for problem in problems:
    st.error(f"A lesson file could not be used: {problem}")
if not available:
    st.info(f"No lessons yet: write one in {lessons.FOLDER} (lessons/README.md says how).")
    st.stop()
by_name = {lesson.name: lesson for lesson in available}
NAV = "lesson_nav"  # the step controls' row


def go(lesson: lessons.Lesson, step: int, also: dict[str, str] | None = None) -> None:
    """Enter a step: preset its page's view as a link would (and ``also``: a link's own state on top)."""
    step = min(max(step, 0), len(lesson.steps) - 1)
    if st.session_state.get(Key.LESSON_ENTERED) is not None:  # a link's notices are for the step it opened
        st.session_state[Key.LESSON_OPENED_NOTICES] = []
    target = lesson.steps[step]
    st.session_state[Key.LESSON], st.session_state[Key.LESSON_STEP] = lesson.name, step
    st.session_state[Key.LESSON_ENTERED] = (lesson.name, step)
    st.session_state[Key.LESSON_NOTICES] = links.apply(target.screen.file, target.view | (also or {}))


# A link to a step, ?lesson=NAME&step=N plus the view's own state, is followed once, as the session opens.
if (opened := st.session_state.pop(Key.OPENED_WITH, None)) is not None:
    lesson, step, notices = lessons.opened_by(opened, by_name)
    st.session_state[Key.LESSON_OPENED_NOTICES] = notices
    go(lesson, step, {k: v for k, v in opened.items() if k not in ("lesson", "step")})
    st.rerun()
lesson = by_name.get(st.session_state.get(Key.LESSON), available[0])
step = min(st.session_state.get(Key.LESSON_STEP, 0), len(lesson.steps) - 1)
if st.session_state.get(Key.LESSON_ENTERED) != (lesson.name, step):
    go(lesson, step)
    st.rerun()
current = lesson.steps[step]
warmup.measure_ahead(lesson)  # the later steps' slow figures, computed while the class is on this one

presenting = bool(st.session_state.get(Key.PRESENT))
if not presenting:  # the lesson and the step are chosen before the room sees them
    names = list(by_name)
    pick_lesson, pick_step = st.columns([2, 3])
    pick_lesson.selectbox(
        "Lesson",
        names,
        names.index(lesson.name),
        format_func=lambda name: by_name[name].title,
        key=Key.LESSON_PICKER,
        on_change=lambda: go(by_name[st.session_state[Key.LESSON_PICKER]], 0),
        label_visibility="collapsed",
    )
    pick_step.selectbox(
        "Jump to step",
        range(len(lesson.steps)),
        step,
        format_func=lambda n: f"{n + 1}. {lesson.steps[n].title}",
        key=Key.LESSON_JUMP,
        on_change=lambda: go(lesson, st.session_state[Key.LESSON_JUMP]),
        label_visibility="collapsed",
    )
with st.container(key=NAV):  # one row, even on a phone (ui/style.css)
    back, progress, forward, leave = st.columns([1, 5, 1, 2 if presenting else 0.01], vertical_alignment="center")
    back.button("← Back", on_click=go, args=(lesson, step - 1), disabled=step == 0, key=Key.LESSON_BACK)
    progress.progress((step + 1) / len(lesson.steps), text=f"Step {step + 1} of {len(lesson.steps)}")
    forward.button(
        "Next →", on_click=go, args=(lesson, step + 1), disabled=step == len(lesson.steps) - 1, key=Key.LESSON_NEXT
    )
    if presenting:
        with leave:
            widgets.leave_presentation()
widgets.step_keys(
    lambda direction: go(lesson, step + direction),
    shown=f"{lesson.name}:{step}",
    first=step == 0,
    last=step == len(lesson.steps) - 1,
)
for notice in st.session_state.get(Key.LESSON_OPENED_NOTICES, []):
    st.warning(notice)
for notice in st.session_state.get(Key.LESSON_NOTICES, []):
    st.warning(f"This step's view: {notice}.")
(st.title if presenting else st.subheader)(current.title)  # on a projector the step is the page's title
st.markdown(current.text)
if not presenting and (current.notes or current.claims):  # for the presenter: never on the projector
    with st.container(border=True):  # not an expander: those are the maths panels
        st.caption("Speaker notes, and what this step claims (not shown in presentation mode)")
        st.markdown(current.notes)
        if current.claims:
            st.caption(
                "What the text says that the models must show, measured with the pages' own figures "
                "(`python -m ui.lessons check` measures every step at once):"
            )
            if st.button("Measure this step's claims", key=Key.LESSON_MEASURE):
                for claim in current.claims:
                    st.markdown(f"- {claims.evaluate(claim)}")
            else:
                st.markdown("\n".join(f"- {claim.says}" for claim in current.claims))
st.divider()

if current.show is not None:  # the controls this step does not need are hidden, and what is left of them
    st.html(f"<style>{widgets.hiding_css(links.PARAMS.get(current.screen.file, ()), current.show)}</style>")
st.session_state[Key.VIEW] = current.screen.file
st.session_state[Key.VIEW_EXTRA] = {"lesson": lesson.name, "step": str(step + 1)}
links.publish()
runpy.run_path(str(current.screen.path), run_name="__lesson_step__")
