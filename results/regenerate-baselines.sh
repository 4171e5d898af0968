#!/usr/bin/env bash
# Regenerates results/baselines/*.json: one Monte Carlo report (1000 trials, seed 1) per
# shipped scenario. Run after an intended change in the model or a scenario, then commit.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
for f in scenarios/*.yaml; do
  n=$(basename "$f" .yaml)
  ./target/release/fluxsim check "$f" --trials 1000 --seed 1 --write-baseline "results/baselines/$n.json" >/dev/null || true
  echo "wrote results/baselines/$n.json"
done
