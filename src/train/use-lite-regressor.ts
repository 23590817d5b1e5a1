// The training runs of the USE-lite text regressors (candidates use-lite and use-lite-mosei of
// the text-backbone comparison): the MOSEI stage and the per-seed MOSI fine-tuning, both with
// the shared loop of ./sentence-regressor. The model (frozen USE-lite + trainable upper layers),
// its frozen states and its files are src/text/use-lite-regressor.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BertConfig } from '../text/bert-config';
import { moseiTextSplits, mosiTextSplits } from '../text/corpus';
import type { PreparedSplit } from '../text/finetune';
import type { UseLite } from '../text/use-lite';
import { frozenSplit, frozenSplits, readUseLiteUpper, saveUseLiteUpper, upperFromValues, UseLiteUpper, type FrozenStates, type UseLiteCandidate, type UseLiteUpperValues } from '../text/use-lite-regressor';
import type { SplitName } from '../data/types';
import { trainSentenceRegressor, type FinetuneResult, type RegressorTrainOptions } from './sentence-regressor';

export interface UseLiteCompareOptions {
  seeds: readonly number[];
  /** MOSI stage (and, for use-lite-mosei, the MOSEI stage's epochs/lr below) */
  train: Omit<RegressorTrainOptions, 'seed' | 'headInit' | 'label' | 'onEpoch'>;
  moseiEpochs: number;
  moseiLr: number;
  /** folder of the MOSEI stage (use-lite-mosei): loaded when it holds one, else trained and saved there */
  moseiDir: string;
  /** upper-layer shape (default: preset mini, 2 × 128) */
  shape?: Partial<BertConfig>;
  /** called after each seed with its MOSI result (valid at the selected epoch, test once) */
  onSeed: (seed: number, result: FinetuneResult) => void;
  /** called once with the MOSEI stage's result when it is trained (use-lite-mosei) */
  onMoseiStage?: (result: FinetuneResult) => void;
  /** MOSI's frozen states when the caller already has them (computed otherwise) */
  mosi?: Record<SplitName, PreparedSplit<FrozenStates>>;
}

/**
 * The MOSEI stage of use-lite-mosei: upper layers + head trained on MOSEI train (seed 0,
 * epoch picked on MOSEI valid; MOSEI test never read), saved in `dir`; loaded instead when
 * `dir` already holds it.
 */
export async function useLiteMoseiStage(use: UseLite, dir: string, o: Pick<UseLiteCompareOptions, 'train' | 'moseiEpochs' | 'moseiLr' | 'shape' | 'onMoseiStage'>): Promise<UseLiteUpperValues> {
  if (existsSync(join(dir, 'model.safetensors'))) return readUseLiteUpper(dir);
  const m = moseiTextSplits();
  // test: [] — the MOSEI test fold is never read
  const data = { train: await frozenSplit(use, m.train, 'use-lite MOSEI train'), valid: await frozenSplit(use, m.valid, 'use-lite MOSEI valid'), test: await frozenSplit(use, [], 'use-lite MOSEI test') };
  const upper = new UseLiteUpper(0, o.shape);
  try {
    const r = trainSentenceRegressor(upper, data, { ...o.train, seed: 0, epochs: o.moseiEpochs, lr: o.moseiLr, label: 'use-lite MOSEI stage' });
    o.onMoseiStage?.(r);
    saveUseLiteUpper(dir, upper, r.head, {
      stage: 'use-lite-mosei MOSEI stage', mosei_epochs: String(o.moseiEpochs), mosei_lr: String(o.moseiLr), best_epoch: String(r.bestEpoch),
      mosei_valid_mae: r.valid.mae.toFixed(4), mosei_valid_acc2_non0: r.valid.acc2Non0.toFixed(4),
    });
  } finally {
    upper.dispose();
  }
  return readUseLiteUpper(dir);
}

/**
 * use-lite:       upper layers + head trained on MOSI train only (fresh per seed);
 * use-lite-mosei: every seed fine-tunes a copy of the MOSEI stage (upper layers and head) on MOSI.
 * MOSI: standard split, epoch picked on valid MAE, test scored once per seed.
 */
export async function compareUseLite(candidate: UseLiteCandidate, use: UseLite, o: UseLiteCompareOptions): Promise<void> {
  const start = candidate === 'use-lite-mosei' ? await useLiteMoseiStage(use, o.moseiDir, o) : null;
  const mosi = o.mosi ?? (await frozenSplits(use, mosiTextSplits(), 'use-lite MOSI'));
  for (const seed of o.seeds) {
    const upper = start === null ? new UseLiteUpper(seed, o.shape) : upperFromValues(start, seed);
    const r = trainSentenceRegressor(upper, mosi, { ...o.train, seed, headInit: start?.head, label: `${candidate} s${seed}` });
    upper.dispose();
    o.onSeed(seed, r);
  }
}
