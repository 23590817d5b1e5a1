// HSIC (src/mi/hsic.ts) against a plain double-loop computation, near 0 for independent samples and
// clearly above it for dependent ones, invariant to a joint permutation of the rows, and with a
// gradient that lowers it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { hsic } from '../src/mi/hsic';
import { Rng } from '../src/util/rng';

await initBackend();

function sample(n: number, d: number, rng: Rng): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

function hsicByHand(x: number[][], y: number[][]): number {
  const n = x.length;
  const gram = (a: number[][]): number[][] => {
    const d2 = a.map((r) => a.map((s) => r.reduce((acc, v, k) => acc + (v - (s[k] as number)) ** 2, 0)));
    const sigma2 = d2.flat().reduce((p, v) => p + v, 0) / (n * (n - 1));
    return d2.map((r) => r.map((v) => Math.exp(-v / (2 * sigma2))));
  };
  const [k, l] = [gram(x), gram(y)];
  let tr = 0; // tr(K H L H) with H = I − 11ᵀ/n, as matrices
  const h = (i: number, j: number): number => (i === j ? 1 : 0) - 1 / n;
  const mul = (a: number[][], b: (i: number, j: number) => number): number[][] => a.map((_, i) => a.map((__, j) => a[i]!.reduce((acc, v, m) => acc + v * b(m, j), 0)));
  const kh = mul(k, h);
  const lh = mul(l, h);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) tr += kh[i]![j]! * lh[j]![i]!;
  return tr / ((n - 1) * (n - 1));
}

test('hsic equals the double-loop tr(KHLH)/(n−1)² with mean-distance bandwidths', () => {
  const rng = new Rng(1);
  const x = sample(12, 3, rng);
  const y = x.map((r) => [r[0]! + 0.3 * rng.normal(), rng.normal()]);
  const got = tf.tidy(() => hsic(tf.tensor2d(x), tf.tensor2d(y)).dataSync()[0] as number);
  const want = hsicByHand(x, y);
  assert.ok(Math.abs(got - want) < 1e-5 * Math.max(1, want), `${got} vs ${want}`);
});

test('hsic: near 0 for independent samples, well above for dependent ones; a joint row permutation leaves it unchanged', () => {
  const rng = new Rng(2);
  const x = sample(200, 4, rng);
  const indep = sample(200, 4, rng);
  const dep = x.map((r) => r.map((v) => Math.tanh(v) + 0.2 * rng.normal()));
  const [hi, hd] = tf.tidy(() => [hsic(tf.tensor2d(x), tf.tensor2d(indep)), hsic(tf.tensor2d(x), tf.tensor2d(dep))].map((t) => t.dataSync()[0] as number));
  assert.ok(hd > 10 * hi, `dependent ${hd} vs independent ${hi}`);
  const perm = new Rng(3).permutation(200);
  const hp = tf.tidy(() => hsic(tf.tensor2d(perm.map((i) => x[i]!)), tf.tensor2d(perm.map((i) => dep[i]!))).dataSync()[0] as number);
  assert.ok(Math.abs(hp - hd) < 1e-5, `${hp} vs ${hd}`);
  assert.throws(() => hsic(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D), /x has 3 rows, y has 4/);
});

test('hsic: gradient steps on y lower the dependence on x', () => {
  const rng = new Rng(4);
  const x = tf.tensor2d(sample(64, 3, rng));
  const y = tf.variable(tf.add(x, tf.randomNormal([64, 3], 0, 0.1, 'float32', 5))) as unknown as tf.Variable<tf.Rank.R2> & tf.Tensor2D;
  const value = (): number => tf.tidy(() => hsic(x, y).dataSync()[0] as number);
  const before = value();
  const opt = tf.train.adam(0.05);
  for (let i = 0; i < 100; i++) opt.minimize(() => hsic(x, y), false, [y]);
  const after = value();
  assert.ok(after < 0.5 * before, `HSIC ${before} → ${after}`);
  tf.dispose([x, y]);
  opt.dispose();
});
