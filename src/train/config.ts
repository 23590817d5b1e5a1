// The training configuration of MIRD (paper §3.4 and Algorithm 1): one typed, serialisable
// object with frozen defaults, like ModelConfig. Unknown keys and bad values are errors that
// name the key. Where the paper, the authors' code (qianfan1996/MIRD) and this workspace
// differ, the comment names each.
import { ESTIMATOR_KINDS, parseEstimatorSpec } from '../mi/factory';
import { freezeConfig } from '../util/config';

/** The nine mutual-information terms of eq. 20: six between latents, three between z^S and an input X^m. */
export const MI_PAIRS = [
  'text-audio', 'text-visual', 'audio-visual',
  'shared-text', 'shared-audio', 'shared-visual',
  'shared-inputText', 'shared-inputAudio', 'shared-inputVisual',
] as const;
export type MiPair = (typeof MI_PAIRS)[number];

const CONSTRAINTS = ['mim', 'oc', 'nc', 'hsic', 'xcorr', 'cca'] as const;
/**
 * mim: CLUB upper bounds (eq. 20); oc: orthogonality ‖Z^m Z^Sᵀ‖²_F (eq. 9); nc: no constraint;
 * hsic: the kernel independence criterion HSIC between the latents of the active latent pairs
 * (src/mi/hsic.ts; not in the paper: a dependence penalty that needs no fitted estimator);
 * xcorr: the mean squared cross-correlation between the coordinates of the latents of the active
 * latent pairs (src/mi/xcorr.ts; not in the paper: linear decorrelation across clips); cca: the
 * same on whitened latents, i.e. the squared canonical correlations (src/mi/xcorr.ts; not in the
 * paper: no linear map of a latent can hide a dependence from it).
 */
export type Constraint = (typeof CONSTRAINTS)[number];
const LOSS_FORMS = ['log', 'linear'] as const;
const UNLABELED_USES = ['both', 'recon', 'mim'] as const;
/** What the unlabeled clips of a batch feed (paper §5.3; splitRate 0 is the fourth way, none). */
export type UnlabeledUse = (typeof UNLABELED_USES)[number];
/** log: eqs. 18–19 take the log of each task loss (the paper); linear: plain sum (for comparison). */
export type LossForm = (typeof LOSS_FORMS)[number];
const SELECT_BY = ['mae', 'acc2_non0', 'corr'] as const;
export type SelectBy = (typeof SELECT_BY)[number];

export interface TrainConfig {
  // ---- batches and epochs
  /** Labeled clips per batch (paper 32; the authors' script 48). */
  batchSize: number;
  /** Unlabeled clips per labeled clip in every batch (0 = MIRD1; the authors' script 2). */
  splitRate: number;
  /**
   * What the unlabeled clips feed (paper §5.3, Table 6): 'both' reconstruction (eq. 19) and the
   * constraint (eq. 20 / eq. 9; the default, the paper's MIRD2), 'recon' reconstruction only,
   * 'mim' the constraint only. The other terms then read the labeled clips alone. Never eq. 18.
   */
  unlabeledUse: UnlabeledUse;
  /** Upper bound on epochs (paper 100). */
  maxEpochs: number;
  /** Stop after this many epochs without a better valid score (0: never stop early). */
  patience: number;
  /** Valid metric that selects the checkpoint (never test; the authors' code selects on test MSE). */
  selectBy: SelectBy;
  /** Clips per forward when predicting valid/test. */
  evalBatchSize: number;

  /**
   * Feed the audio / visual features (false: every clip's sequence is hidden — no frames — in
   * training and evaluation, and the modality's reconstruction and MI terms are dropped). For
   * features that carry a train-side label leak, such as the 3D-CNN visual vectors of the
   * utterance MOSI data (src/train/presets.ts, data/README.md).
   */
  audioInput: boolean;
  visualInput: boolean;
  /**
   * Start ŷ as the text checkpoint's sentiment head on the shared path, when it has one (the
   * USE-lite MOSEI stage, a BERT checkpoint's classifier.*): z^S_0 = +head(pool), z^S_1 = −head(pool),
   * the regressor's first two hidden units pass them and its output reads relu(z^S_0) − relu(z^S_1);
   * every other output weight starts at 0. The same transfer the text-only recipe makes
   * (its head starts from the MOSEI stage's), so MIRD starts where the host alone starts.
   */
  initFromHostHead: boolean;

  // ---- model optimiser: AdamW, decoupled weight decay, linear warm-up then linear decay
  /** Learning rate of every model parameter outside the text host (paper 1e-5 for all). */
  lr: number;
  /** Learning rate of the text host (the shared BERT or the USE-lite upper layers). */
  hostLr: number;
  /** AdamW decay λ (authors 0.01); never applied to biases and LayerNorm (1-D parameters). */
  weightDecay: number;
  /** Linear warm-up over this fraction of all steps, then linear decay to 0 at the last step (authors: 0.1, with the arguments swapped). */
  warmupFraction: number;
  /** Clip the global gradient norm of the model step to this value; 0 turns clipping off (authors: none). */
  gradClip: number;
  /**
   * Polyak averaging (not in the paper; 0 = off): after every model step an exponential moving
   * average of the model's weights moves, ē ← d·ē + (1 − d)·w (ē starts as the initial weights), and
   * the average, not the raw weights, is what valid scores, selection picks, best.safetensors holds
   * and test scores. Training itself follows the raw weights. d = 0.95 averages over about the last
   * 20 steps.
   */
  emaDecay: number;
  /**
   * Video context at prediction time (src/eval/video-context.ts; not in the paper; 0 = off): each
   * predicted clip's ŷ becomes ŷ + w·(mean ŷ of the other clips of its video in the same split).
   * Label-free; applied to valid (so selection sees it), test and mird predict alike.
   * Needs clips with video ids (MOSI, MOSEI).
   */
  videoContext: number;

  // ---- objective (eq. 21)
  lossForm: LossForm;
  /** eq. 19 terms: which reconstructions enter the loss (ablation "−reconstruction": all false). */
  reconText: boolean;
  reconAudio: boolean;
  reconVisual: boolean;
  constraint: Constraint;
  /** α, the weight of the MIM (or OC, HSIC) term (authors: 1). */
  alpha: number;
  /** The MI terms that enter eq. 20 and get an estimator (ablation "−MIM(X^m, z^S)": drop the input pairs); with hsic, xcorr or cca, its latent pairs. */
  miPairs: MiPair[];
  /**
   * Minimise max(Î, 0) per pair instead of Î. An upper-bound estimate below 0 only says the
   * estimator is mis-fit (MI ≥ 0); minimising it further drives the latents to where q fits worst
   * instead of reducing dependence. The raw estimates are logged either way. (The authors' code
   * does not clamp.)
   */
  clampMi: boolean;
  /**
   * Hold z^S fixed in the constraint's pairs with z^S (its gradient there is stopped): MIM, OC or
   * HSIC can then lower the dependence between z^S and z^m only by moving z^m, not by emptying z^S
   * (which the regressor reads). Not in the paper (false: both sides move, as the authors' code).
   */
  detachSharedInConstraint: boolean;
  /**
   * Diagnostic, not in the paper: z^S is each clip's true shared factor s (zero-padded to the
   * latent width) instead of the shared encoder's output — a perfect shared latent, given as
   * data. It asks whether the constraint can clear s from the private latents once z^S holds s
   * and only s. Only on sources whose clips keep their factors (the synthetic benchmark).
   */
  oracleShared: boolean;
  /**
   * Weight of the whitening penalty Σ_z ‖Cov_batch(z) − I‖²_F / d² over z^L, z^A, z^V and z^S (not
   * the oracle z^S), added to eq. 21 (src/mi/xcorr.ts; not in the paper; 0 = off). It pushes each
   * latent toward identity covariance, so no direction is left small enough for a per-coordinate
   * dependence measure to miss; measured beside xcorr, it moved the latents slowly
   * (results/disentanglement.md), which is why cca whitens inside the measure instead. Needs
   * batches larger than latentDim.
   */
  whitening: number;

  // ---- estimators (eq. 22)
  /** Estimator of every pair, `KIND-hN` (src/mi/factory.ts; paper: CLUB with hidden 32). */
  estimator: string;
  /** Adam learning rate of the estimators (paper 1e-3). */
  estimatorLr: number;
  /** T′: estimator steps per model step (paper 5). */
  estimatorSteps: number;
}

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = freezeConfig({
  batchSize: 32,
  splitRate: 0,
  unlabeledUse: 'both',
  maxEpochs: 100,
  patience: 10,
  selectBy: 'mae',
  evalBatchSize: 64,
  audioInput: true,
  visualInput: true,
  initFromHostHead: false,
  lr: 1e-5,
  hostLr: 1e-5,
  weightDecay: 0.01,
  warmupFraction: 0.1,
  gradClip: 0,
  emaDecay: 0,
  videoContext: 0,
  lossForm: 'log',
  reconText: true,
  reconAudio: true,
  reconVisual: true,
  constraint: 'mim',
  alpha: 1,
  miPairs: [...MI_PAIRS],
  clampMi: false,
  detachSharedInConstraint: false,
  oracleShared: false,
  whitening: 0,
  estimator: 'CLUB-h32',
  estimatorLr: 1e-3,
  estimatorSteps: 5,
});

export type TrainConfigOverrides = Partial<TrainConfig>;

const POSITIVE_INTS: Array<keyof TrainConfig> = ['batchSize', 'maxEpochs', 'evalBatchSize'];
const NON_NEGATIVE_INTS: Array<keyof TrainConfig> = ['patience', 'estimatorSteps'];
const POSITIVE_NUMBERS: Array<keyof TrainConfig> = ['lr', 'hostLr', 'estimatorLr'];
const NON_NEGATIVE_NUMBERS: Array<keyof TrainConfig> = ['splitRate', 'weightDecay', 'gradClip', 'alpha', 'whitening'];
const BOOLEANS: Array<keyof TrainConfig> = ['reconText', 'reconAudio', 'reconVisual', 'audioInput', 'visualInput', 'initFromHostHead', 'clampMi', 'detachSharedInConstraint', 'oracleShared'];
const ENUMS: Partial<Record<keyof TrainConfig, readonly string[]>> = { selectBy: SELECT_BY, lossForm: LOSS_FORMS, constraint: CONSTRAINTS, unlabeledUse: UNLABELED_USES };

/** Throws one error naming the first bad field. */
export function validateTrainConfig(c: TrainConfig): void {
  const rec = c as unknown as Record<string, unknown>;
  const fail = (key: string, want: string): never => {
    throw new Error(`train config: ${key} must be ${want}, got ${JSON.stringify(rec[key])}`);
  };
  for (const k of POSITIVE_INTS) if (!(Number.isInteger(rec[k]) && (rec[k] as number) > 0)) fail(k, 'a positive integer');
  for (const k of NON_NEGATIVE_INTS) if (!(Number.isInteger(rec[k]) && (rec[k] as number) >= 0)) fail(k, 'a non-negative integer');
  for (const k of POSITIVE_NUMBERS) if (!(typeof rec[k] === 'number' && Number.isFinite(rec[k]) && (rec[k] as number) > 0)) fail(k, 'a positive number');
  for (const k of NON_NEGATIVE_NUMBERS) if (!(typeof rec[k] === 'number' && Number.isFinite(rec[k]) && (rec[k] as number) >= 0)) fail(k, 'a non-negative number');
  for (const k of BOOLEANS) if (typeof rec[k] !== 'boolean') fail(k, 'true or false');
  for (const [k, allowed] of Object.entries(ENUMS)) if (!allowed.includes(rec[k] as string)) fail(k, `one of ${allowed.join(' | ')}`);
  if (!(c.warmupFraction >= 0 && c.warmupFraction < 1)) fail('warmupFraction', 'in [0, 1)');
  if (!(typeof c.emaDecay === 'number' && c.emaDecay >= 0 && c.emaDecay < 1)) fail('emaDecay', 'in [0, 1) (0: off)');
  if (!(typeof c.videoContext === 'number' && c.videoContext >= 0 && c.videoContext <= 1)) fail('videoContext', 'in [0, 1] (0: off)');
  if (!Array.isArray(c.miPairs) || c.miPairs.some((p) => !(MI_PAIRS as readonly string[]).includes(p))) fail('miPairs', `a list of ${MI_PAIRS.join(', ')}`);
  if (new Set(c.miPairs).size !== c.miPairs.length) fail('miPairs', 'a list without repeats');
  if (typeof c.estimator !== 'string') fail('estimator', 'KIND-hN, e.g. CLUB-h32');
  try {
    parseEstimatorSpec(c.estimator);
  } catch {
    fail('estimator', `KIND-hN with KIND one of ${ESTIMATOR_KINDS.join(', ')}, e.g. CLUB-h32`);
  }
  if (c.constraint === 'mim' && c.miPairs.length > 0 && c.estimatorSteps === 0) fail('estimatorSteps', '≥ 1 when constraint is mim (the estimators must be fitted)');
}

/** Defaults (or a base config) plus overrides; unknown keys name the valid ones. */
export function resolveTrainConfig(overrides: TrainConfigOverrides = {}, base: Readonly<TrainConfig> = DEFAULT_TRAIN_CONFIG): TrainConfig {
  const known = Object.keys(DEFAULT_TRAIN_CONFIG);
  for (const key of Object.keys(overrides)) {
    if (!known.includes(key)) throw new Error(`train config: unknown key "${key}" (known: ${known.join(', ')})`);
  }
  const merged: TrainConfig = { ...base, ...overrides, miPairs: [...(overrides.miPairs ?? base.miPairs)] };
  validateTrainConfig(merged);
  return merged;
}

/** Parses one `--set` value for a train key, typed by the default's type. */
export function parseTrainValue(key: keyof TrainConfig, raw: string): TrainConfig[keyof TrainConfig] {
  const def = DEFAULT_TRAIN_CONFIG[key];
  if (Array.isArray(def)) {
    if (raw === 'all') return [...MI_PAIRS];
    if (raw === 'none' || raw === '') return [];
    return raw.split(',').map((s) => s.trim()) as MiPair[];
  }
  if (typeof def === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new Error(`train config: ${key} must be true or false, got "${raw}"`);
    return raw === 'true';
  }
  if (typeof def === 'number') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`train config: ${key} must be a number, got "${raw}"`);
    return v;
  }
  return raw;
}

/** The pairs that read a modality's latent or input (e.g. 'visual': text-visual, audio-visual, shared-visual, shared-inputVisual). */
export function pairsOf(modality: 'audio' | 'visual'): MiPair[] {
  const cap = modality === 'audio' ? 'Audio' : 'Visual';
  return MI_PAIRS.filter((p) => p.split('-').some((part) => part === modality || part === `input${cap}`));
}

/** Latent and input pairs of the active MI terms, split by kind. */
export function activePairs(c: TrainConfig): { latent: MiPair[]; input: MiPair[] } {
  const pairs = c.constraint === 'mim' ? c.miPairs : [];
  return { latent: pairs.filter((p) => !p.startsWith('shared-input')), input: pairs.filter((p) => p.startsWith('shared-input')) };
}

/**
 * The training keys that apply to any system the loop trains (MIRD and the Table 1 baselines):
 * batches, epochs, selection, inputs, the AdamW schedule and clipping. The rest of TrainConfig
 * is MIRD's objective (eq. 21), its estimators and its unlabeled clips.
 */
export const GENERIC_TRAIN_KEYS = [
  'batchSize', 'maxEpochs', 'patience', 'selectBy', 'evalBatchSize', 'audioInput', 'visualInput',
  'lr', 'hostLr', 'weightDecay', 'warmupFraction', 'gradClip', 'emaDecay', 'videoContext',
] as const satisfies ReadonlyArray<keyof TrainConfig>;
export type GenericTrainKey = (typeof GENERIC_TRAIN_KEYS)[number];
export type GenericTrainConfig = Pick<TrainConfig, GenericTrainKey>;

/** The generic keys of a full config (validated as a whole first), in GENERIC_TRAIN_KEYS order. */
export function genericTrainConfig(c: TrainConfig): GenericTrainConfig {
  validateTrainConfig(c);
  const out: Record<string, unknown> = {};
  for (const k of GENERIC_TRAIN_KEYS) out[k] = c[k];
  return out as unknown as GenericTrainConfig;
}
