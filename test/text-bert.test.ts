import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, useBackend } from '../src/backend';
import { Bert } from '../src/text/bert';
import { bertConfig, bertParamCount, BERT_PRESETS } from '../src/text/bert-config';
import { meanPool } from '../src/nn/layers';

await initBackend();

const cfg = bertConfig('tiny', { vocabSize: 200, maxPositions: 64 });

function idsAndMask(rows: number[][], width: number): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const ids = rows.map((r) => [...r, ...new Array(width - r.length).fill(0)]);
  const mask = rows.map((r) => [...r.map(() => 1), ...new Array(width - r.length).fill(0)]);
  return { ids: tf.tensor2d(ids, undefined, 'int32'), mask: tf.tensor2d(mask) };
}

test('presets, config validation and parameter count', () => {
  assert.equal(BERT_PRESETS.base.hiddenSize, 768);
  assert.equal(BERT_PRESETS.base.numLayers, 12);
  // bert-base-uncased BertModel has 109,482,240 parameters, of which the pooler is 768·768 + 768
  assert.equal(bertParamCount(BERT_PRESETS.base), 109_482_240 - 590_592);
  assert.throws(() => bertConfig('tiny', { hiddenSize: 31 }), /not divisible by numHeads/);
  assert.throws(() => bertConfig('tiny', { hidenSize: 3 } as never), /unknown config key "hidenSize"/);
  assert.throws(() => bertConfig('huge' as never), /unknown BERT preset/);
  const bert = new Bert(cfg, 1);
  assert.equal(bert.paramCount(), bertParamCount(cfg));
  bert.dispose();
});

test('shapes of embed, runLayers split at k, forward, meanPool and pool', () => {
  const bert = new Bert(cfg, 2, { pooler: true });
  const { ids, mask } = idsAndMask([[101 % 200, 5, 6, 7, 102 % 200], [101 % 200, 9, 102 % 200]], 5);
  const e = bert.embed(ids, false);
  assert.deepEqual(e.shape, [2, 5, 64]);
  const h1 = bert.runLayers(e, mask, 0, 1, false);
  const h2 = bert.runLayers(h1, mask, 1, 2, false);
  const full = bert.forward(ids, mask, false);
  assert.deepEqual(full.shape, [2, 5, 64]);
  // running the layers in two pieces equals running them at once (the WSA injection point)
  assert.ok(tf.max(tf.abs(tf.sub(h2, full))).dataSync()[0]! < 1e-6);
  const k0 = bert.runLayers(e, mask, 0, 0, false);
  assert.ok(tf.max(tf.abs(tf.sub(k0, e))).dataSync()[0]! === 0);
  assert.deepEqual(meanPool(full, mask).shape, [2, 64]);
  assert.deepEqual(bert.pool(full).shape, [2, 64]);
  assert.throws(() => bert.runLayers(e, mask, 1, 3, false), /0 ≤ from ≤ to ≤ 2/);
  assert.throws(() => bert.runLayers(e, tf.ones([2, 4]) as tf.Tensor2D, 0, 1, false), /mask \[2,4\]/);
  tf.dispose([ids, mask, e, h1, h2, full, k0]);
  bert.dispose();
});

test('meanPool averages only real tokens', () => {
  const h = tf.tensor3d([[[1, 2], [3, 4], [100, 100]]]);
  const m = tf.tensor2d([[1, 1, 0]]);
  assert.deepEqual(Array.from(meanPool(h, m).dataSync()), [2, 3]);
});

test('padding invariance: extra [PAD] keys with mask 0 change no real token', () => {
  const bert = new Bert(cfg, 3);
  const a = idsAndMask([[1, 5, 6, 7, 2]], 5);
  const b = idsAndMask([[1, 5, 6, 7, 2]], 12);
  const ha = bert.forward(a.ids, a.mask, false);
  const hb = tf.slice(bert.forward(b.ids, b.mask, false), [0, 0, 0], [1, 5, 64]);
  const diff = tf.max(tf.abs(tf.sub(ha, hb))).dataSync()[0]!;
  assert.ok(diff < 1e-5, `max diff ${diff}`);
  // and the mask matters: the same padded ids without a mask give different states
  const hn = tf.slice(bert.forward(b.ids, tf.ones([1, 12]) as tf.Tensor2D, false), [0, 0, 0], [1, 5, 64]);
  assert.ok(tf.max(tf.abs(tf.sub(ha, hn))).dataSync()[0]! > 1e-3);
  bert.dispose();
});

function trainStep(bert: Bert, opt: tf.Optimizer, ids: tf.Tensor2D, mask: tf.Tensor2D, head: tf.Variable): number {
  const loss = opt.minimize(() => {
    const pooled = meanPool(bert.forward(ids, mask, true), mask); // [B, H]
    const y = tf.squeeze(tf.matMul(pooled, head), [1]);
    return tf.mean(tf.square(tf.sub(y, tf.tensor1d([1, -1])))) as tf.Scalar;
  }, true, [...bert.variables(), head]) as tf.Scalar;
  const v = loss.dataSync()[0]!;
  loss.dispose();
  return v;
}

test('no tensor leak after a burn-in forward and training step', () => {
  const bert = new Bert(cfg, 4);
  const head = tf.variable(tf.ones([64, 1]).mul(0.1));
  const opt = tf.train.adam(1e-3);
  const { ids, mask } = idsAndMask([[1, 5, 6, 7, 2], [1, 8, 2]], 5);
  trainStep(bert, opt, ids, mask, head);
  tf.tidy(() => bert.forward(ids, mask, false));
  const before = tf.memory().numTensors;
  trainStep(bert, opt, ids, mask, head);
  tf.dispose(bert.forward(ids, mask, true));
  tf.dispose(tf.tidy(() => meanPool(bert.runLayers(bert.embed(ids, false), mask, 0, 1, false), mask)));
  assert.equal(tf.memory().numTensors, before);
  bert.dispose();
  head.dispose();
  opt.dispose();
});

// SGD, not Adam: Adam divides by √v, so gradients that are zero in exact arithmetic (the key
// bias: softmax ignores a per-query constant) turn float noise into full ±lr steps.
test('a training step with dropout on wasm matches cpu to 1e-4', async () => {
  const results: Float32Array[] = [];
  const losses: number[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    const bert = new Bert(cfg, 5);
    const head = tf.variable(tf.ones([64, 1]).mul(0.1));
    const opt = tf.train.sgd(0.5);
    const { ids, mask } = idsAndMask([[1, 5, 6, 7, 2], [1, 8, 2]], 5);
    losses.push(trainStep(bert, opt, ids, mask, head));
    trainStep(bert, opt, ids, mask, head);
    results.push(tf.concat(bert.variables().map((v) => tf.reshape(v, [-1]))).dataSync() as Float32Array);
    bert.dispose();
    head.dispose();
    opt.dispose();
    tf.dispose([ids, mask]);
  }
  await initBackend();
  await useBackend('wasm');
  assert.ok(Math.abs(losses[0]! - losses[1]!) < 1e-4, `losses ${losses}`);
  const [a, b] = results as [Float32Array, Float32Array];
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
  assert.ok(maxDiff < 1e-4, `max parameter difference ${maxDiff}`);
});

test('dropout acts only in training mode and is reproducible from its seed', () => {
  const bert = new Bert(cfg, 6);
  const { ids, mask } = idsAndMask([[1, 5, 6, 7, 2], [1, 8, 2]], 5);
  const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
  const e1 = bert.forward(ids, mask, false);
  const e2 = bert.forward(ids, mask, false);
  assert.equal(maxDiff(e1, e2), 0);
  bert.setDropoutSeed(11);
  const t1 = bert.forward(ids, mask, true);
  const t2 = bert.forward(ids, mask, true); // the stream moved on: other masks
  bert.setDropoutSeed(11);
  const t3 = bert.forward(ids, mask, true);
  assert.ok(maxDiff(t1, e1) > 1e-3, 'training forward equals evaluation forward');
  assert.ok(maxDiff(t1, t2) > 1e-3, 'two training forwards drew the same dropout masks');
  assert.equal(maxDiff(t1, t3), 0);
  // with both dropout rates 0 a training forward is the evaluation forward
  const plain = new Bert({ ...cfg, hiddenDropout: 0, attentionDropout: 0 }, 6);
  const p1 = plain.forward(ids, mask, true);
  assert.equal(maxDiff(p1, e1), 0);
  tf.dispose([ids, mask, e1, e2, t1, t2, t3, p1]);
  bert.dispose();
  plain.dispose();
});
