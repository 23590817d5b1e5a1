#!/usr/bin/env bash
# Executes every notebook headless in quick mode (MIRD_QUICK=1) into a temporary folder and
# fails on the first cell error. The committed notebooks are never rewritten.
#   npm run notebooks:run                  # all notebooks
#   npm run notebooks:run -- notebooks/03_club_derivation.ipynb
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -d .jupyter-prefix/share/jupyter/kernels ]; then bash scripts/notebooks-setup.sh; fi
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import nbconvert' >/dev/null 2>&1 || py="$(command -v python3)"
out="$(mktemp -d "${TMPDIR:-/tmp}/mird-notebooks.XXXXXX")"
export JUPYTER_PATH="$root/.jupyter-prefix/share/jupyter"
export MIRD_QUICK="${MIRD_QUICK:-1}"
export MIRD_QUIET="${MIRD_QUIET:-1}"
if [ "$#" -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/*.ipynb); fi
failed=0
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb")"
  start=$(date +%s)
  if "$py" -m nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=tslab \
      --ExecutePreprocessor.timeout=1800 --output-dir "$out" "$nb" >"$out/$name.log" 2>&1; then
    echo "notebook ok    $name ($(( $(date +%s) - start )) s)"
  else
    echo "notebook FAIL  $name ($(( $(date +%s) - start )) s); nbconvert said:" >&2
    tail -n 40 "$out/$name.log" >&2
    failed=$((failed + 1))
  fi
done
echo "executed notebooks are in $out"
if [ "$failed" -gt 0 ]; then echo "$failed notebook(s) failed" >&2; exit 1; fi
