"""Lessons are files: an ordered list of steps in a TOML file in lessons/, each a title, a short text
(Markdown with maths) and a live view (one of the app's pages with its state preset, exactly as a
link would set it, and the controls the step does not need hidden).

A teacher writes one without Python. Every problem of a file is reported at once, each with the file,
the line and what is wrong (maths KaTeX cannot render included: ``ui.tex``); a bad step is left out
and the rest of the lesson still runs, and the other lessons still load. A step may declare its
measurable sentences as claims (``ui.claims``), which the tests and ``python -m ui.lessons check``
measure on the shipped models. See lessons/README.md for the format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ui import claims, links, models, registry, tex

FOLDER = Path(__file__).resolve().parents[1] / "lessons"
DEFAULT_LESSON = "vae-step-by-step"


class LessonError(ValueError):
    """A lesson file that cannot be used: '<file>, line <n>: <what is wrong>'."""


@dataclass(frozen=True)
class Step:
    title: str
    screen: registry.Screen  # the page that makes its live view
    text: str  # Markdown with $maths$
    view: dict[str, str]  # the page's state, as link parameters
    show: tuple[str, ...] | None  # the link names of the controls it keeps; None: all of them
    notes: str = ""  # speaker notes: for the presenter, never on the projector
    claims: tuple[claims.Claim, ...] = ()  # what its text says that the models must show


@dataclass(frozen=True)
class Lesson:
    name: str  # the file's stem: how links name the lesson
    title: str
    about: str
    steps: tuple[Step, ...]
    problems: tuple[str, ...] = ()  # one per bad step (left out), "<file>, line <n>: <what is wrong>"


def pages_for_lessons() -> dict[str, registry.Screen]:
    """The pages a step can show, by the name a lesson file uses: the page's address ('explorer' for
    the app's root page)."""
    return {(s.url_path or "explorer"): s for s in registry.SCREENS if not s.hosts_views}


def load(path: Path) -> Lesson:
    """Read and check one lesson file. A step with problems is left out and its problems listed in
    ``Lesson.problems``; raises LessonError only when nothing can be shown (not TOML, no title, no
    usable step), naming the file, the line and every problem."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        line = where.group(1) if where else "?"
        raise LessonError(
            f"{path.name}, line {line}: not valid TOML ({re.sub(r' [(]at .*[)]', '', str(exc))})"
        ) from None
    lines = text.splitlines()

    def where(step: int | None = None, key: str | None = None) -> str:
        return f"{path.name}, line {_line_of(lines, step, key)}"

    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise LessonError(f'{where()}: the lesson needs a title = "..."')
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError(f"{where()}: the lesson has no steps: add [[step]] tables")
    steps, problems = [], []
    for n, raw in enumerate(raw_steps):
        step, found = _step(raw, n)
        problems += [f"{where(n, key)}: {problem}" for key, problem in found]
        if step is not None and not found:
            steps.append(step)
    if not steps:
        raise LessonError("; ".join(problems))
    return Lesson(path.stem, title.strip(), str(data.get("about", "")).strip(), tuple(steps), tuple(problems))


def _step(raw: Any, n: int) -> tuple[Step | None, list[tuple[str | None, str]]]:
    """One step, and every problem found in it as (the key it is at, what is wrong)."""
    pages = pages_for_lessons()
    label = f"step {n + 1}"
    if not isinstance(raw, dict):
        return None, [(None, f"{label} is not a table")]
    problems: list[tuple[str | None, str]] = []
    for key in ("title", "page", "text"):
        if not isinstance(raw.get(key), str):
            problems.append((key, f'{label} needs {key} = "..."'))
    if isinstance(raw.get("page"), str) and raw["page"] not in pages:
        problems.append(("page", f"{label}: there is no page '{raw['page']}' (one of: {', '.join(pages)})"))
    if problems:
        return None, problems
    screen = pages[raw["page"]]
    view = raw.get("view", {})
    if not isinstance(view, dict) or any(isinstance(v, (dict, list)) for v in view.values()):
        problems.append(("view", f"{label}: view must be a table of names and single values"))
        view = {}
    view = {k: _text(v) for k, v in view.items()}
    if notices := _check_view(screen, view):
        problems.append(("view", f"{label}: in its view, " + "; ".join(notices)))
    show = raw.get("show")
    names = [p.name for p in links.PARAMS.get(screen.file, ())]
    if show is not None:
        if not isinstance(show, list) or not all(isinstance(s, str) for s in show):
            problems.append(("show", f"{label}: show must be a list of control names"))
        elif unknown := [s for s in show if s not in names]:
            allowed = ", ".join(names) or "none"
            problem = f"{label}: show names no control '{unknown[0]}' of {raw['page']} (one of: {allowed})"
            problems.append(("show", problem))
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        problems.append(("notes", f"{label}: notes must be a text, notes = '''...'''"))
        notes = ""
    for key, words in (("title", raw["title"]), ("text", raw["text"]), ("notes", notes)):
        for problem in tex.problems(words) or []:
            problems.append((key, f"{label}: KaTeX cannot render {problem}"))
    found_claims = []
    raw_claims = raw.get("claim", [])
    for raw_claim in raw_claims if isinstance(raw_claims, list) else [raw_claims]:
        claim, problem = claims.parse(raw_claim)
        if problem:
            problems.append(("claim", f"{label}: {problem}"))
        elif claim is not None:
            found_claims.append(claim)
    step = Step(
        raw["title"],
        screen,
        raw["text"].strip(),
        view,
        None if show is None or not isinstance(show, list) else tuple(show),
        notes.strip(),
        tuple(found_claims),
    )
    return step, problems


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _check_view(screen: registry.Screen, view: dict[str, str]) -> list[str]:
    """What is wrong with a step's view, checked as a link's parameters are."""
    model_key, notice = links.requested_model(view)
    notices = [notice] if notice else []
    name = (model_key or f"shipped:{models.DEFAULT_CHECKPOINT}").removeprefix("shipped:")
    if name in models.shipped_checkpoints():
        notices += links.parse(screen.file, view, models.shipped(name).model)[1]
    return notices


def _line_of(lines: list[str], step: int | None, key: str | None) -> int:
    """The line of the step's [[step]] header (or of its ``key`` within it), counted from 1."""
    headers = [i for i, line in enumerate(lines) if line.strip().startswith("[[step]]")]
    if step is None or step >= len(headers):
        return 1
    end = headers[step + 1] if step + 1 < len(headers) else len(lines)
    if key is not None:
        pattern = re.compile(rf"^\s*(\[\[?step\.{key}\]\]?|{key}\s*=)")
        for i in range(headers[step], end):
            if pattern.match(lines[i]):
                return i + 1
    return headers[step] + 1


def load_all(folder: Path | None = None) -> tuple[list[Lesson], list[str]]:
    """Every lesson in the folder (the default first, then by name), and a message per problem: a file
    that cannot be used, or a step left out of its lesson. A file is read again only when it changes,
    so a teacher can edit lessons while the app runs."""
    lessons, problems = [], []
    for path in sorted((folder or FOLDER).glob("*.toml"), key=lambda p: (p.stem != DEFAULT_LESSON, p.stem)):
        lesson = _load_unchanged(str(path), path.stat().st_mtime_ns)
        if isinstance(lesson, Lesson):
            lessons.append(lesson)
            problems += lesson.problems
        else:
            problems.append(lesson)
    return lessons, problems


def default() -> Lesson:
    """The lesson a link without ``?lesson=`` opens (the default file, read as ``load_all`` reads it)."""
    return next(lesson for lesson in load_all()[0] if lesson.name == DEFAULT_LESSON)


@lru_cache(maxsize=64)
def _load_unchanged(path: str, mtime: int) -> Lesson | str:
    try:
        return load(Path(path))
    except LessonError as exc:
        return str(exc)


def opened_by(query: dict[str, str], by_name: dict[str, Lesson]) -> tuple[Lesson, int, list[str]]:
    """The lesson and step (from 0) a link's ``?lesson=NAME&step=N`` opens, and a notice in words for
    each part of it that names nothing: the lesson opens at its first (or nearest) step instead."""
    notices = []
    name = query.get("lesson", DEFAULT_LESSON)
    lesson = by_name.get(name) or by_name.get(DEFAULT_LESSON) or next(iter(by_name.values()))
    if name not in by_name:
        notices.append(
            f"There is no lesson called '{name[:40]}' on this server: showing '{lesson.title}'. "
            f"The lessons here: {', '.join(by_name)}."
        )
    asked = query.get("step")
    if asked is None:
        return lesson, 0, notices
    count = len(lesson.steps)
    number = int(asked) if re.fullmatch(r"[+-]?\d{1,9}", asked.strip()) else None
    if number is None or not 1 <= number <= count:
        step = 0 if number is None or number < 1 else count - 1
        notices.append(
            f"'{lesson.title}' has no step '{asked[:20]}': its steps are numbered 1 to {count}; "
            f"showing step {step + 1}."
        )
        return lesson, step, notices
    return lesson, number - 1, notices


def check(path: Path, measure: bool = True) -> list[str]:
    """Everything wrong with a lesson file, at once: its problems as the app reports them, maths
    KaTeX cannot render, and (``measure``) each claim measured on the shipped models that does not
    hold. Empty: ready for class."""
    try:
        lesson = load(path)
    except LessonError as exc:
        return str(exc).split("; ")
    problems = list(lesson.problems)
    if tex.problems("$x$") is None:
        problems.append(f"{path.name}: maths not checked: Node.js (node) is needed to run KaTeX")
    for n, step in enumerate(lesson.steps):
        for claim in step.claims if measure else ():
            verdict = claims.evaluate(claim)
            if not verdict.holds:
                problems.append(f"{path.name}, '{step.title}' (step {n + 1}): the models contradict it: {verdict}")
    return problems


README = FOLDER / "README.md"
GENERATED = ("<!-- made by `python -m ui.lessons reference --write`: do not edit by hand -->", "<!-- end of made -->")


def reference() -> str:
    """The part of lessons/README.md made from the code, so it cannot drift: every page a step can
    show with its view's parameters (what each takes), and every measure a claim can name."""
    lines = [
        "### Pages and their view parameters",
        "",
        "Every page also takes `model`: a checkpoint in checkpoints/ (its file name without `.safetensors`).",
        "`show = [...]` names the parameters whose controls the step keeps.",
        "",
    ]
    for name, screen in pages_for_lessons().items():
        lines += [f'- `page = "{name}"`: {screen.heading}']
        for param in links.PARAMS.get(screen.file, ()):
            lines.append(f"  - `{param.name}`: {param.values or 'see the page'}")
    lines += [
        "",
        "### Measures a claim can name",
        "",
        "| measure | what it is | options (default) |",
        "| --- | --- | --- |",
    ]
    for m in claims.MEASURES.values():
        options = ", ".join(f"`{k}` ({v})" for k, v in m.options.items()) or "none"
        unit = f" ({m.unit})" if m.unit else ""
        lines.append(f"| `{m.name}` | {m.what}{unit} | {options} |")
    return "\n".join(lines) + "\n"


def readme_with_reference(text: str) -> str:
    """lessons/README.md's text with its made part replaced by ``reference()``."""
    start, end = text.index(GENERATED[0]), text.index(GENERATED[1])
    return text[: start + len(GENERATED[0])] + "\n" + reference() + text[end:]


def main(argv: list[str] | None = None) -> int:
    """python -m ui.lessons check [FILE ...]: check lesson files before class (default: every lesson).
    python -m ui.lessons reference [--write]: the pages, view parameters and measures lessons can use."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ui.lessons", description=main.__doc__)
    parser.add_argument("command", choices=["check", "reference"])
    parser.add_argument("--write", action="store_true", help="reference: write it into lessons/README.md")
    parser.add_argument("files", nargs="*", type=Path, help="lesson files (default: lessons/*.toml)")
    parser.add_argument("--no-measure", action="store_true", help="skip measuring the claims (seconds per model)")
    args = parser.parse_args(argv)
    if args.command == "reference":
        if args.write:
            README.write_text(readme_with_reference(README.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            print(reference())
        return 0
    failed = False
    for path in args.files or sorted(FOLDER.glob("*.toml")):
        problems = check(path, measure=not args.no_measure)
        failed |= bool(problems)
        print(f"{path}: {'ready' if not problems else f'{len(problems)} problem(s)'}")
        for problem in problems:
            print(f"  - {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
