// Text-only sentiment regression on top of a BERT encoder, used to compare backbones:
//   ŷ = w · Dropout(pool(BERT(x), mask)) + b,   loss = mean (ŷ − y)²
// pool = mean over real tokens (default) or the [CLS] state.
// Train on train, keep the epoch with the lowest VALID MAE (weights restored in memory), score
// the test split once with those weights. The encoder is fine-tuned too (AdamW, linear warm-up
// over the first 10% of steps, then linear decay).
import * as tf from '@tensorflow/tfjs';
import type { Bert } from './bert';
import { meanPool } from '../nn/layers';
import { assignValues, makeVariable, variableValues } from '../nn/dense';
import type { LabeledText } from './corpus';
import { NamedAdamW } from '../nn/adamw';
import type { WordPieceTokenizer } from './tokenizer';
import { padRows } from './tokenizer';
import type { SplitName } from '../data/types';
import { regressionMetrics, type RegressionMetrics } from '../eval/metrics';
import { linear } from '../nn/ops';
import { deriveSeed, Rng } from '../util/rng';
import { Progress } from '../util/progress';

export interface FinetuneOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  maxLength: number;
  /** dropout on the pooled vector before the regression layer */
  dropout: number;
  weightDecay: number;
  /**
   * Parameters kept fixed during fine-tuning: 'embeddings' freezes the embedding block
   * (word/position/type tables and their LayerNorm), which MOSI's 1,284 clips would otherwise
   * update only on the rows of the words they contain.
   */
  freeze: 'none' | 'embeddings';
  /** sentence vector: mean over real tokens, or the [CLS] state (position 0) */
  pooling: 'mean' | 'cls';
  /** start the regression head from these values (e.g. the MOSEI stage's head) instead of a fresh init */
  headInit?: RegressorHeadValues;
  /** label for the progress line */
  label?: string;
  /** per-epoch callback (e.g. to log) */
  onEpoch?: (r: EpochRecord) => void;
}

export const DEFAULT_FINETUNE: Omit<FinetuneOptions, 'seed'> = { epochs: 5, batchSize: 32, lr: 5e-4, maxLength: 50, dropout: 0.1, weightDecay: 0.01, freeze: 'none', pooling: 'mean' };

/** The sentence vector the regressor reads: h [B, L, H], mask [B, L] → [B, H]. */
export function poolSentence(h: tf.Tensor3D, mask: tf.Tensor2D, pooling: FinetuneOptions['pooling']): tf.Tensor2D {
  if (pooling === 'mean') return meanPool(h, mask);
  return tf.tidy(() => tf.squeeze(tf.slice(h, [0, 0, 0], [h.shape[0], 1, h.shape[2]]), [1]) as tf.Tensor2D); // [B, H] at [CLS]
}

/** The regression head as host arrays: weight [H] (one output), bias [1]. */
export interface RegressorHeadValues {
  weight: Float32Array;
  bias: Float32Array;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valid: RegressionMetrics;
}

export interface FinetuneResult {
  epochs: EpochRecord[];
  /** 1-based epoch with the lowest valid MAE */
  bestEpoch: number;
  valid: RegressionMetrics;
  test: RegressionMetrics | null;
  testPredictions: Float32Array | null;
  /** the head at the selected epoch */
  head: RegressorHeadValues;
  secondsPerEpoch: number;
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

interface Encoded {
  rows: Int32Array[];
  labels: Float32Array;
}

function encodeAll(items: readonly LabeledText[], tokenizer: WordPieceTokenizer, maxLength: number): Encoded {
  return { rows: items.map((x) => tokenizer.encode(x.text, maxLength)), labels: Float32Array.from(items.map((x) => x.label)) };
}

function batchTensors(rows: Int32Array[], padId: number): { ids: tf.Tensor2D; mask: tf.Tensor2D } {
  const b = padRows(rows, padId, Math.max(...rows.map((r) => r.length)));
  return { ids: tf.tensor2d(b.ids, [b.batchSize, b.maxLength], 'int32'), mask: tf.tensor2d(b.mask, [b.batchSize, b.maxLength]) };
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

function bertSentenceEncoder(bert: Bert, padId: number, pooling: FinetuneOptions['pooling'], trained: ReadonlyMap<string, tf.Variable>): SentenceEncoder<Int32Array> {
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
export function predictText(bert: Bert, head: TextRegressorHead, rows: Int32Array[], padId: number, pooling: FinetuneOptions['pooling'] = 'mean'): Float32Array {
  return predictWith(bertSentenceEncoder(bert, padId, pooling, bert.params), head, rows);
}

export type RegressorTrainOptions = Omit<FinetuneOptions, 'maxLength' | 'freeze' | 'pooling'>;

/**
 * The training loop shared by every text regressor: a fresh (or `headInit`) regression head
 * on encoder.pooled(rows), MSE, AdamW over the encoder's trained variables and the head
 * (10% linear warm-up, then linear decay), dropout on the pooled vector; after each epoch
 * the valid MAE is measured and the best epoch's weights are restored on return; the test
 * split (if any) is scored once with them.
 */
export function trainSentenceRegressor<R>(encoder: SentenceEncoder<R>, data: Record<SplitName, PreparedSplit<R>>, o: RegressorTrainOptions): FinetuneResult {
  const { train, valid } = data;
  if (train.rows.length === 0 || valid.rows.length === 0) throw new Error('text regressor: train and valid splits must not be empty');
  for (const [name, split] of Object.entries(data)) {
    if (split.rows.length !== split.labels.length) throw new Error(`text regressor: ${name} has ${split.rows.length} rows but ${split.labels.length} labels`);
    const bad = split.labels.findIndex((y) => !Number.isFinite(y));
    if (bad >= 0) throw new Error(`text regressor: ${name} label ${bad} is not finite (${split.labels[bad]})`);
  }
  const head = new TextRegressorHead(encoder.hidden, o.seed, o.headInit);
  const params = new Map<string, tf.Variable>([...encoder.params, ...head.params]);
  const opt = new NamedAdamW(params, { weightDecay: o.weightDecay });
  const stepsPerEpoch = Math.ceil(train.rows.length / o.batchSize);
  const totalSteps = stepsPerEpoch * o.epochs;
  const warmup = Math.max(1, Math.floor(0.1 * totalSteps));
  const lrAt = (s: number): number => (s <= warmup ? (o.lr * s) / warmup : (o.lr * (totalSteps - s)) / Math.max(1, totalSteps - warmup));
  const dropoutRng = new Rng(deriveSeed(o.seed, 'regressor/dropout'));
  const progress = new Progress({ label: o.label ?? 'finetune', total: totalSteps, unit: 'steps' });
  const records: EpochRecord[] = [];
  let best: { epoch: number; mae: number; snap: Map<string, Float32Array>; valid: RegressionMetrics } | null = null;
  const t0 = Date.now();
  let step = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const order = new Rng(deriveSeed(o.seed, `regressor/epoch/${epoch}`)).permutation(train.rows.length);
    let lossSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      step += 1;
      const idx = order.slice(s * o.batchSize, (s + 1) * o.batchSize);
      const rows = idx.map((i) => train.rows[i] as R);
      const y = Float32Array.from(idx.map((i) => train.labels[i] as number));
      encoder.setDropoutSeed(dropoutRng.seed());
      const dropSeed = dropoutRng.seed();
      const loss = opt.minimize(
        () =>
          tf.tidy(() => {
            const pooled = encoder.pooled(rows, true); // [B, H]
            const dropped = o.dropout > 0 ? (tf.dropout(pooled, o.dropout, undefined, dropSeed) as tf.Tensor2D) : pooled;
            return tf.mean(tf.square(tf.sub(head.apply(dropped), tf.tensor1d(y)))) as tf.Scalar;
          }),
        lrAt(step),
      );
      lossSum += loss * rows.length;
      progress.tick(1, `epoch ${epoch} loss ${loss.toFixed(3)}`);
    }
    const vm = regressionMetrics(predictWith(encoder, head, valid.rows), valid.labels);
    const rec = { epoch, trainLoss: lossSum / train.rows.length, valid: vm };
    records.push(rec);
    o.onEpoch?.(rec);
    if (best === null || vm.mae < best.mae) best = { epoch, mae: vm.mae, snap: variableValues(params), valid: vm };
  }
  opt.dispose();
  const chosen = best as { epoch: number; mae: number; snap: Map<string, Float32Array>; valid: RegressionMetrics };
  assignValues(params, chosen.snap, 'text regressor (best epoch)');
  let test: RegressionMetrics | null = null;
  let testPredictions: Float32Array | null = null;
  if (data.test.rows.length > 0) {
    testPredictions = predictWith(encoder, head, data.test.rows);
    test = regressionMetrics(testPredictions, data.test.labels);
  }
  const headValues = head.values();
  head.dispose();
  return { epochs: records, bestEpoch: chosen.epoch, valid: chosen.valid, test, testPredictions, head: headValues, secondsPerEpoch: (Date.now() - t0) / 1000 / o.epochs };
}

/**
 * Fine-tunes `bert` (in place: on return it holds the best-valid-epoch weights) with a fresh
 * regression head on splits.train; selects on splits.valid; scores splits.test once (skipped
 * when the test split is empty, e.g. intermediate training that must not touch a test set).
 */
export function finetuneTextRegressor(
  bert: Bert,
  tokenizer: WordPieceTokenizer,
  splits: Record<SplitName, readonly LabeledText[]>,
  options: Partial<FinetuneOptions> & { seed: number },
): FinetuneResult {
  const o: FinetuneOptions = { ...DEFAULT_FINETUNE, ...options };
  if (splits.train.length === 0 || splits.valid.length === 0) throw new Error('finetuneTextRegressor: train and valid splits must not be empty');
  if (o.freeze !== 'none' && o.freeze !== 'embeddings') throw new Error(`finetuneTextRegressor: freeze must be 'none' or 'embeddings', got ${String(o.freeze)}`);
  if (o.pooling !== 'mean' && o.pooling !== 'cls') throw new Error(`finetuneTextRegressor: pooling must be 'mean' or 'cls', got ${String(o.pooling)}`);
  // only the trained parameters get gradients and updates; frozen ones are not even snapshotted
  const trained = new Map([...bert.params].filter(([name]) => !(o.freeze === 'embeddings' && name.startsWith('embeddings.'))));
  const data = {
    train: encodeAll(splits.train, tokenizer, o.maxLength),
    valid: encodeAll(splits.valid, tokenizer, o.maxLength),
    test: encodeAll(splits.test, tokenizer, o.maxLength),
  };
  return trainSentenceRegressor(bertSentenceEncoder(bert, tokenizer.padId, o.pooling, trained), data, o);
}
