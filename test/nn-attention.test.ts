// src/nn/attention.ts: cross-attention against a hand computation, padding of keys/values never
// reaching real queries, pre- and post-norm blocks (gradients to every variable, parameter
// count, no tensor leak), the encoder stack and sinusoidal positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { MultiHeadAttention, offsetCausalBias, rngDropout, sinusoidalPositions, TransformerBlock, transformerBlockParams, TransformerEncoder, type TransformerBlockOptions } from '../src/nn/attention';
import { Rng } from '../src/util/rng';

const opts = (norm: 'pre' | 'post'): TransformerBlockOptions => ({
  numHeads: 2, ffDim: 12, norm, activation: 'relu', attentionDropout: 0.1, residualDropout: 0.1, activationDropout: 0.1, layerNormEps: 1e-5,
});

function randn(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

test('cross-attention equals softmax(q Wq (kv Wk)ᵀ/√d) kv Wv Wo computed by hand (one head, padded key masked)', async () => {
  await initBackend();
  const mha = new MultiHeadAttention('t/mha', 2, 1, new Rng(1));
  const q = tf.tensor3d([[[1, 0], [0.5, -1]]]); // [1, 2, 2]
  const kv = tf.tensor3d([[[0, 1], [2, 1], [9, 9]]]); // [1, 3, 2], the last step padded
  const mask = tf.tensor2d([[1, 1, 0]]);
  const got = mha.apply(q, kv, mask, 0, (x) => x).arraySync()[0] as number[][];
  const W = (d: { w: tf.Variable; b: tf.Variable | null }) => ({ w: d.w.arraySync() as number[][], b: (d.b as tf.Variable).arraySync() as number[] });
  const lin = (x: number[], p: { w: number[][]; b: number[] }) => p.b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * (p.w[i] as number[])[j]!, 0));
  const [Wq, Wk, Wv, Wo] = [W(mha.query), W(mha.key), W(mha.value), W(mha.output)];
  const keys = [[0, 1], [2, 1]].map((x) => lin(x, Wk));
  const vals = [[0, 1], [2, 1]].map((x) => lin(x, Wv));
  [[1, 0], [0.5, -1]].forEach((x, i) => {
    const qi = lin(x, Wq);
    const s = keys.map((k) => (k[0]! * qi[0]! + k[1]! * qi[1]!) / Math.sqrt(2));
    const e = s.map((v) => Math.exp(v - Math.max(...s)));
    const p = e.map((v) => v / (e[0]! + e[1]!));
    const ctx = [0, 1].map((j) => p[0]! * vals[0]![j]! + p[1]! * vals[1]![j]!);
    const want = lin(ctx, Wo);
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(got[i]![j]! - want[j]!) < 1e-5, `query ${i}, dim ${j}: ${got[i]![j]} vs ${want[j]}`);
  });
  tf.dispose([q, kv, mask]);
  mha.dispose();
});

test('MultiHeadAttention refuses a width not divisible by the heads', async () => {
  await initBackend();
  assert.throws(() => new MultiHeadAttention('t/bad', 6, 4, new Rng(1)), /divisible/);
});

for (const norm of ['pre', 'post'] as const) {
  test(`${norm}-norm block: padded kv steps and padded queries do not change real outputs; gradients reach every variable; hand parameter count; no leak`, async () => {
    await initBackend();
    const block = new TransformerBlock(`t/${norm}`, 8, opts(norm), new Rng(2));
    assert.equal(block.paramCount(), transformerBlockParams(8, 12));
    assert.equal(block.variables().reduce((s, v) => s + v.size, 0), transformerBlockParams(8, 12));
    const x = randn([2, 4, 8], 3) as tf.Tensor3D;
    const xMask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]]);
    const kv = randn([2, 5, 8], 4) as tf.Tensor3D;
    const kvMask = tf.tensor2d([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0]]);
    const id = (t: tf.Tensor) => t;
    // change every padded step of x and kv
    const noise = (t: tf.Tensor3D, m: tf.Tensor2D, seed: number) => tf.tidy(() => tf.add(t, tf.mul(tf.sub(1, tf.expandDims(m, 2)), randn(t.shape, seed))) as tf.Tensor3D);
    const x2 = noise(x, xMask, 5);
    const kv2 = noise(kv, kvMask, 6);
    const before = tf.memory().numTensors;
    for (const cross of [false, true]) {
      const a = block.apply(x, xMask, id, cross ? { seq: kv, mask: kvMask } : undefined);
      const b = block.apply(x2, xMask, id, cross ? { seq: kv2, mask: kvMask } : undefined);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.mul(tf.sub(a, b), tf.expandDims(xMask, 2)))).dataSync()[0] as number);
      assert.ok(diff < 1e-4, `cross=${cross}: real outputs moved by ${diff}`);
      tf.dispose([a, b]);
    }
    assert.equal(tf.memory().numTensors, before, 'apply leaks no tensor');
    const vars = block.variables();
    const rng = new Rng(7);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(block.apply(x, xMask, rngDropout(true, rng), { seq: kv, mask: kvMask }))) as tf.Scalar, vars);
    for (const v of vars) {
      const g = grads[v.name];
      assert.ok(g !== undefined && (tf.sum(tf.abs(g)).dataSync()[0] as number) > 0, `no gradient for ${v.name}`);
    }
    tf.dispose([value, ...Object.values(grads), x, xMask, kv, kvMask, x2, kv2]);
    block.dispose();
  });
}

test('pre-norm block is x + sublayers: with zeroed output projections it is the identity; post-norm normalises', async () => {
  await initBackend();
  const block = new TransformerBlock('t/id', 8, opts('pre'), new Rng(8));
  for (const d of [block.attention.output, block.ff2]) {
    d.w.assign(tf.zerosLike(d.w));
    (d.b as tf.Variable).assign(tf.zerosLike(d.b as tf.Variable));
  }
  const x = randn([1, 3, 8], 9) as tf.Tensor3D;
  const mask = tf.ones([1, 3]) as tf.Tensor2D;
  const y = block.apply(x, mask, (t) => t);
  assert.ok((tf.max(tf.abs(tf.sub(x, y))).dataSync()[0] as number) < 1e-6);
  const post = new TransformerBlock('t/post', 8, opts('post'), new Rng(8));
  const z = post.apply(x, mask, (t) => t);
  const { mean, variance } = tf.moments(z, 2);
  assert.ok((tf.max(tf.abs(mean)).dataSync()[0] as number) < 1e-5, 'post-norm output has zero mean per step (γ = 1, β = 0)');
  assert.ok((tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0] as number) < 1e-3, 'and unit variance');
  tf.dispose([x, mask, y, z, mean, variance]);
  block.dispose();
  post.dispose();
});

test('TransformerEncoder: stable names, final LayerNorm only with pre-norm, parameter count', async () => {
  await initBackend();
  const pre = new TransformerEncoder('t/enc', 8, 2, opts('pre'), new Rng(10));
  const post = new TransformerEncoder('t/encpost', 8, 2, opts('post'), new Rng(10));
  assert.equal(pre.paramCount(), 2 * transformerBlockParams(8, 12) + 16);
  assert.equal(post.paramCount(), 2 * transformerBlockParams(8, 12));
  assert.equal(pre.variables().reduce((s, v) => s + v.size, 0), pre.paramCount());
  const names = pre.variables().map((v) => v.name.replace(/_\d+$/, ''));
  assert.ok(names.includes('t/enc/layer1/attention/query/kernel') && names.includes('t/enc/finalNorm/gamma'), names.join(','));
  assert.equal(new Set(names).size, names.length, 'names are unique');
  assert.throws(() => new TransformerEncoder('t/none', 8, 0, opts('pre'), new Rng(1)), /numLayers/);
  pre.dispose();
  post.dispose();
});

test('sinusoidal positions: PE[t, 2i] = sin(t/10000^{2i/D}), PE[t, 2i+1] = cos(…)', async () => {
  await initBackend();
  const pe = sinusoidalPositions(5, 6);
  const v = pe.arraySync();
  assert.deepEqual(pe.shape, [5, 6]);
  assert.ok(Math.abs(v[3]![2]! - Math.sin(3 / Math.pow(10000, 2 / 6))) < 1e-6);
  assert.ok(Math.abs(v[3]![3]! - Math.cos(3 / Math.pow(10000, 2 / 6))) < 1e-6);
  assert.equal(v[0]![1], 1);
  pe.dispose();
});

test('offset future mask (MulT, causal: true): query i sees real key j iff j ≤ i + |n_k − n_q|, from the real lengths, so padding moves nothing', async () => {
  await initBackend();
  // n_q = 2, n_k = 4 (+1 padded key, +1 padded query): offset 2, so query 0 sees keys 0–2, query 1 sees 0–3
  const bias = offsetCausalBias(tf.tensor2d([[1, 1, 0]]), tf.tensor2d([[1, 1, 1, 1, 0]]));
  assert.deepEqual(bias.shape, [1, 1, 3, 5]);
  assert.deepEqual(bias.arraySync()[0]![0], [[0, 0, 0, -10000, -10000], [0, 0, 0, 0, -10000], [0, 0, 0, 0, 0]]);
  // equal lengths: the plain causal triangle; a padded batch of the same clip gives the same real entries
  const self = offsetCausalBias(tf.tensor2d([[1, 1, 1, 0, 0]]), tf.tensor2d([[1, 1, 1, 0, 0]])).arraySync()[0]![0]!;
  assert.deepEqual(self.slice(0, 3).map((r) => r.slice(0, 3)), [[0, -10000, -10000], [0, 0, -10000], [0, 0, 0]]);
  bias.dispose();

  const causal = new TransformerBlock('t/causal', 8, { ...opts('pre'), causal: true }, new Rng(11));
  const plain = new TransformerBlock('t/plain', 8, opts('pre'), new Rng(11));
  assert.equal(causal.paramCount(), plain.paramCount(), 'the mask adds no parameter');
  const id = (t: tf.Tensor) => t;
  const x = randn([1, 4, 8], 12) as tf.Tensor3D;
  const mask = tf.ones([1, 4]) as tf.Tensor2D;
  const later = tf.tidy(() => tf.concat([tf.slice(x, [0, 0, 0], [1, 2, 8]), randn([1, 2, 8], 13)], 1) as tf.Tensor3D); // steps 2, 3 changed
  const rowsDiff = (a: tf.Tensor3D, b: tf.Tensor3D): number[] => tf.tidy(() => Array.from(tf.max(tf.abs(tf.sub(a, b)), [0, 2]).dataSync()));
  // self-attention: steps 0, 1 never see steps 2, 3 with the mask; they do without it
  const [c1, c2, p1, p2] = [causal.apply(x, mask, id), causal.apply(later, mask, id), plain.apply(x, mask, id), plain.apply(later, mask, id)];
  const dc = rowsDiff(c1, c2);
  assert.ok(dc[0]! < 1e-6 && dc[1]! < 1e-6 && dc[2]! > 1e-3, `causal: ${dc}`);
  assert.ok(rowsDiff(p1, p2)[0]! > 1e-3, 'without the mask step 0 sees the later steps');
  // cross-attention, 2 queries over 4 keys (offset 2): key 3 reaches query 1 only
  const q = tf.slice(x, [0, 0, 0], [1, 2, 8]) as tf.Tensor3D;
  const qMask = tf.ones([1, 2]) as tf.Tensor2D;
  const kv = randn([1, 4, 8], 14) as tf.Tensor3D;
  const kv2 = tf.tidy(() => tf.concat([tf.slice(kv, [0, 0, 0], [1, 3, 8]), randn([1, 1, 8], 15)], 1) as tf.Tensor3D);
  const [k1, k2] = [causal.apply(q, qMask, id, { seq: kv, mask }), causal.apply(q, qMask, id, { seq: kv2, mask })];
  const dk = rowsDiff(k1, k2);
  assert.ok(dk[0]! < 1e-6 && dk[1]! > 1e-3, `cross: ${dk}`);
  // padding the queries and the keys by 3 steps each moves no real output (the offset comes from the real lengths)
  const padQ = tf.pad(q, [[0, 0], [0, 3], [0, 0]]) as tf.Tensor3D;
  const padKv = tf.pad(kv, [[0, 0], [0, 3], [0, 0]]) as tf.Tensor3D;
  const k3 = causal.apply(padQ, tf.tensor2d([[1, 1, 0, 0, 0]]), id, { seq: padKv, mask: tf.tensor2d([[1, 1, 1, 1, 0, 0, 0]]) });
  const dp = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.slice(k3, [0, 0, 0], [1, 2, 8]), k1))).dataSync()[0] as number);
  assert.ok(dp < 1e-5, `padded: ${dp}`);
  // the encoder stack passes the option to every layer; gradients still reach every variable
  const enc = new TransformerEncoder('t/causalEnc', 8, 2, { ...opts('pre'), causal: true }, new Rng(16));
  const rng = new Rng(17);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(enc.apply(x, mask, rngDropout(true, rng)))) as tf.Scalar, enc.variables());
  for (const v of enc.variables()) assert.ok((tf.sum(tf.abs(grads[v.name] as tf.Tensor)).dataSync()[0] as number) > 0, `no gradient for ${v.name}`);
  tf.dispose([value, ...Object.values(grads), x, mask, later, c1, c2, p1, p2, q, qMask, kv, kv2, k1, k2, k3, padQ, padKv]);
  causal.dispose();
  plain.dispose();
  enc.dispose();
});
