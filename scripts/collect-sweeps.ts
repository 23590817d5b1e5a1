// One results table from the summaries of several sweeps (their summary.csv, test rows), with
// a `data` column naming each sweep, e.g. the paper's Table 5 on two datasets:
//   node --import tsx scripts/collect-sweeps.ts --out results/table5.csv \
//     synthetic=runs/sweeps/constraint-synthetic mosi=runs/sweeps/constraint-mosi
// Columns: data, then the sweep summary's (cell, grid keys, split = test, n, each metric's mean,
// sample sd and standing against the best cell of the same sweep). Each sweep's spec.json and its
// per-seed rows (runs.csv) are copied beside the table as <out without .csv>.<name>.spec.json and
// .<name>.runs.csv, so the table says what made it and keeps every run's metrics.
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../src/data/csv';
import { csvField } from '../src/train/records';
import { writeFileAtomic } from '../src/util/files';

function main(): void {
  const outIdx = process.argv.indexOf('--out');
  const out = outIdx >= 0 ? process.argv[outIdx + 1] : undefined;
  const pairs = process.argv.slice(2).filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out');
  if (out === undefined || pairs.length === 0 || pairs.some((p) => !/^[A-Za-z0-9_-]+=.+/.test(p))) {
    throw new Error('usage: collect-sweeps.ts --out <table.csv> <name>=<sweep folder> ...');
  }
  let header: string[] | null = null;
  const lines: string[] = [];
  for (const p of pairs) {
    const [name, dir] = [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)];
    const file = join(dir, 'summary.csv');
    if (!existsSync(file)) throw new Error(`${file}: no sweep summary (run mird sweep first)`);
    const t = readCsv(file);
    const split = t.header.indexOf('split');
    // grid columns may differ between sweeps only in name order; the tables here share them
    if (header === null) header = t.header;
    else if (header.join(',') !== t.header.join(',')) throw new Error(`${file}: columns differ from the first sweep's (${t.header.join(',')} vs ${header.join(',')})`);
    for (const row of t.rows) if (row[split] === 'test') lines.push([name, ...row].map(csvField).join(','));
    copyFileSync(join(dir, 'spec.json'), `${out.replace(/\.csv$/, '')}.${name}.spec.json`);
    copyFileSync(join(dir, 'runs.csv'), `${out.replace(/\.csv$/, '')}.${name}.runs.csv`);
  }
  writeFileAtomic(out, [['data', ...(header as string[])].join(','), ...lines].join('\n') + '\n');
  process.stdout.write(`wrote ${out} (${lines.length} rows)\n`);
}

main();
