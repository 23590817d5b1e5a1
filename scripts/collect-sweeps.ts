// One results table from several sweeps, with a `data` column naming each group, e.g. the
// paper's Table 5 on two datasets (every cell of each sweep, from its summary.csv):
//   node --import tsx scripts/collect-sweeps.ts --out results/table5.csv \
//     synthetic=runs/sweeps/constraint-synthetic mosi=runs/sweeps/constraint-mosi
// or chosen cells of several sweeps under row labels (`--rows`), e.g. Table 4, whose "full" and
// "−unlabeled" rows are cells of the split-rate sweep:
//   node --import tsx scripts/collect-sweeps.ts --rows --out results/table4.csv \
//     synthetic=runs/sweeps/split-rate-synthetic@splitRate=2:full,splitRate=0:no-unlabeled \
//     synthetic=runs/sweeps/ablations-synthetic  mosi=runs/sweeps/ablations-mosi
// A cell is named by its folder (`cell` column of the sweep's runs.csv); `@cell:label,...` keeps
// those cells under those labels, in that order; without `@`, every cell under its own name.
// Columns: whole sweeps: data, then the sweep summary's (cell, grid keys, split = test, n, each
// metric's mean, sample sd and standing against the best cell of the same sweep). --rows: data,
// row, sweep, cell, split = test, n, each metric's mean, sd and standing against the best row of
// the same data group, recomputed from the per-seed rows (src/train/sweep.ts summarizeSweep).
// Each sweep's spec.json and its per-seed rows (runs.csv) are copied beside the table as
// <out without .csv>.<name>.spec.json and .<name>.runs.csv (name: the group, or with --rows the
// sweep folder's name), so the table says what made it and keeps every run's metrics.
import { copyFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readCsv } from '../src/data/csv';
import { csvField } from '../src/train/records';
import { SWEEP_METRICS, summarizeSweep, type RunMetrics } from '../src/train/sweep';
import { writeFileAtomic } from '../src/util/files';
import { runScript } from './script-io';
import type { MetricRecord } from '../src/train/records';

interface Source {
  group: string;
  dir: string;
  /** [cell, label] in order, or null for every cell */
  pick: Array<[string, string]> | null;
}

function parseSource(arg: string): Source {
  const m = /^([A-Za-z0-9_-]+)=([^@]+)(?:@(.+))?$/.exec(arg);
  if (m === null) throw new Error(`"${arg}": expected <group>=<sweep folder>[@<cell>:<label>,...]`);
  const pick = m[3] === undefined ? null : m[3].split(',').map((p): [string, string] => {
    const i = p.lastIndexOf(':');
    if (i <= 0 || i === p.length - 1) throw new Error(`"${p}" in "${arg}": expected <cell>:<label>`);
    return [p.slice(0, i), p.slice(i + 1)];
  });
  return { group: m[1] as string, dir: m[2] as string, pick };
}

function copyRecords(dir: string, out: string, name: string): void {
  for (const f of ['spec.json', 'runs.csv']) {
    if (!existsSync(join(dir, f))) throw new Error(`${join(dir, f)}: missing (run mird sweep first)`);
    copyFileSync(join(dir, f), `${out.replace(/\.csv$/, '')}.${name}.${f}`);
  }
}

/** Whole sweeps, each from its summary.csv. */
function wholeSweeps(sources: Source[], out: string): number {
  let header: string[] | null = null;
  const lines: string[] = [];
  for (const { group, dir } of sources) {
    const file = join(dir, 'summary.csv');
    if (!existsSync(file)) throw new Error(`${file}: no sweep summary (run mird sweep first)`);
    const t = readCsv(file);
    const split = t.header.indexOf('split');
    // grid columns may differ between sweeps only in name order; the tables here share them
    if (header === null) header = t.header;
    else if (header.join(',') !== t.header.join(',')) throw new Error(`${file}: columns differ from the first sweep's (${t.header.join(',')} vs ${header.join(',')})`);
    for (const row of t.rows) if (row[split] === 'test') lines.push([group, ...row].map(csvField).join(','));
    copyRecords(dir, out, group);
  }
  writeFileAtomic(out, [['data', ...(header as string[])].join(','), ...lines].join('\n') + '\n');
  return lines.length;
}

/** Chosen cells under row labels, standings recomputed per data group. */
async function chosenRows(sources: Source[], out: string): Promise<number> {
  const groups = [...new Set(sources.map((s) => s.group))];
  const origin = new Map<string, { sweep: string; cell: string }>(); // `${group}\t${label}` → where the row comes from
  const byGroup = new Map<string, RunMetrics[]>(groups.map((g) => [g, []]));
  for (const src of sources) {
    const t = readCsv(join(src.dir, 'runs.csv'));
    const col = (n: string): number => {
      const i = t.header.indexOf(n);
      if (i < 0) throw new Error(`${t.file}: no column ${n}`);
      return i;
    };
    const [ci, si, spi] = [col('cell'), col('seed'), col('split')];
    const cells = [...new Set(t.rows.map((r) => r[ci] as string))];
    const pick = src.pick ?? cells.map((c): [string, string] => [c, c]);
    for (const [cell, label] of pick) {
      if (!cells.includes(cell)) throw new Error(`${t.file}: no cell "${cell}" (cells: ${cells.join(', ')})`);
      const key = `${src.group}\t${label}`;
      if (origin.has(key)) throw new Error(`row "${label}" of ${src.group} is chosen twice`);
      origin.set(key, { sweep: basename(src.dir), cell });
      for (const r of t.rows.filter((row) => row[ci] === cell)) {
        const metrics = Object.fromEntries(SWEEP_METRICS.map((m) => [m, Number(r[col(m)])])) as unknown as MetricRecord;
        (byGroup.get(src.group) as RunMetrics[]).push({ cell: label, grid: {}, seed: Number(r[si]), split: r[spi] as 'valid' | 'test', metrics });
      }
    }
    copyRecords(src.dir, out, basename(src.dir));
  }
  const lines: string[] = [];
  for (const g of groups) {
    for (const l of (await summarizeSweep(byGroup.get(g) as RunMetrics[])).filter((x) => x.split === 'test')) {
      const o = origin.get(`${g}\t${l.cell}`) as { sweep: string; cell: string };
      lines.push([g, l.cell, o.sweep, o.cell, l.split, String(l.n), ...SWEEP_METRICS.flatMap((m) => [String(l.mean[m]), String(l.sd[m]), l.vsBest[m] ?? ''])].map(csvField).join(','));
    }
  }
  const header = ['data', 'row', 'sweep', 'cell', 'split', 'n', ...SWEEP_METRICS.flatMap((m) => [`${m}_mean`, `${m}_sd`, `${m}_vs_best`])];
  writeFileAtomic(out, [header.join(','), ...lines].join('\n') + '\n');
  return lines.length;
}

async function main(): Promise<void> {
  const outIdx = process.argv.indexOf('--out');
  const out = outIdx >= 0 ? process.argv[outIdx + 1] : undefined;
  const rest = process.argv.slice(2).filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out' && a !== '--rows');
  if (out === undefined || rest.length === 0) throw new Error('usage: collect-sweeps.ts [--rows] --out <table.csv> <group>=<sweep folder>[@<cell>:<label>,...] ...');
  const sources = rest.map(parseSource);
  const rows = process.argv.includes('--rows');
  if (!rows && sources.some((s) => s.pick !== null)) throw new Error('choosing cells (@cell:label) needs --rows');
  const n = rows ? await chosenRows(sources, out) : wholeSweeps(sources, out);
  process.stdout.write(`wrote ${out} (${n} rows)\n`);
}

runScript('collect-sweeps', main);
