#!/usr/bin/env bash
# Screening runs for the MNIST latent-2 push (docs/experiments.md): each candidate is the deep row's protocol
# (30 epochs, cosine decay over all 30) with one change, seed 1, full MNIST; it is stopped once epoch 10 is
# evaluated and checkpointed, so its epoch-10 test total compares with the deep row's history at epoch 10.
# Regularisers (fourth round) act on the train/test gap, which opens only after epoch 10: STOP_AFTER=30 runs them
# to the end, to compare with mnist-z2-warmup's seed 1 (135.99).
# Output: scratch/screen/<name>/ (log, config.json, checkpoint/trainer.json with the history).
# Usage: bash tools/screen-mnist-z2.sh [name ...]   (no names: all candidates, in order)
set -euo pipefail
cd "$(dirname "$0")/.."
# VAE_BIN: a vae binary to use instead of building this tree (a copy outside bin/, so builds can go on meanwhile).
if [ -n "${VAE_BIN:-}" ]; then vae=$VAE_BIN; else
  dotnet build src/Vae.Experiments -c Release -v q -nologo >/dev/null
  vae=src/Vae.Experiments/bin/Release/net10.0/vae
fi
common=(mnist --latent 2 --epochs 30 --seed 1 --device cpu)
stop_after=${STOP_AFTER:-10}
declare -A args=(
  [lr2e-3-warmup]="--extra-convs 1 --schedule cosine --lr 2e-3 --warmup-steps 500"
  [lr3e-3-warmup]="--extra-convs 1 --schedule cosine --lr 3e-3 --warmup-steps 500"
  [extra2]="--extra-convs 2 --schedule cosine --lr 1e-3"
  [channels64]="--extra-convs 1 --channels 64 64 --schedule cosine --lr 1e-3"
  [kl-warmup2]="--extra-convs 1 --schedule cosine --lr 1e-3 --kl-warmup-epochs 2"
  # Second round: one change each on top of the first round's winner (lr2e-3-warmup).
  [warmup-kl2]="--extra-convs 1 --schedule cosine --lr 2e-3 --warmup-steps 500 --kl-warmup-epochs 2"
  [warmup-extra2]="--extra-convs 2 --schedule cosine --lr 2e-3 --warmup-steps 500"
  [warmup-ch64]="--extra-convs 1 --channels 64 64 --schedule cosine --lr 2e-3 --warmup-steps 500"
  [warmup-h512]="--extra-convs 1 --hidden 512 --schedule cosine --lr 2e-3 --warmup-steps 500"
  # Fourth round, 30 epochs (STOP_AFTER=30): regularisers on top of the winner. Coupled L2 5e-3 is about 13% of the
  # RMS gradient of the decoder's largest dense layer at the end of the winner's run (read from its Adam state).
  [warmup-wd5e-3]="--extra-convs 1 --schedule cosine --lr 2e-3 --warmup-steps 500 --weight-decay 5e-3"
  [warmup-wd2e-2]="--extra-convs 1 --schedule cosine --lr 2e-3 --warmup-steps 500 --weight-decay 2e-2"
  [warmup-dropout0.2]="--extra-convs 1 --schedule cosine --lr 2e-3 --warmup-steps 500 --decoder-dropout 0.2"
  # An average of the weights changes no step of training: one run reports the average's and the training weights'
  # test totals at every epoch (history: test and testTrainingWeights).
  [warmup-ema0.999]="--extra-convs 1 --schedule cosine --lr 2e-3 --warmup-steps 500 --ema-decay 0.999"
)
order=(lr2e-3-warmup warmup-kl2 warmup-extra2 warmup-ch64 lr3e-3-warmup warmup-h512 extra2 kl-warmup2 channels64)
# (the fourth round is run by name: STOP_AFTER=30 bash tools/screen-mnist-z2.sh warmup-wd5e-3 warmup-wd2e-2 warmup-dropout0.2 warmup-ema0.999)
names=("$@"); [ ${#names[@]} -eq 0 ] && names=("${order[@]}")
for n in "${names[@]}"; do
  out=scratch/screen/$n
  grep -q "epoch $stop_after/30:" "$out/log" 2>/dev/null && { echo "screen $n: done already ($out)"; continue; }
  rm -rf "$out"; mkdir -p "$out"
  echo "screen $n: ${args[$n]}"
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$vae" train "${common[@]}" ${args[$n]} --out "$out" >"$out/log" 2>&1 &
  pid=$!
  while kill -0 $pid 2>/dev/null && ! grep -q "epoch $stop_after/30:" "$out/log"; do sleep 5; done
  sleep 10   # the checkpoint of that epoch is written before the line is printed; let the process settle
  kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  echo "wall $(( $(date +%s) - start )) s" >> "$out/log"
  grep -E "epoch [0-9]+/30:" "$out/log" | tail -1
done
