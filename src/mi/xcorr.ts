// The cross-correlation penalty: the mean squared Pearson correlation between every coordinate of
// one sample and every coordinate of another, over the rows of a batch,
//
//   R_ij = Σ_n x̃_ni ỹ_nj / n,   x̃ = (x − mean) / sqrt(var + ε) per column (population var),
//   xcorr(X, Y) = (1 / (d_x d_y)) Σ_ij R_ij²  ∈ [0, 1].
//
// It is 0 exactly when no coordinate of Y is correlated with any coordinate of X, which is the
// same as saying that no linear map of X predicts any part of Y (the least-squares coefficients
// are R_xx⁻¹ R_xy = 0): the dependence a linear probe reads, and nothing beyond it. It needs no
// fitted estimator and, being a correlation, cannot be lowered by rescaling a latent. Unlike the
// orthogonality constraint of eq. 9 (‖Z^m Z^Sᵀ‖²_F), which asks the latent vectors to lie in
// orthogonal subspaces of R^d and is met by a latent that keeps the information in other
// coordinates, it asks the coordinates to be uncorrelated across clips. Under independence the
// batch estimate is not 0: E[R_ij²] ≈ 1 / n for n rows. A column with (near) zero variance, e.g.
// an unused coordinate, contributes 0 (ε = 1e-8 keeps its gradient finite).
//
// Its blind spot: each R_ij is a correlation of one coordinate, so a latent whose coordinates are
// strongly collinear can keep Y in a low-variance direction (a small difference of coordinates)
// while every single coordinate stays nearly uncorrelated with Y; a linear probe, which rescales
// directions, still reads it. For latents whose covariance is the identity (white), Σ R_ij²
// equals the sum of the squared canonical correlations, which no invertible linear map of X
// changes. `covarianceDeviation` measures how far a latent is from white, as a penalty.
import * as tf from '@tensorflow/tfjs';
import { matMul } from '../nn/ops';

export const XCORR_EPS = 1e-8;

/** Columns centred and scaled to unit (population) variance: [n, d]. */
function standardizeColumns(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const centred = tf.sub(x, tf.mean(x, 0, true));
    const variance = tf.mean(tf.square(centred), 0, true); // [1, d]
    return tf.div(centred, tf.sqrt(tf.add(variance, XCORR_EPS))) as tf.Tensor2D;
  });
}

/** x [n, d] with its columns centred, and their population covariance C = x_cᵀ x_c / n [d, d]. */
function centredCovariance(x: tf.Tensor2D): { centred: tf.Tensor2D; cov: tf.Tensor2D } {
  const centred = tf.sub(x, tf.mean(x, 0, true)) as tf.Tensor2D;
  return { centred, cov: tf.div(matMul(centred, centred, true, false), x.shape[0]) as tf.Tensor2D };
}

/** The number of paired rows of x and y; an error naming `what` unless they match and are ≥ 2. */
function pairedRows(x: tf.Tensor2D, y: tf.Tensor2D, what: string): number {
  const n = x.shape[0];
  if (y.shape[0] !== n) throw new Error(`${what}: x has ${n} rows, y has ${y.shape[0]}; the rows must be paired`);
  if (n < 2) throw new Error(`${what}: needs at least 2 paired rows, got ${n}`);
  return n;
}

/** R [d_x, d_y]: Pearson correlations between the columns of x [n, d_x] and y [n, d_y] (n ≥ 2). */
export function crossCorrelation(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const n = pairedRows(x, y, 'xcorr');
  return tf.tidy(() => tf.div(matMul(standardizeColumns(x), standardizeColumns(y), true, false), n) as tf.Tensor2D);
}

/** The mean of R² over every pair of columns (see the file comment). */
export function crossCorrelationPenalty(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(crossCorrelation(x, y))) as tf.Scalar);
}

/**
 * ‖Cov(x) − I‖²_F / d² for x [n, d]: the mean squared deviation of the batch covariance
 * (population, centred columns) from the identity; 0 for white coordinates. Needs n > d to be
 * reachable (a batch covariance has rank ≤ n − 1).
 */
export function covarianceDeviation(x: tf.Tensor2D): tf.Scalar {
  const [n, d] = x.shape;
  if (n < 2) throw new Error(`covarianceDeviation: needs at least 2 rows, got ${n}`);
  return tf.tidy(() => tf.mean(tf.square(tf.sub(centredCovariance(x).cov, tf.eye(d)))) as tf.Scalar);
}

/** NEWTON_SCHULZ_STEPS of the coupled Newton–Schulz iteration for A^(−1/2) (only matMuls: differentiable on every backend). */
export const NEWTON_SCHULZ_STEPS = 25;

/**
 * A^(−1/2) of a symmetric positive definite [d, d] matrix by the coupled Newton–Schulz iteration
 * (Higham, "Functions of Matrices", 2008, §6.3): with c = ‖A‖_F, Y₀ = A / c, Z₀ = I,
 * T = (3I − Z Y) / 2, Y ← Y T, Z ← T Z; Z → (A / c)^(−1/2). It converges when the spectrum of A / c
 * lies in (0, 1], which ‖·‖_F normalisation gives; a condition number κ needs about log₂ κ + 5 steps.
 */
export function inverseSqrtSpd(a: tf.Tensor2D, steps = NEWTON_SCHULZ_STEPS): tf.Tensor2D {
  const d = a.shape[0];
  return tf.tidy(() => {
    const c = tf.sqrt(tf.sum(tf.square(a)));
    const eye = tf.eye(d);
    let y = tf.div(a, c) as tf.Tensor2D;
    let z = eye as tf.Tensor2D;
    for (let k = 0; k < steps; k++) {
      const t = tf.mul(tf.sub(tf.mul(eye, 3), matMul(z, y)), 0.5) as tf.Tensor2D;
      y = matMul(y, t);
      z = matMul(t, z);
    }
    return tf.div(z, tf.sqrt(c)) as tf.Tensor2D;
  });
}

/**
 * Columns centred and whitened with a ridge: x_c (C + λ·(tr C / d)·I)^(−1/2), C the population
 * covariance of x [n, d]. `ridge` λ bounds how far a direction of tiny variance is amplified (by
 * at most 1 / sqrt(λ · mean variance)); a column of zero variance stays 0.
 */
export function whitenColumns(x: tf.Tensor2D, ridge: number): tf.Tensor2D {
  const d = x.shape[1];
  return tf.tidy(() => {
    const { centred, cov } = centredCovariance(x);
    const shift = tf.add(tf.mul(tf.div(tf.sum(tf.mul(cov, tf.eye(d))), d), ridge), XCORR_EPS); // λ · mean variance
    return matMul(centred, inverseSqrtSpd(tf.add(cov, tf.mul(tf.eye(d), shift)) as tf.Tensor2D));
  });
}

/** Ridge λ of the canonical-correlation penalty (relative to the mean variance of each side). */
export const CCA_RIDGE = 1e-2;

/**
 * The mean of the squared entries of W_xᵀ W_y / n with both sides whitened (`whitenColumns`):
 * the sum of the squared canonical correlations between x [n, d_x] and y [n, d_y] over d_x d_y,
 * up to the ridge. Unlike `crossCorrelationPenalty` it does not change under any invertible linear
 * map of either side, so a latent cannot hide y in a low-variance direction. Needs n > d_x, d_y
 * to be informative (n ≤ d gives canonical correlations of 1 whatever the data).
 */
export function canonicalCorrelationPenalty(x: tf.Tensor2D, y: tf.Tensor2D, ridge = CCA_RIDGE): tf.Scalar {
  const n = pairedRows(x, y, 'cca');
  return tf.tidy(() => tf.mean(tf.square(tf.div(matMul(whitenColumns(x, ridge), whitenColumns(y, ridge), true, false), n))) as tf.Scalar);
}
