#!/usr/bin/env bash
# The Python peers that the benchmarks (npm run bench:svm, bench:features) measure against and that
# the fixture generators (bench/svm/make_fixtures.py) run: scikit-learn, PyTorch, torchvision and
# NumPy from Debian, used through /usr/bin/python3 (not a pyenv/conda python on PATH).
#
#   npm run setup:peers                  install what is missing (as root on Debian, with apt);
#                                        otherwise print the exact command to run, and exit 1
#   bash scripts/setup-peers.sh --check  only report (exit 1 if anything is missing, with the command)
#   --need sklearn,numpy                 only these modules (default: sklearn,torch,torchvision,numpy)
#   --python PATH                        the interpreter to check (default /usr/bin/python3)
#
# Debian 12 gives scikit-learn 1.2, torch 1.13, torchvision 0.14 (about 1 GB with torch). The npm
# tests need none of this; only benchmarks and fixture regeneration do.
set -euo pipefail

PY=/usr/bin/python3
NEED="sklearn,torch,torchvision,numpy"
CHECK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --check) CHECK=1 ;;
    --need) NEED="${2:?--need takes a comma-separated list of modules}"; shift ;;
    --need=*) NEED="${1#--need=}" ;;
    --python) PY="${2:?--python takes a path}"; shift ;;
    --python=*) PY="${1#--python=}" ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "setup-peers: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "[setup-peers] $*"; }
. "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"

package_of() {
  case "$1" in
    sklearn) echo python3-sklearn ;;
    torch) echo python3-torch ;;
    torchvision) echo python3-torchvision ;;
    numpy) echo python3-numpy ;;
    *) echo "setup-peers: unknown module '$1' (known: sklearn, torch, torchvision, numpy)" >&2; exit 2 ;;
  esac
}

# Importing torch starts its thread pools; keep the check light on a shared machine.
py_import() { OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$PY" -c "import $1" >/dev/null 2>&1; }

missing_modules() {
  local out="" m
  for m in ${NEED//,/ }; do
    package_of "$m" >/dev/null
    if ! [ -x "$PY" ] || ! py_import "$m"; then out="$out $m"; fi
  done
  echo "$out" | xargs
}

missing="$(missing_modules)"
if [ -n "$missing" ]; then
  pkgs=""
  [ -x "$PY" ] || pkgs="python3"
  for m in $missing; do pkgs="$pkgs $(package_of "$m")"; done
  pkgs="$(echo "$pkgs" | xargs)"
  apt_install "$pkgs" "$PY cannot import: $missing. Install the Debian packages with: npm run setup:peers (as root), or run:" "$PY cannot import: $missing."
  missing="$(missing_modules)"
  if [ -n "$missing" ]; then say "$PY still cannot import $missing after installing $pkgs"; exit 1; fi
fi

versions="$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$PY" - "$NEED" <<'EOF'
import importlib, sys
names = {"sklearn": "scikit-learn", "torch": "torch", "torchvision": "torchvision", "numpy": "numpy"}
print(", ".join(f"{names[m]} {importlib.import_module(m).__version__}" for m in sys.argv[1].split(",")))
EOF
)"
say "$PY: $versions"
