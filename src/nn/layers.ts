// Stateless layer functions shared by the text encoders and the MIRD model: LayerNorm, GELU and
// the masked mean over a sequence. Parameters (γ, β) are passed in by the module that owns them.
import * as tf from '@tensorflow/tfjs';

/** LayerNorm over the last axis: (x − μ) / √(σ² + eps) · γ + β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** GELU, exact erf form: ½ x (1 + erf(x / √2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/**
 * Mean of the hidden states over real tokens: Σ_t m_t h_t / max(Σ_t m_t, 1).
 * h [B, L, H], mask [B, L] (1 real, 0 padding) → [B, H].
 */
export function meanPool(h: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const m = tf.expandDims(tf.cast(mask, 'float32'), 2); // [B, L, 1]
    const sum = tf.sum(tf.mul(h, m), 1); // [B, H]
    const count = tf.maximum(tf.sum(m, 1), 1); // [B, 1]
    return tf.div(sum, count) as tf.Tensor2D;
  });
}
