// From a run spec (preset, data, text host, seed, --set overrides) to everything the trainer
// needs: resolved configs, the prepared dataset, the model with its host, the estimators.
// Every check runs here, before anything is written: unknown --set keys, bad values, missing or
// malformed data, non-finite features, empty transcripts, a text checkpoint that does not fit,
// and the leak guard (a backbone that has read test clips of the split).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Clip, Dataset, TextTokenizer } from '../data/types';
import { SPLIT_NAMES } from '../data/types';
import { openSource } from '../data/sources';
import { displayPath } from '../data/csv';
import { normalizeDataset, type NormStats } from '../data/normalize';
import { resolveModelConfig, type ModelConfig, type ModelConfigOverrides } from '../model/config';
import { makeTextHost, MirdModel } from '../model/mird';
import { BertHost, UseLiteHost, type TextHost, type TextHostKind } from '../model/text-host';
import { BERT_PRESETS, type BertConfig } from '../text/bert-config';
import { Bert } from '../text/bert';
import { loadBertCheckpoint, loadBertWeights } from '../text/checkpoint';
import { readSafetensors } from '../nn/safetensors';
import { assertBackboneHasNotRead, checkBackboneOnDataset } from '../text/provenance';
import { defaultTokenizer, type WordPieceTokenizer } from '../text/tokenizer';
import { UseLite, USE_LITE_MAX_PIECES, USE_LITE_PACKAGE, USE_LITE_VOCAB_SIZE } from '../text/use-lite';
import { readUseLiteUpper, upperFromValues } from '../text/use-lite-regressor';
import type { RegressorHeadValues } from '../text/finetune';
import { readRegressorHead } from '../text/backbone';
import * as tf from '@tensorflow/tfjs';
import { useLiteCacheDir, useLiteStatesOf, withUseLiteStates } from '../text/use-lite-states';
import { repoPath } from '../paths';
import { deriveSeed } from '../util/rng';
import { activePairs, GENERIC_TRAIN_KEYS, genericTrainConfig, pairsOf, parseTrainValue, resolveTrainConfig, type GenericTrainConfig, type TrainConfig } from './config';
import { BASELINES, baselineConfigFor, baselineKeys, isBaselineKind, parseBaselineSet, type BaselineConfig, type BaselineKind } from '../model/baselines/index';
import type { BaselineModel } from '../model/baselines/types';
import { hostInputWidth } from '../eval/efficiency';
import { emptySequence } from '../data/mosi';
import { MiTerms } from './mi-terms';
import { runPreset, type RunPresetName } from './presets';
import { DEFAULT_TRAIN_CONFIG } from './config';
import type { PreparedData } from './loop';

export interface RunSpec {
  preset: RunPresetName;
  /** data source (default: the preset's) */
  data?: string;
  /** unlabeled source added to the pool (MIRD2) */
  unlabeled?: string | null;
  /** 'use-lite-mosei' | 'bert-mini' | 'none' | a folder (default: the preset's) */
  textCheckpoint?: string;
  seed: number;
  /** --set key=value overrides, raw strings (model keys, bert.* keys, train keys) */
  set?: Record<string, string>;
  /** a Table 1 baseline (src/model/baselines/: ef-lstm, tfn, lmf); absent: MIRD */
  model?: BaselineKind;
}

/** What a run is, fully resolved: written to config.json and checked on --resume / eval. */
export interface ResolvedRun {
  preset: RunPresetName;
  data: string;
  unlabeled: string | null;
  textCheckpoint: string;
  /** the host's tokenizer identity: a mismatch on eval/resume means other token ids */
  textHost: { kind: 'bert' | 'use-lite'; dir: string | null; vocab: string };
  seed: number;
  set: Record<string, string>;
  model: ModelConfig;
  train: TrainConfig;
}

export const SHIPPED_BACKBONES: Readonly<Record<string, string>> = Object.freeze({
  'use-lite-mosei': 'data/text/use-lite-mosei',
  'bert-mini': 'data/text/bert-mini',
});

/** Splits --set pairs into model overrides and train overrides, typed; unknown keys name the valid ones. */
export function parseOverrides(set: Record<string, string>, model: Readonly<ModelConfig>, train: Readonly<TrainConfig>): { model: ModelConfigOverrides; train: Partial<TrainConfig> } {
  const m: Record<string, unknown> = {};
  const bert: Record<string, unknown> = {};
  const t: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(set)) {
    if (key in train) t[key] = parseTrainValue(key as keyof TrainConfig, raw);
    else if (key.startsWith('bert.') && key.slice(5) in model.bert) bert[key.slice(5)] = numberValue(key, raw);
    else if (key in model && key !== 'bert') {
      const def = (model as unknown as Record<string, unknown>)[key];
      m[key] = typeof def === 'number' ? numberValue(key, raw) : raw;
    } else {
      const known = [...Object.keys(train), ...Object.keys(model).filter((k) => k !== 'bert'), ...Object.keys(model.bert).map((k) => `bert.${k}`)];
      throw new Error(`--set ${key}: unknown key (known: ${known.join(', ')})`);
    }
  }
  if (Object.keys(bert).length > 0) m.bert = bert;
  return { model: m as ModelConfigOverrides, train: t as Partial<TrainConfig> };
}

function numberValue(key: string, raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`--set ${key}: expected a number, got "${raw}"`);
  return v;
}

/**
 * Every clip finite, labeled where it must be, with text: one error naming split, clip and field.
 * `textOnly`: transcripts and labels only (the text host alone reads nothing else).
 */
export function checkDataset(ds: Dataset, options: { textOnly?: boolean } = {}): void {
  const where = (split: string, c: Clip): string => `${ds.name}, ${split} clip ${c.id}`;
  const check = (split: string, c: Clip, labeled: boolean): void => {
    if (c.text.trim() === '' && c.tokenIds === undefined) throw new Error(`${where(split, c)}: empty transcript`);
    if (labeled && (c.label === null || !Number.isFinite(c.label))) throw new Error(`${where(split, c)}: label is ${c.label}`);
    if (options.textOnly === true) return;
    for (const [name, seq] of [['audio', c.audio], ['visual', c.visual]] as const) {
      for (let i = 0; i < seq.length * seq.dim; i++) {
        if (!Number.isFinite(seq.data[i] as number)) throw new Error(`${where(split, c)}: ${name} feature ${i % seq.dim} of frame ${Math.floor(i / seq.dim)} is ${seq.data[i]}`);
      }
    }
  };
  for (const s of SPLIT_NAMES) ds.splits[s].forEach((c) => check(s, c, true));
  ds.unlabeled.forEach((c) => check('unlabeled', c, false));
  if (options.textOnly !== true && (ds.audioDim === 0 || ds.visualDim === 0)) {
    throw new Error(`${ds.name}: MIRD needs audio and visual features, but this source has ${ds.audioDim === 0 ? 'no audio' : 'no visual'} (a text-only source such as mosi-text trains the text host alone: --model text-host)`);
  }
}

/** videoContext adds to each prediction the mean of its video's other clips: the evaluated clips must say their video. */
export function checkVideoContext(ds: Dataset, weight: number): void {
  if (weight === 0) return;
  for (const s of ['valid', 'test'] as const) {
    const without = ds.splits[s].find((c) => c.videoId === undefined);
    if (without !== undefined) throw new Error(`videoContext ${weight}: adds to each prediction the mean of the other clips of its video, but ${ds.name}, ${s} clip ${without.id} has no video id (MOSI and MOSEI have them; --set videoContext=0)`);
  }
}

/** Empties the audio / visual sequences of every clip when the config hides them. */
function hideModalities(ds: Dataset, train: Pick<TrainConfig, 'audioInput' | 'visualInput'>): Dataset {
  if (train.audioInput && train.visualInput) return ds;
  const hide = (c: Clip): Clip => ({ ...c, ...(train.audioInput ? {} : { audio: emptySequence() }), ...(train.visualInput ? {} : { visual: emptySequence() }) });
  return { ...ds, splits: { train: ds.splits.train.map(hide), valid: ds.splits.valid.map(hide), test: ds.splits.test.map(hide) }, unlabeled: ds.unlabeled.map(hide) };
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A BERT checkpoint's classifier.* regression head, or null. */
function headOf(dir: string): RegressorHeadValues | null {
  try {
    return readRegressorHead(dir);
  } catch {
    return null;
  }
}

/**
 * Makes the shared path compute the host's head at initialisation (TrainConfig.initFromHostHead):
 * z^S_0 = w·pool + b, z^S_1 = −(w·pool + b); regressor unit 0 = relu(z^S_0), unit 1 = relu(z^S_1)
 * (their other inputs zeroed); output = unit 0 − unit 1 = w·pool + b, other output weights 0.
 */
export function initSharedPathFromHead(model: MirdModel, head: RegressorHeadValues): void {
  const c = model.config;
  const h = c.bert.hiddenSize;
  const d = c.latentDim;
  if (head.weight.length !== h) throw new Error(`initFromHostHead: the head reads ${head.weight.length} features, the host has ${h}`);
  if (d < 2 || c.regressorHidden < 2) throw new Error('initFromHostHead: needs latentDim ≥ 2 and regressorHidden ≥ 2');
  if (c.sharedPooling !== 'mean') throw new Error("initFromHostHead: the host's head reads mean-pooled states; set sharedPooling=mean");
  const b = head.bias[0] as number;
  const fc = model.sharedEncoder.fc;
  const r = model.regressor;
  tf.tidy(() => {
    const w = fc.w.arraySync() as number[][]; // [H, d]
    for (let i = 0; i < h; i++) {
      (w[i] as number[])[0] = head.weight[i] as number;
      (w[i] as number[])[1] = -(head.weight[i] as number);
    }
    fc.w.assign(tf.tensor2d(w));
    const fb = (fc.b as tf.Variable).arraySync() as number[];
    fb[0] = b;
    fb[1] = -b;
    (fc.b as tf.Variable).assign(tf.tensor1d(fb));
    const w1 = r.fc1.w.arraySync() as number[][]; // [4d, hidden]; rows [z^V; z^L; z^A; z^S]
    for (let i = 0; i < 4 * d; i++) {
      (w1[i] as number[])[0] = i === 3 * d ? 1 : 0;
      (w1[i] as number[])[1] = i === 3 * d + 1 ? 1 : 0;
    }
    r.fc1.w.assign(tf.tensor2d(w1));
    const b1 = (r.fc1.b as tf.Variable).arraySync() as number[];
    b1[0] = 0;
    b1[1] = 0;
    (r.fc1.b as tf.Variable).assign(tf.tensor1d(b1));
    const w2 = new Array<number>(c.regressorHidden).fill(0);
    w2[0] = 1;
    w2[1] = -1;
    r.fc2.w.assign(tf.tensor2d(w2, [c.regressorHidden, 1]));
    (r.fc2.b as tf.Variable).assign(tf.zeros([1]));
  });
}

/** Where a text checkpoint name or folder points, and what kind it is. */
export function resolveTextCheckpoint(name: string): { kind: 'bert' | 'use-lite'; dir: string | null } {
  if (name === 'none') return { kind: 'bert', dir: null };
  const shipped = SHIPPED_BACKBONES[name];
  const dir = shipped !== undefined ? repoPath(...shipped.split('/')) : resolve(name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`--text-checkpoint ${name}: not a folder (expected ${Object.keys(SHIPPED_BACKBONES).join(', ')}, none, or a folder with config.json)`);
  }
  const cfg = join(dir, 'config.json');
  if (!existsSync(cfg)) throw new Error(`--text-checkpoint ${name}: ${cfg} not found`);
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSync(cfg, 'utf8')) as { kind?: unknown }).kind;
  } catch (err) {
    throw new Error(`${cfg}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return { kind: kind === 'use-lite-upper' ? 'use-lite' : 'bert', dir };
}

/** A tokenizer for clips that already carry their token ids (the USE-lite pieces): encode must never be needed. */
function pretokenized(vocabSize: number, what: string): TextTokenizer {
  return {
    padId: 0,
    vocabSize,
    encode: (text: string): Int32Array => {
      throw new Error(`${what}: clip text "${text.slice(0, 40)}" reached the tokenizer; its pieces should have been attached with its frozen states`);
    },
  };
}

/** The text host's loaded weights, tokenizer and the shape it imposes on the model config. */
interface HostSource {
  kind: 'bert' | 'use-lite';
  dir: string | null;
  /** the host's token vocabulary identity, for eval/resume checks */
  vocab: string;
  /** bert shape fixed by a checkpoint (null: the preset's) */
  bert: BertConfig | null;
  tokenizer: TextTokenizer;
  ignoreTokenIds: number[];
  /** builds the host with the checkpoint's weights (fresh each call) */
  build: (config: ModelConfig, seed: number) => TextHost;
  /** the checkpoint's sentiment head on mean-pooled host states, when it has one */
  head: RegressorHeadValues | null;
  notes: string[];
}

function wordPieceSource(kind: 'bert', dir: string | null, tokenizer: WordPieceTokenizer, bert: BertConfig | null, build: HostSource['build'], notes: string[]): HostSource {
  return { kind, dir, vocab: `wordpiece:${tokenizer.vocabSize}:${sha(tokenizer.tokens.join('\n'))}`, bert, tokenizer, ignoreTokenIds: [tokenizer.clsId, tokenizer.sepId], build, notes, head: dir === null ? null : headOf(dir) };
}

function hostSource(name: string): HostSource {
  const { kind, dir } = resolveTextCheckpoint(name);
  if (dir === null) {
    return { ...wordPieceSource('bert', null, defaultTokenizer(), null, (c, seed) => makeTextHost(c, seed), ['text host: a randomly initialised BERT (no pretrained weights; --text-checkpoint names one)']), head: null };
  }
  if (kind === 'bert') {
    // read once to learn the shape and vocabulary; each build reloads the weights into a fresh BERT
    const probe = loadBertCheckpoint(dir);
    probe.bert.dispose();
    const weights = join(dir, 'model.safetensors');
    return wordPieceSource('bert', dir, probe.tokenizer, probe.config, (c, seed) => {
      // the model config's shape is the checkpoint's; its dropout rates may be overridden
      const bert = new Bert(c.bert, seed);
      try {
        loadBertWeights(bert, readSafetensors(weights).tensors, weights);
      } catch (err) {
        bert.dispose();
        throw err;
      }
      return new BertHost(bert);
    }, [`text host: BERT from ${displayPath(dir)} (${probe.config.numLayers} × ${probe.config.hiddenSize})`, ...probe.notes]);
  }
  const saved = readUseLiteUpper(dir);
  const shape = { ...BERT_PRESETS.mini, ...saved.shape, vocabSize: USE_LITE_VOCAB_SIZE, maxPositions: 512, typeVocabSize: 1 };
  return {
    kind: 'use-lite', dir, vocab: `sentencepiece:${USE_LITE_PACKAGE}:${USE_LITE_VOCAB_SIZE}`, bert: shape,
    tokenizer: pretokenized(USE_LITE_VOCAB_SIZE, 'USE-lite host'), ignoreTokenIds: [], head: saved.head,
    build: (_c, seed) => new UseLiteHost(upperFromValues(saved, seed)),
    notes: [`text host: frozen USE-lite (${USE_LITE_PACKAGE}) + upper layers from ${displayPath(dir)} (${shape.numLayers} × ${shape.hiddenSize}); WSA injects after upper layer injectionLayer (0: the states entering them)`],
  };
}

/** The leak guard: refuse (or warn about) a text backbone that has read test clips of the split. */
function leakGuard(host: HostSource, ds: Dataset, options: PrepareOptions, purpose: string, notes: string[]): void {
  if (host.dir === null) return;
  if (options.leakGuard === 'warn') {
    const check = checkBackboneOnDataset(host.dir, ds);
    if (check.test.readIds.length > 0) notes.push(`LEAK GUARD warning: the text host has read ${check.test.readIds.length} of the ${check.test.clips} test clips of ${ds.name}; scores on them would be optimistic`);
    notes.push(...check.warnings.map((w) => `LEAK GUARD warning: ${w}`));
  } else {
    const check = assertBackboneHasNotRead(host.dir, ds, { purpose });
    notes.push(...check.warnings.map((w) => `LEAK GUARD warning: ${w}`), ...check.notes);
  }
}

/** The model config: the preset, the data's feature sizes, the host's shape, then the user's --set. */
function modelConfigOf(presetModel: ModelConfig, user: ModelConfigOverrides, host: HostSource, ds: Dataset, textCheckpoint: string, notes: string[]): ModelConfig {
  for (const k of ['audioDim', 'visualDim'] as const) {
    if (user[k] !== undefined && user[k] !== ds[k]) throw new Error(`--set ${k}=${user[k]}: the data (${ds.name}) has ${k} ${ds[k]}; the model's feature sizes come from the data`);
  }
  const bert: BertConfig = { ...(host.bert ?? presetModel.bert) };
  for (const [k, v] of Object.entries(user.bert ?? {})) {
    if (host.bert !== null && !k.endsWith('Dropout')) throw new Error(`--set bert.${k}: fixed by the text checkpoint ${textCheckpoint} (${k} = ${String((host.bert as unknown as Record<string, unknown>)[k])})`);
    (bert as unknown as Record<string, unknown>)[k] = v;
  }
  const adjusted: ModelConfigOverrides = {};
  if (user.injectionLayer === undefined && presetModel.injectionLayer > bert.numLayers) {
    adjusted.injectionLayer = Math.floor(bert.numLayers / 2);
    notes.push(`injectionLayer: ${adjusted.injectionLayer} (⌊N/2⌋ of the host's ${bert.numLayers} layers; the preset's ${presetModel.injectionLayer} does not exist in it)`);
  }
  if (user.textLength === undefined && presetModel.textLength > bert.maxPositions) {
    adjusted.textLength = bert.maxPositions;
    notes.push(`textLength: ${bert.maxPositions} (the text checkpoint has ${bert.maxPositions} positions)`);
  }
  return resolveModelConfig(presetModel, { ...user, ...adjusted, audioDim: ds.audioDim, visualDim: ds.visualDim, textHost: host.kind, bert });
}

/** Data: normalisation fitted on train only (or the given stats), hidden modalities emptied, USE-lite pieces and frozen states attached. */
async function prepareData(ds: Dataset, host: HostSource, model: ModelConfig, train: Pick<TrainConfig, 'audioInput' | 'visualInput'> & Partial<Pick<TrainConfig, 'oracleShared'>>, options: PrepareOptions): Promise<{ data: PreparedData; stats: NormStats }> {
  const normalized = normalizeDataset(ds, options.normStats);
  let dataset = hideModalities(normalized.dataset, train);
  if (host.kind === 'use-lite') {
    const use = await UseLite.load();
    try {
      const all = [...SPLIT_NAMES.flatMap((s) => dataset.splits[s]), ...dataset.unlabeled];
      const states = await useLiteStatesOf(use, all.map((c) => c.text), useLiteCacheDir(), 'USE-lite states');
      const attach = (clips: Clip[]): Clip[] => withUseLiteStates(clips, states);
      dataset = { ...dataset, splits: { train: attach(dataset.splits.train), valid: attach(dataset.splits.valid), test: attach(dataset.splits.test) }, unlabeled: attach(dataset.unlabeled) };
    } finally {
      use.dispose();
    }
    if (model.textLength < USE_LITE_MAX_PIECES) throw new Error(`textLength ${model.textLength}: the USE-lite host encodes up to ${USE_LITE_MAX_PIECES} pieces per text; set textLength=${USE_LITE_MAX_PIECES}`);
  }
  const data: PreparedData = {
    dataset,
    tokenizer: host.tokenizer,
    batchOptions: {
      maxTextLength: model.textLength, maxAudioLength: model.audioLength, maxVisualLength: model.visualLength, audioDim: model.audioDim, visualDim: model.visualDim,
      ...(train.oracleShared === true ? { oracleSharedDim: model.latentDim } : {}),
    },
    ignoreTokenIds: host.ignoreTokenIds,
  };
  return { data, stats: normalized.stats };
}

export interface PreparedRun {
  resolved: ResolvedRun;
  data: PreparedData;
  normStats: NormStats;
  /** data provenance, leak-guard warnings and notes, host notes, config adjustments */
  notes: string[];
  /** a fresh model (host weights from the checkpoint) and its estimators */
  build(seed?: number): { model: MirdModel; mi: MiTerms | null };
}

/**
 * Resolves and checks a run, reads and prepares its data (normalisation fitted on train; USE-lite
 * states attached), and returns a builder for its model. Throws one clear error on bad input;
 * writes nothing except the USE-lite state cache.
 */
export interface PrepareOptions {
  /** normalise with these (a trained run's) instead of fitting on the train split */
  normStats?: NormStats;
  /** 'refuse' (training, evaluation) or 'warn' (predicting on data the user chose) */
  leakGuard?: 'refuse' | 'warn';
}

export async function prepareRun(spec: RunSpec, options: PrepareOptions = {}): Promise<PreparedRun> {
  if (spec.model !== undefined) throw new Error(`prepareRun: --model ${spec.model} is a baseline (prepareBaselineRun prepares it)`);
  const preset = runPreset(spec.preset);
  const dataSpec = spec.data ?? preset.data;
  const unlabeled = spec.unlabeled ?? null;
  const textCheckpoint = spec.textCheckpoint ?? preset.textCheckpoint;
  const set = spec.set ?? {};
  const notes: string[] = [];

  // configs first: a bad --set fails before any file is read
  const presetModel = resolveModelConfig(preset.model, preset.modelOverrides);
  const over = parseOverrides(set, presetModel, preset.train);
  const train = resolveTrainConfig(over.train, preset.train);
  const host = hostSource(textCheckpoint);
  notes.push(...host.notes);

  const ds = openSource(unlabeled === null ? dataSpec : `${dataSpec}+${unlabeled}`);
  checkDataset(ds);
  checkVideoContext(ds, train.videoContext);
  notes.push(...ds.notes);
  leakGuard(host, ds, options, 'training or evaluating MIRD', notes);
  for (const m of ['audio', 'visual'] as const) {
    if (train[m === 'audio' ? 'audioInput' : 'visualInput']) continue;
    // a hidden modality has nothing to rebuild and no latent worth decorrelating
    if (m === 'audio') train.reconAudio = false;
    else train.reconVisual = false;
    const drop = new Set(pairsOf(m));
    train.miPairs = train.miPairs.filter((p) => !drop.has(p));
    notes.push(`${m} hidden (${m}Input false): every clip's ${m} sequence is empty in training and evaluation; recon${m === 'audio' ? 'Audio' : 'Visual'} and the MI pairs ${[...drop].join(', ')} are off`);
  }
  if (unlabeled !== null && over.train.splitRate === undefined && train.splitRate === 0) {
    train.splitRate = 2;
    notes.push('splitRate: 2 unlabeled clips per labeled clip (the authors\' script) because --unlabeled was given; --set splitRate=N overrides');
  }

  const model = modelConfigOf(presetModel, over.model, host, ds, textCheckpoint, notes);
  // a batch covariance of n rows has rank ≤ n − 1: whitening needs more rows than coordinates
  if ((train.constraint === 'cca' || train.whitening > 0) && train.batchSize <= model.latentDim) {
    const what = train.constraint === 'cca' ? 'constraint cca whitens each latent' : 'whitening pulls each latent toward identity covariance';
    throw new Error(`batchSize ${train.batchSize}: ${what} over a batch, which needs more rows than latentDim ${model.latentDim}; use --set batchSize=${2 * model.latentDim} or more`);
  }
  if (train.oracleShared) {
    const all = [...SPLIT_NAMES.flatMap((s) => ds.splits[s]), ...ds.unlabeled];
    const without = all.find((c) => c.factors === undefined);
    if (without !== undefined) throw new Error(`oracleShared: z^S would be each clip's true shared factor, and clip ${without.id} of ${dataSpec} has none (only the synthetic benchmark keeps its factors)`);
    const width = all[0]?.factors?.shared.length ?? 0;
    if (width > model.latentDim) throw new Error(`oracleShared: the shared factor has ${width} dimensions, more than latentDim ${model.latentDim}`);
    notes.push(`oracleShared (diagnostic): z^S is each clip's true shared factor s (${width} dims, zero-padded to ${model.latentDim}), not the shared encoder's output`);
  }
  const { data, stats } = await prepareData(ds, host, model, train, options);
  const resolved: ResolvedRun = {
    preset: spec.preset, data: dataSpec, unlabeled, textCheckpoint,
    textHost: { kind: host.kind, dir: host.dir === null ? null : displayPath(host.dir), vocab: host.vocab },
    seed: spec.seed, set, model, train,
  };
  return {
    resolved, data, normStats: stats, notes,
    build(seed = spec.seed) {
      const m = new MirdModel(model, seed, { host: host.build(model, deriveSeed(seed, 'mird/sharedBert')) });
      try {
        if (train.initFromHostHead) {
          if (host.head === null) throw new Error(`initFromHostHead: the text checkpoint ${textCheckpoint} has no sentiment head`);
          initSharedPathFromHead(m, host.head);
        }
        const { latent, input } = activePairs(train);
        const pairs = [...latent, ...input];
        const mi = pairs.length === 0 ? null : new MiTerms(pairs, train.estimator, { latent: model.latentDim, text: m.sharedEncoder.host.inputWidth, audio: model.audioDim, visual: model.visualDim }, seed);
        return { model: m, mi };
      } catch (err) {
        m.dispose();
        throw err;
      }
    },
  };
}

/** What a baseline run is, fully resolved: written to config.json and checked on --resume / eval. */
export interface ResolvedBaselineRun {
  /** the system (src/model/baselines/) */
  system: BaselineKind;
  preset: RunPresetName;
  data: string;
  /** always null: the baselines train on labeled clips only */
  unlabeled: null;
  textCheckpoint: string;
  textHost: ResolvedRun['textHost'];
  seed: number;
  set: Record<string, string>;
  /** what the model reads: the host's X^L width, the data's frame sizes, the batch's nominal lengths */
  inputs: { textWidth: number; audioDim: number; visualDim: number; textLength: number; audioLength: number; visualLength: number; host: { kind: TextHostKind; bert: BertConfig } };
  /** the system's resolved config */
  model: BaselineConfig;
  /** the training keys that apply to a baseline (GENERIC_TRAIN_KEYS; initFromHostHead for a system that can start at the host's head) */
  train: GenericTrainConfig & { initFromHostHead?: boolean };
}

export interface PreparedBaselineRun {
  resolved: ResolvedBaselineRun;
  data: PreparedData;
  normStats: NormStats;
  notes: string[];
  /** a fresh model (its text host from the checkpoint, when the host is a BERT the word-embedding table is the model's) */
  build(seed?: number): BaselineModel;
}

/**
 * Splits a baseline run's --set pairs into its model's config keys and the generic training keys;
 * MIRD's own keys (objective, estimators, unlabeled clips, network) are refused by name.
 */
export function parseBaselineOverrides(kind: BaselineKind, set: Record<string, string>, mirdModel: Readonly<ModelConfig>): { model: Record<string, unknown>; train: Partial<TrainConfig> } {
  const model: Record<string, unknown> = {};
  const train: Record<string, unknown> = {};
  const own = baselineKeys(kind);
  const generic = [...GENERIC_TRAIN_KEYS, ...(BASELINES[kind].startsFromHostHead === true ? ['initFromHostHead'] : [])] as readonly string[];
  const valid = (): string => `${kind} keys: ${own.join(', ')}; training keys: ${generic.join(', ')}`;
  for (const [key, raw] of Object.entries(set)) {
    if (own.includes(key)) model[key] = parseBaselineSet(kind, key, raw);
    else if (generic.includes(key)) train[key] = parseTrainValue(key as keyof TrainConfig, raw);
    else if (key in DEFAULT_TRAIN_CONFIG) throw new Error(`--set ${key}: a MIRD training key (its objective, estimators or unlabeled clips); it does not apply to --model ${kind} (${valid()})`);
    else if (key in mirdModel || key.startsWith('bert.')) throw new Error(`--set ${key}: a MIRD model key; it does not apply to --model ${kind} (${valid()})`);
    else throw new Error(`--set ${key}: unknown key for --model ${kind} (${valid()})`);
  }
  return { model, train: train as Partial<TrainConfig> };
}

/**
 * A baseline run, resolved and checked like prepareRun: the same data source, preset, text host
 * (X^L = host.inputStates), normalisation, hidden modalities and leak guard as MIRD on that
 * preset; the model's config from its defaults (the quick preset: small widths) and --set.
 */
export async function prepareBaselineRun(spec: RunSpec, options: PrepareOptions = {}): Promise<PreparedBaselineRun> {
  const kind = spec.model;
  if (kind === undefined || !isBaselineKind(kind)) throw new Error(`--model ${String(kind)}: not a baseline (known: ${Object.keys(BASELINES).join(', ')})`);
  if (spec.unlabeled !== undefined && spec.unlabeled !== null) throw new Error(`--unlabeled does not apply to --model ${kind}: the baselines train on labeled clips only`);
  const preset = runPreset(spec.preset);
  const dataSpec = spec.data ?? preset.data;
  const textCheckpoint = spec.textCheckpoint ?? preset.textCheckpoint;
  const set = spec.set ?? {};
  const notes: string[] = [];

  const presetModel = resolveModelConfig(preset.model, preset.modelOverrides);
  const over = parseBaselineOverrides(kind, set, presetModel);
  const fullTrain = resolveTrainConfig(over.train, preset.train);
  const fromHead = BASELINES[kind].startsFromHostHead === true;
  const train = { ...genericTrainConfig(fullTrain), ...(fromHead ? { initFromHostHead: fullTrain.initFromHostHead } : {}) };
  const config = baselineConfigFor(kind, spec.preset, over.model);
  if (spec.preset === 'quick') notes.push(`${kind}: the quick preset's small widths (${JSON.stringify(BASELINES[kind].quick)}) over the defaults`);
  const host = hostSource(textCheckpoint);
  notes.push(...host.notes);

  const ds = openSource(dataSpec);
  checkDataset(ds);
  checkVideoContext(ds, train.videoContext);
  notes.push(...ds.notes);
  leakGuard(host, ds, options, `training or evaluating ${kind}`, notes);
  for (const m of ['audio', 'visual'] as const) {
    if (!train[m === 'audio' ? 'audioInput' : 'visualInput']) notes.push(`${m} hidden (${m}Input false): every clip's ${m} sequence is empty in training and evaluation (its mean is 0)`);
  }
  // the host and the batch shapes as MIRD has them on this preset (no MIRD --set applies)
  const hostModel = modelConfigOf(presetModel, {}, host, ds, textCheckpoint, notes);
  const { data, stats } = await prepareData(ds, host, hostModel, train, options);
  const inputs = {
    textWidth: hostInputWidth(hostModel), audioDim: ds.audioDim, visualDim: ds.visualDim,
    textLength: hostModel.textLength, audioLength: hostModel.audioLength, visualLength: hostModel.visualLength,
    host: { kind: hostModel.textHost, bert: hostModel.bert },
  };
  if (train.initFromHostHead === true) {
    if (host.head === null) throw new Error(`initFromHostHead: the text checkpoint ${textCheckpoint} has no sentiment head (--set initFromHostHead=false trains ${kind} from a random head)`);
    notes.push(`initFromHostHead: ${kind}'s path starts at the text checkpoint's sentiment head, as MIRD's shared path does on this preset`);
  }
  const resolved: ResolvedBaselineRun = {
    system: kind, preset: spec.preset, data: dataSpec, unlabeled: null, textCheckpoint,
    textHost: { kind: host.kind, dir: host.dir === null ? null : displayPath(host.dir), vocab: host.vocab },
    seed: spec.seed, set, inputs, model: config, train,
  };
  return {
    resolved, data, normStats: stats, notes,
    build(seed = spec.seed) {
      const h = host.build(hostModel, deriveSeed(seed, `${kind}/host`));
      try {
        const m = BASELINES[kind].build(config, { textWidth: inputs.textWidth, audioDim: inputs.audioDim, visualDim: inputs.visualDim }, h, seed);
        if (train.initFromHostHead === true) {
          if (m.initFromHostHead === undefined) throw new Error(`initFromHostHead: ${kind} has no path that can start at the host's head`);
          try {
            m.initFromHostHead(host.head as RegressorHeadValues);
          } catch (err) {
            m.dispose();
            throw err;
          }
        }
        return m;
      } catch (err) {
        h.dispose();
        throw err;
      }
    },
  };
}
