"""python -m vae_core: train, evaluate, sample, draw the manifold, benchmark anomaly detection, score
disentanglement, list checkpoints."""

from __future__ import annotations

import argparse
import csv
import os
import shlex
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import torch
from PIL import Image
from tqdm import tqdm

from . import anomaly, catalogue, ood
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .config import TrainConfig, VAEConfig, field_choices
from .data import DatasetUnavailable, load_dataset, load_dataset_with_factors
from .disentanglement import Disentanglement, score_disentanglement
from .evaluate import Evaluation, evaluate
from .images import to_uint8
from .inference import decode_grid, sample_prior, tile
from .likelihoods import LIKELIHOODS
from .model import VAE
from .priors import PRIORS
from .provenance import Provenance
from .threads import ThreadGovernor, available_cpus, training_threads, use_free_cpus
from .train import Progress, TrainingDiverged, TrainResult, init_distributed, train
from .usage import ACTIVE_UNIT_NATS


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.command_line = "python -m vae_core " + shlex.join(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args)
    except (CheckpointError, DatasetUnavailable, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m vae_core",
        description="Train and inspect variational autoencoders on 28x28 image datasets (MNIST ships with it).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    t = sub.add_parser(
        "train",
        help="train a VAE and save it as a .safetensors checkpoint (under torchrun: on every process)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    model, how = t.add_argument_group("the model (VAEConfig)"), t.add_argument_group("training (TrainConfig)")
    _config_flag(model, "--dataset", "dataset", "training data (mnist is built in; the others download)")
    _config_flag(model, "--latent-dim", "latent_dim", "size of z; 2 can be drawn as a plane")
    _config_flag(
        model,
        "--likelihood",
        "likelihood",
        "p(x|z): " + "; ".join(f"{c.name}: {c.label}" for c in LIKELIHOODS.values()),
    )
    _config_flag(model, "--gaussian-sigma", "gaussian_sigma", "fixed sigma of the gaussian likelihood")
    _config_flag(model, "--binarize", "binarize", "dynamic: fresh Bernoulli samples of the grey levels (Burda et al.)")
    _config_flag(model, "--conv-channels", "conv_channels", "widths of the two convolutions", metavar=("C1", "C2"))
    _config_flag(model, "--hidden", "hidden", "width of the fully connected layer")
    _config_flag(model, "--prior", "prior", "p(z): " + "; ".join(f"{c.name}: {c.label}" for c in PRIORS.values()))
    _config_flag(model, "--prior-components", "prior_components", "K: mixture components or VampPrior pseudo-inputs")
    _config_flag(
        model,
        "--lower-levels",
        "lower_levels",
        "sizes of the stochastic levels below z, from the top down (none: the one-level VAE; "
        "32: a hierarchy z_2 -> z_1 with a 32-D z_1 under the --latent-dim top, vae_core.hierarchy)",
        metavar="D",
    )
    _config_flag(how, "--epochs", "epochs", "passes over the training set")
    _config_flag(how, "--batch-size", "batch_size", "images per step (under torchrun: over all processes)")
    _config_flag(how, "--lr", "learning_rate", "peak learning rate")
    _config_flag(how, "--optimizer", "optimizer", "adamw decouples weight decay from the step")
    _config_flag(how, "--weight-decay", "weight_decay", "decoupled weight decay (adamw; the classic recipe: 0.01)")
    _config_flag(
        how,
        "--adam-betas",
        "adam_betas",
        "Adam's decay rates; B2 = 0.99 forgets early steps sooner",
        metavar=("B1", "B2"),
    )
    _config_flag(how, "--beta", "beta", "weight on the KL term (beta-VAE; 1 is the true ELBO)")
    _config_flag(how, "--tc-weight", "tc_weight", "gamma: weight of the total-correlation penalty (0: off)")
    _config_flag(how, "--tc-estimator", "tc_estimator", "discriminator: FactorVAE; minibatch: beta-TCVAE")
    _config_flag(how, "--kl-warmup", "kl_warmup_epochs", "epochs over which the KL weight rises from 0 to beta")
    _config_flag(how, "--lr-schedule", "lr_schedule", "cosine decays the learning rate to 0 over the run")
    _config_flag(how, "--lr-warmup", "lr_warmup_epochs", "epochs over which the learning rate rises from 0")
    _config_flag(how, "--precision", "precision", "bfloat16: mixed precision; auto: bfloat16 where native")
    _config_flag(how, "--seed", "seed", "random seed (runs on the CPU are reproducible)")
    _config_flag(how, "--device", "device", "auto picks cuda, then mps, then cpu")
    t.add_argument(
        "--data-root", default=None, help="folder for downloaded datasets (default: $VAE_DATA_ROOT or ~/.cache)"
    )
    t.add_argument("--train-images", type=int, default=None, help="use only the first N training images (quick trials)")
    t.add_argument(
        "--eval-k", type=int, default=0, help="after training, estimate log p(x) with IWAE using k samples (0: skip)"
    )
    t.add_argument("--eval-images", type=int, default=None, help="test images for the IWAE estimate (default: all)")
    t.add_argument(
        "--resume",
        default=None,
        metavar="CKPT",
        help="continue training this checkpoint's weights (its architecture flags win over the ones here)",
    )
    t.add_argument(
        "--threads",
        type=_thread_count,
        default=None,
        metavar="N",
        help="torch threads per process (default: one per CPU not already busy, shared among torchrun's "
        "processes on this machine: vae_core.threads)",
    )
    t.add_argument("--out", required=True, help="checkpoint path to write (.safetensors)")
    t.set_defaults(run=_train)

    e = sub.add_parser(
        "evaluate",
        help="test-set ELBO, KL per dimension and IWAE log-likelihood of a checkpoint",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    e.add_argument("checkpoint")
    e.add_argument("--k", type=int, default=1000, help="importance samples for the IWAE bound (0: ELBO only)")
    e.add_argument("--images", type=int, default=None, help="test images for the IWAE estimate (default: all 10,000)")
    e.add_argument("--data-root", default=None, help="folder for downloaded datasets")
    e.add_argument("--save", action="store_true", help="store the figures in the checkpoint (rewritten atomically)")
    e.set_defaults(run=_evaluate)

    s = sub.add_parser(
        "sample", help="a grid of images decoded from the prior", formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    s.add_argument("checkpoint")
    s.add_argument("--out", required=True, help="PNG to write")
    s.add_argument("--n", type=int, default=7, help="grid side: n x n samples")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--temperature", type=float, default=1.0, help="scale of the prior's standard deviation")
    s.set_defaults(run=_sample)

    m = sub.add_parser(
        "manifold",
        help="the decoded grid over two latent dimensions",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    m.add_argument("checkpoint")
    m.add_argument("--out", required=True, help="PNG to write")
    m.add_argument("--n", type=int, default=20, help="grid side")
    m.add_argument(
        "--extent", type=float, default=3.0, help="half-width of the square in latent units (linear spacing)"
    )
    m.add_argument(
        "--spacing",
        choices=("linear", "normal"),
        default="linear",
        help="normal: inverse-CDF spacing, equal prior mass per cell",
    )
    m.set_defaults(run=_manifold)

    a = sub.add_parser(
        "anomaly",
        help="how well anomaly scores tell test images from the offline out-of-distribution sets (AUROC table)",
        description="Score the model's own test images and each out-of-distribution set; print the AUROC of\n"
        "every score on every set (rows: sets, columns: scores), then the share of each set caught at a\n"
        "threshold chosen on held-out test images. With the defaults (1,000 images per set, IWAE with\n"
        "k = 100) the shipped 2-D model took 12 minutes and the 32-D one 7 on this project's 2-core CPU\n"
        "while other work shared it; --score elbo reconstruction (no IWAE) takes seconds.",
        epilog="out-of-distribution sets:\n"
        + "\n".join(f"  {name:14} {about}" for name, about in ood.SETS.items())
        + "\n\nscores (higher = more anomalous, in nats):\n"
        "  elbo           -ELBO, one posterior sample\n"
        "  iwae           -log p(x) estimated by IWAE with --k samples\n"
        "  reconstruction -log p(x|z), one posterior sample\n"
        "  complexity     iwae minus the image's lossless PNG length (Serra et al. 2020)\n"
        "  typicality     |iwae - H|, H the mean iwae of held-out test images (Nalisnick et al. 2019)",
        formatter_class=_HelpFormatter,
    )
    a.add_argument("checkpoint")
    a.add_argument(
        "--ood",
        nargs="+",
        choices=list(ood.SETS),
        metavar="NAME",
        default=None,
        help="out-of-distribution sets (default: every one that can be built here; Fashion-MNIST and KMNIST "
        "only when their files are in the data root)",
    )
    a.add_argument(
        "--score", nargs="+", choices=anomaly.SCORES, default=list(anomaly.SCORES), metavar="NAME", help="the columns"
    )
    a.add_argument("--images", type=int, default=ood.DEFAULT_IMAGES, help="images per set (at most 5,000)")
    a.add_argument("--k", type=int, default=anomaly.DEFAULT_K, help="importance samples for iwae and complexity")
    a.add_argument("--fpr", type=float, default=anomaly.DEFAULT_FPR, help="false-positive rate for the threshold")
    a.add_argument("--seed", type=int, default=ood.SEED, help="the sets' draws, the binarisation and the samples")
    a.add_argument(
        "--csv", default=None, metavar="PATH", help="also write every figure as CSV (one row per set and score)"
    )
    a.add_argument("--data-root", default=None, help="folder for downloaded datasets")
    a.set_defaults(run=_anomaly)

    d = sub.add_parser(
        "disentanglement",
        help="MIG and the FactorVAE metric of checkpoints trained on data with known factors (sprites)",
        description="Encode every image of the checkpoint's dataset (all 35,280 sprites), score the encoder's\n"
        "means against the known factors (docs/disentanglement.md: MIG with 20 bins; the FactorVAE metric with\n"
        "10,000 + 5,000 votes of 64 images), and print one Markdown table row per checkpoint: MIG, each\n"
        "factor's gap, the FactorVAE metric, the test -ELBO and the last epoch's KL split into index-code\n"
        "mutual information, total correlation and dimension-wise KL (nats, on the training probe).",
        formatter_class=_HelpFormatter,
    )
    d.add_argument("checkpoints", nargs="+", metavar="CHECKPOINT")
    d.add_argument("--seed", type=int, default=0, help="the FactorVAE metric's votes (random_state)")
    d.add_argument(
        "--spread",
        action="store_true",
        help="one row per file name, each figure's mean and range over the files of that name (seeds of one "
        "recipe, in different folders)",
    )
    d.set_defaults(run=_disentanglement)

    c = sub.add_parser(
        "models",
        help="a folder's checkpoints as a Markdown table of their stored figures (docs/models.md's table)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    c.add_argument("folder", nargs="?", default="checkpoints")
    c.add_argument("--write", default=None, metavar="FILE", help="replace the table between FILE's markers")
    c.set_defaults(run=_models)
    return p


def _disentanglement(args: argparse.Namespace) -> int:
    models = {path: load_checkpoint(path) for path in args.checkpoints}  # every file checked before the work
    for name in {model.config.dataset for model in models.values()}:
        load_dataset_with_factors(name)  # ValueError (a message) for a dataset without known factors
    scores = {path: score_disentanglement(model, random_state=args.seed) for path, model in models.items()}
    if args.spread:
        print(_spread_table(models, scores), end="")
        return 0
    names = next(iter(scores.values())).factor_names
    print(
        "| checkpoint | MIG | " + " | ".join(f"gap {n}" for n in names) + " | FactorVAE metric | test -ELBO "
        "| I(x;z) | TC | dim-wise KL |"
    )
    print("|---" * (len(names) + 7) + "|")
    for path, model in models.items():
        score, test = scores[path], model.info.test
        split = _kl_split(model)
        cells = [f"{score.mig.score:.3f}", *(f"{gap:.2f}" for gap in score.mig.per_factor)]
        cells += [f"{score.factor_vae.eval_accuracy:.3f}", "-" if test is None else f"{test.negative_elbo:.1f}"]
        cells += ["-" if v is None else f"{v:.2f}" for v in split]
        print(f"| {Path(path).stem} | " + " | ".join(cells) + " |")
    return 0


def _kl_split(model: VAE) -> list[float | None]:
    """The last epoch's KL split: index-code mutual information, total correlation, dimension-wise KL."""
    last = model.info.last_epoch
    return [getattr(last, name, None) for name in ("mutual_information", "total_correlation", "dimensionwise_kl")]


def _spread_table(models: dict[str, VAE], scores: dict[str, Disentanglement]) -> str:
    """One row per file name: files of the same name in different folders are seeds of one recipe.
    Each figure as its mean over the seeds and, in brackets, the lowest and highest."""

    def spread(values: list[float], digits: int) -> str:
        if len(values) == 1:
            return f"{values[0]:.{digits}f}"
        return f"{sum(values) / len(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"

    groups: dict[str, list[str]] = {}
    for path in models:
        groups.setdefault(Path(path).stem, []).append(path)
    lines = [
        "| recipe | seeds | MIG | FactorVAE metric | test −ELBO | TC (nats) |",
        "|---|---|---|---|---|---|",
    ]
    for name, paths in groups.items():
        seeds = sorted(models[p].train_config.seed for p in paths)
        tests = [models[p].info.test for p in paths]
        elbo = spread([t.negative_elbo for t in tests], 1) if all(t is not None for t in tests) else "-"
        tcs = [_kl_split(models[p])[1] for p in paths]
        tc = spread([v for v in tcs if v is not None], 2) if all(v is not None for v in tcs) else "-"
        cells = [
            f"`{name}`",
            ", ".join(map(str, seeds)),
            spread([scores[p].mig.score for p in paths], 3),
            spread([scores[p].factor_vae.eval_accuracy for p in paths], 3),
            elbo,
            tc,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _models(args: argparse.Namespace) -> int:
    table = catalogue.markdown(catalogue.rows(catalogue.checkpoints_in(args.folder)))
    if args.write is None:
        print(table, end="")
        return 0
    path = Path(args.write)
    if not path.is_file():
        raise ValueError(f"no file at {path} to write the table into")
    path.write_text(catalogue.with_table(path.read_text(encoding="utf-8"), table), encoding="utf-8")
    print(f"wrote the table of {args.folder} into {path}")
    return 0


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults in the help, and the epilog's lines kept as written."""


def _config_flag(group: Any, flag: str, name: str, help: str, **options: Any) -> None:
    """A flag for a field of VAEConfig or TrainConfig: its default, type and choices are the field's own
    (a prior's or likelihood's choices: the registries', read when the parser is built)."""
    cls = VAEConfig if name in _fields(VAEConfig) else TrainConfig
    hint, default = get_type_hints(cls)[name], getattr(cls, name)
    if (choices := field_choices(cls, name)) is not None:
        options["choices"] = choices
    elif get_origin(hint) is tuple and get_args(hint)[-1] is Ellipsis:  # any number of values, maybe none
        options.update(nargs="*", type=get_args(hint)[0])
        default = list(default)
    elif get_origin(hint) is tuple:
        options.update(nargs=len(default), type=type(default[0]))
        default = list(default)
    else:
        options["type"] = type(default)
    group.add_argument(flag, dest=name, default=default, help=help, **options)


def _fields(cls: type) -> set[str]:
    return {f.name for f in fields(cls)}


def _configs(args: argparse.Namespace) -> tuple[VAEConfig, TrainConfig]:
    values = vars(args)
    model = VAEConfig(**{name: values[name] for name in _fields(VAEConfig)})
    return model, TrainConfig(**{name: values[name] for name in _fields(TrainConfig)})


def _train(args: argparse.Namespace) -> int:
    model_config, train_config = _configs(args)
    start_from = load_checkpoint(args.resume) if args.resume else None
    resumed = None if start_from is None else start_from.info
    if start_from is not None:
        model_config = start_from.config
    images = load_dataset(model_config.dataset, train=True, root=args.data_root)[0][: args.train_images]
    rank, world = init_distributed()  # (0, 1) unless launched by torchrun
    threads = _use_threads(args.threads, world)
    if rank == 0:
        print(f"torch threads per process: {threads} of {len(available_cpus())} CPUs", file=sys.stderr)
    # Chosen threads follow the load while it trains (a neighbour arriving or leaving); asked-for ones stay.
    governor = ThreadGovernor() if args.threads is None and world == 1 else None
    try:
        result = _train_with_bar(model_config, train_config, images, start_from, show=rank == 0, governor=governor)
    except TrainingDiverged as exc:
        if rank == 0:
            path = Path(args.out).with_suffix(".last-good.safetensors")
            stopped = Provenance.of_run(exc.result, None, command=args.command_line, resumed=resumed, error=str(exc))
            save_checkpoint(exc.result.model, path, train_config, stopped)
            print(f"error: {exc}\nthe last good weights are in {path}", file=sys.stderr)
        return 1
    finally:
        if world > 1:
            torch.distributed.destroy_process_group()
    if rank != 0:  # one process writes the checkpoint
        return 0
    test_images, _ = load_dataset(model_config.dataset, train=False, root=args.data_root)
    print(f"trained in {result.seconds:.0f} s; evaluating on the test split ...", file=sys.stderr)
    figures = _evaluate_with_bar(result.model, test_images, args.eval_k, args.eval_images)
    info = Provenance.of_run(result, figures, command=args.command_line, resumed=resumed)
    save_checkpoint(result.model, args.out, train_config, info)
    _print_figures(figures)
    print(f"saved {args.out}")
    return 0


def _thread_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"threads must be a whole number of at least 1, not {text!r}")
    return int(text)


def _use_threads(requested: int | None, world: int) -> int:
    """Set torch's thread count: ``requested``, else one per free CPU shared among the processes this
    machine runs (torchrun's LOCAL_WORLD_SIZE); under torchrun every process takes the smallest count
    any of them chose, so their steps stay in step."""
    if requested is not None or world == 1:
        return use_free_cpus(requested=requested)
    local = int(os.environ.get("LOCAL_WORLD_SIZE", world))
    choice = torch.tensor([training_threads(processes=local)])
    torch.distributed.all_reduce(choice, op=torch.distributed.ReduceOp.MIN)
    return use_free_cpus(requested=int(choice.item()))


def _train_with_bar(
    model_config: VAEConfig,
    train_config: TrainConfig,
    images: torch.Tensor,
    start_from: VAE | None,
    show: bool,
    governor: ThreadGovernor | None = None,
) -> TrainResult:
    steps = train_config.epochs * -(-len(images) // train_config.batch_size)
    with tqdm(total=steps, unit="step", desc="training", disable=not show) as bar:

        def progress(p: Progress) -> None:
            bar.update(1)
            if governor is not None and (threads := governor.check()) is not None:
                tqdm.write(f"torch threads now {threads}: the load beside the training changed", file=sys.stderr)
            if p.step % 20 == 0:
                postfix = {"loss": p.loss, "rec": p.reconstruction, "kl": p.kl, "img_s": p.images_per_second}
                bar.set_postfix({k: f"{v:.1f}" for k, v in postfix.items()})

        return train(model_config, train_config, images, on_progress=progress, model=start_from)


def _evaluate_with_bar(model: VAE, images: torch.Tensor, k: int, n: int | None) -> Evaluation:
    with tqdm(total=min(n or len(images), len(images)), unit="img", desc=f"IWAE k={k}", disable=k < 1) as bar:
        return evaluate(model, images, k=k, iwae_images=n, on_progress=lambda done, total: bar.update(done - bar.n))


def _print_figures(figures: Evaluation) -> None:
    print(
        f"test -ELBO {figures.negative_elbo:.2f} nats/image "
        f"(reconstruction {figures.reconstruction:.2f} + KL {figures.kl:.2f}); "
        f"active units {figures.active_units} of {len(figures.activity)} (at least {ACTIVE_UNIT_NATS:g} nats each)"
    )
    if figures.iwae_nll is not None:
        print(
            f"test -log p(x) (IWAE, k={figures.iwae_k}, {figures.iwae_images} images) {figures.iwae_nll:.2f} nats/image"
        )
    if figures.kl_per_level is not None:  # a hierarchy (vae_core.hierarchy): its KL term level by level
        print("KL per level, from the top down (nats):", " + ".join(f"{v:.2f}" for v in figures.kl_per_level))


def _evaluate(args: argparse.Namespace) -> int:
    model = load_checkpoint(args.checkpoint)
    images, _ = load_dataset(model.config.dataset, train=False, root=args.data_root)
    figures = _evaluate_with_bar(model, images, args.k, args.images)
    _print_figures(figures)
    print("activity Cov(E[z_d]) per latent dimension:", " ".join(f"{v:.3f}" for v in figures.activity))
    if figures.kl_per_dim is not None:
        print("KL per latent dimension (nats):", " ".join(f"{v:.3f}" for v in figures.kl_per_dim))
    elif figures.information_per_dim is not None:  # no KL per dimension against a mixture or VampPrior
        print("information per latent dimension (nats):", " ".join(f"{v:.3f}" for v in figures.information_per_dim))
    if args.save:
        save_checkpoint(model, args.checkpoint, model.train_config, model.info.with_test(figures))
        print(f"figures stored in {args.checkpoint}")
    return 0


def _save_png(image: torch.Tensor, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(to_uint8(image), mode="L").save(path)


def _sample(args: argparse.Namespace) -> int:
    model = load_checkpoint(args.checkpoint)
    _save_png(
        tile(sample_prior(model, args.n * args.n, random_state=args.seed, temperature=args.temperature), args.n, pad=2),
        args.out,
    )
    print(f"wrote {args.out}")
    return 0


def _manifold(args: argparse.Namespace) -> int:
    model = load_checkpoint(args.checkpoint)
    _save_png(decode_grid(model, n=args.n, extent=args.extent, spacing=args.spacing), args.out)
    print(f"wrote {args.out}")
    return 0


def _anomaly(args: argparse.Namespace) -> int:
    model = load_checkpoint(args.checkpoint)
    if not 1 <= args.images <= 5000 or args.k < 1:
        raise ValueError("--images must be 1 to 5,000 and --k at least 1")
    sets = args.ood or ood.available_sets(model.config.dataset, args.data_root)
    for name in sets:
        ood.check_set(name, model.config.dataset, args.data_root)
    with tqdm(total=len(sets) + 2, unit="set", desc="scoring") as bar:

        def progress(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update(1)

        result = anomaly.benchmark(
            model, sets, args.score, args.images, args.k, args.fpr, args.seed, args.data_root, on_set=progress
        )
    print(f"{Path(args.checkpoint).stem}: {args.command_line}")
    print("AUROC (the set as positives; 0.5 is chance; * below 0.5: the set looks MORE typical than test images)")
    _print_table(result, "auroc", lambda v: f"{v:.3f}" + ("*" if v < 0.5 else " "))
    print(f"\ndetected at the threshold for a {args.fpr:.0%} false-positive rate on held-out test images")
    _print_table(result, "detected", lambda v: f"{v:.1%} ")
    reference = result.results[sets[0]] if sets else {}
    alarms = ", ".join(f"{s} {d.false_alarms:.1%}" for s, d in reference.items())
    print(
        f"\n{result.images:,} images per set; in distribution: {model.config.dataset} test images, one half to "
        f"evaluate, the other to choose thresholds (false alarms on the evaluation half: {alarms}); "
        f"IWAE k = {result.k}; seed {result.seed}"
    )
    if args.csv:
        _write_csv(result, args.csv)
        print(f"wrote {args.csv}")
    return 0


def _print_table(result: anomaly.Benchmark, metric: str, cell: Any) -> None:
    width = max(15, *(len(s) + 2 for s in result.score_names))
    print("set".ljust(16) + "".join(s.rjust(width) for s in result.score_names))
    for name, *values in result.table(metric):
        print(str(name).ljust(16) + "".join(cell(v).rjust(width) for v in values))


def _write_csv(result: anomaly.Benchmark, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    columns = ("auroc", "average_precision", "fpr", "threshold", "detected", "false_alarms")
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["set", "score", "images", "k", *columns])
        for name in result.sets:
            for score, figures in result.results[name].items():
                row = [getattr(figures, c) for c in columns]
                writer.writerow([name, score, len(result.scores[name][score]), result.k, *(f"{v:.6g}" for v in row)])


if __name__ == "__main__":
    sys.exit(main())
