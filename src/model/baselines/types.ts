// What every Table 1 baseline (src/model/baselines/<kind>/) shares: the interface the trainer
// reads (src/train/baseline-step.ts, src/train/loop.ts), the language sequence it reads from
// MIRD's text host, the regression loss on the labeled clips, input checks, stable variable
// names and typed configs with unknown keys rejected.
//
// Inputs: the same padded Batch MIRD reads. The language sequence X^L is `host.inputStates(x)`
// of the run's text host (src/model/text-host.ts): on the main preset the frozen USE-lite token
// states [B, T_L, 512] (no variable), on the quick preset the BERT host's word-embedding table
// looked up at the token ids [B, T_L, H] (trainable, saved as `host/embeddings.word_embeddings.weight`).
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../data/types';
import type { BertConfig } from '../../text/bert-config';
import type { TextHost, TextHostKind } from '../text-host';
import { deriveSeed, Rng } from '../../util/rng';

/** The padded tensors a baseline reads (a Batch has them all). */
export type BaselineInputs = Pick<Batch, 'textIds' | 'textMask' | 'audio' | 'audioMask' | 'visual' | 'visualMask' | 'textStates' | 'hostLengths'>;

export interface BaselineOutput {
  yHat: tf.Tensor1D; // [B]
  /** the model's named intermediate representations, each [B, ·] (e.g. text, audio, visual, fusion) */
  latents: Record<string, tf.Tensor2D>;
}

/** The model's training objective on one batch: named terms (raw values) and the total it minimises. */
export interface BaselineLosses {
  /** e.g. { regression }; a model with auxiliary losses adds its own names */
  terms: Record<string, tf.Scalar>;
  total: tf.Scalar;
}

export const REGRESSION_LOSSES = ['l1', 'mse'] as const;
export type RegressionLoss = (typeof REGRESSION_LOSSES)[number];

/** Feature widths a baseline is built for: the host's X^L width and the data's audio / visual frame sizes. */
export interface BaselineDims {
  textWidth: number;
  audioDim: number;
  visualDim: number;
}

/** State a model keeps outside its variables (see TrainableModel.trainingState in src/train/loop.ts): named float arrays and JSON-able metadata. */
export interface ModelTrainingState {
  arrays: Record<string, { shape: number[]; data: Float32Array }>;
  meta: Record<string, unknown>;
}

/** What a baseline's objective may read of the batch besides the forward's output (ids: per-clip state such as Self-MM's unimodal labels). */
export type BaselineLossBatch = Pick<Batch, 'ids' | 'labels' | 'numLabeled'>;

export interface BaselineModel {
  /** 'ef-lstm' | 'tfn' | 'lmf' … */
  readonly kind: string;
  readonly dims: BaselineDims;
  /** one pass; every returned tensor is owned by the caller */
  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput;
  /** the objective of a training forward on the batch's labeled clips (they come first) */
  losses(out: BaselineOutput, batch: BaselineLossBatch): BaselineLosses;
  /**
   * Optional: called by the training step after the optimiser update, with the step's training
   * forward (its tensors still alive; the caller disposes them after) — for state the model keeps
   * outside gradients (e.g. Self-MM's momentum class centres and generated unimodal labels).
   * Never called on validation or test batches.
   */
  afterStep?(out: BaselineOutput, batch: BaselineLossBatch): void;
  /**
   * Optional: starts the model's prediction path at a text host's sentiment head (weight [H] over
   * the mean-pooled host states, bias [1]), for TrainConfig.initFromHostHead (WSA-BERT, as MIRD's
   * shared path on the main preset). Only systems whose registry entry says startsFromHostHead.
   */
  initFromHostHead?(head: { weight: Float32Array; bias: Float32Array }): void;
  /** every trainable variable under a name that is the same in every process */
  namedVariables(): Map<string, tf.Variable>;
  /** restarts the dropout stream (each epoch), so a resumed run draws the same masks */
  setDropoutSeed(seed: number): void;
  paramCount(): number;
  dispose(): void;
}

export function isBaselineModel(m: unknown): m is BaselineModel {
  return typeof m === 'object' && m !== null && typeof (m as BaselineModel).losses === 'function' && typeof (m as BaselineModel).kind === 'string';
}

/** Regression loss over the first `numLabeled` rows: mean |ŷ − y| ('l1') or mean (ŷ − y)² ('mse'). */
export function labeledRegressionLoss(yHat: tf.Tensor1D, labels: tf.Tensor1D, numLabeled: number, kind: RegressionLoss): tf.Scalar {
  if (numLabeled <= 0) throw new Error('baseline loss: a batch without labeled clips has no regression loss');
  return tf.tidy(() => {
    const d = tf.sub(tf.slice(yHat, [0], [numLabeled]), tf.slice(labels, [0], [numLabeled])); // [N_l]
    return tf.mean(kind === 'l1' ? tf.abs(d) : tf.square(d)) as tf.Scalar;
  });
}

/** The BERT word-embedding table's name in the host (Hugging Face naming). */
const WORD_EMBEDDINGS = 'embeddings.word_embeddings.weight';

/**
 * X^L as a baseline reads it: the text host's input-level states. The host is owned (disposed
 * here); only the variables the lookup reads are the baseline's (a BERT host's word embeddings;
 * none for USE-lite, whose states are frozen and travel with the batch).
 */
export class HostTextSequence {
  readonly width: number;

  constructor(readonly host: TextHost) {
    this.width = host.inputWidth;
  }

  /** [B, T_L, width] */
  apply(x: BaselineInputs): tf.Tensor3D {
    return this.host.inputStates(x);
  }

  namedVariables(): Map<string, tf.Variable> {
    if (this.host.kind !== 'bert') return new Map();
    const v = this.host.namedVariables().get(WORD_EMBEDDINGS);
    if (v === undefined) throw new Error(`HostTextSequence: the BERT host has no ${WORD_EMBEDDINGS}`);
    return new Map([[`host/${WORD_EMBEDDINGS}`, v]]);
  }

  dispose(): void {
    this.host.dispose();
  }
}

/**
 * What every baseline shares besides its forward: the language sequence from the host, the
 * dropout stream (restarted per epoch from `<kind>/dropout`), the regression loss on labeled
 * clips, stable names, the parameter count and dispose. A subclass supplies `forward`, its own
 * `variables()`, `disposeOwn()` and the loss kind of its config.
 */
export abstract class BaselineBase implements BaselineModel {
  readonly text: HostTextSequence;
  protected dropoutRng: Rng;
  private disposed = false;

  constructor(readonly kind: string, readonly dims: BaselineDims, host: TextHost, readonly seed: number) {
    if (host.inputWidth !== dims.textWidth) throw new Error(`${kind}: the text host's states are ${host.inputWidth} wide, dims.textWidth is ${dims.textWidth}`);
    this.text = new HostTextSequence(host);
    this.dropoutRng = new Rng(deriveSeed(seed, `${kind}/dropout`));
  }

  abstract forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput;
  /** the model's own variables (the host's lookup table, if trained, is added by namedVariables) */
  abstract variables(): tf.Variable[];
  protected abstract disposeOwn(): void;
  protected abstract regressionLoss(): RegressionLoss;

  /** Throws after dispose and on a batch that does not fit the model (the error names the field). */
  protected checkInputs(x: BaselineInputs): void {
    if (this.disposed) throw new Error(`${this.kind}.forward: the model was disposed`);
    checkBaselineInputs(this.kind, x, this.dims, this.text.host);
  }

  losses(out: BaselineOutput, batch: BaselineLossBatch): BaselineLosses {
    const regression = labeledRegressionLoss(out.yHat, batch.labels, batch.numLabeled, this.regressionLoss());
    return { terms: { regression }, total: regression };
  }

  namedVariables(): Map<string, tf.Variable> {
    return stableNames(this.kind, this.text.namedVariables(), this.variables());
  }

  setDropoutSeed(seed: number): void {
    this.dropoutRng = new Rng(deriveSeed(seed, `${this.kind}/dropout`));
  }

  paramCount(): number {
    return [...this.namedVariables().values()].reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.text.dispose();
    this.disposeOwn();
  }
}

/** Host variables under their `host/` names, then the model's own under their creation names without the per-process counter. */
export function stableNames(what: string, host: ReadonlyMap<string, tf.Variable>, own: readonly tf.Variable[]): Map<string, tf.Variable> {
  const out = new Map(host);
  for (const v of own) {
    const name = v.name.replace(/_\d+$/, '');
    if (out.has(name)) throw new Error(`${what}.namedVariables: two variables named ${name}`);
    out.set(name, v);
  }
  return out;
}

/** Shape checks of a batch against the dims the model was built for; the error names the field. */
export function checkBaselineInputs(what: string, x: BaselineInputs, dims: BaselineDims, host: TextHost): void {
  const [b, tl] = x.textIds.shape;
  const expect = (cond: boolean, field: string, shape: readonly number[], want: string): void => {
    if (!cond) throw new Error(`${what}.forward: batch.${field} has shape [${shape}], expected ${want}`);
  };
  expect(x.textIds.rank === 2 && tl > 0, 'textIds', x.textIds.shape, '[B, T_L] with T_L > 0');
  expect(x.textMask.shape[0] === b && x.textMask.shape[1] === tl, 'textMask', x.textMask.shape, `[${b}, ${tl}]`);
  expect(x.audio.rank === 3 && x.audio.shape[0] === b && x.audio.shape[2] === dims.audioDim, 'audio', x.audio.shape, `[${b}, T_A, ${dims.audioDim}]`);
  expect(x.audioMask.shape[0] === b && x.audioMask.shape[1] === x.audio.shape[1], 'audioMask', x.audioMask.shape, `[${b}, ${x.audio.shape[1]}]`);
  expect(x.visual.rank === 3 && x.visual.shape[0] === b && x.visual.shape[2] === dims.visualDim, 'visual', x.visual.shape, `[${b}, T_V, ${dims.visualDim}]`);
  expect(x.visualMask.shape[0] === b && x.visualMask.shape[1] === x.visual.shape[1], 'visualMask', x.visualMask.shape, `[${b}, ${x.visual.shape[1]}]`);
  if (host.kind === 'use-lite' && x.textStates === undefined) throw new Error(`${what}.forward: the USE-lite host needs batch.textStates (frozen token states; see src/text/use-lite-states.ts)`);
}

// ---- size and compute (src/eval/efficiency.ts counts every system with these; its header has the MAC convention)

/** What a baseline's size depends on besides its config: X^L's width, the frame sizes, the nominal lengths. */
export interface BaselineShapes {
  textWidth: number;
  audioDim: number;
  visualDim: number;
  textLength: number;
  audioLength: number;
  visualLength: number;
  /** trainable parameters of the host the model reads X^L from: a BERT host's word-embedding table (V × H); 0 for USE-lite (frozen) */
  hostTableParams: number;
  /** the host's kind and shape, for a model that trains the whole host (WSA-BERT) */
  host?: { kind: TextHostKind; bert: BertConfig };
}

export interface BaselineModuleCost {
  module: string;
  params: number;
  macs: number;
  note: string;
}

/** Validation rules of a baseline config, by key. */
export interface ConfigRules {
  positiveInts?: readonly string[];
  /** dropout rates: numbers in [0, 1) */
  rates?: readonly string[];
  nonNegative?: readonly string[];
  enums?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Defaults (or a base) plus overrides; an unknown key names the valid ones, a bad value names
 * its key and what it must be. `what` prefixes every message (e.g. "tfn config").
 */
export function resolveBaselineConfig<C extends object>(what: string, defaults: Readonly<C>, overrides: Record<string, unknown>, rules: ConfigRules, base: Readonly<C> = defaults): C {
  const known = Object.keys(defaults);
  for (const key of Object.keys(overrides)) {
    if (!known.includes(key)) throw new Error(`${what}: unknown key "${key}" (known: ${known.join(', ')})`);
  }
  const merged = { ...base, ...overrides } as C;
  const rec = merged as unknown as Record<string, unknown>;
  const fail = (key: string, want: string): never => {
    throw new Error(`${what}: ${key} must be ${want}, got ${JSON.stringify(rec[key])}`);
  };
  for (const k of rules.positiveInts ?? []) if (!(Number.isInteger(rec[k]) && (rec[k] as number) > 0)) fail(k, 'a positive integer');
  for (const k of rules.rates ?? []) if (!(typeof rec[k] === 'number' && (rec[k] as number) >= 0 && (rec[k] as number) < 1)) fail(k, 'a rate in [0, 1)');
  for (const k of rules.nonNegative ?? []) if (!(typeof rec[k] === 'number' && Number.isFinite(rec[k]) && (rec[k] as number) >= 0)) fail(k, 'a non-negative number');
  for (const [k, allowed] of Object.entries(rules.enums ?? {})) if (!allowed.includes(rec[k] as string)) fail(k, `one of ${allowed.join(' | ')}`);
  return merged;
}

/** One `--set` value for a baseline key, typed by its default (number or string). */
export function parseBaselineValue(what: string, defaults: object, key: string, raw: string): unknown {
  const def = (defaults as Record<string, unknown>)[key];
  if (typeof def === 'number') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`${what}: ${key} must be a number, got "${raw}"`);
    return v;
  }
  return raw;
}
