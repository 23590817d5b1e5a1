#!/bin/bash
# usage: nbdebug.sh notebook.ipynb  -> executes with --allow-errors and prints outputs
cd "$(dirname "$0")/.."
JUPYTER_PATH=$PWD/.jupyter-prefix/share/jupyter MIRD_QUICK=1 MIRD_QUIET=1 /usr/bin/python3 -m nbconvert --to notebook --execute --allow-errors --ExecutePreprocessor.kernel_name=tslab --ExecutePreprocessor.timeout=1800 --output-dir /tmp/nbdebug "$1" >/dev/null 2>&1
/usr/bin/python3 -c "
import json,sys; nb=json.load(open('/tmp/nbdebug/'+sys.argv[1].split('/')[-1]))
for i,c in enumerate(nb['cells']):
  for o in c.get('outputs',[]):
    print(i, o.get('output_type'), list(o.get('data',{}).keys()), (''.join(o.get('text','')) or o.get('evalue',''))[:600])" "$1"
