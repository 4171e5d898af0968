#!/usr/bin/env bash
# The shipped calibration example: five simulated bootstraps of scenarios/example.yaml written
# as kubectl dumps and controller logs (`fluxsim observe`), then `fluxsim calibrate` on them:
# scenarios/example-calibrated.yaml, and its report (report.txt, report.md, observed-*.svg/png).
# With a real cluster, replace dumps/ by the files listed in docs/calibrate.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
out=results/calibration
rm -rf "$out/dumps"
for s in 1 2 3 4 5; do
  ./target/release/fluxsim observe scenarios/example.yaml --seed "$s" --out "$out/dumps/$s" >/dev/null
done
./target/release/fluxsim calibrate scenarios/example.yaml "$out"/dumps/*/* \
  -o scenarios/example-calibrated.yaml --trials 1000 --seed 1 \
  --markdown "$out/report.md" --chart "$out" > "$out/report.txt"
./target/release/fluxsim check scenarios/example-calibrated.yaml --trials 1000 --seed 1 \
  --write-baseline results/baselines/example-calibrated.json >/dev/null || true
echo "wrote $out and scenarios/example-calibrated.yaml"
