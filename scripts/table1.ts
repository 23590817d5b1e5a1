// Table 1 (the baselines beside MIRD) from the rows collect-sweeps wrote: adds the published
// MOSI numbers of each system on another protocol (MMSA's reproductions; src/eval/references.ts
// says why they are not comparable and why the MIRD paper's own numbers are absent) as
// separate columns, and draws the figure (test Acc2 non-0, mean ± sd over seeds, the published
// value as a hollow marker). Made by (results/baselines.md):
//   npx mird sweep scripts/sweeps/table1-mosi.json
//   npx mird sweep scripts/sweeps/table1-synthetic.json
//   node --import tsx scripts/collect-sweeps.ts --rows --out results/table1.csv \
//     mosi=runs/sweeps/table1-mosi synthetic=runs/sweeps/table1-synthetic
//   node --import tsx scripts/table1.ts --table results/table1.csv --figure results/table1
import { readCsv } from '../src/data/csv';
import { MMSA_MOSI_RESULTS, MMSA_SOURCE, type PublishedResult } from '../src/eval/references';
import { csvField } from '../src/train/records';
import { readResultsTable } from '../src/train/sweep-tables';
import { writeFileAtomic } from '../src/util/files';
import { systemsSpec } from '../src/viz/baselines';
import { runScript, scriptArg, writeFigure } from './script-io';

const PUBLISHED = ['acc2_non0', 'f1_non0', 'acc2_has0', 'f1_has0', 'mae', 'corr'] as const satisfies ReadonlyArray<keyof PublishedResult>;

/** The published MOSI result of a row's system (rows are named after the system; MIRD's have none here). */
function publishedOf(data: string, row: string): PublishedResult | null {
  return data === 'mosi' ? (MMSA_MOSI_RESULTS[row] ?? null) : null;
}

async function main(): Promise<void> {
  const table = scriptArg('table');
  const figure = scriptArg('figure');
  const t = readCsv(table);
  const di = t.header.indexOf('data');
  const ri = t.header.indexOf('row');
  if (di < 0 || ri < 0) throw new Error(`${table}: expected the columns data and row (collect-sweeps.ts --rows writes them)`);
  const base = t.header.filter((h) => !h.startsWith('published_'));
  const keep = base.map((h) => t.header.indexOf(h));
  const header = [...base, ...PUBLISHED.map((m) => `published_${m}`), 'published_setting', 'published_source'];
  const lines = t.rows.map((r) => {
    const p = publishedOf(r[di] as string, r[ri] as string);
    const pub = p === null ? [...PUBLISHED.map(() => ''), '', ''] : [...PUBLISHED.map((m) => String(p[m])), p.setting, MMSA_SOURCE];
    return [...keep.map((i) => r[i] as string), ...pub].map(csvField).join(',');
  });
  writeFileAtomic(table, [header.join(','), ...lines].join('\n') + '\n');

  const points = readResultsTable(table).map((r) => {
    const p = publishedOf(r.data, r.row);
    return { data: r.data, system: r.row, mean: 100 * r.mean.acc2_non0, sd: 100 * r.sd.acc2_non0, published: p === null ? null : 100 * p.acc2_non0 };
  });
  await writeFigure(figure, systemsSpec(points, {
    title: 'Table 1: test Acc2 (non-0), mean ± sd over seeds 0, 1, 2',
    yTitle: 'Acc2 non-0 (%)',
    publishedLabel: 'published on MOSI by MMSA (another protocol)',
  }));
  process.stdout.write(`wrote ${table} (${lines.length} rows, published columns added) and ${figure}.svg/.png\n`);
}

runScript('table1', main);
