"""Every view is a link: a link's parameters set the view, the view's state goes back into the URL,
and hostile or malformed parameters are ignored with a notice, never a traceback (AppTest)."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.support.apptest import images_of, marked_grid, opened
from ui import links, models
from ui.selection import Selection, inside_polygon


def ignored(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning if "link you opened" in w.value)


HOSTILE: dict[str, tuple[dict[str, str], str]] = {
    # name: (the link's parameters, what the notice must say)
    "unknown model": ({"model": "no-such-model"}, "not on this server"),
    "z not a number": ({"z1": "NaN"}, "z1 = 'NaN': that is not a number a view can use"),
    "z empty": ({"z1": ""}, "z1 = nothing: a number belongs there"),
    "z huge": ({"z1": "1e308"}, "z1 = '1e308': it must be a number from -7 to 7"),
    "z infinite": ({"z2": "-inf"}, "not a number a view can use"),
    "negative grid": ({"n": "-5"}, "n = '-5': it must be a whole number from 5 to 30"),
    "fractional grid": ({"n": "7.5"}, "it must be a whole number from 5 to 30"),
    "unknown spacing": ({"spacing": "spiral"}, "spacing = 'spiral': it must be one of even, cdf"),
    "dimension of another model": ({"dx": "9"}, "no dimension z9: this model has z1 to z2"),
    "digit index out of range": ({"hold": "digit", "digit": "3:99999"}, "class 3 has 1,010 test digits"),
    "digit class out of range": ({"digit": "12:0"}, "no class '12'"),
    "digit without its class": ({"digit": "12"}, "such as 7:3"),
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
    assert marked_grid(at).caption.startswith("8 x 8 manifold")
    assert at.radio(key="grid_spacing").value == "normal"
    assert "'z9' means nothing" in ignored(at) and "range = '99': it must be a number from 1 to 6" in ignored(at)


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
    (
        "interpolation.py",
        {"from": "7:3", "to": "1:0", "steps": "5", "t": "0.3"},
        lambda at: len(at.get("image")) == 2 and at.session_state["interp_t"] == 0.3,
    ),
    ("interpolation.py", {"pick": "random", "pair": "12,345"}, lambda at: at.session_state["interp_pair"] == [12, 345]),
    ("scatter.py", {"sel": "box:-0.6,1.4,-0.6,1.4"}, shows("5,103 selected** (first 24 shown)")),
    ("scatter.py", {"sel": "points:7,11"}, lambda at: len(images_of(at)) == 4),
    ("scatter.py", {"digit": "42"}, lambda at: len(images_of(at)) == 2 and shows("Test digit #42")(at)),
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


# Python's and printf's wording, which a person should never read in a notice.
INTERNALS = ("could not convert", "invalid literal", "e+0", "e+1", "e-0", "Traceback", "float(", "int(")


def test_every_notice_is_in_words_with_numbers_for_people():
    """Whatever a link says, each parameter's notice names the parameter and what was typed and says
    what is allowed, never Python's message (seen: "could not convert string to float: ''") nor a
    number in printf's notation (seen: "outside 0 to 2.14748e+09")."""
    model = models.shipped(models.DEFAULT_CHECKPOINT).model
    junk = ("", "abc", "1e308", "-1", "0.5", "nan", ",", "1,,2", "3:", ":", "box:1,,2,3", "lasso:1,x")
    for page, params in links.PARAMS.items():
        for param in params:
            for text in junk:
                notices = links.parse(page, {param.name: text}, model)[1]
                for notice in notices:
                    assert notice.startswith(f"{param.name} = "), notice
                    assert not any(bad in notice for bad in INTERNALS), notice
    seed = links.parse("samples.py", {"seed": "-1"}, model)[1]
    assert seed == ["seed = '-1': it must be a whole number from 0 to 2,147,483,647"]
    assert links.parse("scatter.py", {"sel": "box:1,,2,3"}, model)[1] == [
        "sel = 'box:1,,2,3': a number is missing (two commas in a row, or one at the end)"
    ]
    assert links.readable(1e-5) == "0.00001" and links.readable(0.1) == "0.1"


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


def random_region(rng: np.random.Generator) -> Selection:
    """A box or lasso as plotly reports one: corners at full float precision, anywhere over the points."""
    if rng.random() < 0.5:
        return Selection("box", tuple(float(v) for v in rng.uniform(-3, 3, size=4)))
    vertices = rng.integers(3, 60)
    angles = np.sort(rng.uniform(0, 2 * np.pi, size=vertices))
    radii = rng.uniform(0.2, 2.5, size=vertices)
    centre = rng.uniform(-1, 1, size=2)
    xy = np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], axis=1)
    return Selection("lasso", tuple(float(v) for v in xy.ravel()))


def test_a_link_reopens_exactly_the_selection_it_was_made_from():
    """Property-style: for many random boxes and lassos over float32 codes (as the encoder gives
    them), the region as the link writes it selects the very same test digits after the round trip
    through the URL's text, and that text reads back as the same numbers."""
    rng = np.random.default_rng(21)
    coords = rng.normal(size=(10_000, 2)).astype(np.float32)
    indices = np.arange(10_000)
    sel = next(param for param in links.PARAMS["scatter.py"] if param.name == "sel")
    for _ in range(300):
        raw = random_region(rng)
        made = Selection.from_event({raw.kind: [region_event(raw)]}, coords, indices)
        text = sel.show(made)
        (opened_again,) = sel.parse(text, None)
        assert opened_again == made, text
        assert opened_again.chosen(coords, indices) == raw.chosen(coords, indices), text
        assert len(text) <= sel.longest


def region_event(selection: Selection) -> dict[str, list[float]]:
    """A region as st.plotly_chart's selection event describes it."""
    if selection.kind == "box":
        x0, x1, y0, y1 = selection.values
        return {"x": [x0, x1], "y": [y0, y1]}
    return {"x": list(selection.values[0::2]), "y": list(selection.values[1::2])}


def test_a_digit_between_a_corner_and_its_rounding_stays_out():
    """The case a person met (729 digits, then 730): a point just outside the box, inside it once
    the corner is rounded to 4 figures. The link keeps the box as tight as it was."""
    corner = 1.234_56
    coords = np.array([[0.5, 0.5], [1.2348, 0.5]], dtype=np.float32)  # the second: past the corner
    indices = np.array([7, 8])
    made = Selection.from_event({"box": [{"x": [0.0, corner], "y": [0.0, 1.0]}]}, coords, indices)
    assert made.chosen(coords, indices) == [7]
    assert Selection.from_text(made.to_text()).chosen(coords, indices) == [7]
    assert Selection.from_text(f"box:0,{corner:.4g},0,1").chosen(coords, indices) == [7, 8], "4 figures let it in"


def test_a_clicked_point_is_the_digit_its_customdata_names_whichever_trace_it_is_in():
    """With a trace per class (the scatter's key hides and isolates them) a point's position is within
    its trace: the test index comes from its customdata, never from the position among all digits."""
    indices = np.array([5, 6, 7, 8])
    event = {
        "points": [{"curve_number": 3, "point_index": 0, "customdata": [8, 1]}, {"curve_number": 0, "point_index": 2}]
    }
    assert Selection.from_event(event, np.zeros((4, 2)), indices) == Selection("points", (8, 7))
    stray = {"points": [{"curve_number": 2, "point_index": 1}]}  # a path or an ellipse: no digit
    assert Selection.from_event(stray, np.zeros((4, 2)), indices) is None


def test_a_box_drawn_while_a_class_is_hidden_leaves_that_class_out_and_its_link_hides_it_again():
    """Plotly reports only the points of classes shown: a class with digits inside the box and none
    reported was hidden by a click on the key, and neither the selection nor its link brings it back."""
    coords = np.array([[0.1, 0.1], [0.2, 0.2], [0.3, 0.3], [5.0, 5.0]])
    indices, labels = np.array([10, 11, 12, 13]), np.array([0, 1, 0, 1])
    event = {
        "box": [{"x": [0, 1], "y": [0, 1]}],
        "points": [{"curve_number": 0, "point_index": i, "customdata": [int(indices[i]), 0]} for i in (0, 2)],
    }
    made = Selection.from_event(event, coords, indices, labels)
    assert made is not None and made.hidden == (1,)
    assert made.chosen(coords, indices, labels) == [10, 12]
    assert made.to_text() == "box:0.0,1.0,0.0,1.0;hidden:1"
    assert Selection.from_text(made.to_text()) == made
    shown = {**event, "points": [*event["points"], {"customdata": [11, 1]}]}  # nothing hidden: all three
    assert Selection.from_event(shown, coords, indices, labels).chosen(coords, indices, labels) == [10, 11, 12]
    for wrong in ("box:0,1,0,1;hidden:x", "box:0,1,0,1;shown:1", "points:3;hidden:1", "box:0,1,0,1;hidden:-1"):
        with pytest.raises(ValueError, match=r"hidden|not a number"):
            Selection.from_text(wrong)


def test_no_two_link_parameters_declare_one_widget():
    """``declared`` returns the first page's parameter for a widget: so there must be only one."""
    keys = [param.keys for params in links.PARAMS.values() for param in params]
    assert len(keys) == len(set(keys))
    with pytest.raises(KeyError, match="no link parameter declares"):
        links.declared("no such widget")
