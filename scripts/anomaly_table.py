"""docs/anomaly.md's table of every shipped MNIST model on the offline suite, made by the library itself.

    python scripts/anomaly_table.py                        # print it
    python scripts/anomaly_table.py --write docs/anomaly.md  # replace the table between the file's markers

Each model is scored by ``vae_core.anomaly.benchmark`` at the quick settings (500 images per set, IWAE
with k = 20, seed 0; about a minute per model on the 2-core machine) with three scores: -ELBO, the
complexity-corrected IWAE score (Serrà et al. 2020) and typicality (Nalisnick et al. 2019). Under the
table: each (model, score) pair's worst AUROC over the suite, and the best such pair, the figure the
anomaly page's advice and docs/anomaly.md quote.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import vae_core as vc
from vae_core import anomaly, ood

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- every-model-auroc -->", "<!-- /every-model-auroc -->"
SCORES = ("elbo", "complexity", "typicality")
LABELS = {"elbo": "−ELBO", "complexity": "complexity-corrected", "typicality": "typicality"}


AUROCs = dict[str, dict[str, float]]  # set -> score -> AUROC


def measure(path: Path, images: int, k: int, store: Path | None) -> AUROCs:
    """One model's AUROCs, from ``store`` when a run with the same file and settings left them there."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    kept = store / f"{path.stem}-{digest}-{images}-{k}.json" if store else None
    if kept and kept.exists():
        return json.loads(kept.read_text())
    model = vc.load_checkpoint(path)
    result = anomaly.benchmark(model, ood.available_sets(model.config.dataset, None), SCORES, images, k)
    aurocs = {name: {s: result.results[name][s].auroc for s in SCORES} for name in result.sets}
    if kept:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(aurocs))
    print(f"{path.stem}: done", file=sys.stderr)
    return aurocs


def table(results: dict[str, AUROCs]) -> str:
    names = list(results)
    sets = list(next(iter(results.values())))
    slash = " / ".join(LABELS[s] for s in SCORES)
    lines = [
        f"| set (AUROC of {slash}) | " + " | ".join(f"`{n}`" for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]

    def cell(value: float) -> str:
        return f"**{value:.2f}**" if value < 0.5 else f"{value:.2f}"

    for name in sets:
        row = [" / ".join(cell(results[n][name][s]) for s in SCORES) for n in names]
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    worst = {(n, s): min(results[n][name][s] for name in sets) for n in names for s in SCORES}
    lines.append("| **worst set** | " + " | ".join(" / ".join(cell(worst[n, s]) for s in SCORES) for n in names) + " |")
    (model, score), value = max(worst.items(), key=lambda item: item[1])
    lines += [
        "",
        f"The best single pair: `{model}` with the {LABELS[score]} score, whose worst set scores AUROC "
        f"{value:.3f}. 500 images per set, IWAE k = 20, seed 0 (`python scripts/anomaly_table.py`).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", default=None, metavar="FILE", help="replace the table between FILE's markers")
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--store", type=Path, default=None, help="keep each model's AUROCs here and reuse them")
    parser.add_argument("checkpoints", nargs="*", type=Path, help="default: every shipped MNIST model")
    args = parser.parse_args()
    shipped = sorted((ROOT / "checkpoints").glob("*.safetensors"))
    paths = args.checkpoints or [p for p in shipped if vc.load_checkpoint(p).config.dataset == "mnist"]
    text = table({p.stem: measure(p, args.images, args.k, args.store) for p in paths})
    if args.write is None:
        print(text)
        return
    path = Path(args.write)
    old = path.read_text(encoding="utf-8")
    start, end = old.find(BEGIN), old.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{path} needs the lines {BEGIN} and {END}, in that order")
    path.write_text(old[: start + len(BEGIN)] + "\n" + text + "\n" + old[end:], encoding="utf-8")
    print(f"wrote the table into {path}")


if __name__ == "__main__":
    main()
