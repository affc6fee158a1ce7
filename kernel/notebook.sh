#!/usr/bin/env bash
# `npm run notebook`: starts the classic Jupyter notebook server on notebooks/ with the project's
# tslab kernel (registered in kernel/jupyter by kernel/setup.sh, found through JUPYTER_PATH).
# Extra arguments go to the server, e.g. `npm run notebook -- --no-browser --port 8890`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/kernel/setup.sh"
(cd "$ROOT" && npm run --silent build)
export JUPYTER_PATH="$ROOT/kernel/jupyter/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
extra=()
if [ "$(id -u)" = 0 ]; then extra+=(--allow-root); fi
exec /usr/bin/python3 -m notebook --notebook-dir="$ROOT/notebooks" "${extra[@]}" "$@"
