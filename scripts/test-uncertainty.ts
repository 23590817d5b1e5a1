// How much of a test score is the sample of test videos: a video-level bootstrap
// (src/eval/video-bootstrap.ts) of the committed --seeds folders' test predictions, each system
// alone and each against the first (paired, on the same draws).
//
//   node --import tsx scripts/test-uncertainty.ts --out results/main/uncertainty.json \
//     results/main/mird results/main/mird-no-context-hostlr5e-4 results/main/text-host ...
//
// Each folder holds seed-N/predictions.csv (id,label,prediction), as mird train --seeds writes it.
// Prints one line per system and writes the numbers as JSON.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mosiVideoOf } from '../src/data/mosi';
import { videoBootstrap, type SeedPredictions } from '../src/eval/video-bootstrap';
import { RunDir } from '../src/train/records';
import { writeFileAtomic } from '../src/util/files';
import { runScript, scriptArg } from './script-io';

function readSeeds(dir: string): SeedPredictions {
  if (!existsSync(dir)) throw new Error(`${dir}: not found (a folder written by mird train --seeds)`);
  const seeds = readdirSync(dir).filter((d) => /^seed-\d+$/.test(d) && existsSync(join(dir, d, 'predictions.csv'))).sort();
  if (seeds.length === 0) throw new Error(`${dir}: no seed-N/predictions.csv`);
  let ids: string[] | null = null;
  let labels: Float32Array | null = null;
  const predictions: Float32Array[] = [];
  for (const s of seeds) {
    const p = RunDir.open(join(dir, s)).readPredictions();
    if (ids === null) {
      ids = p.ids;
      labels = p.labels;
    } else if (p.ids.join('\n') !== ids.join('\n')) {
      throw new Error(`${join(dir, s, 'predictions.csv')}: other clips or another order than ${join(dir, seeds[0] as string, 'predictions.csv')}`);
    }
    predictions.push(p.predictions);
  }
  return { ids: ids as string[], labels: labels as Float32Array, predictions };
}

async function main(): Promise<void> {
  const out = scriptArg('out');
  const dirs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--out');
  if (dirs.length === 0) throw new Error('give one or more --seeds run folders');
  const systems = dirs.map((d) => ({ dir: d, seeds: readSeeds(d) }));
  const first = systems[0] as { dir: string; seeds: SeedPredictions };
  const rows = systems.map((s, i) => ({
    dir: s.dir,
    seeds: s.seeds.predictions.length,
    ...videoBootstrap(first.seeds, mosiVideoOf, { draws: 2000, seed: 0, ...(i === 0 ? {} : { b: s.seeds }) }),
    ...(i === 0 ? {} : { alone: videoBootstrap(s.seeds, mosiVideoOf, { draws: 2000, seed: 0 }) }),
  }));
  const pct = (x: number): string => (100 * x).toFixed(1);
  for (const r of rows) {
    const alone = 'alone' in r && r.alone !== undefined ? r.alone : r;
    const a = alone.acc2Non0;
    let line = `${r.dir} (${r.seeds} seeds, ${r.videos} videos, ${r.clips} clips): Acc2 ${pct(a.value)} (95 % ${pct(a.low)}–${pct(a.high)}, sd ${pct(a.sd)}), MAE ${alone.mae.value.toFixed(3)} (95 % ${alone.mae.low.toFixed(3)}–${alone.mae.high.toFixed(3)})`;
    if (r.difference !== null) line += `; minus ${first.dir}: Acc2 ${pct(r.difference.acc2Non0.value)} (95 % ${pct(r.difference.acc2Non0.low)} to ${pct(r.difference.acc2Non0.high)}), MAE ${r.difference.mae.value.toFixed(3)} (95 % ${r.difference.mae.low.toFixed(3)} to ${r.difference.mae.high.toFixed(3)})`;
    process.stdout.write(`${line}\n`);
  }
  const json = rows.map((r) => ({ dir: r.dir, seeds: r.seeds, videos: r.videos, clips: r.clips, draws: r.draws, ...('alone' in r && r.alone !== undefined ? { acc2Non0: r.alone.acc2Non0, mae: r.alone.mae } : { acc2Non0: r.acc2Non0, mae: r.mae }), differenceFromFirst: r.difference }));
  writeFileAtomic(out, `${JSON.stringify({ method: 'video-level bootstrap (src/eval/video-bootstrap.ts), 2000 draws, seed 0; Acc2 on non-zero labels (class x > 0), mean over seeds', first: first.dir, systems: json }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}

runScript('test-uncertainty', main);
