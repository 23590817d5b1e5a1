// Sparsemax (Martins & Astudillo, ICML 2016): the Euclidean projection of a score vector z
// onto the probability simplex,
//   sparsemax(z) = argmin_{p ∈ Δ} ‖p − z‖²  =  max(z − τ(z), 0),
// where, with z sorted descending z_(1) ≥ … ≥ z_(n),
//   k(z) = max{ k : 1 + k·z_(k) > Σ_{j≤k} z_(j) },   τ(z) = (Σ_{j≤k(z)} z_(j) − 1) / k(z).
// Unlike softmax it gives exact zeros, so each word attends to a few frames only (eq. 2).
//
// Jacobian: on the support S = {i : p_i > 0},  ∂p/∂z = diag(s) − s sᵀ/|S|  (s = 1_S), so
//   dz = s ⊙ (dy − (Σ_{i∈S} dy_i) / |S|).
// The sort (tf.topk) has no useful gradient; the custom gradient above replaces it.
//
// Masking: positions with mask = 0 (padded frames) are excluded from the projection and get
// exactly 0; an all-masked row gives all zeros (no NaN) and a zero gradient.
import * as tf from '@tensorflow/tfjs';

/** Fill of padded positions before the sort: far below any real (shifted) score. */
const PADDED_FILL = -1e30;

function sparsemaxForward(z: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const n = z.shape[z.rank - 1] as number;
  const maskB = tf.greater(mask, 0); // [..., n] bool
  // Shift by the row's max over real positions (sparsemax is shift-invariant), so real scores
  // are ≤ 0; padded positions get PADDED_FILL so they sort last and can never enter the
  // support: for a row with r ≥ 1 real entries the condition at a padded rank k reads
  // 1 + k·F > S_r + (k − r)·F, i.e. r·F > S_r − 1, false for F = −1e30; an all-padded row
  // (r = 0) gets no support and is zeroed by the mask.
  // (No broadcasting comparisons or broadcastTo here: on wasm those run as per-element index
  // loops and Tile, ~10× slower than the same-shape ops used instead.)
  const maxReal = tf.max(tf.where(maskB, z, tf.fill(z.shape, PADDED_FILL)), -1, true); // [..., 1]
  const shifted = tf.mul(tf.sub(z, maxReal), mask); // real ≤ 0, padded 0
  const filled = tf.where(maskB, shifted, tf.fill(z.shape, PADDED_FILL)); // [..., n]
  const sorted = tf.topk(filled, n, true).values; // [..., n] descending
  // positive axis: tfjs-wasm 4.22's cumsum with axis −1 corrupts the wasm heap
  const cums = tf.cumsum(sorted, z.rank - 1); // [..., n]
  const k = tf.range(1, n + 1, 1, 'float32'); // [n]
  const condF = tf.cast(tf.greater(tf.add(tf.mul(sorted, k), 1), cums), 'float32'); // support condition [..., n]
  const kz = tf.maximum(tf.sum(condF, -1, true), 1); // [..., 1], ≥ 1 guards all-padded rows
  const tau = tf.div(tf.sub(tf.sum(tf.mul(sorted, condF), -1, true), 1), kz); // [..., 1]
  return tf.mul(tf.relu(tf.sub(shifted, tau)), mask); // [..., n]
}

const sparsemaxWithGrad = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [z, mask, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  // both passes in a tidy: tfjs keeps a custom gradient's temporaries until the whole gradient
  // computation ends (the sort and cumulative sums here are [..., n] each)
  const p = tf.tidy(() => sparsemaxForward(z, mask));
  save([p]);
  return {
    value: p,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [out] = saved as [tf.Tensor];
        const s = tf.cast(tf.greater(out, 0), 'float32'); // support indicator
        const size = tf.maximum(tf.sum(s, -1, true), 1); // |S|, ≥ 1
        const meanS = tf.div(tf.sum(tf.mul(dy, s), -1, true), size); // [..., 1]
        const dz = tf.mul(s, tf.sub(dy, meanS)); // [..., n]
        return [dz, tf.zerosLike(mask)];
      }),
  };
});

/**
 * Sparsemax along the last axis. `mask` (1 = real, 0 = padded) must broadcast to z's shape;
 * masked entries get exactly 0 probability. Rows sum to 1 unless fully masked (then 0).
 */
export function sparsemax(z: tf.Tensor, mask?: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    // the mask at z's full shape by a broadcasting multiply (broadcastTo runs as the slow Tile on wasm)
    const m = mask === undefined || mask === null ? tf.onesLike(z) : tf.mul(tf.cast(mask, 'float32'), tf.onesLike(z)); // [..., n]
    return sparsemaxWithGrad(z, m);
  });
}

/**
 * Softmax along the last axis with the same masking contract (the WA-BERT alternative):
 * masked entries exactly 0, an all-masked row all 0.
 */
export function maskedSoftmax(z: tf.Tensor, mask?: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    if (mask === undefined || mask === null) return tf.softmax(z);
    const m = tf.mul(tf.cast(mask, 'float32'), tf.onesLike(z)); // [..., n] (not broadcastTo: Tile on wasm)
    const maskB = tf.greater(m, 0); // [..., n] bool
    const p = tf.softmax(tf.where(maskB, z, tf.fill(z.shape, -1e9))); // exp(-1e9 − max) = 0
    return tf.mul(p, m); // all-masked rows: uniform × 0 = 0
  });
}
