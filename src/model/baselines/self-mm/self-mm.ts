// Self-MM — Self-Supervised Multi-Task Multimodal sentiment analysis (Yu, Xu, Yuan, Wu, AAAI 2021):
// a late-fusion network trained on FOUR regression tasks — the multimodal one on the human label
// y_m, and one per modality (text, audio, visual) on unimodal labels y_s that no annotator gave:
// the Unimodal Label Generation Module (ULGM) derives them during training from how far each
// clip's modality representation lies from the positive and negative class centres of that
// modality, relative to the same distances of the fused representation.
//
// Network (the reference code, thuiar/MMSA src/MMSA/models/multiTask/SELF_MM.py):
//   r^t = LSTM_t(X^L)_{last real token}                  (see "Text" below; the paper: BERT [CLS])
//   r^a = W_a Dropout(LSTM_a(X^A)_{last real frame}) + b_a,  r^v likewise (AuViSubNet: one layer)
//   F*_m = ReLU(W_1^m Dropout([r^t; r^a; r^v]) + b),  ŷ_m = W_3^m ReLU(W_2^m F*_m + b) + b
//   F*_s = ReLU(W_1^s Dropout(r^s) + b),              ŷ_s = W_3^s ReLU(W_2^s F*_s + b) + b,  s ∈ {t, a, v}
// F*_i (the first post layer's output of each head) are the representations the ULGM reads.
//
// ULGM (paper §"ULGM"; the equations as the paper writes them, recalled, with the code as the
// verified source — thuiar/MMSA src/MMSA/trains/multiTask/SELF_MM.py):
//   C_i^p = Σ_j F^g_ij · I(y_i(j) > 0) / Σ_j I(y_i(j) > 0)     class centres, i ∈ {m, t, a, v}, over the
//   C_i^n = Σ_j F^g_ij · I(y_i(j) < 0) / Σ_j I(y_i(j) < 0)     stored representations F^g of every
//                                                              training clip (labels 0 in neither:
//                                                              the code's excludeZero = true)
//   D_i^p = ‖F*_i − C_i^p‖,  D_i^n = ‖F*_i − C_i^n‖            distances (the code: the plain L2 norm;
//                                                              the paper, as recalled, also divides by
//                                                              √d_i, which cancels in α; the code keeps
//                                                              d_i in dim_map and never uses it)
//   α_i = (D_i^n − D_i^p) / (D_i^p + ε)                          relative distance, ε = 1e-8
//   y_s / y_m ∝ α_s / α_m  and  y_s − y_m ∝ α_s − α_m          the two assumed relations, averaged:
//   y_s = y_m + δ_sm,  δ_sm = (α_s − α_m)/2 · (y_m/α_m + 1)      = ½·(α_s/α_m)·y_m + ½·(y_m + α_s − α_m)
//   y_s ← clip(y_s, −H, H)                                      (the code; H = 3 on MOSI)
//   y_s^(n) = (n−1)/(n+1) · y_s^(n−1) + 2/(n+1) · y_s^n          momentum update over epochs n ≥ 2;
//                                                              y_s^(1) = y_m (no update in epoch 1)
//   L = Σ_{s∈{m,t,a,v}} mean_i w_i^s · |ŷ_i^s − y_i^s|,  w_i^s = tanh(|y_i^s − y_i^m|), w^m = 1
//                                                              (eq. 10: the weighted L1 objective)
// Consequence, as in the paper's Algorithm 1 and the code: while y_s = y_m the unimodal weights
// are 0. Labels first move in a clip's second epoch, AFTER that step's loss, so the unimodal
// heads (and F*_t, F*_a, F*_v) get their first gradient in the third epoch; until then a fresh
// model's unimodal heads have exactly zero gradient, and the reported total equals the
// regression term.
//
// Where the state lives and when it changes. The model keeps, per training clip id (batch.ids),
// the generated labels y_t, y_a, y_v, a visit count n and the last training-forward
// representations F^g_m, F^g_t, F^g_a, F^g_v (UnimodalLabelMemory: host typed arrays; one device
// read per step). losses() only READS it (an unknown id starts at y_m, as the code's init_labels);
// afterStep() — called by the training step after the optimiser update with the same training
// forward — updates it in the code's order: labels from the centres of the memory BEFORE this
// step, then the clip's stored representations (the code recomputes the centres right after each
// memory write; computing them at the next step from the same memory is the same thing). Only
// the labeled rows (the first numLabeled) take part; validation and test never touch it. The
// momentum index n is the clip's visit count: with each clip visited once per epoch it is the
// code's epoch number, and it needs no epoch counter from the trainer.
//
// Differences from the reference code, and why:
//   - Text: the paper fine-tunes bert-base and takes the [CLS] state (768-d, fed to the fusion
//     as is). Here the text host is the run's, shared with MIRD (USE-lite states on the main
//     preset, frozen; a BERT host's word-embedding table on the quick preset), so an LSTM reads
//     X^L and its state at the last real token is r^t. Chosen over a masked mean because X^L is
//     non-contextual on the quick preset and frozen on the main one: the LSTM is the trainable,
//     order-aware sentence encoder that stands in for fine-tuning, and it reads the sequence as
//     the audio / visual subnetworks do. Its width (textHidden) has no reference value, and the
//     code's t_bert_dropout (BERT's internal dropout) has no counterpart.
//   - Per-group learning rates (the code: BERT 5e-5, audio 5e-3, video 5e-3, other 1e-3, each with
//     weight decay 1e-3, plain Adam) cannot be expressed by the shared trainer, which has one lr
//     for the model and hostLr for the host's table: every Self-MM variable trains at lr, with
//     the trainer's decoupled AdamW weight decay instead of Adam's L2 term.
//   - The objective is the paper's L1 throughout (no regressionLoss key: an MSE multimodal task
//     beside L1 unimodal tasks is not Self-MM).
//   - Gradient accumulation: the code sums gradients over update_epochs = 4 batches of 16 before
//     each optimiser step (labels and memory still change every batch); the shared trainer steps
//     every batch. The closest setting is batchSize 64 (mean instead of sum: a 4× smaller
//     gradient, which Adam's normalisation largely absorbs).
//   - Centres are means over the clips seen so far; the code's memory holds zero rows for clips
//     not yet seen, which pull its first-epoch centres towards 0; no label is updated in the
//     first epoch and every clip is stored by its end, so from the second epoch on the centres,
//     and hence the generated labels, are the same. A class with no clip in
//     the memory (e.g. every generated label of a modality ≥ 0) has no centre: that modality's
//     labels are left unchanged at that step (the code would write NaN).
//   - Packed sequences: the code packs audio/video by length (pack_padded_sequence); the LSTM here
//     freezes its state on padded steps, which gives the same final state; the text LSTM uses the
//     token lengths the same way, so padding never changes any prediction.
//   - Unlabeled clips (MIRD's EmoVoxCeleb) have no y_m: they never enter the losses or the memory.
//   - Resume from a checkpoint: the label memory travels in the resume checkpoint
//     (trainingState / restoreTrainingState: `state.*` arrays and the clip ids in its metadata),
//     so a resumed run continues the generated labels where the killed one left them.
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../../../nn/dense';
import { Lstm } from '../../../nn/lstm';
import { Mlp } from '../../../nn/mlp';
import { freezeConfig } from '../../../util/config';
import { deriveSeed, Rng } from '../../../util/rng';
import type { TextHost } from '../../text-host';
import { BaselineBase, resolveBaselineConfig, type BaselineDims, type BaselineInputs, type BaselineLossBatch, type BaselineLosses, type BaselineOutput, type ModelTrainingState, type RegressionLoss } from '../types';

export interface SelfMmConfig {
  /** Text LSTM units = width of r^t (no reference value: the code's r^t is BERT's 768-d [CLS]; 128, the text LSTM of the other baselines here, TFN §3.2). */
  textHidden: number;
  /** Audio LSTM units and r^a width (config_regression.json, mosi: a_lstm_hidden_size 16, audio_out 16). */
  audioLstmHidden: number;
  audioOut: number;
  /** Visual LSTM units and r^v width (mosi: v_lstm_hidden_size 32, video_out 32). */
  visualLstmHidden: number;
  visualOut: number;
  /** Dropout on each LSTM's final state before its linear map (mosi: a_lstm_dropout 0.0, v_lstm_dropout 0.0). */
  audioLstmDropout: number;
  visualLstmDropout: number;
  /** Width of each head's hidden layers = width of F*_i (mosi: post_fusion_dim 128, post_text_dim 32, post_audio_dim 16, post_video_dim 32). */
  postFusionDim: number;
  postTextDim: number;
  postAudioDim: number;
  postVisualDim: number;
  /** Dropout on each head's input (mosi: post_fusion_dropout 0.0, post_text_dropout 0.1, post_audio_dropout 0.1, post_video_dropout 0.0). */
  postFusionDropout: number;
  postTextDropout: number;
  postAudioDropout: number;
  postVisualDropout: number;
  /** H: generated labels are clipped to [−H, H] (mosi: H 3.0, the label range). */
  labelBound: number;
}

export const DEFAULT_SELF_MM_CONFIG: Readonly<SelfMmConfig> = freezeConfig({
  textHidden: 128,
  audioLstmHidden: 16,
  audioOut: 16,
  visualLstmHidden: 32,
  visualOut: 32,
  audioLstmDropout: 0,
  visualLstmDropout: 0,
  postFusionDim: 128,
  postTextDim: 32,
  postAudioDim: 16,
  postVisualDim: 32,
  postFusionDropout: 0,
  postTextDropout: 0.1,
  postAudioDropout: 0.1,
  postVisualDropout: 0,
  labelBound: 3,
});

/** The quick preset's sizes (tests, CI): the structure unchanged, every width small. */
export const QUICK_SELF_MM_OVERRIDES: Readonly<Partial<SelfMmConfig>> = freezeConfig({
  textHidden: 16, audioLstmHidden: 4, audioOut: 4, visualLstmHidden: 4, visualOut: 4, postFusionDim: 16, postTextDim: 8, postAudioDim: 4, postVisualDim: 4,
});

const RULES = {
  positiveInts: ['textHidden', 'audioLstmHidden', 'audioOut', 'visualLstmHidden', 'visualOut', 'postFusionDim', 'postTextDim', 'postAudioDim', 'postVisualDim'],
  rates: ['audioLstmDropout', 'visualLstmDropout', 'postFusionDropout', 'postTextDropout', 'postAudioDropout', 'postVisualDropout'],
  nonNegative: ['labelBound'],
};

export function resolveSelfMmConfig(overrides: Record<string, unknown> = {}, base: Readonly<SelfMmConfig> = DEFAULT_SELF_MM_CONFIG): SelfMmConfig {
  const c = resolveBaselineConfig('self-mm config', DEFAULT_SELF_MM_CONFIG, overrides, RULES, base);
  if (!(c.labelBound > 0)) throw new Error(`self-mm config: labelBound must be a positive number, got ${JSON.stringify(c.labelBound)}`);
  return c;
}

/** The four tasks in the order of the memory's rows: m (fusion), t, a, v. */
export const SELF_MM_TASKS = ['fusion', 'text', 'audio', 'visual'] as const;
export type SelfMmTask = (typeof SELF_MM_TASKS)[number];
/** The unimodal tasks, in the column order of the `unimodalYHat` latent [B, 3]. */
export const SELF_MM_UNIMODAL = ['text', 'audio', 'visual'] as const;
type Unimodal = (typeof SELF_MM_UNIMODAL)[number];

/** ε of α = (D^n − D^p)/(D^p + ε) and of α_s/(α_m + ε) (the code's MIN = 1e-8). */
export const ULGM_EPSILON = 1e-8;

/** The ULGM memory as plain arrays (what a checkpoint would carry). */
export interface SelfMmLabelState {
  ids: string[];
  /** y_m per clip */
  multimodal: number[];
  /** [y_t, y_a, y_v] per clip, flattened */
  unimodal: number[];
  visits: number[];
  /** per task, F^g row-major [clips, dim] */
  features: Record<SelfMmTask, number[]>;
  featureDims: Record<SelfMmTask, number>;
}

/** Class centres of one task: C^p, C^n, or null where a class has no clip. */
export interface ClassCentres {
  positive: Float32Array | null;
  negative: Float32Array | null;
}

/** α = (D^n − D^p)/(D^p + ε) of one representation f against a task's centres. */
export function relativeDistance(f: ArrayLike<number>, offset: number, dim: number, centres: { positive: Float32Array; negative: Float32Array }): number {
  let dp = 0;
  let dn = 0;
  for (let k = 0; k < dim; k++) {
    const x = f[offset + k] as number;
    dp += (x - (centres.positive[k] as number)) ** 2;
    dn += (x - (centres.negative[k] as number)) ** 2;
  }
  dp = Math.sqrt(dp);
  dn = Math.sqrt(dn);
  return (dn - dp) / (dp + ULGM_EPSILON);
}

/** y_s = y_m + (α_s − α_m)/2 · (y_m/α_m + 1), written as the code evaluates it, clipped to [−H, H]. */
export function generatedLabel(yM: number, alphaS: number, alphaM: number, bound: number): number {
  const y = 0.5 * (alphaS / (alphaM + ULGM_EPSILON)) * yM + 0.5 * (yM + alphaS - alphaM);
  return Math.min(bound, Math.max(-bound, y));
}

/** y_s^(n) = (n−1)/(n+1) · y_s^(n−1) + 2/(n+1) · y_s^n. */
export function momentumLabel(previous: number, fresh: number, n: number): number {
  return ((n - 1) / (n + 1)) * previous + (2 / (n + 1)) * fresh;
}

/**
 * The ULGM's per-clip state on the host: y_m, the generated y_t, y_a, y_v, the visit count and the
 * last stored representation of each task, one slot per training clip id (grown as ids appear).
 */
export class UnimodalLabelMemory {
  private readonly slots = new Map<string, number>();
  private ids: string[] = [];
  private capacity = 0;
  private multimodal = new Float32Array(0); // [N]
  private unimodal = new Float32Array(0); // [N, 3]
  private visits = new Int32Array(0); // [N]
  private features: Record<SelfMmTask, Float32Array>; // [N, d_i] each

  constructor(readonly featureDims: Readonly<Record<SelfMmTask, number>>, readonly labelBound: number) {
    this.features = { fusion: new Float32Array(0), text: new Float32Array(0), audio: new Float32Array(0), visual: new Float32Array(0) };
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  /** y_s of a known clip, undefined for an unknown one (it starts at y_m). */
  label(id: string, task: Unimodal): number | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : (this.unimodal[slot * 3 + SELF_MM_UNIMODAL.indexOf(task)] as number);
  }

  visitCount(id: string): number {
    const slot = this.slots.get(id);
    return slot === undefined ? 0 : (this.visits[slot] as number);
  }

  /** Targets [n, 3] (y_t, y_a, y_v) and known [n] (1: a stored label, 0: unknown, the caller uses y_m). */
  targetsOf(ids: readonly string[]): { targets: Float32Array; known: Float32Array } {
    const targets = new Float32Array(ids.length * 3);
    const known = new Float32Array(ids.length);
    ids.forEach((id, r) => {
      const slot = this.slots.get(id);
      if (slot === undefined) return;
      known[r] = 1;
      targets.set(this.unimodal.subarray(slot * 3, slot * 3 + 3), r * 3);
    });
    return { targets, known };
  }

  /** C_i^p and C_i^n over the stored clips, by the sign of the task's current labels (0 in neither class). */
  centres(task: SelfMmTask): ClassCentres {
    const d = this.featureDims[task];
    const f = this.features[task];
    const pos = new Float64Array(d);
    const neg = new Float64Array(d);
    let np = 0;
    let nn = 0;
    const col = task === 'fusion' ? -1 : SELF_MM_UNIMODAL.indexOf(task);
    for (let j = 0; j < this.ids.length; j++) {
      const y = col < 0 ? (this.multimodal[j] as number) : (this.unimodal[j * 3 + col] as number);
      if (y === 0) continue;
      const acc = y > 0 ? pos : neg;
      for (let k = 0; k < d; k++) acc[k] = (acc[k] as number) + (f[j * d + k] as number);
      if (y > 0) np += 1;
      else nn += 1;
    }
    const mean = (s: Float64Array, n: number): Float32Array | null => (n === 0 ? null : Float32Array.from(s, (x) => x / n));
    return { positive: mean(pos, np), negative: mean(neg, nn) };
  }

  /**
   * One training step's update of the labeled rows: `yM` [n], `features[task]` [n, d_task]
   * row-major. Labels first (a clip's second and later visits, from the centres of the memory
   * before this step), then the stored representations.
   */
  update(ids: readonly string[], yM: ArrayLike<number>, features: Readonly<Record<SelfMmTask, ArrayLike<number>>>): void {
    const n = ids.length;
    if (yM.length !== n) throw new Error(`UnimodalLabelMemory.update: ${yM.length} labels for ${n} ids`);
    for (const t of SELF_MM_TASKS) {
      if (features[t].length !== n * this.featureDims[t]) throw new Error(`UnimodalLabelMemory.update: features.${t} has ${features[t].length} values, expected ${n} × ${this.featureDims[t]}`);
    }
    if (new Set(ids).size !== n) throw new Error('UnimodalLabelMemory.update: a clip id occurs twice in one batch');
    const revisit = ids.some((id) => this.slots.has(id));
    const centres = revisit ? Object.fromEntries(SELF_MM_TASKS.map((t) => [t, this.centres(t)])) as Record<SelfMmTask, ClassCentres> : null;
    const slots = ids.map((id, r) => this.slotFor(id, yM[r] as number));
    slots.forEach((slot, r) => {
      const visits = (this.visits[slot] as number) + 1;
      this.visits[slot] = visits;
      const cm = centres?.fusion;
      if (visits < 2 || cm === undefined || cm.positive === null || cm.negative === null) return;
      const y = this.multimodal[slot] as number;
      const alphaM = relativeDistance(features.fusion, r * this.featureDims.fusion, this.featureDims.fusion, { positive: cm.positive, negative: cm.negative });
      SELF_MM_UNIMODAL.forEach((task, col) => {
        const cs = (centres as Record<SelfMmTask, ClassCentres>)[task];
        if (cs.positive === null || cs.negative === null) return;
        const d = this.featureDims[task];
        const alphaS = relativeDistance(features[task], r * d, d, { positive: cs.positive, negative: cs.negative });
        const i = slot * 3 + col;
        this.unimodal[i] = momentumLabel(this.unimodal[i] as number, generatedLabel(y, alphaS, alphaM, this.labelBound), visits);
      });
    });
    slots.forEach((slot, r) => {
      for (const t of SELF_MM_TASKS) {
        const d = this.featureDims[t];
        const src = features[t];
        const dst = this.features[t];
        for (let k = 0; k < d; k++) dst[slot * d + k] = src[r * d + k] as number;
      }
    });
  }

  exportState(): SelfMmLabelState {
    const n = this.ids.length;
    return {
      ids: [...this.ids],
      multimodal: Array.from(this.multimodal.subarray(0, n)),
      unimodal: Array.from(this.unimodal.subarray(0, n * 3)),
      visits: Array.from(this.visits.subarray(0, n)),
      features: Object.fromEntries(SELF_MM_TASKS.map((t) => [t, Array.from(this.features[t].subarray(0, n * this.featureDims[t]))])) as Record<SelfMmTask, number[]>,
      featureDims: { ...this.featureDims },
    };
  }

  importState(s: SelfMmLabelState): void {
    const n = s.ids.length;
    for (const t of SELF_MM_TASKS) {
      if (s.featureDims[t] !== this.featureDims[t]) throw new Error(`UnimodalLabelMemory.importState: featureDims.${t} is ${s.featureDims[t]}, the model's is ${this.featureDims[t]}`);
      if (s.features[t].length !== n * this.featureDims[t]) throw new Error(`UnimodalLabelMemory.importState: features.${t} has ${s.features[t].length} values, expected ${n} × ${this.featureDims[t]}`);
    }
    if (s.multimodal.length !== n || s.unimodal.length !== 3 * n || s.visits.length !== n) throw new Error(`UnimodalLabelMemory.importState: multimodal, unimodal, visits must hold ${n}, ${3 * n}, ${n} values`);
    this.slots.clear();
    this.ids = [];
    this.capacity = 0;
    this.grow(n);
    s.ids.forEach((id, j) => {
      this.slots.set(id, j);
      this.ids.push(id);
    });
    this.multimodal.set(s.multimodal);
    this.unimodal.set(s.unimodal);
    this.visits.set(s.visits);
    for (const t of SELF_MM_TASKS) this.features[t].set(s.features[t]);
  }

  private slotFor(id: string, yM: number): number {
    const known = this.slots.get(id);
    if (known !== undefined) return known;
    const slot = this.ids.length;
    if (slot >= this.capacity) this.grow(Math.max(64, 2 * this.capacity));
    this.slots.set(id, slot);
    this.ids.push(id);
    this.multimodal[slot] = yM;
    this.unimodal.fill(yM, slot * 3, slot * 3 + 3); // y_s^(1) = y_m (the code's init_labels)
    this.visits[slot] = 0;
    return slot;
  }

  private grow(capacity: number): void {
    const copy = <A extends Float32Array | Int32Array>(old: A, make: (n: number) => A, width: number): A => {
      const a = make(capacity * width);
      a.set(old.subarray(0, Math.min(old.length, capacity * width)));
      return a;
    };
    this.multimodal = copy(this.multimodal, (k) => new Float32Array(k), 1);
    this.unimodal = copy(this.unimodal, (k) => new Float32Array(k), 3);
    this.visits = copy(this.visits, (k) => new Int32Array(k), 1);
    for (const t of SELF_MM_TASKS) this.features[t] = copy(this.features[t], (k) => new Float32Array(k), this.featureDims[t]);
    this.capacity = capacity;
  }
}

/** One head: F*_s = ReLU(W_1 Dropout(r) + b) (the representation the ULGM reads), then ŷ_s = W_3 ReLU(W_2 F*_s + b) + b. */
class TaskHead {
  readonly feature: Mlp; // r → F* (ReLU), input dropout
  readonly out: Mlp; // F* → d (ReLU) → 1 (linear)

  constructor(name: string, inDim: number, dim: number, dropout: number, rng: Rng) {
    this.feature = new Mlp(`${name}/feature`, [inDim, dim], rng, { inputDropout: dropout });
    this.out = new Mlp(`${name}/out`, [dim, dim, 1], rng, { lastActivation: false });
  }

  /** r [B, in] → F* [B, d] and ŷ [B, 1] */
  apply(r: tf.Tensor2D, training: boolean, seed: number): { feature: tf.Tensor2D; yHat: tf.Tensor2D } {
    const feature = this.feature.apply(r, training, seed); // [B, d]
    return { feature, yHat: this.out.apply(feature, training, 0) }; // [B, 1]
  }

  variables(): tf.Variable[] {
    return [...this.feature.variables(), ...this.out.variables()];
  }

  dispose(): void {
    this.feature.dispose();
    this.out.dispose();
  }
}

export class SelfMmModel extends BaselineBase {
  readonly config: SelfMmConfig;
  readonly textLstm: Lstm;
  readonly audioLstm: Lstm;
  readonly audioFc: Dense;
  readonly visualLstm: Lstm;
  readonly visualFc: Dense;
  readonly fusionHead: TaskHead;
  readonly textHead: TaskHead;
  readonly audioHead: TaskHead;
  readonly visualHead: TaskHead;
  /** the ULGM's per-clip state (changed only by afterStep) */
  readonly labelMemory: UnimodalLabelMemory;

  constructor(config: SelfMmConfig, dims: BaselineDims, host: TextHost, seed: number) {
    super('self-mm', dims, host, seed);
    this.config = resolveSelfMmConfig(config as unknown as Record<string, unknown>);
    const c = this.config;
    const rng = new Rng(deriveSeed(seed, 'self-mm/init'));
    this.textLstm = new Lstm('selfMm/textSubnet/lstm', dims.textWidth, c.textHidden, rng);
    this.audioLstm = new Lstm('selfMm/audioSubnet/lstm', dims.audioDim, c.audioLstmHidden, rng);
    this.audioFc = new Dense('selfMm/audioSubnet/fc', c.audioLstmHidden, c.audioOut, rng);
    this.visualLstm = new Lstm('selfMm/visualSubnet/lstm', dims.visualDim, c.visualLstmHidden, rng);
    this.visualFc = new Dense('selfMm/visualSubnet/fc', c.visualLstmHidden, c.visualOut, rng);
    this.fusionHead = new TaskHead('selfMm/fusionHead', c.textHidden + c.audioOut + c.visualOut, c.postFusionDim, c.postFusionDropout, rng);
    this.textHead = new TaskHead('selfMm/textHead', c.textHidden, c.postTextDim, c.postTextDropout, rng);
    this.audioHead = new TaskHead('selfMm/audioHead', c.audioOut, c.postAudioDim, c.postAudioDropout, rng);
    this.visualHead = new TaskHead('selfMm/visualHead', c.visualOut, c.postVisualDim, c.postVisualDropout, rng);
    this.labelMemory = new UnimodalLabelMemory({ fusion: c.postFusionDim, text: c.postTextDim, audio: c.postAudioDim, visual: c.postVisualDim }, c.labelBound);
  }

  /**
   * ŷ = ŷ_m. Latents: r^t, r^a, r^v (text, audio, visual), the ULGM's representations F*_i
   * (fusionFeature, textFeature, audioFeature, visualFeature) and unimodalYHat [B, 3] = [ŷ_t, ŷ_a, ŷ_v].
   */
  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput {
    this.checkInputs(x);
    // six dropout seeds in a fixed order: audio / visual LSTM state, fusion / text / audio / visual head input
    const [sa, sv, sfm, sft, sfa, sfv] = Array.from({ length: 6 }, () => this.dropoutRng.seed()) as [number, number, number, number, number, number];
    const c = this.config;
    const training = options.training;
    const lengths = x.hostLengths;
    return tf.tidy(() => {
      const drop = (h: tf.Tensor2D, rate: number, seed: number): tf.Tensor2D => (training && rate > 0 ? (tf.dropout(h, rate, undefined, seed) as tf.Tensor2D) : h);
      const text = this.textLstm.run(this.text.apply(x), x.textMask, lengths?.text).h; // r^t [B, h_t]
      const audioState = this.audioLstm.run(x.audio, x.audioMask, lengths?.audio).h; // [B, h_a]
      const audio = this.audioFc.apply(drop(audioState, c.audioLstmDropout, sa)) as tf.Tensor2D; // r^a [B, a_out]
      const visualState = this.visualLstm.run(x.visual, x.visualMask, lengths?.visual).h; // [B, h_v]
      const visual = this.visualFc.apply(drop(visualState, c.visualLstmDropout, sv)) as tf.Tensor2D; // r^v [B, v_out]
      const m = this.fusionHead.apply(tf.concat([text, audio, visual], 1) as tf.Tensor2D, training, sfm); // F*_m [B, P_m], ŷ_m [B, 1]
      const t = this.textHead.apply(text, training, sft); // F*_t [B, P_t]
      const a = this.audioHead.apply(audio, training, sfa); // F*_a [B, P_a]
      const v = this.visualHead.apply(visual, training, sfv); // F*_v [B, P_v]
      const out: BaselineOutput = {
        yHat: tf.squeeze(m.yHat, [1]) as tf.Tensor1D, // [B]
        latents: {
          text, audio, visual,
          fusionFeature: m.feature, textFeature: t.feature, audioFeature: a.feature, visualFeature: v.feature,
          unimodalYHat: tf.concat([t.yHat, a.yHat, v.yHat], 1) as tf.Tensor2D, // [B, 3]
        },
      };
      return out as unknown as tf.TensorContainer;
    }) as unknown as BaselineOutput;
  }

  /**
   * L = L_m + L_t + L_a + L_v over the labeled rows (eq. 10). Terms: regression = L_m =
   * mean |ŷ_m − y_m| (the same quantity as the other baselines' regression term), and
   * text / audio / visual = mean w_s |ŷ_s − y_s| with y_s from the label memory (y_m for an unknown id).
   */
  losses(out: BaselineOutput, batch: BaselineLossBatch): BaselineLosses {
    const n = batch.numLabeled;
    if (n <= 0) throw new Error('self-mm loss: a batch without labeled clips has no regression loss');
    const uni = out.latents.unimodalYHat;
    if (uni === undefined || uni.shape[1] !== 3) throw new Error('self-mm loss: the forward has no unimodalYHat latent [B, 3]');
    const { targets, known } = this.labelMemory.targetsOf(batch.ids.slice(0, n));
    return tf.tidy(() => {
      const yM = tf.slice(batch.labels, [0], [n]); // [N]
      const regression = tf.mean(tf.abs(tf.sub(tf.slice(out.yHat, [0], [n]), yM))) as tf.Scalar;
      const yMCol = tf.expandDims(yM, 1); // [N, 1]
      const isKnown = tf.tensor2d(known, [n, 1]); // [N, 1]
      const ys = tf.add(tf.mul(isKnown, tf.tensor2d(targets, [n, 3])), tf.mul(tf.sub(1, isKnown), yMCol)); // y_s [N, 3]: unknown ids start at y_m
      const w = tf.tanh(tf.abs(tf.sub(ys, yMCol))); // w_s = tanh(|y_s − y_m|) [N, 3]
      const per = tf.mean(tf.mul(w, tf.abs(tf.sub(tf.slice(uni, [0, 0], [n, 3]), ys))), 0); // [3]
      const [text, audio, visual] = tf.unstack(per) as [tf.Scalar, tf.Scalar, tf.Scalar];
      const total = tf.addN([regression, text, audio, visual]) as tf.Scalar;
      return { terms: { regression, text, audio, visual }, total } as unknown as tf.TensorContainer;
    }) as unknown as BaselineLosses;
  }

  /** The ULGM update of the labeled rows after the optimiser step: one read of F*_m, F*_t, F*_a, F*_v and y_m. */
  afterStep(out: BaselineOutput, batch: BaselineLossBatch): void {
    const n = batch.numLabeled;
    if (n <= 0) return;
    const dims = this.labelMemory.featureDims;
    const names = { fusion: 'fusionFeature', text: 'textFeature', audio: 'audioFeature', visual: 'visualFeature' } as const;
    const packed = tf.tidy(() => tf.concat([
      ...SELF_MM_TASKS.map((t) => {
        const f = out.latents[names[t]];
        if (f === undefined || f.shape[1] !== dims[t]) throw new Error(`self-mm afterStep: the forward has no ${names[t]} latent [B, ${dims[t]}]`);
        return tf.slice(f, [0, 0], [n, dims[t]]);
      }),
      tf.reshape(tf.slice(batch.labels, [0], [n]), [n, 1]),
    ], 1)); // [N, Σd + 1]
    const host = packed.dataSync() as Float32Array; // the one host read of the step
    packed.dispose();
    const width = SELF_MM_TASKS.reduce((s, t) => s + dims[t], 0) + 1;
    const features = Object.fromEntries(SELF_MM_TASKS.map((t) => [t, new Float32Array(n * dims[t])])) as Record<SelfMmTask, Float32Array>;
    const yM = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      let o = r * width;
      for (const t of SELF_MM_TASKS) {
        features[t].set(host.subarray(o, o + dims[t]), r * dims[t]);
        o += dims[t];
      }
      yM[r] = host[o] as number;
    }
    this.labelMemory.update(batch.ids.slice(0, n), yM, features);
  }

  /** The ULGM memory as plain arrays (the shared checkpoint does not save it; see the header). */
  exportLabelState(): SelfMmLabelState {
    return this.labelMemory.exportState();
  }

  importLabelState(state: SelfMmLabelState): void {
    this.labelMemory.importState(state);
  }

  /** The label memory for the resume checkpoint: ids in the metadata, every number as an array. */
  trainingState(): ModelTrainingState {
    const s = this.exportLabelState();
    const n = s.ids.length;
    const arrays: ModelTrainingState['arrays'] = {
      multimodal: { shape: [n], data: Float32Array.from(s.multimodal) },
      unimodal: { shape: [n, 3], data: Float32Array.from(s.unimodal) },
      visits: { shape: [n], data: Float32Array.from(s.visits) },
    };
    for (const t of SELF_MM_TASKS) arrays[`features.${t}`] = { shape: [n, s.featureDims[t]], data: Float32Array.from(s.features[t]) };
    return { arrays, meta: { ids: s.ids, featureDims: s.featureDims } };
  }

  restoreTrainingState(state: ModelTrainingState): void {
    const ids = state.meta.ids as string[];
    const featureDims = state.meta.featureDims as Record<SelfMmTask, number>;
    const arr = (name: string): number[] => {
      const a = state.arrays[name];
      if (a === undefined) throw new Error(`self-mm: the checkpoint's training state has no array ${name}`);
      return Array.from(a.data);
    };
    this.importLabelState({
      ids, featureDims, multimodal: arr('multimodal'), unimodal: arr('unimodal'), visits: arr('visits'),
      features: Object.fromEntries(SELF_MM_TASKS.map((t) => [t, arr(`features.${t}`)])) as Record<SelfMmTask, number[]>,
    });
  }

  protected regressionLoss(): RegressionLoss {
    return 'l1';
  }

  variables(): tf.Variable[] {
    return [
      ...this.textLstm.variables(), ...this.audioLstm.variables(), ...this.audioFc.variables(), ...this.visualLstm.variables(), ...this.visualFc.variables(),
      ...this.fusionHead.variables(), ...this.textHead.variables(), ...this.audioHead.variables(), ...this.visualHead.variables(),
    ];
  }

  protected disposeOwn(): void {
    for (const m of [this.textLstm, this.audioLstm, this.audioFc, this.visualLstm, this.visualFc, this.fusionHead, this.textHead, this.audioHead, this.visualHead]) m.dispose();
  }
}

/** Trainable parameters by module (host table excluded), the hand count efficiency.ts and the tests share. */
export function selfMmParams(c: SelfMmConfig, dims: BaselineDims): Record<'textSubnet' | 'audioSubnet' | 'visualSubnet' | 'fusionHead' | 'textHead' | 'audioHead' | 'visualHead', number> {
  const fc = (i: number, o: number): number => i * o + o;
  const lstm = (i: number, h: number): number => (i + h + 1) * 4 * h;
  const head = (i: number, d: number): number => fc(i, d) + fc(d, d) + fc(d, 1);
  return {
    textSubnet: lstm(dims.textWidth, c.textHidden),
    audioSubnet: lstm(dims.audioDim, c.audioLstmHidden) + fc(c.audioLstmHidden, c.audioOut),
    visualSubnet: lstm(dims.visualDim, c.visualLstmHidden) + fc(c.visualLstmHidden, c.visualOut),
    fusionHead: head(c.textHidden + c.audioOut + c.visualOut, c.postFusionDim),
    textHead: head(c.textHidden, c.postTextDim),
    audioHead: head(c.audioOut, c.postAudioDim),
    visualHead: head(c.visualOut, c.postVisualDim),
  };
}
