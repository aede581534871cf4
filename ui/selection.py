"""A selection on the latent scatter: clicked points, a box or a lasso, as a value that fits in a link.

A box or lasso is kept as its region, not as the points plotly reports inside it, and the points are
found again from the region here: a link to a selection of 5,000 digits stays short, and the view it
opens lists exactly the same digits as the view it came from.

Exactly: the corners once went into the link at 4 significant figures, and a box of 729 digits came
back as 730 (a point sat between the corner and its rounding). Now a region is rounded once, when it
is made (``snapped``), to the fewest significant figures that still select the same digits, and the
link writes those numbers in full (``repr``: the shortest text that reads back as the same float).
docs/links.md has the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Kind = Literal["points", "box", "lasso"]
MOST_POINTS = 200  # clicked points a link carries
SHORTEST = 4  # significant figures a region's numbers keep at least


@dataclass(frozen=True)
class Selection:
    kind: Kind
    values: tuple[float, ...]  # test indices; or x0, x1, y0, y1; or the lasso's x1, y1, x2, y2, ...
    # Classes hidden (a click on the scatter's key) when a region was drawn: plotly selects only the
    # points it shows, so their digits inside the region are not selected, and a link hides them again.
    hidden: tuple[int, ...] = ()

    def chosen(self, coords: np.ndarray, indices: np.ndarray, labels: np.ndarray | None = None) -> list[int]:
        """The test indices selected, in order of their index, among points at ``coords`` (of classes
        ``labels``: needed only when classes are hidden)."""
        if self.kind == "points":
            shown = set(indices.tolist())
            return sorted(int(i) for i in self.values if int(i) in shown)
        x, y = coords[:, 0], coords[:, 1]
        if self.kind == "box":
            x0, x1, y0, y1 = self.values
            inside = (x >= min(x0, x1)) & (x <= max(x0, x1)) & (y >= min(y0, y1)) & (y <= max(y0, y1))
        else:
            inside = inside_polygon(x, y, np.asarray(self.values).reshape(-1, 2))
        if self.hidden:
            if labels is None:
                raise ValueError("a selection with hidden classes needs the points' labels")
            inside &= ~np.isin(labels, self.hidden)
        return sorted(int(i) for i in indices[inside])

    def to_text(self) -> str:
        """The selection as a link writes it; ``from_text`` reads back exactly these numbers."""
        numbers = (str(int(v)) for v in self.values) if self.kind == "points" else (repr(float(v)) for v in self.values)
        hidden = f";hidden:{','.join(str(c) for c in self.hidden)}" if self.hidden else ""
        return f"{self.kind}:" + ",".join(numbers) + hidden

    def snapped(self, coords: np.ndarray, indices: np.ndarray, labels: np.ndarray | None = None) -> Selection:
        """The same region with its numbers rounded to the fewest significant figures (4 or more) that
        select the same digits among ``coords``: a short link, and an exact one. Plotly reports a
        corner as the float under the mouse (17 digits of noise); a person cannot see past the 4th."""
        if self.kind == "points":
            return self
        wanted = self.chosen(coords, indices, labels)
        for figures in range(SHORTEST, 17):
            rounded = Selection(self.kind, tuple(float(f"{v:.{figures}g}") for v in self.values), self.hidden)
            if rounded.chosen(coords, indices, labels) == wanted:
                return rounded
        return self

    @classmethod
    def from_text(cls, text: str) -> Selection:
        """Parse ``points:1,2`` / ``box:x0,x1,y0,y1`` / ``lasso:x,y,x,y,...``, a region followed by
        ``;hidden:C,C,...`` where classes were hidden; ValueError, in words a person reads in a notice,
        if malformed."""
        text, _, hidden_text = text.partition(";")
        hidden: tuple[int, ...] = ()
        if hidden_text:
            word, _, classes = hidden_text.partition(":")
            hidden = tuple(_number(part) for part in classes.split(",")) if word == "hidden" else ()
            if word != "hidden" or not all(c == int(c) and 0 <= c < 100 for c in hidden):
                raise ValueError("after a region, ';hidden:' and the hidden classes' numbers (0, 1, 2, ...)")
            hidden = tuple(sorted({int(c) for c in hidden}))
        kind, _, numbers = text.partition(":")
        shapes = "points:I,J,... (test digits), box:X0,X1,Y0,Y1 or lasso:X,Y,X,Y,... (at least 3 corners)"
        if kind not in ("points", "box", "lasso"):
            raise ValueError(f"a selection is written {shapes}")
        values = tuple(_number(part) for part in numbers.split(","))
        if kind == "points":
            if hidden:
                raise ValueError("clicked points name their digits: ';hidden:' follows a box or lasso")
            if not 1 <= len(values) <= MOST_POINTS or not all(v == int(v) and v >= 0 for v in values):
                raise ValueError(f"selected points are 1 to {MOST_POINTS} test digits' numbers (0, 1, 2, ...)")
            return cls("points", values)
        if kind == "box" and len(values) == 4:
            return cls("box", values, hidden)
        if kind == "lasso" and len(values) >= 6 and len(values) % 2 == 0:
            return cls("lasso", values, hidden)
        raise ValueError(f"a {kind} with {len(values)} numbers; a selection is written {shapes}")

    @classmethod
    def from_event(
        cls, selection: Any, coords: np.ndarray, indices: np.ndarray, labels: np.ndarray | None = None
    ) -> Selection | None:
        """What a plotly selection event (st.plotly_chart's ``selection``) selected among the points at
        ``coords`` (of classes ``labels``), or None; a region comes rounded as far as it can be without
        changing what it selects. Plotly reports only the points of classes shown: a class with digits
        inside the region and none reported was hidden, and stays out of the selection."""
        if not selection:
            return None
        region: Selection | None = None
        if selection.get("box"):
            box = selection["box"][0]
            region = cls("box", tuple(float(v) for v in (*box["x"][:2], *box["y"][:2])))
        elif selection.get("lasso"):
            lasso = selection["lasso"][0]
            vertices = tuple(float(v) for xy in zip(lasso["x"], lasso["y"], strict=True) for v in xy)
            region = cls("lasso", vertices)
        if region is not None:
            if labels is None:
                return region.snapped(coords, indices)
            position = {int(index): i for i, index in enumerate(indices)}
            reported = {test_index(p, indices) for p in selection.get("points", [])}
            shown = {int(labels[position[i]]) for i in reported if i in position}
            inside = {int(labels[position[i]]) for i in region.chosen(coords, indices)}
            return cls(region.kind, region.values, tuple(sorted(inside - shown))).snapped(coords, indices, labels)
        points = [test_index(p, indices) for p in selection.get("points", [])]
        chosen = list(dict.fromkeys(i for i in points if i is not None))  # once each, in the order clicked
        return cls("points", tuple(chosen[:MOST_POINTS])) if chosen else None


def test_index(point: dict[str, Any], indices: np.ndarray) -> int | None:
    """The test digit a clicked point stands for: its customdata's first number (the scatter puts each
    point's test index there, whichever trace it is in: one per class, or a star on a digit looked up),
    else its position among ``indices`` (a figure of one trace); None for a point of neither."""
    data = point.get("customdata")
    if isinstance(data, list | tuple) and data and isinstance(data[0], int | float):
        return int(data[0])
    if point.get("curve_number", 0) == 0 and isinstance(point.get("point_index"), int):
        return int(indices[point["point_index"]])
    return None


def inside_polygon(x: np.ndarray, y: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Whether each point (x, y) lies inside the polygon (its vertices in order), by the even-odd rule:
    a ray to the right crosses its edges an odd number of times."""
    inside = np.zeros(x.shape, dtype=bool)
    for (xa, ya), (xb, yb) in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        crosses = (ya > y) != (yb > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = xa + (y - ya) * (xb - xa) / (yb - ya)
        inside ^= crosses & (x < at)
    return inside


def _number(text: str) -> float:
    """One of a selection's numbers; ValueError saying what is wrong with it, not Python's wording."""
    if not text.strip():
        raise ValueError("a number is missing (two commas in a row, or one at the end)")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"'{text[:20]}' is not a number") from None
    if not np.isfinite(value):
        raise ValueError(f"'{text[:20]}' is not a finite number")
    return value
