// Sparsemax against a brute-force Euclidean projection onto the simplex (bisection on τ in
// float64), its custom gradient against finite differences of that projection, masking,
// and the masked softmax alternative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { sparsemax, maskedSoftmax } from '../src/nn/sparsemax';
import { Rng } from '../src/util/rng';
import { projectSimplex } from './reference-math';

function randomRows(rows: number, n: number, seed: number, scale: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: n }, () => rng.normal() * scale));
}

test('sparsemax equals the brute-force simplex projection, sums to 1, and is sparse', async () => {
  await initBackend();
  const n = 9;
  for (const scale of [0.1, 1, 5]) {
    const z = randomRows(6, n, 11 + scale, scale);
    const mask = z.map((_, r) => Array.from({ length: n }, (_, i) => (i < n - r ? 1 : 0))); // row r has r padded
    const p = tf.tidy(() => sparsemax(tf.tensor2d(z), tf.tensor2d(mask)).arraySync() as number[][]);
    for (let r = 0; r < z.length; r++) {
      const ref = projectSimplex(z[r] as number[], mask[r] as number[]);
      const row = p[r] as number[];
      for (let i = 0; i < n; i++) assert.ok(Math.abs((row[i] as number) - (ref[i] as number)) < 1e-5, `scale ${scale} row ${r} col ${i}: ${row[i]} vs ${ref[i]}`);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      for (let i = n - r; i < n; i++) assert.equal(row[i], 0, 'masked entry must be exactly 0');
    }
    if (scale === 5) {
      const zeros = p.flat().filter((v) => v === 0).length;
      assert.ok(zeros > p.length * 3, `large scores should give a sparse output, got ${zeros} zeros`);
    }
  }
});

test('sparsemax: all-masked rows give zeros (no NaN), masked values never matter, 3-D broadcast mask', async () => {
  await initBackend();
  const out = tf.tidy(() => {
    const z = tf.tensor3d([[[1, 2, 3], [4, 5, 6]], [[0.5, -1, 100], [7, 7, 7]]]); // [2, 2, 3]
    const mask = tf.tensor3d([[[1, 1, 0]], [[0, 0, 0]]]); // [2, 1, 3] broadcast over rows
    return sparsemax(z, mask).arraySync() as number[][][];
  });
  assert.deepEqual(out[1], [[0, 0, 0], [0, 0, 0]]);
  assert.equal(out[0]?.[0]?.[2], 0);
  const a = tf.tidy(() => sparsemax(tf.tensor2d([[0.3, 0.1, 99, -50]]), tf.tensor2d([[1, 1, 0, 0]])).arraySync() as number[][]);
  const b = tf.tidy(() => sparsemax(tf.tensor2d([[0.3, 0.1, -7, 3]]), tf.tensor2d([[1, 1, 0, 0]])).arraySync() as number[][]);
  assert.deepEqual(a, b);
  assert.ok(Math.abs((a[0]?.[0] as number) - 0.6) < 1e-6);
  const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(sparsemax(x, tf.tensor2d([[0, 0, 0]])), tf.tensor2d([[1, 2, 3]]))))(tf.tensor2d([[1, 2, 3]])).arraySync() as number[][]);
  assert.deepEqual(g, [[0, 0, 0]]);
});

test('sparsemax gradient matches finite differences of the projection', async () => {
  await initBackend();
  const n = 7;
  const z = randomRows(5, n, 3, 1.5);
  const mask = z.map((_, r) => Array.from({ length: n }, (_, i) => (i < n - (r % 3) ? 1 : 0)));
  const w = randomRows(5, n, 4, 1);
  const loss = (zz: number[][]): number => zz.reduce((acc, row, r) => acc + projectSimplex(row, mask[r] as number[]).reduce((a, p, i) => a + p * ((w[r] as number[])[i] as number), 0), 0);
  const grad = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(sparsemax(x, tf.tensor2d(mask)), tf.tensor2d(w))))(tf.tensor2d(z)).arraySync() as number[][]);
  const eps = 1e-4;
  let checked = 0;
  for (let r = 0; r < z.length; r++) {
    for (let i = 0; i < n; i++) {
      const plus = z.map((row) => row.slice());
      const minus = z.map((row) => row.slice());
      (plus[r] as number[])[i] = ((z[r] as number[])[i] as number) + eps;
      (minus[r] as number[])[i] = ((z[r] as number[])[i] as number) - eps;
      const fd = (loss(plus) - loss(minus)) / (2 * eps);
      const g = (grad[r] as number[])[i] as number;
      assert.ok(Math.abs(fd - g) < 1e-3, `row ${r} col ${i}: analytic ${g} vs numeric ${fd}`);
      if (g !== 0) checked += 1;
    }
  }
  assert.ok(checked > 5, 'some gradients must be non-zero');
});

test('masked softmax: masked entries are 0, rows sum to 1, all-masked rows are 0', async () => {
  await initBackend();
  const p = tf.tidy(() => maskedSoftmax(tf.tensor2d([[1, 2, 3], [1, 2, 3]]), tf.tensor2d([[1, 1, 0], [0, 0, 0]])).arraySync() as number[][]);
  assert.equal(p[0]?.[2], 0);
  assert.ok(Math.abs((p[0]?.[0] as number) + (p[0]?.[1] as number) - 1) < 1e-6);
  assert.deepEqual(p[1], [0, 0, 0]);
});

test('sparsemax: a one-element support passes no gradient to the scores (why unscaled WSA can leave f_sim untrained)', async () => {
  await initBackend();
  const w = tf.tensor2d([[0.4, -1.3, 2.1], [0.4, -1.3, 2.1]]);
  const [p, g] = tf.tidy(() => {
    const z = tf.tensor2d([[3, 0.5, -1], [1, 0.8, -2]]); // row 0: support {0}; row 1: support {0, 1}
    const f = (x: tf.Tensor): tf.Tensor => tf.sum(tf.mul(sparsemax(x), w));
    return [sparsemax(z).arraySync() as number[][], tf.grad(f)(z).arraySync() as number[][]];
  });
  assert.deepEqual(p[0], [1, 0, 0]);
  assert.deepEqual(g[0], [0, 0, 0], 'Jacobian diag(s) − s sᵀ/|S| is 0 when |S| = 1');
  assert.ok(Math.abs((p[1]?.[0] as number) - 0.6) < 1e-6 && Math.abs((p[1]?.[1] as number) - 0.4) < 1e-6);
  // |S| = 2: dz = s ⊙ (w − mean_S w) = [0.4 − (−0.45), −1.3 − (−0.45), 0]
  const expected = [0.85, -0.85, 0];
  expected.forEach((e, i) => assert.ok(Math.abs((g[1]?.[i] as number) - e) < 1e-6, `row 1 col ${i}: ${g[1]?.[i]} vs ${e}`));
  w.dispose();
});
