#!/usr/bin/env bash
# Regenerates the figures of the README and docs/ (docs/figures/) in one command: builds
# Release, runs the shipped configs at their own path counts and seeds into
# notebooks/results/ (the notebooks' default inputs), then runs each
# notebook headless into docs/figures/<notebook>/. About 10 minutes on 2
# cores. Usage: bash scripts/figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target stampede >/dev/null
mkdir -p notebooks/results docs/figures
for cfg in quickstart mitigation_pack monoculture_sweep adversarial_search contagion; do
  echo "running configs/$cfg.json"
  build/stampede run "configs/$cfg.json" -o "notebooks/results/$cfg.h5" --force --quiet
done
nb() { # NOTEBOOK INPUT FIGURES
  /usr/bin/python3 notebooks/execute.py "notebooks/$1.ipynb" "$2" "docs/figures/$1" --expect "$3"
}
nb single_run notebooks/results/quickstart.h5 \
  loss_bad_debt,loss_drawdown,cascade,samples,population,attribution
nb comparison notebooks/results/mitigation_pack.h5 forest,cascade,attribution
nb sweep notebooks/results/monoculture_sweep.h5 sweep,cascade
nb search notebooks/results/adversarial_search.h5 \
  search,samples_worst,attribution,attribution_random
nb contagion notebooks/results/contagion.h5 contagion,cascade
nb history bench/results/history.jsonl history
