import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acc2, acc5, acc7, mae, maeNon0, pearson, pearsonNon0, regressionMetrics, weightedF1 } from '../src/eval/metrics';

// Hand-worked example (see the comments for each count)
const y = [2, -1, 0, 0.4, -2.6, 1];
const p = [1.5, 0.5, -0.2, -0.1, -3.5, 0];
const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('binary accuracy, non-zero and has-zero conventions', () => {
  // non0: clips 0,1,3,4,5; right: 0 (+,+) and 4 (−,−); a prediction of exactly 0 is negative
  close(acc2(p, y, 'non0'), 2 / 5);
  // has0: all 6, class x ≥ 0; right: 0, 4, 5 (0 ≥ 0 and 1 ≥ 0)
  close(acc2(p, y, 'has0'), 3 / 6);
});

test('weighted F1 (scikit-learn average="weighted")', () => {
  // non0: positive P=1/2 R=1/3 F1=0.4 (support 3); negative P=1/3 R=1/2 F1=0.4 (support 2)
  close(weightedF1(p, y, 'non0'), 0.4);
  // has0: positive P=2/3 R=1/2 F1=4/7 (support 4); negative P=1/3 R=1/2 F1=0.4 (support 2)
  close(weightedF1(p, y, 'has0'), ((4 / 7) * 4 + 0.4 * 2) / 6);
  // a class never predicted has F1 0 (precision undefined → 0)
  close(weightedF1([1, 1, 1], [1, 1, -1], 'non0'), ((2 * (2 / 3) * 1) / (2 / 3 + 1)) * (2 / 3));
});

test('MAE and Pearson correlation, over all clips and over non-zero labels', () => {
  close(mae(p, y), 4.6 / 6);
  close(maeNon0(p, y), 4.4 / 5);
  // reference values from numpy.corrcoef
  close(pearson(p, y), 0.8474593912716097, 1e-12);
  close(pearsonNon0(p, y), 0.8475650563822188, 1e-12);
  assert.equal(pearson([1, 1, 1], [1, 2, 3]), 0);
});

test('Acc7 and Acc5', () => {
  // classes y → [2, −1, 0, 0, −3, 1], p → [2, 1, 0, 0, −3, 0]: 4 of 6 agree
  close(acc7(p, y), 4 / 6);
  // clipped to ±2: y → [2, −1, 0, 0, −2, 1], p → [2, 1, 0, 0, −2, 0]
  close(acc5(p, y), 4 / 6);
});

test('Acc7 / Acc5 round ties to even, as np.round in MMSA', () => {
  // np.round: 0.5 → 0, 1.5 → 2, 2.5 → 2, −0.5 → −0, −1.5 → −2, −2.5 → −2
  assert.equal(acc7([0.5, 1.5, 2.5, -0.5, -1.5, -2.5], [0, 2, 2, 0, -2, -2]), 1);
  // half away from zero would give 1, 2, 3, −1, −2, −3: only 1.5 and −1.5 would agree
  assert.equal(acc7([0.5, 1.5, 2.5, -0.5, -1.5, -2.5], [1, 2, 3, -1, -2, -3]), 2 / 6);
  // Acc5 clips to ±2 first: 2.5 → 2, −2.5 → −2
  assert.equal(acc5([0.5, 2.5, -2.5, 3.7], [0, 2, -2, 2]), 1);
  // an ordinary non-tie rounds to the nearest integer in both directions
  assert.equal(acc7([0.49, 0.51, -0.51, 2.6], [0, 1, -1, 3]), 1);
});

test('all metrics at once and bad input', () => {
  const m = regressionMetrics(p, y);
  assert.equal(m.n, 6);
  assert.equal(m.nNon0, 5);
  close(m.acc2Non0, 0.4);
  close(m.mae, 4.6 / 6);
  assert.throws(() => mae([1], [1, 2]), /1 predictions for 2 labels/);
  assert.throws(() => acc2([NaN], [1], 'non0'), /prediction 0 is NaN/);
  assert.throws(() => acc2([1, 2], [0, 0], 'non0'), /every label is 0/);
  assert.throws(() => mae([], []), /no clips/);
});
