// The paper's Figure 4: UMAP (umap-js, src/eval/umap.ts) of z^L, z^A, z^V, z^S on the test clips,
// one map per cell of a sweep (NC, OC, MIM for a constraint sweep), the four latents of a run
// embedded together so that their clouds can be compared (src/train/sweep-figures.ts):
//   node --import tsx scripts/umap-latents.ts --sweep runs/sweeps/constraint-synthetic --seed 0 --out results/fig4_umap
// Writes <out>.csv (method,latent,clip,x,y), <out>.svg and <out>.png (src/viz/umap.ts). Each map
// is seeded by --seed (also the run seed it reads).
import { initBackend } from '../src/backend';
import { csvField } from '../src/train/records';
import { latentMapsOfSweep } from '../src/train/sweep-figures';
import { writeFileAtomic } from '../src/util/files';
import { latentUmapSpec } from '../src/viz/umap';
import { runScript, scriptArg, writeFigure } from './script-io';

async function main(): Promise<void> {
  const [sweep, out, seed] = [scriptArg('sweep'), scriptArg('out'), Number(scriptArg('seed', '0'))];
  await initBackend();
  const { data, points } = await latentMapsOfSweep(sweep, seed, (l) => process.stderr.write(`${l}\n`));
  const r4 = (x: number): string => x.toFixed(4);
  writeFileAtomic(`${out}.csv`, ['method,latent,clip,x,y', ...points.map((p) => [p.method, p.latent, p.clip, r4(p.x), r4(p.y)].map(csvField).join(','))].join('\n') + '\n');
  const spec = latentUmapSpec(points, `UMAP of the latents of ${data} test clips (run seed ${seed})`);
  await writeFigure(out, spec);
  process.stdout.write(`wrote ${out}.csv, ${out}.svg, ${out}.png\n`);
}

runScript('umap-latents', main);
