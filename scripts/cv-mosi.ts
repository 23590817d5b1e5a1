// Cross-validation over Poria's train videos, for development choices on real MOSI: one
// `mird train` per valid fold (`--data mosi:fold=K`, K = 0..5: every train video is valid once,
// 62 videos instead of the default valid's 10), two at a time, then the selected epochs' valid
// scores pooled over the folds. The test split is scored by each run as always, but this script
// never reads it: choices made with it see train videos only.
//
//   node --import tsx scripts/cv-mosi.ts --out runs/cv/<name> [--seed 0] [--folds 0,1,2,3,4,5] [--context 0,0.1,0.2] -- <mird train args>
//   e.g. ... --out runs/cv/main -- --set alpha=0.3
//
// Prints and writes <out>/cv.json: per fold the selected epoch and valid metrics, and the pooled
// valid Acc2 (non-zero labels, class x > 0) and MAE over every fold's clips. A finished fold
// (metrics.json present) is not rerun. With --context, each fold's selected checkpoint also
// predicts its valid clips (`mird predict`, <out>/fold-K/predictions-all.csv; MIRD and baseline
// runs, which keep a checkpoint) and the pooled scores are given for each video-context weight w
// (train config videoContext, src/eval/video-context.ts) applied to those out-of-fold predictions.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTrainProcesses, type TrainProcess } from '../src/cli/children';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { MOSI_VALID_FOLDS, mosiVideoOf } from '../src/data/mosi';
import { columnIndex, readCsv } from '../src/data/csv';
import { openSource } from '../src/data/sources';
import { regressionMetrics } from '../src/eval/metrics';
import { videoContextPredictions } from '../src/eval/video-context';

interface FoldRow { fold: number; bestEpoch: number; n: number; acc2_non0: number; n_non0: number; mae: number; corr: number }

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const trainArgs = dash < 0 ? [] : argv.slice(dash + 1);
  const flag = (name: string): string | undefined => {
    const i = own.indexOf(`--${name}`);
    return i < 0 ? undefined : own[i + 1];
  };
  const out = flag('out');
  if (out === undefined) throw new Error('cv-mosi: --out <folder> is required');
  const seed = Number(flag('seed') ?? '0');
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`cv-mosi: --seed must be a non-negative integer, got ${flag('seed')}`);
  const folds = (flag('folds') ?? [...Array(MOSI_VALID_FOLDS).keys()].join(',')).split(',').map(Number);
  if (folds.some((k) => !Number.isInteger(k) || k < 0 || k >= MOSI_VALID_FOLDS)) throw new Error(`cv-mosi: --folds takes integers in 0..${MOSI_VALID_FOLDS - 1}`);
  const contexts = flag('context')?.split(',').map(Number) ?? [];
  if (contexts.some((w) => !(w >= 0 && w <= 1))) throw new Error('cv-mosi: --context takes weights in [0, 1]');
  for (const a of trainArgs) if (a === '--data' || a === '--out' || a === '--seed' || a === '--seeds') throw new Error(`cv-mosi: ${a} is set by the script`);
  mkdirSync(out, { recursive: true });
  const runs: TrainProcess[] = folds
    .filter((k) => !existsSync(join(out, `fold-${k}`, 'metrics.json')))
    .map((k) => ({ args: [...trainArgs, '--data', `mosi:fold=${k}`, '--seed', String(seed), '--out', join(out, `fold-${k}`)], label: `fold ${k}`, dir: join(out, `fold-${k}`) }));
  const failures = await runTrainProcesses(runs, 2, { env: { ...process.env, MIRD_QUIET: '1' } });
  if (failures.length > 0) throw new Error(`cv-mosi: failed: ${failures.join('; ')}`);
  const rows: FoldRow[] = [];
  let correct = 0;
  let counted = 0;
  let absErr = 0;
  let clips = 0;
  for (const k of folds) {
    const dir = join(out, `fold-${k}`);
    const v = (JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as { valid: Record<string, number> }).valid;
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { bestEpoch: number };
    // the fold's valid clip counts, from the data source (valid predictions are not written)
    const valid = openSource(`mosi:fold=${k}`).splits.valid;
    const n = valid.length;
    const nNon0 = valid.filter((c) => c.label !== 0).length;
    rows.push({ fold: k, bestEpoch: state.bestEpoch, n, acc2_non0: v.acc2_non0 as number, n_non0: nNon0, mae: v.mae as number, corr: v.corr as number });
    correct += (v.acc2_non0 as number) * nNon0;
    counted += nNon0;
    absErr += (v.mae as number) * n;
    clips += n;
  }
  const pooled = { acc2_non0: correct / counted, mae: absErr / clips, clips };
  const context: Array<{ weight: number; acc2_non0: number; mae: number }> = [];
  if (contexts.length > 0) {
    const ids: Array<string | undefined> = [];
    const labels: number[] = [];
    const raw: number[] = [];
    for (const k of folds) {
      const dir = join(out, `fold-${k}`);
      const csv = join(dir, 'predictions-all.csv');
      if (!existsSync(csv)) {
        const r = spawnSync(process.execPath, [resolve('bin', 'mird.js'), 'predict', dir, `mosi:fold=${k}`, '--out', csv], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MIRD_QUIET: '1' } });
        if (r.status !== 0) throw new Error(`cv-mosi: mird predict ${dir} failed (exit ${r.status})`);
      }
      const t = readCsv(csv);
      const col = (name: string): number => columnIndex(t, name);
      for (const row of t.rows) {
        if (row[col('split')] !== 'valid') continue;
        const id = row[col('id')] as string;
        ids.push(`${k}/${mosiVideoOf(id)}`);
        labels.push(Number(row[col('label')]));
        raw.push(Number(row[col('prediction')]));
      }
    }
    for (const w of contexts) {
      const m = regressionMetrics(videoContextPredictions(ids, Float32Array.from(raw), w), Float32Array.from(labels));
      context.push({ weight: w, acc2_non0: m.acc2Non0, mae: m.mae });
    }
  }
  const report = { trainArgs, seed, folds: rows, pooled, ...(context.length > 0 ? { context } : {}) };
  writeFileSync(join(out, 'cv.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const r of rows) process.stdout.write(`fold ${r.fold}: epoch ${r.bestEpoch}, valid Acc2 ${(100 * r.acc2_non0).toFixed(1)} (${r.n_non0}), MAE ${r.mae.toFixed(3)}, Corr ${r.corr.toFixed(3)}\n`);
  process.stdout.write(`pooled over ${clips} valid clips: Acc2 ${(100 * pooled.acc2_non0).toFixed(2)}, MAE ${pooled.mae.toFixed(4)}  (${trainArgs.join(' ') || 'no train args'})\n`);
  for (const c of context) process.stdout.write(`  video context w ${c.weight}: Acc2 ${(100 * c.acc2_non0).toFixed(2)}, MAE ${c.mae.toFixed(4)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
