// `npm run bench`: speed and memory of the workspace's hot paths, written to a JSON report
// (bench/report.json, or the path given with --out). Timings live here, never in tests.
//   npm run bench                 # all benchmarks on the default backend (+ cpu comparisons)
//   npm run bench -- --quick      # fewer timed steps
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { initBackend, useBackend, backendInfo, type BackendName } from '../src/backend';
import { matMul } from '../src/nn/ops';
import { benchLstmStep, benchModelStep } from '../src/model/bench';
import { Bert } from '../src/text/bert';
import { bertConfig } from '../src/text/bert-config';
import { resolveModelConfig, type PresetName } from '../src/model/config';
import { createSynthetic, SYNTHETIC_PAPER } from '../src/data/synthetic';
import { makeBatch, disposeBatch } from '../src/data/batching';
import { defaultTokenizer } from '../src/text/tokenizer';
import { makeEstimator, parseEstimatorSpec } from '../src/mi/factory';
import { Rng } from '../src/util/rng';
import { repoPath } from '../src/paths';
import { gitCommit, writeFileAtomic } from '../src/util/files';
import { UseLite } from '../src/text/use-lite';
import { frozenStates, UseLiteUpper } from '../src/text/use-lite-regressor';
import { mosiTextSplits } from '../src/text/corpus';

interface Entry {
  name: string;
  backend: string;
  msPerStep: number; // median
  minMs: number;
  steps: number;
  note?: string;
}

const quick = process.argv.includes('--quick');
const outIdx = process.argv.indexOf('--out');
const outPath = resolve(outIdx >= 0 ? (process.argv[outIdx + 1] as string) : repoPath('bench', 'report.json'));

async function time(name: string, steps: number, warmup: number, fn: () => Promise<void> | void, note?: string): Promise<Entry> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const e: Entry = { name, backend: tf.getBackend(), msPerStep: round(times[Math.floor(times.length / 2)] as number), minMs: round(times[0] as number), steps };
  if (note !== undefined) e.note = note;
  process.stderr.write(`${name.padEnd(58)} ${e.backend.padEnd(5)} ${String(e.msPerStep).padStart(9)} ms/step (min ${e.minMs}, n=${steps})\n`);
  return e;
}

const round = (x: number): number => Math.round(x * 100) / 100;

async function matMulBench(backend: BackendName): Promise<Entry[]> {
  await useBackend(backend);
  const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1) as tf.Tensor2D;
  const n = quick ? 5 : 20;
  const run = (f: () => tf.Tensor) => async () => { const r = f(); await r.data(); r.dispose(); };
  const out = [
    await time('matMul 256x256 plain', n, 2, run(() => matMul(a, a))),
    await time('tf.matMul 256x256 transposeA (what tfjs gradients use)', n, 2, run(() => tf.matMul(a, a, true, false))),
  ];
  a.dispose();
  return out;
}

async function bertStep(backend: BackendName, preset: 'mini' | 'small'): Promise<Entry> {
  await useBackend(backend);
  const cfg = bertConfig(preset);
  const bert = new Bert(cfg, 0);
  const rng = new Rng(1);
  const ids = tf.tensor2d(Int32Array.from({ length: 32 * 50 }, () => 1000 + rng.int(20000)), [32, 50], 'int32');
  const mask = tf.ones([32, 50]) as tf.Tensor2D;
  const opt = tf.train.adam(1e-4);
  const e = await time(`BERT-${preset} (${cfg.numLayers}x${cfg.hiddenSize}) fwd+bwd+Adam, B32 L50`, quick ? 2 : 5, 1, async () => {
    const loss = opt.minimize(() => tf.mean(tf.square(bert.forward(ids, mask, true))) as tf.Scalar, true, bert.variables());
    if (loss !== null) { await loss.data(); loss.dispose(); }
  });
  tf.dispose([ids, mask]);
  opt.dispose();
  bert.dispose();
  return e;
}

async function mirdStep(backend: BackendName, preset: PresetName, batch: number): Promise<Entry> {
  await useBackend(backend);
  const config = resolveModelConfig(preset);
  const r = await benchModelStep(config, { batch, timedSteps: quick ? 1 : 3, warmup: 1 });
  return logged({ name: r.name + ' (regression + all three reconstruction losses)', backend: r.backend, msPerStep: round(r.msPerStep), minMs: round(r.minMs), steps: r.steps });
}

function logged(e: Entry): Entry {
  process.stderr.write(`${e.name.padEnd(58)} ${e.backend.padEnd(5)} ${String(e.msPerStep).padStart(9)} ms/step\n`);
  return e;
}

async function clubStep(backend: BackendName): Promise<Entry> {
  await useBackend(backend);
  const est = makeEstimator(parseEstimatorSpec('CLUB-h32'), 64, 64, 0); // MIRD's estimator: CLUB(64, 64, hidden 32)
  const x = tf.randomNormal([144, 64], 0, 1, 'float32', 2) as tf.Tensor2D;
  const y = tf.randomNormal([144, 64], 0, 1, 'float32', 3) as tf.Tensor2D;
  const opt = tf.train.adam(1e-3);
  const e = await time('CLUB-h32 (64→64, N=144) estimate + learning step', quick ? 5 : 30, 3, async () => {
    const v = tf.tidy(() => est.estimate(x, y));
    await v.data();
    v.dispose();
    const l = opt.minimize(() => est.learningLoss(x, y), true, est.variables());
    if (l !== null) { await l.data(); l.dispose(); }
  });
  tf.dispose([x, y]);
  opt.dispose();
  est.dispose();
  return e;
}

/** USE-lite: the frozen graph on 32 real MOSI transcripts, and one step of the upper layers on their states. */
async function useLiteBench(backend: BackendName): Promise<Entry[]> {
  await useBackend(backend);
  const use = await UseLite.load();
  const texts = mosiTextSplits().train.slice(0, 32).map((c) => c.text);
  const encode = await time('USE-lite frozen encode, 32 MOSI transcripts (token states)', quick ? 2 : 5, 1, async () => {
    const o = await use.encode(texts);
    await o.tokens.data();
    tf.dispose([o.tokens, o.sentence, o.mask]);
  });
  const rows = await frozenStates(use, texts, 'bench states');
  const upper = new UseLiteUpper(0);
  const opt = tf.train.adam(1e-4);
  const vars = [...upper.params.values()];
  const step = await time('USE-lite upper layers (512→128, 2x128) fwd+bwd+Adam, B32', quick ? 3 : 10, 1, async () => {
    const loss = opt.minimize(() => tf.mean(tf.square(upper.pooled(rows, true))) as tf.Scalar, true, vars);
    if (loss !== null) { await loss.data(); loss.dispose(); }
  });
  opt.dispose();
  upper.dispose();
  use.dispose();
  return [encode, step];
}

async function batchBuild(): Promise<Entry> {
  const synth = createSynthetic(SYNTHETIC_PAPER);
  const ds = synth.dataset();
  const tok = defaultTokenizer();
  const clips = ds.splits.train.slice(0, 32);
  return time('makeBatch, 32 synthetic clips at paper shapes', quick ? 3 : 10, 1, () => disposeBatch(makeBatch(clips, [], tok, { maxTextLength: 50 })));
}

/**
 * The main job (`mird train`, preset main): ms per Algorithm-1 iteration on its real batches
 * (one forward, T′ estimator steps, one model step), seconds per epoch and, in full mode, the
 * whole job's wall time as a user runs it (a separate process, seed 0).
 */
async function mainJob(): Promise<Entry[]> {
  const { prepareRun } = await import('../src/train/setup');
  const { Trainer } = await import('../src/train/loop');
  const { trainStep } = await import('../src/train/step');
  const { epochBatches } = await import('../src/data/batching');
  const p = await prepareRun({ preset: 'main', seed: 0 });
  const { model, mi } = p.build(0);
  const t = new Trainer(model, mi, p.data, p.resolved.train, 0, { run: null, checkpointMetadata: {} });
  const ctx = t.stepContext;
  const batches = [...epochBatches(p.data.dataset.splits.train, p.data.tokenizer, { ...p.data.batchOptions, batchSize: p.resolved.train.batchSize, seed: 0, epoch: 0 })];
  let k = 0;
  const iteration = await time('main job: one Algorithm-1 iteration (B32, T′=5, real MOSI batches)', quick ? 3 : 8, 1, () => {
    const b = batches[k % batches.length] as (typeof batches)[number];
    k += 1;
    trainStep(ctx, b, t.rates(k), k);
  });
  batches.forEach(disposeBatch);
  t.dispose();
  model.dispose();
  mi?.dispose();
  const out: Entry[] = [iteration, { name: 'main job: estimated seconds per epoch (steps × iteration median)', backend: iteration.backend, msPerStep: round((t.stepsPerEpoch * iteration.msPerStep) / 1000), minMs: 0, steps: t.stepsPerEpoch, note: 'seconds, not ms' }];
  if (!quick) {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = join(mkdtempSync(join(tmpdir(), 'mird-bench-')), 'main');
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [repoPath('bin', 'mird.js'), 'train', '--out', dir], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MIRD_QUIET: '1' } });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`bench: mird train exited ${r.status}`);
    const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seconds: number });
    out.push({ name: 'main job: npx mird train, whole run (seed 0, wall seconds)', backend: iteration.backend, msPerStep: round(seconds), minMs: 0, steps: log.length, note: `seconds, not ms; ${log.length} epochs, ${round(log.reduce((a, e) => a + e.seconds, 0) / log.length)} s per epoch; target under 600 s` });
    process.stderr.write(`main job: ${round(seconds)} s for ${log.length} epochs\n`);
  }
  return out;
}

async function main(): Promise<void> {
  await initBackend();
  const primary = backendInfo().name;
  const entries: Entry[] = [];
  entries.push(...(await matMulBench(primary)));
  for (const backend of primary === 'cpu' ? ['cpu' as const] : [primary, 'cpu' as const]) {
    await useBackend(backend);
    const r = await benchLstmStep({ timedSteps: backend === 'cpu' || quick ? 3 : 20, warmup: backend === 'cpu' ? 1 : 3 });
    entries.push(logged({ name: 'LSTM(33→64) T50 B32 fwd+bwd+Adam', backend: r.backend, msPerStep: round(r.msPerStep), minMs: round(r.minMs), steps: r.steps }));
  }
  entries.push(await clubStep(primary));
  entries.push(await bertStep(primary, 'mini'));
  entries.push(...(await useLiteBench(primary)));
  if (!quick) entries.push(await bertStep(primary, 'small'));
  entries.push(await mirdStep(primary, 'quick', 16));
  if (!quick) entries.push(await mirdStep(primary, 'small', 8));
  entries.push(await batchBuild());
  entries.push(...(await mainJob()));
  await useBackend(primary);
  const mem = process.memoryUsage();
  const report = {
    createdAt: new Date().toISOString(),
    gitCommit: gitCommit(),
    backend: backendInfo(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    quick,
    entries,
    memory: { rssMB: round(mem.rss / 2 ** 20), heapUsedMB: round(mem.heapUsed / 2 ** 20), tfNumTensors: tf.memory().numTensors, tfNumBytesMB: round(tf.memory().numBytes / 2 ** 20) },
  };
  writeFileAtomic(outPath, JSON.stringify(report, null, 2) + '\n');
  process.stderr.write(`wrote ${outPath}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
