#!/usr/bin/env bash
# One-time (idempotent) notebook setup for this repository:
#   1. finds Jupyter (Debian's jupyter-notebook / jupyter-nbconvert / jupyter-client run by
#      /usr/bin/python3); as root on Debian installs them with apt when missing, otherwise prints
#      the exact command to run;
#   2. registers the project's kernel into the project-local prefix kernel/jupyter (never the user's
#      global kernels; use it with JUPYTER_PATH=kernel/jupyter/share/jupyter, as `npm run notebook(s)`
#      do): tslab from this repo's node_modules, started by dist/widgets/kernel-main.js, which adds
#      Jupyter comms so live widgets work (src/widgets/tslab-kernel.ts). It keeps the kernel name
#      `tslab`, so notebooks need no change;
#   3. links node_modules/failure-directions -> the repo root, so notebooks can write
#      `import * as fd from 'failure-directions'` (tslab's type checker does not resolve a
#      package's self-reference).
# The widget front end for the classic notebook (ipywidgets 6: python3-ipywidgets,
# python3-widgetsnbextension, jupyter-nbextension-jupyter-js-widgets) is installed with Jupyter.
# Options: --with-chromium  also install Debian's chromium (used by the real-browser test).
#          --check          only report what is missing (exit 1 if anything is).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
PREFIX="$ROOT/kernel/jupyter"
KERNEL_JSON="$PREFIX/share/jupyter/kernels/tslab/kernel.json"
TSLAB_BIN="$ROOT/node_modules/.bin/tslab"
KERNEL_MAIN="$ROOT/dist/widgets/kernel-main.js"
WITH_CHROMIUM=0
CHECK=0
for arg in "$@"; do
  case "$arg" in
    --with-chromium) WITH_CHROMIUM=1 ;;
    --check) CHECK=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "kernel/setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { echo "[kernel/setup] $*"; }
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/apt-install.sh"

# --- 1. Jupyter ------------------------------------------------------------------------------
jupyter_ok() {
  [ -x "$PY" ] && "$PY" -c 'import notebook, nbconvert, nbclient, nbformat, jupyter_client' >/dev/null 2>&1 \
    && command -v jupyter-nbconvert >/dev/null 2>&1
}
APT_PKGS="jupyter-notebook jupyter-nbconvert jupyter-client"
# ipywidgets 6 for the classic notebook: the kernel side is ours, but the notebook needs the
# jupyter-js-widgets nbextension (enabled by the package in /etc/jupyter/nbconfig).
WIDGET_PKGS="python3-ipywidgets python3-widgetsnbextension jupyter-nbextension-jupyter-js-widgets"
widgets_ok() {
  [ -f /usr/share/jupyter/nbextensions/jupyter-js-widgets/extension.js ] && "$PY" -c 'import ipywidgets, widgetsnbextension' >/dev/null 2>&1
}
missing_pkgs=""
if ! jupyter_ok; then missing_pkgs="$APT_PKGS"; fi
if ! widgets_ok; then missing_pkgs="$missing_pkgs $WIDGET_PKGS"; fi
# Chromium brings no fonts of its own; DejaVu keeps screenshots readable on a bare machine.
if [ "$WITH_CHROMIUM" = 1 ] && ! [ -x /usr/bin/chromium ]; then missing_pkgs="$missing_pkgs chromium fonts-dejavu-core"; fi
missing_pkgs="$(echo "$missing_pkgs" | xargs)"
if [ -n "$missing_pkgs" ]; then
  apt_install "$missing_pkgs" "missing Debian packages: $missing_pkgs; install with:" "missing Debian packages: $missing_pkgs."
  jupyter_ok || { say "Jupyter still not usable with $PY after installing $missing_pkgs"; exit 1; }
  widgets_ok || { say "the widget front end is still missing after installing $missing_pkgs"; exit 1; }
fi
say "jupyter: $("$PY" -c 'import notebook, nbconvert; print("notebook", notebook.__version__, "nbconvert", nbconvert.__version__)')"

# --- 2. node_modules and the tslab kernel ---------------------------------------------------
if ! [ -x "$TSLAB_BIN" ]; then
  if [ "$CHECK" = 1 ]; then say "node_modules/.bin/tslab missing (run npm ci)"; exit 1; fi
  say "node_modules incomplete: running npm ci"
  (cd "$ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
fi
if ! [ -f "$KERNEL_MAIN" ]; then
  if [ "$CHECK" = 1 ]; then say "dist/widgets/kernel-main.js missing (run npm run build)"; exit 1; fi
  say "dist/ not built: running npm run build"
  (cd "$ROOT" && npm run --silent build)
fi
want_argv="\"$KERNEL_MAIN\""
if [ -f "$KERNEL_JSON" ] && grep -qF "$want_argv" "$KERNEL_JSON"; then
  say "tslab kernel (with comms) already registered in kernel/jupyter"
elif [ "$CHECK" = 1 ]; then
  say "tslab kernel (with comms) not registered in kernel/jupyter"; exit 1
else
  rm -rf "$PREFIX/share/jupyter/kernels/tslab" "$PREFIX/share/jupyter/kernels/jslab"
  node "$KERNEL_MAIN" install --prefix "$PREFIX" --name tslab >/dev/null
  [ -f "$KERNEL_JSON" ] || { say "kernel install did not create $KERNEL_JSON"; exit 1; }
  say "registered the tslab kernel with comms in kernel/jupyter (JUPYTER_PATH=$PREFIX/share/jupyter)"
fi

# --- 3. self-link so notebooks can import the package by name --------------------------------
LINK="$ROOT/node_modules/failure-directions"
if [ -L "$ROOT/node_modules" ]; then
  # A relative link inside a symlinked node_modules would resolve against the link target's
  # directory (another checkout), so notebooks would silently import that checkout's code.
  say "node_modules is a symlink to $(readlink -f "$ROOT/node_modules"); make it a real install"
  say "(rm node_modules && npm ci) so node_modules/failure-directions can point at this checkout"
  exit 1
fi
if [ -L "$LINK" ] && [ "$(readlink -f "$LINK")" = "$ROOT" ]; then
  say "node_modules/failure-directions -> repo root already linked"
elif [ "$CHECK" = 1 ]; then
  say "node_modules/failure-directions link missing"; exit 1
else
  if [ -e "$LINK" ] || [ -L "$LINK" ]; then rm -rf "$LINK"; fi
  ln -s .. "$LINK"
  say "linked node_modules/failure-directions -> repo root"
fi
