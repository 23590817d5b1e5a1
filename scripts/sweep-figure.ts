// A figure from a sweep's summary: one test metric (mean ± sample sd over seeds) against one
// swept numeric setting, a line per named cell:
//   node --import tsx scripts/sweep-figure.ts --sweep runs/sweeps/mim-variants-synthetic --x alpha \
//     --metric acc2_non0 --out results/fig7_alpha_synthetic [--log]
// Writes <out>.svg and <out>.png (src/viz/sweep.ts) and <out>.csv (the plotted points).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../src/data/csv';
import { sweepLineSpec } from '../src/viz/sweep';
import { renderPng, renderSvg } from '../src/viz/render';
import { writeFileAtomic } from '../src/util/files';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const [sweep, xKey, metric, out] = [arg('sweep'), arg('x'), arg('metric'), arg('out')];
  if (sweep === undefined || xKey === undefined || metric === undefined || out === undefined) throw new Error('usage: sweep-figure.ts --sweep <folder> --x <grid key> --metric <metric> --out <file stem> [--log]');
  const t = readCsv(join(sweep, 'summary.csv'));
  const col = (name: string): number => {
    const i = t.header.indexOf(name);
    if (i < 0) throw new Error(`${t.file}: no column ${name} (columns: ${t.header.join(', ')})`);
    return i;
  };
  const [xi, mi, si, spl] = [col(xKey), col(`${metric}_mean`), col(`${metric}_sd`), col('split')];
  const ni = t.header.indexOf('name');
  const points = t.rows.filter((r) => r[spl] === 'test').map((r) => ({ series: ni >= 0 ? (r[ni] as string) : metric, x: Number(r[xi]), mean: Number(r[mi]), sd: Number(r[si]) }));
  if (points.some((p) => !Number.isFinite(p.x))) throw new Error(`${t.file}: --x ${xKey} is not numeric in every row`);
  const spec = sweepLineSpec(points, { xTitle: xKey, yTitle: `test ${metric} (mean ± sd over seeds)`, title: `${metric} against ${xKey} (${sweep.split('/').pop()})`, logX: process.argv.includes('--log') });
  writeFileAtomic(`${out}.csv`, ['series,x,mean,sd', ...points.map((p) => [p.series, p.x, p.mean, p.sd].join(','))].join('\n') + '\n');
  writeFileAtomic(`${out}.svg`, await renderSvg(spec));
  writeFileSync(`${out}.png`, await renderPng(spec));
  process.stdout.write(`wrote ${out}.svg, ${out}.png, ${out}.csv\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`sweep-figure: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
