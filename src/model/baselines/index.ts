// The Table 1 baselines by name: their configs (defaults, the quick preset's sizes, resolution
// with unknown keys rejected) and a builder. `mird train --model <kind>` and the run records read
// this table; adding a system here makes it trainable by the same loop.
import type { TextHost } from '../text-host';
import { DEFAULT_EF_LSTM_CONFIG, EfLstmModel, QUICK_EF_LSTM_OVERRIDES, resolveEfLstmConfig, type EfLstmConfig } from './ef-lstm/ef-lstm';
import { DEFAULT_LMF_CONFIG, LmfModel, QUICK_LMF_OVERRIDES, resolveLmfConfig, type LmfConfig } from './lmf/lmf';
import { DEFAULT_MFSA_CONFIG, MfsaModel, QUICK_MFSA_OVERRIDES, resolveMfsaConfig, type MfsaConfig } from './mfsa/mfsa';
import { DEFAULT_MISA_CONFIG, MisaModel, QUICK_MISA_OVERRIDES, resolveMisaConfig, type MisaConfig } from './misa/misa';
import { DEFAULT_MULT_CONFIG, MultModel, QUICK_MULT_OVERRIDES, resolveMultConfig, type MultConfig } from './mult/mult';
import { DEFAULT_SELF_MM_CONFIG, QUICK_SELF_MM_OVERRIDES, resolveSelfMmConfig, SelfMmModel, type SelfMmConfig } from './self-mm/self-mm';
import { DEFAULT_TFN_CONFIG, QUICK_TFN_OVERRIDES, resolveTfnConfig, TfnModel, type TfnConfig } from './tfn/tfn';
import { parseBaselineValue, type BaselineDims, type BaselineModel } from './types';
import { DEFAULT_WSA_BERT_CONFIG, QUICK_WSA_BERT_OVERRIDES, resolveWsaBertConfig, WsaBertModel, type WsaBertConfig } from './wsa-bert/wsa-bert';

import { BASELINE_KINDS, type BaselineKind } from './kinds';

export { BASELINE_KINDS, type BaselineKind };
export type BaselineConfig = EfLstmConfig | TfnConfig | LmfConfig | WsaBertConfig | SelfMmConfig | MfsaConfig | MultConfig | MisaConfig;

interface BaselineEntry {
  description: string;
  defaults: Readonly<object>;
  /** overrides of the defaults on the quick preset (tiny widths for tests and CI) */
  quick: Readonly<object>;
  resolve(overrides: Record<string, unknown>, base?: Readonly<object>): BaselineConfig;
  build(config: BaselineConfig, dims: BaselineDims, host: TextHost, seed: number): BaselineModel;
  /** the model can start at the text host's sentiment head (the training key initFromHostHead applies) */
  startsFromHostHead?: boolean;
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
  'wsa-bert': {
    description: "WSA-BERT (Qian et al. 2022): MIRD's shared encoder alone, word-wise Sparsemax attention into the whole trained host, a linear head on z^S",
    defaults: DEFAULT_WSA_BERT_CONFIG,
    quick: QUICK_WSA_BERT_OVERRIDES,
    resolve: (o, base) => resolveWsaBertConfig(o, base as WsaBertConfig | undefined),
    build: (c, dims, host, seed) => new WsaBertModel(c as WsaBertConfig, dims, host, seed),
    startsFromHostHead: true,
  },
  'self-mm': {
    description: 'Self-MM (Yu et al. 2021): LSTM subnetworks, late fusion, unimodal heads trained on self-generated unimodal labels (ULGM)',
    defaults: DEFAULT_SELF_MM_CONFIG,
    quick: QUICK_SELF_MM_OVERRIDES,
    resolve: (o, base) => resolveSelfMmConfig(o, base as SelfMmConfig | undefined),
    build: (c, dims, host, seed) => new SelfMmModel(c as SelfMmConfig, dims, host, seed),
  },
  mfsa: {
    description: 'MFSA (Yang et al. 2022; reconstructed from the abstract): predictive self-attention per modality (specific), hierarchical cross-modal attention in a shared space (agnostic), double discriminator with gradient reversal',
    defaults: DEFAULT_MFSA_CONFIG,
    quick: QUICK_MFSA_OVERRIDES,
    resolve: (o, base) => resolveMfsaConfig(o, base as MfsaConfig | undefined),
    build: (c, dims, host, seed) => new MfsaModel(c as MfsaConfig, dims, host, seed),
  },
  mult: {
    description: 'Multimodal Transformer (Tsai et al. 2019): temporal conv projections, six crossmodal transformers source→target, a self-attention transformer per target, last real steps, a residual head',
    defaults: DEFAULT_MULT_CONFIG,
    quick: QUICK_MULT_OVERRIDES,
    resolve: (o, base) => resolveMultConfig(o, base as MultConfig | undefined),
    build: (c, dims, host, seed) => new MultModel(c as MultConfig, dims, host, seed),
  },
  misa: {
    description: 'MISA (Hazarika et al. 2020): shared and private projections per modality (CMD similarity, soft orthogonality, reconstruction), a transformer over the six vectors',
    defaults: DEFAULT_MISA_CONFIG,
    quick: QUICK_MISA_OVERRIDES,
    resolve: (o, base) => resolveMisaConfig(o, base as MisaConfig | undefined),
    build: (c, dims, host, seed) => new MisaModel(c as MisaConfig, dims, host, seed),
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
