"""Every page's controls are built from its link parameters (``ui.links.PARAMS``, the page's declaration):
each page runs under AppTest, and each widget a parameter keys has the declared range, step, default
and options. A range or default written into a page instead of read from the declaration drifts from
what links accept; this is where it shows."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from harness.uploads import digit_png
from tests.support.apptest import app, opened
from ui import links
from ui.state import Key

# The runs of a page that between them show every control it declares: (link query, upload an image first).
RUNS: dict[str, list[tuple[dict[str, str], bool]]] = {page: [({}, False)] for page in links.PARAMS} | {
    # dimensions and "held at": above 2-D only; drawing the levels below: a hierarchy only
    "explorer.py": [({}, False), ({"model": "mnist-32d"}, False), ({"model": "ladder-2d"}, False)],
    "scatter.py": [({}, False), ({"model": "mnist-32d", "projection": "tsne", "points": "1000"}, False)],
    "reconstruct.py": [({}, True)],  # the IWAE slider shows once there is an image
}
# Declared controls that are no Streamlit widget, and why.
NOT_WIDGETS = {Key.INTERP_T: "the scrubber is a component of its own; the page reads links.default(Key.INTERP_T)"}


def declared_controls() -> dict[str, tuple[str, links.Param]]:
    """Widget key -> (page, parameter) for every parameter that declares a range or options."""
    return {
        p.keys[0]: (page, p)
        for page, params in links.PARAMS.items()
        for p in params
        if len(p.keys) == 1 and (p.low is not None or p.options)
    }


def mismatches(at: AppTest, param: links.Param, linked: bool) -> list[str]:
    """How the widget under the parameter's key differs from its declaration ([] if it does not)."""
    (key,) = param.keys
    widget: Any = at.get_by_key(key)
    found: list[str] = []

    def differs(what: str, shown: Any, declared: Any) -> None:
        if shown != declared:
            found.append(f"{param.name} ({key}): {what} {shown!r} on the page, {declared!r} declared")

    if widget.type == "tab_container":  # st.tabs: the options are the tabs' labels, the value the open tab's
        differs("options", [tab.label for tab in widget.children.values()], list(param.options))
    elif param.low is not None:  # a number: a slider or a number input
        if param.varies:  # the page narrows the range at run time, within the declared one
            if not param.low <= widget.min <= widget.max <= param.high:
                found.append(f"{param.name} ({key}): {widget.min}..{widget.max} beyond {param.low}..{param.high}")
        else:
            differs("range", (widget.min, widget.max), (param.low, param.high))
        if param.step is not None:
            differs("step", widget.step, param.step)
    elif widget.type not in ("toggle", "checkbox"):  # a flag's options are on and off
        shown = [widget.format_func(option) for option in param.options]  # as the widget labels them
        if param.varies:  # the page may offer more, never fewer
            differs("options missing", [s for s in shown if s not in widget.options], [])
        else:
            differs("options", widget.options, shown)
    if not linked:
        differs("default", at.session_state[key] if widget.type == "tab_container" else widget.value, param.default)
    return found


@pytest.mark.parametrize("page", list(links.PARAMS))
def test_each_pages_widgets_are_its_declared_link_parameters(page: str) -> None:
    declared = {key: p for key, (on, p) in declared_controls().items() if on == page and key not in NOT_WIDGETS}
    checked, problems = set(), []
    for query, upload in RUNS[page]:
        at = opened(query, page) if query else app(page)
        if upload:
            at.file_uploader(key=Key.RECON_FILES).set_value([("seven.png", digit_png(0), "image/png")]).run()
            assert not at.exception, [e.value for e in at.exception]
        for key, param in declared.items():
            try:
                at.get_by_key(key)
            except KeyError:
                continue  # not shown in this run: another run of the page shows it
            checked.add(key)
            problems += mismatches(at, param, linked=param.name in query)
    assert not problems, "\n".join(problems)
    assert checked == declared.keys(), f"no run of {page} showed {sorted(declared.keys() - checked)}"
