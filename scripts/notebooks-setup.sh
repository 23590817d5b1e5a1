#!/usr/bin/env bash
# Registers the tslab TypeScript kernel for this workspace (under .jupyter-prefix/, not in
# your home folder), through a launcher that starts tslab from the repository root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

find_python_with_jupyter() {
  # a pyenv python3 first on PATH often lacks Jupyter; Debian's /usr/bin/python3 has it
  for py in /usr/bin/python3 "$(command -v python3 || true)"; do
    [ -n "$py" ] && [ -x "$py" ] || continue
    if "$py" -c 'import jupyter_client, nbconvert, nbclient' >/dev/null 2>&1; then echo "$py"; return 0; fi
  done
  return 1
}

if ! py="$(find_python_with_jupyter)"; then
  cat >&2 <<'MSG'
notebooks:setup: no Python with Jupyter (jupyter_client, nbconvert, nbclient) was found.
Install it, then run `npm run notebooks:setup` again:
  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends jupyter-notebook jupyter-nbconvert \
                    jupyter-client python3-nbclient python3-ipykernel
  pip:            python3 -m pip install notebook nbconvert nbclient
MSG
  exit 1
fi
if [ ! -x node_modules/.bin/tslab ]; then
  echo "notebooks:setup: node_modules/.bin/tslab is missing; run npm ci first" >&2
  exit 1
fi
rm -rf .jupyter-prefix
node_modules/.bin/tslab install --binary="$root/scripts/tslab-kernel.sh" --prefix="$root/.jupyter-prefix" --python="$py" >/dev/null
echo "registered the tslab kernel under $root/.jupyter-prefix (python: $py)"
echo "use it with: JUPYTER_PATH=$root/.jupyter-prefix/share/jupyter jupyter notebook"
