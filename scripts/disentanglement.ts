// Measured disentanglement of the runs of a sweep on the synthetic benchmark (each cell one
// "method": constraint=nc|oc|mim cells are labelled NC / OC / MIM, any other cell by its folder):
//   node --import tsx scripts/disentanglement.ts --sweep runs/sweeps/constraint-synthetic --out results/disentanglement
// For every finished run (each cell and seed): the selected checkpoint's
// latents on train / valid / test, the latent × factor ridge-probe matrix (R² on test, α chosen on
// valid), the KSG estimate of I(z_a; z_b) for the six latent pairs on test clips, and the run's
// last-epoch CLUB estimates where it trained estimators (MIM). Writes:
//   <out>.csv          method,latent,factor,r2_mean,r2_std           (mean and sample sd over seeds)
//   <out>_mi.csv       method,pair,ksg_mean,ksg_std,club_mean,club_std (nats; CLUB only for MIM)
//   <out>_seeds.csv    the same per seed
//   <out>_directions.csv  method,latent,k,variance_fraction_mean,r2_s_mean,r2_s_std: the probe of s
//                      from the top-k principal directions of z^A and z^V (where s sits in them)
//   <out>.svg / .png   the heatmap (src/viz/disentanglement.ts)
import { initBackend } from '../src/backend';
import { ksgMutualInformation, LATENT_NAMES, principalDirectionR2, probeMatrix, type LatentName, type ProbeSplitData } from '../src/eval/disentanglement';
import { loadRun } from '../src/train/run';
import { factorsOfClips, latentsOfClips } from '../src/train/latents';
import { RunDir } from '../src/train/records';
import { finishedSweepRuns } from '../src/train/sweep';
import { disentanglementHeatmapSpec } from '../src/viz/disentanglement';
import { writeFileAtomic } from '../src/util/files';
import { meanSd } from '../src/util/stats';
import { runScript, scriptArg, writeFigure } from './script-io';

const ORDER = ['NC', 'OC', 'MIM'];
const PAIRS: Array<[LatentName, LatentName, string]> = [
  ['zText', 'zAudio', 'text-audio'], ['zText', 'zVisual', 'text-visual'], ['zAudio', 'zVisual', 'audio-visual'],
  ['zShared', 'zText', 'shared-text'], ['zShared', 'zAudio', 'shared-audio'], ['zShared', 'zVisual', 'shared-visual'],
];

const mean = (xs: number[]): number => meanSd(xs).mean;
const sd = (xs: number[]): number => meanSd(xs, NaN).sd;
const r4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : '');

async function main(): Promise<void> {
  const sweep = scriptArg('sweep');
  const out = scriptArg('out');
  await initBackend();
  const perSeed: Array<{ method: string; seed: number; latent: string; factor: string; r2: number }> = [];
  const miSeed: Array<{ method: string; seed: number; pair: string; ksg: number; club: number | null }> = [];
  const dirSeed: Array<{ method: string; seed: number; latent: string; k: number; share: number; r2: number }> = [];
  for (const { label: method, seed, dir } of finishedSweepRuns(sweep)) {
    const run = await loadRun(dir);
    try {
      const ds = run.prepared.data.dataset;
      const bs = run.prepared.resolved.train.evalBatchSize;
      const split = (name: 'train' | 'valid' | 'test'): ProbeSplitData => ({
        latents: latentsOfClips(run.model, ds.splits[name], run.prepared.data, bs),
        factors: factorsOfClips(ds.splits[name], `${ds.name} ${name}`),
      });
      const [train, valid, test] = [split('train'), split('valid'), split('test')];
      for (const c of probeMatrix(train, valid, test)) perSeed.push({ method, seed, latent: c.latent, factor: c.factor, r2: c.r2 });
      const log = RunDir.open(dir).readLog();
      const last = log[log.length - 1] as { mi?: Record<string, number> } | undefined;
      for (const latent of ['zAudio', 'zVisual'] as const) {
        const d = (train.latents[latent][0] as Float64Array).length;
        const ks = [...new Set([1, 2, 4, 8, 16, 32, 64].filter((k) => k < d).concat([d]))];
        for (const c of principalDirectionR2({ x: train.latents[latent], y: train.factors.s }, { x: test.latents[latent], y: test.factors.s }, ks)) {
          dirSeed.push({ method, seed, latent, k: c.k, share: c.varianceFraction, r2: c.r2 });
        }
      }
      for (const [a, b, pair] of PAIRS) miSeed.push({ method, seed, pair, ksg: ksgMutualInformation(test.latents[a], test.latents[b], 3), club: last?.mi?.[pair] ?? null });
      process.stderr.write(`${method} seed ${seed}: probes and MI done\n`);
    } finally {
      run.model.dispose();
    }
  }
  if (perSeed.length === 0) throw new Error(`${sweep}: no finished runs`);
  const seen = [...new Set(perSeed.map((r) => r.method))];
  const methods = [...ORDER.filter((m) => seen.includes(m)), ...seen.filter((m) => !ORDER.includes(m))];
  const rows = methods.flatMap((method) => LATENT_NAMES.flatMap((latent) => ['s', 'pL', 'pA', 'pV'].map((factor) => {
    const xs = perSeed.filter((r) => r.method === method && r.latent === latent && r.factor === factor).map((r) => r.r2);
    return { method, latent, factor, r2_mean: mean(xs), r2_std: sd(xs) };
  })));
  writeFileAtomic(`${out}.csv`, ['method,latent,factor,r2_mean,r2_std', ...rows.map((r) => [r.method, r.latent, r.factor, r4(r.r2_mean), r4(r.r2_std)].join(','))].join('\n') + '\n');
  writeFileAtomic(`${out}_seeds.csv`, ['method,seed,latent,factor,r2', ...perSeed.map((r) => [r.method, r.seed, r.latent, r.factor, r4(r.r2)].join(','))].join('\n') + '\n');
  const miRows = methods.flatMap((method) => PAIRS.map(([, , pair]) => {
    const ms = miSeed.filter((r) => r.method === method && r.pair === pair);
    const clubs = ms.map((r) => r.club).filter((c): c is number => c !== null);
    return [method, pair, r4(mean(ms.map((r) => r.ksg))), r4(sd(ms.map((r) => r.ksg))), clubs.length > 0 ? r4(mean(clubs)) : '', clubs.length > 0 ? r4(sd(clubs)) : ''].join(',');
  }));
  writeFileAtomic(`${out}_mi.csv`, ['method,pair,ksg_mean,ksg_std,club_mean,club_std', ...miRows].join('\n') + '\n');
  const dirRows = methods.flatMap((method) => ['zAudio', 'zVisual'].flatMap((latent) => {
    const ks = [...new Set(dirSeed.filter((r) => r.method === method && r.latent === latent).map((r) => r.k))];
    return ks.map((k) => {
      const rs = dirSeed.filter((r) => r.method === method && r.latent === latent && r.k === k);
      return [method, latent, k, r4(mean(rs.map((r) => r.share))), r4(mean(rs.map((r) => r.r2))), r4(sd(rs.map((r) => r.r2)))].join(',');
    });
  }));
  writeFileAtomic(`${out}_directions.csv`, ['method,latent,k,variance_fraction_mean,r2_s_mean,r2_s_std', ...dirRows].join('\n') + '\n');
  const spec = disentanglementHeatmapSpec(rows);
  await writeFigure(out, spec);
  process.stdout.write(`wrote ${out}.csv, ${out}_mi.csv, ${out}_seeds.csv, ${out}_directions.csv, ${out}.svg, ${out}.png\n`);
}

runScript('disentanglement', main);
