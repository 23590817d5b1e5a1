// Trained estimators on the toy: a wide CLUB reaches the CLUB closed form; the lower bounds stay
// below the true MI; InfoNCE ≤ log N; learning losses fall; the log-variance bound keeps values
// finite; and the factory names estimators with their width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { Club, ClubMean, ClubSample, L1OutUB } from '../src/mi/club';
import { InfoNce, Mine, Nwj } from '../src/mi/lower-bounds';
import { estimatorStep, evaluate } from '../src/mi/alternating';
import { GaussianToySampler, clubClosedForm, rankCeiling, rhoForMI, trueMI } from '../src/mi/gaussian-toy';
import { GaussianQ } from '../src/mi/gaussian-q';
import { makeEstimator, parseEstimatorSpec, specName } from '../src/mi/factory';
import type { MiEstimator } from '../src/mi/types';
import { Rng } from '../src/util/rng';

await initBackend();

/** Trains `est` on fresh toy batches; returns the learning losses. */
function train(est: MiEstimator, sampler: GaussianToySampler, rho: number, steps: number, batch: number, lr: number): number[] {
  const opt = tf.train.adam(lr);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { x, y } = sampler.sample(batch, rho);
    losses.push(estimatorStep(est, opt, () => ({ x, y })));
    tf.dispose([x, y]);
  }
  opt.dispose();
  return losses;
}

function evalMean(est: MiEstimator, sampler: GaussianToySampler, rho: number, batch: number, batches: number): number {
  let total = 0;
  for (let i = 0; i < batches; i++) {
    const { x, y } = sampler.sample(batch, rho);
    total += evaluate(est, x, y);
    tf.dispose([x, y]);
  }
  return total / batches;
}

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

test('a trained wide CLUB lands within 15% of d·ρ²/(1−ρ²) at MI 2 and 6 (d 8, h128, batch 256, 600 Adam steps)', () => {
  // Observed relative errors over seeds 0–2: ≤ 3%. A 7-unit-head CLUB (h15) would sit far
  // below (rank bottleneck), and the true MI (2 or 6) is far outside the band.
  const d = 8;
  for (const mi of [2, 6]) {
    const rho = rhoForMI(d, mi);
    const est = new Club(d, d, { hiddenSize: 128, seed: 0 });
    const losses = train(est, new GaussianToySampler(d, 100), rho, 600, 256, 5e-3);
    const { x, y } = new GaussianToySampler(d, 7).sample(8000, rho);
    const value = evaluate(est, x, y);
    tf.dispose([x, y]);
    const closed = clubClosedForm(d, rho);
    assert.ok(Math.abs(value / closed - 1) < 0.15, `MI ${mi}: trained CLUB ${value.toFixed(3)} vs closed form ${closed.toFixed(3)}`);
    // the learning loss (NLL of q) falls to the true conditional's NLL (d/2)(1 + log 2π + log(1 − ρ²))
    const trueNll = (d / 2) * (1 + Math.log(2 * Math.PI) + Math.log(1 - rho * rho));
    const first = mean(losses.slice(0, 50));
    const last = mean(losses.slice(-50));
    assert.ok(last < first - 0.3 && last < trueNll + 0.2, `NLL ${first.toFixed(3)} → ${last.toFixed(3)}, true conditional ${trueNll.toFixed(3)}`);
    est.dispose();
  }
});

test('a narrow CLUB (2-unit heads, d 8) under-estimates: it settles at the rank ceiling (2/8)·CLUB*, not at CLUB*', () => {
  const d = 8;
  const rho = rhoForMI(d, 6);
  const est = new Club(d, d, { hiddenSize: 4, seed: 0 });
  assert.equal(est.q.headUnits, 2);
  train(est, new GaussianToySampler(d, 100), rho, 1500, 256, 5e-3);
  const { x, y } = new GaussianToySampler(d, 7).sample(8000, rho);
  const value = evaluate(est, x, y);
  tf.dispose([x, y]);
  const ceiling = rankCeiling(d, rho, 2);
  // observed +2.4% (seeds 0, 1): the variance head picks up a little beyond a linear rank-2 mean
  assert.ok(Math.abs(value / ceiling - 1) < 0.1, `narrow CLUB ${value.toFixed(3)} vs rank ceiling ${ceiling.toFixed(3)}`);
  assert.ok(value < 0.3 * clubClosedForm(d, rho));
  est.dispose();
});

test('learningLoss falls for every estimator kind', () => {
  const d = 4;
  const rho = rhoForMI(d, 2);
  const kinds: MiEstimator[] = [
    new Club(d, d, { hiddenSize: 32, seed: 1 }),
    new ClubSample(d, d, { hiddenSize: 32, seed: 1 }),
    new ClubMean(d, d, { hiddenSize: 32, seed: 1 }),
    new L1OutUB(d, d, { hiddenSize: 32, seed: 1 }),
    new Mine(d, d, { hiddenSize: 32, seed: 1 }),
    new Mine(d, d, { hiddenSize: 32, seed: 1, movingAverage: true, name: 'MINE-ma-h32' }),
    new Nwj(d, d, { hiddenSize: 32, seed: 1 }),
    new InfoNce(d, d, { hiddenSize: 32, seed: 1 }),
  ];
  for (const est of kinds) {
    const losses = train(est, new GaussianToySampler(d, 3), rho, 200, 64, 5e-3);
    assert.ok(losses.every(Number.isFinite), `${est.name}: non-finite loss`);
    const first = mean(losses.slice(0, 30));
    const last = mean(losses.slice(-30));
    assert.ok(last < first - 0.1, `${est.name}: learning loss ${first.toFixed(3)} → ${last.toFixed(3)} did not fall`);
    est.dispose();
  }
});

test('MINE, NWJ and InfoNCE stay below the true MI after training; InfoNCE ≤ log N exactly', () => {
  const d = 4;
  const mi = 2;
  const rho = rhoForMI(d, mi);
  const n = 128;
  for (const est of [new Mine(d, d, { hiddenSize: 64, seed: 2 }), new Nwj(d, d, { hiddenSize: 64, seed: 2 }), new InfoNce(d, d, { hiddenSize: 64, seed: 2 })]) {
    train(est, new GaussianToySampler(d, 5), rho, 400, n, 5e-3);
    const value = evalMean(est, new GaussianToySampler(d, 6), rho, n, 20);
    // lower bounds in expectation; 0.15 nats covers the minibatch noise of a 20-batch mean
    assert.ok(value < trueMI(d, rho) + 0.15, `${est.name}: ${value} above the true MI ${mi}`);
    assert.ok(value > 0.3, `${est.name}: ${value} learned nothing`);
    est.dispose();
  }
  // InfoNCE at a high MI (20 nats ≫ log 64): saturates at, never above, log N
  const info = new InfoNce(d, d, { hiddenSize: 64, seed: 3 });
  const rhoHigh = rhoForMI(d, 20);
  train(info, new GaussianToySampler(d, 8), rhoHigh, 300, 64, 5e-3);
  const sampler = new GaussianToySampler(d, 9);
  for (let i = 0; i < 20; i++) {
    const { x, y } = sampler.sample(64, rhoHigh);
    const v = evaluate(info, x, y);
    tf.dispose([x, y]);
    assert.ok(v <= Math.log(64) + 1e-5, `InfoNCE ${v} > log 64 = ${Math.log(64)}`);
    if (i === 0) assert.ok(v > Math.log(64) - 1.5, `trained InfoNCE should approach log N at high MI, got ${v}`);
  }
  info.dispose();
});

test('the log-variance bound keeps q finite for extreme inputs; without it exp overflows', () => {
  const d = 6;
  const x = tf.mul(tf.randomNormal([32, d], 0, 1, 'float32', 4), 1e4) as tf.Tensor2D; // [32, 6], |x| ~ 1e4
  const y = tf.randomNormal([32, d], 0, 1, 'float32', 5) as tf.Tensor2D;
  const bounded = new Club(d, d, { hiddenSize: 32, seed: 4 }); // B = 10
  const { logVar } = bounded.q.forward(x);
  const lv = logVar.dataSync();
  assert.ok(lv.every((v) => Math.abs(v) <= 10), 'logVar escaped (−10, 10)');
  assert.ok(Number.isFinite(evaluate(bounded, x, y)));
  const loss = bounded.learningLoss(x, y);
  assert.ok(Number.isFinite(loss.dataSync()[0] as number));
  // the same weights without the bound: exp(−logVar) overflows and the estimate is inf/NaN
  const unbounded = new Club(d, d, { hiddenSize: 32, seed: 4, logVarBound: Infinity });
  assert.ok(!Number.isFinite(evaluate(unbounded, x, y)), 'expected the unbounded log-variance to overflow');
  // the reference's Tanh (B = 1) is the floor −1 that caps high-MI fits
  const tanh1 = new GaussianQ(d, d, { hiddenSize: 32, seed: 4, name: 'tanh1', logVarBound: 1 });
  assert.ok(tanh1.forward(x).logVar.dataSync().every((v) => v >= -1 && v <= 1));
  tf.dispose([x, y, logVar, loss]);
  bounded.dispose();
  unbounded.dispose();
  tanh1.dispose();
});

test('names carry the width; heads follow the reference hidden/2 convention; bad shapes are clear errors', () => {
  const club = makeEstimator(parseEstimatorSpec('CLUB-h32'), 64, 64, 0);
  assert.equal(club.name, 'CLUB-h32');
  assert.equal((club as Club).q.headUnits, 16); // MIRD's CLUB(64, 64, 32): 16-unit heads
  // μ head: 64·16 + 16 + 16·64 + 64; log-variance head the same
  assert.equal(club.variables().reduce((s, v) => s + v.size, 0), 2 * (64 * 16 + 16 + 16 * 64 + 64));
  assert.equal(specName(parseEstimatorSpec('CLUB-h15-lvb1')), 'CLUB-h15-lvb1');
  assert.equal(new Club(4, 4, { hiddenSize: 32, headUnits: 32, seed: 0 }).name, 'CLUB-h32-u32');
  assert.throws(() => parseEstimatorSpec('CLUBX-h3'), /KIND-hN/);
  assert.throws(() => new Mine(4, 4, { seed: 0, movingAverage: true, movingAverageRate: 0 }), /MINE-h32: movingAverageRate must be in \(0, 1\], got 0/);
  const bad = tf.zeros([8, 63]) as tf.Tensor2D;
  const good = tf.zeros([8, 64]) as tf.Tensor2D;
  assert.throws(() => club.estimate(bad, good), /x must be \[N, 64\], got \[8, 63\]/);
  assert.throws(() => club.estimate(good, tf.zeros([7, 64]) as tf.Tensor2D), /same batch size/);
  tf.dispose([bad, good]);
  club.dispose();
});

test('MINE, NWJ and InfoNCE equal their formulas evaluated from the critic weights pair by pair', () => {
  const n = 5;
  const d = 2;
  const h = 4;
  const rng = new Rng(21);
  const draw = (k: number): number[] => Array.from({ length: k }, () => rng.normal());
  const xs = draw(n * d);
  const ys = draw(n * d);
  // critic T(x, y) = w2·relu(W1·[x; y] + b1) + b2, with non-zero biases so every term matters
  const [w1, b1, w2, b2] = [draw(2 * d * h), draw(h), draw(h), draw(1)];
  const critic = (i: number, j: number, yy: number[], softplus: boolean): number => {
    let t = b2[0] as number;
    for (let u = 0; u < h; u++) {
      let a = b1[u] as number;
      for (let k = 0; k < d; k++) a += (xs[i * d + k] as number) * (w1[k * h + u] as number) + (yy[j * d + k] as number) * (w1[(d + k) * h + u] as number);
      t += Math.max(0, a) * (w2[u] as number);
    }
    return softplus ? Math.log1p(Math.exp(t)) : t;
  };
  const setWeights = (est: MiEstimator): void => est.variables().forEach((v, k) => v.assign(tf.tensor([w1, b1, w2, b2][k] as number[], v.shape)));
  const x = tf.tensor2d(xs, [n, d]);
  const y = tf.tensor2d(ys, [n, d]);
  const idx = Array.from({ length: n }, (_, i) => i);
  const lse = (v: number[]): number => Math.log(v.reduce((s, t) => s + Math.exp(t), 0));

  const nwj = new Nwj(d, d, { hiddenSize: h, seed: 0 });
  setWeights(nwj);
  const nwjExpected = mean(idx.map((i) => critic(i, i, ys, false))) - mean(idx.flatMap((i) => idx.map((j) => Math.exp(critic(i, j, ys, false) - 1))));
  assert.ok(Math.abs(evaluate(nwj, x, y) - nwjExpected) < 1e-4, `NWJ ${evaluate(nwj, x, y)} vs ${nwjExpected}`);

  const nce = new InfoNce(d, d, { hiddenSize: h, seed: 0 });
  setWeights(nce);
  const nceExpected = mean(idx.map((i) => critic(i, i, ys, true) - lse(idx.map((j) => critic(i, j, ys, true))))) + Math.log(n);
  assert.ok(Math.abs(evaluate(nce, x, y) - nceExpected) < 1e-4, `InfoNCE ${evaluate(nce, x, y)} vs ${nceExpected}`);

  // MINE's marginal term shuffles y; with every y_i equal the shuffle is the identity, so the
  // bound is mean_i T(x_i, y) − log mean_i e^T(x_i, y) whatever permutation it draws
  const same = Array.from({ length: n * d }, (_, k) => ys[k % d] as number);
  const ySame = tf.tensor2d(same, [n, d]);
  const mine = new Mine(d, d, { hiddenSize: h, seed: 0 });
  setWeights(mine);
  const t = idx.map((i) => critic(i, i, same, false));
  const mineExpected = mean(t) - (lse(t) - Math.log(n));
  assert.ok(Math.abs(evaluate(mine, x, ySame) - mineExpected) < 1e-4, `MINE ${evaluate(mine, x, ySame)} vs ${mineExpected}`);
  tf.dispose([x, y, ySame]);
  for (const e of [nwj, nce, mine]) e.dispose();
});
