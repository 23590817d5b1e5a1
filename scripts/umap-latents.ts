// The paper's Figure 4: UMAP (umap-js, src/eval/umap.ts) of z^L, z^A, z^V, z^S on the test clips,
// one map per cell of a sweep (NC, OC, MIM for a constraint sweep), the four latents of a run
// embedded together so that their clouds can be compared:
//   node --import tsx scripts/umap-latents.ts --sweep runs/sweeps/constraint-synthetic --seed 0 --out results/fig4_umap
// Writes <out>.csv (method,latent,clip,x,y), <out>.svg and <out>.png (src/viz/umap.ts). Each map
// is seeded by --seed (also the run seed it reads).
import { writeFileSync } from 'node:fs';
import { initBackend } from '../src/backend';
import { LATENT_NAMES } from '../src/eval/disentanglement';
import { umap2d } from '../src/eval/umap';
import { latentsOfClips } from '../src/train/latents';
import { csvField } from '../src/train/records';
import { loadRun } from '../src/train/run';
import { finishedSweepRuns } from '../src/train/sweep';
import { writeFileAtomic } from '../src/util/files';
import { renderPng, renderSvg } from '../src/viz/render';
import { latentUmapSpec, type UmapPoint } from '../src/viz/umap';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`give --${name} (see the header of scripts/umap-latents.ts)`);
  return v;
}

async function main(): Promise<void> {
  const [sweep, out, seed] = [arg('sweep'), arg('out'), Number(arg('seed', '0'))];
  await initBackend();
  const runs = finishedSweepRuns(sweep).filter((r) => r.seed === seed);
  if (runs.length === 0) throw new Error(`${sweep}: no finished run of seed ${seed}`);
  const points: Array<UmapPoint & { clip: string }> = [];
  let dataName = '';
  for (const r of runs) {
    const run = await loadRun(r.dir);
    try {
      const ds = run.prepared.data.dataset;
      dataName = ds.name;
      const clips = ds.splits.test;
      const lat = latentsOfClips(run.model, clips, run.prepared.data, run.prepared.resolved.train.evalBatchSize);
      const rows = LATENT_NAMES.flatMap((n) => lat[n]);
      const xy = umap2d(rows, { seed });
      LATENT_NAMES.forEach((n, k) => clips.forEach((c, i) => {
        const [x, y] = xy[k * clips.length + i] as [number, number];
        points.push({ method: r.label, latent: n, clip: c.id, x, y });
      }));
      process.stderr.write(`${r.label} seed ${seed}: ${rows.length} latent rows mapped\n`);
    } finally {
      run.model.dispose();
    }
  }
  const r4 = (x: number): string => x.toFixed(4);
  writeFileAtomic(`${out}.csv`, ['method,latent,clip,x,y', ...points.map((p) => [p.method, p.latent, p.clip, r4(p.x), r4(p.y)].map(csvField).join(','))].join('\n') + '\n');
  const spec = latentUmapSpec(points, `UMAP of the latents of ${dataName} test clips (run seed ${seed})`);
  writeFileAtomic(`${out}.svg`, await renderSvg(spec));
  writeFileSync(`${out}.png`, await renderPng(spec));
  process.stdout.write(`wrote ${out}.csv, ${out}.svg, ${out}.png\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`umap-latents: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
