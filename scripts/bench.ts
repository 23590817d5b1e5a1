// `npm run bench`: speed and memory of MIRD training where it runs, side by side with PyTorch on
// the same CPU, written to results/bench.json (or --out) with a printed table. Timings live here,
// never in tests. Each timing: median, min and max of >= 5 repetitions after a warm-up.
//   npm run bench                 # everything, ~15 min on the 2-core reference machine
//   npm run bench -- --quick      # fewer repetitions, no whole main job, no history copy
// The PyTorch peer (scripts/bench-torch.py) runs when a python3 with torch is found
// (MIRD_TORCH_PYTHON, else python3, else /usr/bin/python3 — e.g. Debian's python3-torch with
// libopenblas0-pthread); it is never a dependency. It stays warm in its own process
// (bench-torch.py --serve) while the paper preset's iterations run here, one of its timed iterations
// beside one of ours, so each pair meets the same machine (a 2-core VM's speed drifts by 10–20 %
// over a bench); the ratio is the median over the pairs. Feature extraction (mird extract) rows come
// from scripts/bench-extract.ts. Full runs also copy the report to
// results/bench/<date>_<commit>.json, the history.
import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { PAPER_WARMUP, paperBench, timeIt, type PaperBench, type TimedIteration, type Timing } from './bench-paper';
import { initBackend, useBackend, backendInfo, type BackendName } from '../src/backend';
import { matMul } from '../src/nn/ops';
import { benchLstmStep } from '../src/model/bench';
import { Bert } from '../src/text/bert';
import { bertConfig } from '../src/text/bert-config';
import { createSynthetic, SYNTHETIC_PAPER } from '../src/data/synthetic';
import { makeBatch, disposeBatch } from '../src/data/batching';
import { defaultTokenizer } from '../src/text/tokenizer';
import { makeEstimator, parseEstimatorSpec } from '../src/mi/factory';
import { Rng } from '../src/util/rng';
import { median } from '../src/util/stats';
import { repoPath } from '../src/paths';
import { gitCommit, writeFileAtomic } from '../src/util/files';
import { UseLite } from '../src/text/use-lite';
import { frozenStates, UseLiteUpper } from '../src/text/use-lite-regressor';
import { mosiTextSplits } from '../src/text/corpus';
import { extractBench, extractRows, type ExtractBench } from './bench-extract';

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
const outPath = resolve(outIdx >= 0 ? (process.argv[outIdx + 1] as string) : repoPath('results', 'bench.json'));

/** A micro-benchmark entry from timeIt's median and min (the same timing loop as the paper bench). */
async function time(name: string, steps: number, warmup: number, fn: () => Promise<void> | void, note?: string): Promise<Entry> {
  const t = await timeIt(`${name} [${tf.getBackend()}]`, steps, warmup, fn, note);
  const e: Entry = { name, backend: tf.getBackend(), msPerStep: t.medianMs, minMs: t.minMs, steps };
  if (note !== undefined) e.note = note;
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

/** python3 with torch: MIRD_TORCH_PYTHON, else python3, else /usr/bin/python3; null when none has it. */
function torchPython(): { python: string; version: string } | null {
  const candidates = [process.env.MIRD_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => c !== undefined && c !== '');
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return null;
}

interface TorchPeer {
  python: string;
  torch: string;
  threads: number;
  /** PyTorch's iterations, each timed right before or after one of ours (alternating which goes first; each side's turn is one untimed and one timed iteration) */
  medianMs: number;
  minMs: number;
  maxMs: number;
  reps: number;
  /** tfjs's iterations of the same pairs */
  oursMedianMs: number;
  /** median over the pairs of tfjs ms / PyTorch ms: each pair ran back to back, so a drift of the machine's speed over the bench cancels */
  ratio: number;
  /** untimedMs: each turn's first iteration (kept to show what it pays for) */
  pairs: Array<{ oursMs: number; torchMs: number; first: 'tfjs' | 'torch'; untimedMs: { tfjs: number; torch: number } }>;
}

/**
 * scripts/bench-torch.py --serve: the same paper-preset iteration in PyTorch on `threads` threads,
 * kept warm in its own process; each request runs and times one iteration.
 */
class TorchServer {
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;

  private constructor(private readonly child: ChildProcess) {
    let buf = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        this.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    const end = (): void => {
      if (this.closed) return;
      this.closed = true;
      this.push(null);
    };
    child.on('exit', end);
    child.on('error', end); // e.g. it could not be started: the waiting request fails instead of hanging
  }

  private push(line: string | null): void {
    const w = this.waiting;
    if (w !== null) {
      this.waiting = null;
      w(line);
    } else if (line !== null) this.lines.push(line);
  }

  private next(): Promise<Record<string, unknown>> {
    const line = this.lines.shift();
    const got = line !== undefined ? Promise.resolve(line) : this.closed ? Promise.resolve(null) : new Promise<string | null>((r) => (this.waiting = r));
    return got.then((l) => {
      if (l === null) throw new Error('scripts/bench-torch.py --serve exited early (its stderr is above)');
      return JSON.parse(l) as Record<string, unknown>;
    });
  }

  static async start(python: string, batchFile: string, threads: number): Promise<{ server: TorchServer; torch: string; threads: number }> {
    // torch's intra-op pool gets the threads; OpenBLAS underneath stays on one: Debian's pthread
    // OpenBLAS beside torch's OpenMP pool oversubscribes the cores (measured at the paper preset on
    // 2 cores: OMP 2 + OpenBLAS 2 took 4.3–5.2 s per iteration, OMP 1 + OpenBLAS 2 3.5 s, OMP 2 +
    // OpenBLAS 1 1.8–2.1 s, one thread 2.6–2.9 s)
    const n = String(threads);
    const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: n };
    const child = spawn(python, [repoPath('scripts', 'bench-torch.py'), '--batch', batchFile, '--threads', n, '--warmup', String(PAPER_WARMUP), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'], env });
    const server = new TorchServer(child);
    const ready = await server.next();
    if (ready.ready !== true) throw new Error(`scripts/bench-torch.py --serve: expected a ready line, got ${JSON.stringify(ready)}`);
    return { server, torch: String(ready.torch), threads: Number(ready.threads) };
  }

  async run(): Promise<number> {
    this.child.stdin?.write('run\n');
    const r = await this.next();
    if (typeof r.ms !== 'number') throw new Error(`scripts/bench-torch.py --serve: ${JSON.stringify(r)}`);
    return r.ms;
  }

  close(): void {
    if (!this.closed) this.child.stdin?.end('quit\n');
  }
}

/**
 * The same paper-preset iteration in PyTorch on `threads` threads, `reps` pairs of one PyTorch
 * and one tfjs turn back to back (which runs first alternates; a turn is an untimed iteration and
 * a timed one), or why not.
 */
async function pairedTorchPeer(lengths: object, iterate: TimedIteration, reps: number, threads: number): Promise<TorchPeer | { skipped: string }> {
  const py = torchPython();
  if (py === null) return { skipped: 'no python3 with torch found (optional: apt-get install python3-torch libopenblas0-pthread, or set MIRD_TORCH_PYTHON)' };
  const batchFile = join(mkdtempSync(join(tmpdir(), 'mird-bench-torch-')), 'batch.json');
  writeFileSync(batchFile, JSON.stringify(lengths));
  let started: Awaited<ReturnType<typeof TorchServer.start>>;
  try {
    started = await TorchServer.start(py.python, batchFile, threads);
  } catch (e) {
    return { skipped: (e as Error).message };
  }
  const { server } = started;
  const pairs: TorchPeer['pairs'] = [];
  try {
    for (let i = 0; i < reps; i++) {
      const first = i % 2 === 0 ? 'tfjs' : 'torch';
      // each side's turn is two iterations and only the second is timed: the first after the
      // other side's turn pays for it (caches, memory the kernel reclaimed from the idle process;
      // measured: PyTorch's single iteration right after ours ran 2.4–3.4 s against 2.4 s after its own)
      const ours = (): [number, number] => [iterate(), iterate()];
      const theirs = async (): Promise<[number, number]> => [await server.run(), await server.run()];
      let o: [number, number];
      let p: [number, number];
      if (first === 'tfjs') {
        o = ours();
        p = await theirs();
      } else {
        p = await theirs();
        o = ours();
      }
      const [oursMs, torchMs] = [o[1], p[1]];
      pairs.push({ oursMs: round(oursMs), torchMs: round(torchMs), first, untimedMs: { tfjs: round(o[0]), torch: round(p[0]) } });
      process.stderr.write(`  pair ${i + 1}/${reps} (${first} first): tfjs ${oursMs.toFixed(0)} ms, PyTorch ${threads} thread${threads === 1 ? '' : 's'} ${torchMs.toFixed(0)} ms, ratio ${(oursMs / torchMs).toFixed(2)}\n`);
    }
  } catch (e) {
    return { skipped: `the PyTorch peer failed after ${pairs.length} of ${reps} pairs: ${(e as Error).message}` };
  } finally {
    server.close();
  }
  const torchMs = pairs.map((p) => p.torchMs);
  return {
    python: py.python, torch: started.torch, threads: started.threads,
    medianMs: round(median(torchMs)), minMs: round(Math.min(...torchMs)), maxMs: round(Math.max(...torchMs)), reps,
    oursMedianMs: round(median(pairs.map((p) => p.oursMs))),
    ratio: round(median(pairs.map((p) => p.oursMs / p.torchMs))),
    pairs,
  };
}

interface MainJobBench {
  iteration: Timing;
  epoch: { seconds: number; steps: number; tensorsBefore: number; tensorsAfter: number };
  inference: { clipsPerSecond: number; clips: number; seconds: number };
  wholeJob?: { seconds: number; epochs: number; secondsPerEpoch: number };
}

/**
 * The main job (`mird train`, preset main): one Algorithm-1 iteration on its real batches, one
 * whole training epoch in this process (seconds; tensor count before and after), inference
 * over the test split, and in full mode the whole job as a user runs it (a child process, seed 0).
 */
async function mainJob(reps: number): Promise<MainJobBench> {
  const { prepareRun } = await import('../src/train/setup');
  const { Trainer, predictClips } = await import('../src/train/loop');
  const { trainStep } = await import('../src/train/step');
  const { epochBatches } = await import('../src/data/batching');
  const p = await prepareRun({ preset: 'main', seed: 0 });
  const { model, mi } = p.build(0);
  const t = new Trainer(model, mi, p.data, p.resolved.train, 0, { run: null, checkpointMetadata: {} });
  const ctx = t.stepContext;
  const batches = [...epochBatches(p.data.dataset.splits.train, p.data.tokenizer, { ...p.data.batchOptions, batchSize: p.resolved.train.batchSize, seed: 0, epoch: 0 })];
  let k = 0;
  const iteration = await timeIt('main job: one Algorithm-1 iteration (B32, T′=5, real MOSI batches)', reps, 1, () => {
    const b = batches[k % batches.length] as (typeof batches)[number];
    k += 1;
    trainStep(ctx, b, t.rates(k), k);
  });
  batches.forEach(disposeBatch);
  const tensorsBefore = tf.memory().numTensors;
  const e0 = performance.now();
  const reports = t.runEpoch(1, null);
  const epochSeconds = round((performance.now() - e0) / 1000);
  const tensorsAfter = tf.memory().numTensors;
  process.stderr.write(`main job: one epoch ${epochSeconds} s (${reports.length} steps), tensors ${tensorsBefore} → ${tensorsAfter}\n`);
  const test = p.data.dataset.splits.test;
  const i0 = performance.now();
  predictClips(model, test, p.data, p.resolved.train.evalBatchSize);
  const inferSeconds = (performance.now() - i0) / 1000;
  process.stderr.write(`main job: inference ${round(test.length / inferSeconds)} clips/s over ${test.length} test clips\n`);
  t.dispose();
  model.dispose();
  mi?.dispose();
  const out: MainJobBench = {
    iteration,
    epoch: { seconds: epochSeconds, steps: reports.length, tensorsBefore, tensorsAfter },
    inference: { clipsPerSecond: round(test.length / inferSeconds), clips: test.length, seconds: round(inferSeconds) },
  };
  if (!quick) {
    const dir = join(mkdtempSync(join(tmpdir(), 'mird-bench-')), 'main');
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [repoPath('bin', 'mird.js'), 'train', '--out', dir], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MIRD_QUIET: '1' } });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`bench: mird train exited ${r.status}`);
    const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seconds: number });
    out.wholeJob = { seconds: round(seconds), epochs: log.length, secondsPerEpoch: round(log.reduce((a, e) => a + e.seconds, 0) / log.length) };
    process.stderr.write(`main job: npx mird train ${round(seconds)} s for ${log.length} epochs (target under 600 s)\n`);
  }
  return out;
}

function machine(): Record<string, unknown> {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: round(totalmem() / 2 ** 30), platform: `${platform()} ${release()}` };
}

async function main(): Promise<void> {
  await initBackend();
  const primary = backendInfo().name;
  const reps = quick ? 3 : 5;
  // the paper preset first, so the peak RSS read after it is the paper preset's own
  // the peer: PyTorch on one thread; and, when tfjs runs on several wasm threads, PyTorch
  // on as many (the fair comparison of the same hardware). Each pairs its iterations with ours.
  const ourThreads = backendInfo().threads ?? 1;
  const paper = await paperBench(reps, async (lengths, iterate) => {
    const one = await pairedTorchPeer(lengths, iterate, reps, 1);
    const same = ourThreads > 1 ? await pairedTorchPeer(lengths, iterate, reps, ourThreads) : null;
    return { one, same };
  });
  const torch = paper.paired?.one ?? { skipped: 'not run' };
  const torchSameThreads = paper.paired?.same ?? null;
  const paperPeakRssMB = round(process.resourceUsage().maxRSS / 1024);
  process.stderr.write(`paper preset: peak RSS ${paperPeakRssMB} MB (target under 4096)\n`);
  const micro: Entry[] = [];
  micro.push(...(await matMulBench(primary)));
  for (const backend of primary === 'cpu' ? ['cpu' as const] : [primary, 'cpu' as const]) {
    await useBackend(backend);
    const r = await benchLstmStep({ timedSteps: backend === 'cpu' || quick ? 3 : 20, warmup: backend === 'cpu' ? 1 : 3 });
    micro.push(logged({ name: 'LSTM(33→64) T50 B32 fwd+bwd+Adam', backend: r.backend, msPerStep: round(r.msPerStep), minMs: round(r.minMs), steps: r.steps }));
  }
  await useBackend(primary);
  micro.push(await clubStep(primary));
  micro.push(await bertStep(primary, 'mini'));
  micro.push(...(await useLiteBench(primary)));
  if (!quick) micro.push(await bertStep(primary, 'small'));
  micro.push(await batchBuild());
  await useBackend(primary);

  const extraction = await extractBench(reps, quick);
  await useBackend(primary);

  const main = await mainJob(reps);
  const usage = process.resourceUsage();
  const report = {
    createdAt: new Date().toISOString(),
    gitCommit: gitCommit(),
    machine: machine(),
    backend: backendInfo(),
    node: process.version,
    tfjs: tf.version_core,
    quick,
    /** the paper preset's iteration median (ms), tfjs on this machine */
    paperIterationMs: paper.iteration.medianMs,
    paperIterationTorchMs: 'medianMs' in torch ? torch.medianMs : null,
    paperIterationRatioToTorch: 'ratio' in torch ? torch.ratio : null,
    /** tfjs's wasm threads, and the ratio to PyTorch on as many threads (null when tfjs ran on one) */
    wasmThreads: ourThreads,
    paperIterationRatioToTorchSameThreads: torchSameThreads !== null && 'ratio' in torchSameThreads ? torchSameThreads.ratio : null,
    paper: { iteration: paper.iteration, components: paper.components, inference: paper.inference, lengths: paper.lengths, torch, torchSameThreads },
    mainJob: main,
    extraction,
    memory: { paperPeakRssMB, peakRssMB: round(usage.maxRSS / 1024), rssMB: round(process.memoryUsage().rss / 2 ** 20), tfNumTensors: tf.memory().numTensors },
    micro,
  };
  const text = JSON.stringify(report, null, 2) + '\n';
  writeFileAtomic(outPath, text);
  if (!quick) {
    const day = report.createdAt.slice(0, 10);
    writeFileAtomic(repoPath('results', 'bench', `${day}_${(report.gitCommit ?? 'uncommitted').slice(0, 8)}.json`), text);
  }
  printTable(report.paperIterationMs, torch, torchSameThreads, ourThreads, paper, main, paperPeakRssMB, report.memory.peakRssMB, extraction);
  process.stderr.write(`wrote ${outPath}\n`);
}

function printTable(ours: number, torch: TorchPeer | { skipped: string }, torchSameThreads: TorchPeer | { skipped: string } | null, threads: number, paper: PaperBench, main: MainJobBench, paperPeakRssMB: number, peakRssMB: number, extraction: ExtractBench): void {
  const rows: Array<[string, string]> = [
    [`paper preset, one Algorithm-1 iteration (tfjs, ${threads} wasm thread${threads === 1 ? '' : 's'})`, `${ours} ms`],
    ['paper preset, same iteration in PyTorch (1 thread), paired with ours', 'medianMs' in torch ? `${torch.medianMs} ms against ${torch.oursMedianMs} ms (torch ${torch.torch}, ${torch.reps} pairs)` : `skipped: ${torch.skipped}`],
    ['ratio tfjs / PyTorch 1 thread, median over the pairs (target ≤ 2)', 'ratio' in torch ? `${torch.ratio} (pairs ${torch.pairs.map((p) => (p.oursMs / p.torchMs).toFixed(2)).join(', ')})` : '—'],
    ...(torchSameThreads === null
      ? []
      : ([
          [`paper preset, same iteration in PyTorch (${threads} threads), paired with ours`, 'medianMs' in torchSameThreads ? `${torchSameThreads.medianMs} ms against ${torchSameThreads.oursMedianMs} ms` : `skipped: ${torchSameThreads.skipped}`],
          [`ratio tfjs / PyTorch, both ${threads} threads, median over the pairs`, 'ratio' in torchSameThreads ? `${torchSameThreads.ratio} (pairs ${torchSameThreads.pairs.map((p) => (p.oursMs / p.torchMs).toFixed(2)).join(', ')})` : '—'],
        ] as Array<[string, string]>)),
    ...paper.components.map((c): [string, string] => [c.name, `${c.medianMs} ms`]),
    ['paper preset, inference', `${paper.inference.clipsPerSecond} clips/s`],
    ['main job, one iteration', `${main.iteration.medianMs} ms`],
    ['main job, one epoch', `${main.epoch.seconds} s (${main.epoch.steps} steps; tensors ${main.epoch.tensorsBefore} → ${main.epoch.tensorsAfter})`],
    ['main job, whole run (target < 600 s)', main.wholeJob === undefined ? '— (quick)' : `${main.wholeJob.seconds} s, ${main.wholeJob.epochs} epochs`],
    ['main job, inference', `${main.inference.clipsPerSecond} clips/s`],
    ['peak RSS after the paper preset (target < 4096 MB)', `${paperPeakRssMB} MB`],
    ['peak RSS, whole bench', `${peakRssMB} MB`],
    ...extractRows(extraction),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(rows.map(([a, b]) => `${a.padEnd(w)}  ${b}`).join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
