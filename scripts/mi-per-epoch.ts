// The paper's Figure 5: the raw summed MI estimate (Σ CLUB over the active pairs, the training
// mean of each epoch, never clamped) per epoch, with and without unlabeled clips — mean ± sample
// sd over the seeds of chosen cells of a sweep (a seed that stopped early counts up to its last
// epoch; n per point is in the CSV; src/train/sweep-figures.ts):
//   node --import tsx scripts/mi-per-epoch.ts --sweep runs/sweeps/split-rate-synthetic \
//     --cells "splitRate=0:without unlabeled clips (splitRate 0),splitRate=2:with unlabeled clips (splitRate 2)" \
//     --out results/fig5_mi
// Writes <out>.csv (series,epoch,n,mean,sd), <out>.svg and <out>.png (src/viz/sweep.ts).
import { csvField } from '../src/train/records';
import { miPerEpochOfSweep } from '../src/train/sweep-figures';
import { writeFileAtomic } from '../src/util/files';
import { sweepLineSpec } from '../src/viz/sweep';
import { runScript, scriptArg, writeFigure } from './script-io';

async function main(): Promise<void> {
  const [sweep, out] = [scriptArg('sweep'), scriptArg('out')];
  const cells = scriptArg('cells').split(',').map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)] as const);
  const points = miPerEpochOfSweep(sweep, cells);
  writeFileAtomic(`${out}.csv`, ['series,epoch,n,mean,sd', ...points.map((p) => [p.series, p.epoch, p.n, p.mean.toFixed(5), Number.isFinite(p.sd) ? p.sd.toFixed(5) : ''].map((v) => csvField(String(v))).join(','))].join('\n') + '\n');
  const spec = sweepLineSpec(points.map((p) => ({ series: p.series, x: p.epoch, mean: p.mean, sd: Number.isFinite(p.sd) ? p.sd : 0 })), { xTitle: 'epoch', yTitle: 'Σ CLUB estimate, nats (mean ± sd over seeds)', title: `Raw summed MI estimate per epoch (${sweep.split('/').pop()})` });
  await writeFigure(out, spec);
  process.stdout.write(`wrote ${out}.csv, ${out}.svg, ${out}.png\n`);
}

runScript('mi-per-epoch', main);
