#!/usr/bin/env bash
# Kernel launcher for Jupyter: tslab compiles with the kernel's working directory as its
# TypeScript root, and nbconvert starts kernels in the notebook's folder, so `../src/...`
# imports fail ("not under rootDir"). Start tslab from the repository root instead; notebooks
# then import `./src/...`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export MIRD_ROOT="$root"
exec "$root/node_modules/.bin/tslab" "$@"
