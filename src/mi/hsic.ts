// HSIC, the Hilbert–Schmidt independence criterion (Gretton et al., "Measuring statistical
// dependence with Hilbert–Schmidt norms", ALT 2005): a kernel measure of dependence between two
// samples that needs no fitted estimator. The biased empirical estimate on n paired rows,
//
//   HSIC_b(X, Y) = tr(K H L H) / (n − 1)²,   K_ij = k(x_i, x_j),  L_ij = l(y_i, y_j),  H = I − 11ᵀ/n,
//
// with Gaussian kernels k(a, b) = exp(−‖a − b‖² / (2σ²)). It is 0 in the population exactly when
// X and Y are independent (characteristic kernels), and differentiable in both samples, so it can
// be minimised directly as a constraint between latents (config.constraint 'hsic'), where MIM
// minimises a CLUB bound that an estimator must first be fitted to. Bandwidth: σ² is the mean
// pairwise squared distance of each sample (a data-scaled heuristic; the median is the textbook
// choice, the mean needs no sort on the device), held constant in the gradient.
import * as tf from '@tensorflow/tfjs';
import { detach, matMul } from '../nn/ops';

/** Gaussian Gram matrix [n, n] of rows x [n, d], bandwidth from the mean pairwise squared distance (no gradient through σ). */
export function gaussianGram(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(x), 1, true); // [n, 1]
    const d2 = tf.relu(tf.add(tf.sub(sq, tf.mul(matMul(x, x, false, true), 2)), tf.transpose(sq))); // [n, n], ≥ 0
    const n = x.shape[0];
    const sigma2 = tf.maximum(tf.div(tf.sum(detach(d2)), Math.max(n * (n - 1), 1)), 1e-12); // mean off-diagonal distance
    return tf.exp(tf.neg(tf.div(d2, tf.mul(sigma2, 2)))) as tf.Tensor2D;
  });
}

/** HSIC_b between paired rows x [n, dx] and y [n, dy] (n ≥ 2). */
export function hsic(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  const n = x.shape[0];
  if (y.shape[0] !== n) throw new Error(`hsic: x has ${n} rows, y has ${y.shape[0]}; the rows must be paired`);
  if (n < 2) throw new Error(`hsic: needs at least 2 paired rows, got ${n}`);
  return tf.tidy(() => {
    const k = gaussianGram(x);
    const l = gaussianGram(y);
    // H K H = K − row means − column means + grand mean; tr(HKH L) = Σ_ij (HKH)_ij L_ij (L symmetric)
    const kc = tf.add(tf.sub(tf.sub(k, tf.mean(k, 0, true)), tf.mean(k, 1, true)), tf.mean(k));
    return tf.div(tf.sum(tf.mul(kc, l)), (n - 1) * (n - 1)) as tf.Scalar;
  });
}
