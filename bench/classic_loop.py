"""The classic tutorial's VAE training as a whole process, the baseline of bench.cli_speed.

What most tutorials run: a Dataset that turns each image into a tensor with torchvision's ToTensor,
a DataLoader with batch 32 and shuffling, AdamW at 1e-3, a test pass over a DataLoader of the test
split, and the weights saved with torch.save. The model is the one ``python -m vae_core train
--likelihood gaussian`` makes (2-D latent, classic widths, sum of squared errors + KL), so both sides
train the same network on the same objective.

    python -m bench.classic_loop --epochs 1 --out /tmp/classic.pt
"""

from __future__ import annotations

import argparse
import time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from vae_core import VAE, VAEConfig, load_dataset

CONFIG = VAEConfig(latent_dim=2, likelihood="gaussian")


class ClassicMNIST(Dataset):
    """The tutorial pattern: one PIL image and one ToTensor call per item."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images = images.numpy()
        self.to_tensor = transforms.ToTensor()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.to_tensor(Image.fromarray(self.images[i], mode="L"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--out", required=True, help="where torch.save writes the weights")
    parser.add_argument("--train-images", type=int, default=None, help="only the first N (as the CLI's flag)")
    parser.add_argument("--test-images", type=int, default=None, help="only the first N test images")
    args = parser.parse_args()
    torch.manual_seed(0)
    train_images = load_dataset("mnist", True)[0][: args.train_images]
    test_images = load_dataset("mnist", False)[0][: args.test_images]
    train_loader = DataLoader(ClassicMNIST(train_images), batch_size=32, shuffle=True)
    test_loader = DataLoader(ClassicMNIST(test_images), batch_size=32)
    model = VAE(CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(args.epochs):
        model.train()
        for x in train_loader:
            loss = model.elbo_terms(x).loss()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    trained = time.perf_counter() - start
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x in test_loader:
            total += model.elbo_terms(x).loss().item() * len(x)
    torch.save(model.state_dict(), args.out)
    print(f"trained in {trained:.0f} s; test -ELBO {total / len(test_loader.dataset):.2f} nats/image")


if __name__ == "__main__":
    main()
