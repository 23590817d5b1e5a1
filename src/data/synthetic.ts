// A synthetic multimodal benchmark with KNOWN structure, for testing the model and for probing
// disentanglement later (every clip keeps its true factors).
//
// Per clip, all drawn i.i.d. N(0, I):
//   s ∈ R^{d_S} (shared), p_L ∈ R^{d_L}, p_A ∈ R^{d_A}, p_V ∈ R^{d_V} (private)
// Label:
//   y = clip( w_S·f_S(s) + w_L·f_L(p_L) + w_A·f_A(p_A) + w_V·f_V(p_V) + σ_y·ε, −3, 3 )
//   f_m(v) = u_m·v with u_m a fixed random unit vector, so f_m(v) ~ N(0, 1).
// Audio / visual sequences (unaligned, lengths T_A, T_V drawn per clip, uniform in [min, max]):
//   x^m_t = W2_m · tanh(W1_m · [s; p_m; φ(t/T_m)] + b1_m) + b2_m + σ_x·ε_t,   t = 0..T_m−1
//   φ(τ) = 2·[τ, sin 2πkτ, cos 2πkτ for k = 1..3]: the maps see where in the clip a frame is,
//   W1_m, b1_m, W2_m, b2_m fixed random (one network per modality).
// Text: n words (uniform in [min, max]) drawn i.i.d. from a fixed list of common English words,
//   P(word w) ∝ exp(β · e_w·[s; p_L] / sqrt(d_S + d_L)), e_w a fixed random vector per word, so
//   word choice carries s and p_L. Every word is one bert-base-uncased WordPiece: n words give
//   n + 2 tokens with [CLS]/[SEP].
// Randomness: the fixed maps come from deriveSeed(seed, 'synthetic:maps'); clip i of a split
// from deriveSeed(seed, 'synthetic:<split>:<i>'), so any clip (and the unlimited unlabeled pool)
// can be produced on its own, in any order, identically.
import type { Clip, ClipFactors, Dataset, Sequence, SplitName } from './types';
import type { UnlabeledPool } from './pool';
import { deriveSeed, Rng } from '../util/rng';
import { freezeConfig } from '../util/config';

export interface LabelWeights {
  shared: number;
  text: number;
  audio: number;
  visual: number;
}

export interface SyntheticConfig {
  seed: number;
  numTrain: number;
  numValid: number;
  numTest: number;
  /** unlabeled clips materialised into Dataset.unlabeled (the pool itself is unlimited) */
  numUnlabeled: number;
  sharedDim: number;
  textFactorDim: number;
  audioFactorDim: number;
  visualFactorDim: number;
  audioDim: number;
  visualDim: number;
  minAudioLength: number;
  maxAudioLength: number;
  minVisualLength: number;
  maxVisualLength: number;
  /** words per transcript; tokens = words + 2 ([CLS], [SEP]) */
  minWords: number;
  maxWords: number;
  labelWeights: LabelWeights;
  /** σ_y */
  labelNoise: number;
  /** σ_x, per frame and feature */
  featureNoise: number;
  /** hidden width of the random frame maps */
  mapHiddenSize: number;
  /** β: how strongly [s; p_L] steers word choice (0 = uniform words) */
  wordSharpness: number;
}

/** Small preset: fast enough for unit tests and quick notebooks. ≤ 40 × 8 audio, ≤ 12 × 16 visual, ≤ 16 tokens. */
export const SYNTHETIC_SMALL: Readonly<SyntheticConfig> = freezeConfig({
  seed: 1234,
  numTrain: 256,
  numValid: 64,
  numTest: 128,
  numUnlabeled: 512,
  sharedDim: 4,
  textFactorDim: 4,
  audioFactorDim: 4,
  visualFactorDim: 4,
  audioDim: 8,
  visualDim: 16,
  minAudioLength: 10,
  maxAudioLength: 40,
  minVisualLength: 4,
  maxVisualLength: 12,
  minWords: 4,
  maxWords: 14,
  labelWeights: { shared: 1.2, text: 0.6, audio: 0.5, visual: 0.5 },
  labelNoise: 0.1,
  featureNoise: 0.1,
  mapHiddenSize: 16,
  wordSharpness: 2,
});

/** The paper's shapes: ≤ 400 × 33 audio, ≤ 55 × 709 visual, ≤ 50 tokens. */
export const SYNTHETIC_PAPER: Readonly<SyntheticConfig> = freezeConfig({
  seed: 1234,
  numTrain: 400,
  numValid: 100,
  numTest: 200,
  numUnlabeled: 800,
  sharedDim: 16,
  textFactorDim: 8,
  audioFactorDim: 8,
  visualFactorDim: 8,
  audioDim: 33,
  visualDim: 709,
  minAudioLength: 100,
  maxAudioLength: 400,
  minVisualLength: 20,
  maxVisualLength: 55,
  minWords: 5,
  maxWords: 48,
  labelWeights: { shared: 1.2, text: 0.6, audio: 0.5, visual: 0.5 },
  labelNoise: 0.1,
  featureNoise: 0.1,
  mapHiddenSize: 32,
  wordSharpness: 2,
});

export const SYNTHETIC_PRESETS: Readonly<Record<string, Readonly<SyntheticConfig>>> = Object.freeze({
  small: SYNTHETIC_SMALL,
  paper: SYNTHETIC_PAPER,
});

/** Overrides accepted by `resolveSyntheticConfig`: any subset, labelWeights possibly partial. */
export type SyntheticOverrides = Partial<Omit<SyntheticConfig, 'labelWeights'>> & { labelWeights?: Partial<LabelWeights> };

const INTEGER_KEYS = [
  'numTrain', 'numValid', 'numTest', 'numUnlabeled', 'sharedDim', 'textFactorDim', 'audioFactorDim', 'visualFactorDim',
  'audioDim', 'visualDim', 'minAudioLength', 'maxAudioLength', 'minVisualLength', 'maxVisualLength', 'minWords', 'maxWords',
  'mapHiddenSize',
] as const;
const REAL_KEYS = ['seed', 'labelNoise', 'featureNoise', 'wordSharpness'] as const;
const CONFIG_KEYS: string[] = [...INTEGER_KEYS, ...REAL_KEYS, 'labelWeights'];
const WEIGHT_KEYS: string[] = ['shared', 'text', 'audio', 'visual'];

/**
 * Merges overrides onto a base config and validates the result: unknown keys (also inside
 * labelWeights), non-numbers, negative counts and min > max are errors naming the key.
 */
export function resolveSyntheticConfig(base: Readonly<SyntheticConfig> = SYNTHETIC_SMALL, overrides: SyntheticOverrides = {}): Readonly<SyntheticConfig> {
  if (overrides === null || typeof overrides !== 'object') throw new Error('synthetic config: overrides must be an object');
  for (const key of Object.keys(overrides)) {
    if (!CONFIG_KEYS.includes(key)) throw new Error(`synthetic config: unknown key "${key}" (known: ${CONFIG_KEYS.join(', ')})`);
  }
  const w = overrides.labelWeights ?? {};
  if (w === null || typeof w !== 'object') throw new Error('synthetic config: labelWeights must be an object');
  for (const key of Object.keys(w)) {
    if (!WEIGHT_KEYS.includes(key)) throw new Error(`synthetic config: unknown key "labelWeights.${key}" (known: ${WEIGHT_KEYS.join(', ')})`);
  }
  const merged: SyntheticConfig = { ...base, ...(overrides as Partial<SyntheticConfig>), labelWeights: { ...base.labelWeights, ...w } };
  const rec = merged as unknown as Record<string, unknown>;
  for (const key of INTEGER_KEYS) {
    const v = rec[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`synthetic config: ${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
  }
  for (const key of REAL_KEYS) {
    const v = rec[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`synthetic config: ${key} must be a finite number, got ${JSON.stringify(v)}`);
  }
  for (const key of WEIGHT_KEYS) {
    const v = (merged.labelWeights as unknown as Record<string, unknown>)[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`synthetic config: labelWeights.${key} must be a finite number, got ${JSON.stringify(v)}`);
  }
  if (merged.labelNoise < 0 || merged.featureNoise < 0) throw new Error('synthetic config: labelNoise and featureNoise must be ≥ 0');
  for (const key of ['sharedDim', 'textFactorDim', 'audioFactorDim', 'visualFactorDim', 'audioDim', 'visualDim', 'mapHiddenSize'] as const) {
    if (merged[key] < 1) throw new Error(`synthetic config: ${key} must be ≥ 1, got ${merged[key]}`);
  }
  const pairs = [['minAudioLength', 'maxAudioLength'], ['minVisualLength', 'maxVisualLength'], ['minWords', 'maxWords']] as const;
  for (const [lo, hi] of pairs) {
    if (merged[lo] < 1) throw new Error(`synthetic config: ${lo} must be ≥ 1, got ${merged[lo]}`);
    if (merged[lo] > merged[hi]) throw new Error(`synthetic config: ${lo} (${merged[lo]}) > ${hi} (${merged[hi]})`);
  }
  return freezeConfig(merged);
}

/**
 * Common English words, each a single bert-base-uncased WordPiece (checked by a test). Mixed
 * sentiment-bearing and neutral words, so transcripts read like (odd) movie reviews.
 */
export const SYNTHETIC_WORDS: readonly string[] = Object.freeze(
  (
    'good great love happy wonderful amazing excellent fun enjoy beautiful best nice brilliant funny perfect sweet ' +
    'fantastic awesome liked favorite bad terrible awful boring hate worst sad poor stupid horrible annoying ugly waste ' +
    'weak disappointing dull mess angry slow fake movie film story actor actress scene plot music ending character ' +
    'director script camera role cast show part time people thing way moment minute idea really very quite just pretty ' +
    'so too kind little bit much still also actually never always maybe probably definitely not honestly i you we they ' +
    'he she it was is were be think felt thought said saw watched found seemed made looked went had and but or because ' +
    'then when though while the a this that these those some every one first last whole same other'
  ).split(' '),
);

const TIME_FEATURES = 7;
// φ enters the map with this gain so frames change visibly over a clip (with gain 1 the
// N(0, 1) factors dominate the tanh inputs and sequences are nearly constant in time)
const TIME_GAIN = 2;

function timeFeatures(tau: number, out: Float64Array, offset: number): void {
  out[offset] = TIME_GAIN * tau;
  for (let k = 1; k <= 3; k++) {
    out[offset + 2 * k - 1] = TIME_GAIN * Math.sin(2 * Math.PI * k * tau);
    out[offset + 2 * k] = TIME_GAIN * Math.cos(2 * Math.PI * k * tau);
  }
}

/** A fixed random two-layer tanh network R^in → R^out (row-major weights). */
interface FrameMap {
  inputSize: number;
  hidden: number;
  outputSize: number;
  w1: Float64Array; // [hidden, in]
  b1: Float64Array; // [hidden]
  w2: Float64Array; // [out, hidden]
  b2: Float64Array; // [out]
}

function randomFrameMap(rng: Rng, inputSize: number, hidden: number, outputSize: number): FrameMap {
  // gain 1.5/sqrt(in) keeps tanh mostly in its curved but unsaturated range for N(0, 1) inputs
  const g1 = 1.5 / Math.sqrt(inputSize);
  const g2 = 1 / Math.sqrt(hidden);
  const fill = (n: number, g: number): Float64Array => Float64Array.from({ length: n }, () => g * rng.normal());
  return {
    inputSize,
    hidden,
    outputSize,
    w1: fill(hidden * inputSize, g1),
    b1: fill(hidden, 0.5),
    w2: fill(outputSize * hidden, g2),
    b2: fill(outputSize, 0.5),
  };
}

function unitVector(rng: Rng, n: number): Float64Array {
  const v = Float64Array.from({ length: n }, () => rng.normal());
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

function dot(u: Float64Array, v: Float32Array): number {
  let acc = 0;
  for (let i = 0; i < u.length; i++) acc += (u[i] as number) * (v[i] as number);
  return acc;
}

/** f_m(v) for each factor (unweighted), the pieces the label is made of. */
export type LabelTerms = LabelWeights;

export interface SyntheticSource {
  readonly config: Readonly<SyntheticConfig>;
  /** clip `index` of a split, or of the unlabeled pool (label null) */
  clip(split: SplitName | 'unlabeled', index: number): Clip;
  /** the unlimited unlabeled pool: clip i is deterministic in (seed, i) */
  readonly unlabeledPool: UnlabeledPool;
  /** materialises numTrain / numValid / numTest clips and numUnlabeled pool clips */
  dataset(): Dataset;
  /** f_S(s), f_L(p_L), f_A(p_A), f_V(p_V) of a clip's factors */
  labelTerms(factors: ClipFactors): LabelTerms;
  /** the label before noise and clipping: Σ_m w_m f_m */
  labelSignal(factors: ClipFactors): number;
}

export function createSynthetic(config: Readonly<SyntheticConfig> = SYNTHETIC_SMALL): SyntheticSource {
  const c = resolveSyntheticConfig(config, {});
  const mapsRng = new Rng(deriveSeed(c.seed, 'synthetic:maps'));
  const u = {
    shared: unitVector(mapsRng, c.sharedDim),
    text: unitVector(mapsRng, c.textFactorDim),
    audio: unitVector(mapsRng, c.audioFactorDim),
    visual: unitVector(mapsRng, c.visualFactorDim),
  };
  const audioMap = randomFrameMap(mapsRng, c.sharedDim + c.audioFactorDim + TIME_FEATURES, c.mapHiddenSize, c.audioDim);
  const visualMap = randomFrameMap(mapsRng, c.sharedDim + c.visualFactorDim + TIME_FEATURES, c.mapHiddenSize, c.visualDim);
  const wordDim = c.sharedDim + c.textFactorDim;
  const wordEmbeddings = SYNTHETIC_WORDS.map(() => Float64Array.from({ length: wordDim }, () => mapsRng.normal()));

  const labelTerms = (f: ClipFactors): LabelTerms => ({
    shared: dot(u.shared, f.shared),
    text: dot(u.text, f.text),
    audio: dot(u.audio, f.audio),
    visual: dot(u.visual, f.visual),
  });
  const labelSignal = (f: ClipFactors): number => {
    const t = labelTerms(f);
    const w = c.labelWeights;
    return w.shared * t.shared + w.text * t.text + w.audio * t.audio + w.visual * t.visual;
  };

  const sequence = (rng: Rng, map: FrameMap, s: Float32Array, p: Float32Array, minLen: number, maxLen: number): Sequence => {
    const length = minLen + rng.int(maxLen - minLen + 1);
    const data = new Float32Array(length * map.outputSize);
    const input = new Float64Array(map.inputSize);
    input.set(s, 0);
    input.set(p, s.length);
    const h = new Float64Array(map.hidden);
    for (let t = 0; t < length; t++) {
      timeFeatures(length > 1 ? t / (length - 1) : 0, input, s.length + p.length);
      for (let j = 0; j < map.hidden; j++) {
        let acc = map.b1[j] as number;
        const row = j * map.inputSize;
        for (let i = 0; i < map.inputSize; i++) acc += (map.w1[row + i] as number) * (input[i] as number);
        h[j] = Math.tanh(acc);
      }
      const base = t * map.outputSize;
      for (let o = 0; o < map.outputSize; o++) {
        let acc = map.b2[o] as number;
        const row = o * map.hidden;
        for (let j = 0; j < map.hidden; j++) acc += (map.w2[row + j] as number) * (h[j] as number);
        data[base + o] = acc + c.featureNoise * rng.normal();
      }
    }
    return { data, length, dim: map.outputSize };
  };

  const transcript = (rng: Rng, s: Float32Array, pL: Float32Array): string => {
    const z = new Float64Array(wordDim);
    z.set(s, 0);
    z.set(pL, s.length);
    const scale = c.wordSharpness / Math.sqrt(wordDim);
    const logits = wordEmbeddings.map((e) => {
      let acc = 0;
      for (let i = 0; i < wordDim; i++) acc += (e[i] as number) * (z[i] as number);
      return scale * acc;
    });
    const top = Math.max(...logits);
    const cumulative: number[] = [];
    let total = 0;
    for (const l of logits) {
      total += Math.exp(l - top);
      cumulative.push(total);
    }
    const n = c.minWords + rng.int(c.maxWords - c.minWords + 1);
    const words: string[] = [];
    for (let k = 0; k < n; k++) {
      const r = rng.next() * total;
      let idx = cumulative.findIndex((x) => x > r);
      if (idx < 0) idx = cumulative.length - 1;
      words.push(SYNTHETIC_WORDS[idx] as string);
    }
    return words.join(' ');
  };

  const clip = (split: SplitName | 'unlabeled', index: number): Clip => {
    if (!Number.isInteger(index) || index < 0) throw new Error(`synthetic clip index must be a non-negative integer, got ${index}`);
    const rng = new Rng(deriveSeed(c.seed, `synthetic:${split}:${index}`));
    const draw = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
    const factors: ClipFactors = {
      shared: draw(c.sharedDim),
      text: draw(c.textFactorDim),
      audio: draw(c.audioFactorDim),
      visual: draw(c.visualFactorDim),
    };
    const y = labelSignal(factors) + c.labelNoise * rng.normal();
    const text = transcript(rng, factors.shared, factors.text);
    const audio = sequence(rng, audioMap, factors.shared, factors.audio, c.minAudioLength, c.maxAudioLength);
    const visual = sequence(rng, visualMap, factors.shared, factors.visual, c.minVisualLength, c.maxVisualLength);
    return {
      id: `syn-${split}-${String(index).padStart(6, '0')}`,
      text,
      audio,
      visual,
      // Math.fround: the label a Float32 batch tensor will hold, so stored and batched agree
      label: split === 'unlabeled' ? null : Math.fround(Math.min(3, Math.max(-3, y))),
      factors,
    };
  };

  const unlabeledPool: UnlabeledPool = { size: Number.POSITIVE_INFINITY, clip: (i: number) => clip('unlabeled', i) };

  const dataset = (): Dataset => {
    const make = (split: SplitName | 'unlabeled', n: number): Clip[] => Array.from({ length: n }, (_, i) => clip(split, i));
    const w = c.labelWeights;
    return {
      name: `synthetic(seed ${c.seed})`,
      splits: { train: make('train', c.numTrain), valid: make('valid', c.numValid), test: make('test', c.numTest) },
      unlabeled: make('unlabeled', c.numUnlabeled),
      audioDim: c.audioDim,
      visualDim: c.visualDim,
      notes: [
        `synthetic generator, seed ${c.seed}: factors s ∈ R^${c.sharedDim}, p_L ∈ R^${c.textFactorDim}, p_A ∈ R^${c.audioFactorDim}, p_V ∈ R^${c.visualFactorDim}, all N(0, I)`,
        `label = clip(${w.shared}·f(s) + ${w.text}·f(p_L) + ${w.audio}·f(p_A) + ${w.visual}·f(p_V) + ${c.labelNoise}·ε, −3, 3), f(v) = fixed unit direction · v`,
        `audio ${c.minAudioLength}–${c.maxAudioLength} × ${c.audioDim}, visual ${c.minVisualLength}–${c.maxVisualLength} × ${c.visualDim} frames from fixed random tanh maps of [s; p_m; time], noise ${c.featureNoise}`,
        `text ${c.minWords}–${c.maxWords} words (${c.minWords + 2}–${c.maxWords + 2} tokens) from ${SYNTHETIC_WORDS.length} English words, choice steered by [s; p_L]`,
        `unlabeled: ${c.numUnlabeled} pool clips materialised; the pool is unlimited (SyntheticSource.unlabeledPool)`,
      ],
    };
  };

  return { config: c, clip, unlabeledPool, dataset, labelTerms, labelSignal };
}
