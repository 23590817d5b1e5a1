// The paper preset's Algorithm-1 iteration for `npm run bench`: the whole iteration (one forward,
// T′ = 5 steps of the 9 estimators, one model step) on real batches of the synthetic benchmark at
// the paper's shapes (text 50, audio 400 × 33, visual 55 × 709, batch 32, d = 64, a 4 × 256 BERT
// host, LSTM text encoder: `mird train --preset small --data synthetic:paper`), and the same work
// split by component, each timed alone as forward + backward on the same batch (so the parts do
// not add up exactly to the whole: the whole shares one tape and one optimiser call).
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../src/data/types';
import type { MirdModel } from '../src/model/mird';
import type { MiTerms } from '../src/train/mi-terms';
import type { Trainer } from '../src/train/loop';
import { Rng } from '../src/util/rng';
import { median } from '../src/util/stats';

export interface Timing {
  name: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  reps: number;
  note?: string;
}

/** Median, min and max of `reps` runs of fn after `warmup` untimed ones. */
export async function timeIt(name: string, reps: number, warmup: number, fn: () => Promise<void> | void, note?: string): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 100) / 100;
  const t: Timing = { name, medianMs: r(median(times)), minMs: r(times[0] as number), maxMs: r(times[times.length - 1] as number), reps };
  if (note !== undefined) t.note = note;
  process.stderr.write(`${name.padEnd(64)} ${String(t.medianMs).padStart(9)} ms (min ${t.minMs}, max ${t.maxMs}, n=${reps})\n`);
  return t;
}

/** A scalar that depends on every element of every tensor (a fixed weighting, so nothing cancels). */
function scalarOf(ts: tf.Tensor[]): tf.Scalar {
  return tf.addN(ts.map((t) => tf.mean(tf.mul(t, tf.cos(tf.reshape(tf.range(0, t.size, 1, 'float32'), t.shape)))))) as tf.Scalar;
}

/** fn's forward + backward w.r.t. vars; waits for the backend. */
export function fwdBwd(vars: tf.Variable[], fn: () => tf.Scalar): () => Promise<void> {
  return async () => {
    const { value, grads } = tf.variableGrads(fn, vars);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

export interface PaperBench {
  iteration: Timing;
  components: Timing[];
  inference: { clipsPerSecond: number; timing: Timing };
  /** per-clip lengths of the timed batch, for scripts/bench-torch.py */
  lengths: { text: number[]; audio: number[]; visual: number[] };
}

/** The paper preset as the bench runs it: model, estimators, trainer and the timed batch of 32. */
export interface PaperFixture {
  model: MirdModel;
  mi: MiTerms | null;
  trainer: Trainer;
  batch: Batch;
  dispose(): void;
}

/** Builds the fixture (`mird train --preset small --data synthetic:paper`, seed 0); the caller disposes it. */
export async function paperFixture(): Promise<PaperFixture> {
  const { prepareRun } = await import('../src/train/setup');
  const { Trainer } = await import('../src/train/loop');
  const { epochBatches, disposeBatch } = await import('../src/data/batching');
  const p = await prepareRun({ preset: 'small', data: 'synthetic:paper', seed: 0 });
  const { model, mi } = p.build(0);
  const trainer = new Trainer(model, mi, p.data, p.resolved.train, 0, { run: null, checkpointMetadata: {} });
  const all = [...epochBatches(p.data.dataset.splits.train, p.data.tokenizer, { ...p.data.batchOptions, batchSize: 32, seed: 0, epoch: 0 })];
  all.slice(1).forEach(disposeBatch);
  const batch = all[0] as Batch;
  return {
    model, mi, trainer, batch,
    dispose: () => {
      disposeBatch(batch);
      trainer.dispose();
      model.dispose();
      mi?.dispose();
    },
  };
}

/** The components timed alone, by short name, in the bench's order. */
export const PAPER_COMPONENT_KEYS = ['host', 'wsa', 'text-encoder', 'audio-encoder', 'visual-encoder', 'text-decoder', 'audio-decoder', 'visual-decoder'] as const;
export type PaperComponentKey = (typeof PAPER_COMPONENT_KEYS)[number];

/** One component of the model, for timing alone: its variables and a scalar of its forward pass. */
export interface PaperComponent {
  key: PaperComponentKey;
  /** row name in the bench's report */
  name: string;
  vars: tf.Variable[];
  loss: () => tf.Scalar;
}

/**
 * The encoders, WSA, the text host and the decoders of the fixture's model on its batch (WSA's
 * words and the decoders' latents are fixed random inputs); dispose() frees those inputs.
 */
export async function paperComponents(f: PaperFixture): Promise<{ components: PaperComponent[]; dispose(): void }> {
  const { maskedMse } = await import('../src/nn/losses');
  const { model: m, batch: b } = f;
  const host = m.sharedEncoder.host;
  const words = tf.randomNormal([b.textIds.shape[0], b.textIds.shape[1], m.config.bert.hiddenSize], 0, 1, 'float32', 1) as tf.Tensor3D;
  const z = tf.randomNormal([b.textIds.shape[0], 2 * m.config.latentDim], 0, 1, 'float32', 2) as tf.Tensor2D;
  const ignoreIds = f.trainer.stepContext.ignoreTokenIds;
  const byKey: Record<PaperComponentKey, Omit<PaperComponent, 'key'>> = {
    host: { name: '  text host (BERT 4 × 256, all layers)', vars: [...host.namedVariables().values()], loss: () => scalarOf([host.runLayers(host.embed(b, true), b.textMask, 0, m.config.bert.numLayers, true)]) },
    wsa: { name: '  WSA (eqs. 2–6, both modalities)', vars: m.sharedEncoder.wsa.variables(), loss: () => scalarOf([m.sharedEncoder.wsa.apply({ words, audio: b.audio, audioMask: b.audioMask, visual: b.visual, visualMask: b.visualMask }, true, 1).out]) },
    'text-encoder': { name: '  text encoder (embedding 128 + LSTM 64)', vars: m.textEncoder.variables(), loss: () => scalarOf([m.textEncoder.apply(b, true, new Rng(1))]) },
    'audio-encoder': { name: '  audio encoder (LSTM 33 → 64)', vars: m.audioEncoder.variables(), loss: () => scalarOf([m.audioEncoder.apply(b.audio, b.audioMask)]) },
    'visual-encoder': { name: '  visual encoder (LSTM 709 → 64)', vars: m.visualEncoder.variables(), loss: () => scalarOf([m.visualEncoder.apply(b.visual, b.visualMask)]) },
    'text-decoder': { name: '  text decoder (LSTM 128 + cross entropy over 30,522)', vars: m.textDecoder.variables(), loss: () => m.textReconstructionLoss({ text: null, textHidden: m.textDecoder.states(z, b.textIds.shape[1]), audio: b.audio, visual: b.visual }, b, { ignoreIds }) },
    'audio-decoder': { name: '  audio decoder (LSTM 128 × T_A + MSE)', vars: m.audioDecoder.variables(), loss: () => maskedMse(m.audioDecoder.apply(z, b.audio.shape[1]), b.audio, b.audioMask) },
    'visual-decoder': { name: '  visual decoder (LSTM 128 × T_V + MSE)', vars: m.visualDecoder.variables(), loss: () => maskedMse(m.visualDecoder.apply(z, b.visual.shape[1]), b.visual, b.visualMask) },
  };
  return { components: PAPER_COMPONENT_KEYS.map((key) => ({ key, ...byKey[key] })), dispose: () => tf.dispose([words, z]) };
}

/**
 * Untimed iterations before the paper preset's are timed, here and in the PyTorch peer. One was
 * not enough on either side: PyTorch's slowest of 5 timed iterations after it took 3.1–3.7 s
 * against medians of 2.2–2.7 s in every bench until 2026-11-30_a006caf9, and tfjs's 5 after it
 * had medians of 4.6 and 5.6 s in the first two paired benches against 4.1 and 4.4 s in the pairs
 * that followed them.
 */
export const PAPER_WARMUP = 3;

/**
 * Runs the paper preset's iteration on the timed batch once and returns its milliseconds; handed
 * to paperBench's `pairWith` so a peer can alternate its own iterations with ours.
 */
export type TimedIteration = () => number;

export async function paperBench<P>(reps: number, pairWith?: (lengths: PaperBench['lengths'], iterate: TimedIteration) => Promise<P>): Promise<PaperBench & { paired: P | null }> {
  const { trainStep, estimatorStep, latentsOf } = await import('../src/train/step');
  const { detach } = await import('../src/nn/ops');
  const f = await paperFixture();
  const { model, mi, trainer: t, batch: b } = f;
  const ctx = t.stepContext;
  const lengths = { text: Array.from(b.hostLengths?.text ?? []), audio: Array.from(b.hostLengths?.audio ?? []), visual: Array.from(b.hostLengths?.visual ?? []) };
  let k = 0;
  // one batch for every timed iteration: the torch peer times the same shapes
  const iteration = await timeIt('paper preset: one Algorithm-1 iteration (B32, T′=5, 9 estimators)', reps, PAPER_WARMUP, () => {
    k += 1;
    trainStep(ctx, b, t.rates(k), k);
  });
  // the peer's pairs right after, on the same warm fixture
  const paired = pairWith === undefined ? null : await pairWith(lengths, () => {
    k += 1;
    const t0 = performance.now();
    trainStep(ctx, b, t.rates(k), k);
    return performance.now() - t0;
  });

  const m = model;
  const c: Timing[] = [];
  const note = 'forward + backward alone on the timed batch';
  const parts = await paperComponents(f);
  for (const part of parts.components) c.push(await timeIt(part.name, reps, 1, fwdBwd(part.vars, part.loss), note));
  if (mi !== null && ctx.estimatorOptimizer !== null) {
    const out = m.forward(b, { training: false, decode: false });
    const pairs = new Map([...mi.pairTensors(latentsOf(m, out, b, mi))].map(([pair, v]) => [pair, { x: detach(v.x), y: detach(v.y) }]));
    const opt = ctx.estimatorOptimizer;
    c.push(await timeIt(`  estimators: T′ = ${t.config.estimatorSteps} steps of all ${pairs.size} (one Adam step each)`, reps, 1, async () => {
      const losses = tf.tidy(() => tf.stack(Array.from({ length: t.config.estimatorSteps }, () => estimatorStep(mi, opt, pairs, 1e-3))));
      await losses.data();
      losses.dispose();
    }));
    tf.dispose([out.zText, out.zAudio, out.zVisual, out.zShared, out.yHat]);
  }
  const zerosGrads = new Map([...ctx.modelParams].map(([name, v]) => [name, tf.zerosLike(v)]));
  c.push(await timeIt(`  model optimiser (AdamW over ${(m.paramCount() / 1e6).toFixed(1)} M parameters)`, reps, 1, async () => {
    ctx.modelOptimizer.applyGradients(zerosGrads, () => 0, 1);
    await [...ctx.modelParams.values()][0]!.data();
  }));
  tf.dispose([...zerosGrads.values()]);
  parts.dispose();

  const evalBatch = b;
  const inf = await timeIt('paper preset: inference, one batch of 32 (forward, no decoders)', reps, 1, async () => {
    const o = m.forward(evalBatch, { training: false, decode: false });
    await o.yHat.data();
    tf.dispose([o.zText, o.zAudio, o.zVisual, o.zShared, o.yHat]);
  });
  f.dispose();
  return { iteration, components: c, inference: { clipsPerSecond: Math.round((32 / inf.medianMs) * 1000 * 10) / 10, timing: inf }, lengths, paired };
}
