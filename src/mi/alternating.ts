// Alternating optimisation of MIRD's Algorithm 1 (and the CLUB paper's minimisation demo):
//   model step      minimise α·Î(x; y) (+ task losses) over the MODEL's variables only
//   estimator step  minimise learningLoss (−log q, eq. 22) over the ESTIMATOR's variables only
// Gradients flow through both sides in each step (x and y come from the model, q's output
// depends on the estimator), but each optimiser receives an explicit variable list, so a
// step never writes the other side's weights. `assertDisjoint` catches a shared variable.
import * as tf from '@tensorflow/tfjs';
import type { MiEstimator } from './types';

/** Builds x [N, xDim] and y [N, yDim] inside the gradient tape (e.g. from the model's variables). */
export type PairFn = () => { x: tf.Tensor2D; y: tf.Tensor2D };

export function assertDisjoint(estimatorVars: tf.Variable[], modelVars: tf.Variable[]): void {
  const mine = new Set(estimatorVars.map((v) => v.name));
  const shared = modelVars.filter((v) => mine.has(v.name)).map((v) => v.name);
  if (shared.length > 0) throw new Error(`model and estimator share variables (${shared.join(', ')}); each optimiser must own its own`);
}

function step(optimizer: tf.Optimizer, loss: () => tf.Scalar, varList: tf.Variable[]): number {
  if (varList.length === 0) throw new Error('alternating step: empty variable list');
  const cost = optimizer.minimize(loss, true, varList);
  if (cost === null) throw new Error('alternating step: optimizer returned no cost');
  const value = cost.dataSync()[0] as number;
  cost.dispose();
  return value;
}

/** One optimiser step on the estimator's learningLoss; only `estimator.variables()` change. Returns the loss before the step. */
export function estimatorStep(estimator: MiEstimator, optimizer: tf.Optimizer, pair: PairFn): number {
  return step(
    optimizer,
    () => {
      const { x, y } = pair();
      return estimator.learningLoss(x, y);
    },
    estimator.variables(),
  );
}

/**
 * One optimiser step minimising `weight·estimate(x, y) + extra()` over `modelVars` only (the
 * estimator is held fixed: its variables are not in the list). Returns the estimate before the step.
 */
export function modelStep(
  estimator: MiEstimator,
  optimizer: tf.Optimizer,
  modelVars: tf.Variable[],
  pair: PairFn,
  weight = 1,
  extra?: () => tf.Scalar,
): number {
  assertDisjoint(estimator.variables(), modelVars);
  let estimateValue = Number.NaN;
  step(
    optimizer,
    () => {
      const { x, y } = pair();
      const est = estimator.estimate(x, y);
      estimateValue = est.dataSync()[0] as number;
      const weighted = tf.mul(est, weight) as tf.Scalar;
      return extra === undefined ? weighted : (tf.add(weighted, extra()) as tf.Scalar);
    },
    modelVars,
  );
  return estimateValue;
}

/** The estimate without any update (evaluation: no dropout exists in these nets, so train/eval agree). */
export function evaluate(estimator: MiEstimator, x: tf.Tensor2D, y: tf.Tensor2D): number {
  const est = estimator.estimate(x, y);
  const v = est.dataSync()[0] as number;
  est.dispose();
  return v;
}
