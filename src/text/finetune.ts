// The text side of the text-only sentiment regressors that compare backbones:
//   ŷ = w · Dropout(pool(encoder(x), mask)) + b
// pool = mean over real tokens (default) or the [CLS] state. Here: the regression head, the
// SentenceEncoder interface any encoder implements (BERT below, the USE-lite upper layers in
// src/text/use-lite-regressor.ts), pooling, tokenised splits and prediction. The training loop
// (MSE, AdamW, schedule, valid selection, test once) is src/train/sentence-regressor.ts.
import * as tf from '@tensorflow/tfjs';
import type { Bert } from './bert';
import { meanPool } from '../nn/layers';
import { makeVariable } from '../nn/dense';
import type { LabeledText } from './corpus';
import type { WordPieceTokenizer } from './tokenizer';
import { padRows } from './tokenizer';
import { linear } from '../nn/ops';
import { deriveSeed, Rng } from '../util/rng';

/** The sentence vector the regressor reads: mean over real tokens, or the [CLS] state (position 0). */
export type SentencePooling = 'mean' | 'cls';

/** The sentence vector the regressor reads: h [B, L, H], mask [B, L] → [B, H]. */
export function poolSentence(h: tf.Tensor3D, mask: tf.Tensor2D, pooling: SentencePooling): tf.Tensor2D {
  if (pooling === 'mean') return meanPool(h, mask);
  return tf.tidy(() => tf.squeeze(tf.slice(h, [0, 0, 0], [h.shape[0], 1, h.shape[2]]), [1]) as tf.Tensor2D); // [B, H] at [CLS]
}

/** The regression head as host arrays: weight [H] (one output), bias [1]. */
export interface RegressorHeadValues {
  weight: Float32Array;
  bias: Float32Array;
}

/** The regression head: [B, H] → [B]. Owns its variables. */
export class TextRegressorHead {
  readonly params = new Map<string, tf.Variable>();

  constructor(hidden: number, seed: number, init?: RegressorHeadValues) {
    const rng = new Rng(deriveSeed(seed, 'regressor/init'));
    this.params.set('regressor.dense.weight', makeVariable('regressor/kernel', [hidden, 1], 'glorot', rng));
    this.params.set('regressor.dense.bias', makeVariable('regressor/bias', [1], 'zeros', rng));
    if (init !== undefined) {
      if (init.weight.length !== hidden || init.bias.length !== 1) {
        throw new Error(`TextRegressorHead: initial weight has ${init.weight.length} values and bias ${init.bias.length}, expected ${hidden} and 1`);
      }
      if (![...init.weight, ...init.bias].every((x) => Number.isFinite(x))) throw new Error('TextRegressorHead: initial values must be finite');
      for (const [name, data, shape] of [['regressor.dense.weight', init.weight, [hidden, 1]], ['regressor.dense.bias', init.bias, [1]]] as const) {
        const t = tf.tensor(data, [...shape]);
        (this.params.get(name) as tf.Variable).assign(t);
        t.dispose();
      }
    }
  }

  values(): RegressorHeadValues {
    return {
      weight: (this.params.get('regressor.dense.weight') as tf.Variable).dataSync().slice() as Float32Array,
      bias: (this.params.get('regressor.dense.bias') as tf.Variable).dataSync().slice() as Float32Array,
    };
  }

  apply(pooled: tf.Tensor2D): tf.Tensor1D {
    const w = this.params.get('regressor.dense.weight') as tf.Variable as tf.Tensor as tf.Tensor2D;
    const b = this.params.get('regressor.dense.bias') as tf.Variable as tf.Tensor as tf.Tensor1D;
    return tf.reshape(linear(pooled, w, b), [-1]) as tf.Tensor1D;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}

/**
 * Anything that turns a batch of prepared rows (R: token ids, precomputed frozen states, …)
 * into sentence vectors [B, H] with trainable variables: the BERT backbone here, the
 * USE-lite upper layers in src/text/use-lite-regressor.ts.
 */
export interface SentenceEncoder<R> {
  readonly hidden: number;
  /** the variables trained with the head (frozen ones left out) */
  readonly params: ReadonlyMap<string, tf.Variable>;
  pooled(rows: readonly R[], training: boolean): tf.Tensor2D;
  /** restarts the encoder's own dropout stream for the next step */
  setDropoutSeed(seed: number): void;
}

export interface PreparedSplit<R> {
  rows: R[];
  labels: Float32Array;
}

/** Token ids ([CLS] … [SEP], at most maxLength, unpadded) and labels of one split. */
export function encodeAll(items: readonly LabeledText[], tokenizer: WordPieceTokenizer, maxLength: number): PreparedSplit<Int32Array> {
  return { rows: items.map((x) => tokenizer.encode(x.text, maxLength)), labels: Float32Array.from(items.map((x) => x.label)) };
}

function batchTensors(rows: Int32Array[], padId: number): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const b = padRows(rows, padId, Math.max(...rows.map((r) => r.length)));
  return { ids: tf.tensor2d(b.ids, [b.batchSize, b.maxLength], 'int32'), mask: tf.tensor2d(b.mask, [b.batchSize, b.maxLength]) };
}

/** Predictions in evaluation mode (no dropout), 64 rows at a time. */
export function predictWith<R>(encoder: SentenceEncoder<R>, head: TextRegressorHead, rows: readonly R[]): Float32Array {
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i += 64) {
    const y = tf.tidy(() => head.apply(encoder.pooled(rows.slice(i, i + 64), false)));
    out.set(y.dataSync() as Float32Array, i);
    y.dispose();
  }
  return out;
}

/**
 * BERT's variables that fine-tuning trains: all of them, or all but the embedding block
 * (word/position/type tables and their LayerNorm) when `freeze` is 'embeddings'.
 */
export function trainedBertParams(bert: Bert, freeze: 'none' | 'embeddings'): Map<string, tf.Variable> {
  return new Map([...bert.params].filter(([name]) => !(freeze === 'embeddings' && name.startsWith('embeddings.'))));
}

/** BERT as a SentenceEncoder over token-id rows; `trained` are the variables the loop updates. */
export function bertSentenceEncoder(bert: Bert, padId: number, pooling: SentencePooling, trained: ReadonlyMap<string, tf.Variable>): SentenceEncoder<Int32Array> {
  return {
    hidden: bert.config.hiddenSize,
    params: trained,
    pooled: (rows, training) =>
      tf.tidy(() => {
        const { ids, mask } = batchTensors([...rows], padId);
        return poolSentence(bert.forward(ids, mask, training), mask, pooling);
      }),
    setDropoutSeed: (seed) => bert.setDropoutSeed(seed),
  };
}

/** Predictions of a BERT regressor in evaluation mode (no dropout), 64 clips at a time. */
export function predictText(bert: Bert, head: TextRegressorHead, rows: Int32Array[], padId: number, pooling: SentencePooling = 'mean'): Float32Array {
  return predictWith(bertSentenceEncoder(bert, padId, pooling, bert.params), head, rows);
}
