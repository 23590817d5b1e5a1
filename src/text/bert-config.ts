// BERT's shape: the one BertConfig type, the named presets (bert-base-uncased and smaller
// shapes) and their validation. The text backbone and the MIRD model config both read these.

export interface BertConfig {
  vocabSize: number; // 30522 for bert-base-uncased
  hiddenSize: number; // 768 for bert-base
  numLayers: number; // 12 for bert-base
  numHeads: number; // 12 for bert-base
  intermediateSize: number; // 3072 for bert-base
  maxPositions: number; // 512
  typeVocabSize: number; // 2
  layerNormEps: number; // 1e-12
  hiddenDropout: number; // 0.1
  attentionDropout: number; // 0.1
}

export type BertPreset = 'base' | 'small' | 'mini' | 'tiny';

type BertShape = Pick<BertConfig, 'hiddenSize' | 'numLayers' | 'numHeads' | 'intermediateSize'>;

// keys in BertConfig's order, so a preset serialises like the interface reads
const withShape = (shape: BertShape): Readonly<BertConfig> =>
  Object.freeze({ vocabSize: 30522, ...shape, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropout: 0.1, attentionDropout: 0.1 });

/** bert-base-uncased and smaller shapes for one-core training (names follow Turc et al. 2019 loosely). */
export const BERT_PRESETS: Readonly<Record<BertPreset, Readonly<BertConfig>>> = Object.freeze({
  base: withShape({ hiddenSize: 768, numLayers: 12, numHeads: 12, intermediateSize: 3072 }),
  small: withShape({ hiddenSize: 256, numLayers: 4, numHeads: 4, intermediateSize: 1024 }),
  mini: withShape({ hiddenSize: 128, numLayers: 2, numHeads: 2, intermediateSize: 512 }),
  tiny: withShape({ hiddenSize: 64, numLayers: 2, numHeads: 2, intermediateSize: 256 }),
});

const CONFIG_KEYS: readonly (keyof BertConfig)[] = [
  'vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'maxPositions', 'typeVocabSize', 'layerNormEps', 'hiddenDropout', 'attentionDropout',
];

/** A preset with overrides, validated (unknown keys and impossible shapes are errors). */
export function bertConfig(preset: BertPreset = 'mini', overrides: Partial<BertConfig> = {}): BertConfig {
  const base = BERT_PRESETS[preset];
  if (base === undefined) throw new Error(`unknown BERT preset "${preset}" (known: ${Object.keys(BERT_PRESETS).join(', ')})`);
  return validateBertConfig({ ...base, ...overrides }, `preset ${preset}`);
}

export function validateBertConfig(config: BertConfig, where = 'BertConfig'): BertConfig {
  for (const key of Object.keys(config)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) throw new Error(`${where}: unknown config key "${key}" (known: ${CONFIG_KEYS.join(', ')})`);
  }
  for (const key of CONFIG_KEYS) {
    const v = config[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: ${key} must be a finite number, got ${String(v)}`);
    if (key === 'layerNormEps' ? v <= 0 : key.endsWith('Dropout') ? v < 0 || v >= 1 : !Number.isInteger(v) || v <= 0) {
      throw new Error(`${where}: invalid ${key} = ${v}`);
    }
  }
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new Error(`${where}: hiddenSize ${config.hiddenSize} is not divisible by numHeads ${config.numHeads}`);
  }
  return config;
}

/** Count of parameters of a BERT encoder (no pooler, no MLM head). */
export function bertParamCount(c: BertConfig): number {
  const h = c.hiddenSize;
  const emb = (c.vocabSize + c.maxPositions + c.typeVocabSize) * h + 2 * h;
  const layer = 4 * (h * h + h) + 2 * h + (h * c.intermediateSize + c.intermediateSize) + (c.intermediateSize * h + h) + 2 * h;
  return emb + c.numLayers * layer;
}
