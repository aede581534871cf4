"""Every view is a link: a page's defining state in the URL's query string, and back.

``PARAMS`` says, once, which pieces of state each page puts in its URL, under which name, and how
the text is checked: the navigation script applies a link's parameters before the page draws its
widgets (``apply``), and writes the view's current state back into the address bar as it changes
(``publish``). Lessons preset their steps through the same table. It is also each page's declaration of
its controls: a number's range, step and default, a choice's options and default; the page builds the
widget from it (``bounds``, ``options``, ``default``), so no range is written twice
(tests/test_declared_widgets.py runs every page and compares).

Anything a link says is checked before it is used: an unknown model, a number that is not finite or
out of range, a digit index past the end, junk: each is ignored with a notice, never a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import streamlit as st

import vae_core as vc  # imports no torch until a name in it is used (vae_core/__init__.py)
from ui import models
from ui.selection import Selection
from ui.state import Key

MAX_PARAMETERS = 40
Z_LIMIT = 7.0  # the explorer's sliders reach +-7 at the widest grid
Z_REACH = "the sliders reach one past the grid's edge, at least ±4 (the widest grid: ±7)"
SEED_MAX = 2**31 - 1


class LinkError(ValueError):
    """A link's value that cannot be used; the message says why, for a person."""


@dataclass(frozen=True)
class Param:
    """One piece of a view's state: its ``name`` in the URL, the session keys it stands for, how URL
    text becomes their values (``parse``, given the active model; raises LinkError) and back (``show``)."""

    name: str
    keys: tuple[str, ...]
    parse: Callable[[str, vc.VAE], tuple[Any, ...]]
    show: Callable[..., str]
    longest: int = 200  # characters: a longer value is junk, whatever it says
    options: tuple[Any, ...] = ()  # for a widget with a few options: all of them, in order
    labels: Mapping[str, str] = field(default_factory=dict)  # option name -> what a person reads, if named
    values: str = ""  # what it takes, in words (lessons/README.md lists it)
    # The page's control, as declared once (its widget reads these: ``bounds``, ``options``, ``default``):
    low: float | None = None  # a number's range, for the link and the widget alike
    high: float | None = None
    step: float | None = None  # the widget's step, where not Streamlit's
    default: Any = None  # the control's value before anyone touches it
    varies: str = ""  # why the widget's range or options differ at run time from these (empty: never)


def readable(value: float) -> str:
    """A number as a person writes it: 2,147,483,647 and 0.00001, not 2.14748e+09 and 1e-05."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if 1e-6 <= abs(value) < 1e15:
        return np.format_float_positional(value, precision=6, trim="-")
    return f"{value:.3g}"


def _finite(text: str) -> float:
    """The number a link's text says; LinkError saying what is wrong with it (the notice quotes the text)."""
    if not text.strip():
        raise LinkError("a number belongs there")
    try:
        value = float(text)
    except ValueError:
        raise LinkError("that is not a number") from None
    if not math.isfinite(value):
        raise LinkError("that is not a number a view can use (it must be finite)")
    return value


def _whole(text: str, low: int, high: int, what: str = "it") -> int:
    """A whole number from ``low`` to ``high`` (both included); the message says ``what`` it is."""
    value = _finite(text)
    if value != int(value) or not low <= value <= high:
        raise LinkError(f"{what} must be a whole number from {readable(low)} to {readable(high)}")
    return int(value)


def number(
    name: str,
    key: str,
    low: float,
    high: float,
    *,
    default: float,
    integer: bool = False,
    step: float | None = None,
    meaning: str = "",
    varies: str = "",
) -> Param:
    """A number from ``low`` to ``high`` that starts at ``default`` (its widget moves by ``step``);
    ``meaning`` says what it stands for, where its name does not."""

    def parse(text: str, _model: vc.VAE) -> tuple[Any, ...]:
        if integer:
            return (_whole(text, int(low), int(high)),)
        value = _finite(text)
        if not low <= value <= high:
            raise LinkError(f"it must be a number from {readable(low)} to {readable(high)}")
        return (value,)

    if not low <= default <= high:
        raise ValueError(f"{name}: the default {default} is not from {low} to {high}")
    kind = "a whole number" if integer else "a number"
    values = f"{kind} from {readable(low)} to {readable(high)}" + (f": {meaning}" if meaning else "")
    typed = int if integer else float  # a widget's numbers are all of one type
    return Param(
        name,
        (key,),
        parse,
        lambda v: str(int(v)) if integer else f"{float(v):g}",
        values=values,
        low=typed(low),
        high=typed(high),
        step=None if step is None else typed(step),
        default=typed(default),
        varies=varies,
    )


def choice(name: str, key: str, tokens: Mapping[str, Any], default: Any = None, varies: str = "") -> Param:
    """A widget with a few options, each written in the URL as a short token; it starts at ``default``
    (None: the first option)."""
    back = {value: token for token, value in tokens.items()}

    def parse(text: str, _model: vc.VAE) -> tuple[Any, ...]:
        if text not in tokens:
            raise LinkError(f"it must be one of {', '.join(tokens)}")
        return (tokens[text],)

    values = "one of " + ", ".join(f"`{t}`" for t in tokens)
    first = next(iter(tokens.values()))
    if default is not None and default not in back:
        raise ValueError(f"{name}: the default {default!r} is not one of its options")
    return Param(
        name,
        (key,),
        parse,
        lambda v: back[v],
        options=tuple(tokens.values()),
        values=values,
        default=first if default is None else default,
        varies=varies,
    )


def named(name: str, key: str, labels: Mapping[str, str], default: str | None = None) -> Param:
    """A widget whose options are names (the URL's tokens too) shown to a person by their labels
    (``label(key)`` is its format_func). Pages branch on the names, so rewording or reordering the
    labels can never swap what a branch does."""
    return replace(choice(name, key, {token: token for token in labels}, default), labels=dict(labels))


def dimension(name: str, key: str) -> Param:
    """A latent dimension, numbered from 1 in the URL as on screen."""

    def parse(text: str, model: vc.VAE) -> tuple[Any, ...]:
        try:
            return (_whole(text, 1, model.latent_dim) - 1,)
        except LinkError:
            raise LinkError(
                f"there is no dimension z{_short(text)}: this model has z1 to z{model.latent_dim}"
            ) from None

    return Param(name, (key,), parse, lambda v: str(v + 1), values="a latent dimension, from 1")


def test_digit(name: str, key: str) -> Param:
    """A test digit as the digit picker chooses it: CLASS:INDEX-within-that-class."""

    def parse(text: str, model: vc.VAE) -> tuple[Any, ...]:
        cls, colon, index = text.partition(":")
        if not colon:
            raise LinkError("it must be a class and a test digit's number within it, such as 7:3")
        classes = len(vc.CLASS_NAMES[model.config.dataset])
        try:
            c = _whole(cls, 0, classes - 1)
        except LinkError:
            raise LinkError(f"there is no class '{_short(cls)}': the classes are 0 to {classes - 1}") from None
        labels = vc.load_dataset(model.config.dataset, train=False)[1]
        members = int((labels == c).sum())
        try:
            i = _whole(index, 0, members - 1)
        except LinkError:
            raise LinkError(
                f"class {c} has {readable(members)} test digits, numbered 0 to {readable(members - 1)}"
            ) from None
        return c, i

    values = "a test digit as CLASS:INDEX within its class, such as `7:3`"
    return Param(name, (f"{key}_class", f"{key}_index"), parse, lambda c, i: f"{c}:{i}", values=values)


def test_indices(name: str, key: str, most: int) -> Param:
    """Up to ``most`` test-set indices, comma-separated."""

    def parse(text: str, model: vc.VAE) -> tuple[Any, ...]:
        size = len(vc.load_dataset(model.config.dataset, train=False)[1])
        parts = text.split(",")
        if len(parts) > most:
            raise LinkError(f"it names up to {most} test digits, not {len(parts)}")
        return ([_whole(part, 0, size - 1, "each test digit's number") for part in parts],)

    values = f"up to {most} test digits' numbers, comma-separated"
    return Param(name, (key,), parse, lambda v: ",".join(str(i) for i in v), values=values)


def test_index(name: str, key: str) -> Param:
    """One test digit by its number in the test set (as the scatter's hover and captions show it)."""

    def parse(text: str, model: vc.VAE) -> tuple[Any, ...]:
        size = len(vc.load_dataset(model.config.dataset, train=False)[1])
        return (_whole(text, 0, size - 1, "a test digit's number"),)

    return Param(name, (key,), parse, lambda v: str(int(v)), values="a test digit's number, from 0")


def selection(name: str, key: str) -> Param:
    """The scatter's selection: clicked points, or a box or lasso region (see ui.selection)."""

    def parse(text: str, _model: vc.VAE) -> tuple[Any, ...]:
        try:
            return (Selection.from_text(text),)
        except ValueError as exc:
            raise LinkError(str(exc)) from None

    values = "a selection as the page writes it (copy it from the address bar)"
    return Param(name, (key,), parse, lambda s: s.to_text(), longest=8000, values=values)


def shipped_model(name: str, key: str) -> Param:
    """One of two models a page compares, by its name in checkpoints/ (only shipped ones can be linked)."""

    def parse(text: str, _model: vc.VAE) -> tuple[Any, ...]:
        if text not in models.shipped_checkpoints():
            raise LinkError(
                f"no shipped model has that name; the shipped ones are {', '.join(models.shipped_checkpoints())}"
            )
        return (f"shipped:{text}",)

    def show(key: str) -> str:
        if not key.startswith("shipped:"):
            raise ValueError("a session's own model cannot be linked")
        return key.removeprefix("shipped:")

    return Param(name, (key,), parse, show, values="a shipped model's name")


def flag(name: str, key: str, default: bool = False) -> Param:
    """A toggle: ``1`` on, ``0`` off in the URL."""
    return choice(name, key, {"1": True, "0": False}, default)


def anomaly_params() -> tuple[Param, ...]:
    """The Anomaly page's: its options are the library's scores and out-of-distribution sets."""
    from vae_core import anomaly, ood

    return (
        choice("score", Key.ANOMALY_SCORE, {s: s for s in anomaly.SCORES}),
        choice(
            "set",
            Key.ANOMALY_SET,
            {s: s for s in ood.SETS if s not in ood.DATASET_SETS},  # the sets built offline: any server has them
            varies="the widget adds the other datasets' test splits this server has downloaded",
        ),
        choice("fpr", Key.ANOMALY_FPR, {f"{r:g}": r for r in (0.01, 0.02, 0.05, 0.1, 0.2)}, anomaly.DEFAULT_FPR),
        flag("iwae", Key.ANOMALY_IWAE_TABLE),
    )


def train_params() -> tuple[Param, ...]:
    """The Train page's: its options are the library's registries, its defaults the configs'."""
    from ui.training import MODEL_DEFAULTS, TRAIN_DEFAULTS

    return (
        choice("dataset", Key.T_DATASET, {d: d for d in vc.DATASETS}, MODEL_DEFAULTS.dataset),
        number("latent", Key.T_LATENT, 1, 64, default=MODEL_DEFAULTS.latent_dim, integer=True),
        choice("likelihood", Key.T_LIKELIHOOD, {x: x for x in vc.LIKELIHOODS}, MODEL_DEFAULTS.likelihood),
        flag("binarize", Key.T_BINARIZE, MODEL_DEFAULTS.binarize == "dynamic"),
        number("beta", Key.T_BETA, 0, 20, default=TRAIN_DEFAULTS.beta, step=0.1),
        number("warmup", Key.T_WARMUP, 0, 50, default=TRAIN_DEFAULTS.kl_warmup_epochs, step=0.5),
        number("epochs", Key.T_EPOCHS, 1, 200, default=TRAIN_DEFAULTS.epochs, integer=True),
        choice("batch", Key.T_BATCH, {str(b): b for b in (32, 64, 128, 256, 512)}, TRAIN_DEFAULTS.batch_size),
        number("lr", Key.T_LR, 1e-5, 1e-1, default=TRAIN_DEFAULTS.learning_rate),
        number("seed", Key.T_SEED, 0, SEED_MAX, default=TRAIN_DEFAULTS.seed, integer=True),
        choice("images", Key.T_SUBSET, {str(n): n for n in (1000, 5000, 10000, 30000)} | {"all": "all"}, "all"),
        number("tc", Key.T_TC_WEIGHT, 0, 50, default=TRAIN_DEFAULTS.tc_weight, step=0.5),
        named(
            "tc-by",
            Key.T_TC_ESTIMATOR,
            {"discriminator": "a discriminator (FactorVAE)", "minibatch": "the batch itself (β-TCVAE)"},
            TRAIN_DEFAULTS.tc_estimator,
        ),
    )


class PageParams(Mapping[str, tuple[Param, ...]]):
    """Each page's link parameters, by the page's file. A page's entry is its tuple, or a function that
    builds it on first use: the Anomaly and Train pages' options are the library's registries, which
    import torch, and the first view (the navigation and the explorer) is drawn before torch is imported
    (docs/performance.md, "Start-up")."""

    def __init__(self, pages: Mapping[str, tuple[Param, ...] | Callable[[], tuple[Param, ...]]]) -> None:
        self._pages = dict(pages)

    def __getitem__(self, page: str) -> tuple[Param, ...]:
        params = self._pages[page]
        if callable(params):
            params = self._pages[page] = params()
        return params

    def __iter__(self) -> Iterator[str]:
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)


PARAMS = PageParams(
    {
        "explorer.py": (
            number("z1", Key.Z_X, -Z_LIMIT, Z_LIMIT, default=0, varies=Z_REACH),
            number("z2", Key.Z_Y, -Z_LIMIT, Z_LIMIT, default=0, varies=Z_REACH),
            number("n", Key.GRID_N, 5, 30, default=15, integer=True),
            choice("spacing", Key.GRID_SPACING, {"even": "linear", "cdf": "normal"}),
            number("range", Key.GRID_EXTENT, 1, 6, default=3, step=0.5),
            dimension("dx", Key.DIM_X),
            dimension("dy", Key.DIM_Y),
            named("hold", Key.HOLD, {"zero": "0", "digit": "an encoded test digit"}),
            test_digit("digit", Key.HOLD_DIGIT),
            flag("fine", Key.FINE_STEPS),
            flag("lower", Key.LOWER_DRAWN),
        ),
        "interpolation.py": (
            named(
                "pick",
                Key.INTERP_SOURCE,
                {"class": "By class and index", "random": "Random pair", "upload": "Upload two images"},
                default="class",
            ),
            test_digit("from", Key.INTERP_FROM),
            test_digit("to", Key.INTERP_TO),
            test_indices("pair", Key.INTERP_PAIR, most=2),
            number("steps", Key.INTERP_STEPS, 3, 20, default=10, integer=True),
            number(
                "t",
                Key.INTERP_T,
                0,
                1,
                default=0.5,
                meaning="where the scrubber stands, 0 at the first digit, 1 at the second",
            ),
        ),
        "scatter.py": (
            named("projection", Key.PROJECTION, {"pca": "PCA", "tsne": "t-SNE"}),
            choice("points", Key.TSNE_POINTS, {str(n): n for n in (1000, 2000, 3000, 5000, 10000)}, default=2000),
            flag("grid", Key.GRID_UNDER),
            selection("sel", Key.SCATTER_SELECTION),
            test_index("digit", Key.SCATTER_FIND),
        ),
        "samples.py": (
            number("n", Key.SAMPLES_N, 3, 12, default=7, integer=True),
            number("seed", Key.SAMPLES_SEED, 0, SEED_MAX, default=0, integer=True),
            number("t", Key.SAMPLES_T, 0.1, 2.0, default=1.0, step=0.05),
            named(
                "show",
                Key.SAMPLES_PIXELS,
                {"mean": "E[x | z], the decoder's mean", "draw": "x ~ p(x | z), sampled pixels"},
            ),
        ),
        "reconstruct.py": (
            choice("k", Key.RECON_K, {"100": 100, "1000": 1000, "5000": 5000}, default=1000),
            choice("input", Key.RECON_INPUT, {"upload": "Upload images", "draw": "Draw a digit"}),
        ),
        "traversals.py": (
            shipped_model("a", Key.TRAV_A),
            shipped_model("b", Key.TRAV_B),
            number("steps", Key.TRAV_STEPS, 5, 15, default=9, integer=True, step=2),
            number("rows", Key.TRAV_ROWS, 1, 32, default=10, integer=True),
            named(
                "hold",
                Key.TRAV_HOLD,
                {"centre": "the prior's centre (0 for N(0, I))", "digit": "an encoded test digit"},
            ),
            test_digit("digit", Key.TRAV_DIGIT),
        ),
        "disentanglement.py": (
            shipped_model("a", Key.DIS_A),
            shipped_model("b", Key.DIS_B),
            named(
                "pad",
                Key.DIS_PAD_FACTORS,
                {"x-y": "x and y", "scale-orientation": "scale and orientation", "shape-scale": "shape and scale"},
            ),
        ),
        "collapse.py": (
            shipped_model("a", Key.COLLAPSE_A),
            shipped_model("b", Key.COLLAPSE_B),
            choice("images", Key.COLLAPSE_IMAGES, {str(n): n for n in (5000, 10_000, 20_000)}, default=20_000),
        ),
        "levels.py": (
            test_digit("digit", Key.LEVELS_DIGIT),
            number("seed", Key.LEVELS_SEED, 0, SEED_MAX, default=0, integer=True),
        ),
        "compare.py": (
            named(
                "show",
                Key.COMPARE_VIEW,
                {
                    "two": "Two models side by side",
                    "four": "Four likelihoods",
                    "classic": "The classic recipe's figures",
                },
            ),
            shipped_model("a", Key.COMPARE_A),
            shipped_model("b", Key.COMPARE_B),
            number("seed", Key.COMPARE_SEED, 0, SEED_MAX, default=0, integer=True),
        ),
        "anomaly.py": anomaly_params,
        "train.py": train_params,
    }
)


def declared(key: str) -> Param:
    """The link parameter that declares the widget under ``key``."""
    for params in PARAMS.values():  # in page order: a page built on first use is built only if reached
        for param in params:
            if param.keys == (key,):
                return param  # the only one (tests/test_links.py checks that no two declare a widget)
    raise KeyError(f"no link parameter declares the widget {key!r}")


def bounds(key: str) -> tuple[float, ...]:
    """(min, max, default[, step]) of the number widget under ``key``, as its link parameter declares
    them: ``st.slider(label, *links.bounds(key), key=key)``, and the same for st.number_input."""
    p = declared(key)
    if p.low is None or p.high is None:
        raise KeyError(f"the link parameter {p.name!r} declares no range")
    return (p.low, p.high, p.default) + (() if p.step is None else (p.step,))


def default(key: str) -> Any:
    """The value the widget under ``key`` starts at, as its link parameter declares it."""
    return declared(key).default


def options(key: str) -> list[Any]:
    """The options of the widget under ``key``, as its link parameter lists them: one source for
    the widget and the URL."""
    return list(declared(key).options)


def index(key: str) -> int:
    """Where the declared default stands among the options of the widget under ``key`` (a selectbox's
    or a radio's ``index``)."""
    return options(key).index(default(key))


def label(key: str) -> Callable[[str], str]:
    """The format_func of the named widget under ``key``: an option's name -> its label."""
    return declared(key).labels.__getitem__


MODEL = "model"
PRESENT = "present"


def parse(page: str, query: Mapping[str, str], model: vc.VAE) -> tuple[dict[str, Any], list[str]]:
    """The session values a page's link sets, and a notice for everything in it that was ignored."""
    params = {p.name: p for p in PARAMS.get(page, ())}
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name, text in list(query.items())[:MAX_PARAMETERS]:
        if name in (MODEL, PRESENT):
            continue
        if name not in params:
            notices.append(f"'{_short(name)}' means nothing on this page")
        elif len(text) > params[name].longest:
            notices.append(f"'{name}' is {len(text):,} characters long, more than any view needs")
        else:
            try:
                values |= dict(zip(params[name].keys, params[name].parse(text, model), strict=True))
            except LinkError as exc:
                notices.append(f"{name} = {typed(text)}: {exc}")
    if len(query) > MAX_PARAMETERS:
        notices.append(f"only the first {MAX_PARAMETERS} of its {len(query)} parameters were read")
    return values, notices


def typed(text: str) -> str:
    """What a person typed, quoted, or "nothing"."""
    return f"'{_short(text)}'" if text else "nothing"


def _short(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[:most] + "…"


def requested_model(query: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(picker key of the link's model, or None; a notice if the link names a model that is not here)."""
    name = query.get(MODEL)
    if name is None:
        return None, None
    if name in models.shipped_checkpoints():
        return f"shipped:{name}", None
    return None, (
        f"the model '{_short(name)}' is not on this server (uploaded and trained models live only in the "
        f"session that made them): showing {models.DEFAULT_CHECKPOINT} instead"
    )


def apply(page: str, query: Mapping[str, str]) -> list[str]:
    """Set the session state a link describes, before the page draws its widgets; returns a notice
    for each part of the link that was ignored."""
    model_key, notice = requested_model(query)
    notices = [notice] if notice else []
    if model_key is not None:
        st.session_state[Key.MODEL_REQUEST] = model_key
    name = (model_key or f"shipped:{models.DEFAULT_CHECKPOINT}").removeprefix("shipped:")
    if name not in models.shipped_checkpoints() or not set(query) - {MODEL, PRESENT}:
        return notices  # nothing for the page: its model need not be loaded (a first view draws without it)
    values, ignored = parse(page, query, models.shipped(name).model)
    st.session_state.update(values)
    return notices + ignored


def current() -> dict[str, str]:
    """The query string of the view as it is now: the model (if linkable), the state of the page that
    makes the view (``Key.VIEW``) and what the navigation adds (``Key.VIEW_EXTRA``: a lesson's step)."""
    page = st.session_state.get(Key.VIEW, "")
    query: dict[str, str] = dict(st.session_state.get(Key.VIEW_EXTRA, {}))
    active = st.session_state.get(Key.ACTIVE_MODEL)
    if active is not None and active.shipped:
        query[MODEL] = active.name
    for param in PARAMS.get(page, ()):
        if all(key in st.session_state for key in param.keys):
            try:
                query[param.name] = param.show(*(st.session_state[key] for key in param.keys))
            except (KeyError, TypeError, ValueError):
                continue  # a value the URL cannot carry (say, an option from another model): leave it out
    if st.session_state.get(Key.PRESENT):
        query[PRESENT] = "1"
    return query


def publish() -> None:
    """Write the view's state into the address bar (without a rerun), if it changed. The navigation
    calls it after every run; a fragment that changes the view calls it at its end."""
    query = current()
    if dict(st.query_params) != query:
        st.query_params.from_dict(query)
