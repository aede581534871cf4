"""Lessons are files: the default lesson, walking it, a step's own link, and malformed lesson files."""

from __future__ import annotations

import os
import threading

import pytest

from server import admission
from tests.support.apptest import app, opened
from ui import claims, lessons, registry, warmup
from ui.state import Key

DEFAULT = lessons.FOLDER / f"{lessons.DEFAULT_LESSON}.toml"


def test_the_default_lesson_has_at_least_eight_steps_each_on_a_real_page():
    available, problems = lessons.load_all()
    assert not problems, problems
    lesson = available[0]
    assert lesson.name == lessons.DEFAULT_LESSON and len(lesson.steps) >= 8
    assert {step.screen.file for step in lesson.steps} <= {s.file for s in registry.SCREENS}


def test_walking_the_default_lesson_from_first_to_last_step():
    at = app("lesson.py")
    lesson = lessons.load_all()[0][0]
    for number, step in enumerate(lesson.steps, start=1):
        assert [s.value for s in at.subheader][:1] == [step.title]
        assert at.query_params["lesson"] == lesson.name and at.query_params["step"] == str(number)
        for name, value in step.view.items():  # the step's view is what its file says (as URL text)
            assert at.query_params[name] == value or float(at.query_params[name]) == float(value), name
        if number < len(lesson.steps):
            at.button(key=Key.LESSON_NEXT).click().run()
            assert not at.exception, [e.value for e in at.exception]
    assert at.button(key=Key.LESSON_NEXT).disabled and not at.button(key=Key.LESSON_BACK).disabled


def test_a_steps_own_link_opens_that_step_with_its_view():
    at = opened({"lesson": lessons.DEFAULT_LESSON, "step": "5"}, "lesson.py")
    step = lessons.load_all()[0][0].steps[4]
    assert [s.value for s in at.subheader][:1] == [step.title]
    assert at.slider(key=Key.INTERP_STEPS).value == int(step.view["steps"])


GOOD_STEP = """
[[step]]
title = "A step"
page = "samples"
text = '''Some $z$.'''
"""
MALFORMED: dict[str, tuple[str, str]] = {
    # file text: what the message must say (the line counted from 1)
    "syntax": ('title = "x"\n[[step]\ntitle = "y"\n', "line 2: not valid TOML"),
    "no title": (GOOD_STEP, "line 1: the lesson needs a title"),
    "no steps": ('title = "x"\n', "the lesson has no steps"),
    "unknown page": (
        'title = "x"\n' + GOOD_STEP.replace('"samples"', '"scater"'),
        "line 5: step 1: there is no page 'scater'",
    ),
    "bad view": ('title = "x"\n' + GOOD_STEP + "[step.view]\nseed = -3\n", "line 7: step 1: in its view, seed = '-3'"),
    "unknown control": (
        'title = "x"\n' + GOOD_STEP + 'show = ["zoom"]\n',
        "line 7: step 1: show names no control 'zoom'",
    ),
    "missing text": ('title = "x"\n[[step]]\ntitle = "a"\npage = "samples"\n', "line 2: step 1 needs text"),
    "unknown model": ('title = "x"\n' + GOOD_STEP + '[step.view]\nmodel = "gpt"\n', "not on this server"),
    "maths KaTeX cannot render": (
        'title = "x"\n' + GOOD_STEP.replace("Some $z$.", "Some $\\frac{1}{$."),
        "line 6: step 1: KaTeX cannot render $\\frac{1}{$: Unexpected end of input",
    ),
    "unknown macro": (
        'title = "x"\n' + GOOD_STEP.replace("Some $z$.", "Some $$\n\\mathbf{z} \\foo\n$$"),
        "step 1: KaTeX cannot render $\\mathbf{z} \\foo$: Undefined control sequence: \\foo",
    ),
    "unknown measure": (
        'title = "x"\n' + GOOD_STEP + '[[step.claim]]\nsays = "s"\nmeasure = "beauty"\nmodel = "mnist-2d"\nbelow = 1\n',
        "line 7: step 1: a claim's measure must be one of",
    ),
    "claim on no model": (
        'title = "x"\n' + GOOD_STEP + '[[step.claim]]\nsays = "s"\nmeasure = "kl"\nmodel = "gpt"\nbelow = 1\n',
        "claim 'kl' names no shipped model 'gpt'",
    ),
    "claim without a comparison": (
        'title = "x"\n' + GOOD_STEP + '[[step.claim]]\nsays = "s"\nmeasure = "kl"\nmodel = "mnist-2d"\n',
        "claim 'kl' needs exactly one of below, above, between, equals",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_lesson_names_the_file_the_line_and_the_problem(tmp_path, case):
    text, message = MALFORMED[case]
    (tmp_path / "broken.toml").write_text(text)
    (tmp_path / "good.toml").write_text('title = "fine"\n' + GOOD_STEP)
    available, problems = lessons.load_all(tmp_path)
    assert [lesson.name for lesson in available] == ["good"], "the other lessons still load"
    assert len(problems) == 1 and problems[0].startswith("broken.toml, ") and message in problems[0], problems


def test_every_problem_is_reported_at_once_and_a_bad_step_leaves_the_rest_of_the_lesson(tmp_path):
    bad_page = GOOD_STEP.replace("A step", "Nowhere").replace('"samples"', '"scater"')
    bad_tex = GOOD_STEP.replace("A step", "Broken maths").replace("Some $z$.", "Some $\\frac{1}{$.")
    (tmp_path / "mixed.toml").write_text('title = "x"\n' + GOOD_STEP + bad_page + bad_tex + GOOD_STEP)
    available, problems = lessons.load_all(tmp_path)
    assert [len(lesson.steps) for lesson in available] == [2], "the two good steps still make a lesson"
    assert len(problems) == 2, problems
    assert "line 10: step 2: there is no page 'scater'" in problems[0]
    assert "line 16: step 3: KaTeX cannot render" in problems[1]
    assert lessons.check(tmp_path / "mixed.toml") == problems


def test_a_step_carries_its_speaker_notes_and_claims(tmp_path):
    claim = '[[step.claim]]\nsays = "a 7 first"\nmeasure = "path_peak_step"\nmodel = "mnist-2d"\nequals = 1\n'
    notes = "notes = '''Ask who has seen a 7.'''\n"
    (tmp_path / "noted.toml").write_text('title = "x"\n' + GOOD_STEP + notes + claim)
    step = lessons.load(tmp_path / "noted.toml").steps[0]
    assert step.notes == "Ask who has seen a 7."
    found = [(c.measure, c.model, c.comparison, c.bound) for c in step.claims]
    assert found == [("path_peak_step", "mnist-2d", "equals", 1.0)]


def test_the_lesson_page_shows_what_is_wrong_with_a_file_and_goes_on(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text(MALFORMED["unknown page"][0])
    (tmp_path / f"{lessons.DEFAULT_LESSON}.toml").write_text(DEFAULT.read_text())
    monkeypatch.setattr(lessons, "FOLDER", tmp_path)
    at = app("lesson.py")
    assert any("broken.toml, line 5" in e.value for e in at.error)
    assert [s.value for s in at.subheader][:1] == ["Samples from the prior"]


@pytest.mark.parametrize(
    ("query", "step", "notice"),
    [
        ({"lesson": "no-such-lesson"}, 1, "There is no lesson called 'no-such-lesson' on this server"),
        ({"step": "999"}, 14, "has no step '999': its steps are numbered 1 to 14; showing step 14"),
        ({"step": "-1"}, 1, "has no step '-1': its steps are numbered 1 to 14; showing step 1"),
        ({"step": "two"}, 1, "has no step 'two'"),
    ],
)
def test_a_link_naming_no_lesson_or_step_opens_the_nearest_with_a_notice(query, step, notice):
    at = opened({"lesson": lessons.DEFAULT_LESSON} | query, "lesson.py")
    lesson = lessons.load_all()[0][0]
    assert [s.value for s in at.subheader][:1] == [lesson.steps[step - 1].title]
    assert any(notice in w.value for w in at.warning), [w.value for w in at.warning]
    at.button(key=Key.LESSON_NEXT if step == 1 else "lesson_back").click().run()
    assert not any(notice in w.value for w in at.warning), "the notice is for the step the link opened"


def test_the_presenter_jumps_to_any_step_and_reads_its_notes_and_measured_claims():
    at = app("lesson.py")
    lesson = lessons.load_all()[0][0]
    path_step = next(n for n, s in enumerate(lesson.steps) if s.screen.file == "interpolation.py")
    at.selectbox(key=Key.LESSON_JUMP).set_value(path_step).run()
    assert [s.value for s in at.subheader][:1] == [lesson.steps[path_step].title]
    assert any("Point at the bump" in m.value for m in at.markdown), "the step's speaker notes"
    at.button(key=Key.LESSON_MEASURE).click().run()
    measured = [m.value for m in at.markdown if m.value.startswith("- ✓")]
    assert len(measured) == len(lesson.steps[path_step].claims), [m.value for m in at.markdown]


def test_lessons_readme_lists_every_page_parameter_and_measure_as_the_code_has_them():
    text = lessons.README.read_text(encoding="utf-8")
    assert text == lessons.readme_with_reference(text), "run: python -m ui.lessons reference --write"
    for name, screen in lessons.pages_for_lessons().items():
        assert f'`page = "{name}"`' in text
        assert all(f"`{p.name}`: " in text for p in lessons.links.PARAMS.get(screen.file, ()))
    assert all(f"| `{m}` |" in text for m in lessons.claims.MEASURES)


def test_a_lesson_shown_on_a_server_has_its_claims_measured_ahead_once(tmp_path, monkeypatch):
    """On a server (the warm-up armed), the first time a lesson is shown every step's claims are measured in a
    thread, in step order, with the pages' own figures; showing it again measures nothing again. Unarmed (a test's
    AppTest), nothing starts."""
    (tmp_path / "ahead.toml").write_text(
        """title = "Measured ahead"
[[step]]
title = "One"
page = "explorer"
text = "The KL term."
[[step.claim]]
says = "the KL term is positive"
measure = "kl"
model = "mnist-2d"
above = 0
[[step]]
title = "Two"
page = "samples"
text = "Two dimensions in use."
[[step.claim]]
says = "both dimensions are active"
measure = "active_units"
model = "mnist-2d"
equals = 2
"""
    )
    lesson = lessons.load(tmp_path / "ahead.toml")
    assert not lesson.problems
    measured, priorities = [], []
    real = claims.evaluate

    def recorded(claim: claims.Claim) -> claims.Verdict:
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        measured.append(real(claim))
        return measured[-1]

    monkeypatch.setattr(claims, "evaluate", recorded)
    assert warmup.measure_ahead(lesson) is None, "unarmed: nothing measured"
    monkeypatch.setattr(warmup, "_armed", threading.Event())
    monkeypatch.setattr(warmup, "_lessons_measured", set())
    warmup._armed.set()
    thread = warmup.measure_ahead(lesson)
    assert thread is not None
    thread.join(120)
    assert [(v.claim.measure, v.holds) for v in measured] == [("kl", True), ("active_units", True)]
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert priorities == [min(19, here + admission.training_nice())] * 2, "below the sessions' work"
    assert warmup.measure_ahead(lesson) is None, "once per lesson per server"
