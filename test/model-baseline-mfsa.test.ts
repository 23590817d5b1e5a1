// MFSA (src/model/baselines/mfsa/mfsa.ts) beyond the generic baseline tests: the gradient reversal
// layer (identity forward, −λ·dy backward); the 3×3 attention-map convolution against tf.conv2d;
// a predictive self-attention layer with α = β = 0 is MulT's pre-norm TransformerBlock; the map
// convolution is padding-invariant; the two discriminator terms equal a hand cross-entropy and
// their gradients reach the specific vectors with +w_s and the agnostic ones with −λ·w_a; one-frame
// audio / visual (the real MOSI main job); the shared training step (its report names the three
// terms, total = their weighted sum, no tensor leaks, every variable moves); the parameter count against mfsaParams and the
// efficiency rows; config errors naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { disposeBatch, makeBatch } from '../src/data/batching';
import type { Batch } from '../src/data/types';
import { baselineCost } from '../src/eval/efficiency';
import {
  attentionMapConv3x3, DEFAULT_MFSA_CONFIG, mfsaParams, MfsaModel, PredictiveSelfAttentionLayer, QUICK_MFSA_OVERRIDES, resolveMfsaConfig, reverseGradient, type MfsaConfig,
} from '../src/model/baselines/mfsa/mfsa';
import type { BaselineLossBatch, BaselineOutput } from '../src/model/baselines/types';
import { resolveModelConfig } from '../src/model/config';
import { makeTextHost } from '../src/model/mird';
import { NamedAdamW } from '../src/nn/adamw';
import { TransformerBlock, type TransformerBlockOptions } from '../src/nn/attention';
import { baselineStep } from '../src/train/baseline-step';
import { Rng } from '../src/util/rng';
import { prepareBaselineRun, type PreparedBaselineRun } from '../src/train/setup';

// the quick preset's synthetic data and tokenizer (prepared through a registered baseline: only the data is used)
let prepared: PreparedBaselineRun | null = null;
async function quickData(): Promise<PreparedBaselineRun> {
  await initBackend();
  prepared ??= await prepareBaselineRun({ preset: 'quick', model: 'tfn', seed: 0 });
  return prepared;
}

function buildQuick(p: PreparedBaselineRun, overrides: Record<string, unknown> = {}, seed = 0): MfsaModel {
  const i = p.resolved.inputs;
  const host = makeTextHost(resolveModelConfig('quick', { audioDim: i.audioDim, visualDim: i.visualDim }), seed + 100);
  const config = resolveMfsaConfig(overrides, resolveMfsaConfig(QUICK_MFSA_OVERRIDES as Record<string, unknown>));
  return new MfsaModel(config, { textWidth: i.textWidth, audioDim: i.audioDim, visualDim: i.visualDim }, host, seed);
}

const batchOf = (p: PreparedBaselineRun, n: number, from = 0): Batch => makeBatch(p.data.dataset.splits.train.slice(from, from + n), [], p.data.tokenizer, p.data.batchOptions);
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
const disposeOut = (o: BaselineOutput): void => tf.dispose([o.yHat, ...Object.values(o.latents)]);
const block = (numHeads: number, ffDim: number): TransformerBlockOptions => ({ numHeads, ffDim, norm: 'pre', activation: 'relu', attentionDropout: 0, residualDropout: 0, activationDropout: 0, layerNormEps: 1e-5 });

test('gradient reversal: the identity forward, −λ times the incoming gradient backward', async () => {
  await initBackend();
  const x = tf.tensor1d([0.5, -1, 2]);
  const w = tf.tensor1d([3, -2, 0.25]);
  for (const lambda of [1, 0.7, 0]) {
    assert.deepEqual([...reverseGradient(x, lambda).dataSync()], [...x.dataSync()]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reverseGradient(t, lambda), w)))(x); // d/dx Σ w·GRL(x) = −λ w
    const want = [3, -2, 0.25].map((v) => -lambda * v);
    (g.dataSync() as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - (want[i] as number)) < 1e-6, `λ=${lambda}: ${v} vs ${want[i]}`));
    g.dispose();
  }
  tf.dispose([x, w]);
});

test('the attention-map convolution equals tf.conv2d ("same", zero padding, heads as channels), also on a 1×1 map', async () => {
  await initBackend();
  const rng = new Rng(7);
  for (const [b, h, lq, lk] of [[2, 3, 4, 5], [1, 2, 1, 1]] as const) {
    const map = tf.tensor4d(Array.from({ length: b * h * lq * lk }, () => rng.normal()), [b, h, lq, lk]);
    const kernel = tf.tensor2d(Array.from({ length: 9 * h * h }, () => rng.normal()), [9 * h, h]);
    const bias = tf.tensor1d(Array.from({ length: h }, () => rng.normal()));
    const ours = attentionMapConv3x3(map, kernel, bias);
    const ref = tf.tidy(() => tf.transpose(tf.add(tf.conv2d(tf.transpose(map, [0, 2, 3, 1]) as tf.Tensor4D, tf.reshape(kernel, [3, 3, h, h]) as tf.Tensor4D, 1, 'same'), bias), [0, 3, 1, 2]));
    assert.ok(maxAbsDiff(ours, ref) < 1e-5, `[${b}, ${h}, ${lq}, ${lk}]`);
    tf.dispose([map, kernel, bias, ours, ref]);
  }
});

test('a predictive self-attention layer with α = β = 0 is the pre-norm TransformerBlock; with β > 0 the map convolution changes it; padding never does', async () => {
  await initBackend();
  const [b, len, d, h] = [2, 5, 8, 2];
  const rng = new Rng(3);
  const x = tf.tensor3d(Array.from({ length: b * len * d }, () => rng.normal()), [b, len, d]);
  const mask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]);
  const plain = new PredictiveSelfAttentionLayer('t/psa0', d, block(h, 16), 0, 0, new Rng(1));
  const ref = new TransformerBlock('t/block', d, block(h, 16), new Rng(2));
  // copy the block's weights into the layer (same order up to the layer's own map convolution)
  ref.variables().forEach((v, i) => (plain.variables()[i] as tf.Variable).assign(v));
  const noDrop = (t: tf.Tensor): tf.Tensor => t;
  const ours = plain.apply(x, mask, null, noDrop);
  const theirs = ref.apply(x, mask, noDrop);
  // real rows only (a padded query row differs and is never read: every pool is over real steps)
  const realRows = (t: tf.Tensor3D): tf.Tensor => tf.concat([tf.slice(t, [0, 0, 0], [1, 5, d]), tf.slice(t, [1, 0, 0], [1, 3, d])], 1);
  assert.ok(maxAbsDiff(realRows(ours.out), realRows(theirs)) < 1e-5);
  // the returned map is the scaled scores with padded rows / columns zeroed
  assert.equal((tf.abs(tf.slice(ours.map, [1, 0, 0, 3], [1, h, len, 2])).max().dataSync()[0] as number), 0);

  const predictive = new PredictiveSelfAttentionLayer('t/psa1', d, block(h, 16), 0.5, 0.5, new Rng(1));
  ref.variables().forEach((v, i) => (predictive.variables()[i] as tf.Variable).assign(v));
  const first = predictive.apply(x, mask, null, noDrop);
  assert.ok(maxAbsDiff(realRows(first.out), realRows(theirs)) > 1e-4, 'β = 0.5: the convolved map enters the attention');
  const second = predictive.apply(first.out, mask, first.map, noDrop);
  // clip 1 alone at its 3 real steps gives the same outputs through two layers (map carried, α = 0.5)
  const x1 = tf.slice(x, [1, 0, 0], [1, 3, d]) as tf.Tensor3D;
  const m1 = tf.ones([1, 3]) as tf.Tensor2D;
  const a1 = predictive.apply(x1, m1, null, noDrop);
  const a2 = predictive.apply(a1.out, m1, a1.map, noDrop);
  assert.ok(maxAbsDiff(tf.slice(second.out, [1, 0, 0], [1, 3, d]), a2.out) < 1e-5, 'two padded steps change no real output');
  // a one-step sequence: the 3×3 convolution reduces to its centre tap and the layer runs
  const one = predictive.apply(tf.slice(x, [0, 0, 0], [2, 1, d]) as tf.Tensor3D, tf.ones([2, 1]) as tf.Tensor2D, null, noDrop);
  assert.deepEqual(one.map.shape, [2, h, 1, 1]);
  tf.dispose([x, mask, ours.out, ours.map, theirs, first.out, first.map, second.out, second.map, x1, m1, a1.out, a1.map, a2.out, a2.map, one.out, one.map]);
  for (const m of [plain, predictive, ref]) m.dispose();
});

test('the two discriminator terms are the hand cross-entropies, total = regression + w_s·L_s + w_a·L_a, and only the agnostic vectors see a reversed gradient', async () => {
  const p = await quickData();
  const [ws, wa, lambda] = [0.3, 0.2, 0.7];
  const model = buildQuick(p, { modelDim: 2, numHeads: 1, ffDim: 4, discriminatorHidden: 2, specificWeight: ws, agnosticWeight: wa, reversalScale: lambda });
  try {
    // D(x) = ReLU(x W_1 + b_1) W_2 + b_2, the same hand weights in both discriminators
    const W1 = [[1, -1], [0.5, 2]];
    const b1 = [0.1, -0.2];
    const W2 = [[1, 0, -1], [0.5, -0.5, 2]];
    const b2 = [0, 0.3, -0.3];
    for (const d of [model.specificDiscriminator, model.agnosticDiscriminator]) {
      const [k1, c1, k2, c2] = d.variables() as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
      k1.assign(tf.tensor2d(W1));
      c1.assign(tf.tensor1d(b1));
      k2.assign(tf.tensor2d(W2));
      c2.assign(tf.tensor1d(b2));
    }
    const spec = { text: [[1, 0], [0.2, -1]], audio: [[-0.5, 0.5], [2, 1]], visual: [[0, 0], [1, 1]] };
    const agn = { text: [[0.3, 0.3], [-1, 2]], audio: [[1, -1], [0, 0.5]], visual: [[2, 0], [-0.4, 0.1]] };
    const handCe = (vecs: Record<'text' | 'audio' | 'visual', number[][]>): number => {
      let sum = 0;
      (['text', 'audio', 'visual'] as const).forEach((m, label) => {
        for (const x of vecs[m]) {
          const hid = [0, 1].map((j) => Math.max(0, (x[0] as number) * (W1[0]?.[j] as number) + (x[1] as number) * (W1[1]?.[j] as number) + (b1[j] as number)));
          const logits = [0, 1, 2].map((c) => (hid[0] as number) * (W2[0]?.[c] as number) + (hid[1] as number) * (W2[1]?.[c] as number) + (b2[c] as number));
          const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
          sum += lse - (logits[label] as number);
        }
      });
      return sum / 6;
    };
    const latents: Record<string, tf.Tensor2D> = {
      specificText: tf.tensor2d(spec.text), specificAudio: tf.tensor2d(spec.audio), specificVisual: tf.tensor2d(spec.visual),
      agnosticText: tf.tensor2d(agn.text), agnosticAudio: tf.tensor2d(agn.audio), agnosticVisual: tf.tensor2d(agn.visual),
    };
    const out: BaselineOutput = { yHat: tf.tensor1d([0.5, -1]), latents };
    const batch = { ids: ['a', 'b'], labels: tf.tensor1d([1, 0]), numLabeled: 1 } as BaselineLossBatch;
    const l = model.losses(out, batch);
    const v = (s: tf.Scalar): number => s.dataSync()[0] as number;
    assert.deepEqual(Object.keys(l.terms).sort(), ['agnosticDiscriminator', 'regression', 'specificDiscriminator']);
    assert.ok(Math.abs(v(l.terms.regression as tf.Scalar) - 0.5) < 1e-6, 'L1 on the one labeled clip: |0.5 − 1|');
    assert.ok(Math.abs(v(l.terms.specificDiscriminator as tf.Scalar) - handCe(spec)) < 1e-5);
    assert.ok(Math.abs(v(l.terms.agnosticDiscriminator as tf.Scalar) - handCe(agn)) < 1e-5);
    assert.ok(Math.abs(v(l.total) - (0.5 + ws * handCe(spec) + wa * handCe(agn))) < 1e-5);
    tf.dispose([l.total, ...Object.values(l.terms)]);

    // gradients of the total w.r.t. the vectors: +w_s ∂L_s/∂s, −λ·w_a ∂L_a/∂a (L_a without reversal)
    const names = Object.keys(latents);
    const total = (...zs: tf.Tensor[]): tf.Scalar => {
      const o: BaselineOutput = { yHat: out.yHat, latents: Object.fromEntries(names.map((n, i) => [n, zs[i] as tf.Tensor2D])) };
      const r = model.losses(o, batch);
      tf.dispose(Object.values(r.terms));
      return r.total;
    };
    const gTotal = tf.grads(total)(names.map((n) => latents[n] as tf.Tensor2D));
    const plainCe = (d: typeof model.specificDiscriminator) => (...zs: tf.Tensor[]): tf.Scalar => tf.tidy(() => {
      const logits = d.apply(tf.concat(zs, 0) as tf.Tensor2D, false, 0); // [6, 3]
      const onehot = tf.oneHot(tf.tensor1d([0, 0, 1, 1, 2, 2], 'int32'), 3);
      return tf.mean(tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    });
    const gS = tf.grads(plainCe(model.specificDiscriminator))(names.slice(0, 3).map((n) => latents[n] as tf.Tensor2D));
    const gA = tf.grads(plainCe(model.agnosticDiscriminator))(names.slice(3).map((n) => latents[n] as tf.Tensor2D));
    let nonzero = 0;
    for (let i = 0; i < 3; i++) {
      assert.ok(maxAbsDiff(gTotal[i] as tf.Tensor, tf.mul(gS[i] as tf.Tensor, ws)) < 1e-5, `${names[i]}: +w_s`);
      assert.ok(maxAbsDiff(gTotal[i + 3] as tf.Tensor, tf.mul(gA[i] as tf.Tensor, -lambda * wa)) < 1e-5, `${names[i + 3]}: −λ·w_a`);
      nonzero += tf.sum(tf.abs(gA[i] as tf.Tensor)).dataSync()[0] as number;
    }
    assert.ok(nonzero > 0, 'the check is not vacuous');
    // the discriminator D_a itself is trained on L_a without reversal: ∂total/∂W = w_a ∂L_a/∂W
    const dvars = model.agnosticDiscriminator.variables();
    const gW = tf.variableGrads(() => total(...names.map((n) => latents[n] as tf.Tensor2D)), dvars).grads;
    const gWplain = tf.variableGrads(() => plainCe(model.agnosticDiscriminator)(...names.slice(3).map((n) => latents[n] as tf.Tensor2D)), dvars).grads;
    for (const v2 of dvars) assert.ok(maxAbsDiff(gW[v2.name] as tf.Tensor, tf.mul(gWplain[v2.name] as tf.Tensor, wa)) < 1e-5, v2.name);
    tf.dispose([...gTotal, ...gS, ...gA, ...Object.values(gW), ...Object.values(gWplain), out.yHat, batch.labels, ...Object.values(latents)]);
  } finally {
    model.dispose();
  }
});

test('one audio and one visual frame per clip (the real MOSI main job): runs, and extra padded frames change no prediction', async () => {
  const p = await quickData();
  const model = buildQuick(p);
  const batch = batchOf(p, 3);
  try {
    const firstFrame = (t: tf.Tensor3D): tf.Tensor3D => tf.slice(t, [0, 0, 0], [t.shape[0], 1, t.shape[2]]);
    const ones = (b: number, n: number): tf.Tensor2D => tf.tensor2d(Array.from({ length: b * n }, (_, i) => (i % n === 0 ? 1 : 0)), [b, n]);
    const single = { ...batch, audio: firstFrame(batch.audio), audioMask: ones(3, 1), visual: firstFrame(batch.visual), visualMask: ones(3, 1) };
    const pad = (t: tf.Tensor3D): tf.Tensor3D => tf.pad(t, [[0, 0], [0, 4], [0, 0]]);
    const padded = { ...single, audio: pad(single.audio), audioMask: ones(3, 5), visual: pad(single.visual), visualMask: ones(3, 5) };
    const a = model.forward(single, { training: false });
    const b = model.forward(padded, { training: false });
    assert.deepEqual(a.yHat.shape, [3]);
    assert.ok((a.yHat.dataSync() as Float32Array).every(Number.isFinite));
    assert.ok(maxAbsDiff(a.yHat, b.yHat) < 1e-5);
    assert.ok(maxAbsDiff(a.latents.agnosticAudio as tf.Tensor, b.latents.agnosticAudio as tf.Tensor) < 1e-5);
    assert.deepEqual(Object.keys(a.latents).sort(), ['agnosticAudio', 'agnosticText', 'agnosticVisual', 'fusion', 'specificAudio', 'specificText', 'specificVisual']);
    assert.deepEqual(a.latents.fusion?.shape, [3, 6 * 8]);
    // a training forward and the loss on it: every term finite
    const t = model.forward(single, { training: true });
    const l = model.losses(t, batch);
    for (const [n, s] of Object.entries(l.terms)) assert.ok(Number.isFinite(s.dataSync()[0] as number), n);
    tf.dispose([single.audio, single.audioMask, single.visual, single.visualMask, padded.audio, padded.audioMask, padded.visual, padded.visualMask, l.total, ...Object.values(l.terms)]);
    for (const o of [a, b, t]) disposeOut(o);
  } finally {
    disposeBatch(batch);
    model.dispose();
  }
});

test('the shared training step: the report names the three terms and total = regression + w_s·L_s + w_a·L_a; no leak after a burn-in step; every variable moves', async () => {
  const p = await quickData();
  const model = buildQuick(p);
  const params = model.namedVariables();
  const opt = new NamedAdamW(params, { weightDecay: 0.01 });
  const ctx = { model, config: p.resolved.train, modelParams: params, modelOptimizer: opt, hostParams: new Set([...params.keys()].filter((k) => k.startsWith('host/'))) };
  const c = model.config;
  try {
    const before = new Map([...params].map(([k, v]) => [k, (v.dataSync() as Float32Array).slice()]));
    const step = (i: number): void => {
      const batch = batchOf(p, 8, 8 * i);
      try {
        const r = baselineStep(ctx, batch, { lr: 1e-3, hostLr: 1e-3 }, i + 1);
        assert.deepEqual(Object.keys(r.terms).sort(), ['agnosticDiscriminator', 'regression', 'specificDiscriminator', 'total']);
        const t = r.terms as Record<string, number>;
        assert.ok(Math.abs((t.total as number) - ((t.regression as number) + c.specificWeight * (t.specificDiscriminator as number) + c.agnosticWeight * (t.agnosticDiscriminator as number))) < 1e-5, JSON.stringify(t));
      } finally {
        disposeBatch(batch);
      }
    };
    step(0); // burn-in
    const moved = [...params].filter(([k, v]) => (v.dataSync() as Float32Array).some((x, j) => x !== (before.get(k) as Float32Array)[j])).map(([k]) => k);
    assert.deepEqual(moved.sort(), [...params.keys()].sort(), 'every variable moved');
    const n = tf.memory().numTensors;
    for (let i = 1; i < 3; i++) step(i);
    assert.equal(tf.memory().numTensors, n);
  } finally {
    opt.dispose();
    model.dispose();
  }
});

test('parameters: paramCount = the host table + mfsaParams, and the efficiency rows sum to it', async () => {
  const p = await quickData();
  const i = p.resolved.inputs;
  const dims = { textWidth: i.textWidth, audioDim: i.audioDim, visualDim: i.visualDim };
  const model = buildQuick(p);
  try {
    const table = 30522 * 32; // the quick BERT host's word embeddings
    const c = model.config;
    const own = Object.values(mfsaParams(c, dims)).reduce((s, n) => s + n, 0);
    // hand count of the quick config: d 8, 2 heads, ff 16, 2 PSA layers per modality, 1 + 1 agnostic layers, discriminators 8 → 8 → 3
    const fc = (a: number, b: number): number => a * b + b;
    const blockP = 4 * fc(8, 8) + 2 * 16 + fc(8, 16) + fc(16, 8);
    const hand = (32 + 8 + 16) * 8 + 3 * (2 * (blockP + 9 * 2 * 2 + 2) + 16) + 2 * (blockP + 16) + 2 * fc(48, 48) + fc(48, 1) + 2 * (fc(8, 8) + fc(8, 3));
    assert.equal(own, hand);
    assert.equal(model.paramCount(), table + hand);
    const rows = baselineCost('mfsa', c, { ...i, hostTableParams: table });
    assert.equal(rows.reduce((s, r) => s + r.params, 0), table + hand, JSON.stringify(rows));
    assert.ok(rows.every((r) => r.macs >= 0) && rows.some((r) => r.macs > 0));
  } finally {
    model.dispose();
  }
});

test('config: defaults are MulT\'s MOSI values where it has them; bad values name the key', () => {
  const c: MfsaConfig = resolveMfsaConfig();
  assert.deepEqual([c.modelDim, c.numHeads, c.ffDim, c.crossLayers, c.attentionDropout, c.reluDropout, c.residualDropout, c.embedDropout, c.outDropout, c.regressionLoss], [30, 5, 120, 5, 0.1, 0.1, 0.1, 0.2, 0, 'l1']);
  assert.equal(DEFAULT_MFSA_CONFIG.specificLayers, 5);
  assert.throws(() => resolveMfsaConfig({ mapCarry: 1.5 }), /mfsa config: mapCarry must be a weight in \[0, 1\], got 1.5/);
  assert.throws(() => resolveMfsaConfig({ mapConv: -0.1 }), /mfsa config: mapConv must be a non-negative number/);
  assert.throws(() => resolveMfsaConfig({ numHeads: 4 }), /mfsa config: modelDim \(30\) must be divisible by numHeads \(4\)/);
  assert.throws(() => resolveMfsaConfig({ reversal: 1 }), /mfsa config: unknown key "reversal" \(known: modelDim, .*reversalScale, regressionLoss\)/);
  assert.throws(() => resolveMfsaConfig({ agnosticWeight: -1 }), /agnosticWeight must be a non-negative number/);
});
