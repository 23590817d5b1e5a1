// MFSA — Multimodal Fusion approach for learning modality-Specific and modality-Agnostic
// representations (Yang, Kuang, Huang, Zhang, "Learning Modality-Specific and -Agnostic
// Representations for Asynchronous Multimodal Language Sequences", ACM MM 2022,
// doi 10.1145/3503161.3547755; the MIRD paper's Table 1 row "MFSA").
//
// SOURCES, AND WHAT IS UNVERIFIED. No code of MFSA is public (searched GitHub code, issues, docs
// and stored pages for the title, "MFSA", "predictive self-attention": nothing), and only the
// abstract of the paper could be read here (of MFSA and of its journal extension MEA, Yang et al.,
// arXiv 2407.04955). What the abstract states, and this file follows:
//   (A1) "a predictive self-attention module is used to capture reliable contextual dependencies
//        and enhance the unique features over the modality-specific spaces";
//   (A2) "a hierarchical cross-modal attention module to explore the correlations between
//        cross-modal elements over the modality-agnostic space";
//   (A3) "a double-discriminator strategy is presented to ensure the production of distinct
//        representations in an adversarial manner";
//   (A4) "the modality-specific and -agnostic multimodal representations are used together for
//        downstream tasks".
// Everything below the abstract's level is RECONSTRUCTION, NOT CHECKED AGAINST THE PAPER:
//   (R1) "predictive self-attention" is read as the predictive / evolving attention of Wang et al.
//        ("Predictive Attention Transformer", 2020; "Evolving Attention with Residual
//        Convolutions", ICML 2021): each layer's attention map is predicted from the previous
//        layer's map by a 3×3 convolution over the (query, key) grid with the heads as channels
//        (the closest published mechanism of that name). The α/β mixing below is that paper's
//        form as I recall it (not re-read here either); the values of α and β are mine.
//        The paper may instead define an auxiliary prediction objective; none is implemented
//        because none could be established.
//   (R2) "hierarchical" cross-modal attention is read as two levels in ONE weight-shared
//        (hence common, modality-agnostic) space: bimodal (each modality attends to each other
//        one, MulT's crossmodal transformer), then trimodal (each bimodal stream attends over all
//        three modalities' bimodal streams).
//   (R3) the double discriminator: D_s classifies which modality a specific vector came from
//        (trained with the encoders, so specific vectors stay distinguishable); D_a classifies the
//        agnostic vectors behind a gradient reversal layer (Ganin & Lempitsky 2015), so D_a learns
//        to tell modalities apart while the encoders learn to make them indistinguishable — one
//        forward, one loss, one AdamW step (src/train/baseline-step.ts) suffice. Loss weights and
//        the reversal scale are mine.
//   (R4) fusion and output: MulT's residual output block over the six vectors.
// Widths, layer counts, dropouts and the L1 loss are MulT's MOSI defaults
// (yaohungt/Multimodal-Transformer, main.py and src/models.py), since MFSA builds on MulT-style
// transformers and its own values could not be read.
//
// The model, with m ∈ {L, A, V}, d the common width, masks on every attention and pool:
//   E^m   = Dropout(√d · X^m W_m + PE)                   (MulT: Conv1d k=1 without bias, scaled
//                                                         embedding, sinusoidal positions)
//   PSA layer k (pre-norm, as MulT's encoder layer), per modality, heads h, d_h = d / h:
//     S^k   = Q K^T / √d_h                               (from LN_1(H^{k−1}), per head)
//     I^k   = α · Â^{k−1} + (1 − α) · S^k    (k > 1),  I^1 = S^1
//     Â^k   = β · Conv3×3(I^k) + (1 − β) · I^k          (R1: the predicted map, logits)
//     H^k   = H^{k−1} + Dropout(softmax(Â^k + mask) V W_o) ; then the feed-forward sublayer
//   s^m   = MeanPool(LN(H^K))                            (modality-specific vector)
//   B^{m←n} = CM_1(E^m ; E^n), C^m = ½ Σ_{n≠m} B^{m←n}   (R2 level 1, one encoder for all six pairs)
//   G^m   = CM_2(Ĉ^m ; [Ĉ^L ‖ Ĉ^A ‖ Ĉ^V]),  Ĉ = Dropout(√d · C + PE)   (R2 level 2, over time)
//   a^m   = MeanPool(G^m)                                (modality-agnostic vector)
//   f     = [s^L; s^A; s^V; a^L; a^A; a^V],  h = W_2 Dropout(ReLU(W_1 f)) + f,  ŷ = w_o h + b_o
//   L     = L1(ŷ, y) + w_s · CE(D_s(s^m), m) + w_a · CE(D_a(GRL_λ(a^m)), m)     (R3)
// Padding: padded keys are masked (−10⁴), the attention map's padded rows and columns are zeroed
// before the 3×3 convolution (so a padded batch convolves the same zeros a shorter one pads
// with), and every pool is over real steps. One-frame audio / visual (T = 1, the real MOSI main
// job) is a 1×1 map: the convolution reduces to its centre tap.
import * as tf from '@tensorflow/tfjs';
import { Dense, makeVariable } from '../../../nn/dense';
import { LayerNormParams, MultiHeadAttention, rngDropout, sinusoidalPositions, TransformerEncoder, transformerBlockParams, type TransformerBlockOptions } from '../../../nn/attention';
import { gelu, meanPool } from '../../../nn/layers';
import { maskedCrossEntropy } from '../../../nn/losses';
import { Mlp } from '../../../nn/mlp';
import { linear, matMul } from '../../../nn/ops';
import { attentionBias, type DropoutFn } from '../../../nn/transformer';
import { freezeConfig } from '../../../util/config';
import { deriveSeed, Rng } from '../../../util/rng';
import type { TextHost } from '../../text-host';
import { BaselineBase, labeledRegressionLoss, REGRESSION_LOSSES, resolveBaselineConfig, type BaselineDims, type BaselineInputs, type BaselineLossBatch, type BaselineLosses, type BaselineOutput, type RegressionLoss } from '../types';
import { ResidualOutputHead } from '../mult/mult';

export interface MfsaConfig {
  /** d, the common width of every stream (MulT src/models.py: d_l = d_a = d_v = 30). */
  modelDim: number;
  /** Attention heads (MulT main.py --num_heads 5). */
  numHeads: number;
  /** Feed-forward width (MulT's encoder layer: 4 · embed_dim = 120). */
  ffDim: number;
  /** Predictive self-attention layers per modality (MulT --nlevels 5; MFSA's count unknown). */
  specificLayers: number;
  /** Level-1 (bimodal) cross-modal layers (MulT --nlevels 5, its crossmodal transformers). */
  crossLayers: number;
  /** Level-2 (trimodal) layers (MulT's memory transformers: max(nlevels, 3) = 5). */
  hierarchyLayers: number;
  /** MulT main.py dropouts: --attn_dropout 0.1 (one rate here; MulT's 0 for audio/visual keys is not replicated), --relu_dropout 0.1, --res_dropout 0.1, --embed_dropout 0.2, --out_dropout 0. */
  attentionDropout: number;
  reluDropout: number;
  residualDropout: number;
  embedDropout: number;
  outDropout: number;
  /** α ∈ [0, 1]: weight of the previous layer's predicted map in the next layer's (R1; Wang et al.'s form, value mine). */
  mapCarry: number;
  /** β ∈ [0, 1]: weight of the convolved map against the raw one (R1; value mine). */
  mapConv: number;
  /** Hidden width of each discriminator d → hidden → 3 (R3; mine: d). */
  discriminatorHidden: number;
  /** w_s, w_a: weights of the two discriminator cross-entropies in the loss (R3; mine). */
  specificWeight: number;
  agnosticWeight: number;
  /** λ of the gradient reversal layer (Ganin & Lempitsky 2015 ramp it from 0 to 1; constant here). */
  reversalScale: number;
  /** Training loss (MulT main.py: L1Loss for MOSI). */
  regressionLoss: RegressionLoss;
}

export const DEFAULT_MFSA_CONFIG: Readonly<MfsaConfig> = freezeConfig({
  modelDim: 30,
  numHeads: 5,
  ffDim: 120,
  specificLayers: 5,
  crossLayers: 5,
  hierarchyLayers: 5,
  attentionDropout: 0.1,
  reluDropout: 0.1,
  residualDropout: 0.1,
  embedDropout: 0.2,
  outDropout: 0,
  mapCarry: 0.5,
  mapConv: 0.5,
  discriminatorHidden: 30,
  specificWeight: 0.1,
  agnosticWeight: 0.1,
  reversalScale: 1,
  regressionLoss: 'l1',
});

/** The quick preset's sizes: the structure unchanged (two PSA layers, so the map is carried), every width small. */
export const QUICK_MFSA_OVERRIDES: Readonly<Partial<MfsaConfig>> = freezeConfig({ modelDim: 8, numHeads: 2, ffDim: 16, specificLayers: 2, crossLayers: 1, hierarchyLayers: 1, discriminatorHidden: 8 });

const RULES = {
  positiveInts: ['modelDim', 'numHeads', 'ffDim', 'specificLayers', 'crossLayers', 'hierarchyLayers', 'discriminatorHidden'],
  rates: ['attentionDropout', 'reluDropout', 'residualDropout', 'embedDropout', 'outDropout'],
  nonNegative: ['mapCarry', 'mapConv', 'specificWeight', 'agnosticWeight', 'reversalScale'],
  enums: { regressionLoss: REGRESSION_LOSSES },
};

export function resolveMfsaConfig(overrides: Record<string, unknown> = {}, base: Readonly<MfsaConfig> = DEFAULT_MFSA_CONFIG): MfsaConfig {
  const c = resolveBaselineConfig('mfsa config', DEFAULT_MFSA_CONFIG, overrides, RULES, base);
  for (const k of ['mapCarry', 'mapConv'] as const) if (c[k] > 1) throw new Error(`mfsa config: ${k} must be a weight in [0, 1], got ${c[k]}`);
  if (c.modelDim % c.numHeads !== 0) throw new Error(`mfsa config: modelDim (${c.modelDim}) must be divisible by numHeads (${c.numHeads})`);
  return c;
}

/** The modalities in the order of the discriminators' classes (0 text, 1 audio, 2 visual). */
export const MFSA_MODALITIES = ['text', 'audio', 'visual'] as const;
type Modality = (typeof MFSA_MODALITIES)[number];
const cap = (m: Modality): string => m[0]?.toUpperCase() + m.slice(1);

/**
 * Gradient reversal (Ganin & Lempitsky 2015): the identity forward, −λ times the incoming
 * gradient backward, so a discriminator behind it is trained to minimise its loss while the
 * layers before it are trained to maximise that loss.
 */
export function reverseGradient<T extends tf.Tensor>(x: T, scale: number): T {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const v = args[0] as tf.Tensor;
    return { value: tf.clone(v), gradFunc: (dy: tf.Tensor) => [tf.mul(dy, -scale)] };
  });
  return op(x) as T;
}

/**
 * A 3×3 "same" convolution over attention maps, heads as channels: map [B, h, L_q, L_k] →
 * [B, h, L_q, L_k], out[c', i, j] = b_c' + Σ_{u,v ∈ {0,1,2}} Σ_c W[(3u + v)·h + c, c'] · in[c, i+u−1, j+v−1]
 * (zeros outside the map; cross-correlation as PyTorch's Conv2d). Written as nine shifted copies
 * and one product because tfjs's wasm backend has no Conv2D filter gradient.
 */
export function attentionMapConv3x3(map: tf.Tensor4D, kernel: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor4D {
  const [b, h, lq, lk] = map.shape;
  if (kernel.shape[0] !== 9 * h || kernel.shape[1] !== h) throw new Error(`attentionMapConv3x3: kernel is [${kernel.shape}], expected [${9 * h}, ${h}]`);
  return tf.tidy(() => {
    const padded = tf.pad(tf.transpose(map, [0, 2, 3, 1]), [[0, 0], [1, 1], [1, 1], [0, 0]]); // [B, L_q+2, L_k+2, h]
    const taps: tf.Tensor[] = [];
    for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) taps.push(tf.slice(padded, [0, u, v, 0], [b, lq, lk, h])); // each [B, L_q, L_k, h]
    const y = linear(tf.concat(taps, 3), kernel, bias); // [B, L_q, L_k, h]
    return tf.transpose(y, [0, 3, 1, 2]) as tf.Tensor4D;
  });
}

/**
 * One predictive self-attention layer (R1 in the header), pre-norm as MulT's encoder layer.
 * Owns a MultiHeadAttention's projections (`<name>/attention/…`), two LayerNorms, the
 * feed-forward pair and the map convolution `<name>/mapConv/{kernel,bias}`. Dropout draws in the
 * order of TransformerBlock: attention probabilities, attention output, feed-forward activation,
 * feed-forward output.
 */
export class PredictiveSelfAttentionLayer {
  readonly attention: MultiHeadAttention;
  readonly norm1: LayerNormParams;
  readonly norm2: LayerNormParams;
  readonly ff1: Dense;
  readonly ff2: Dense;
  readonly mapKernel: tf.Variable; // [9h, h]
  readonly mapBias: tf.Variable; // [h]

  constructor(readonly name: string, readonly dim: number, readonly options: TransformerBlockOptions, readonly carry: number, readonly conv: number, rng: Rng) {
    this.attention = new MultiHeadAttention(`${name}/attention`, dim, options.numHeads, rng);
    this.norm1 = new LayerNormParams(`${name}/norm1`, dim, rng, options.layerNormEps);
    this.norm2 = new LayerNormParams(`${name}/norm2`, dim, rng, options.layerNormEps);
    this.ff1 = new Dense(`${name}/ff1`, dim, options.ffDim, rng);
    this.ff2 = new Dense(`${name}/ff2`, options.ffDim, dim, rng);
    this.mapKernel = makeVariable(`${name}/mapConv/kernel`, [9 * options.numHeads, options.numHeads], 'glorot', rng);
    this.mapBias = makeVariable(`${name}/mapConv/bias`, [options.numHeads], 'zeros', rng);
  }

  /**
   * x [B, L, D], mask [B, L], `previous` the previous layer's predicted map Â^{k−1} [B, h, L, L]
   * (null in the first layer) → the layer's output [B, L, D] and its map Â^k (padded rows and
   * columns zero), which the caller owns.
   */
  apply(x: tf.Tensor3D, mask: tf.Tensor2D, previous: tf.Tensor4D | null, dropout: DropoutFn): { out: tf.Tensor3D; map: tf.Tensor4D } {
    const o = this.options;
    return tf.tidy(() => {
      const [b, len, dim] = x.shape;
      const nh = o.numHeads;
      const dh = dim / nh;
      const heads = (t: tf.Tensor): tf.Tensor3D => tf.reshape(tf.transpose(tf.reshape(t, [b, len, nh, dh]), [0, 2, 1, 3]), [b * nh, len, dh]) as tf.Tensor3D; // [B·h, L, d_h]
      const xn = this.norm1.apply(x); // [B, L, D]
      const q = heads(this.attention.query.apply(xn));
      const k = heads(this.attention.key.apply(xn));
      const v = heads(this.attention.value.apply(xn));
      const m = tf.cast(mask, 'float32');
      const pairs = tf.mul(tf.reshape(m, [b, 1, len, 1]), tf.reshape(m, [b, 1, 1, len])); // real query × real key [B, 1, L, L]
      const scores = tf.reshape(tf.mul(matMul(q, k, false, true), 1 / Math.sqrt(dh)), [b, nh, len, len]); // S^k [B, h, L, L]
      const input = previous === null ? scores : tf.add(tf.mul(previous, this.carry), tf.mul(scores, 1 - this.carry)); // I^k
      const inputMasked = tf.mul(input, pairs); // padded rows / columns zero before the convolution
      const conv = attentionMapConv3x3(inputMasked as tf.Tensor4D, this.mapKernel as tf.Tensor as tf.Tensor2D, this.mapBias as tf.Tensor as tf.Tensor1D);
      const map = tf.mul(tf.add(tf.mul(conv, this.conv), tf.mul(inputMasked, 1 - this.conv)), pairs) as tf.Tensor4D; // Â^k [B, h, L, L]
      const probs = dropout(tf.softmax(tf.add(map, attentionBias(mask)), -1), o.attentionDropout); // [B, h, L, L]
      const ctx = matMul(tf.reshape(probs, [b * nh, len, len]) as tf.Tensor3D, v); // [B·h, L, d_h]
      const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [b, nh, len, dh]), [0, 2, 1, 3]), [b, len, dim]); // [B, L, D]
      const a = tf.add(x, dropout(this.attention.output.apply(merged), o.residualDropout)); // [B, L, D]
      const act = (t: tf.Tensor): tf.Tensor => (o.activation === 'relu' ? tf.relu(t) : gelu(t));
      const ff = dropout(this.ff2.apply(dropout(act(this.ff1.apply(this.norm2.apply(a))), o.activationDropout)), o.residualDropout);
      return { out: tf.add(a, ff) as tf.Tensor3D, map } as unknown as tf.TensorContainer;
    }) as unknown as { out: tf.Tensor3D; map: tf.Tensor4D };
  }

  variables(): tf.Variable[] {
    return [...this.attention.variables(), ...this.norm1.variables(), ...this.norm2.variables(), ...this.ff1.variables(), ...this.ff2.variables(), this.mapKernel, this.mapBias];
  }

  dispose(): void {
    this.attention.dispose();
    this.norm1.dispose();
    this.norm2.dispose();
    this.ff1.dispose();
    this.ff2.dispose();
    this.mapKernel.dispose();
    this.mapBias.dispose();
  }
}

/** A modality's predictive self-attention stack with MulT's final LayerNorm (`<name>/layer<k>`, `<name>/finalNorm`). */
export class PredictiveSelfAttention {
  readonly layers: PredictiveSelfAttentionLayer[];
  readonly finalNorm: LayerNormParams;

  constructor(readonly name: string, dim: number, numLayers: number, options: TransformerBlockOptions, carry: number, conv: number, rng: Rng) {
    this.layers = Array.from({ length: numLayers }, (_, k) => new PredictiveSelfAttentionLayer(`${name}/layer${k}`, dim, options, carry, conv, rng));
    this.finalNorm = new LayerNormParams(`${name}/finalNorm`, dim, rng, options.layerNormEps);
  }

  /** x [B, L, D], mask [B, L] → [B, L, D] */
  apply(x: tf.Tensor3D, mask: tf.Tensor2D, dropout: DropoutFn): tf.Tensor3D {
    return tf.tidy(() => {
      let h = x;
      let map: tf.Tensor4D | null = null;
      for (const l of this.layers) ({ out: h, map } = l.apply(h, mask, map, dropout));
      return this.finalNorm.apply(h) as tf.Tensor3D;
    });
  }

  variables(): tf.Variable[] {
    return [...this.layers.flatMap((l) => l.variables()), ...this.finalNorm.variables()];
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.finalNorm.dispose();
  }
}

/** The two discriminators' cross-entropies, each over the 3B rows of one kind of vector (labels: the modality index). */
function modalityCrossEntropy(discriminator: Mlp, vectors: tf.Tensor2D[]): tf.Scalar {
  return tf.tidy(() => {
    const x = tf.concat(vectors, 0) as tf.Tensor2D; // [3B, d], rows grouped by modality
    const logits = discriminator.apply(x, false, 0); // [3B, 3]
    const n = x.shape[0];
    const b = vectors[0]?.shape[0] as number;
    const ids = tf.tensor2d(Array.from({ length: n }, (_, i) => Math.floor(i / b)), [1, n], 'int32'); // [1, 3B]
    return maskedCrossEntropy(tf.reshape(logits, [1, n, MFSA_MODALITIES.length]) as tf.Tensor3D, ids, tf.ones([1, n]) as tf.Tensor2D);
  });
}

export class MfsaModel extends BaselineBase {
  readonly config: MfsaConfig;
  /** X^m W_m, no bias (MulT's Conv1d, kernel 1) */
  readonly projections: Record<Modality, Dense>;
  readonly specific: Record<Modality, PredictiveSelfAttention>;
  /** level 1: one encoder for all six (query, key/value) pairs — the shared, modality-agnostic space */
  readonly pairwise: TransformerEncoder;
  /** level 2: one encoder for the three bimodal streams over all three */
  readonly hierarchy: TransformerEncoder;
  readonly head: ResidualOutputHead;
  readonly specificDiscriminator: Mlp;
  readonly agnosticDiscriminator: Mlp;

  constructor(config: MfsaConfig, dims: BaselineDims, host: TextHost, seed: number) {
    super('mfsa', dims, host, seed);
    this.config = resolveMfsaConfig(config as unknown as Record<string, unknown>);
    const c = this.config;
    const d = c.modelDim;
    const rng = new Rng(deriveSeed(seed, 'mfsa/init'));
    const block: TransformerBlockOptions = {
      numHeads: c.numHeads, ffDim: c.ffDim, norm: 'pre', activation: 'relu',
      attentionDropout: c.attentionDropout, residualDropout: c.residualDropout, activationDropout: c.reluDropout, layerNormEps: 1e-5,
    };
    const inDim: Record<Modality, number> = { text: dims.textWidth, audio: dims.audioDim, visual: dims.visualDim };
    this.projections = Object.fromEntries(MFSA_MODALITIES.map((m) => [m, new Dense(`mfsa/${m}Projection`, inDim[m], d, rng, { bias: false })])) as Record<Modality, Dense>;
    this.specific = Object.fromEntries(MFSA_MODALITIES.map((m) => [m, new PredictiveSelfAttention(`mfsa/${m}Specific`, d, c.specificLayers, block, c.mapCarry, c.mapConv, rng)])) as Record<Modality, PredictiveSelfAttention>;
    this.pairwise = new TransformerEncoder('mfsa/agnostic/pairwise', d, c.crossLayers, block, rng);
    this.hierarchy = new TransformerEncoder('mfsa/agnostic/hierarchy', d, c.hierarchyLayers, block, rng);
    this.head = new ResidualOutputHead('mfsa', 6 * d, rng);
    this.specificDiscriminator = new Mlp('mfsa/specificDiscriminator', [d, c.discriminatorHidden, MFSA_MODALITIES.length], rng, { lastActivation: false });
    this.agnosticDiscriminator = new Mlp('mfsa/agnosticDiscriminator', [d, c.discriminatorHidden, MFSA_MODALITIES.length], rng, { lastActivation: false });
  }

  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput {
    this.checkInputs(x);
    const c = this.config;
    const d = c.modelDim;
    const dropout = rngDropout(options.training, new Rng(this.dropoutRng.seed())); // draws in the fixed order of the code below
    return tf.tidy(() => {
      const masks: Record<Modality, tf.Tensor2D> = { text: x.textMask, audio: x.audioMask, visual: x.visualMask };
      const raw: Record<Modality, tf.Tensor3D> = { text: dropout(this.text.apply(x), c.embedDropout) as tf.Tensor3D, audio: x.audio, visual: x.visual }; // MulT drops X^L only
      // √d · X^m W_m + PE, dropped (MulT's encoder input, computed once per stream)
      const embed = (h: tf.Tensor3D): tf.Tensor3D => dropout(tf.add(tf.mul(h, Math.sqrt(d)), sinusoidalPositions(h.shape[1], d)), c.embedDropout) as tf.Tensor3D;
      const e = Object.fromEntries(MFSA_MODALITIES.map((m) => [m, embed(this.projections[m].apply(raw[m]) as tf.Tensor3D)])) as Record<Modality, tf.Tensor3D>; // [B, T_m, d]
      const spec = Object.fromEntries(MFSA_MODALITIES.map((m) => [m, meanPool(this.specific[m].apply(e[m], masks[m], dropout), masks[m])])) as Record<Modality, tf.Tensor2D>; // s^m [B, d]
      // level 1: C^m = ½ Σ_{n≠m} CM_1(E^m; E^n)
      const bimodal = Object.fromEntries(MFSA_MODALITIES.map((m) => {
        const others = MFSA_MODALITIES.filter((n) => n !== m).map((n) => this.pairwise.apply(e[m], masks[m], dropout, { seq: e[n], mask: masks[n] })); // 2 × [B, T_m, d]
        return [m, embed(tf.mul(tf.add(others[0] as tf.Tensor3D, others[1] as tf.Tensor3D), 0.5) as tf.Tensor3D)];
      })) as Record<Modality, tf.Tensor3D>; // Ĉ^m [B, T_m, d]
      // level 2: each bimodal stream over the three, concatenated in time
      const kv = { seq: tf.concat(MFSA_MODALITIES.map((m) => bimodal[m]), 1) as tf.Tensor3D, mask: tf.concat(MFSA_MODALITIES.map((m) => tf.cast(masks[m], 'float32')), 1) as tf.Tensor2D }; // [B, T_L+T_A+T_V, d]
      const agn = Object.fromEntries(MFSA_MODALITIES.map((m) => [m, meanPool(this.hierarchy.apply(bimodal[m], masks[m], dropout, kv), masks[m])])) as Record<Modality, tf.Tensor2D>; // a^m [B, d]
      const f = tf.concat([...MFSA_MODALITIES.map((m) => spec[m]), ...MFSA_MODALITIES.map((m) => agn[m])], 1) as tf.Tensor2D; // [B, 6d]
      const { block: h, y: yHat } = this.head.apply(f, c.outDropout, dropout); // MulT's residual block [B, 6d], ŷ [B]
      const latents: Record<string, tf.Tensor2D> = { fusion: h };
      for (const m of MFSA_MODALITIES) {
        latents[`specific${cap(m)}`] = spec[m];
        latents[`agnostic${cap(m)}`] = agn[m];
      }
      const out: BaselineOutput = { yHat, latents };
      return out as unknown as tf.TensorContainer;
    }) as unknown as BaselineOutput;
  }

  /**
   * regression (labeled clips) + w_s · specificDiscriminator + w_a · agnosticDiscriminator; the
   * discriminator terms are over every clip of the batch (they need no label), raw values.
   */
  losses(out: BaselineOutput, batch: BaselineLossBatch): BaselineLosses {
    const c = this.config;
    const lat = (kind: 'specific' | 'agnostic'): tf.Tensor2D[] => MFSA_MODALITIES.map((m) => {
      const z = out.latents[`${kind}${cap(m)}`];
      if (z === undefined) throw new Error(`mfsa.losses: the forward's latents lack ${kind}${cap(m)}`);
      return z;
    });
    return tf.tidy(() => {
      const regression = labeledRegressionLoss(out.yHat, batch.labels, batch.numLabeled, c.regressionLoss);
      const specificDiscriminator = modalityCrossEntropy(this.specificDiscriminator, lat('specific'));
      const agnosticDiscriminator = modalityCrossEntropy(this.agnosticDiscriminator, lat('agnostic').map((z) => reverseGradient(z, c.reversalScale)));
      const total = tf.addN([regression, tf.mul(specificDiscriminator, c.specificWeight), tf.mul(agnosticDiscriminator, c.agnosticWeight)]) as tf.Scalar;
      const l: BaselineLosses = { terms: { regression, specificDiscriminator, agnosticDiscriminator }, total };
      return l as unknown as tf.TensorContainer;
    }) as unknown as BaselineLosses;
  }

  protected regressionLoss(): RegressionLoss {
    return this.config.regressionLoss;
  }

  variables(): tf.Variable[] {
    return [
      ...MFSA_MODALITIES.flatMap((m) => this.projections[m].variables()),
      ...MFSA_MODALITIES.flatMap((m) => this.specific[m].variables()),
      ...this.pairwise.variables(), ...this.hierarchy.variables(),
      ...this.head.variables(),
      ...this.specificDiscriminator.variables(), ...this.agnosticDiscriminator.variables(),
    ];
  }

  protected disposeOwn(): void {
    for (const m of MFSA_MODALITIES) {
      this.projections[m].dispose();
      this.specific[m].dispose();
    }
    for (const mod of [this.pairwise, this.hierarchy, this.head, this.specificDiscriminator, this.agnosticDiscriminator]) mod.dispose();
  }
}

/** Trainable parameters by module (host table excluded: efficiency.ts adds it per host kind). */
export function mfsaParams(c: MfsaConfig, dims: BaselineDims): Record<'projections' | 'specific' | 'agnostic' | 'output' | 'discriminators', number> {
  const d = c.modelDim;
  const h = c.numHeads;
  const psaLayer = transformerBlockParams(d, c.ffDim) + 9 * h * h + h;
  const disc = d * c.discriminatorHidden + c.discriminatorHidden + c.discriminatorHidden * 3 + 3;
  return {
    projections: (dims.textWidth + dims.audioDim + dims.visualDim) * d,
    specific: 3 * (c.specificLayers * psaLayer + 2 * d),
    agnostic: (c.crossLayers + c.hierarchyLayers) * transformerBlockParams(d, c.ffDim) + 2 * 2 * d,
    output: 2 * (36 * d * d + 6 * d) + 6 * d + 1,
    discriminators: 2 * disc,
  };
}
