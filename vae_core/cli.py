"""python -m vae_core: train, evaluate, sample and draw the manifold from the command line."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .config import TrainConfig, VAEConfig
from .data import DATASETS, DatasetUnavailable, load_dataset
from .evaluate import evaluate
from .inference import decode_grid, sample_prior, tile
from .model import VAE
from .train import TrainingDiverged, train


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
        help="train a VAE and save it as a .safetensors checkpoint",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    t.add_argument(
        "--dataset", choices=DATASETS, default="mnist", help="training data (mnist is built in; others download)"
    )
    t.add_argument(
        "--data-root", default=None, help="folder for downloaded datasets (default: $VAE_DATA_ROOT or ~/.cache)"
    )
    t.add_argument("--latent-dim", type=int, default=2, help="size of z; 2 can be drawn as a plane")
    t.add_argument(
        "--likelihood",
        choices=("bernoulli", "gaussian"),
        default="bernoulli",
        help="p(x|z): bernoulli (cross-entropy) or gaussian with fixed sigma (sum of squared errors)",
    )
    t.add_argument(
        "--gaussian-sigma", type=float, default=VAEConfig.gaussian_sigma, help="fixed sigma of the gaussian likelihood"
    )
    t.add_argument(
        "--binarize",
        choices=("none", "dynamic"),
        default="none",
        help="dynamic: train on fresh Bernoulli samples of the grey levels (Burda et al. 2015)",
    )
    t.add_argument(
        "--conv-channels",
        type=int,
        nargs=2,
        default=list(VAEConfig.conv_channels),
        metavar=("C1", "C2"),
        help="widths of the two convolutions",
    )
    t.add_argument("--hidden", type=int, default=VAEConfig.hidden, help="width of the fully connected layer")
    t.add_argument("--epochs", type=int, default=TrainConfig.epochs, help="passes over the training set")
    t.add_argument("--batch-size", type=int, default=TrainConfig.batch_size, help="images per step")
    t.add_argument("--lr", type=float, default=TrainConfig.learning_rate, help="Adam learning rate")
    t.add_argument(
        "--beta", type=float, default=TrainConfig.beta, help="weight on the KL term (beta-VAE; 1 is the true ELBO)"
    )
    t.add_argument(
        "--kl-warmup",
        type=float,
        default=TrainConfig.kl_warmup_epochs,
        help="epochs over which the KL weight rises from 0 to beta",
    )
    t.add_argument(
        "--lr-schedule",
        choices=("constant", "cosine"),
        default=TrainConfig.lr_schedule,
        help="cosine decays the learning rate to 0 over the run",
    )
    t.add_argument(
        "--lr-warmup",
        type=float,
        default=TrainConfig.lr_warmup_epochs,
        help="epochs over which the learning rate rises from 0 (lets a large --lr start safely)",
    )
    t.add_argument(
        "--precision",
        choices=("float32", "bfloat16"),
        default=TrainConfig.precision,
        help="bfloat16: mixed precision, faster on CPUs with AVX512-BF16 or AMX and on GPUs",
    )
    t.add_argument(
        "--adam-betas",
        type=float,
        nargs=2,
        default=list(TrainConfig.adam_betas),
        metavar=("B1", "B2"),
        help="Adam's decay rates; B2 = 0.99 keeps the steps larger after the first epoch (faster to a given loss)",
    )
    t.add_argument("--seed", type=int, default=TrainConfig.seed, help="random seed (runs on the CPU are reproducible)")
    t.add_argument("--device", default="auto", help="auto picks cuda, then mps, then cpu")
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
    return p


def _train(args: argparse.Namespace) -> int:
    model_config = VAEConfig(
        latent_dim=args.latent_dim,
        likelihood=args.likelihood,
        gaussian_sigma=args.gaussian_sigma,
        conv_channels=tuple(args.conv_channels),
        hidden=args.hidden,
        dataset=args.dataset,
        binarize=args.binarize,
    )
    train_config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        beta=args.beta,
        kl_warmup_epochs=args.kl_warmup,
        lr_schedule=args.lr_schedule,
        lr_warmup_epochs=args.lr_warmup,
        precision=args.precision,
        adam_betas=tuple(args.adam_betas),
        seed=args.seed,
        device=args.device,
    )
    start_from = load_checkpoint(args.resume) if args.resume else None
    if start_from is not None:
        model_config = start_from.config
    images = load_dataset(model_config.dataset, train=True, root=args.data_root)[0][: args.train_images]
    bar = tqdm(total=train_config.epochs * -(-len(images) // train_config.batch_size), unit="step", desc="training")

    def show(p):
        bar.update(1)
        if p.step % 20 == 0:
            bar.set_postfix(
                loss=f"{p.loss:.1f}",
                rec=f"{p.reconstruction:.1f}",
                kl=f"{p.kl:.2f}",
                img_s=f"{p.images_per_second:.0f}",
            )

    try:
        result = train(model_config, train_config, images, on_progress=show, model=start_from)
    except TrainingDiverged as exc:
        bar.close()
        path = Path(args.out).with_suffix(".last-good.safetensors")
        save_checkpoint(exc.result.model, path, train_config, {"error": str(exc)})
        print(f"error: {exc}\nthe last good weights are in {path}", file=sys.stderr)
        return 1
    bar.close()
    test_images, _ = load_dataset(model_config.dataset, train=False, root=args.data_root)
    print(f"trained in {result.seconds:.0f} s; evaluating on the test split ...", file=sys.stderr)
    figures = _evaluate_with_bar(result.model, test_images, args.eval_k, args.eval_images)
    info = {
        "command": args.command_line,
        "train_seconds": round(result.seconds, 1),
        "resumed_from": _earlier_stages(start_from),
        "torch": torch.__version__,
        "history": result.history[-1:] if result.history else [],
        "test": figures,
    }
    save_checkpoint(result.model, args.out, train_config, info)
    _print_figures(figures)
    print(f"saved {args.out}")
    return 0


def _earlier_stages(model: VAE | None) -> list[dict]:
    """The commands and times of the training stages a resumed checkpoint went through before."""
    if model is None:
        return []
    info = model.info
    stage = {"command": info.get("command"), "train_seconds": info.get("train_seconds")}
    return [*info.get("resumed_from", []), stage]


def _evaluate_with_bar(model, images, k: int, n: int | None) -> dict:
    bar = tqdm(total=min(n or len(images), len(images)), unit="img", desc=f"IWAE k={k}", disable=k < 1)
    figures = evaluate(model, images, k=k, iwae_images=n, on_progress=lambda done, total: bar.update(done - bar.n))
    bar.close()
    return figures


def _print_figures(figures: dict) -> None:
    print(
        f"test -ELBO {figures['negative_elbo']:.2f} nats/image "
        f"(reconstruction {figures['reconstruction']:.2f} + KL {figures['kl']:.2f}); "
        f"active units {figures['active_units']}"
    )
    if "iwae_nll" in figures:
        print(
            f"test -log p(x) (IWAE, k={figures['iwae_k']}, {figures['iwae_images']} images) "
            f"{figures['iwae_nll']:.2f} nats/image"
        )


def _evaluate(args: argparse.Namespace) -> int:
    model = load_checkpoint(args.checkpoint)
    images, _ = load_dataset(model.config.dataset, train=False, root=args.data_root)
    figures = _evaluate_with_bar(model, images, args.k, args.images)
    _print_figures(figures)
    print("KL per latent dimension (nats):", " ".join(f"{v:.2f}" for v in figures["kl_per_dim"]))
    if args.save:
        info = dict(model.info)
        info["test"] = {**info.get("test", {}), **figures}
        save_checkpoint(model, args.checkpoint, model.train_config, info)
        print(f"figures stored in {args.checkpoint}")
    return 0


def _save_png(image: torch.Tensor, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((image.clamp(0, 1).numpy() * 255).round().astype(np.uint8), mode="L").save(path)


def _sample(args: argparse.Namespace) -> int:
    model = load_checkpoint(args.checkpoint)
    _save_png(tile(sample_prior(model, args.n * args.n, args.seed, args.temperature), args.n, pad=2), args.out)
    print(f"wrote {args.out}")
    return 0


def _manifold(args: argparse.Namespace) -> int:
    model = load_checkpoint(args.checkpoint)
    _save_png(decode_grid(model, args.n, args.extent, args.spacing), args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
