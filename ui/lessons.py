"""Lessons are files: an ordered list of steps in a TOML file in lessons/, each a title, a short text
(Markdown with maths) and a live view (one of the app's pages with its state preset, exactly as a
link would set it, and the controls the step does not need hidden).

A teacher writes one without Python; a malformed file is reported with its name, the line and what
is wrong, and the other lessons still load. See lessons/README.md for the format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ui import links, models, registry

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


@dataclass(frozen=True)
class Lesson:
    name: str  # the file's stem: how links name the lesson
    title: str
    about: str
    steps: tuple[Step, ...]


def pages_for_lessons() -> dict[str, registry.Screen]:
    """The pages a step can show, by the name a lesson file uses: the page's address ('explorer' for
    the app's root page)."""
    return {(s.url_path or "explorer"): s for s in registry.SCREENS if s.file != "lesson.py"}


def load(path: Path) -> Lesson:
    """Read and check one lesson file; raises LessonError naming the file, the line and the problem."""
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

    def fail(problem: str, step: int | None = None, key: str | None = None) -> LessonError:
        return LessonError(f"{path.name}, line {_line_of(lines, step, key)}: {problem}")

    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail('the lesson needs a title = "..."')
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise fail("the lesson has no steps: add [[step]] tables")
    steps = tuple(_step(raw, n, fail) for n, raw in enumerate(raw_steps))
    return Lesson(path.stem, title.strip(), str(data.get("about", "")).strip(), steps)


def _step(raw: Any, n: int, fail: Any) -> Step:
    pages = pages_for_lessons()
    label = f"step {n + 1}"
    if not isinstance(raw, dict):
        raise fail(f"{label} is not a table", n)
    for key in ("title", "page", "text"):
        if not isinstance(raw.get(key), str):
            raise fail(f'{label} needs {key} = "..."', n, key)
    if raw["page"] not in pages:
        raise fail(f"{label}: there is no page '{raw['page']}' (one of: {', '.join(pages)})", n, "page")
    screen = pages[raw["page"]]
    view = raw.get("view", {})
    if not isinstance(view, dict) or any(isinstance(v, (dict, list)) for v in view.values()):
        raise fail(f"{label}: view must be a table of names and single values", n, "view")
    view = {k: _text(v) for k, v in view.items()}
    notices = _check_view(screen, view)
    if notices:
        raise fail(f"{label}: in its view, " + "; ".join(notices), n, "view")
    show = raw.get("show")
    names = {p.name for p in links.PARAMS.get(screen.file, ())}
    if show is not None:
        if not isinstance(show, list) or not all(isinstance(s, str) for s in show):
            raise fail(f"{label}: show must be a list of control names", n, "show")
        if unknown := [s for s in show if s not in names]:
            raise fail(
                f"{label}: show names no control '{unknown[0]}' of {raw['page']} (one of: {', '.join(names)})",
                n,
                "show",
            )
    return Step(raw["title"], screen, raw["text"].strip(), view, None if show is None else tuple(show))


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
        pattern = re.compile(rf"^\s*(\[step\.{key}\]|{key}\s*=)")
        for i in range(headers[step], end):
            if pattern.match(lines[i]):
                return i + 1
    return headers[step] + 1


def load_all(folder: Path | None = None) -> tuple[list[Lesson], list[str]]:
    """Every lesson in the folder (the default first, then by name), and a message per bad file.
    A file is read again only when it changes, so a teacher can edit lessons while the app runs."""
    lessons, problems = [], []
    for path in sorted((folder or FOLDER).glob("*.toml"), key=lambda p: (p.stem != DEFAULT_LESSON, p.stem)):
        lesson = _load_unchanged(str(path), path.stat().st_mtime_ns)
        if isinstance(lesson, Lesson):
            lessons.append(lesson)
        else:
            problems.append(lesson)
    return lessons, problems


@lru_cache(maxsize=64)
def _load_unchanged(path: str, mtime: int) -> Lesson | str:
    try:
        return load(Path(path))
    except LessonError as exc:
        return str(exc)
