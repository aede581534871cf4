"""Pieces every page shares: the model picker, cached models and encodings, images, teaching notes.

Pages stay short descriptions of their screen; everything they compute comes from vae_core, and
everything two pages both show lives here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st
import torch
from PIL import Image

import vae_core as vc

if TYPE_CHECKING:  # imported where a chart is drawn (about 0.1 s on first use), not by every page
    import plotly.graph_objects as go

CHECKPOINT_DIR = Path(__file__).with_name("checkpoints")
DEFAULT_CHECKPOINT = "mnist-2d"
UPLOAD_LIMIT_MB = 10
# The explorer's grid as a page first opens: what the server warms at start-up.
GRID_SIZE, GRID_EXTENT = 15, 3.0
# A horizontal legend above the plot, at its right: below it, it would cover the x-axis title.
LEGEND_ABOVE = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1)
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


@dataclass(frozen=True)
class ActiveModel:
    key: str  # identifies the weights: cache entries derived from the model are keyed by it
    name: str
    model: vc.VAE

    @property
    def class_names(self) -> tuple[str, ...]:
        return vc.CLASS_NAMES.get(self.model.config.dataset, vc.data.DIGIT_CLASSES)


# ---------------------------------------------------------------- models


def shipped_checkpoints() -> dict[str, Path]:
    paths = sorted(CHECKPOINT_DIR.glob("*.safetensors"))
    return {p.stem: p for p in sorted(paths, key=lambda p: p.stem != DEFAULT_CHECKPOINT)}


@st.cache_resource(show_spinner=False, max_entries=8)
def _load_shipped(path: str, mtime: float) -> vc.VAE:
    return vc.load_checkpoint(path)


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_uploaded(digest: str, _data: bytes) -> vc.VAE:
    return vc.load_checkpoint(_data)


def model_picker() -> ActiveModel | None:
    """The sidebar: choose a shipped, uploaded or freshly trained model; show its key facts."""
    sidebar = st.sidebar
    sidebar.header("Model")
    options: dict[str, str] = {f"shipped:{name}": name for name in shipped_checkpoints()}
    uploaded = st.session_state.setdefault("uploaded_models", {})
    options.update({key: f"uploaded: {name}" for key, (name, _) in uploaded.items()})
    if "trained_model" in st.session_state:
        options["trained"] = "trained in this session"
    if not options:
        sidebar.error("No checkpoints found in checkpoints/. Train one on the Train page.")
        return None
    # Each page renders its own picker widget, so the choice itself lives under a plain key that
    # survives page switches; the widget is seeded from it on every run.
    if st.session_state.get("model_choice") not in options:
        st.session_state["model_choice"] = next(iter(options))
    st.session_state["model_key"] = st.session_state["model_choice"]
    key = sidebar.selectbox(
        "Model", list(options), format_func=options.get, key="model_key", on_change=_remember_choice
    )

    with sidebar.expander("Upload a checkpoint (.safetensors)"):
        file = st.file_uploader("Checkpoint", type=["safetensors"], key="ckpt_upload", label_visibility="collapsed")
        if file is not None:
            data = file.getvalue()
            digest = hashlib.sha256(data).hexdigest()[:16]
            try:
                _load_uploaded(digest, data)
            except vc.CheckpointError as exc:
                st.error(f"Could not use {file.name}: {exc}")
            else:
                if f"upload:{digest}" not in uploaded:
                    uploaded[f"upload:{digest}"] = (file.name, data)
                    select_model(f"upload:{digest}")

    st.html("<style>[data-testid='stImage'] img { image-rendering: pixelated; }</style>")  # crisp pixels
    active = _resolve(key, options[key])
    facts = vc.describe(active.model)
    sidebar.caption(" · ".join(f"{k}: **{v}**" for k, v in facts.items() if v is not None))
    return active


def _remember_choice() -> None:
    st.session_state["model_choice"] = st.session_state["model_key"]


def select_model(key: str) -> None:
    """Make ``key`` the active model and rerun the page with it."""
    st.session_state["model_choice"] = key
    st.rerun(scope="app")


def _resolve(key: str, label: str) -> ActiveModel:
    if key == "trained":
        model, serial = st.session_state["trained_model"]
        return ActiveModel(f"trained:{serial}", label, model)
    if key.startswith("upload:"):
        name, data = st.session_state["uploaded_models"][key]
        return ActiveModel(key, name, _load_uploaded(key.split(":", 1)[1], data))
    path = shipped_checkpoints()[label]
    mtime = path.stat().st_mtime
    return ActiveModel(f"shipped:{label}:{mtime}", label, _load_shipped(str(path), mtime))


def use_all_cores() -> None:
    """Let torch use every core in the calling thread only. The server runs torch single-threaded
    (see app.py), which suits the tiny decodes behind sliders; bulk work in a thread of its own
    (training, the start-up warm-up) asks for all cores here."""
    default = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    # set_num_threads also changes the default that threads started later adopt (Streamlit starts
    # one per script run); a throwaway thread puts it back without touching this thread's setting.
    restore = threading.Thread(target=torch.set_num_threads, args=(default,))
    restore.start()
    restore.join()


def warm_up() -> None:
    """Compute what the default first page shows, once, at server start (app.py runs this in a thread)
    and import plotly for the chart pages, so neither the first visitor nor a page switch waits."""
    use_all_cores()
    if DEFAULT_CHECKPOINT in shipped_checkpoints():
        active = _resolve(f"shipped:{DEFAULT_CHECKPOINT}", DEFAULT_CHECKPOINT)
        encoded_test(active.key, active)
        manifold(active.key, active, GRID_SIZE, GRID_EXTENT, "linear", (0, 1), None)
    import plotly.graph_objects  # noqa: F401


def active_model() -> ActiveModel:
    """Render the sidebar picker and return the chosen model; stops the page if there is none."""
    active = model_picker()
    if active is None:
        st.info("Pick or train a model first.")
        st.stop()
    return active


# ---------------------------------------------------------------- data derived from a model


def dataset(name: str, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """A whole split, loaded once per process (vae_core caches it) and shared by all sessions."""
    return vc.load_dataset(name, train=train)


def test_set(active: ActiveModel) -> tuple[torch.Tensor, torch.Tensor]:
    return dataset(active.model.config.dataset, False)


# On disk too, so a restarted server opens the explorer without re-encoding (keys are content-unique:
# shipped path + mtime, upload digest, or a per-training uuid).
@st.cache_data(show_spinner="Encoding the test set ...", max_entries=8, persist="disk")
def encoded_test(key: str, _active: ActiveModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(means N x D, log-variances N x D, labels N) of the whole test split."""
    images, labels = test_set(_active)
    means, logvars = vc.encode_dataset(_active.model, images)
    return means.numpy(), logvars.numpy(), labels.numpy()


@st.cache_data(show_spinner="Scoring the test digits ...", max_entries=8)
def test_negative_elbos(key: str, _active: ActiveModel) -> np.ndarray:
    """-ELBO of every test image (one posterior sample, fixed seed): the reference for percentiles."""
    x = vc.prepare_inputs(_active.model, test_set(_active)[0])
    return vc.elbo_per_image(_active.model, x, torch.Generator().manual_seed(0)).negative_elbo.numpy()


@st.cache_data(show_spinner=False, max_entries=64)
def manifold(
    key: str,
    _active: ActiveModel,
    n: int,
    extent: float,
    spacing: str,
    dims: tuple[int, int],
    base: tuple[float, ...] | None,
) -> np.ndarray:
    """The decoded n x n grid as a uint8 image; decoding 400 images costs ~30-200 ms, so it is cached."""
    base_tensor = None if base is None else torch.tensor(base)
    return to_uint8(vc.decode_grid(_active.model, n, extent, spacing, dims, base_tensor))


@st.cache_data(show_spinner="Projecting to 2-D ...", max_entries=8)
def projection(key: str, _active: ActiveModel, method: str, points: int) -> tuple[np.ndarray, np.ndarray, Any]:
    """(2-D coordinates, indices of the test images shown, PCA used for projecting new points or None)."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    means = encoded_test(key, _active)[0]
    if means.shape[1] == 2:
        return means, np.arange(len(means)), None
    idx = np.arange(min(points, len(means)))
    if method == "PCA":
        pca = PCA(n_components=2, random_state=0).fit(means)
        return pca.transform(means[idx]), idx, pca
    coords = TSNE(n_components=2, init="pca", random_state=0, perplexity=30).fit_transform(means[idx])
    return coords, idx, None


# ---------------------------------------------------------------- images


def to_uint8(image: torch.Tensor | np.ndarray) -> np.ndarray:
    array = image.numpy() if isinstance(image, torch.Tensor) else np.asarray(image)
    return (np.clip(array, 0, 1) * 255).round().astype(np.uint8)


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement: pixels stay crisp squares, as a teacher wants to show them."""
    return np.kron(image, np.ones((factor, factor), dtype=image.dtype)) if image.ndim == 2 else image


def square(image: np.ndarray) -> np.ndarray:
    """Pad a grey image with black to a centred square, so a thin crop is not stretched on screen."""
    h, w = image.shape
    side = max(h, w)
    out = np.zeros((side, side), dtype=image.dtype)
    out[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = image
    return out


def png_bytes(image: np.ndarray) -> bytes:
    """Lossless PNG at zlib level 1: 3x faster than the default level on decoded grids (6 vs 18 ms
    for 15 x 15 digits, sent on every slider move) and no bigger, as their smooth greys barely compress."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def png_uri(image: np.ndarray) -> str:
    """An image for st.image as an inline, lossless PNG. Given an array, Streamlit would send a JPEG
    (smudging 28 x 28 digits) from a media URL that the next rerun may already have deleted while
    the browser still fetches it; inline, a slider's image also arrives with the rerun itself."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def gif_bytes(frames: list[np.ndarray], ms_per_frame: int = 120) -> bytes:
    """An animated GIF that walks forward and back again, looping."""
    images = [Image.fromarray(f) for f in frames + frames[-2:0:-1]]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
    return buffer.getvalue()


def heatmap(error: np.ndarray) -> np.ndarray:
    """|x - x_hat| in [0, 1] as an RGB image: black for no error, through red to yellow."""
    e = np.clip(error, 0, 1)
    rgb = np.stack([np.clip(2 * e, 0, 1), np.clip(2 * e - 1, 0, 1), np.zeros_like(e)], axis=-1)
    return (rgb * 255).astype(np.uint8)


# ---------------------------------------------------------------- digits to pick


def pick_test_digit(active: ActiveModel, label: str, key: str, default_class: int = 0) -> int:
    """A test image chosen by class and index within that class; returns its index in the split."""
    labels = test_set(active)[1].numpy()
    c1, c2 = st.columns(2)
    cls = c1.selectbox(
        f"{label}: class",
        range(10),
        index=default_class,
        format_func=lambda i: active.class_names[i],
        key=f"{key}_class",
        persist_state="session",
    )
    members = np.flatnonzero(labels == cls)
    i = c2.number_input(
        f"{label}: index within class", 0, len(members) - 1, 0, key=f"{key}_index", persist_state="session"
    )
    return int(members[int(i)])


def read_upload(file: Any) -> torch.Tensor | None:
    """An uploaded image preprocessed the MNIST way, or None with an error shown."""
    try:
        return vc.preprocess_image(file.getvalue())
    except vc.ImageError as exc:
        st.error(f"{file.name}: {exc}")
        return None


# ---------------------------------------------------------------- scatter


def scatter_figure(
    coords: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    class_names: tuple[str, ...],
    title: str = "",
    height: int = 560,
) -> go.Figure:
    """Encoder means as one WebGL trace coloured by label, with a discrete colour bar as the legend.

    One trace keeps point numbers equal to positions in ``indices``, so a click maps straight back
    to a test image.
    """
    colorscale = [[edge, colour] for i, colour in enumerate(PALETTE) for edge in (i / 10, (i + 1) / 10)]
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Scattergl(
            x=coords[:, 0],
            y=coords[:, 1],
            mode="markers",
            marker=dict(
                size=4,
                color=labels,
                cmin=-0.5,
                cmax=9.5,
                colorscale=colorscale,
                opacity=0.75,
                colorbar=dict(title="label", tickvals=list(range(10)), ticktext=list(class_names), len=0.9),
            ),
            customdata=np.stack([indices, labels], axis=1),
            hovertemplate="label %{customdata[1]}<br>test index %{customdata[0]}<extra></extra>",
            name="test digits",
            showlegend=False,
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30 if title else 10, b=10),
        title=title,
        dragmode="zoom",  # in plotly's select/lasso modes a plain click selects nothing
        xaxis_title="z1",
        yaxis_title="z2",
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def ellipse(mean: np.ndarray, cov: np.ndarray, n: int = 60) -> np.ndarray:
    """Points on the 1-sigma ellipse of a 2-D Gaussian."""
    values, vectors = np.linalg.eigh(cov)
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    return (vectors @ (np.sqrt(np.maximum(values, 0))[:, None] * circle)).T + mean


# ---------------------------------------------------------------- drawing pad

_PAD_JS = """
export default function(component) {
  const { parentElement, setStateValue } = component;
  const canvas = parentElement.querySelector('canvas');
  const ctx = canvas.getContext('2d');
  const clear = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  if (!canvas.dataset.ready) { clear(); canvas.dataset.ready = '1'; }
  let drawing = false;
  const at = (e) => { const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  canvas.onpointerdown = (e) => { drawing = true; canvas.setPointerCapture(e.pointerId);
    const [x, y] = at(e); ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.1, y); ctx.stroke(); };
  canvas.onpointermove = (e) => { if (!drawing) return; const [x, y] = at(e); ctx.lineTo(x, y); ctx.stroke(); };
  canvas.onpointerup = () => { if (!drawing) return; drawing = false;
    setStateValue('image', canvas.toDataURL('image/png')); };
  ctx.strokeStyle = '#fff'; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
  parentElement.querySelector('button').onclick = () => { clear(); setStateValue('image', null); };
}
"""
_PAD_HTML = """<div class="pad"><canvas width="280" height="280" aria-label="drawing pad"></canvas>
<button type="button">Clear</button></div>"""
_PAD_CSS = """.pad { display: flex; flex-direction: column; gap: .4rem; align-items: flex-start; }
canvas { width: 280px; height: 280px; border-radius: .5rem; touch-action: none; cursor: crosshair; }
button { padding: .3rem .9rem; border-radius: .5rem; border: 1px solid #888;
         background: transparent; color: inherit; }"""
_pad = st.components.v2.component("vae_draw_pad", html=_PAD_HTML, css=_PAD_CSS, js=_PAD_JS)


def drawing_pad(key: str) -> bytes | None:
    """A black square to draw a white digit on with mouse or finger; the drawing as PNG bytes."""
    result = _pad(key=key, on_image_change=lambda: None)
    data = getattr(result, "image", None)
    if not data or not isinstance(data, str) or not data.startswith("data:image/png;base64,"):
        return None
    return base64.b64decode(data.split(",", 1)[1])


# ---------------------------------------------------------------- teaching notes

NOTES: dict[str, str] = {
    "elbo": r"""
The encoder maps an image $x$ to a Gaussian
$q_\phi(z\mid x)=\mathcal N(\mu_\phi(x),\operatorname{diag}\sigma^2_\phi(x))$;
the decoder gives the likelihood $p_\theta(x\mid z)$. Training maximises the evidence lower bound
$$\log p_\theta(x) \;\ge\; \mathrm{ELBO}(x) = \mathbb E_{q_\phi(z\mid x)}\big[\log p_\theta(x\mid z)\big]
- \mathrm{KL}\big(q_\phi(z\mid x)\,\|\,\mathcal N(0, I)\big).$$
All figures here are $-\mathrm{ELBO}$ in **nats per image**: lower is better.
""",
    "kl": r"""
The KL term has a closed form (Kingma & Welling 2014, Appendix B):
$$\mathrm{KL}\big(q\,\|\,\mathcal N(0,I)\big)=\tfrac12\sum_{j=1}^{D}\left(\mu_j^2+\sigma_j^2-1-\log\sigma_j^2\right).$$
""",
    "reparam": r"""
**Reparameterisation trick.** To let gradients flow through the sample, draw
$\varepsilon\sim\mathcal N(0,I)$ and set $z=\mu+\sigma\odot\varepsilon$: the randomness is outside the network.
""",
    "grid": r"""
**Why the grid is bounded.** The prior is $\mathcal N(0, I)$: 99.7 % of its mass lies within $\pm3$ on each axis,
and the encoder was pushed to put the data there. Far outside, the decoder has never been trained, so what it
draws means little. The *inverse-CDF* grid places points at $\Phi^{-1}(p)$ for evenly spaced probabilities $p$:
every cell holds the same prior mass (Kingma & Welling, Figure 4).
""",
    "slerp": r"""
**Linear vs spherical interpolation.** In $D$ dimensions, samples of $\mathcal N(0,I)$ lie near the sphere of radius
$\sqrt D$; the straight line between two of them passes closer to the origin, where few codes live. Slerp follows the
great circle instead: $z(t)=\frac{\sin((1-t)\Omega)}{\sin\Omega}z_a+\frac{\sin(t\Omega)}{\sin\Omega}z_b$
(norm interpolated).
""",
    "iwae": r"""
**How typical is an image?** The IWAE bound $\log p(x)\ge \log\frac1k\sum_{i=1}^k \frac{p(x,z_i)}{q(z_i\mid x)}$,
$z_i\sim q(z\mid x)$, tightens as $k$ grows (Burda et al. 2015). The percentile compares this image's $-\mathrm{ELBO}$
with the 10,000 test digits'.
""",
    "beta": r"""
**β and warm-up.** The loss is $-\mathbb E_q[\log p(x\mid z)] + \beta\,\mathrm{KL}$. β = 1 is the true ELBO;
β > 1 pushes
codes towards the prior (smoother, blurrier), β < 1 sharper but a less regular space. KL warm-up raises the weight
from 0 to β over the first epochs so the decoder learns to use $z$ before the KL term can silence it
(posterior collapse).
""",
}


def explain(*topics: str, intro: str = "") -> None:
    """A "what you are seeing" panel with the maths, for teachers."""
    with st.expander("What you are seeing, and the maths behind it"):
        if intro:
            st.markdown(intro)
        for topic in topics:
            st.markdown(NOTES[topic])


# ---------------------------------------------------------------- training in the background


class TrainingJob:
    """One session's training run in a thread of its own, so pages stay responsive and sessions
    never share state: the page polls it from a fragment and may call ``stop()``."""

    def __init__(
        self,
        model_config: vc.VAEConfig,
        train_config: vc.TrainConfig,
        images: torch.Tensor,
        test_images: torch.Tensor,
    ) -> None:
        self.model_config, self.train_config = model_config, train_config
        self.model = vc.VAE(model_config)
        self.serial = uuid.uuid4().hex  # names this model in caches, also those kept on disk
        self.progress: vc.Progress | None = None
        self.curve: list[tuple[float, float, float]] = []  # (epoch, reconstruction, kl), appended only
        self.latents: np.ndarray | None = None  # the probe digits' means, for the live scatter
        self.result: vc.TrainResult | None = None
        self.error: str | None = None
        self._test_images = test_images
        # 2-D models: 2,000 test digits re-encoded every 100 steps for the live scatter.
        self._probe = test_images[:2000] if model_config.latent_dim == 2 else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(images,), daemon=True)
        self._thread.start()

    def _run(self, images: torch.Tensor) -> None:
        use_all_cores()
        try:
            self.result = vc.train(
                self.model_config,
                self.train_config,
                images,
                model=self.model,
                on_progress=self._on_progress,
                should_stop=self._stop.is_set,
            )
        except vc.TrainingDiverged as exc:
            self.result, self.error = exc.result, str(exc)
        except Exception as exc:  # shown to the person; the thread must not die silently
            self.error = f"training failed: {exc}"
            return
        # The test figures the model picker shows, as for the shipped models (a few seconds).
        test = vc.evaluate(self.result.model, self._test_images)
        self.result.model.info = {
            "train_seconds": round(self.result.seconds, 1),
            "source": "trained in the app",
            "test": test.as_dict(),
        }

    def _on_progress(self, p: vc.Progress) -> None:
        """Runs in the training thread between steps, so reading the model here is safe."""
        self.progress = p
        if p.step % 10 == 0 or p.step == p.total_steps:
            self.curve.append((p.epoch, p.reconstruction, p.kl))
        if self._probe is not None and (p.step % 100 == 0 or p.step == p.total_steps):
            self.latents = vc.encode_dataset(self.model, self._probe)[0].numpy()

    def stop(self) -> None:
        self._stop.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
