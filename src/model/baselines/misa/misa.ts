// MISA — Modality-Invariant and -Specific Representations (Hazarika, Zimmermann, Poria, ACM MM
// 2020): each modality's utterance vector is projected into two subspaces, one SHARED by all
// modalities (a single encoder, pulled together by a distribution-matching loss) and one PRIVATE
// to the modality (kept orthogonal to the shared part and to the other privates); a decoder
// rebuilds the utterance vector from the two parts, so neither is trivial; the six vectors are
// fused by self-attention over them as a length-6 sequence.
//
//   u_m = sLSTM(X^m)  (m ∈ {a, v}; the paper's text: u_l = BERT(X^l), here see "Text" below)
//                     a stacked bidirectional LSTM: LSTM_1 over the real frames, LayerNorm of its
//                     outputs, LSTM_2 over those; u_m = the final states of both layers and both
//                     directions, concatenated (reference code: extract_features)
//   u_m ← LayerNorm(ReLU(W_m u_m + b_m)) ∈ R^{d_h}    (the reference's project_m: one width d_h)
//   h^c_m = E_c(u_m) = σ(W_c u_m + b_c)                ("shared encoder", ONE E_c for every m)
//   h^p_m = E_p^m(u_m) = σ(W_p^m u_m + b_p^m)          ("private encoders", one per modality)
//   û_m = D(h^c_m + h^p_m) = W_r^m (h^c_m + h^p_m) + b_r^m   (reconstruction; the reference
//                                                       code's recon_m: one Linear per modality)
//   L = L_task + α L_sim + β L_diff + γ L_recon        ("Learning")
//   L_sim = 1/3 Σ_{(m1,m2)} CMD_K(h^c_m1, h^c_m2)      over the pairs (l,v), (l,a), (a,v)
//   CMD_K(X, Y) = 1/|b−a| ‖E(X) − E(Y)‖₂ + Σ_{k=2..K} 1/|b−a|^k ‖C_k(X) − C_k(Y)‖₂
//                     E: the batch mean, C_k: the k-th central moment per coordinate; the
//                     sigmoid range [a, b] = [0, 1] makes every 1/|b−a|^k = 1 (the reference code
//                     omits them), K = 5 (reference: get_cmd_loss)
//   L_diff = Σ_m ‖H^cᵀ_m H^p_m‖²_F + Σ_{(m1,m2)} ‖H^pᵀ_m1 H^p_m2‖²_F
//                     H: the batch's vectors as rows. The reference's DiffLoss first centres each
//                     column on the batch mean and divides each row by its L2 norm (+1e-6, the
//                     norm detached), and takes the MEAN of the squared entries of the d_h × d_h
//                     product instead of their sum; that normalisation is used here
//   L_recon = 1/3 Σ_m ‖u_m − û_m‖²₂ / d_h               (batch mean; the target u_m is not detached,
//                                                       as the reference)
//   M = [h^p_l, h^p_v, h^p_a, h^c_l, h^c_v, h^c_a]     (the order of the reference's torch.stack)
//   M̄ = Transformer(M),  h_out = M̄_1 ⊕ … ⊕ M̄_6 ∈ R^{6 d_h}   ("Modality Fusion": one post-norm
//                                                       nn.TransformerEncoderLayer, 2 heads)
//   ŷ = W_2 Dropout(ReLU(W_1 h_out + b_1)) + b_2,  W_1: 6d_h → 3d_h   (the reference's fusion head,
//                     Linear → Dropout → ReLU → Linear; with ReLU the order of Dropout and ReLU
//                     gives the same values for the same mask)
//
// Text. The paper fine-tunes BERT and mean-pools its last states; the reference code's other
// text path (GloVe) runs the same sLSTM as audio and visual over the word vectors. X^L here is
// the run's text host's input-level sequence (a BERT host's word embeddings on the quick preset,
// frozen USE-lite token states on main), not a fine-tuned BERT's output, so the default is the
// sLSTM path (`textEncoder: 'lstm'`, as every other baseline here runs an LSTM over X^L);
// `textEncoder: 'mean'` is the BERT path's masked mean of X^L, then the projection.
//
// Differences from the reference code (declare-lab/MISA, src/models.py and src/solver.py):
//   - padding: every LSTM runs over the real steps of its own modality (the reference packs
//     audio and visual with the TEXT lengths, valid only on word-aligned data); the backward
//     direction reverses each sequence within its real length;
//   - one bias per LSTM gate (PyTorch has b_ih + b_hh) and the workspace's initialisers (Glorot,
//     forget-gate bias 1) instead of PyTorch's defaults;
//   - the shared/private discriminator (sp_discriminator: weight sp_weight = 0 in the reference)
//     and the adversarial domain discriminator (used only when use_cmd_sim is off) are left out:
//     neither contributes to the paper's objective with CMD;
//   - the auxiliary losses are computed over every clip of the batch (they need no label), the
//     task loss over the labeled clips (the baselines' batches hold labeled clips only);
//   - the reference clips each gradient VALUE at 1.0 (clip_grad_value_); the trainer here clips
//     the global gradient norm (train config gradClip).
// Training settings of the reference for MOSI (trainer keys, not this config): Adam lr 1e-4,
// batch 64. MMSA's MISA on MOSI, unaligned, BERT text (mean of seeds 1111–1115,
// ../shared/REFERENCE-FACTS.md §4): Acc2 81.84 (has-0) / 83.54 (non-0), MAE 0.7765, Corr 0.7781.
import * as tf from '@tensorflow/tfjs';
import { LayerNormParams, rngDropout, TransformerEncoder, transformerBlockMacs, transformerBlockParams } from '../../../nn/attention';
import { Dense } from '../../../nn/dense';
import { meanPool } from '../../../nn/layers';
import { Lstm, lstmScan, stepKindsOfLengths } from '../../../nn/lstm';
import { detach, linear, matMul } from '../../../nn/ops';
import { freezeConfig } from '../../../util/config';
import { deriveSeed, Rng } from '../../../util/rng';
import type { TextHost } from '../../text-host';
import {
  BaselineBase, labeledRegressionLoss, REGRESSION_LOSSES, resolveBaselineConfig,
  type BaselineDims, type BaselineInputs, type BaselineLossBatch, type BaselineLosses, type BaselineModuleCost, type BaselineOutput, type BaselineShapes, type RegressionLoss,
} from '../types';

export const MISA_TEXT_ENCODERS = ['lstm', 'mean'] as const;
export type MisaTextEncoder = (typeof MISA_TEXT_ENCODERS)[number];

export interface MisaConfig {
  /** u_l: 'lstm' = the sLSTM over X^L (reference code, GloVe path); 'mean' = masked mean of X^L (the BERT path). See the header. */
  textEncoder: MisaTextEncoder;
  /**
   * LSTM units per direction of each sLSTM; 0 = the modality's input width, as the reference
   * (models.py: hidden_sizes = input_sizes). textHidden is unused with textEncoder 'mean'.
   */
  textHidden: number;
  audioHidden: number;
  visualHidden: number;
  /** d_h, the width of u_m, h^c_m, h^p_m (config.py hidden_size 128; MMSA's MOSI config 128 too). */
  hiddenSize: number;
  /** Heads and layers of the fusion transformer (models.py: nn.TransformerEncoderLayer(d_model=hidden_size, nhead=2), num_layers=1). */
  fusionHeads: number;
  fusionLayers: number;
  /** Its feed-forward width (PyTorch's dim_feedforward default, 2048; the reference leaves it unset). */
  fusionFfDim: number;
  /**
   * Its dropout (PyTorch's default 0.1), on the attention probabilities, each sublayer's output
   * and the feed-forward activation, as nn.TransformerEncoderLayer applies its one `dropout`.
   */
  fusionDropout: number;
  /** Dropout of the fusion head (config.py dropout 0.5; MMSA's MOSI config: 0.2). */
  dropout: number;
  /** K of CMD (solver.py get_cmd_loss: 5 moments). */
  cmdMoments: number;
  /**
   * α, β, γ of L = L_task + α L_sim + β L_diff + γ L_recon. The code names them sim_weight,
   * diff_weight, recon_weight; its defaults (config.py: 1.0, 0.3, 1.0) are its MOSI setting (the
   * MOSI branch of get_config changes only batch size and output size). MMSA's MOSI config uses
   * sim 0.3, diff 0.1, recon 1.0.
   */
  simWeight: number;
  diffWeight: number;
  reconWeight: number;
  /** L_task (solver.py: nn.MSELoss for MOSI and MOSEI). */
  regressionLoss: RegressionLoss;
}

export const DEFAULT_MISA_CONFIG: Readonly<MisaConfig> = freezeConfig({
  textEncoder: 'lstm',
  textHidden: 0,
  audioHidden: 0,
  visualHidden: 0,
  hiddenSize: 128,
  fusionHeads: 2,
  fusionLayers: 1,
  fusionFfDim: 2048,
  fusionDropout: 0.1,
  dropout: 0.5,
  cmdMoments: 5,
  simWeight: 1.0,
  diffWeight: 0.3,
  reconWeight: 1.0,
  regressionLoss: 'mse',
});

/** The quick preset's sizes (tests, CI): the structure unchanged, every width small. */
export const QUICK_MISA_OVERRIDES: Readonly<Partial<MisaConfig>> = freezeConfig({ textHidden: 8, audioHidden: 4, visualHidden: 4, hiddenSize: 8, fusionFfDim: 16 });

const RULES = {
  positiveInts: ['hiddenSize', 'fusionHeads', 'fusionLayers', 'fusionFfDim', 'cmdMoments'],
  rates: ['fusionDropout', 'dropout'],
  nonNegative: ['textHidden', 'audioHidden', 'visualHidden', 'simWeight', 'diffWeight', 'reconWeight'],
  enums: { textEncoder: MISA_TEXT_ENCODERS, regressionLoss: REGRESSION_LOSSES },
};

export function resolveMisaConfig(overrides: Record<string, unknown> = {}, base: Readonly<MisaConfig> = DEFAULT_MISA_CONFIG): MisaConfig {
  const c = resolveBaselineConfig('misa config', DEFAULT_MISA_CONFIG, overrides, RULES, base);
  for (const k of ['textHidden', 'audioHidden', 'visualHidden'] as const) {
    if (!Number.isInteger(c[k])) throw new Error(`misa config: ${k} must be a non-negative integer (0: the input width), got ${JSON.stringify(c[k])}`);
  }
  if (c.hiddenSize % c.fusionHeads !== 0) throw new Error(`misa config: hiddenSize (${c.hiddenSize}) must be divisible by fusionHeads (${c.fusionHeads})`);
  return c;
}

/** LayerNorm epsilon everywhere (PyTorch's nn.LayerNorm and nn.TransformerEncoderLayer default). */
const LAYER_NORM_EPS = 1e-5;

/** The LSTM width of each modality's sLSTM: the config's, or the input width where it is 0. */
export function misaLstmWidths(c: MisaConfig, dims: BaselineDims): { text: number; audio: number; visual: number } {
  const w = (h: number, d: number): number => (h === 0 ? d : h);
  return { text: w(c.textHidden, dims.textWidth), audio: w(c.audioHidden, dims.audioDim), visual: w(c.visualHidden, dims.visualDim) };
}

/** Real lengths per row: the batch's host copy, else one read of the mask. */
function lengthsOf(mask: tf.Tensor2D, host: Int32Array | undefined): Int32Array {
  if (host !== undefined) return host;
  const sums = tf.tidy(() => tf.cast(tf.sum(mask, 1), 'int32'));
  const out = sums.dataSync() as Int32Array;
  sums.dispose();
  return out;
}

/**
 * Reverses each sequence of a time-major [T, B, D] tensor within its real length: row (t, b)
 * takes (len_b − 1 − t, b) for t < len_b; padded steps stay in place. The permutation is its own
 * inverse, so its gradient is the same gather (no scatter).
 */
function reverseWithinLengths(xT: tf.Tensor3D, lengths: Int32Array): tf.Tensor3D {
  const [steps, batch, d] = xT.shape;
  if (steps === 1) return xT;
  const index = new Int32Array(steps * batch);
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const len = lengths[b] as number;
      index[t * batch + b] = (t < len ? len - 1 - t : t) * batch + b;
    }
  }
  const idx = tf.tensor1d(index, 'int32');
  const permute = (x: tf.Tensor, i: tf.Tensor): tf.Tensor => tf.reshape(tf.gather(tf.reshape(x, [steps * batch, d]), i), [steps, batch, d]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor3D, tf.GradSaveFunc];
    save([idx]); // kept by the engine for the backward pass (idx itself is freed with the caller's tidy)
    return { value: permute(x, idx) as tf.Tensor3D, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [permute(dy, saved[0] as tf.Tensor)] };
  }) as (x: tf.Tensor3D) => tf.Tensor3D;
  return op(xT);
}

/** Every step's h of one LSTM over time-major xT [T, B, d] (maskT [T, B, 1]) → [T, B, H]; h at a padded step is the state carried from the last real one. */
function lstmStates(lstm: Lstm, xT: tf.Tensor3D, maskT: tf.Tensor3D, lengths: Int32Array): tf.Tensor3D {
  const [steps, batch, d] = xT.shape;
  const h = lstm.hidden;
  const proj = tf.reshape(linear(tf.reshape(xT, [steps * batch, d]), lstm.wx as tf.Tensor as tf.Tensor2D, lstm.b as tf.Tensor as tf.Tensor1D), [steps, batch, 4 * h]); // [T, B, 4H]
  const zeros = tf.zeros([batch, h]) as tf.Tensor2D; // h_0 = c_0 = 0
  const hc = lstmScan(proj as tf.Tensor3D, lstm.wh as tf.Tensor as tf.Tensor2D, zeros, zeros, maskT, stepKindsOfLengths(lengths, steps)); // [T, B, 2H]
  return tf.slice(hc, [0, 0, 0], [steps, batch, h]) as tf.Tensor3D; // [T, B, H]
}

/** The last row of a time-major [T, B, H] sequence: the final state of each row (its last real step). */
function lastStep(hT: tf.Tensor3D): tf.Tensor2D {
  const [steps, batch, h] = hT.shape;
  return tf.reshape(tf.slice(hT, [steps - 1, 0, 0], [1, batch, h]), [batch, h]) as tf.Tensor2D;
}

/**
 * The reference's extract_features: two stacked bidirectional LSTMs with a LayerNorm between,
 * over the real steps. apply → [B, 4H] = [h1→; h2→; h1←; h2←] (the reference's cat of the final
 * states (layer, direction) then permute: per direction, layer 1 then layer 2).
 */
export class StackedBiLstm {
  readonly forward1: Lstm;
  readonly backward1: Lstm;
  readonly norm: LayerNormParams;
  readonly forward2: Lstm;
  readonly backward2: Lstm;

  /** variables `<name>/rnn1/{forward,backward}/…`, `<name>/norm/…`, `<name>/rnn2/{forward,backward}/…` */
  constructor(readonly name: string, readonly inDim: number, readonly hidden: number, rng: Rng) {
    this.forward1 = new Lstm(`${name}/rnn1/forward`, inDim, hidden, rng);
    this.backward1 = new Lstm(`${name}/rnn1/backward`, inDim, hidden, rng);
    this.norm = new LayerNormParams(`${name}/norm`, 2 * hidden, rng, LAYER_NORM_EPS);
    this.forward2 = new Lstm(`${name}/rnn2/forward`, 2 * hidden, hidden, rng);
    this.backward2 = new Lstm(`${name}/rnn2/backward`, 2 * hidden, hidden, rng);
  }

  /** x [B, T, d], mask [B, T] (1 real), lengths = the mask's row sums on the host → [B, 4H] */
  apply(x: tf.Tensor3D, mask: tf.Tensor2D, lengths: Int32Array): tf.Tensor2D {
    return tf.tidy(() => {
      const xT = tf.transpose(x, [1, 0, 2]) as tf.Tensor3D; // [T, B, d] time-major
      const maskT = tf.expandDims(tf.transpose(tf.cast(mask, 'float32')), 2) as tf.Tensor3D; // [T, B, 1]
      const f1 = lstmStates(this.forward1, xT, maskT, lengths); // [T, B, H]
      const b1Rev = lstmStates(this.backward1, reverseWithinLengths(xT, lengths), maskT, lengths); // [T, B, H], reversed time
      const h1 = tf.concat([f1, reverseWithinLengths(b1Rev, lengths)], 2) as tf.Tensor3D; // [T, B, 2H], both directions at each real step
      const n1 = this.norm.apply(h1) as tf.Tensor3D; // [T, B, 2H]
      const f2 = lstmStates(this.forward2, n1, maskT, lengths); // [T, B, H]
      const b2Rev = lstmStates(this.backward2, reverseWithinLengths(n1, lengths), maskT, lengths); // [T, B, H]
      return tf.concat([lastStep(f1), lastStep(f2), lastStep(b1Rev), lastStep(b2Rev)], 1) as tf.Tensor2D; // [B, 4H]
    });
  }

  variables(): tf.Variable[] {
    return [...this.forward1.variables(), ...this.backward1.variables(), ...this.norm.variables(), ...this.forward2.variables(), ...this.backward2.variables()];
  }

  dispose(): void {
    for (const m of [this.forward1, this.backward1, this.norm, this.forward2, this.backward2]) m.dispose();
  }
}

/** Linear → ReLU → LayerNorm to d_h (the reference's project_m). */
class Projection {
  readonly fc: Dense;
  readonly norm: LayerNormParams;

  constructor(name: string, inDim: number, outDim: number, rng: Rng) {
    this.fc = new Dense(`${name}/fc`, inDim, outDim, rng);
    this.norm = new LayerNormParams(`${name}/norm`, outDim, rng, LAYER_NORM_EPS);
  }

  apply(u: tf.Tensor2D): tf.Tensor2D {
    return this.norm.apply(tf.relu(this.fc.apply(u))) as tf.Tensor2D;
  }

  variables(): tf.Variable[] {
    return [...this.fc.variables(), ...this.norm.variables()];
  }

  dispose(): void {
    this.fc.dispose();
    this.norm.dispose();
  }
}

// ---- the auxiliary losses, each on plain tensors (tests check them against their formulas)

/** ‖v‖₂ with a zero (not NaN) gradient at v = 0 (the moments of a one-clip batch are all 0). */
function safeNorm(v: tf.Tensor): tf.Scalar {
  const s = tf.sum(tf.square(v)); // [], ≥ 0
  const positive = tf.sign(s); // 1 where s > 0, else 0 (zero gradient; comparisons have none in tfjs)
  return tf.mul(positive, tf.sqrt(tf.add(s, tf.sub(1, positive)))) as tf.Scalar; // √s, or 0 · √1 at s = 0
}

/**
 * Central moment discrepancy (Zellinger et al. 2017, as the reference's CMD with [a, b] = [0, 1]):
 * ‖mean(x) − mean(y)‖₂ + Σ_{k=2..K} ‖mean((x − x̄)^k) − mean((y − ȳ)^k)‖₂, means over the batch
 * axis. x [B, d], y [B', d].
 */
export function cmd(x: tf.Tensor2D, y: tf.Tensor2D, moments: number): tf.Scalar {
  if (!Number.isInteger(moments) || moments < 1) throw new Error(`cmd: moments must be a positive integer, got ${moments}`);
  return tf.tidy(() => {
    const mx = tf.mean(x, 0); // [d]
    const my = tf.mean(y, 0); // [d]
    const sx = tf.sub(x, mx); // [B, d]
    const sy = tf.sub(y, my);
    let total = safeNorm(tf.sub(mx, my));
    let px: tf.Tensor = sx;
    let py: tf.Tensor = sy;
    for (let k = 2; k <= moments; k++) {
      px = tf.mul(px, sx); // (x − x̄)^k by products: exact for negative bases, no pow gradient
      py = tf.mul(py, sy);
      total = tf.add(total, safeNorm(tf.sub(tf.mean(px, 0), tf.mean(py, 0))));
    }
    return total as tf.Scalar;
  });
}

/**
 * Soft orthogonality as the reference's DiffLoss: each of x, y [B, d] centred on its batch mean,
 * each row divided by its L2 norm + 1e-6 (the norm carries no gradient), then the mean of the
 * squared entries of the d × d product x̃ᵀ ỹ.
 */
export function diffLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const unit = (a: tf.Tensor2D): tf.Tensor2D => {
      const c = tf.sub(a, tf.mean(a, 0, true)); // [B, d]
      const norm = tf.sqrt(tf.sum(tf.square(detach(c)), 1, true)); // [B, 1]; detached before the square root: no 0/0 in the backward
      return tf.div(c, tf.add(norm, 1e-6)) as tf.Tensor2D;
    };
    const xn = unit(x);
    const yn = unit(y);
    const product = matMul(xn, yn, true); // x̃ᵀ ỹ [d, d]
    return tf.mean(tf.square(product)) as tf.Scalar;
  });
}

/** The vectors the auxiliary losses read, per modality. */
export interface MisaParts {
  shared: Record<'text' | 'visual' | 'audio', tf.Tensor2D>;
  private: Record<'text' | 'visual' | 'audio', tf.Tensor2D>;
  utterance: Record<'text' | 'visual' | 'audio', tf.Tensor2D>;
  recon: Record<'text' | 'visual' | 'audio', tf.Tensor2D>;
}

/** L_sim = (CMD(h^c_l, h^c_v) + CMD(h^c_l, h^c_a) + CMD(h^c_a, h^c_v)) / 3 (the reference's pairs). */
export function misaSimilarityLoss(p: MisaParts, moments: number): tf.Scalar {
  return tf.tidy(() => tf.div(tf.addN([cmd(p.shared.text, p.shared.visual, moments), cmd(p.shared.text, p.shared.audio, moments), cmd(p.shared.audio, p.shared.visual, moments)]), 3) as tf.Scalar);
}

/** L_diff = Σ_m D(h^p_m, h^c_m) + D(h^p_a, h^p_l) + D(h^p_a, h^p_v) + D(h^p_l, h^p_v), D = diffLoss (a sum, not a mean, as the reference). */
export function misaDifferenceLoss(p: MisaParts): tf.Scalar {
  return tf.tidy(() => tf.addN([
    diffLoss(p.private.text, p.shared.text), diffLoss(p.private.visual, p.shared.visual), diffLoss(p.private.audio, p.shared.audio),
    diffLoss(p.private.audio, p.private.text), diffLoss(p.private.audio, p.private.visual), diffLoss(p.private.text, p.private.visual),
  ]) as tf.Scalar);
}

/** L_recon = mean over m of mean((û_m − u_m)²) over the batch and the d_h coordinates. */
export function misaReconstructionLoss(p: MisaParts): tf.Scalar {
  return tf.tidy(() => tf.div(tf.addN((['text', 'visual', 'audio'] as const).map((m) => tf.mean(tf.square(tf.sub(p.recon[m], p.utterance[m]))))), 3) as tf.Scalar);
}

const MODALITIES = ['text', 'visual', 'audio'] as const;
type Modality = (typeof MODALITIES)[number];

/** The forward's latents as MisaParts (names `<m>Shared`, `<m>Private`, `<m>Utterance`, `<m>Recon`); a missing one is an error naming it. */
export function misaPartsOf(latents: Record<string, tf.Tensor2D>): MisaParts {
  const get = (name: string): tf.Tensor2D => {
    const z = latents[name];
    if (z === undefined) throw new Error(`misa.losses: the forward's latents have no ${name} (got ${Object.keys(latents).join(', ')})`);
    return z;
  };
  const pick = (suffix: string): Record<Modality, tf.Tensor2D> => ({ text: get(`text${suffix}`), visual: get(`visual${suffix}`), audio: get(`audio${suffix}`) });
  return { shared: pick('Shared'), private: pick('Private'), utterance: pick('Utterance'), recon: pick('Recon') };
}

export class MisaModel extends BaselineBase {
  readonly config: MisaConfig;
  /** null with textEncoder 'mean' */
  readonly textLstm: StackedBiLstm | null;
  readonly audioLstm: StackedBiLstm;
  readonly visualLstm: StackedBiLstm;
  readonly project: Record<Modality, Projection>;
  readonly shared: Dense; // E_c
  readonly private: Record<Modality, Dense>; // E_p^m
  readonly recon: Record<Modality, Dense>; // D (one per modality, the reference's recon_m)
  readonly fusion: TransformerEncoder;
  readonly head1: Dense; // 6d_h → 3d_h
  readonly head2: Dense; // 3d_h → 1

  constructor(config: MisaConfig, dims: BaselineDims, host: TextHost, seed: number) {
    super('misa', dims, host, seed);
    this.config = resolveMisaConfig(config as unknown as Record<string, unknown>);
    const c = this.config;
    const d = c.hiddenSize;
    const w = misaLstmWidths(c, dims);
    const rng = new Rng(deriveSeed(seed, 'misa/init'));
    this.textLstm = c.textEncoder === 'lstm' ? new StackedBiLstm('misa/textEncoder', dims.textWidth, w.text, rng) : null;
    this.audioLstm = new StackedBiLstm('misa/audioEncoder', dims.audioDim, w.audio, rng);
    this.visualLstm = new StackedBiLstm('misa/visualEncoder', dims.visualDim, w.visual, rng);
    this.project = {
      text: new Projection('misa/project/text', c.textEncoder === 'lstm' ? 4 * w.text : dims.textWidth, d, rng),
      visual: new Projection('misa/project/visual', 4 * w.visual, d, rng),
      audio: new Projection('misa/project/audio', 4 * w.audio, d, rng),
    };
    this.private = {
      text: new Dense('misa/private/text', d, d, rng),
      visual: new Dense('misa/private/visual', d, d, rng),
      audio: new Dense('misa/private/audio', d, d, rng),
    };
    this.shared = new Dense('misa/shared', d, d, rng);
    this.recon = {
      text: new Dense('misa/recon/text', d, d, rng),
      visual: new Dense('misa/recon/visual', d, d, rng),
      audio: new Dense('misa/recon/audio', d, d, rng),
    };
    const p = c.fusionDropout;
    this.fusion = new TransformerEncoder('misa/fusion', d, c.fusionLayers, {
      numHeads: c.fusionHeads, ffDim: c.fusionFfDim, norm: 'post', activation: 'relu',
      attentionDropout: p, residualDropout: p, activationDropout: p, layerNormEps: LAYER_NORM_EPS,
    }, rng);
    this.head1 = new Dense('misa/head/fc1', 6 * d, 3 * d, rng);
    this.head2 = new Dense('misa/head/fc2', 3 * d, 1, rng);
  }

  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput {
    this.checkInputs(x);
    // dropout seeds in a fixed order: the fusion transformer's stream, then the head's mask
    const fusionRng = new Rng(this.dropoutRng.seed());
    const headSeed = this.dropoutRng.seed();
    const textLengths = this.textLstm === null ? null : lengthsOf(x.textMask, x.hostLengths?.text);
    const audioLengths = lengthsOf(x.audioMask, x.hostLengths?.audio);
    const visualLengths = lengthsOf(x.visualMask, x.hostLengths?.visual);
    const c = this.config;
    return tf.tidy(() => {
      const xl = this.text.apply(x); // [B, T_L, D_L]
      const b = xl.shape[0];
      const raw: Record<Modality, tf.Tensor2D> = {
        text: this.textLstm === null ? meanPool(xl, x.textMask) : this.textLstm.apply(xl, x.textMask, textLengths as Int32Array), // [B, 4H_l] or [B, D_L]
        visual: this.visualLstm.apply(x.visual, x.visualMask, visualLengths), // [B, 4H_v]
        audio: this.audioLstm.apply(x.audio, x.audioMask, audioLengths), // [B, 4H_a]
      };
      const latents: Record<string, tf.Tensor2D> = {};
      for (const m of MODALITIES) {
        const u = this.project[m].apply(raw[m]); // u_m [B, d_h]
        const hc = tf.sigmoid(this.shared.apply(u)) as tf.Tensor2D; // h^c_m [B, d_h]
        const hp = tf.sigmoid(this.private[m].apply(u)) as tf.Tensor2D; // h^p_m [B, d_h]
        latents[`${m}Shared`] = hc;
        latents[`${m}Private`] = hp;
        latents[`${m}Utterance`] = u;
        latents[`${m}Recon`] = this.recon[m].apply(tf.add(hc, hp)) as tf.Tensor2D; // û_m [B, d_h]
      }
      const order = ['textPrivate', 'visualPrivate', 'audioPrivate', 'textShared', 'visualShared', 'audioShared'];
      const seq = tf.stack(order.map((n) => latents[n] as tf.Tensor2D), 1) as tf.Tensor3D; // M [B, 6, d_h]
      const attended = this.fusion.apply(seq, tf.ones([b, 6]) as tf.Tensor2D, rngDropout(options.training, fusionRng)); // M̄ [B, 6, d_h]
      const fused = tf.reshape(attended, [b, 6 * c.hiddenSize]) as tf.Tensor2D; // h_out = M̄_1 ⊕ … ⊕ M̄_6 [B, 6d_h]
      let h = tf.relu(this.head1.apply(fused)); // [B, 3d_h]
      if (options.training && c.dropout > 0) h = tf.dropout(h, c.dropout, undefined, headSeed);
      const yHat = tf.reshape(this.head2.apply(h), [b]) as tf.Tensor1D; // [B]
      latents.fusion = fused;
      const out: BaselineOutput = { yHat, latents };
      return out as unknown as tf.TensorContainer;
    }) as unknown as BaselineOutput;
  }

  /** L = L_task + α L_sim + β L_diff + γ L_recon; the terms are reported unweighted. */
  losses(out: BaselineOutput, batch: BaselineLossBatch): BaselineLosses {
    const c = this.config;
    const parts = misaPartsOf(out.latents);
    const regression = labeledRegressionLoss(out.yHat, batch.labels, batch.numLabeled, c.regressionLoss);
    const similarity = misaSimilarityLoss(parts, c.cmdMoments);
    const difference = misaDifferenceLoss(parts);
    const reconstruction = misaReconstructionLoss(parts);
    const total = tf.tidy(() => tf.addN([regression, tf.mul(similarity, c.simWeight), tf.mul(difference, c.diffWeight), tf.mul(reconstruction, c.reconWeight)]) as tf.Scalar);
    return { terms: { regression, similarity, difference, reconstruction }, total };
  }

  protected regressionLoss(): RegressionLoss {
    return this.config.regressionLoss;
  }

  variables(): tf.Variable[] {
    return [
      ...(this.textLstm?.variables() ?? []), ...this.audioLstm.variables(), ...this.visualLstm.variables(),
      ...MODALITIES.flatMap((m) => this.project[m].variables()),
      ...this.shared.variables(), ...MODALITIES.flatMap((m) => this.private[m].variables()),
      ...MODALITIES.flatMap((m) => this.recon[m].variables()),
      ...this.fusion.variables(), ...this.head1.variables(), ...this.head2.variables(),
    ];
  }

  protected disposeOwn(): void {
    this.textLstm?.dispose();
    this.audioLstm.dispose();
    this.visualLstm.dispose();
    for (const m of MODALITIES) {
      this.project[m].dispose();
      this.private[m].dispose();
      this.recon[m].dispose();
    }
    this.shared.dispose();
    this.fusion.dispose();
    this.head1.dispose();
    this.head2.dispose();
  }
}

// ---- size and compute (src/eval/efficiency.ts's convention: one clip at the nominal lengths,
// matrix products counted, every LSTM step's recurrent product included)

const fc = (i: number, o: number): number => i * o + o;
const lstmParams = (i: number, h: number): number => (i + h + 1) * 4 * h;
const lstmMacs = (i: number, h: number, steps: number): number => steps * (i + h) * 4 * h;
const sLstmParams = (i: number, h: number): number => 2 * lstmParams(i, h) + 2 * (2 * h) + 2 * lstmParams(2 * h, h);
const sLstmMacs = (i: number, h: number, steps: number): number => 2 * lstmMacs(i, h, steps) + 2 * lstmMacs(2 * h, h, steps);

/** Parameters and MACs per module (the text host's table is efficiency.ts's hostRow). */
export function misaCost(c: MisaConfig, s: BaselineShapes): BaselineModuleCost[] {
  const w = misaLstmWidths(c, s);
  const d = c.hiddenSize;
  const textIn = c.textEncoder === 'lstm' ? 4 * w.text : s.textWidth;
  const rows: BaselineModuleCost[] = [];
  if (c.textEncoder === 'lstm') rows.push({ module: 'textEncoder', params: sLstmParams(s.textWidth, w.text), macs: sLstmMacs(s.textWidth, w.text, s.textLength), note: `2-layer BiLSTM ${s.textWidth}→${w.text} × ${s.textLength}, LayerNorm between` });
  rows.push(
    { module: 'audioEncoder', params: sLstmParams(s.audioDim, w.audio), macs: sLstmMacs(s.audioDim, w.audio, s.audioLength), note: `2-layer BiLSTM ${s.audioDim}→${w.audio} × ${s.audioLength}, LayerNorm between` },
    { module: 'visualEncoder', params: sLstmParams(s.visualDim, w.visual), macs: sLstmMacs(s.visualDim, w.visual, s.visualLength), note: `2-layer BiLSTM ${s.visualDim}→${w.visual} × ${s.visualLength}, LayerNorm between` },
    {
      module: 'projection', params: fc(textIn, d) + fc(4 * w.audio, d) + fc(4 * w.visual, d) + 3 * 2 * d, macs: (textIn + 4 * w.audio + 4 * w.visual) * d,
      note: `u_m → d_h = ${d} (FC, ReLU, LayerNorm)${c.textEncoder === 'mean' ? '; text: masked mean of X^L first' : ''}`,
    },
    { module: 'sharedPrivate', params: 4 * fc(d, d), macs: 6 * d * d, note: 'E_c (one, applied to each modality) and E_p^m (three), sigmoid' },
    { module: 'reconstruction', params: 3 * fc(d, d), macs: 3 * d * d, note: 'D_m(h^c_m + h^p_m), one FC per modality' },
    { module: 'fusion', params: c.fusionLayers * transformerBlockParams(d, c.fusionFfDim), macs: c.fusionLayers * transformerBlockMacs(d, c.fusionFfDim, 6, 6), note: `${c.fusionLayers} post-norm transformer layer(s) over the 6 vectors, ${c.fusionHeads} heads, FF ${c.fusionFfDim}` },
    { module: 'head', params: fc(6 * d, 3 * d) + fc(3 * d, 1), macs: 6 * d * 3 * d + 3 * d, note: `FC ${6 * d}→${3 * d}→1` },
  );
  return rows;
}
