// The paper's Figure 8: three test clips, their transcripts, ground truth and the predictions of
// each cell of a sweep (MIM, OC and NC of the constraint sweep) for one seed:
//   node --import tsx scripts/cases.ts --sweep runs/sweeps/constraint-mosi --seed 0 --out results/fig8_cases
// The paper shows clips where MIM is right; here the three clips are chosen by a rule stated in
// the CSV, not by eye: the clip where the first cell named MIM beats the best other cell by the
// most (absolute error), the clip where it loses by the most, and the clip whose mean absolute
// error over all cells is the median of the test split (a typical clip).
// Writes <out>.csv (case,clip,text,source,value,abs_error), <out>.svg and <out>.png (src/viz/cases.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../src/data/csv';
import { openSource } from '../src/data/sources';
import { csvField } from '../src/train/records';
import { finishedSweepRuns } from '../src/train/sweep';
import { writeFileAtomic } from '../src/util/files';
import { casesSpec, type CaseRow } from '../src/viz/cases';
import { renderPng, renderSvg } from '../src/viz/render';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`give --${name} (see the header of scripts/cases.ts)`);
  return v;
}

async function main(): Promise<void> {
  const [sweep, out, seed, focus] = [arg('sweep'), arg('out'), Number(arg('seed', '0')), arg('method', 'MIM')];
  const runs = finishedSweepRuns(sweep).filter((r) => r.seed === seed);
  if (!runs.some((r) => r.label === focus)) throw new Error(`${sweep}: no finished ${focus} run of seed ${seed} (cells: ${runs.map((r) => r.label).join(', ')})`);
  const config = JSON.parse(readFileSync(join((runs[0] as (typeof runs)[number]).dir, 'config.json'), 'utf8')) as { resolved?: { data?: string } };
  const labels = new Map<string, number>();
  const preds = new Map<string, Map<string, number>>(); // method → clip → prediction
  for (const r of runs) {
    const t = readCsv(join(r.dir, 'predictions.csv'));
    const [ii, li, pi] = ['id', 'label', 'prediction'].map((c) => t.header.indexOf(c)) as [number, number, number];
    const m = new Map<string, number>();
    for (const row of t.rows) {
      m.set(row[ii] as string, Number(row[pi]));
      labels.set(row[ii] as string, Number(row[li]));
    }
    preds.set(r.label, m);
  }
  const methods = [...preds.keys()];
  const others = methods.filter((m) => m !== focus);
  const ids = [...labels.keys()].filter((id) => methods.every((m) => preds.get(m)?.has(id)));
  const err = (m: string, id: string): number => Math.abs((preds.get(m)?.get(id) as number) - (labels.get(id) as number));
  const margin = (id: string): number => Math.min(...others.map((m) => err(m, id))) - err(focus, id); // > 0: the focus method wins
  const byMargin = [...ids].sort((a, b) => margin(b) - margin(a));
  const byMean = [...ids].sort((a, b) => methods.reduce((s, m) => s + err(m, a), 0) - methods.reduce((s, m) => s + err(m, b), 0));
  const chosen: Array<[string, string]> = [
    [`${focus} wins most`, byMargin[0] as string],
    [`${focus} loses most`, byMargin[byMargin.length - 1] as string],
    ['median clip (mean error of all methods)', byMean[Math.floor(byMean.length / 2)] as string],
  ];
  const source = config.resolved?.data;
  if (source === undefined) throw new Error(`${runs[0]?.dir}/config.json: no resolved data source`);
  const ds = openSource(source);
  const textOf = new Map([...ds.splits.train, ...ds.splits.valid, ...ds.splits.test].map((c) => [c.id, c.text]));
  const rows: Array<CaseRow & { case: string; abs_error: number | '' }> = [];
  for (const [kind, id] of chosen) {
    const text = textOf.get(id) ?? '';
    rows.push({ case: kind, clip: id, text, source: 'ground truth', value: labels.get(id) as number, abs_error: '' });
    for (const m of methods) rows.push({ case: kind, clip: id, text, source: m, value: preds.get(m)?.get(id) as number, abs_error: err(m, id) });
  }
  writeFileAtomic(`${out}.csv`, ['case,clip,text,source,value,abs_error', ...rows.map((r) => [r.case, r.clip, r.text, r.source, r.value.toFixed(4), r.abs_error === '' ? '' : r.abs_error.toFixed(4)].map((v) => csvField(String(v))).join(','))].join('\n') + '\n');
  const spec = casesSpec(rows, `${ds.name} test clips (run seed ${seed}): ground truth and predictions`);
  writeFileAtomic(`${out}.svg`, await renderSvg(spec));
  writeFileSync(`${out}.png`, await renderPng(spec));
  process.stdout.write(`wrote ${out}.csv, ${out}.svg, ${out}.png\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`cases: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
