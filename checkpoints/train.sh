#!/usr/bin/env bash
# The exact commands that made the shipped checkpoints (each also stores its commands inside itself:
# python -c "import vae_core; print(vae_core.load_checkpoint('checkpoints/mnist-2d.safetensors').info)").
# Times on the 2-core CPU machine: mnist-2d about 22 + 8 minutes, mnist-32d about 15, plus the IWAE estimates.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m vae_core train --dataset mnist --latent-dim 2 --likelihood bernoulli --hidden 512 \
  --epochs 30 --batch-size 128 --lr 1e-3 --seed 0 --eval-k 1000 --eval-images 1000 \
  --out checkpoints/mnist-2d.safetensors
# A second, gentler stage: 15 more epochs from those weights with a smaller learning rate.
python -m vae_core train --resume checkpoints/mnist-2d.safetensors \
  --epochs 15 --batch-size 128 --lr 3e-4 --seed 1 --eval-k 1000 --eval-images 1000 \
  --out checkpoints/mnist-2d.safetensors
python -m vae_core train --dataset mnist --latent-dim 32 --likelihood bernoulli --binarize dynamic \
  --epochs 30 --batch-size 128 --lr 1e-3 --seed 0 --eval-k 5000 --eval-images 1000 \
  --out checkpoints/mnist-32d.safetensors
