// The training loop of the text-only sentiment regressors that compare text backbones
// (results/text_backbones.csv): a regression head on any SentenceEncoder (src/text/finetune.ts)
//   ŷ = w · Dropout(encoder.pooled(rows)) + b,   loss = mean (ŷ − y)²
// Train on train, keep the epoch with the lowest VALID MAE (weights restored in memory), score
// the test split once with those weights. The encoder's trained variables are fine-tuned with
// the head (AdamW, linear warm-up over the first 10% of steps, then linear decay to 0 at the
// last step: warmupLinearDecayToZero in ./schedule).
import * as tf from '@tensorflow/tfjs';
import type { Bert } from '../text/bert';
import type { LabeledText } from '../text/corpus';
import { bertSentenceEncoder, encodeAll, predictWith, TextRegressorHead, trainedBertParams, type PreparedSplit, type RegressorHeadValues, type SentenceEncoder, type SentencePooling } from '../text/finetune';
import type { WordPieceTokenizer } from '../text/tokenizer';
import { NamedAdamW } from '../nn/adamw';
import { assignValues, variableValues } from '../nn/dense';
import type { SplitName } from '../data/types';
import { regressionMetrics, type RegressionMetrics } from '../eval/metrics';
import { deriveSeed, Rng } from '../util/rng';
import { Progress } from '../util/progress';
import { warmupLinearDecayToZero } from './schedule';

/** Options of trainSentenceRegressor (any encoder). */
export interface RegressorTrainOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** dropout on the pooled vector before the regression layer */
  dropout: number;
  weightDecay: number;
  /** start the regression head from these values (e.g. the MOSEI stage's head) instead of a fresh init */
  headInit?: RegressorHeadValues;
  /** label for the progress line */
  label?: string;
  /** per-epoch callback (e.g. to log) */
  onEpoch?: (r: EpochRecord) => void;
  /** a label-free step on the valid and test predictions before they are scored (e.g. video context) */
  adjustPredictions?: (split: 'valid' | 'test', predictions: Float32Array) => Float32Array;
}

/** Options of finetuneTextRegressor: the loop's, plus how BERT reads the text. */
export interface FinetuneOptions extends RegressorTrainOptions {
  maxLength: number;
  /**
   * Parameters kept fixed during fine-tuning: 'embeddings' freezes the embedding block
   * (word/position/type tables and their LayerNorm), which MOSI's 1,284 clips would otherwise
   * update only on the rows of the words they contain.
   */
  freeze: 'none' | 'embeddings';
  /** sentence vector: mean over real tokens, or the [CLS] state (position 0) */
  pooling: SentencePooling;
}

export const DEFAULT_FINETUNE: Omit<FinetuneOptions, 'seed'> = { epochs: 5, batchSize: 32, lr: 5e-4, maxLength: 50, dropout: 0.1, weightDecay: 0.01, freeze: 'none', pooling: 'mean' };

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
  const adjust = o.adjustPredictions ?? ((_s: 'valid' | 'test', p: Float32Array): Float32Array => p);
  const params = new Map<string, tf.Variable>([...encoder.params, ...head.params]);
  const opt = new NamedAdamW(params, { weightDecay: o.weightDecay });
  const stepsPerEpoch = Math.ceil(train.rows.length / o.batchSize);
  const totalSteps = stepsPerEpoch * o.epochs;
  const warmup = Math.max(1, Math.floor(0.1 * totalSteps));
  const lrAt = (s: number): number => warmupLinearDecayToZero(s, totalSteps, warmup, o.lr);
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
    const vm = regressionMetrics(adjust('valid', predictWith(encoder, head, valid.rows)), valid.labels);
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
    testPredictions = adjust('test', predictWith(encoder, head, data.test.rows));
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
  const trained = trainedBertParams(bert, o.freeze);
  const data = {
    train: encodeAll(splits.train, tokenizer, o.maxLength),
    valid: encodeAll(splits.valid, tokenizer, o.maxLength),
    test: encodeAll(splits.test, tokenizer, o.maxLength),
  };
  return trainSentenceRegressor(bertSentenceEncoder(bert, tokenizer.padId, o.pooling, trained), data, o);
}
