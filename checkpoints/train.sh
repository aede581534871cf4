#!/usr/bin/env bash
# The exact commands that made the shipped checkpoints (each also stores its command inside itself).
# On the 2-core CPU machine: about 30 minutes for mnist-2d, 20 for mnist-32d, plus the IWAE estimates.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m vae_core train --dataset mnist --latent-dim 2 --likelihood bernoulli --hidden 512 \
  --epochs 30 --batch-size 128 --lr 1e-3 --seed 0 --eval-k 1000 --eval-images 1000 \
  --out checkpoints/mnist-2d.safetensors
python -m vae_core train --dataset mnist --latent-dim 32 --likelihood bernoulli --binarize dynamic \
  --epochs 30 --batch-size 128 --lr 1e-3 --seed 0 --eval-k 5000 --eval-images 1000 \
  --out checkpoints/mnist-32d.safetensors
