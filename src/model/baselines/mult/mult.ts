// MulT — Multimodal Transformer (Tsai, Bai, Liang, Kolter, Morency, Salakhutdinov, ACL 2019): the
// unaligned streams are never aligned; instead each modality α is repeatedly reinforced by each
// other modality β through a crossmodal transformer whose queries come from α and whose keys and
// values come from β, at every pair of time steps. Per target, the two reinforced streams are
// concatenated, a self-attention transformer runs over them, and the last elements of the three
// targets are concatenated and regressed.
//
//   X̂_α = Conv1D(X_α, k_α) ∈ R^{T_α × d}                 (paper §3, "Temporal Convolutions"; no bias)
//   Z^[0]_α = √d · X̂_α + PE(T_α, d)                       ("Positional Embedding"; the √d scale
//                                                         and PE rows 1…T_α are the reference's)
//   CM_{β→α}(X_α, X_β) = softmax(Q_α K_βᵀ / √d_k) V_β,     ("Crossmodal Attention",
//     Q_α = X_α W_Q, K_β = X_β W_K, V_β = X_β W_V          multi-head)
//   Ẑ^[i]_{β→α} = CM^[i]_{β→α}(LN(Z^[i−1]_{β→α}), LN(Z^[0]_β)) + Z^[i−1]_{β→α}
//   Z^[i]_{β→α} = f_θ(LN(Ẑ^[i]_{β→α})) + Ẑ^[i]_{β→α}      ("Crossmodal Transformers", i = 1…D;
//                                                         Z^[0]_{β→α} = Z^[0]_α; LN at the end)
//   Z_α = [Z^[D]_{β₁→α}; Z^[D]_{β₂→α}] ∈ R^{T_α × 2d}      ("Self-Attention Transformers and
//   h_α = SelfAttnTransformer(√(2d)·Z_α + PE)_{last real step}   Prediction"; the code: [Z_{A→L}; Z_{V→L}])
//   h = [h_L; h_A; h_V] ∈ R^{6d}
//   ŷ = W_out (W_2 Dropout(ReLU(W_1 h + b_1)) + b_2 + h) + b_out   (reference models.py: proj1,
//                                                         proj2 with a residual, out_layer)
//
// The six crossmodal transformers are A→L, V→L, L→A, V→A, L→V, A→V (`<source>To<target>`). The
// layers are src/nn/attention.ts's pre-norm TransformerBlock / TransformerEncoder (the fairseq
// layer of the reference: LN before each sublayer, the un-normalised residual, queries and
// keys/values normalised by the same LN_1, FFN width 4·width, ReLU, a final LN); the paper's
// equations add LN(Z) as the residual, the code adds Z: this follows the code.
//
// Utterance-level audio / visual (the real MOSI main job: T_A = T_V = 1): an attention over ONE
// key gives it weight 1 whatever the scores, so the query and key projections of A→L, V→L, A→V,
// V→A and of the audio and visual self-attention receive exactly zero gradient (their values and
// output projections, the FFNs and everything else train); the model still runs and is exact.
//
// Departures from the reference code (yaohungt/Multimodal-Transformer), each for a reason:
// - The LAST REAL element of each target stream is read (per clip, from its mask). The reference
//   takes h[-1] of the padded tensor; its MOSI/MOSEI data are padded to fixed lengths, so that is
//   the last real step only where the data happen to be left-padded. Here padding never counts.
// - Every attention masks padded keys (the reference passes no key-padding mask), and the future
//   mask (`attentionMask: 'future'`, on by default as in the reference) is its offset triangle
//   j ≤ i + |n_k − n_q| over each clip's REAL lengths n_q, n_k instead of the padded lengths
//   (src/nn/attention.ts, offsetCausalBias): over padded lengths the mask would change with the
//   batch's padding. The last real query always sees every real key, so in the crossmodal
//   transformers (no self-attention on the query side) the mask cannot reach h_α; it acts through
//   the earlier steps of the self-attention transformers.
// - Positions: src/nn/attention.ts's sinusoidalPositions (sin/cos interleaved, frequencies
//   10000^{−2i/D}) at rows 1…T as the reference (fairseq's padding_idx 0 offset); the reference's
//   tensor2tensor table puts all sines before all cosines with frequencies 10000^{−i/(D/2−1)} —
//   the same family up to a fixed channel order and the frequency spacing. The reference also
//   gives a real step whose first feature is exactly 0 the padding position (zero PE); here every
//   real step gets its position.
// - Keys and values of a crossmodal transformer come from one embedded source sequence with one
//   embedding-dropout mask (the reference drops the key copy and the value copy independently):
//   TransformerBlock takes one kv sequence.
// - The conv projection is always applied (the reference skips it when a modality's width
//   already equals d), so the parameter count does not jump when a feature width happens to be d.
// - A clip with no frames of a modality (possible in text-only batches) reads that stream as one
//   zero step after the projection, so its attention has a real key and its prediction does not
//   depend on padding. Initialisation is Glorot-uniform with zero biases throughout (the
//   reference's transformer layers; its Conv1d and proj/out layers keep PyTorch's defaults).
import * as tf from '@tensorflow/tfjs';
import { rngDropout, sinusoidalPositions, transformerBlockParams, TransformerEncoder, type TransformerBlockOptions } from '../../../nn/attention';
import { Dense } from '../../../nn/dense';
import type { DropoutFn } from '../../../nn/transformer';
import { freezeConfig } from '../../../util/config';
import { deriveSeed, Rng } from '../../../util/rng';
import type { TextHost } from '../../text-host';
import { BaselineBase, REGRESSION_LOSSES, resolveBaselineConfig, type BaselineDims, type BaselineInputs, type BaselineOutput, type RegressionLoss } from '../types';

export const MULT_ATTENTION_MASKS = ['future', 'none'] as const;
export type MultAttentionMask = (typeof MULT_ATTENTION_MASKS)[number];
export const MULT_CONV_PADDINGS = ['valid', 'same'] as const;
export type MultConvPadding = (typeof MULT_CONV_PADDINGS)[number];

/**
 * Defaults: the reference code's (yaohungt/Multimodal-Transformer: src/models.py and main.py's
 * argparse defaults, which its README says are set for unaligned MOSEI). The paper's Table 5 lists
 * for CMU-MOSI: d = 40, D = 4 crossmodal blocks, 10 heads, kernels (1 or 3)/3/3 (L/V/A), textual
 * embedding dropout 0.2, crossmodal attention block dropout 0.2, output dropout 0.1 (batch 128,
 * lr 1e-3, gradient clip 0.8, 100 epochs): --set modelDim=40 numHeads=10 crossmodalLayers=4 … .
 */
export interface MultConfig {
  /** d, the width of every stream (models.py: self.d_l, self.d_a, self.d_v = 30, 30, 30); the self-attention transformers run at 2d. */
  modelDim: number;
  /** Heads of every transformer (main.py --num_heads 5); must divide d (and so 2d). */
  numHeads: number;
  /** D, layers of each crossmodal transformer (main.py --nlevels 5). */
  crossmodalLayers: number;
  /** Layers of each self-attention transformer (models.py: get_network(layers=3) → max(nlevels, 3) = 5). */
  selfLayers: number;
  /** Temporal convolution kernel per modality (models.py: nn.Conv1d(kernel_size=1, padding=0, bias=False); Table 5: (1 or 3)/3/3 for L/V/A). */
  textKernel: number;
  audioKernel: number;
  visualKernel: number;
  /**
   * 'valid' (the reference's padding=0: T − k + 1 outputs, each window ending at a real step; a
   * clip with fewer than k real steps is an error) or 'same' (odd k: the real steps zero-padded by
   * (k−1)/2 on each side, T outputs; works for T = 1). Identical for k = 1.
   */
  convPadding: MultConvPadding;
  /** Attention dropout where TEXT is the source (L→A, L→V) and in the three self-attention transformers (main.py --attn_dropout 0.1). */
  attentionDropout: number;
  /** Attention dropout where AUDIO is the source (A→L, A→V; main.py --attn_dropout_a 0.0). */
  audioAttentionDropout: number;
  /** Attention dropout where VISUAL is the source (V→L, V→A; main.py --attn_dropout_v 0.0). */
  visualAttentionDropout: number;
  /** Dropout on the feed-forward ReLU activation (main.py --relu_dropout 0.1). */
  reluDropout: number;
  /** Dropout on each sublayer's output before the residual sum (main.py --res_dropout 0.1). */
  residualDropout: number;
  /** Dropout on X^L before its projection and on every transformer's embedded input (main.py --embed_dropout 0.25). */
  embeddingDropout: number;
  /** Dropout inside the residual projection block, after ReLU(proj1) (main.py --out_dropout 0.0). */
  outputDropout: number;
  /** 'future': the offset future mask over the real lengths (main.py --attn_mask, store_false: on by default); 'none'. */
  attentionMask: MultAttentionMask;
  /** Training loss (main.py: criterion_dict.get(dataset, 'L1Loss') for MOSI). */
  regressionLoss: RegressionLoss;
}

export const DEFAULT_MULT_CONFIG: Readonly<MultConfig> = freezeConfig({
  modelDim: 30,
  numHeads: 5,
  crossmodalLayers: 5,
  selfLayers: 5,
  textKernel: 1,
  audioKernel: 1,
  visualKernel: 1,
  convPadding: 'valid',
  attentionDropout: 0.1,
  audioAttentionDropout: 0,
  visualAttentionDropout: 0,
  reluDropout: 0.1,
  residualDropout: 0.1,
  embeddingDropout: 0.25,
  outputDropout: 0,
  attentionMask: 'future',
  regressionLoss: 'l1',
});

/** The quick preset's sizes (tests, CI): the structure unchanged, every width and depth small. */
export const QUICK_MULT_OVERRIDES: Readonly<Partial<MultConfig>> = freezeConfig({ modelDim: 8, numHeads: 2, crossmodalLayers: 1, selfLayers: 1 });

const RULES = {
  positiveInts: ['modelDim', 'numHeads', 'crossmodalLayers', 'selfLayers', 'textKernel', 'audioKernel', 'visualKernel'],
  rates: ['attentionDropout', 'audioAttentionDropout', 'visualAttentionDropout', 'reluDropout', 'residualDropout', 'embeddingDropout', 'outputDropout'],
  enums: { convPadding: MULT_CONV_PADDINGS, attentionMask: MULT_ATTENTION_MASKS, regressionLoss: REGRESSION_LOSSES },
};

export function resolveMultConfig(overrides: Record<string, unknown> = {}, base: Readonly<MultConfig> = DEFAULT_MULT_CONFIG): MultConfig {
  const c = resolveBaselineConfig('mult config', DEFAULT_MULT_CONFIG, overrides, RULES, base);
  if (c.modelDim % c.numHeads !== 0) throw new Error(`mult config: modelDim ${c.modelDim} must be divisible by numHeads ${c.numHeads}`);
  if (c.convPadding === 'same') {
    for (const k of ['textKernel', 'audioKernel', 'visualKernel'] as const) {
      if (c[k] % 2 === 0) throw new Error(`mult config: ${k} must be odd with convPadding 'same', got ${c[k]}`);
    }
  }
  return c;
}

export type MultModality = 'text' | 'audio' | 'visual';
const MODALITIES: readonly MultModality[] = ['text', 'audio', 'visual'];
const KERNEL_KEY = { text: 'textKernel', audio: 'audioKernel', visual: 'visualKernel' } as const;

/** The two sources of each target, in the reference's order (L: A, V; A: L, V; V: L, A). */
export function multSources(target: MultModality): [MultModality, MultModality] {
  const [s1, s2] = MODALITIES.filter((m) => m !== target) as [MultModality, MultModality];
  return [s1, s2];
}

/** Stable name of the crossmodal transformer source → target, e.g. 'audioToText'. */
export function crossmodalName(source: MultModality, target: MultModality): string {
  return `${source}To${target[0]?.toUpperCase()}${target.slice(1)}`;
}

/** Output length of the temporal convolution over T padded steps. */
export function convOutputLength(t: number, kernel: number, padding: MultConvPadding): number {
  return padding === 'same' ? t : t - kernel + 1;
}

/**
 * A bias-free temporal convolution as a linear map over a window of k steps: the window's k
 * frames, concatenated, times W [k·d_in, d] (k = 1: a per-step linear map). Frame s of window t
 * is input step t + s ('valid') or t + s − (k−1)/2 ('same', zeros outside the real steps).
 */
export class TemporalConv {
  readonly linear: Dense;

  /** variable `<name>/kernel` [k·d_in, d] */
  constructor(name: string, readonly inDim: number, readonly outDim: number, readonly kernel: number, readonly padding: MultConvPadding, rng: Rng) {
    if (!Number.isInteger(kernel) || kernel <= 0) throw new Error(`TemporalConv ${name}: kernel must be a positive integer, got ${kernel}`);
    if (padding === 'same' && kernel % 2 === 0) throw new Error(`TemporalConv ${name}: 'same' padding needs an odd kernel, got ${kernel}`);
    this.linear = new Dense(name, kernel * inDim, outDim, rng, { bias: false });
  }

  /**
   * x [B, T, d_in] with its prefix mask [B, T] → [B, T', d] and the output's mask [B, T'].
   * Padded input steps are zeroed first, so no window reads a padded value as data; with 'valid'
   * an output step is real iff its window ends at a real step (the caller checks that every clip
   * has at least k real steps).
   */
  apply(x: tf.Tensor3D, mask: tf.Tensor2D): { seq: tf.Tensor3D; mask: tf.Tensor2D } {
    const [b, t, d] = x.shape;
    const k = this.kernel;
    if (this.padding === 'valid' && t < k) throw new Error(`TemporalConv: ${t} steps are fewer than the kernel ${k}`);
    return tf.tidy(() => {
      let xs = tf.mul(x, tf.expandDims(mask, 2)) as tf.Tensor3D; // [B, T, d_in], padded steps 0
      if (k === 1) return { seq: this.linear.apply(xs) as tf.Tensor3D, mask: tf.clone(mask) };
      const half = (k - 1) / 2;
      if (this.padding === 'same') xs = tf.pad(xs, [[0, 0], [half, half], [0, 0]]); // [B, T + k − 1, d_in]
      const tOut = convOutputLength(t, k, this.padding);
      const windows = tf.concat(Array.from({ length: k }, (_, s) => tf.slice(xs, [0, s, 0], [b, tOut, d])), 2); // [B, T', k·d_in]
      const outMask = this.padding === 'same' ? tf.clone(mask) : tf.slice(mask, [0, k - 1], [b, tOut]); // [B, T']
      return { seq: this.linear.apply(windows) as tf.Tensor3D, mask: outMask as tf.Tensor2D };
    });
  }

  variables(): tf.Variable[] {
    return this.linear.variables();
  }

  dispose(): void {
    this.linear.dispose();
  }
}

/**
 * Row t of h at each clip's last real step: h [B, T, D], prefix mask [B, T] (at least one real
 * step per row) → [B, D]. A one-hot over the steps, so the gradient reaches that step only.
 */
export function lastRealStep(h: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const pick = stepIndicator(tf.sub(tf.sum(mask, 1), 1), h.shape[1]); // [B, T], 1 at the last real step
    return tf.sum(tf.mul(h, tf.expandDims(pick, 2)), 1) as tf.Tensor2D; // [B, D]
  });
}

/** 1 at step index[b] of each row, else 0: index [B] (float) → [B, T] (tf.oneHot refuses T = 1). */
function stepIndicator(index: tf.Tensor1D | tf.Tensor, t: number): tf.Tensor2D {
  return tf.cast(tf.equal(tf.reshape(tf.range(0, t, 1, 'float32'), [1, t]), tf.expandDims(index, 1)), 'float32') as tf.Tensor2D;
}

/** √D · x + PE rows 1…T (the reference's scale and fairseq offset), then embedding dropout. */
function embed(x: tf.Tensor3D, rate: number, dropout: DropoutFn): tf.Tensor3D {
  const [, t, d] = x.shape;
  const pe = tf.slice(sinusoidalPositions(t + 1, d), [1, 0], [t, d]); // [T, D]
  return dropout(tf.add(tf.mul(x, Math.sqrt(d)), pe), rate) as tf.Tensor3D; // [B, T, D]
}

/**
 * MulT's output block (reference models.py: proj1, proj2 with a residual, out_layer), which MFSA's
 * reconstruction reuses: block = W_2 Dropout(ReLU(W_1 h + b_1)) + b_2 + h, ŷ = W_out block + b_out.
 * Variables `<prefix>/proj1`, `<prefix>/proj2`, `<prefix>/out`.
 */
export class ResidualOutputHead {
  readonly proj1: Dense; // w → w
  readonly proj2: Dense; // w → w
  readonly out: Dense; // w → 1

  constructor(prefix: string, readonly width: number, rng: Rng) {
    this.proj1 = new Dense(`${prefix}/proj1`, width, width, rng);
    this.proj2 = new Dense(`${prefix}/proj2`, width, width, rng);
    this.out = new Dense(`${prefix}/out`, width, 1, rng);
  }

  /** h [B, w] → the residual block [B, w] and ŷ [B]; `dropout` at `rate` after ReLU(proj1). */
  apply(h: tf.Tensor2D, rate: number, dropout: DropoutFn): { block: tf.Tensor2D; y: tf.Tensor1D } {
    const block = tf.add(this.proj2.apply(dropout(tf.relu(this.proj1.apply(h)), rate)), h) as tf.Tensor2D;
    return { block, y: tf.squeeze(this.out.apply(block), [1]) as tf.Tensor1D };
  }

  variables(): tf.Variable[] {
    return [...this.proj1.variables(), ...this.proj2.variables(), ...this.out.variables()];
  }

  dispose(): void {
    this.proj1.dispose();
    this.proj2.dispose();
    this.out.dispose();
  }
}

export class MultModel extends BaselineBase {
  readonly config: MultConfig;
  readonly conv: Record<MultModality, TemporalConv>;
  /** by crossmodalName(source, target) */
  readonly crossmodal: Map<string, TransformerEncoder>;
  readonly selfAttention: Record<MultModality, TransformerEncoder>;
  readonly head: ResidualOutputHead; // 6d → 6d → 6d (+ residual) → 1

  constructor(config: MultConfig, dims: BaselineDims, host: TextHost, seed: number) {
    super('mult', dims, host, seed);
    this.config = resolveMultConfig(config as unknown as Record<string, unknown>);
    const c = this.config;
    const d = c.modelDim;
    const rng = new Rng(deriveSeed(seed, 'mult/init'));
    const inDim = { text: dims.textWidth, audio: dims.audioDim, visual: dims.visualDim };
    const conv = (m: MultModality): TemporalConv => new TemporalConv(`mult/conv/${m}`, inDim[m], d, c[KERNEL_KEY[m]], c.convPadding, rng);
    this.conv = { text: conv('text'), audio: conv('audio'), visual: conv('visual') };
    this.crossmodal = new Map();
    for (const target of MODALITIES) {
      for (const source of multSources(target)) {
        const name = crossmodalName(source, target);
        this.crossmodal.set(name, new TransformerEncoder(`mult/crossmodal/${name}`, d, c.crossmodalLayers, this.blockOptions(d, this.sourceAttentionDropout(source)), rng));
      }
    }
    const self = (m: MultModality): TransformerEncoder => new TransformerEncoder(`mult/self/${m}`, 2 * d, c.selfLayers, this.blockOptions(2 * d, c.attentionDropout), rng);
    this.selfAttention = { text: self('text'), audio: self('audio'), visual: self('visual') };
    this.head = new ResidualOutputHead('mult', 6 * d, rng);
  }

  /** The reference indexes the attention dropout by the SOURCE modality (get_network('la') → attn_dropout_a). */
  private sourceAttentionDropout(source: MultModality): number {
    const c = this.config;
    return source === 'text' ? c.attentionDropout : source === 'audio' ? c.audioAttentionDropout : c.visualAttentionDropout;
  }

  private blockOptions(width: number, attentionDropout: number): TransformerBlockOptions {
    const c = this.config;
    return {
      numHeads: c.numHeads, ffDim: 4 * width, norm: 'pre', activation: 'relu', attentionDropout,
      residualDropout: c.residualDropout, activationDropout: c.reluDropout, layerNormEps: 1e-5, causal: c.attentionMask === 'future',
    };
  }

  /** With 'valid' padding and k > 1, every clip needs at least k real steps of the modality (the error names the key). */
  private checkLengths(x: BaselineInputs): void {
    if (this.config.convPadding === 'same') return;
    const masks = { text: x.textMask, audio: x.audioMask, visual: x.visualMask };
    for (const m of MODALITIES) {
      const k = this.config[KERNEL_KEY[m]];
      if (k === 1) continue;
      const lengths = x.hostLengths?.[m] ?? Int32Array.from(tf.tidy(() => tf.sum(masks[m], 1)).dataSync() as Float32Array);
      const i = lengths.findIndex((n) => n < k);
      if (i >= 0) throw new Error(`mult.forward: ${KERNEL_KEY[m]} ${k} with convPadding 'valid' needs at least ${k} real ${m} steps per clip; clip ${i} of the batch has ${lengths[i]} (set ${KERNEL_KEY[m]}=1 or convPadding=same)`);
    }
  }

  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput {
    this.checkInputs(x);
    this.checkLengths(x);
    const c = this.config;
    // seeds drawn in a fixed order whether training or not: X^L's dropout, the transformer stream, the output block
    const inputSeed = this.dropoutRng.seed();
    const dropout = rngDropout(options.training, new Rng(this.dropoutRng.seed()));
    const outputSeed = this.dropoutRng.seed();
    return tf.tidy(() => {
      let xl: tf.Tensor3D = this.text.apply(x); // [B, T_L, D_L]
      if (options.training && c.embeddingDropout > 0) xl = tf.dropout(xl, c.embeddingDropout, undefined, inputSeed) as tf.Tensor3D;
      const raw = { text: { seq: xl, mask: x.textMask }, audio: { seq: x.audio, mask: x.audioMask }, visual: { seq: x.visual, mask: x.visualMask } };
      const streams = {} as Record<MultModality, { seq: tf.Tensor3D; mask: tf.Tensor2D }>;
      for (const m of MODALITIES) {
        const p = this.conv[m].apply(raw[m].seq, raw[m].mask); // [B, T'_m, d]
        // a clip without frames reads one zero step (step 0 is already real in every other clip: prefix masks)
        const first = stepIndicator(tf.zeros([p.mask.shape[0]]), p.mask.shape[1]); // [B, T'_m], 1 at step 0
        streams[m] = { seq: tf.mul(p.seq, tf.expandDims(p.mask, 2)) as tf.Tensor3D, mask: tf.maximum(p.mask, first) as tf.Tensor2D };
      }
      const last = {} as Record<MultModality, tf.Tensor2D>;
      for (const target of MODALITIES) {
        const t = streams[target];
        const reinforced = multSources(target).map((source) => {
          const s = streams[source];
          const q = embed(t.seq, c.embeddingDropout, dropout); // Z^[0]_target [B, T_t, d]
          const kv = embed(s.seq, c.embeddingDropout, dropout); // Z^[0]_source [B, T_s, d]
          return (this.crossmodal.get(crossmodalName(source, target)) as TransformerEncoder).apply(q, t.mask, dropout, { seq: kv, mask: s.mask }); // [B, T_t, d]
        });
        const z = tf.concat(reinforced, 2) as tf.Tensor3D; // Z_target [B, T_t, 2d]
        const h = this.selfAttention[target].apply(embed(z, c.embeddingDropout, dropout), t.mask, dropout); // [B, T_t, 2d]
        last[target] = lastRealStep(h, t.mask); // [B, 2d]
      }
      const fused = tf.concat([last.text, last.audio, last.visual], 1) as tf.Tensor2D; // [B, 6d]
      const outputDropout: DropoutFn = (t, rate) => (options.training && rate > 0 ? tf.dropout(t, rate, undefined, outputSeed) : t);
      const { block, y } = this.head.apply(fused, c.outputDropout, outputDropout); // [B, 6d], [B]
      const out: BaselineOutput = { yHat: y, latents: { text: last.text, audio: last.audio, visual: last.visual, fusion: block } };
      return out as unknown as tf.TensorContainer;
    }) as unknown as BaselineOutput;
  }

  protected regressionLoss(): RegressionLoss {
    return this.config.regressionLoss;
  }

  variables(): tf.Variable[] {
    return [
      ...MODALITIES.flatMap((m) => this.conv[m].variables()),
      ...[...this.crossmodal.values()].flatMap((e) => e.variables()),
      ...MODALITIES.flatMap((m) => this.selfAttention[m].variables()),
      ...this.head.variables(),
    ];
  }

  protected disposeOwn(): void {
    for (const m of MODALITIES) {
      this.conv[m].dispose();
      this.selfAttention[m].dispose();
    }
    for (const e of this.crossmodal.values()) e.dispose();
    this.head.dispose();
  }
}

/** Trainable parameters by module (host table excluded): the three projections, six crossmodal and three self-attention transformers, the head. */
export function multParams(c: MultConfig, dims: BaselineDims): Record<'temporalConv' | 'crossmodal' | 'selfAttention' | 'head', number> {
  const d = c.modelDim;
  const encoder = (width: number, layers: number): number => layers * transformerBlockParams(width, 4 * width) + 2 * width; // + the final LayerNorm
  return {
    temporalConv: d * (c.textKernel * dims.textWidth + c.audioKernel * dims.audioDim + c.visualKernel * dims.visualDim),
    crossmodal: 6 * encoder(d, c.crossmodalLayers),
    selfAttention: 3 * encoder(2 * d, c.selfLayers),
    head: 2 * (36 * d * d + 6 * d) + 6 * d + 1,
  };
}
