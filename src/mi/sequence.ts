// Estimators between a vector and a raw sequence (paper eq. 14: I(z^S; X^m) for m ∈ {L, A, V}).
//
// A Gaussian q(y|x) needs a fixed-size y, so X^m [B, T, d] is summarised first. Choice: the
// masked mean over real frames, s = Σ_t mask_t·X_t / Σ_t mask_t, and NOT an encoder owned by the
// estimator, because
//  - an estimator-owned encoder trained on learningLoss (maximise log q(s|z)) can make s easy
//    to predict by throwing information away (a constant s has perfect likelihood and CLUB 0),
//    so the bound it gives would say nothing about X^m; a fixed summary cannot collapse;
//  - it has no parameters, so the estimator's capacity is all in q and the two optimisers'
//    variable groups stay exactly the CLUB nets;
//  - padding cannot leak in (frames with mask 0 get weight 0; the test checks bit-equality),
//    unlike the authors' code, which feeds padded frames everywhere.
// Caveat, stated in the notebook: for any fixed summary s = f(X^m), data processing gives
// I(z; s) ≤ I(z; X^m), so the CLUB on s bounds the summary's dependence, a proxy of eq. 14's
// quantity, not I(z^S; X^m) itself. A row with no real frame yields s = 0.
import * as tf from '@tensorflow/tfjs';
import type { MiEstimator } from './types';

/** y [B, T, d], mask [B, T] (1 real, 0 padding) → [B, d]. */
export function maskedMean(y: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  if (y.rank !== 3) throw new Error(`maskedMean: sequence must be [B, T, d], got [${y.shape.join(', ')}]`);
  if (mask.rank !== 2 || mask.shape[0] !== y.shape[0] || mask.shape[1] !== y.shape[1]) {
    throw new Error(`maskedMean: mask must be [B, T] = [${y.shape[0]}, ${y.shape[1]}], got [${mask.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const m = tf.cast(mask, 'float32'); // [B, T]
    // where() rather than y·m: a NaN/inf in a padded frame must not leak (NaN·0 = NaN). The
    // condition is broadcast by adding zeros, not tf.broadcastTo, which runs as Tile on wasm (10× slower)
    const real = tf.greater(tf.add(tf.zeros(y.shape), tf.expandDims(m, 2)), 0); // [B, T, d], from the mask alone
    const kept = tf.where(real, y, tf.zerosLike(y)); // [B, T, d]
    const total = tf.sum(kept, 1); // [B, d]
    const count = tf.maximum(tf.sum(m, 1, true), 1); // [B, 1]
    return tf.div(total, count) as tf.Tensor2D;
  });
}

/**
 * A vector estimator whose y is a masked sequence, behind the same `MiEstimator` interface as
 * every other estimator: `summarize` turns X^m [B, T, d] into the fixed summary [B, d] once per
 * batch (it has no parameters, so it can be computed outside any gradient tape), and
 * `estimate` / `learningLoss` read that summary as y. Owns exactly the base's variables.
 */
export class SequenceMiEstimator implements MiEstimator {
  readonly name: string;
  readonly bound: 'upper' | 'lower';
  readonly xDim: number;
  readonly yDim: number;

  constructor(readonly base: MiEstimator) {
    this.name = `${base.name}-maskedMean`;
    this.bound = base.bound;
    this.xDim = base.xDim;
    this.yDim = base.yDim;
  }

  /** y [B, T, yDim], mask [B, T] → the summary [B, yDim] that `estimate` and `learningLoss` take as y. */
  summarize(y: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    return maskedMean(y, mask);
  }

  /** x [B, xDim], summary [B, yDim] → scalar. */
  estimate(x: tf.Tensor2D, summary: tf.Tensor2D): tf.Scalar {
    return this.base.estimate(x, summary);
  }

  learningLoss(x: tf.Tensor2D, summary: tf.Tensor2D): tf.Scalar {
    return this.base.learningLoss(x, summary);
  }

  /** x [B, xDim], y [B, T, yDim], mask [B, T] → scalar: summarize, then estimate. */
  estimateSequence(x: tf.Tensor2D, y: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => this.base.estimate(x, maskedMean(y, mask)));
  }

  learningLossSequence(x: tf.Tensor2D, y: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => this.base.learningLoss(x, maskedMean(y, mask)));
  }

  variables(): tf.Variable[] {
    return this.base.variables();
  }

  dispose(): void {
    this.base.dispose();
  }
}
