// One interface for every mutual-information estimator (CLUB family and the lower bounds).
//
// MIRD alternates two optimisers (paper Algorithm 1): the model minimises `estimate` (an upper
// bound on I(x; y) used as a loss, eq. 21) and the estimator minimises `learningLoss` (the
// negative log-likelihood of its variational q(y|x), eq. 22). Each estimator owns its
// variables and lists them in `variables()`, so the two optimisers never share one.
import * as tf from '@tensorflow/tfjs';

export interface MiEstimator {
  /** Includes the hidden width, e.g. `CLUB-h32`, so result tables say which net was used. */
  readonly name: string;
  /** 'upper' for the CLUB family (and L1Out), 'lower' for MINE, NWJ, InfoNCE. */
  readonly bound: 'upper' | 'lower';
  readonly xDim: number;
  readonly yDim: number;
  /** The MI estimate in nats: x [N, xDim], y [N, yDim] → scalar. Differentiable in x and y. */
  estimate(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar;
  /** What the estimator's own optimiser minimises (NLL of q for CLUB, −bound for lower bounds). */
  learningLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar;
  /** The trainable variables this estimator owns (and nothing else). */
  variables(): tf.Variable[];
  dispose(): void;
}

/** Throws one clear error unless x is [N, xDim] and y is [N, yDim] with N ≥ 2. */
export function checkPair(name: string, x: tf.Tensor, y: tf.Tensor, xDim: number, yDim: number): void {
  if (x.rank !== 2 || x.shape[1] !== xDim) {
    throw new Error(`${name}: x must be [N, ${xDim}], got [${x.shape.join(', ')}]`);
  }
  if (y.rank !== 2 || y.shape[1] !== yDim) {
    throw new Error(`${name}: y must be [N, ${yDim}], got [${y.shape.join(', ')}]`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`${name}: x and y need the same batch size, got ${x.shape[0]} and ${y.shape[0]}`);
  }
  if ((x.shape[0] ?? 0) < 2) {
    throw new Error(`${name}: needs a batch of at least 2 pairs (the negative term compares pairs), got ${x.shape[0]}`);
  }
}
