// The paper's Figure 5: the raw summed MI estimate (Σ CLUB over the active pairs, the training
// mean of each epoch, never clamped) per epoch, with and without unlabeled clips — mean ± sample
// sd over the seeds of chosen cells of a sweep (a seed that stopped early counts up to its last
// epoch; n per point is in the CSV):
//   node --import tsx scripts/mi-per-epoch.ts --sweep runs/sweeps/split-rate-synthetic \
//     --cells "splitRate=0:without unlabeled clips (splitRate 0),splitRate=2:with unlabeled clips (splitRate 2)" \
//     --out results/fig5_mi
// Writes <out>.csv (series,epoch,n,mean,sd), <out>.svg and <out>.png (src/viz/sweep.ts).
import { writeFileSync } from 'node:fs';
import { csvField, RunDir } from '../src/train/records';
import { finishedSweepRuns } from '../src/train/sweep';
import { writeFileAtomic } from '../src/util/files';
import { meanSd } from '../src/util/stats';
import { renderPng, renderSvg } from '../src/viz/render';
import { sweepLineSpec, type SweepPoint } from '../src/viz/sweep';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`give --${name} (see the header of scripts/mi-per-epoch.ts)`);
  return v;
}

async function main(): Promise<void> {
  const [sweep, out] = [arg('sweep'), arg('out')];
  const cells = arg('cells').split(',').map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)] as const);
  const runs = finishedSweepRuns(sweep);
  const points: Array<SweepPoint & { n: number }> = [];
  for (const [cell, series] of cells) {
    const mine = runs.filter((r) => r.cell === cell);
    if (mine.length === 0) throw new Error(`${sweep}: no finished run of cell "${cell}" (cells: ${[...new Set(runs.map((r) => r.cell))].join(', ')})`);
    const byEpoch = new Map<number, number[]>();
    for (const r of mine) {
      for (const e of RunDir.open(r.dir).readLog()) {
        if (e.miSum === null) throw new Error(`${r.dir}: epoch ${e.epoch} has no MI estimate (constraint is not mim)`);
        byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), e.miSum]);
      }
    }
    for (const [epoch, xs] of [...byEpoch].sort((a, b) => a[0] - b[0])) {
      const { mean, sd } = meanSd(xs, NaN);
      points.push({ series, x: epoch, mean, sd, n: xs.length });
    }
  }
  writeFileAtomic(`${out}.csv`, ['series,epoch,n,mean,sd', ...points.map((p) => [p.series, p.x, p.n, p.mean.toFixed(5), Number.isFinite(p.sd) ? p.sd.toFixed(5) : ''].map((v) => csvField(String(v))).join(','))].join('\n') + '\n');
  const spec = sweepLineSpec(points.map((p) => ({ ...p, sd: Number.isFinite(p.sd) ? p.sd : 0 })), { xTitle: 'epoch', yTitle: 'Σ CLUB estimate, nats (mean ± sd over seeds)', title: `Raw summed MI estimate per epoch (${sweep.split('/').pop()})` });
  writeFileAtomic(`${out}.svg`, await renderSvg(spec));
  writeFileSync(`${out}.png`, await renderPng(spec));
  process.stdout.write(`wrote ${out}.csv, ${out}.svg, ${out}.png\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`mi-per-epoch: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
