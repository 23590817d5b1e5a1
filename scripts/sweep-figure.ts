// A figure from sweep summaries: one test metric (mean ± sample sd over seeds) against one swept
// numeric setting, a line per named cell (and per sweep when several are given as label=folder):
//   node --import tsx scripts/sweep-figure.ts --sweep runs/sweeps/split-rate-synthetic --x splitRate \
//     --metric acc2_non0 --out results/fig6_split_rate
//   node --import tsx scripts/sweep-figure.ts --sweep synthetic=runs/sweeps/mim-variants-synthetic \
//     --sweep MOSI=runs/sweeps/alpha-mosi --x alpha --metric acc2_non0 --log --out results/fig7_alpha
// Writes <out>.svg and <out>.png (src/viz/sweep.ts) and <out>.csv (the plotted points).
import { basename, join } from 'node:path';
import { readCsv } from '../src/data/csv';
import { sweepLineSpec, type SweepPoint } from '../src/viz/sweep';
import { writeFileAtomic } from '../src/util/files';
import { runScript, scriptArg, writeFigure } from './script-io';

function pointsOf(dir: string, label: string | null, xKey: string, metric: string): SweepPoint[] {
  const t = readCsv(join(dir, 'summary.csv'));
  const col = (name: string): number => {
    const i = t.header.indexOf(name);
    if (i < 0) throw new Error(`${t.file}: no column ${name} (columns: ${t.header.join(', ')})`);
    return i;
  };
  const [xi, mi, si, spl] = [col(xKey), col(`${metric}_mean`), col(`${metric}_sd`), col('split')];
  const ni = t.header.indexOf('name');
  const points = t.rows.filter((r) => r[spl] === 'test').map((r) => {
    const name = ni >= 0 ? (r[ni] as string) : null;
    const series = label === null ? name ?? metric : name === null ? label : `${label}: ${name}`;
    return { series, x: Number(r[xi]), mean: Number(r[mi]), sd: Number(r[si]) };
  });
  if (points.some((p) => !Number.isFinite(p.x))) throw new Error(`${t.file}: --x ${xKey} is not numeric in every row`);
  return points;
}

async function main(): Promise<void> {
  const sweeps = process.argv.flatMap((a, i, all) => (all[i - 1] === '--sweep' ? [a] : []));
  const [xKey, metric, out] = [scriptArg('x'), scriptArg('metric'), scriptArg('out')];
  if (sweeps.length === 0) scriptArg('sweep'); // names the missing flag
  const labelled = sweeps.map((s) => (/^[^=/]+=/.test(s) ? { label: s.slice(0, s.indexOf('=')), dir: s.slice(s.indexOf('=') + 1) } : { label: null, dir: s }));
  if (labelled.length > 1 && labelled.some((s) => s.label === null)) throw new Error('several --sweep: give each as label=folder');
  const points = labelled.flatMap((s) => pointsOf(s.dir, s.label, xKey, metric));
  const names = labelled.map((s) => basename(s.dir)).join(', ');
  const spec = sweepLineSpec(points, { xTitle: xKey, yTitle: `test ${metric} (mean ± sd over seeds)`, title: `${metric} against ${xKey} (${names})`, logX: process.argv.includes('--log') });
  writeFileAtomic(`${out}.csv`, ['series,x,mean,sd', ...points.map((p) => [p.series, p.x, p.mean, p.sd].join(','))].join('\n') + '\n');
  await writeFigure(out, spec);
  process.stdout.write(`wrote ${out}.svg, ${out}.png, ${out}.csv\n`);
}

runScript('sweep-figure', main);
