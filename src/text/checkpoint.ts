// Hugging Face BERT checkpoints in a local folder: config.json + vocab.txt + model.safetensors.
//
// Import accepts the standard BertModel names with or without the "bert." prefix
// (bert.embeddings.word_embeddings.weight, bert.encoder.layer.N.attention.self.query.weight, …),
// the old TF-converted LayerNorm names gamma/beta, F32/F16/BF16 data, and ignores the
// position_ids buffer. MLM-head tensors (cls.*) are returned, not loaded into the encoder.
// PyTorch Linear weights are [out, in]; ours are [in, out], so they are transposed both ways.
// Export writes the same format ("bert." prefix, F32), which Hugging Face's
// BertModel/BertForMaskedLM.from_pretrained can read.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/files';
import { join, resolve } from 'node:path';
import { validateBertConfig, type BertConfig } from './bert-config';
import { Bert, isLinearWeight } from './bert';
import { readSafetensors, writeSafetensors, type TensorEntry, type TensorToWrite } from '../nn/safetensors';
import { WordPieceTokenizer } from './tokenizer';

/** The fields of a Hugging Face BertConfig (config.json) that shape the encoder. */
export interface HfBertConfigJson {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  layer_norm_eps?: number;
  hidden_dropout_prob?: number;
  attention_probs_dropout_prob?: number;
  hidden_act?: string;
  model_type?: string;
  [key: string]: unknown;
}

export function configFromHf(json: HfBertConfigJson, path = 'config.json'): BertConfig {
  const need = (key: keyof HfBertConfigJson): number => {
    const v = json[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${path}: field ${String(key)} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (json.model_type !== undefined && json.model_type !== 'bert') throw new Error(`${path}: model_type is "${json.model_type}", only "bert" is supported`);
  if (json.hidden_act !== undefined && json.hidden_act !== 'gelu') {
    throw new Error(`${path}: hidden_act "${json.hidden_act}" is not supported (this encoder implements the exact erf GELU, "gelu")`);
  }
  return validateBertConfig(
    {
      vocabSize: need('vocab_size'),
      hiddenSize: need('hidden_size'),
      numLayers: need('num_hidden_layers'),
      numHeads: need('num_attention_heads'),
      intermediateSize: need('intermediate_size'),
      maxPositions: need('max_position_embeddings'),
      typeVocabSize: need('type_vocab_size'),
      layerNormEps: json.layer_norm_eps ?? 1e-12,
      hiddenDropout: json.hidden_dropout_prob ?? 0.1,
      attentionDropout: json.attention_probs_dropout_prob ?? 0.1,
    },
    path,
  );
}

export function configToHf(c: BertConfig): HfBertConfigJson {
  return {
    architectures: ['BertForMaskedLM'],
    model_type: 'bert',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: 'gelu',
    hidden_dropout_prob: c.hiddenDropout,
    attention_probs_dropout_prob: c.attentionDropout,
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    initializer_range: 0.02,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: 0,
  };
}

/** Our parameter name for a checkpoint tensor name, or null for tensors the encoder does not own. */
export function canonicalName(name: string): string | null {
  let n = name.startsWith('bert.') ? name.slice(5) : name;
  // cls.*: MLM head; classifier.*: a sequence-level head (BertForSequenceClassification, or the
  // MOSEI stage's regressor); adam.*: optimizer state of a `mird pretrain-text` checkpoint
  if (n.startsWith('cls.') || n.startsWith('classifier.') || n.startsWith('adam.') || n === 'embeddings.position_ids') return null;
  n = n.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
  return n;
}

function listFew(names: string[], max = 5): string {
  return names.slice(0, max).join(', ') + (names.length > max ? `, … (${names.length} in all)` : '');
}

/**
 * Copies a checkpoint's tensors into an existing encoder. Every encoder parameter must be
 * present with the right shape; tensors the encoder does not own (other than cls.* heads,
 * position_ids and, without a pooler, pooler.*) are an error. Returns the tensors it skipped.
 */
export function loadBertWeights(bert: Bert, tensors: ReadonlyMap<string, TensorEntry>, file: string): { skipped: string[]; extra: Map<string, TensorEntry> } {
  const found = new Map<string, { source: string; entry: TensorEntry }>();
  const unexpected: string[] = [];
  const skipped: string[] = [];
  const extra = new Map<string, TensorEntry>();
  for (const [name, entry] of tensors) {
    const canon = canonicalName(name);
    if (canon === null) {
      skipped.push(name);
      extra.set(name, entry);
      continue;
    }
    if (!bert.params.has(canon)) {
      if (canon.startsWith('pooler.')) {
        skipped.push(name);
        extra.set(name, entry);
        continue;
      }
      unexpected.push(name);
      continue;
    }
    if (found.has(canon)) throw new Error(`${file}: tensors "${found.get(canon)?.source}" and "${name}" both map to ${canon}`);
    found.set(canon, { source: name, entry });
  }
  if (unexpected.length > 0) {
    throw new Error(`${file}: unexpected tensor names (not part of a ${bert.config.numLayers}-layer BERT encoder): ${listFew(unexpected)}`);
  }
  const missing = [...bert.params.keys()].filter((k) => !found.has(k));
  if (missing.length > 0) throw new Error(`${file}: missing tensors (with or without the "bert." prefix): ${listFew(missing)}`);
  const values: Array<[tf.Variable, tf.Tensor]> = [];
  for (const [canon, { source, entry }] of found) {
    const v = bert.param(canon);
    const want = isLinearWeight(canon) ? [...v.shape].reverse() : v.shape;
    if (entry.shape.length !== want.length || entry.shape.some((d, i) => d !== want[i])) {
      throw new Error(`${file}: tensor "${source}" has shape [${entry.shape}], expected [${want}]${isLinearWeight(canon) ? ' (PyTorch Linear layout [out, in])' : ''}`);
    }
    if (!(entry.data instanceof Float32Array)) throw new Error(`${file}: tensor "${source}" has integer dtype ${entry.dtype}, expected a float`);
    for (let i = 0; i < entry.data.length; i++) {
      if (!Number.isFinite(entry.data[i] as number)) throw new Error(`${file}: tensor "${source}" has a non-finite value at flat index ${i}`);
    }
    const t = tf.tensor(entry.data, entry.shape);
    values.push([v, isLinearWeight(canon) ? tf.tidy(() => tf.transpose(t)) : t]);
    if (isLinearWeight(canon)) t.dispose();
  }
  for (const [v, t] of values) {
    v.assign(t);
    t.dispose();
  }
  return { skipped, extra };
}

export interface LoadedCheckpoint {
  bert: Bert;
  tokenizer: WordPieceTokenizer;
  config: BertConfig;
  /** tensors not loaded into the encoder (cls.* MLM head, pooler without `pooler: true`) */
  extra: Map<string, TensorEntry>;
  notes: string[];
}

/** Reads config.json, vocab.txt and model.safetensors from `dir` and builds the encoder. */
export function loadBertCheckpoint(dir: string, options: { pooler?: boolean; seed?: number } = {}): LoadedCheckpoint {
  for (const f of ['config.json', 'vocab.txt', 'model.safetensors']) {
    if (!existsSync(join(dir, f))) {
      const hint = f === 'model.safetensors' && existsSync(join(dir, 'pytorch_model.bin'))
        ? ' (found pytorch_model.bin: convert it with transformers, model.save_pretrained(dir, safe_serialization=True))'
        : '';
      throw new Error(`BERT checkpoint ${dir}: missing ${f}${hint}; a checkpoint folder needs config.json, vocab.txt and model.safetensors`);
    }
  }
  const configPath = join(dir, 'config.json');
  let json: HfBertConfigJson;
  try {
    json = JSON.parse(readFileSync(configPath, 'utf8')) as HfBertConfigJson;
  } catch (err) {
    throw new Error(`${configPath}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const config = configFromHf(json, configPath);
  const tokenizer = WordPieceTokenizer.fromVocabFile(join(dir, 'vocab.txt'));
  const weightsPath = join(dir, 'model.safetensors');
  const file = readSafetensors(weightsPath);
  const wordName = [...file.tensors.keys()].find((n) => canonicalName(n) === 'embeddings.word_embeddings.weight');
  const wordRows = wordName === undefined ? undefined : file.tensors.get(wordName)?.shape[0];
  if (tokenizer.vocabSize !== config.vocabSize || (wordRows !== undefined && wordRows !== config.vocabSize)) {
    throw new Error(
      `BERT checkpoint ${dir}: vocabulary sizes disagree: config.json vocab_size ${config.vocabSize}, vocab.txt ${tokenizer.vocabSize} lines, ` +
        `word_embeddings ${wordRows ?? 'missing'} rows`,
    );
  }
  const bert = new Bert(config, options.seed ?? 0, { pooler: options.pooler === true });
  try {
    const { skipped, extra } = loadBertWeights(bert, file.tensors, weightsPath);
    const notes = [`loaded ${bert.params.size} tensors from ${weightsPath}`];
    if (skipped.length > 0) notes.push(`not loaded into the encoder: ${listFew(skipped)}`);
    return { bert, tokenizer, config, extra, notes };
  } catch (err) {
    bert.dispose();
    throw err;
  }
}

/** The encoder's weights under Hugging Face names ("bert." prefix), Linear weights as [out, in]. */
export function bertTensors(bert: Bert, dtype: 'F32' | 'F16' = 'F32'): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const [name, v] of bert.params) {
    const t = isLinearWeight(name) ? tf.tidy(() => tf.transpose(v)) : v;
    out.set(`bert.${name}`, { dtype, shape: [...t.shape], data: t.dataSync() as Float32Array });
    if (t !== v) t.dispose();
  }
  return out;
}

/**
 * Writes config.json, vocab.txt (a copy of `vocabPath`) and model.safetensors into `dir`.
 * `extra` tensors (e.g. an MLM head under cls.*) are appended as given.
 */
export function saveBertCheckpoint(
  dir: string,
  bert: Bert,
  vocabPath: string,
  options: { extra?: ReadonlyMap<string, TensorToWrite>; metadata?: Record<string, string>; dtype?: 'F32' | 'F16' } = {},
): void {
  const vocab = WordPieceTokenizer.fromVocabFile(vocabPath);
  if (vocab.vocabSize !== bert.config.vocabSize) {
    throw new Error(`saveBertCheckpoint: ${vocabPath} has ${vocab.vocabSize} tokens but the encoder's vocabSize is ${bert.config.vocabSize}`);
  }
  mkdirSync(dir, { recursive: true });
  // F16 halves the file (e.g. a shipped backbone); loading converts back to F32
  const tensors = bertTensors(bert, options.dtype ?? 'F32');
  for (const [k, t] of options.extra ?? []) tensors.set(k, t);
  writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt', ...(options.metadata ?? {}) });
  writeFileAtomic(join(dir, 'config.json'), JSON.stringify(configToHf(bert.config), null, 2) + '\n');
  if (resolve(dir, 'vocab.txt') !== resolve(vocabPath)) writeFileAtomic(join(dir, 'vocab.txt'), readFileSync(vocabPath));
}
