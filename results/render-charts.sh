#!/usr/bin/env bash
# Renders the review charts of every shipped scenario into results/charts/<scenario>/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
for f in scenarios/*.yaml; do
  n=$(basename "$f" .yaml)
  ./target/release/fluxsim chart "$f" --out "results/charts/$n" --trials 2000 --seed 1
done
./target/release/fluxsim compare scenarios/002-matherlynet-before.yaml scenarios/002-matherlynet-after.yaml \
  --trials 2000 --chart results/charts/002-matherlynet-compare --markdown results/charts/002-matherlynet-compare/compare.md > /dev/null
