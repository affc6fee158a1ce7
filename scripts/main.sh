#!/usr/bin/env bash
# The main job: set everything up, then execute the flagship notebook (01-colored-mnist) headless
# through the tslab kernel and print where its HTML export is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent notebooks -- 01-colored-mnist
echo
echo "Flagship notebook executed: $(pwd)/out/notebooks/01-colored-mnist.html"
echo "(executed .ipynb beside it; open it with: npm run notebook)"
