// Closed forms of the correlated-Gaussian toy and the CLUB formulas evaluated with the TRUE
// conditional plugged in: CLUB must equal d·ρ²/(1−ρ²) (not the true MI) up to sampling error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import {
  GaussianToySampler,
  clubClosedForm,
  clubMeanClosedForm,
  rankCeiling,
  rhoForMI,
  trueConditional,
  trueMI,
} from '../src/mi/gaussian-toy';
import { clubFromGaussian, clubSampleFromGaussian, gaussianNll, l1OutFromGaussian } from '../src/mi/gaussian-q';
import { Rng } from '../src/util/rng';
import { PAPER_ESTIMATION, runEstimation } from '../src/mi/toy-experiment';

await initBackend();

const scalar = (t: tf.Tensor): number => {
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
};

test('trueMI and rhoForMI invert each other; closed forms give the tabulated CLUB* at d = 20 and d = 64', () => {
  for (const d of [1, 20, 64]) {
    for (const mi of [0.5, 2, 10]) assert.ok(Math.abs(trueMI(d, rhoForMI(d, mi)) - mi) < 1e-6); // 1 − ρ² = e^(−2·mi/d) loses digits at d = 1
  }
  const d20 = [2, 4, 6, 8, 10].map((mi) => Number(clubClosedForm(20, rhoForMI(20, mi)).toFixed(2)));
  assert.deepEqual(d20, [4.43, 9.84, 16.44, 24.51, 34.37]);
  const d64 = [2, 4, 6, 8, 10].map((mi) => Number(clubClosedForm(64, rhoForMI(64, mi)).toFixed(2)));
  assert.deepEqual(d64, [4.13, 8.52, 13.2, 18.18, 23.48]);
  // CLUB* lies above the true MI (ρ²/(1−ρ²) ≥ −½·log(1−ρ²) for every ρ)
  for (const rho of [0.01, 0.3, 0.9, 0.999]) assert.ok(clubClosedForm(3, rho) >= trueMI(3, rho));
  assert.ok(Math.abs(rankCeiling(20, 0.5, 7) - 0.35 * clubClosedForm(20, 0.5)) < 1e-12);
  assert.equal(rankCeiling(20, 0.5, 128), clubClosedForm(20, 0.5));
  assert.throws(() => trueMI(4, 1), /ρ must be in \(−1, 1\)/);
  assert.throws(() => rhoForMI(4, -1), /MI must be/);
});

test('CLUB with the true conditional N(ρx, (1−ρ²)I) equals d·ρ²/(1−ρ²) within sampling error', () => {
  const n = 20000;
  for (const [d, mi, seed] of [
    [20, 2, 1],
    [20, 6, 2],
    [20, 10, 3],
    [5, 3, 4],
  ] as const) {
    const rho = rhoForMI(d, mi);
    const { x, y } = new GaussianToySampler(d, seed).sample(n, rho);
    const { mu, logVar } = trueConditional(x, rho);
    const club = scalar(clubFromGaussian(mu, logVar, y));
    const closed = clubClosedForm(d, rho);
    // relative error of a mean of 20 000 terms: ~0.3% observed; 2% leaves room, and the true MI
    // (4× below CLUB* at MI 2) is far outside it
    assert.ok(Math.abs(club / closed - 1) < 0.02, `d ${d} MI ${mi}: CLUB ${club} vs closed form ${closed}`);
    assert.ok(club > mi * 1.5, `CLUB* is above the true MI ${mi}, got ${club}`);
    // the NLL of the true conditional is (d/2)(1 + log 2π + log(1 − ρ²)) in expectation
    const nll = scalar(gaussianNll(mu, logVar, y));
    const expectedNll = (d / 2) * (1 + Math.log(2 * Math.PI) + Math.log(1 - rho * rho));
    assert.ok(Math.abs(nll - expectedNll) < 0.02 * d, `NLL ${nll} vs ${expectedNll}`);
    // CLUBSample: one random partner instead of all N, same expectation
    const perm = tf.tensor1d(new Rng(seed).permutation(n), 'int32');
    const sampled = scalar(clubSampleFromGaussian(mu, logVar, y, perm));
    assert.ok(Math.abs(sampled / closed - 1) < 0.05, `CLUBSample ${sampled} vs ${closed}`);
    // CLUBMean at its optimum (μ = ρx, unit variance) equals d·ρ²
    const zero = tf.zerosLike(logVar) as tf.Tensor2D;
    const clubMean = scalar(clubFromGaussian(mu, zero, y));
    assert.ok(Math.abs(clubMean / clubMeanClosedForm(d, rho) - 1) < 0.03, `CLUBMean ${clubMean} vs ${clubMeanClosedForm(d, rho)}`);
    tf.dispose([x, y, mu, logVar, perm, zero]);
  }
});

/** Random q outputs and targets as flat [n, d] host arrays: μ, log-variance (scaled to ±~1), y. */
function randomGaussianBatch(n: number, d: number, seed: number): { mu: number[]; lv: number[]; y: number[] } {
  const rng = new Rng(seed);
  const draw = (): number[] => Array.from({ length: n * d }, () => rng.normal());
  const mu = draw();
  const lv = draw().map((v) => 0.5 * v);
  return { mu, lv, y: draw() };
}

test('the O(N·d) negative term equals the explicit mean over all N² pairs', () => {
  const n = 7;
  const d = 3;
  const { mu, lv, y } = randomGaussianBatch(n, d, 11);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const inv = Math.exp(-(lv[i * d + k] as number));
      const pos = -(((mu[i * d + k] as number) - (y[i * d + k] as number)) ** 2) * inv * 0.5;
      let neg = 0;
      for (let j = 0; j < n; j++) neg += -(((y[j * d + k] as number) - (mu[i * d + k] as number)) ** 2) * inv * 0.5;
      total += pos - neg / n;
    }
  }
  const expected = total / n;
  const t = (a: number[]): tf.Tensor2D => tf.tensor2d(a, [n, d]);
  const got = scalar(clubFromGaussian(t(mu), t(lv), t(y)));
  assert.ok(Math.abs(got - expected) < 1e-4 * Math.max(1, Math.abs(expected)), `${got} vs ${expected}`);
});

test('toy sampler: seeded, correlation ρ per coordinate, cubic variant is y³ of the same draw', () => {
  const rho = 0.6;
  const a = new GaussianToySampler(4, 9).sampleArrays(5000, rho);
  const b = new GaussianToySampler(4, 9).sampleArrays(5000, rho);
  assert.deepEqual(a.x, b.x);
  const c = new GaussianToySampler(4, 9, true).sampleArrays(5000, rho);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs((c.y[i] as number) - (a.y[i] as number) ** 3) < 1e-5);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < a.x.length; i++) {
    sxy += (a.x[i] as number) * (a.y[i] as number);
    sxx += (a.x[i] as number) ** 2;
    syy += (a.y[i] as number) ** 2;
  }
  const corr = sxy / Math.sqrt(sxx * syy);
  assert.ok(Math.abs(corr - rho) < 0.03, `sample correlation ${corr}`);
});

test('CLUBSample and L1Out equal their definitions evaluated pair by pair', () => {
  const n = 6;
  const d = 3;
  const { mu, lv, y } = randomGaussianBatch(n, d, 12);
  const perm = [3, 0, 5, 1, 2, 4];
  const at = (a: number[], i: number, k: number): number => a[i * d + k] as number;
  // log q(y_j | x_i) without the 2π constant, which cancels in both bounds
  const logQ = (j: number, i: number): number => {
    let s = 0;
    for (let k = 0; k < d; k++) s += -((at(y, j, k) - at(mu, i, k)) ** 2) / (2 * Math.exp(at(lv, i, k))) - at(lv, i, k) / 2;
    return s;
  };
  let sample = 0;
  let l1out = 0;
  for (let i = 0; i < n; i++) {
    sample += logQ(i, i) - logQ(perm[i] as number, i);
    // L1Out: log q(y_i|x_i) − log mean_{j≠i} q(y_i|x_j)
    let others = 0;
    for (let j = 0; j < n; j++) if (j !== i) others += Math.exp(logQ(i, j));
    l1out += logQ(i, i) - Math.log(others / (n - 1));
  }
  const t = (a: number[]): tf.Tensor2D => tf.tensor2d(a, [n, d]);
  const p = tf.tensor1d(perm, 'int32');
  const gotSample = scalar(clubSampleFromGaussian(t(mu), t(lv), t(y), p));
  const gotL1 = scalar(l1OutFromGaussian(t(mu), t(lv), t(y)));
  assert.ok(Math.abs(gotSample - sample / n) < 1e-4, `CLUBSample ${gotSample} vs ${sample / n}`);
  assert.ok(Math.abs(gotL1 - l1out / n) < 1e-4, `L1Out ${gotL1} vs ${l1out / n}`);
  p.dispose();
});

test('estimation config: lastK, traceEvery and stepsPerLevel must be positive integers (lastK 0 is not "all steps")', () => {
  const base = { ...PAPER_ESTIMATION, stepsPerLevel: 3, lastK: 2, seed: 0, estimators: [] };
  assert.throws(() => runEstimation({ ...base, lastK: 0 }), /lastK must be a positive integer, got 0/);
  assert.throws(() => runEstimation({ ...base, traceEvery: 0 }), /traceEvery must be a positive integer/);
  assert.throws(() => runEstimation({ ...base, lastK: 4 }), /lastK \(4\) must not exceed stepsPerLevel \(3\)/);
  assert.deepEqual(runEstimation(base), { rows: [], traces: [] });
});
