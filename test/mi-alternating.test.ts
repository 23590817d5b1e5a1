// Alternating training (MIRD Algorithm 1): an estimator step writes only the estimator's
// variables, a model step only the model's; the sequence summary ignores padding; repeated
// steps leak no tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { Dense } from '../src/nn/dense';
import { Rng } from '../src/util/rng';
import { assertDisjoint, estimatorStep, evaluate, modelStep, type PairFn } from '../src/mi/alternating';
import { ESTIMATOR_KINDS, makeEstimator } from '../src/mi/factory';
import { SequenceMiEstimator, maskedMean } from '../src/mi/sequence';
import { Club } from '../src/mi/club';
import type { MiEstimator } from '../src/mi/types';

await initBackend();

const snapshot = (vars: tf.Variable[]): Float32Array[] => vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));

function changed(before: Float32Array[], vars: tf.Variable[]): boolean {
  return vars.some((v, i) => {
    const now = v.dataSync();
    const old = before[i] as Float32Array;
    return now.some((value, k) => !Object.is(value, old[k]));
  });
}

/** A tiny "model": z = W·x + b from fixed data; y correlated with x. */
function setup(estimator: MiEstimator, seed: number): { model: Dense; pair: PairFn; dispose: () => void } {
  const d = estimator.xDim;
  const model = new Dense('toyModel/encoder', d, d, new Rng(seed));
  const x = tf.randomNormal([32, d], 0, 1, 'float32', seed) as tf.Tensor2D; // [32, d]
  const y = tf.add(tf.mul(x, 0.8), tf.mul(tf.randomNormal([32, d], 0, 1, 'float32', seed + 1), 0.6)) as tf.Tensor2D; // [32, d]
  const pair: PairFn = () => ({ x: model.apply(x) as tf.Tensor2D, y });
  return { model, pair, dispose: () => { model.dispose(); tf.dispose([x, y]); } };
}

test('estimator step leaves the model untouched; model step leaves the estimator untouched (bitwise)', () => {
  for (const kind of ESTIMATOR_KINDS) {
    const est = makeEstimator({ kind, hiddenSize: 16 }, 5, 5, 3);
    const { model, pair, dispose } = setup(est, 10);
    const estOpt = tf.train.adam(1e-2);
    const modelOpt = tf.train.adam(1e-2);

    let modelBefore = snapshot(model.variables());
    let estBefore = snapshot(est.variables());
    estimatorStep(est, estOpt, pair);
    assert.ok(!changed(modelBefore, model.variables()), `${est.name}: estimator step changed the model`);
    assert.ok(changed(estBefore, est.variables()), `${est.name}: estimator step changed nothing`);

    modelBefore = snapshot(model.variables());
    estBefore = snapshot(est.variables());
    const value = modelStep(est, modelOpt, model.variables(), pair);
    assert.ok(Number.isFinite(value));
    assert.ok(!changed(estBefore, est.variables()), `${est.name}: model step changed the estimator`);
    assert.ok(changed(modelBefore, model.variables()), `${est.name}: model step changed nothing`);

    assert.throws(() => modelStep(est, modelOpt, [...model.variables(), est.variables()[0] as tf.Variable], pair), /share variables/);
    estOpt.dispose();
    modelOpt.dispose();
    dispose();
    est.dispose();
  }
  const zero = tf.zeros([1]);
  const a = tf.variable(zero, true, 'assert-disjoint/a');
  const b = tf.variable(zero, true, 'assert-disjoint/b');
  assert.doesNotThrow(() => assertDisjoint([a], [b]));
  assert.throws(() => assertDisjoint([a, b], [b]), /share variables \(assert-disjoint\/b\)/);
  tf.dispose([a, b, zero]);
});

test('minimising CLUB over the model lowers the dependence it measures', () => {
  // The model scales x by a learned W; minimising the CLUB estimate between z = W·x and y
  // (with the estimator re-fitted in between, T' = 5) must shrink the estimate.
  const est = new Club(3, 3, { hiddenSize: 32, seed: 5 });
  const { model, pair, dispose } = setup(est, 20);
  const estOpt = tf.train.adam(1e-2);
  const modelOpt = tf.train.adam(1e-2);
  for (let i = 0; i < 60; i++) estimatorStep(est, estOpt, pair);
  const first = tf.tidy(() => {
    const { x, y } = pair();
    return evaluate(est, x, y);
  });
  for (let i = 0; i < 60; i++) {
    modelStep(est, modelOpt, model.variables(), pair);
    for (let k = 0; k < 5; k++) estimatorStep(est, estOpt, pair);
  }
  const last = tf.tidy(() => {
    const { x, y } = pair();
    return evaluate(est, x, y);
  });
  assert.ok(last < first * 0.7, `CLUB ${first} → ${last} did not fall`);
  estOpt.dispose();
  modelOpt.dispose();
  dispose();
  est.dispose();
});

test('masked-mean sequence summary: padding (even NaN/inf) changes nothing', () => {
  const b = 4;
  const t = 6;
  const d = 3;
  const lengths = [6, 3, 1, 4];
  const rng = new Rng(7);
  const real = new Float32Array(b * t * d);
  const padded = new Float32Array(b * (t + 3) * d);
  const mask = new Float32Array(b * t);
  const mask2 = new Float32Array(b * (t + 3));
  for (let i = 0; i < b; i++) {
    for (let s = 0; s < t + 3; s++) {
      const isReal = s < (lengths[i] as number);
      if (s < t) mask[i * t + s] = isReal ? 1 : 0;
      mask2[i * (t + 3) + s] = isReal ? 1 : 0;
      for (let k = 0; k < d; k++) {
        const v = rng.normal();
        const garbage = [Number.NaN, 1e30, -Infinity, 123][(s + k) % 4] as number;
        if (s < t) real[(i * t + s) * d + k] = isReal ? v : 0;
        padded[(i * (t + 3) + s) * d + k] = isReal ? v : garbage;
      }
    }
  }
  const y1 = tf.tensor3d(real, [b, t, d]);
  const y2 = tf.tensor3d(padded, [b, t + 3, d]);
  const m1 = tf.tensor2d(mask, [b, t]);
  const m2 = tf.tensor2d(mask2, [b, t + 3]);
  const s1 = maskedMean(y1, m1).dataSync();
  const s2 = maskedMean(y2, m2).dataSync();
  assert.deepEqual(Array.from(s2), Array.from(s1));
  // and it is the mean over real frames
  for (let i = 0; i < b; i++) {
    for (let k = 0; k < d; k++) {
      let sum = 0;
      for (let s = 0; s < (lengths[i] as number); s++) sum += real[(i * t + s) * d + k] as number;
      assert.ok(Math.abs((s1[i * d + k] as number) - sum / (lengths[i] as number)) < 1e-6);
    }
  }
  const seqEst = new SequenceMiEstimator(new Club(2, d, { hiddenSize: 8, seed: 1 }));
  assert.equal(seqEst.name, 'CLUB-h8-maskedMean');
  const x = tf.randomNormal([b, 2], 0, 1, 'float32', 3) as tf.Tensor2D;
  const e1 = seqEst.estimateSequence(x, y1, m1).dataSync()[0];
  const e2 = seqEst.estimateSequence(x, y2, m2).dataSync()[0];
  assert.ok(Number.isFinite(e1 as number));
  assert.equal(e2, e1);
  assert.equal(seqEst.learningLossSequence(x, y2, m2).dataSync()[0], seqEst.learningLossSequence(x, y1, m1).dataSync()[0]);
  // the same interface as every estimator: estimate / learningLoss read the summary as y
  const summary = seqEst.summarize(y2, m2);
  assert.equal(seqEst.estimate(x, summary).dataSync()[0], e1);
  assert.equal(seqEst.learningLoss(x, summary).dataSync()[0], seqEst.learningLossSequence(x, y1, m1).dataSync()[0]);
  assert.equal(seqEst.yDim, d);
  summary.dispose();
  assert.throws(() => maskedMean(y1, m2), /mask must be \[B, T\] = \[4, 6\]/);
  seqEst.dispose();
  tf.dispose([y1, y2, m1, m2, x]);
});

test('no tensor leak across repeated steps after a burn-in step', () => {
  for (const kind of ESTIMATOR_KINDS) {
    const est = makeEstimator({ kind, hiddenSize: 8 }, 4, 4, 2);
    const { model, pair, dispose } = setup(est, 30);
    const estOpt = tf.train.adam(1e-3);
    const modelOpt = tf.train.adam(1e-3);
    const round = (): void => {
      estimatorStep(est, estOpt, pair);
      modelStep(est, modelOpt, model.variables(), pair);
      tf.tidy(() => {
        const { x, y } = pair();
        evaluate(est, x, y);
      });
    };
    round(); // burn-in: Adam creates its moment variables here
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) round();
    assert.equal(tf.memory().numTensors, before, `${est.name} leaked tensors`);
    estOpt.dispose();
    modelOpt.dispose();
    dispose();
    est.dispose();
  }
});

test('seeded determinism: the same seed gives bitwise the same estimates and steps for every kind (CLUBSample and MINE permutations included)', () => {
  const run = (kind: (typeof ESTIMATOR_KINDS)[number], seed: number): number[] => {
    const est = makeEstimator({ kind, hiddenSize: 8 }, 3, 3, seed);
    const { pair, dispose } = setup(est, 40);
    const opt = tf.train.adam(1e-2);
    const out: number[] = [];
    for (let i = 0; i < 3; i++) {
      out.push(tf.tidy(() => {
        const { x, y } = pair();
        return evaluate(est, x, y);
      }));
      out.push(estimatorStep(est, opt, pair));
    }
    opt.dispose();
    dispose();
    est.dispose();
    return out;
  };
  for (const kind of ESTIMATOR_KINDS) {
    const a = run(kind, 1);
    assert.deepEqual(run(kind, 1), a, `${kind}: same seed, different numbers`);
    assert.notDeepEqual(run(kind, 2), a, `${kind}: the seed changes nothing`);
  }
});
