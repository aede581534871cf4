"""Every screen of the app, written once: the navigation, the tests, the screenshot tool and the
benchmarks all read ``SCREENS``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
NAVIGATION = Path(__file__).with_name("navigation.py")  # the script every session runs (app.py names it)


@dataclass(frozen=True)
class Screen:
    file: str  # the page's script in pages/
    title: str  # its entry in the navigation
    heading: str  # the title at the top of the page
    icon: str
    url_path: str  # "" for the default page, served at the app's root URL
    section: str  # the navigation's group
    aliases: tuple[str, ...] = ()  # other addresses that open it (the root page's name, as lessons write it)
    # It shows other pages' views (the lesson): it follows its link itself (the navigation hands it over
    # under Key.OPENED_WITH instead of applying it), and on a projector its own step title and controls take
    # the place of the heading and of the "Leave presentation mode" button the navigation adds elsewhere.
    hosts_views: bool = False

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


SCREENS: tuple[Screen, ...] = (
    Screen(
        file="explorer.py",
        title="Latent explorer",
        heading="Latent explorer",
        icon=":material/explore:",
        url_path="",
        section="Explore",
        aliases=("explorer",),
    ),
    Screen(
        file="interpolation.py",
        title="Interpolation",
        heading="Interpolation",
        icon=":material/swap_horiz:",
        url_path="interpolation",
        section="Explore",
    ),
    Screen(
        file="scatter.py",
        title="Latent scatter",
        heading="Latent scatter",
        icon=":material/scatter_plot:",
        url_path="scatter",
        section="Explore",
    ),
    Screen(
        file="samples.py",
        title="Samples",
        heading="Samples from the prior",
        icon=":material/casino:",
        url_path="samples",
        section="Explore",
    ),
    Screen(
        file="traversals.py",
        title="Traversals",
        heading="Traversals and disentanglement",
        icon=":material/linear_scale:",
        url_path="traversals",
        section="Theory",
    ),
    Screen(
        file="disentanglement.py",
        title="Disentanglement",
        heading="Disentanglement you can measure",
        icon=":material/tune:",
        url_path="disentanglement",
        section="Theory",
    ),
    Screen(
        file="collapse.py",
        title="Posterior collapse",
        heading="Posterior collapse",
        icon=":material/compress:",
        url_path="collapse",
        section="Theory",
    ),
    Screen(
        file="holes.py",
        title="Prior vs aggregate posterior",
        heading="Prior vs aggregate posterior: the holes",
        icon=":material/blur_on:",
        url_path="holes",
        section="Theory",
    ),
    Screen(
        file="levels.py",
        title="What each level encodes",
        heading="What each level of a hierarchy encodes",
        icon=":material/layers:",
        url_path="levels",
        section="Theory",
    ),
    Screen(
        file="compare.py",
        title="Compare two models",
        heading="Compare two models",
        icon=":material/compare:",
        url_path="compare",
        section="Theory",
    ),
    Screen(
        file="anomaly.py",
        title="Anomaly detection",
        heading="Anomaly detection with the ELBO",
        icon=":material/troubleshoot:",
        url_path="anomaly",
        section="Theory",
    ),
    Screen(
        file="reconstruct.py",
        title="Reconstruct your image",
        heading="Reconstruct your image",
        icon=":material/draw:",
        url_path="reconstruct",
        section="Your data",
    ),
    Screen(
        file="train.py",
        title="Train",
        heading="Train a VAE",
        icon=":material/model_training:",
        url_path="train",
        section="Your data",
    ),
    Screen(
        file="lesson.py",
        title="Lesson",
        heading="Lesson",
        icon=":material/school:",
        url_path="lesson",
        section="Teach",
        hosts_views=True,
    ),
)
DEFAULT = SCREENS[0]


def screen(file: str) -> Screen:
    """The screen whose script is ``file`` (a name in pages/)."""
    return next(s for s in SCREENS if s.file == file)
