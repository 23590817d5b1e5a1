// One post-LayerNorm Transformer encoder layer (Vaswani et al. 2017) as BERT computes it, over
// weights passed in by the module that owns them (src/text/bert.ts keeps Hugging Face's names):
//   layer       A = LN(h + Dropout(MHA(h) W_o + b_o))
//               h' = LN(A + Dropout(GELU(A W_1 + b_1) W_2 + b_2))
//   MHA         head_i = softmax(Q_i K_iᵀ / √d_h + bias) V_i, bias = −10⁴ on padded keys
// Dropout is the caller's function, so the caller decides training mode and seeds; it is called
// in a fixed order per layer: attention probabilities, attention output, feed-forward output.
import * as tf from '@tensorflow/tfjs';
import { gelu, layerNorm } from './layers';
import { linear, matMul } from './ops';

/** x W + b, W stored [in, out]. */
export interface LinearWeights {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

export interface LayerNormWeights {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
}

export interface AttentionWeights {
  query: LinearWeights;
  key: LinearWeights;
  value: LinearWeights;
  /** W_o, b_o: the merged heads' projection */
  output: LinearWeights;
}

export interface TransformerLayerWeights {
  attention: AttentionWeights;
  attentionNorm: LayerNormWeights;
  intermediate: LinearWeights; // W_1 [H, I], b_1
  output: LinearWeights; // W_2 [I, H], b_2
  outputNorm: LayerNormWeights;
}

/** Dropout at `rate` (the identity when not training or rate = 0). */
export type DropoutFn = (x: tf.Tensor, rate: number) => tf.Tensor;

export interface TransformerLayerOptions {
  numHeads: number;
  layerNormEps: number;
  hiddenDropout: number;
  attentionDropout: number;
  dropout: DropoutFn;
}

/** −10⁴ on padded keys, 0 on real ones: [B, 1, 1, L], added to the attention scores. */
export function attentionBias(mask: tf.Tensor2D): tf.Tensor4D {
  const [b, len] = mask.shape;
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -10000), [b, 1, 1, len]);
}

/**
 * Multi-head self-attention with its output projection: h [B, L, H] → MHA(h) W_o + b_o
 * [B, L, H]. `bias` [B, 1, 1, L] from `attentionBias`; `dropout` is applied to the attention
 * probabilities at `attentionDropout`.
 */
export function multiHeadAttention(h: tf.Tensor3D, bias: tf.Tensor4D, w: AttentionWeights, numHeads: number, attentionDropout: number, dropout: DropoutFn): tf.Tensor3D {
  return crossAttention(h, h, bias, w, numHeads, attentionDropout, dropout);
}

/**
 * Multi-head attention of one sequence over another: queries from q [B, L_q, H], keys and values
 * from kv [B, L_k, H] → [B, L_q, H]; `bias` [B, 1, 1, L_k] masks kv's padded steps. With q = kv it
 * is self-attention (`multiHeadAttention`).
 */
export function crossAttention(q: tf.Tensor3D, kv: tf.Tensor3D, bias: tf.Tensor4D, w: AttentionWeights, numHeads: number, attentionDropout: number, dropout: DropoutFn): tf.Tensor3D {
  const [b, lq, hid] = q.shape;
  const lk = kv.shape[1];
  if (kv.shape[0] !== b || kv.shape[2] !== hid) throw new Error(`crossAttention: kv is [${kv.shape}], expected [${b}, L_k, ${hid}]`);
  if (hid % numHeads !== 0) throw new Error(`crossAttention: width ${hid} is not divisible by ${numHeads} heads`);
  const nh = numHeads;
  const dh = hid / nh;
  // [B, L, H] → [B·nh, L, d_h]
  const heads = (x: tf.Tensor, len: number): tf.Tensor3D =>
    tf.reshape(tf.transpose(tf.reshape(x, [b, len, nh, dh]), [0, 2, 1, 3]), [b * nh, len, dh]);
  const qh = heads(linear(q, w.query.w, w.query.b), lq);
  const k = heads(linear(kv, w.key.w, w.key.b), lk);
  const v = heads(linear(kv, w.value.w, w.value.b), lk);
  const raw = tf.reshape(tf.mul(matMul(qh, k, false, true), 1 / Math.sqrt(dh)), [b, nh, lq, lk]); // [B, nh, L_q, L_k]
  const probs = dropout(tf.softmax(tf.add(raw, bias), -1), attentionDropout); // [B, nh, L_q, L_k]
  const ctx = matMul(tf.reshape(probs, [b * nh, lq, lk]) as tf.Tensor3D, v); // [B·nh, L_q, d_h]
  const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [b, nh, lq, dh]), [0, 2, 1, 3]), [b, lq, hid]); // [B, L_q, H]
  return linear(merged, w.output.w, w.output.b) as tf.Tensor3D;
}

/** One encoder layer: h [B, L, H] → h' [B, L, H] (formulas above). */
export function transformerLayer(h: tf.Tensor3D, bias: tf.Tensor4D, w: TransformerLayerWeights, o: TransformerLayerOptions): tf.Tensor3D {
  const attnOut = o.dropout(multiHeadAttention(h, bias, w.attention, o.numHeads, o.attentionDropout, o.dropout), o.hiddenDropout);
  const a = layerNorm(tf.add(h, attnOut), w.attentionNorm.gamma, w.attentionNorm.beta, o.layerNormEps);
  const inter = gelu(linear(a, w.intermediate.w, w.intermediate.b)); // [B, L, I]
  const out = o.dropout(linear(inter, w.output.w, w.output.b), o.hiddenDropout);
  return layerNorm(tf.add(a, out), w.outputNorm.gamma, w.outputNorm.beta, o.layerNormEps) as tf.Tensor3D;
}
