"""The real app under Streamlit's AppTest: the navigation script, on any screen of the registry."""

from __future__ import annotations

import os

from streamlit.testing.v1 import AppTest

from ui import registry

NAVIGATION = str(registry.NAVIGATION)


def page_path(file: str) -> str:
    """A page's path as AppTest wants it: relative to the navigation script (ui/)."""
    return os.path.relpath(registry.screen(file).path, os.path.dirname(NAVIGATION))


def app(file: str = registry.DEFAULT.file) -> AppTest:
    """The app run once and switched to the page in pages/``file``; fails on any exception."""
    at = AppTest.from_file(NAVIGATION, default_timeout=120)
    at.run()
    if file != registry.DEFAULT.file:
        at.switch_page(page_path(file)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def images_of(at: AppTest) -> list[str]:
    """Every image URL the run shows, in order."""
    return [url for image in at.get("image") for url in image.value]


def opened(query: dict[str, str], file: str = registry.DEFAULT.file) -> AppTest:
    """A fresh session opened with a link to ``file`` carrying ``query``."""
    at = AppTest.from_file(NAVIGATION, default_timeout=120)
    if file != registry.DEFAULT.file:
        at.switch_page(page_path(file))
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
