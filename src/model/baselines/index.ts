// The Table 1 baselines by name: their configs (defaults, the quick preset's sizes, resolution
// with unknown keys rejected) and a builder. `mird train --model <kind>` and the run records read
// this table; adding a system here makes it trainable by the same loop.
import type { TextHost } from '../text-host';
import { DEFAULT_EF_LSTM_CONFIG, EfLstmModel, QUICK_EF_LSTM_OVERRIDES, resolveEfLstmConfig, type EfLstmConfig } from './ef-lstm/ef-lstm';
import { DEFAULT_LMF_CONFIG, LmfModel, QUICK_LMF_OVERRIDES, resolveLmfConfig, type LmfConfig } from './lmf/lmf';
import { DEFAULT_TFN_CONFIG, QUICK_TFN_OVERRIDES, resolveTfnConfig, TfnModel, type TfnConfig } from './tfn/tfn';
import { parseBaselineValue, type BaselineDims, type BaselineModel } from './types';

import { BASELINE_KINDS, type BaselineKind } from './kinds';

export { BASELINE_KINDS, type BaselineKind };
export type BaselineConfig = EfLstmConfig | TfnConfig | LmfConfig;

interface BaselineEntry {
  description: string;
  defaults: Readonly<object>;
  /** overrides of the defaults on the quick preset (tiny widths for tests and CI) */
  quick: Readonly<object>;
  resolve(overrides: Record<string, unknown>, base?: Readonly<object>): BaselineConfig;
  build(config: BaselineConfig, dims: BaselineDims, host: TextHost, seed: number): BaselineModel;
}

export const BASELINES: Readonly<Record<BaselineKind, BaselineEntry>> = Object.freeze({
  'ef-lstm': {
    description: 'early fusion: [X^L_t; mean X^A; mean X^V] per text step, one LSTM, a ReLU head',
    defaults: DEFAULT_EF_LSTM_CONFIG,
    quick: QUICK_EF_LSTM_OVERRIDES,
    resolve: (o, base) => resolveEfLstmConfig(o, base as EfLstmConfig | undefined),
    build: (c, dims, host, seed) => new EfLstmModel(c as EfLstmConfig, dims, host, seed),
  },
  tfn: {
    description: 'Tensor Fusion Network (Zadeh et al. 2017): unimodal subnetworks, outer product of [1; z^m], ReLU layers',
    defaults: DEFAULT_TFN_CONFIG,
    quick: QUICK_TFN_OVERRIDES,
    resolve: (o, base) => resolveTfnConfig(o, base as TfnConfig | undefined),
    build: (c, dims, host, seed) => new TfnModel(c as TfnConfig, dims, host, seed),
  },
  lmf: {
    description: 'Low-rank Multimodal Fusion (Liu et al. 2018): the same subnetworks, rank-r modality-specific factors',
    defaults: DEFAULT_LMF_CONFIG,
    quick: QUICK_LMF_OVERRIDES,
    resolve: (o, base) => resolveLmfConfig(o, base as LmfConfig | undefined),
    build: (c, dims, host, seed) => new LmfModel(c as LmfConfig, dims, host, seed),
  },
});

export function isBaselineKind(name: string): name is BaselineKind {
  return (BASELINE_KINDS as readonly string[]).includes(name);
}

/** A baseline's config on a preset: its defaults, the quick sizes on 'quick', then the typed overrides. */
export function baselineConfigFor(kind: BaselineKind, preset: string, overrides: Record<string, unknown> = {}): BaselineConfig {
  const e = BASELINES[kind];
  const base = preset === 'quick' ? e.resolve(e.quick as Record<string, unknown>) : e.resolve({});
  return e.resolve(overrides, base);
}

/** Whether `key` is a config key of the baseline, and its --set value typed by the default. */
export function baselineKeys(kind: BaselineKind): string[] {
  return Object.keys(BASELINES[kind].defaults);
}

export function parseBaselineSet(kind: BaselineKind, key: string, raw: string): unknown {
  return parseBaselineValue(`${kind} config`, BASELINES[kind].defaults, key, raw);
}
