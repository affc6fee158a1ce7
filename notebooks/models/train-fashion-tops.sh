#!/usr/bin/env bash
# Re-trains the PyTorch classifier notebook 03 loads from notebooks/models/ (committed; the notebook
# never runs Python). Needs Debian's python3-torch and python3-torchvision (apt-get install -y ...).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node --import tsx notebooks/models/dump-fashion-tops.ts "$tmp"
OPENBLAS_NUM_THREADS=1 nice /usr/bin/python3 notebooks/models/train_fashion_tops.py "$tmp" notebooks/models
