// The variational conditional q(y|x) = N(μ(x), diag exp(logVar(x))) of the CLUB family, and the
// CLUB formulas as pure functions of (μ, logVar, y), so the same code evaluates a trained q and
// the true conditional of the toy (closed-form checks).
//
// Log-likelihood of one pair, summed over the d coordinates:
//   log q(y|x) = Σ_k [ −(y_k − μ_k)² / (2·exp(lv_k)) − lv_k/2 − ½·log 2π ]
// CLUB (paper eq. 10, Cheng et al. eq. 5) with all N² pairs:
//   Î = (1/N) Σ_i log q(y_i|x_i) − (1/N²) Σ_i Σ_j log q(y_j|x_i)
// For a fixed i both terms share the normaliser −Σ_k lv_ik/2 − (d/2)·log 2π, so it cancels and
// only the squared errors scaled by 1/(2·exp(lv)) remain. The pairwise mean is O(N·d), not
// O(N²·d), by the identity  mean_j (y_jk − μ_ik)² = var_k(y) + (ȳ_k − μ_ik)²
// (= mean_j y_jk² − 2 μ_ik ȳ_k + μ_ik², written in the centred form to avoid cancellation).
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../nn/dense';
import { Rng, deriveSeed } from '../util/rng';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** MIRD's CLUB(64, 64, 32): hidden_size 32, i.e. 16-unit heads. */
export const DEFAULT_HIDDEN_SIZE = 32;

/** Mean over the batch of −log q(y_i|x_i) (nats, summed over coordinates): mu, logVar, y [N, d]. */
export function gaussianNll(mu: tf.Tensor2D, logVar: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const d = y.shape[1];
    const sq = tf.square(tf.sub(y, mu)); // [N, d]
    const perCoord = tf.add(tf.mul(tf.mul(sq, tf.exp(tf.neg(logVar))), 0.5), tf.mul(logVar, 0.5)); // [N, d]
    return tf.add(tf.mean(tf.sum(perCoord, 1)), d * HALF_LOG_2PI) as tf.Scalar;
  });
}

/** CLUB over all N² pairs in O(N·d) (see the identity above): mu, logVar, y [N, d] → scalar. */
export function clubFromGaussian(mu: tf.Tensor2D, logVar: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const invVar = tf.exp(tf.neg(logVar)); // [N, d]
    const positive = tf.neg(tf.mul(tf.square(tf.sub(mu, y)), invVar)); // [N, d]: 2·log q(y_i|x_i) + normaliser
    const { mean: yBar, variance: yVar } = tf.moments(y, 0); // [d], [d] (biased variance: mean over j)
    const pairwise = tf.add(yVar, tf.square(tf.sub(mu, yBar))); // [N, d] = mean_j (y_j − μ_i)²
    const negative = tf.neg(tf.mul(pairwise, invVar)); // [N, d]: 2·mean_j log q(y_j|x_i) + the same normaliser
    return tf.mul(tf.mean(tf.sum(tf.sub(positive, negative), 1)), 0.5) as tf.Scalar;
  });
}

/**
 * CLUBSample (Cheng et al. eq. 7): the negative term uses one random partner y_π(i) per x_i
 * instead of all N: unbiased for the same bound, O(N·d), higher variance. `perm` [N] int32.
 */
export function clubSampleFromGaussian(mu: tf.Tensor2D, logVar: tf.Tensor2D, y: tf.Tensor2D, perm: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const invVar = tf.exp(tf.neg(logVar)); // [N, d]
    const yShuffled = tf.gather(y, perm); // [N, d]
    const positive = tf.mul(tf.square(tf.sub(mu, y)), invVar); // [N, d]
    const negative = tf.mul(tf.square(tf.sub(mu, yShuffled)), invVar); // [N, d]
    return tf.mul(tf.mean(tf.sum(tf.sub(negative, positive), 1)), 0.5) as tf.Scalar;
  });
}

/**
 * L1Out upper bound (Poole et al. 2019; CLUB paper baseline):
 *   Î = (1/N) Σ_i [ log q(y_i|x_i) − log (1/(N−1)) Σ_{j≠i} q(y_i|x_j) ]
 * O(N²·d) memory ([N, N, d]); fine for the toy's N = 64.
 */
export function l1OutFromGaussian(mu: tf.Tensor2D, logVar: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = y.shape[0];
    const logQ = (yy: tf.Tensor, m: tf.Tensor, lv: tf.Tensor, axis: number): tf.Tensor =>
      tf.sum(tf.sub(tf.mul(tf.mul(tf.square(tf.sub(yy, m)), tf.exp(tf.neg(lv))), -0.5), tf.mul(lv, 0.5)), axis);
    const positive = logQ(y, mu, logVar, 1); // [N]
    // all[i, j] = log q(y_i | x_j): y as [N, 1, d] against μ, lv as [1, N, d]
    const all = logQ(tf.expandDims(y, 1), tf.expandDims(mu, 0), tf.expandDims(logVar, 0), 2); // [N, N]
    const offDiagonal = tf.add(all, tf.mul(tf.eye(n), -1e9)); // exclude j = i
    const negative = tf.sub(tf.logSumExp(offDiagonal, 1), Math.log(n - 1)); // [N]
    return tf.mean(tf.sub(positive, negative)) as tf.Scalar;
  });
}

export interface GaussianQOptions {
  /**
   * The reference code's `hidden_size`. Each head (μ and log-variance) is
   * Linear(xDim, headUnits) → ReLU → Linear(headUnits, yDim), where by the reference convention
   * headUnits = floor(hiddenSize / 2): MIRD's CLUB(64, 64, 32) has 16-unit heads, the CLUB
   * toy's hidden 15 has 7-unit heads. Default 32 (MIRD).
   */
  hiddenSize?: number;
  /** Override the head width (units per head) instead of floor(hiddenSize / 2). */
  headUnits?: number;
  /**
   * Log-variance bound B: logVar = B·tanh(raw / B) ∈ (−B, B). Near 0 this is the identity, so
   * unlike the reference's plain Tanh (B = 1, logVar ∈ (−1, 1), variance ≥ e⁻¹ ≈ 0.37) it can
   * represent the small conditional variances of strongly dependent pairs (toy at MI 10, d 20
   * needs logVar = −1 exactly; higher dependence needs lower), while exp(±logVar) ≤ e^B stays
   * finite for any input, so a large raw output cannot overflow into inf/NaN (CLUB issue #27).
   * Default 10 (variance in (4.5e−5, 2.2e4)). B = 1 reproduces the reference's Tanh;
   * B = Infinity disables the bound (for demonstrating the overflow only).
   */
  logVarBound?: number;
  /** false: fixed unit variance (CLUBMean); no log-variance head. */
  learnVariance?: boolean;
  seed: number;
  /** Prefix of the variable names. */
  name: string;
}

/** Units per head for a reference-style hiddenSize (floor(h/2), at least 1) or an explicit override. */
export function headUnitsFor(hiddenSize: number, headUnits?: number): number {
  if (headUnits !== undefined) {
    if (!Number.isInteger(headUnits) || headUnits <= 0) throw new Error(`headUnits must be a positive integer, got ${headUnits}`);
    return headUnits;
  }
  if (!Number.isInteger(hiddenSize) || hiddenSize <= 0) throw new Error(`hiddenSize must be a positive integer, got ${hiddenSize}`);
  return Math.max(1, Math.floor(hiddenSize / 2));
}

/** q(y|x) with a μ head and (optionally) a bounded log-variance head; owns its variables. */
export class GaussianQ {
  readonly hiddenSize: number;
  readonly headUnits: number;
  readonly logVarBound: number;
  readonly learnVariance: boolean;
  private readonly mu1: Dense;
  private readonly mu2: Dense;
  private readonly lv1: Dense | null;
  private readonly lv2: Dense | null;

  constructor(
    readonly xDim: number,
    readonly yDim: number,
    options: GaussianQOptions,
  ) {
    this.hiddenSize = options.hiddenSize ?? DEFAULT_HIDDEN_SIZE;
    this.headUnits = headUnitsFor(this.hiddenSize, options.headUnits);
    this.logVarBound = options.logVarBound ?? 10;
    if (!(this.logVarBound > 0)) throw new Error(`logVarBound must be > 0 (or Infinity), got ${this.logVarBound}`);
    this.learnVariance = options.learnVariance ?? true;
    const rng = (label: string): Rng => new Rng(deriveSeed(options.seed, `${options.name}/${label}`));
    const u = this.headUnits;
    this.mu1 = new Dense(`${options.name}/mu1`, xDim, u, rng('mu1'));
    this.mu2 = new Dense(`${options.name}/mu2`, u, yDim, rng('mu2'));
    this.lv1 = this.learnVariance ? new Dense(`${options.name}/logvar1`, xDim, u, rng('logvar1')) : null;
    this.lv2 = this.learnVariance ? new Dense(`${options.name}/logvar2`, u, yDim, rng('logvar2')) : null;
  }

  /** x [N, xDim] → μ, logVar [N, yDim] (logVar = 0 without a variance head). */
  forward(x: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    return tf.tidy(() => {
      const mu = this.mu2.apply(tf.relu(this.mu1.apply(x))) as tf.Tensor2D; // [N, yDim]
      if (this.lv1 === null || this.lv2 === null) return { mu, logVar: tf.zerosLike(mu) as tf.Tensor2D };
      const raw = this.lv2.apply(tf.relu(this.lv1.apply(x))) as tf.Tensor2D; // [N, yDim]
      const b = this.logVarBound;
      const logVar = Number.isFinite(b) ? (tf.mul(tf.tanh(tf.div(raw, b)), b) as tf.Tensor2D) : raw;
      return { mu, logVar };
    });
  }

  variables(): tf.Variable[] {
    const heads = [this.mu1, this.mu2, this.lv1, this.lv2].filter((h): h is Dense => h !== null);
    return heads.flatMap((h) => h.variables());
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
