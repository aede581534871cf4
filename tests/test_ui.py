"""The shared UI helpers that compute something (the rest is covered through AppTest)."""

import html
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

from tests.support.files import ROOT
from ui import charts, registry, svg, tex
from ui.charts import ellipse
from ui.images import enlarge, for_export, gif_bytes, heatmap, nearest_cell, square
from ui.notes import note, topics
from vae_core.images import to_uint8


def test_square_pads_a_thin_crop_without_stretching_it():
    bar = np.full((20, 3), 255, np.uint8)
    out = square(bar)
    assert out.shape == (20, 20) and out.sum() == bar.sum()
    assert (out[:, 8:11] == 255).all()


def test_gif_walks_forward_and_back():
    frames = [np.full((8, 8), v, np.uint8) for v in (0, 100, 200)]
    gif = Image.open(io.BytesIO(gif_bytes(frames)))
    assert gif.n_frames == 4  # 0, 100, 200, 100, then it loops
    assert gif.info["loop"] == 0


def test_ellipse_is_one_sigma():
    cov = np.array([[4.0, 0.0], [0.0, 1.0]])
    points = ellipse(np.array([1.0, -1.0]), cov, n=400) - [1.0, -1.0]
    mahalanobis = np.einsum("ni,ij,nj->n", points, np.linalg.inv(cov), points)
    np.testing.assert_allclose(mahalanobis, 1.0, rtol=1e-6)


def test_heatmap_and_enlarge():
    error = np.array([[0.0, 0.5], [1.0, 0.25]])
    rgb = heatmap(error)
    assert rgb.shape == (2, 2, 3) and tuple(rgb[0, 0]) == (0, 0, 0) and tuple(rgb[1, 0]) == (255, 255, 0)
    assert enlarge(np.eye(2, dtype=np.uint8), 3).shape == (6, 6)
    assert to_uint8(np.array([-1.0, 0.5, 2.0])).tolist() == [0, 128, 255]


def test_the_server_runs_torch_single_threaded_but_training_threads_use_the_free_cores():
    """app.py sets one torch thread per task (tiny decodes stay fast under load); server.runtime.use_free_cores
    must give a training thread the free cores it measured, and only that thread (torch's OpenMP threads
    are per calling thread). Run in a fresh interpreter: the setting only works before torch is imported."""
    code = """
import os, re, threading
import app, torch
from server.runtime import use_free_cores
def omp_threads():  # what torch's OpenMP will use in the calling thread
    return int(re.search(r"omp_get_max_threads\\(\\) : (\\d+)", torch.__config__.parallel_info()).group(1))
seen = {}
def run(name, free):
    chosen = use_free_cores() if free else 1
    seen[name] = (chosen, omp_threads())
for name, free in [("training", True), ("slider", False)]:
    t = threading.Thread(target=run, args=(name, free)); t.start(); t.join()
print(omp_threads(), seen["slider"][1], *seen["training"], len(os.sched_getaffinity(0)))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    main, slider, chosen, training, cpus = map(int, out.stdout.split())
    assert (main, slider) == (1, 1)
    assert training == chosen and 1 <= chosen <= cpus


def test_warm_up_computes_what_the_first_page_shows():
    """After the server's warm-up, opening the explorer encodes and decodes nothing more: the page
    asks the caches for exactly the entries the warm-up filled. Plotly is imported for the chart pages."""
    code = """
import sys
import vae_core as vc
from ui import warmup
from streamlit.testing.v1 import AppTest
calls = []
for name in ("decode_grid", "encode_dataset"):
    real = getattr(vc, name)
    setattr(vc, name, lambda *a, real=real, name=name, **k: calls.append(name) or real(*a, **k))
warmup.warm_up()
warmed = len(calls)
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
assert not at.exception, at.exception
print(warmed, len(calls), "plotly.graph_objects" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code, str(registry.NAVIGATION)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["2", "2", "True"]


def test_nearest_cell_and_whether_the_point_is_on_the_grid():
    axis = np.linspace(-3, 3, 7)  # centres 1 apart: the grid covers [-3.5, 3.5]
    assert nearest_cell(axis, 0.2, 0.0) == (3, 3, True)
    assert nearest_cell(axis, -3.4, 3.4) == (0, 0, True)  # row 0 is the top: the largest z2
    assert nearest_cell(axis, 2.55, 3.6) == (0, 6, False)  # off the grid: the nearest cell all the same
    uneven = np.array([-1.5, -0.5, 0.0, 0.5, 1.5])  # inverse-CDF-like: outer cells are wider
    assert nearest_cell(uneven, 1.9, 0.1) == (2, 4, True) and nearest_cell(uneven, 2.1, 0.1)[2] is False


def test_exports_are_at_least_the_chosen_size_in_whole_pixels():
    strip = np.arange(28 * 298, dtype=np.uint8).reshape(28, 298)
    big = for_export(strip, 512)
    assert big.shape == (28 * 19, 298 * 19)  # 19 = the smallest factor giving >= 512 px
    np.testing.assert_array_equal(big[::19, ::19], strip)


def test_every_maths_panel_renders_in_katex():
    """Each teaching note's formulas, as KaTeX (the browser's renderer, run by Node) reads them: a panel a page
    shows only in one view (Compare's four likelihoods) is not opened by the browser walks."""
    found = {topic: tex.problems(note(topic)) for topic in topics()}
    if any(problems is None for problems in found.values()):
        pytest.skip("Node.js or the KaTeX module is not installed here")
    assert "likelihoods" in found and not any(found.values()), found


def test_a_panels_html_keeps_each_formula_as_its_tex_and_reads_the_markdown_around_it():
    """Maths is taken out before the Markdown is read: an _ or * inside TeX is never emphasis, < and & are escaped."""
    made = tex.html("A *word* and $q_\\phi(z_1) < p_*$, **bold**.\n\n$$\n\\sum_{j=1}^{D} a_j\n$$\n\nCost: \\$5.")
    assert made == (
        '<p>A <em>word</em> and <span class="tex">q_\\phi(z_1) &lt; p_*</span>, <strong>bold</strong>.</p>\n'
        '<p><span class="tex display">\\sum_{j=1}^{D} a_j</span></p>\n<p>Cost: $5.</p>\n'
    )
    for topic in topics():  # every formula of every note, and no $ left outside them
        made = tex.html(note(topic))
        held = re.findall(r'<span class="tex( display)?">(.*?)</span>', made, re.S)
        assert sorted((html.unescape(f), bool(d)) for d, f in held) == sorted(tex.formulas(note(topic))), topic
        assert "$" not in re.sub(r'<span class="tex.*?</span>', "", made, flags=re.S), topic


def test_the_kept_katex_is_the_version_streamlit_styles():
    """The panels' KaTeX (ui/vendor/katex) must be the version of the style sheet and fonts Streamlit loads, or
    its formulas would be laid out by rules written for another version."""
    import streamlit

    sheet = next((Path(streamlit.__file__).parent / "static" / "static" / "css").glob("index.*.css")).read_text()
    styled = re.search(r'\.katex-version:after\{content:"([0-9.]+)"\}', sheet).group(1)
    assert f'version:"{styled}"' in tex.KATEX.read_text(), f"Streamlit styles KaTeX {styled}: vendor that version"


def test_a_kept_scatter_figure_is_the_one_built_fresh_and_a_page_changing_it_changes_no_other():
    """ui.charts.scatter_figure builds each scatter once and hands out figures made from the kept spec:
    the JSON the browser gets is the freshly built figure's, and one page's selection or added trace
    (select_digits, add_trace) is not in the next page's figure."""
    import plotly.graph_objects as go
    import plotly.io as pio

    rng = np.random.default_rng(0)
    coords, labels = rng.normal(size=(500, 2)).astype(np.float32), rng.integers(0, 10, 500)
    names = tuple(str(c) for c in range(10))

    def sent(fig: go.Figure) -> dict:  # as st.plotly_chart serialises it
        return json.loads(pio.to_json(fig.to_dict(), validate=False))

    args = (coords, labels, np.arange(500), names, "a title", 480, ("PC 1", "PC 2"), (3,))
    fresh = sent(charts._build_scatter(*args))
    first = charts.scatter_figure(*args)
    assert sent(first) == fresh
    charts.select_digits(first, [1, 2])
    first.add_trace(go.Scattergl(x=[0.0], y=[0.0], name="path"))
    assert sent(charts.scatter_figure(*args)) == fresh
    other = sent(charts.scatter_figure(coords + 1, *args[1:]))  # other points: built anew
    assert other["data"][0]["x"] != fresh["data"][0]["x"]


def test_nice_ticks_are_round_numbers_that_span_the_values():
    assert svg.nice_ticks(47.3, 188.9) == [0, 50, 100, 150, 200]
    assert svg.nice_ticks(0.012, 0.049) == [0.01, 0.02, 0.03, 0.04, 0.05]
    assert svg.nice_ticks(5, 5) == [4, 4.5, 5, 5.5, 6]  # one value: a span round it


def test_an_svg_line_chart_draws_each_value_where_its_axis_says_and_names_it():
    """Each point of a curve at the height its value has against the y-axis's numbers, one per x, and its value
    in the words a pointer resting on it shows."""
    svg_text = svg.line_chart([1, 2, 3], {"a <b>": ([10.0, 30.0, 20.0], "#e6194b")}, "T", "step", "nats", "nats")
    root = ElementTree.fromstring(svg_text)
    ns = {"s": "http://www.w3.org/2000/svg"}
    ticks = {
        float(t.text): float(t.get("y")) - 4 for t in root.iterfind("s:text[@class='tick']", ns) if t.get("x") == "54"
    }
    circles = root.findall("s:g[@class='series']/s:circle/s:title/..", ns)
    assert [c.find("s:title", ns).text for c in circles] == [
        "a <b>, step 1: 10.0 nats",
        "a <b>, step 2: 30.0 nats",
        "a <b>, step 3: 20.0 nats",
    ]
    heights = [float(c.get("cy")) for c in circles]
    (low, y_low), (high, y_high) = min(ticks.items()), max(ticks.items())
    for value, y in zip([10.0, 30.0, 20.0], heights, strict=True):
        assert y == pytest.approx(y_low + (value - low) / (high - low) * (y_high - y_low), abs=0.1)
    xs = [float(c.get("cx")) for c in circles]
    assert xs == sorted(xs) and len(set(xs)) == 3
