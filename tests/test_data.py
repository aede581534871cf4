import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from vae_core import DatasetUnavailable, data_root, load_dataset
from vae_core.data import read_idx

EMBEDDED = Path(__file__).resolve().parents[1] / "vae_core" / "mnist"
SHARED_RAW = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "MNIST" / "raw"


def test_embedded_mnist_has_the_real_splits():
    train_images, train_labels = load_dataset("mnist", train=True)
    test_images, test_labels = load_dataset("mnist", train=False)
    assert train_images.shape == (60_000, 28, 28) and train_images.dtype == torch.uint8
    assert test_images.shape == (10_000, 28, 28) and test_labels.shape == (10_000,)
    assert torch.bincount(test_labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert train_labels[:5].tolist() == [5, 0, 4, 1, 9]


@pytest.mark.skipif(
    not SHARED_RAW.exists(),
    reason=f"compares the embedded MNIST with the shared copy at {SHARED_RAW}, which only the development "
    "machine has (a clone has the embedded copy alone)",
)
def test_embedded_copy_is_byte_for_byte_the_shared_one():
    for name in ("t10k-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        ours = read_idx(EMBEDDED / f"{name}.gz")
        assert np.array_equal(ours, read_idx(SHARED_RAW / name))


def test_torchvision_reads_a_root_in_its_own_layout(tmp_path):
    """A --data-root in torchvision's layout (MNIST/raw/ with the four IDX files) gives the same digits
    as the embedded copy; the root is made here from the embedded files, so this runs on a bare clone."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for packed in EMBEDDED.glob("*-ubyte.gz"):
        (raw / packed.stem).write_bytes(gzip.decompress(packed.read_bytes()))
    images, _labels = load_dataset("mnist", train=False, root=str(tmp_path))
    assert torch.equal(images, load_dataset("mnist", train=False)[0])


def test_a_missing_dataset_offline_says_where_to_put_the_files(tmp_path, monkeypatch):
    # Point the downloader at an address that cannot answer, so this holds with or without a network.
    from torchvision import datasets

    monkeypatch.setattr(datasets.KMNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(DatasetUnavailable, match=str(tmp_path / "KMNIST" / "raw")):
        load_dataset("kmnist", train=False, root=str(tmp_path))


def test_data_root_order(monkeypatch, tmp_path):
    monkeypatch.setenv("VAE_DATA_ROOT", str(tmp_path))
    assert data_root() == tmp_path
    assert data_root("/x") == Path("/x")
    monkeypatch.delenv("VAE_DATA_ROOT")
    assert data_root().name == "datasets"


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match="choose one of"):
        load_dataset("cifar", train=True)


def test_a_registered_dataset_is_offered_and_loaded_by_name(monkeypatch):
    """The registry is the one list: a dataset registered later (here, a test's) is accepted by the
    config and offered to the CLI with no other change; a name already taken is refused."""
    from vae_core.config import VAEConfig, field_choices
    from vae_core.data import DATASET_SOURCES, DatasetSource, register_dataset

    def blank(train: bool, root: str | None) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.zeros(3 if train else 2, 28, 28, dtype=torch.uint8), torch.zeros(3 if train else 2)

    monkeypatch.setitem(DATASET_SOURCES, "blank-test", DatasetSource("blank-test", ("blank",), blank, "for a test"))
    assert "blank-test" in field_choices(VAEConfig, "dataset")
    assert VAEConfig(dataset="blank-test").dataset == "blank-test"
    assert load_dataset("blank-test", train=False)[0].shape == (2, 28, 28)
    with pytest.raises(ValueError, match="registered already"):
        register_dataset(DatasetSource("mnist", ("x",), blank, "an impostor"))
