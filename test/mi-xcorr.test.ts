// The cross-correlation penalty (src/mi/xcorr.ts) against a plain loop over Pearson correlations;
// 0 when the columns are uncorrelated by construction, invariant to rescaling and shifting either
// sample, 1 for a copy; its gradient removes the linear dependence (a least-squares probe's R²
// falls), and an orthogonality-style escape (moving the information to other coordinates) does
// not lower it. The canonical-correlation penalty: Newton–Schulz A^(−1/2), whitened columns,
// invariance to an invertible linear map, and a dependence hidden in a low-variance direction
// that the per-coordinate penalty misses and it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { canonicalCorrelationPenalty, covarianceDeviation, crossCorrelation, crossCorrelationPenalty, inverseSqrtSpd, whitenColumns } from '../src/mi/xcorr';
import { Rng } from '../src/util/rng';

await initBackend();

function sample(n: number, d: number, rng: Rng): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((p, v) => p + v, 0) / n;
  const mb = b.reduce((p, v) => p + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const col = (m: number[][], j: number): number[] => m.map((r) => r[j]!);
const value = (t: () => tf.Tensor): number => tf.tidy(() => t().dataSync()[0] as number);

test('xcorr: every entry is the Pearson correlation of a column pair; the penalty is their mean square', () => {
  const rng = new Rng(1);
  const x = sample(20, 3, rng);
  const y = x.map((r) => [r[0]! + 0.5 * rng.normal(), rng.normal(), r[1]! - r[2]!, 2]);
  const r = tf.tidy(() => crossCorrelation(tf.tensor2d(x), tf.tensor2d(y)).arraySync());
  let sq = 0;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const want = pearson(col(x, i), col(y, j));
      assert.ok(Math.abs(r[i]![j]! - want) < 1e-5, `R[${i}][${j}] ${r[i]![j]} vs ${want}`);
      sq += want * want;
    }
    assert.equal(r[i]![3], 0, 'a constant column correlates with nothing'); // sd 0: 0 / sqrt(ε)
  }
  const p = value(() => crossCorrelationPenalty(tf.tensor2d(x), tf.tensor2d(y)));
  assert.ok(Math.abs(p - sq / 12) < 1e-5, `${p} vs ${sq / 12}`);
  assert.throws(() => crossCorrelation(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D), /x has 3 rows, y has 4/);
  assert.throws(() => crossCorrelation(tf.zeros([1, 2]) as tf.Tensor2D, tf.zeros([1, 2]) as tf.Tensor2D), /at least 2 paired rows/);
});

test('xcorr: 0 for columns uncorrelated by construction, 1 for a copy, unchanged by scale and shift', () => {
  // two ±1 Hadamard columns and their product: pairwise uncorrelated exactly
  const x = [[1, 1], [1, -1], [-1, 1], [-1, -1]];
  const y = x.map((r) => [r[0]! * r[1]!]);
  assert.ok(value(() => crossCorrelationPenalty(tf.tensor2d(x), tf.tensor2d(y))) < 1e-10);
  const rng = new Rng(2);
  const a = sample(50, 1, rng);
  assert.ok(Math.abs(value(() => crossCorrelationPenalty(tf.tensor2d(a), tf.tensor2d(a))) - 1) < 1e-5);
  const b = sample(50, 4, rng).map((r, i) => [r[0]! + a[i]![0]!, ...r.slice(1)]);
  const base = value(() => crossCorrelationPenalty(tf.tensor2d(a), tf.tensor2d(b)));
  const moved = value(() => crossCorrelationPenalty(tf.tensor2d(a.map((r) => [0.05 * r[0]! + 5])), tf.tensor2d(b.map((r) => r.map((v) => 40 * v - 3)))));
  assert.ok(base > 0.05 && Math.abs(moved - base) < 1e-4, `${base} vs ${moved}`);
});

test('xcorr: gradient steps on y remove what a linear probe from y reads of x; moving x into unused coordinates does not lower it', () => {
  const rng = new Rng(3);
  const n = 128;
  const s = sample(n, 2, rng); // the "shared factor"
  const p = sample(n, 2, rng); // the "private factor"
  // y holds both, mixed: a probe from y reads s
  const y0 = s.map((r, i) => [r[0]! + p[i]![0]!, r[1]! - p[i]![1]!, p[i]![0]! + 0.5 * r[1]!, p[i]![1]!]);
  const probeR2 = (y: number[][]): number => {
    // R² of least squares s ~ y (with intercept), averaged over the columns of s
    const X = tf.tensor2d(y.map((r) => [...r, 1]));
    const r2 = [0, 1].map((j) => tf.tidy(() => {
      const t = tf.tensor2d(col(s, j), [n, 1]);
      const xtx = tf.matMul(X, X, true, false).arraySync() as number[][];
      const xtt = (tf.matMul(X, t, true, false).arraySync() as number[][]).map((r) => r[0]!);
      const w = solve(xtx, xtt);
      const fit = y.map((r) => [...r, 1].reduce((acc, v, k) => acc + v * w[k]!, 0));
      const mean = col(s, j).reduce((acc, v) => acc + v, 0) / n;
      const ssr = fit.reduce((acc, f, i) => acc + (s[i]![j]! - f) ** 2, 0);
      const sst = col(s, j).reduce((acc, v) => acc + (v - mean) ** 2, 0);
      return 1 - ssr / sst;
    }));
    X.dispose();
    return (r2[0]! + r2[1]!) / 2;
  };
  const xs = tf.tensor2d(s);
  const y = tf.variable(tf.tensor2d(y0)) as unknown as tf.Variable<tf.Rank.R2> & tf.Tensor2D;
  const before = probeR2(y0);
  const opt = tf.train.adam(0.02);
  for (let i = 0; i < 300; i++) opt.minimize(() => crossCorrelationPenalty(xs, y), false, [y]);
  const after = probeR2(y.arraySync() as number[][]);
  assert.ok(before > 0.4 && after < 0.05, `probe R² of s from y: ${before} → ${after}`);
  // the orthogonality escape: s kept, in coordinates x does not use, is still correlated with x
  const padded = s.map((r) => [r[0]!, r[1]!, 0, 0]);
  const elsewhere = s.map((r) => [0, 0, r[0]!, r[1]!]);
  const ortho = padded.reduce((acc, r, i) => acc + r.reduce((a2, v, k) => a2 + v * elsewhere[i]![k]!, 0) ** 2, 0);
  assert.equal(ortho, 0, 'orthogonal row vectors');
  assert.ok(value(() => crossCorrelationPenalty(tf.tensor2d(padded), tf.tensor2d(elsewhere))) > 0.1);
  tf.dispose([xs, y]);
  opt.dispose();
});

test('inverseSqrtSpd: R A R = I for an SPD matrix; whitenColumns gives identity covariance (up to the ridge); covarianceDeviation is 0 for white columns', () => {
  const rng = new Rng(5);
  const b = sample(6, 6, rng);
  const a = tf.tidy(() => {
    const m = tf.tensor2d(b);
    return tf.add(tf.matMul(m, m, true, false), tf.mul(tf.eye(6), 0.05)) as tf.Tensor2D; // κ in the hundreds
  });
  const r = inverseSqrtSpd(a);
  const id = tf.tidy(() => tf.matMul(tf.matMul(r, a), r).arraySync() as number[][]);
  id.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-3, `(${i}, ${j}) = ${v}`)));
  const x = tf.tensor2d(sample(200, 4, rng).map((q) => [q[0]! * 3 + q[1]!, q[1]! - 2, 0.1 * q[2]! + q[0]!, q[3]!]));
  const w = whitenColumns(x, 1e-6);
  const n = 200;
  const cov = tf.tidy(() => tf.div(tf.matMul(w, w, true, false), n).arraySync() as number[][]);
  cov.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-3, `cov(${i}, ${j}) = ${v}`)));
  assert.ok(value(() => covarianceDeviation(w)) < 1e-6);
  assert.ok(value(() => covarianceDeviation(x)) > 0.1);
  tf.dispose([a, r, x, w]);
});

test('cca: unchanged by an invertible linear map of either side; sees a dependence kept in a low-variance direction that xcorr misses', () => {
  const rng = new Rng(6);
  const n = 256;
  const s = sample(n, 2, rng);
  const p = sample(n, 3, rng);
  // s kept only as small differences of nearly collinear coordinates
  const x = s.map((r, i) => [p[i]![0]! + 0.1 * r[0]!, p[i]![0]! - 0.1 * r[0]!, p[i]![1]! + 0.1 * r[1]!, p[i]![1]!, p[i]![2]!]);
  const ridge = 1e-6;
  const [xc, cc] = tf.tidy(() => [crossCorrelationPenalty(tf.tensor2d(x), tf.tensor2d(s)), canonicalCorrelationPenalty(tf.tensor2d(x), tf.tensor2d(s), ridge)].map((t) => t.dataSync()[0] as number));
  // both canonical correlations are near 1: Σρ² ≈ 2 over 5 × 2 entries
  assert.ok(cc > 0.15 && xc < 0.05, `cca ${cc}, xcorr ${xc}`);
  const m = tf.tensor2d([[2, 1, 0, 0, 0], [0, 1, 0, 0, 3], [0, 0, 1, 0, 0], [1, 0, 0, 1, 0], [0, 0, 0, 0.5, 1]]);
  const mapped = value(() => canonicalCorrelationPenalty(tf.matMul(tf.tensor2d(x), m) as tf.Tensor2D, tf.tensor2d(s.map((r) => [r[0]! - r[1]!, 3 * r[1]! + 1])), ridge));
  assert.ok(Math.abs(mapped - cc) < 0.03 * cc, `${mapped} vs ${cc}`);
  const indep = value(() => canonicalCorrelationPenalty(tf.tensor2d(sample(n, 5, rng)), tf.tensor2d(s), ridge));
  assert.ok(indep < 0.02, `independent: ${indep}`); // ≈ 1 / n per entry
  m.dispose();
});

/** Gaussian elimination with partial pivoting: A w = b. */
function solve(a: number[][], b: number[]): number[] {
  const m = a.map((r, i) => [...r, b[i]!]);
  const k = m.length;
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= k; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  return m.map((r, i) => r[k]! / r[i]!);
}
