// Transformer blocks that own their variables, for the Table 1 baselines (MulT's crossmodal and
// self-attention transformers, MISA's fusion transformer, MFSA's attention blocks). The
// arithmetic is src/nn/transformer.ts's (multi-head attention, cross-attention); this file adds
// owned, stably named weights, both LayerNorm placements and sinusoidal positions.
//
//   post-norm (Vaswani et al. 2017; PyTorch nn.TransformerEncoderLayer's default, MISA):
//     A  = LN_1(x + Dropout(MHA(x, kv)))
//     x' = LN_2(A + Dropout(W_2 Dropout(act(W_1 A + b_1)) + b_2))
//   pre-norm (MulT's fairseq-style TransformerEncoderLayer, Tsai et al. 2019):
//     A  = x + Dropout(MHA(LN_1(x), LN_1(kv)))          (queries and keys/values share LN_1)
//     x' = A + Dropout(W_2 Dropout(act(W_1 LN_2(A) + b_1)) + b_2)
//   MHA(x, kv): queries from x [B, L_q, D], keys and values from kv [B, L_k, D] (kv = x for
//   self-attention), padded kv steps masked by a −10⁴ bias; kv's padding never reaches a real query.
//
// Dropout draws come from the caller's Rng in a fixed order per block: attention probabilities,
// attention output, feed-forward activation, feed-forward output.
//
// Optional future mask (MulT's attn_mask, on by default in its main.py; `causal`, default off):
// the reference masks with triu(−inf, 1 + |L_k − L_q|) over the PADDED lengths, so query i sees
// key j iff j ≤ i + |L_k − L_q| (an offset triangle; plain causal when L_k = L_q). Over padded
// lengths the offset would change with the batch's padding; here it is taken per clip from the
// REAL lengths n_q, n_k (row sums of the prefix masks): query i sees real key j iff
// j ≤ i + |n_k − n_q|. Every real query then sees key 0, and the last real query sees every real
// key. Needs right-padded (prefix) masks, as every batch here has.
import * as tf from '@tensorflow/tfjs';
import { Dense, makeVariable } from './dense';
import { gelu, layerNorm } from './layers';
import { attentionBias, crossAttention, type AttentionWeights, type DropoutFn } from './transformer';
import { Rng } from '../util/rng';

export interface TransformerBlockOptions {
  numHeads: number;
  /** width of the feed-forward layer W_1 */
  ffDim: number;
  /** LayerNorm before each sublayer (MulT) or after the residual sum (Vaswani; PyTorch's default) */
  norm: 'pre' | 'post';
  activation: 'relu' | 'gelu';
  attentionDropout: number;
  /** on each sublayer's output before the residual sum */
  residualDropout: number;
  /** on the feed-forward activation (MulT's relu_dropout; PyTorch's nn.TransformerEncoderLayer applies its one dropout rate there too) */
  activationDropout: number;
  layerNormEps: number;
  /** MulT's offset future mask over the real lengths (file header); default false: every real key is visible */
  causal?: boolean;
}

/** A LayerNorm's γ (ones) and β (zeros) as owned variables `<name>/gamma`, `<name>/beta`. */
export class LayerNormParams {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(name: string, dim: number, rng: Rng, readonly eps: number) {
    this.gamma = makeVariable(`${name}/gamma`, [dim], 'ones', rng);
    this.beta = makeVariable(`${name}/beta`, [dim], 'zeros', rng);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.gamma as tf.Tensor1D, this.beta as tf.Tensor1D, this.eps);
  }

  variables(): tf.Variable[] {
    return [this.gamma, this.beta];
  }

  dispose(): void {
    this.gamma.dispose();
    this.beta.dispose();
  }
}

/** Multi-head attention with owned Q, K, V and output projections (`<name>/{query,key,value,output}`). */
export class MultiHeadAttention {
  readonly query: Dense;
  readonly key: Dense;
  readonly value: Dense;
  readonly output: Dense;

  constructor(readonly name: string, readonly dim: number, readonly numHeads: number, rng: Rng) {
    if (!Number.isInteger(numHeads) || numHeads <= 0 || dim % numHeads !== 0) {
      throw new Error(`MultiHeadAttention ${name}: width ${dim} must be divisible by the number of heads (${numHeads})`);
    }
    this.query = new Dense(`${name}/query`, dim, dim, rng);
    this.key = new Dense(`${name}/key`, dim, dim, rng);
    this.value = new Dense(`${name}/value`, dim, dim, rng);
    this.output = new Dense(`${name}/output`, dim, dim, rng);
  }

  private weights(): AttentionWeights {
    const lw = (d: Dense) => ({ w: d.w as tf.Tensor2D, b: d.b as tf.Tensor1D });
    return { query: lw(this.query), key: lw(this.key), value: lw(this.value), output: lw(this.output) };
  }

  /**
   * q [B, L_q, D] attends over kv [B, L_k, D] (kvMask [B, L_k], 1 real) → [B, L_q, D].
   * `extraBias` [B, 1, L_q, L_k] (optional, e.g. `offsetCausalBias`) is added to the scores.
   */
  apply(q: tf.Tensor3D, kv: tf.Tensor3D, kvMask: tf.Tensor2D, attentionDropout: number, dropout: DropoutFn, extraBias?: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const bias = extraBias === undefined ? attentionBias(kvMask) : (tf.add(attentionBias(kvMask), extraBias) as tf.Tensor4D); // [B, 1, 1 | L_q, L_k]
      return crossAttention(q, kv, bias, this.weights(), this.numHeads, attentionDropout, dropout);
    });
  }

  variables(): tf.Variable[] {
    return [...this.query.variables(), ...this.key.variables(), ...this.value.variables(), ...this.output.variables()];
  }

  paramCount(): number {
    return 4 * (this.dim * this.dim + this.dim);
  }

  dispose(): void {
    for (const d of [this.query, this.key, this.value, this.output]) d.dispose();
  }
}

/**
 * MulT's offset future mask over the real lengths: −10⁴ where key j lies beyond query i's horizon
 * i + |n_k − n_q|, else 0 → [B, 1, L_q, L_k]. n_q, n_k: row sums of the prefix masks queryMask
 * [B, L_q] and kvMask [B, L_k]. Padded keys are left to `attentionBias`; padded queries are masked
 * by the caller.
 */
export function offsetCausalBias(queryMask: tf.Tensor2D, kvMask: tf.Tensor2D): tf.Tensor4D {
  const [b, lq] = queryMask.shape;
  const lk = kvMask.shape[1];
  if (kvMask.shape[0] !== b) throw new Error(`offsetCausalBias: kvMask is [${kvMask.shape}], expected [${b}, L_k]`);
  return tf.tidy(() => {
    const nq = tf.sum(tf.cast(queryMask, 'float32'), 1); // [B]
    const nk = tf.sum(tf.cast(kvMask, 'float32'), 1); // [B]
    const offset = tf.reshape(tf.abs(tf.sub(nk, nq)), [b, 1, 1]); // [B, 1, 1]
    const i = tf.reshape(tf.range(0, lq, 1, 'float32'), [1, lq, 1]); // [1, L_q, 1]
    const j = tf.reshape(tf.range(0, lk, 1, 'float32'), [1, 1, lk]); // [1, 1, L_k]
    const beyond = tf.cast(tf.greater(j, tf.add(i, offset)), 'float32'); // [B, L_q, L_k]: j > i + |n_k − n_q|
    return tf.reshape(tf.sub(0, tf.mul(beyond, 10000)), [b, 1, lq, lk]) as tf.Tensor4D; // 0 − x: +0 where visible (not −0)
  });
}

/** Dropout driven by an Rng (one seed per call, in call order); the identity when not training. */
export function rngDropout(training: boolean, rng: Rng): DropoutFn {
  return (x, rate) => (training && rate > 0 ? tf.dropout(x, rate, undefined, rng.seed()) : x);
}

/** One transformer layer (formulas in the file header); self-attention, or cross-attention when given kv. */
export class TransformerBlock {
  readonly attention: MultiHeadAttention;
  readonly norm1: LayerNormParams;
  readonly norm2: LayerNormParams;
  readonly ff1: Dense;
  readonly ff2: Dense;

  /** variables `<name>/attention/…`, `<name>/norm1`, `<name>/norm2`, `<name>/ff1`, `<name>/ff2` */
  constructor(readonly name: string, readonly dim: number, readonly options: TransformerBlockOptions, rng: Rng) {
    const o = options;
    for (const [k, r] of [['attentionDropout', o.attentionDropout], ['residualDropout', o.residualDropout], ['activationDropout', o.activationDropout]] as const) {
      if (!(r >= 0 && r < 1)) throw new Error(`TransformerBlock ${name}: ${k} must be in [0, 1), got ${r}`);
    }
    if (!Number.isInteger(o.ffDim) || o.ffDim <= 0) throw new Error(`TransformerBlock ${name}: ffDim must be a positive integer, got ${o.ffDim}`);
    this.attention = new MultiHeadAttention(`${name}/attention`, dim, o.numHeads, rng);
    this.norm1 = new LayerNormParams(`${name}/norm1`, dim, rng, o.layerNormEps);
    this.norm2 = new LayerNormParams(`${name}/norm2`, dim, rng, o.layerNormEps);
    this.ff1 = new Dense(`${name}/ff1`, dim, o.ffDim, rng);
    this.ff2 = new Dense(`${name}/ff2`, o.ffDim, dim, rng);
  }

  /**
   * x [B, L_q, D] → [B, L_q, D]. Self-attention over x (mask = x's) when `kv` is omitted; else
   * cross-attention over kv [B, L_k, D] with kvMask [B, L_k].
   */
  apply(x: tf.Tensor3D, mask: tf.Tensor2D, dropout: DropoutFn, kv?: { seq: tf.Tensor3D; mask: tf.Tensor2D }): tf.Tensor3D {
    const o = this.options;
    return tf.tidy(() => {
      const act = (h: tf.Tensor): tf.Tensor => (o.activation === 'relu' ? tf.relu(h) : gelu(h));
      const ff = (h: tf.Tensor): tf.Tensor => dropout(this.ff2.apply(dropout(act(this.ff1.apply(h)), o.activationDropout)), o.residualDropout);
      const kvMask = kv?.mask ?? mask;
      const future = o.causal === true ? offsetCausalBias(mask, kvMask) : undefined; // [B, 1, L_q, L_k]
      if (o.norm === 'pre') {
        const qn = this.norm1.apply(x) as tf.Tensor3D;
        const kvn = kv === undefined ? qn : (this.norm1.apply(kv.seq) as tf.Tensor3D);
        const a = tf.add(x, dropout(this.attention.apply(qn, kvn, kvMask, o.attentionDropout, dropout, future), o.residualDropout));
        return tf.add(a, ff(this.norm2.apply(a))) as tf.Tensor3D;
      }
      const a = this.norm1.apply(tf.add(x, dropout(this.attention.apply(x, kv?.seq ?? x, kvMask, o.attentionDropout, dropout, future), o.residualDropout)));
      return this.norm2.apply(tf.add(a, ff(a))) as tf.Tensor3D;
    });
  }

  variables(): tf.Variable[] {
    return [...this.attention.variables(), ...this.norm1.variables(), ...this.norm2.variables(), ...this.ff1.variables(), ...this.ff2.variables()];
  }

  paramCount(): number {
    return transformerBlockParams(this.dim, this.options.ffDim);
  }

  dispose(): void {
    this.attention.dispose();
    this.norm1.dispose();
    this.norm2.dispose();
    this.ff1.dispose();
    this.ff2.dispose();
  }
}

/** Parameters of one TransformerBlock of width D and feed-forward width F: 4(D² + D) + 4D + (DF + F) + (FD + D). */
export function transformerBlockParams(d: number, f: number): number {
  return 4 * (d * d + d) + 4 * d + (d * f + f) + (f * d + d);
}

/** Multiply-accumulates of one block for L_q queries over L_k keys: projections, scores, context, feed-forward. */
export function transformerBlockMacs(d: number, f: number, lq: number, lk: number): number {
  return 2 * lq * d * d + 2 * lk * d * d + 2 * lq * lk * d + 2 * lq * d * f;
}

/**
 * A stack of TransformerBlocks `<name>/layer<k>` (k from 0); with pre-norm a final LayerNorm
 * `<name>/finalNorm` (MulT's encoder normalises its output).
 */
export class TransformerEncoder {
  readonly layers: TransformerBlock[];
  readonly finalNorm: LayerNormParams | null;

  constructor(readonly name: string, readonly dim: number, numLayers: number, readonly options: TransformerBlockOptions, rng: Rng) {
    if (!Number.isInteger(numLayers) || numLayers <= 0) throw new Error(`TransformerEncoder ${name}: numLayers must be a positive integer, got ${numLayers}`);
    this.layers = Array.from({ length: numLayers }, (_, k) => new TransformerBlock(`${name}/layer${k}`, dim, options, rng));
    this.finalNorm = options.norm === 'pre' ? new LayerNormParams(`${name}/finalNorm`, dim, rng, options.layerNormEps) : null;
  }

  /** As TransformerBlock.apply, layer by layer (each layer attends over the same kv when given). */
  apply(x: tf.Tensor3D, mask: tf.Tensor2D, dropout: DropoutFn, kv?: { seq: tf.Tensor3D; mask: tf.Tensor2D }): tf.Tensor3D {
    return tf.tidy(() => {
      let h = x;
      for (const l of this.layers) h = l.apply(h, mask, dropout, kv);
      return (this.finalNorm === null ? h : this.finalNorm.apply(h)) as tf.Tensor3D;
    });
  }

  variables(): tf.Variable[] {
    return [...this.layers.flatMap((l) => l.variables()), ...(this.finalNorm?.variables() ?? [])];
  }

  paramCount(): number {
    return this.layers.length * transformerBlockParams(this.dim, this.options.ffDim) + (this.finalNorm === null ? 0 : 2 * this.dim);
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.finalNorm?.dispose();
  }
}

/**
 * Sinusoidal positions (Vaswani et al. 2017 §3.5): PE[t, 2i] = sin(t / 10000^{2i/D}),
 * PE[t, 2i+1] = cos(t / 10000^{2i/D}), t = 0 … len−1 → [len, D] (a constant, not a variable).
 */
export function sinusoidalPositions(len: number, dim: number): tf.Tensor2D {
  const v = new Float32Array(len * dim);
  for (let t = 0; t < len; t++) {
    for (let i = 0; i < dim; i += 2) {
      const angle = t / Math.pow(10000, i / dim);
      v[t * dim + i] = Math.sin(angle);
      if (i + 1 < dim) v[t * dim + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(v, [len, dim]);
}
