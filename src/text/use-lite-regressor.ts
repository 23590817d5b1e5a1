// Candidate 5 of the text-backbone comparison: USE-lite (src/text/use-lite.ts) as a FROZEN
// lower encoder whose last-layer token states feed trainable upper layers:
//   x = LayerNorm(W_p s + b_p)          s: frozen USE-lite token states [B, T, 512], W_p ∈ R^{512×H}
//   h = TransformerLayers(x, mask)      the layer code of src/text/bert.ts (preset mini: 2 × 128)
//   ŷ = w · Dropout(meanPool(h)) + b
// USE-lite already adds its own position signal, so the upper layers take no position
// embeddings. Because the lower encoder never changes, its states are computed once per
// sentence and reused for every epoch and seed. The training runs (the MOSEI stage, the per-seed
// MOSI fine-tuning) are src/train/use-lite-regressor.ts.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bert } from './bert';
import { bertConfig, type BertConfig } from './bert-config';
import { layerNorm, meanPool } from '../nn/layers';
import { assignValues, makeVariable, variableValues } from '../nn/dense';
import { linear } from '../nn/ops';
import { deriveSeed, Rng } from '../util/rng';
import { Progress } from '../util/progress';
import type { LabeledText } from './corpus';
import { predictWith, TextRegressorHead, type PreparedSplit, type RegressorHeadValues, type SentenceEncoder } from './finetune';
import { USE_LITE_MAX_PIECES, USE_LITE_PACKAGE, USE_LITE_WIDTH, UseLite } from './use-lite';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../nn/safetensors';
import { writeFileAtomic } from '../util/files';
import { repoPath } from '../paths';
import type { SplitName } from '../data/types';

/** One sentence's frozen token states: length × 512 values, row-major. */
export interface FrozenStates {
  states: Float32Array;
  length: number;
}

/** Runs the frozen encoder over texts (batches of `batch`) and keeps each row's real states. */
export async function frozenStates(use: UseLite, texts: readonly string[], label = 'use-lite states', batch = 32): Promise<FrozenStates[]> {
  const out: FrozenStates[] = [];
  const progress = new Progress({ label, total: texts.length, unit: 'sentences' });
  for (let i = 0; i < texts.length; i += batch) {
    const chunk = texts.slice(i, i + batch);
    const { tokens, mask, sentence, lengths } = await use.encode(chunk);
    try {
      const [, t, d] = tokens.shape;
      const all = tokens.dataSync() as Float32Array;
      lengths.forEach((len, r) => {
        const states = all.slice(r * t * d, (r * t + len) * d);
        for (let k = 0; k < states.length; k++) {
          if (!Number.isFinite(states[k] as number)) throw new Error(`USE-lite: non-finite state for text ${i + r} ("${(chunk[r] as string).slice(0, 40)}")`);
        }
        out.push({ states, length: len });
      });
    } finally {
      tf.dispose([tokens, mask, sentence]);
    }
    progress.tick(chunk.length);
  }
  return out;
}

/** Frozen states and labels of one split. */
export async function frozenSplit(use: UseLite, items: readonly LabeledText[], label: string): Promise<PreparedSplit<FrozenStates>> {
  return { rows: await frozenStates(use, items.map((x) => x.text), label), labels: Float32Array.from(items.map((x) => x.label)) };
}

export async function frozenSplits(use: UseLite, splits: Record<SplitName, readonly LabeledText[]>, label: string): Promise<Record<SplitName, PreparedSplit<FrozenStates>>> {
  return { train: await frozenSplit(use, splits.train, `${label} train`), valid: await frozenSplit(use, splits.valid, `${label} valid`), test: await frozenSplit(use, splits.test, `${label} test`) };
}

/** Upper layers: projection 512 → H, LayerNorm, then `numLayers` BERT layers. */
export class UseLiteUpper implements SentenceEncoder<FrozenStates> {
  readonly hidden: number;
  /** width of the frozen states it reads (512) */
  readonly inputWidth = USE_LITE_WIDTH;
  readonly config: BertConfig;
  readonly params = new Map<string, tf.Variable>();
  private readonly layers: Bert;

  constructor(seed: number, shape: Partial<BertConfig> = {}) {
    // the Bert object only lends its transformer layers: its embedding tables are minimal and unused
    const config = { ...bertConfig('mini'), ...shape, vocabSize: 1, maxPositions: 1, typeVocabSize: 1 };
    this.layers = new Bert(config, deriveSeed(seed, 'use-lite-upper/layers'));
    this.config = this.layers.config;
    this.hidden = config.hiddenSize;
    const rng = new Rng(deriveSeed(seed, 'use-lite-upper/proj'));
    this.params.set('proj.weight', makeVariable('use-lite-upper/proj/kernel', [USE_LITE_WIDTH, this.hidden], 'bert', rng));
    this.params.set('proj.bias', makeVariable('use-lite-upper/proj/bias', [this.hidden], 'zeros', rng));
    for (const [name, v] of this.layers.params) {
      if (name.startsWith('encoder.') || name.startsWith('embeddings.LayerNorm.')) this.params.set(name, v);
    }
  }

  setDropoutSeed(seed: number): void {
    this.layers.setDropoutSeed(seed);
  }

  pooled(rows: readonly FrozenStates[], training: boolean): tf.Tensor2D {
    if (rows.length === 0) throw new Error('UseLiteUpper: empty batch');
    const width = Math.max(...rows.map((r) => r.length));
    const x = new Float32Array(rows.length * width * USE_LITE_WIDTH);
    const m = new Float32Array(rows.length * width);
    rows.forEach((r, b) => {
      if (r.states.length !== r.length * USE_LITE_WIDTH) throw new Error(`UseLiteUpper: row ${b} has ${r.states.length} values for ${r.length} states of ${USE_LITE_WIDTH}`);
      x.set(r.states, b * width * USE_LITE_WIDTH);
      m.fill(1, b * width, b * width + r.length);
    });
    return tf.tidy(() => {
      const mask = tf.tensor2d(m, [rows.length, width]);
      const s = tf.tensor3d(x, [rows.length, width, USE_LITE_WIDTH]);
      const h = this.runLayers(this.embedStates(s), mask, 0, this.layers.config.numLayers, training);
      return meanPool(h, mask);
    });
  }

  /** The states entering the trainable layers: LN(W_p s + b_p) for frozen states s [B, T, 512] → [B, T, H]. */
  embedStates(s: tf.Tensor3D): tf.Tensor3D {
    const p = (name: string): tf.Tensor => this.params.get(name) as tf.Variable;
    return tf.tidy(() => {
      const projected = linear(s, p('proj.weight') as tf.Tensor2D, p('proj.bias') as tf.Tensor1D); // [B, T, H]
      return layerNorm(projected, p('embeddings.LayerNorm.weight') as tf.Tensor1D, p('embeddings.LayerNorm.bias') as tf.Tensor1D, this.layers.config.layerNormEps) as tf.Tensor3D;
    });
  }

  /** Upper layers `from` (inclusive) to `to` (exclusive) over h [B, T, H]; padded keys masked. */
  runLayers(h: tf.Tensor3D, mask: tf.Tensor2D, from: number, to: number, training: boolean): tf.Tensor3D {
    return this.layers.runLayers(h, mask, from, to, training);
  }

  load(values: ReadonlyMap<string, Float32Array>): void {
    assignValues(this.params, values, 'UseLiteUpper.load');
  }

  dispose(): void {
    // the projection is ours; the layer and LayerNorm variables belong to (and die with) the Bert
    for (const name of ['proj.weight', 'proj.bias']) this.params.get(name)?.dispose();
    this.layers.dispose();
    this.params.clear();
  }
}

export const USE_LITE_CANDIDATES = ['use-lite', 'use-lite-mosei'] as const;
export type UseLiteCandidate = (typeof USE_LITE_CANDIDATES)[number];

/** Upper layers + head as saved by saveUseLiteUpper. */
export interface UseLiteUpperValues {
  /** the upper-layer shape from config.json (UseLiteUpper fills in the rest) */
  shape: Partial<BertConfig>;
  values: Map<string, Float32Array>;
  head: RegressorHeadValues;
  metadata: Record<string, string>;
}

const UPPER_CONFIG_KEYS = ['hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'layerNormEps', 'hiddenDropout', 'attentionDropout'] as const;

/**
 * Writes the upper layers and a regression head: model.safetensors (F32; linear weights in
 * this workspace's [in, out] layout, head as regressor.dense.*) and config.json (shape, the
 * frozen lower encoder, the text rule).
 */
export function saveUseLiteUpper(dir: string, upper: UseLiteUpper, head: RegressorHeadValues, metadata: Record<string, string> = {}): void {
  mkdirSync(dir, { recursive: true });
  const tensors = new Map<string, TensorToWrite>();
  for (const [k, data] of variableValues(upper.params)) tensors.set(k, { shape: [...(upper.params.get(k) as tf.Variable).shape], data });
  tensors.set('regressor.dense.weight', { shape: [upper.hidden, 1], data: head.weight });
  tensors.set('regressor.dense.bias', { shape: [1], data: head.bias });
  writeSafetensors(join(dir, 'model.safetensors'), tensors, { layout: 'in_out', ...metadata });
  const config = {
    kind: 'use-lite-upper',
    lower: { package: USE_LITE_PACKAGE, frozen: true, node: 'last transformer layer token states (512)', maxPieces: USE_LITE_MAX_PIECES, truecase: 'all-caps texts re-cased (truecaseAllCaps)' },
    ...Object.fromEntries(UPPER_CONFIG_KEYS.map((k) => [k, upper.config[k]])),
  };
  writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}

export function readUseLiteUpper(dir: string): UseLiteUpperValues {
  const cfgPath = join(dir, 'config.json');
  const modelPath = join(dir, 'model.safetensors');
  for (const p of [cfgPath, modelPath]) if (!existsSync(p)) throw new Error(`USE-lite upper layers: ${p} not found`);
  const raw = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  if (raw.kind !== 'use-lite-upper') throw new Error(`${cfgPath}: kind must be "use-lite-upper", got ${JSON.stringify(raw.kind)}`);
  const shape: Partial<BertConfig> = {};
  for (const k of UPPER_CONFIG_KEYS) {
    if (typeof raw[k] !== 'number') throw new Error(`${cfgPath}: ${k} must be a number`);
    shape[k] = raw[k] as number;
  }
  const file = readSafetensors(modelPath);
  const values = new Map<string, Float32Array>();
  for (const [name, t] of file.tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${modelPath}: ${name} is not a float tensor`);
    values.set(name, t.data);
  }
  const w = values.get('regressor.dense.weight');
  const b = values.get('regressor.dense.bias');
  if (w === undefined || b === undefined) throw new Error(`${modelPath}: no regressor.dense.weight / regressor.dense.bias`);
  values.delete('regressor.dense.weight');
  values.delete('regressor.dense.bias');
  return { shape, values, head: { weight: w, bias: b }, metadata: file.metadata };
}

/** Builds the upper layers from saved values (names and sizes checked). */
export function upperFromValues(saved: UseLiteUpperValues, seed = 0): UseLiteUpper {
  const upper = new UseLiteUpper(seed, saved.shape);
  try {
    const unknown = [...saved.values.keys()].filter((k) => !upper.params.has(k));
    if (unknown.length > 0) throw new Error(`USE-lite upper layers: unexpected tensors ${unknown.slice(0, 3).join(', ')}`);
    upper.load(saved.values);
  } catch (e) {
    upper.dispose();
    throw e;
  }
  return upper;
}

/** Folder of the shipped USE-lite upper layers (the text-only default). */
export function defaultUseLiteUpperDir(): string {
  return repoPath('data', 'text', 'use-lite-mosei');
}

/**
 * The shipped text-only sentiment model: frozen USE-lite (npm) + the MOSEI-stage upper layers
 * and head from data/text/use-lite-mosei. `predict(texts)` gives sentiment scores on MOSI's
 * −3…3 scale, before any MOSI fine-tuning. The caller disposes it.
 */
export class UseLiteSentiment {
  private constructor(
    readonly use: UseLite,
    readonly upper: UseLiteUpper,
    readonly head: TextRegressorHead,
    readonly metadata: Record<string, string>,
  ) {}

  static async load(dir: string = defaultUseLiteUpperDir()): Promise<UseLiteSentiment> {
    const saved = readUseLiteUpper(dir);
    const use = await UseLite.load();
    const upper = upperFromValues(saved);
    return new UseLiteSentiment(use, upper, new TextRegressorHead(upper.hidden, 0, saved.head), saved.metadata);
  }

  async predict(texts: readonly string[]): Promise<Float32Array> {
    return predictWith(this.upper, this.head, await frozenStates(this.use, texts, 'use-lite'));
  }

  dispose(): void {
    this.head.dispose();
    this.upper.dispose();
    this.use.dispose();
  }
}
