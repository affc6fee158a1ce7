#!/usr/bin/env bash
# Idempotent setup of a checkout: Node dependencies, the build, Jupyter + Chromium (apt, as root on
# Debian; otherwise the exact command is printed) and the project-local tslab kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: Node.js 20+ and npm are needed first (Debian: apt-get install nodejs npm)." >&2
  exit 1
fi
# onnxruntime-node bundles its CPU runtime; its installer would otherwise try to download CUDA
# providers from NuGet (unreachable offline). An env var, not .npmrc: npm 11 warns about unknown keys.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ -d node_modules ]; then
  npm install --no-audit --no-fund --loglevel=error   # a quick no-op when already in sync
else
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
bash kernel/setup.sh --with-chromium
