#!/usr/bin/env bash
# The exact commands that made the shipped checkpoints (each also stores its command, training time,
# per-epoch history and test figures inside itself:
# python -c "import vae_core; print(vae_core.load_checkpoint('checkpoints/mnist-2d.safetensors').info)").
# Run one model: bash checkpoints/train.sh NAME; all of them: bash checkpoints/train.sh
# Another seed of a recipe, elsewhere: SEED=1 OUT_DIR=/tmp/seeds bash checkpoints/train.sh sprites-tcvae
# (the seed spread in docs/disentanglement.md comes from seeds 0, 1 and 2 of the sprites recipes).
# Wall-clock times on the 2-core CPU machine are in docs/models.md (the checkpoint table). Edit this file by
# replacing it (write a copy, then mv): bash reads a running script as it goes.
set -euo pipefail
cd "$(dirname "$0")/.."
# The recipes predate the fast defaults (issue 17: 5e-3 after a one-epoch warm-up, Adam's beta2 =
# 0.99, precision auto); $LEGACY restores the defaults of their time, so each recipe remakes its
# checkpoint (a recipe's own flags come after it and win). The sprites recipes use today's defaults.
LEGACY="--lr-warmup 0 --adam-betas 0.9 0.999 --precision float32"
train() { python -m vae_core train "$@"; }
declare -A RECIPES=(
  # The app's default: latent 2, grey-level MNIST with the Bernoulli likelihood, a wider network
  # (convolutions 48/96, fully connected 768) than the classic recipe.
  [mnist-2d]="$LEGACY --latent-dim 2 --likelihood bernoulli --conv-channels 48 96 --hidden 768 --epochs 40 --batch-size 128
    --lr 1e-3 --seed 0 --eval-k 1000 --eval-images 1000"
  # Latent 32 on dynamically binarised MNIST: exact log-likelihoods, comparable with Burda et al.
  [mnist-32d]="$LEGACY --latent-dim 32 --likelihood bernoulli --binarize dynamic --epochs 30 --batch-size 128 --lr 1e-3
    --seed 0 --eval-k 5000 --eval-images 1000"
  # The classic tutorial recipe itself: Gaussian likelihood (sum of squared errors + KL), AdamW
  # (weight decay 0.01) at a constant 1e-3, batch 32, float32, classic widths.
  [classic-2d]="$LEGACY --latent-dim 2 --likelihood gaussian --optimizer adamw --weight-decay 0.01 --lr 1e-3
    --lr-schedule constant --batch-size 32 --epochs 30 --precision float32 --seed 0 --eval-k 1000 --eval-images 1000"
  # The beta pair: the same model, data, epochs and seed; only the KL weight differs.
  [beta1-10d]="$LEGACY --latent-dim 10 --beta 1 --epochs 30 --batch-size 128 --lr 1e-3 --precision bfloat16 --seed 0
    --eval-k 1000 --eval-images 1000"
  [beta4-10d]="$LEGACY --latent-dim 10 --beta 4 --epochs 30 --batch-size 128 --lr 1e-3 --precision bfloat16 --seed 0
    --eval-k 1000 --eval-images 1000"
  # The blur pair's Gaussian side: beta1-10d's recipe with the Gaussian likelihood (sigma^2 = 1/2, the sum of
  # squared errors), so the likelihood is the only difference.
  [gaussian-10d]="$LEGACY --latent-dim 10 --likelihood gaussian --beta 1 --epochs 30 --batch-size 128 --lr 1e-3
    --precision bfloat16 --seed 0 --eval-k 1000 --eval-images 1000"
  # A prior pair at the classic widths: N(0, I), and a learnt 10-component Gaussian mixture; nothing else differs.
  [standard-2d]="$LEGACY --latent-dim 2 --likelihood bernoulli --epochs 20 --batch-size 128 --lr 1e-3 --precision bfloat16
    --seed 0 --eval-k 1000 --eval-images 1000"
  [mixture-2d]="$LEGACY --latent-dim 2 --likelihood bernoulli --prior mixture --prior-components 10 --epochs 20
    --batch-size 128 --lr 1e-3 --precision bfloat16 --seed 0 --eval-k 1000 --eval-images 1000"
  # The VampPrior (500 pseudo-inputs) on dynamically binarised MNIST, latent 32, classic widths.
  [vamp-32d]="$LEGACY --latent-dim 32 --likelihood bernoulli --binarize dynamic --prior vamp --prior-components 500
    --epochs 60 --batch-size 128 --lr 1e-3 --precision bfloat16 --seed 0 --eval-k 5000 --eval-images 1000"
  # The disentanglement four on sprites (latent 10, 10 epochs each): the plain VAE, beta-VAE, and the
  # two total-correlation penalties at the same gamma, FactorVAE's discriminator and beta-TCVAE's
  # minibatch-weighted estimate. Only the penalty differs.
  [sprites-beta1]="--dataset sprites --latent-dim 10 --beta 1 --epochs 10 --batch-size 128 --seed 0"
  [sprites-beta4]="--dataset sprites --latent-dim 10 --beta 4 --epochs 10 --batch-size 128 --seed 0"
  [sprites-factor]="--dataset sprites --latent-dim 10 --tc-weight 10 --epochs 10 --batch-size 128 --seed 0"
  [sprites-tcvae]="--dataset sprites --latent-dim 10 --tc-weight 10 --tc-estimator minibatch --epochs 10
    --batch-size 128 --seed 0"
  # The two true likelihoods of grey levels, latent 2 at the classic widths with today's defaults: the
  # discretized logistic (a probability of each pixel's 256 levels; its -log p(x) is a code length of
  # the 8-bit image) and the continuous Bernoulli (a density on [0, 1]). Only the likelihood differs.
  [logistic-2d]="--latent-dim 2 --likelihood discretized-logistic --epochs 30 --batch-size 128 --seed 0
    --eval-k 1000 --eval-images 1000"
  [cbernoulli-2d]="--latent-dim 2 --likelihood continuous-bernoulli --epochs 30 --batch-size 128 --seed 0
    --eval-k 1000 --eval-images 1000"
  # The blur pair's third: beta1-10d's recipe with the discretized logistic, so the likelihood is the only
  # difference from beta1-10d and gaussian-10d.
  [logistic-10d]="$LEGACY --latent-dim 10 --likelihood discretized-logistic --beta 1 --epochs 30 --batch-size 128
    --lr 1e-3 --precision bfloat16 --seed 0 --eval-k 1000 --eval-images 1000"
  # The hierarchy (vae_core.hierarchy, the Ladder VAE's top-down inference): a 2-D top level z_2 the pages drive,
  # over a 32-D z_1 with p(z_1 | z_2) learnt, on dynamically binarised MNIST (comparable with vamp-32d and
  # mnist-32d), classic widths, today's defaults, every level's KL warmed up over 5 epochs.
  [ladder-2d]="--dataset mnist --binarize dynamic --latent-dim 2 --lower-levels 32 --kl-warmup 5 --epochs 60
    --batch-size 128 --seed 0 --eval-k 5000 --eval-images 1000"
)
ORDER=(mnist-2d mnist-32d beta1-10d beta4-10d gaussian-10d standard-2d mixture-2d classic-2d vamp-32d
  sprites-beta1 sprites-beta4 sprites-factor sprites-tcvae logistic-2d cbernoulli-2d logistic-10d ladder-2d)
for name in "${@:-${ORDER[@]}}"; do
  mkdir -p "${OUT_DIR:-checkpoints}"
  # shellcheck disable=SC2086 # the recipe is a list of flags
  train ${RECIPES[$name]} ${SEED:+--seed "$SEED"} --out "${OUT_DIR:-checkpoints}/$name.safetensors"
done
