// The MIRD network's configuration: one typed, serialisable object with frozen defaults and
// named presets. Wherever the paper and the authors' code (qianfan1996/MIRD) differ, the
// difference is a field here; the default follows the paper, the comment names both. Where
// the paper is silent, the default follows the authors' code and the comment says so.
import { POOLING_KINDS, type PoolingKind } from '../nn/pooling';
import { BERT_PRESETS, type BertConfig } from '../text/bert-config';
import { freezeConfig } from '../util/config';

// The allowed values of each switch, once: the types derive from them and validation reads them.
const TEXT_ENCODER_KINDS = ['lstm', 'bert', 'lstm-host'] as const;
const TEXT_HOST_KINDS = ['bert', 'use-lite'] as const;
const ATTENTION_KINDS = ['sparsemax', 'softmax'] as const;
const GATE_KINDS = ['sigmoid', 'relu'] as const;
const DECODER_INPUT_KINDS = ['previousHidden', 'repeatLatent'] as const;
const TEXT_RECONSTRUCTION_KINDS = ['tokens', 'hostStates'] as const;
const ATTENTION_SCALE_KINDS = ['none', 'sqrt'] as const;
export type TextEncoderKind = (typeof TEXT_ENCODER_KINDS)[number];
export type TextHostKind = (typeof TEXT_HOST_KINDS)[number];
export type AttentionKind = (typeof ATTENTION_KINDS)[number];
export type GateKind = (typeof GATE_KINDS)[number];
export type DecoderInputKind = (typeof DECODER_INPUT_KINDS)[number];
export type TextReconstructionKind = (typeof TEXT_RECONSTRUCTION_KINDS)[number];
export type AttentionScaleKind = (typeof ATTENTION_SCALE_KINDS)[number];
export type PresetName = 'paper' | 'small' | 'quick';
export const PRESET_NAMES: readonly PresetName[] = ['paper', 'small', 'quick'];

export interface ModelConfig {
  /** Feature size of one audio frame, d_A (paper: 33 = 1 ZCR + 20 MFCC + 12 chroma). */
  audioDim: number;
  /** Feature size of one visual frame, d_V (paper: 709 OpenFace). */
  visualDim: number;
  /**
   * Nominal padded lengths T_L / T_A / T_V (paper: 50 / 400 / 55). Used for efficiency
   * counts and as the tokenizer's maxLength; a batch may be shorter (its padded length wins).
   */
  textLength: number;
  audioLength: number;
  visualLength: number;
  /** d: size of z^L, z^A, z^V, z^S (paper and code: 64). */
  latentDim: number;
  /**
   * The text host's shape: the shared (WSA-) BERT, or the USE-lite upper layers (their
   * hiddenSize, numLayers, numHeads, intermediateSize). Its vocabulary (bert.vocabSize) is that
   * of the host's token ids: the language decoder's output and the LSTM text encoder's table.
   */
  bert: BertConfig;
  /**
   * The network WSA injects into (src/model/text-host.ts). 'bert' (paper: bert-base);
   * 'use-lite': the frozen Universal Sentence Encoder lite under trainable upper layers, whose
   * frozen token states travel with the batch (the workspace's CPU-sized real-data host).
   */
  textHost: TextHostKind;

  // ---- modality-specific encoders (eq. 1)
  /**
   * Paper: z^L = FC(LSTM(token embeddings)) ('lstm'). Authors' code: a second BERT
   * (`language_encoder_use_lstm False`), pooled → dropout → Linear(768, 64) ('bert').
   * 'lstm-host': the LSTM reads the host's input-level states instead of its own embedding
   * table (USE-lite's frozen token states; BERT's word embeddings, as data: no gradient).
   */
  textEncoder: TextEncoderKind;
  /** Token-embedding size for the LSTM text encoder (authors' flag alternative: 128; paper silent). */
  textEmbeddingDim: number;
  /** Hidden size of the audio / visual / text LSTMs (authors: LSTMCell(d, 64); paper silent). */
  encoderHidden: number;
  /** BERT text encoder only: 'pooled' = tanh(FC(h_[CLS])) as the authors' code; 'mean' over real tokens. */
  textBertPooling: PoolingKind;
  /** Dropout before the text encoder's FC when textEncoder = 'bert' (authors: 0.5). */
  textBertDropout: number;

  // ---- modality-agnostic encoder WSA-BERT (eqs. 2–7)
  /**
   * BERT layer after which WSA + MAG is injected (0 = right after the embeddings).
   * Paper: "an intermediate layer" of BERT (default ⌊N/2⌋). Authors' code: 0 (after
   * BertEmbeddings, as in MAG-BERT and WSA-BERT).
   */
  injectionLayer: number;
  /** 'sparsemax' = WSA (paper and code); 'softmax' = WA-BERT (the authors' softmax variant). */
  attention: AttentionKind;
  /** Scale of the eq.-2 scores: 'none' (paper eq. 2 and code) or 1/sqrt(H) ('sqrt', an option). */
  attentionScale: AttentionScaleKind;
  /** MAG gate G^m = act(FC([W; X̃^m])): paper 'sigmoid' (σ, eq. 3); authors' code 'relu'. */
  gate: GateKind;
  /** ε of λ_k = min(‖w_k‖/‖h_k‖ · ε, 1) (paper ε; code beta_shift = 1). */
  betaShift: number;
  /** LayerNorm epsilon after the shift (code: 1e-5; paper silent). */
  wsaLayerNormEps: number;
  /** Dropout after the shift's LayerNorm (code: 0.5; paper silent). */
  wsaDropout: number;
  /**
   * Pooling of the continued BERT states into z^S. Paper eq. 7: mean over the (real) words.
   * Authors' code: BERT pooled output tanh(FC(h_[CLS])).
   */
  sharedPooling: PoolingKind;
  /** Dropout before the FC to z^S (code: 0.5; paper silent). */
  sharedDropout: number;

  // ---- decoders (eq. 8)
  /** LSTM decoder hidden size; 'previousHidden' needs it = 2·latentDim (code: LSTMCell(128, 128)). */
  decoderHidden: number;
  /**
   * What each decoder step reads. Paper eq. 8 only says "LSTM decoder from [z^m; z^S]".
   * Authors' code: step 0 reads [z^S; z^m], later steps the previous hidden state
   * ('previousHidden', default). 'repeatLatent' feeds [z^m; z^S] at every step.
   */
  decoderInput: DecoderInputKind;
  /**
   * What the language decoder rebuilds (eq. 8): 'tokens', cross entropy over the host's
   * vocabulary (paper and code); or 'hostStates', MSE against the host's input-level states
   * (USE-lite's frozen token states), the same X^L that the 'lstm-host' encoder and the
   * I(z^S; X^L) estimator read — a host whose tokens feed a frozen encoder has these as its
   * language features, and rebuilding them avoids a softmax over the vocabulary per token.
   */
  textReconstruction: TextReconstructionKind;

  // ---- regressor (eqs. 16–17)
  /** Hidden size of the 2-layer FC regressor (code: 256 → 64 → 1). */
  regressorHidden: number;
  /** Dropout between the regressor's layers (code: 0.5). */
  regressorDropout: number;
}

/** The paper: bert-base, 33-d audio × 400, 709-d visual × 55, 50 tokens, d = 64. */
export const PAPER_CONFIG: Readonly<ModelConfig> = freezeConfig({
  audioDim: 33,
  visualDim: 709,
  textLength: 50,
  audioLength: 400,
  visualLength: 55,
  latentDim: 64,
  bert: { ...BERT_PRESETS.base },
  textHost: 'bert',
  textEncoder: 'lstm',
  textEmbeddingDim: 128,
  encoderHidden: 64,
  textBertPooling: 'pooled',
  textBertDropout: 0.5,
  injectionLayer: 6,
  attention: 'sparsemax',
  attentionScale: 'none',
  gate: 'sigmoid',
  betaShift: 1,
  wsaLayerNormEps: 1e-5,
  wsaDropout: 0.5,
  sharedPooling: 'mean',
  sharedDropout: 0.5,
  decoderHidden: 128,
  decoderInput: 'previousHidden',
  textReconstruction: 'tokens',
  regressorHidden: 64,
  regressorDropout: 0.5,
});

/** A 4-layer, 256-wide BERT with the paper's data shapes: trainable on one CPU core. */
export const SMALL_CONFIG: Readonly<ModelConfig> = freezeConfig({
  ...PAPER_CONFIG,
  bert: { ...BERT_PRESETS.small },
  injectionLayer: 2,
});

/** Tiny everything, for tests, CI and quick notebooks. */
export const QUICK_CONFIG: Readonly<ModelConfig> = freezeConfig({
  ...PAPER_CONFIG,
  textLength: 16,
  audioLength: 24,
  visualLength: 12,
  latentDim: 16,
  bert: {
    ...BERT_PRESETS.base,
    hiddenSize: 32,
    numLayers: 2,
    numHeads: 2,
    intermediateSize: 64,
    maxPositions: 64,
  },
  textEmbeddingDim: 16,
  encoderHidden: 16,
  injectionLayer: 1,
  decoderHidden: 32,
  regressorHidden: 16,
});

export const PRESETS: Readonly<Record<PresetName, Readonly<ModelConfig>>> = Object.freeze({
  paper: PAPER_CONFIG,
  small: SMALL_CONFIG,
  quick: QUICK_CONFIG,
});

/** Overrides: any subset of the fields, `bert` itself partial. */
export type ModelConfigOverrides = Partial<Omit<ModelConfig, 'bert'>> & { bert?: Partial<BertConfig> };

const ENUMS: Record<string, readonly string[]> = {
  textHost: TEXT_HOST_KINDS,
  textEncoder: TEXT_ENCODER_KINDS,
  attention: ATTENTION_KINDS,
  attentionScale: ATTENTION_SCALE_KINDS,
  gate: GATE_KINDS,
  textBertPooling: POOLING_KINDS,
  sharedPooling: POOLING_KINDS,
  decoderInput: DECODER_INPUT_KINDS,
  textReconstruction: TEXT_RECONSTRUCTION_KINDS,
};
const POSITIVE_INTS = [
  'audioDim', 'visualDim', 'textLength', 'audioLength', 'visualLength', 'latentDim',
  'textEmbeddingDim', 'encoderHidden', 'decoderHidden', 'regressorHidden',
];
const RATES = ['textBertDropout', 'wsaDropout', 'sharedDropout', 'regressorDropout'];
const BERT_POSITIVE_INTS = ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'maxPositions', 'typeVocabSize'];

/** Throws one error naming the first bad field. */
export function validateModelConfig(c: ModelConfig): void {
  const rec = c as unknown as Record<string, unknown>;
  for (const key of POSITIVE_INTS) {
    const v = rec[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`model config: ${key} must be a positive integer, got ${String(v)}`);
  }
  for (const key of RATES) {
    const v = rec[key];
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`model config: ${key} must be a dropout rate in [0, 1), got ${String(v)}`);
  }
  for (const [key, allowed] of Object.entries(ENUMS)) {
    const v = rec[key];
    if (typeof v !== 'string' || !allowed.includes(v)) throw new Error(`model config: ${key} must be one of ${allowed.join(' | ')}, got ${String(v)}`);
  }
  const b = c.bert as unknown as Record<string, unknown>;
  for (const key of BERT_POSITIVE_INTS) {
    const v = b[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`model config: bert.${key} must be a positive integer, got ${String(v)}`);
  }
  if (c.bert.hiddenSize % c.bert.numHeads !== 0) {
    throw new Error(`model config: bert.hiddenSize (${c.bert.hiddenSize}) must be divisible by bert.numHeads (${c.bert.numHeads})`);
  }
  if (!Number.isInteger(c.injectionLayer) || c.injectionLayer < 0 || c.injectionLayer > c.bert.numLayers) {
    throw new Error(`model config: injectionLayer must be an integer in [0, bert.numLayers = ${c.bert.numLayers}], got ${c.injectionLayer}`);
  }
  if (!(c.betaShift > 0) || !Number.isFinite(c.betaShift)) throw new Error(`model config: betaShift must be a positive number, got ${c.betaShift}`);
  if (!(c.wsaLayerNormEps > 0)) throw new Error(`model config: wsaLayerNormEps must be positive, got ${c.wsaLayerNormEps}`);
  if (c.textLength > c.bert.maxPositions) {
    throw new Error(`model config: textLength (${c.textLength}) exceeds bert.maxPositions (${c.bert.maxPositions})`);
  }
  if (c.textHost === 'use-lite' && c.textEncoder === 'bert') {
    throw new Error("model config: textEncoder 'bert' (a second BERT) needs textHost 'bert'; with the USE-lite host use 'lstm' or 'lstm-host'");
  }
  if (c.decoderInput === 'previousHidden' && c.decoderHidden !== 2 * c.latentDim) {
    throw new Error(
      `model config: decoderInput 'previousHidden' feeds h_{t-1} where step 0 read [z^m; z^S], so decoderHidden must equal 2·latentDim = ${2 * c.latentDim}, got ${c.decoderHidden}`,
    );
  }
}

/**
 * A full config from a preset (default 'paper') plus overrides. Unknown keys — at the top
 * level or inside `bert` — are errors that name the key.
 */
export function resolveModelConfig(preset: PresetName | ModelConfig = 'paper', overrides: ModelConfigOverrides = {}): ModelConfig {
  let base: Readonly<ModelConfig>;
  if (typeof preset === 'string') {
    const p = PRESETS[preset as PresetName];
    if (p === undefined) throw new Error(`model config: unknown preset "${preset}" (known: ${PRESET_NAMES.join(', ')})`);
    base = p;
  } else {
    base = preset;
  }
  const known = new Set(Object.keys(PAPER_CONFIG));
  const knownBert = new Set(Object.keys(BERT_PRESETS.base));
  for (const key of Object.keys(overrides)) {
    if (!known.has(key)) throw new Error(`model config: unknown key "${key}" (known: ${[...known].join(', ')})`);
  }
  const bertOverrides = overrides.bert ?? {};
  for (const key of Object.keys(bertOverrides)) {
    if (!knownBert.has(key)) throw new Error(`model config: unknown key "bert.${key}" (known: ${[...knownBert].map((k) => `bert.${k}`).join(', ')})`);
  }
  const merged: ModelConfig = { ...base, ...(overrides as Partial<ModelConfig>), bert: { ...base.bert, ...bertOverrides } };
  for (const key of Object.keys(merged)) {
    if ((merged as unknown as Record<string, unknown>)[key] === undefined) throw new Error(`model config: ${key} is undefined`);
  }
  validateModelConfig(merged);
  return merged;
}

/** The authors' code (qianfan1996/MIRD) as overrides of a preset. */
export const AUTHORS_CODE_OVERRIDES: Readonly<ModelConfigOverrides> = Object.freeze({
  injectionLayer: 0, gate: 'relu', textEncoder: 'bert', sharedPooling: 'pooled',
});

/**
 * The paper-vs-code differences. `field` names a ModelConfig key, or `fixed` says what this code
 * always does where the difference is not a switch.
 */
const PAPER_VS_CODE: ReadonlyArray<{ field: string; paper: string; authorsCode: string; fixed?: string }> = [
  { field: 'injectionLayer', paper: 'an intermediate BERT layer (presets: ⌊N/2⌋)', authorsCode: '0 (after the embeddings)' },
  { field: 'gate', paper: 'sigmoid σ (eq. 3)', authorsCode: 'relu' },
  { field: 'textHost', paper: 'bert (bert-base)', authorsCode: 'bert (bert-base-uncased)' },
  { field: 'textEncoder', paper: 'lstm over token embeddings (eq. 1)', authorsCode: 'bert (a second BERT, pooled)' },
  { field: 'sharedPooling', paper: 'mean over words (eq. 7)', authorsCode: 'pooled ([CLS] → FC → tanh)' },
  { field: 'attention', paper: 'sparsemax (WSA)', authorsCode: 'sparsemax (WSA); softmax = WA-BERT' },
  { field: 'attentionScale', paper: 'none (eq. 2)', authorsCode: 'none' },
  { field: 'textReconstruction', paper: 'tokens (cross entropy over the vocabulary)', authorsCode: 'tokens (incl. [PAD]/[CLS]/[SEP])' },
  { field: 'decoderInput', paper: 'LSTM from [z^m; z^S] (eq. 8)', authorsCode: 'step 0 [z^S; z^m], then h_{t-1}' },
  {
    field: 'frame / token masks', paper: 'unaligned sequences (lengths implied)',
    authorsCode: 'none: padded frames enter LSTMs and Sparsemax; the language BERT gets no attention mask', fixed: 'always masked',
  },
  { field: 'f_sim bias', paper: 'a fully connected map (eq. 2)', authorsCode: 'Linear with bias (a no-op: Sparsemax is shift-invariant)', fixed: 'no bias' },
  { field: 'λ guard', paper: 'λ = min(‖w‖/‖h‖·ε, 1)', authorsCode: '‖h‖ := 1 where 0, then + 1e-6', fixed: 'as the code' },
  {
    field: 'reconstruction loss', paper: 'CE (text), MSE (audio/visual)', authorsCode: 'CE incl. [PAD]/[CLS]/[SEP], MSE incl. padded frames',
    fixed: 'masked (maskedCrossEntropy / maskedMse)',
  },
];

/** The paper-vs-code differences as rows with the value `config` takes (for notebooks and `mird info`). */
export function paperVsCode(config: ModelConfig): Array<{ field: string; paper: string; "authors' code": string; 'this config': string }> {
  return PAPER_VS_CODE.map((d) => ({
    field: d.field,
    paper: d.paper,
    "authors' code": d.authorsCode,
    'this config': d.fixed ?? String((config as unknown as Record<string, unknown>)[d.field]),
  }));
}
