"""Every view is a link: a link's parameters set the view, the view's state goes back into the URL,
and hostile or malformed parameters are ignored with a notice, never a traceback (AppTest)."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import images_of, opened
from ui import links
from ui.selection import Selection, inside_polygon


def ignored(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning if "link you opened" in w.value)


HOSTILE: dict[str, tuple[dict[str, str], str]] = {
    # name: (the link's parameters, what the notice must say)
    "unknown model": ({"model": "no-such-model"}, "not on this server"),
    "z not a number": ({"z1": "NaN"}, "not a finite number"),
    "z huge": ({"z1": "1e308"}, "outside"),
    "z infinite": ({"z2": "-inf"}, "not a finite number"),
    "negative grid": ({"n": "-5"}, "outside 5 to 30"),
    "fractional grid": ({"n": "7.5"}, "not a whole number"),
    "unknown spacing": ({"spacing": "spiral"}, "not one of even, cdf"),
    "dimension of another model": ({"dx": "9"}, "no dimension z9"),
    "digit index out of range": ({"hold": "digit", "digit": "3:99999"}, "class 3 has 1010 test digits"),
    "digit class out of range": ({"digit": "12:0"}, "no class"),
    "10 kB of junk": ({"z1": "x" * 10_000}, "10,000 characters long"),
    "junk name": ({"<script>": "1"}, "means nothing on this page"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_parameter_is_ignored_with_a_notice(case):
    query, notice = HOSTILE[case]
    at = opened(query)
    assert notice in ignored(at), ignored(at)
    assert at.sidebar.selectbox(key="model_key").value == "shipped:mnist-2d"
    assert "decoded at z = (0.00, 0.00)" in at.get("image")[0].captions[0], "the default view, not a broken one"
    at.slider(key="z_x").set_value(1.0).run()  # and the app still works
    assert not at.exception and "z = (1.00, 0.00)" in at.get("image")[0].captions[0]


def test_a_link_sets_the_explorers_view_and_good_parameters_survive_bad_ones():
    at = opened({"z1": "1.5", "z2": "-0.7", "n": "8", "spacing": "cdf", "z9": "2", "range": "99"})
    assert "decoded at z = (1.50, -0.70)" in at.get("image")[0].captions[0]
    assert at.get("image")[1].captions[0].startswith("8 x 8 manifold")
    assert at.radio(key="grid_spacing").value == "normal"
    assert "'z9' means nothing" in ignored(at) and "'range=99'" in ignored(at)


def test_the_view_goes_back_into_the_url_as_it_changes():
    at = opened({})
    at.slider(key="z_x").set_value(1.2).run()
    at.slider(key="grid_n").set_value(9).run()
    assert at.query_params["z1"] == "1.2" and at.query_params["n"] == "9"
    assert at.query_params["model"] == "mnist-2d"
    again = opened({k: v for k, v in at.query_params.items()})
    assert images_of(again) == images_of(at), "the link opens the same images, pixel for pixel"


def shows(text: str):
    return lambda at: (
        any(text in m.value for m in at.markdown) or any(text in c for i in at.get("image") for c in i.captions)
    )


PAGE_LINKS = [
    ("samples.py", {"n": "4", "seed": "3", "t": "0.5"}, shows("16 samples")),
    ("interpolation.py", {"from": "7:3", "to": "1:0", "steps": "5"}, lambda at: len(at.get("image")) == 2),
    ("interpolation.py", {"pick": "random", "pair": "12,345"}, lambda at: at.session_state["interp_pair"] == [12, 345]),
    ("scatter.py", {"sel": "box:-0.6,1.4,-0.6,1.4"}, shows("5,103 selected** (first 24 shown)")),
    ("scatter.py", {"sel": "points:7,11"}, lambda at: len(images_of(at)) == 4),
    ("train.py", {"latent": "8", "beta": "4", "images": "5000"}, lambda at: at.number_input(key="t_latent").value == 8),
    ("reconstruct.py", {"k": "100"}, lambda at: at.session_state["recon_k"] == 100),  # its slider shows with an image
]


@pytest.mark.parametrize(("file", "query", "check"), PAGE_LINKS)
def test_a_link_sets_each_pages_view(file, query, check):
    at = opened(query, file)
    assert not ignored(at), ignored(at)
    assert check(at)
    assert {k: at.query_params[k] for k in query} == query, "and the URL says so again"


def test_a_link_to_a_session_only_model_says_so():
    at = opened({"model": "uploaded: mine.safetensors"})
    assert "live only in the session that made them" in ignored(at)


def test_every_choice_widget_has_a_url_token_for_each_option():
    for params in links.PARAMS.values():
        for param in params:
            for option in param.options:
                assert param.parse(param.show(option), None) == (option,)


def test_selections_round_trip_as_text_and_find_the_same_points():
    coords = np.random.default_rng(0).normal(size=(500, 2))
    indices = np.arange(1000, 1500)
    for selection in (
        Selection("points", (1003.0, 1400.0)),
        Selection("box", (-0.5, 1.0, 0.2, -1.0)),
        Selection("lasso", (-1.0, -1.0, 1.0, -1.0, 0.0, 1.5)),
    ):
        again = Selection.from_text(selection.to_text())
        assert again.chosen(coords, indices) == selection.chosen(coords, indices)
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]])
    x, y = np.array([1.0, 3.0, 1.0, -0.5]), np.array([1.0, 1.0, 2.5, 0.5])
    assert inside_polygon(x, y, square).tolist() == [True, False, False, False]
    for bad in ("box:1,2,3", "lasso:1,2,3,4", "points:-1", "points:1.5", "circle:1,2", "box:nan,1,2,3"):
        with pytest.raises(ValueError):
            Selection.from_text(bad)
