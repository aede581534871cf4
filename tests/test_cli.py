import csv
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import vae_core as vc
from tests.support.files import SHIPPED_2D
from vae_core import load_checkpoint


def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "vae_core", *args], capture_output=True, text=True, timeout=300)
    assert (result.returncode == 0) == ok, result.stderr
    return result


def test_help_explains_every_command():
    out = run("--help").stdout
    for command in ("train", "evaluate", "sample", "manifold", "anomaly", "disentanglement"):
        assert command in out
    assert "--latent-dim" in run("train", "--help").stdout


@pytest.mark.slow  # a real training: the second CI stage (docs/testing.md)
def test_train_evaluate_sample_manifold_end_to_end(tmp_path):
    ckpt = tmp_path / "tiny.safetensors"
    out = run(
        "train",
        "--epochs",
        "1",
        "--train-images",
        "600",
        "--hidden",
        "32",
        "--conv-channels",
        "4",
        "8",
        "--batch-size",
        "100",
        "--eval-k",
        "5",
        "--eval-images",
        "20",
        "--out",
        str(ckpt),
    ).stdout
    assert "test -ELBO" in out and "IWAE, k=5" in out
    model = load_checkpoint(ckpt)
    assert model.info.command.startswith("python -m vae_core train") and model.info.resumed_from == ()
    assert model.info.test.iwae_images == 20 and model.info.world_size == 1
    (epoch,) = model.info.history  # one record per epoch, with the per-dimension diagnostics
    assert epoch.epoch == 1.0 and epoch.loss > 0 and len(epoch.kl_per_dim) == 2

    out = run("evaluate", str(ckpt), "--k", "3", "--images", "10", "--save").stdout
    assert "KL per latent dimension" in out
    again = load_checkpoint(ckpt).info
    assert again.test.iwae_k == 3 and again.history == model.info.history  # only the figures were replaced

    run("sample", str(ckpt), "--out", str(tmp_path / "s.png"), "--n", "7")
    assert Image.open(tmp_path / "s.png").size == (7 * 28 + 6 * 2,) * 2
    run("manifold", str(ckpt), "--out", str(tmp_path / "m.png"), "--n", "5", "--spacing", "normal")
    assert np.asarray(Image.open(tmp_path / "m.png")).shape == (140, 140)


def test_bad_checkpoint_is_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"garbage" * 10)
    result = run("sample", str(bad), "--out", str(tmp_path / "x.png"), ok=False)
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr


def test_train_flags_come_from_the_configs(tmp_path):
    ckpt = tmp_path / "mixture.safetensors"
    tiny = ["--epochs", "1", "--train-images", "300", "--hidden", "16", "--conv-channels", "4", "8"]
    run("train", *tiny, "--prior", "mixture", "--prior-components", "3", "--optimizer", "adamw", "--out", str(ckpt))
    model = load_checkpoint(ckpt)
    assert (model.config.prior, model.config.prior_components, model.train_config.optimizer) == ("mixture", 3, "adamw")
    assert model.prior.means.shape == (3, 2)
    refused = run("train", *tiny, "--prior", "flat", "--out", str(ckpt), ok=False)
    assert "invalid choice: 'flat'" in refused.stderr and "standard" in refused.stderr


@pytest.mark.slow  # real trainings: the second CI stage (docs/testing.md)
def test_train_takes_a_thread_count_or_chooses_one(tmp_path):
    """--threads N is used as given; without it the run takes the free CPUs (vae_core.threads) and says so."""
    ckpt = tmp_path / "tiny.safetensors"
    tiny = ["--epochs", "1", "--train-images", "200", "--hidden", "16", "--conv-channels", "4", "8", "--out", str(ckpt)]
    assert "torch threads per process: 1 of" in run("train", *tiny, "--threads", "1").stderr
    chosen = run("train", *tiny).stderr.split("torch threads per process: ", 1)[1].split()[0]
    assert 1 <= int(chosen) <= len(os.sched_getaffinity(0))
    refused = run("train", *tiny, "--threads", "0", ok=False)
    assert "threads must be a whole number of at least 1, not '0'" in refused.stderr


@pytest.mark.slow  # real trainings: the second CI stage (docs/testing.md)
def test_anomaly_prints_the_auroc_table_and_writes_csv(tmp_path):
    ckpt = tmp_path / "tiny.safetensors"
    tiny = ["--epochs", "1", "--train-images", "600", "--hidden", "32", "--conv-channels", "4", "8"]
    run("train", *tiny, "--out", str(ckpt))
    table = tmp_path / "out" / "auroc.csv"
    args = ["anomaly", str(ckpt), "--ood", "uniform-noise", "near-blank", "--images", "40", "--k", "3"]
    out = run(*args, "--score", "elbo", "complexity", "--csv", str(table)).stdout
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("set"))
    assert header.split() == ["set", "elbo", "complexity"]
    noise = next(line for line in lines if line.startswith("uniform-noise")).split()
    assert all(0 <= float(cell.rstrip("*")) <= 1 for cell in noise[1:])  # (a model this tiny has learnt little)
    assert "false-positive rate" in out and "IWAE k = 3" in out
    rows = list(csv.DictReader(table.open()))
    assert [(r["set"], r["score"]) for r in rows] == [
        ("uniform-noise", "elbo"),
        ("uniform-noise", "complexity"),
        ("near-blank", "elbo"),
        ("near-blank", "complexity"),
    ]
    assert all(r["images"] == "40" and 0 <= float(r["auroc"]) <= 1 for r in rows)
    # The CSV's figure, rounded as the table prints it (both round the same number; a half-way case such
    # as 0.9975 may go either way once written with 6 digits and rounded again).
    assert abs(float(rows[0]["auroc"]) - float(noise[1].rstrip("*"))) <= 0.0005 + 1e-9
    # The same command gives the same table (every draw is seeded).
    assert run(*args, "--score", "elbo", "complexity").stdout.splitlines()[2:5] == lines[2:5]


def test_anomaly_refuses_unknown_and_missing_sets(tmp_path):
    ckpt = tmp_path / "tiny.safetensors"
    tiny = ["--epochs", "1", "--train-images", "300", "--hidden", "16", "--conv-channels", "4", "8"]
    run("train", *tiny, "--out", str(ckpt))
    unknown = run("anomaly", str(ckpt), "--ood", "cats", ok=False)
    assert "invalid choice: 'cats'" in unknown.stderr and "rotated-90" in unknown.stderr
    missing = run("anomaly", str(ckpt), "--ood", "kmnist", "--data-root", str(tmp_path), "--images", "5", ok=False)
    assert missing.stderr.startswith("error:") and "kmnist" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.slow  # real trainings: the second CI stage (docs/testing.md)
def test_disentanglement_scores_each_checkpoint_as_the_library_does_and_refuses_data_without_factors(tmp_path):
    ckpt = tmp_path / "tiny-sprites.safetensors"
    tiny = ["--dataset", "sprites", "--latent-dim", "3", "--epochs", "1", "--train-images", "300"]
    run("train", *tiny, "--hidden", "16", "--conv-channels", "4", "8", "--out", str(ckpt))
    header, rule, row = run("disentanglement", str(ckpt)).stdout.splitlines()
    columns = [c.strip() for c in header.strip("|").split("|")]
    assert columns[:3] == ["checkpoint", "MIG", "gap shape"] and rule.count("|---") == len(columns)
    cells = dict(zip(columns, (c.strip() for c in row.strip("|").split("|")), strict=True))
    model = load_checkpoint(ckpt)
    images, factors, _ = vc.load_dataset_with_factors("sprites")
    means, _ = vc.encode_dataset(model, images)
    assert cells["checkpoint"] == "tiny-sprites"
    assert cells["MIG"] == f"{vc.mutual_information_gap(means, factors).score:.3f}"
    assert cells["FactorVAE metric"] == f"{vc.factor_vae_metric(means, factors, random_state=0).eval_accuracy:.3f}"
    assert cells["TC"] == f"{model.info.history[-1].total_correlation:.2f}"  # the last epoch's KL split
    refused = run("disentanglement", str(ckpt), str(SHIPPED_2D), ok=False)
    assert "mnist has no known generative factors" in refused.stderr and "Traceback" not in refused.stderr
    # --spread: files of one name in two folders are two seeds of one recipe, one row of mean (lowest-highest)
    other = tmp_path / "seed1" / "tiny-sprites.safetensors"
    other.parent.mkdir()
    run("train", *tiny, "--hidden", "16", "--conv-channels", "4", "8", "--seed", "1", "--out", str(other))
    migs = sorted(
        float(line.split("|")[2]) for line in run("disentanglement", str(ckpt), str(other)).stdout.splitlines()[2:]
    )
    header, _, spread = run("disentanglement", str(ckpt), str(other), "--spread").stdout.splitlines()
    cells = dict(zip(header.strip("|").split("|"), spread.strip("|").split("|"), strict=True))
    cells = {k.strip(): v.strip() for k, v in cells.items()}
    assert cells["recipe"] == "`tiny-sprites`" and cells["seeds"] == "0, 1"
    mean, low, high = (float(v) for v in cells["MIG"].replace("(", " ").replace("–", " ").rstrip(")").split())
    assert (low, high) == (migs[0], migs[1]) and abs(mean - sum(migs) / 2) <= 0.0011  # each row rounds to 3 places
