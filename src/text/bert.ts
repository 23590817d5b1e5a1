// BERT encoder (Devlin et al. 2019) in tfjs ops, implementing the WSA contract BertEncoderApi:
// embed → runLayers(0, k) → (inject non-verbal information) → runLayers(k, N).
//
//   embeddings  E = Dropout(LN(W_word[ids] + W_pos[0..L) + W_type[typeIds]))          [B, L, H]
//   layer       A = LN(h + Dropout(MHA(h) W_o + b_o))
//               h' = LN(A + Dropout(GELU(A W_1 + b_1) W_2 + b_2))
//   MHA         head_i = softmax(Q_i K_iᵀ / √d_h + bias) V_i, bias = −10⁴ on padded keys
//   GELU(x)     = x · Φ(x) = ½ x (1 + erf(x / √2))   (the exact form, as in bert-base)
//   LN          eps 1e-12 (config.layerNormEps)
// Parameters are named like Hugging Face's BertModel without the "bert." prefix
// (e.g. "encoder.layer.0.attention.self.query.weight"), stored in our [in, out] layout;
// src/text/checkpoint.ts transposes to PyTorch's [out, in] on import/export.
import * as tf from '@tensorflow/tfjs';
import type { BertConfig, BertEncoderApi } from './bert-types';
import { linear, matMul } from '../nn/ops';
import { makeVariable, type Init } from '../nn/dense';
import { deriveSeed, Rng } from '../util/rng';

export type BertPreset = 'base' | 'small' | 'mini' | 'tiny';

const COMMON = { vocabSize: 30522, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropout: 0.1, attentionDropout: 0.1 };

/** bert-base-uncased and smaller shapes for one-core training (names follow Turc et al. 2019 loosely). */
export const BERT_PRESETS: Readonly<Record<BertPreset, Readonly<BertConfig>>> = Object.freeze({
  base: Object.freeze({ ...COMMON, hiddenSize: 768, numLayers: 12, numHeads: 12, intermediateSize: 3072 }),
  small: Object.freeze({ ...COMMON, hiddenSize: 256, numLayers: 4, numHeads: 4, intermediateSize: 1024 }),
  mini: Object.freeze({ ...COMMON, hiddenSize: 128, numLayers: 2, numHeads: 2, intermediateSize: 512 }),
  tiny: Object.freeze({ ...COMMON, hiddenSize: 64, numLayers: 2, numHeads: 2, intermediateSize: 256 }),
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

/** LayerNorm over the last axis: (x − μ) / √(σ² + eps) · γ + β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** GELU, exact erf form: ½ x (1 + erf(x / √2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/**
 * Mean of the hidden states over real tokens: Σ_t m_t h_t / max(Σ_t m_t, 1).
 * h [B, L, H], mask [B, L] (1 real, 0 padding) → [B, H].
 */
export function meanPool(h: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const m = tf.expandDims(tf.cast(mask, 'float32'), 2); // [B, L, 1]
    const sum = tf.sum(tf.mul(h, m), 1); // [B, H]
    const count = tf.maximum(tf.sum(m, 1), 1); // [B, 1]
    return tf.div(sum, count) as tf.Tensor2D;
  });
}

export interface BertOptions {
  /** also build the pooler (tanh(W h_[CLS] + b)) that Hugging Face checkpoints carry */
  pooler?: boolean;
}

/** Names of the parameters of one BERT layer, relative to `encoder.layer.N.`. */
export const LAYER_PARAM_NAMES = [
  'attention.self.query.weight', 'attention.self.query.bias',
  'attention.self.key.weight', 'attention.self.key.bias',
  'attention.self.value.weight', 'attention.self.value.bias',
  'attention.output.dense.weight', 'attention.output.dense.bias',
  'attention.output.LayerNorm.weight', 'attention.output.LayerNorm.bias',
  'intermediate.dense.weight', 'intermediate.dense.bias',
  'output.dense.weight', 'output.dense.bias',
  'output.LayerNorm.weight', 'output.LayerNorm.bias',
] as const;

/** Linear weights (stored [in, out] here, [out, in] in PyTorch checkpoints). */
export function isLinearWeight(name: string): boolean {
  return /(query|key|value|dense)\.weight$/.test(name);
}

export class Bert implements BertEncoderApi {
  readonly config: BertConfig;
  /** Hugging Face names (no "bert." prefix) → variables, in checkpoint order. */
  readonly params = new Map<string, tf.Variable>();
  private dropoutRng: Rng;

  constructor(config: BertConfig, seed: number, readonly options: BertOptions = {}) {
    this.config = validateBertConfig({ ...config });
    const c = this.config;
    const h = c.hiddenSize;
    const rng = new Rng(deriveSeed(seed, 'bert/init'));
    this.dropoutRng = new Rng(deriveSeed(seed, 'bert/dropout'));
    const add = (name: string, shape: number[], init: Init): void => {
      // LayerNorm γ starts at 1
      const v = makeVariable(`bert/${name}`, shape, name.endsWith('LayerNorm.weight') ? 'ones' : init, rng);
      this.params.set(name, v);
    };
    add('embeddings.word_embeddings.weight', [c.vocabSize, h], 'bert');
    add('embeddings.position_embeddings.weight', [c.maxPositions, h], 'bert');
    add('embeddings.token_type_embeddings.weight', [c.typeVocabSize, h], 'bert');
    add('embeddings.LayerNorm.weight', [h], 'zeros');
    add('embeddings.LayerNorm.bias', [h], 'zeros');
    for (let l = 0; l < c.numLayers; l++) {
      for (const rel of LAYER_PARAM_NAMES) {
        const name = `encoder.layer.${l}.${rel}`;
        if (rel.endsWith('LayerNorm.weight') || rel.endsWith('LayerNorm.bias') || rel.endsWith('.bias')) {
          add(name, [rel.startsWith('intermediate') && rel.endsWith('bias') ? c.intermediateSize : h], 'zeros');
        } else {
          const shape = rel.startsWith('intermediate') ? [h, c.intermediateSize] : rel.startsWith('output.dense') ? [c.intermediateSize, h] : [h, h];
          add(name, shape, 'bert');
        }
      }
    }
    if (options.pooler === true) {
      add('pooler.dense.weight', [h, h], 'bert');
      add('pooler.dense.bias', [h], 'zeros');
    }
  }

  /** Restarts the dropout stream (e.g. per training step, so a resumed run draws the same masks). */
  setDropoutSeed(seed: number): void {
    this.dropoutRng = new Rng(seed);
  }

  param(name: string): tf.Variable {
    const v = this.params.get(name);
    if (v === undefined) throw new Error(`Bert has no parameter "${name}"`);
    return v;
  }

  private p1(name: string): tf.Tensor1D {
    return this.param(name) as tf.Tensor as tf.Tensor1D;
  }

  private p2(name: string): tf.Tensor2D {
    return this.param(name) as tf.Tensor as tf.Tensor2D;
  }

  private dropout(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
    if (!training || rate === 0) return x;
    return tf.dropout(x, rate, undefined, this.dropoutRng.seed());
  }

  embed(ids: tf.Tensor2D, training: boolean, typeIds?: tf.Tensor2D): tf.Tensor3D {
    const c = this.config;
    const [, len] = ids.shape;
    if (len > c.maxPositions) throw new Error(`Bert.embed: sequence length ${len} exceeds maxPositions ${c.maxPositions}`);
    return tf.tidy(() => {
      const word = tf.gather(this.param('embeddings.word_embeddings.weight'), tf.cast(ids, 'int32')); // [B, L, H]
      const pos = tf.slice(this.param('embeddings.position_embeddings.weight'), [0, 0], [len, c.hiddenSize]); // [L, H]
      const typeTable = this.param('embeddings.token_type_embeddings.weight');
      const type = typeIds === undefined
        ? tf.slice(typeTable, [0, 0], [1, c.hiddenSize]) // [1, H], every token is segment A
        : tf.gather(typeTable, tf.cast(typeIds, 'int32')); // [B, L, H]
      const sum = tf.add(tf.add(word, pos), type);
      const normed = layerNorm(sum, this.p1('embeddings.LayerNorm.weight'), this.p1('embeddings.LayerNorm.bias'), c.layerNormEps);
      return this.dropout(normed, c.hiddenDropout, training) as tf.Tensor3D;
    });
  }

  /** −10⁴ on padded keys, 0 on real ones: [B, 1, 1, L], added to the attention scores. */
  private attentionBias(mask: tf.Tensor2D): tf.Tensor4D {
    const [b, len] = mask.shape;
    return tf.reshape(tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -10000), [b, 1, 1, len]);
  }

  private layer(h: tf.Tensor3D, bias: tf.Tensor4D, l: number, training: boolean): tf.Tensor3D {
    const c = this.config;
    const [b, len, hid] = h.shape;
    const nh = c.numHeads;
    const dh = hid / nh;
    const p = `encoder.layer.${l}.`;
    // [B, L, H] → [B·nh, L, d_h]
    const heads = (x: tf.Tensor): tf.Tensor3D =>
      tf.reshape(tf.transpose(tf.reshape(x, [b, len, nh, dh]), [0, 2, 1, 3]), [b * nh, len, dh]);
    const q = heads(linear(h, this.p2(p + 'attention.self.query.weight'), this.p1(p + 'attention.self.query.bias')));
    const k = heads(linear(h, this.p2(p + 'attention.self.key.weight'), this.p1(p + 'attention.self.key.bias')));
    const v = heads(linear(h, this.p2(p + 'attention.self.value.weight'), this.p1(p + 'attention.self.value.bias')));
    const raw = tf.reshape(tf.mul(matMul(q, k, false, true), 1 / Math.sqrt(dh)), [b, nh, len, len]); // [B, nh, L, L]
    const probs = this.dropout(tf.softmax(tf.add(raw, bias), -1), c.attentionDropout, training); // [B, nh, L, L]
    const ctx = matMul(tf.reshape(probs, [b * nh, len, len]) as tf.Tensor3D, v); // [B·nh, L, d_h]
    const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [b, nh, len, dh]), [0, 2, 1, 3]), [b, len, hid]); // [B, L, H]
    const attnOut = this.dropout(linear(merged, this.p2(p + 'attention.output.dense.weight'), this.p1(p + 'attention.output.dense.bias')), c.hiddenDropout, training);
    const a = layerNorm(tf.add(h, attnOut), this.p1(p + 'attention.output.LayerNorm.weight'), this.p1(p + 'attention.output.LayerNorm.bias'), c.layerNormEps);
    const inter = gelu(linear(a, this.p2(p + 'intermediate.dense.weight'), this.p1(p + 'intermediate.dense.bias'))); // [B, L, I]
    const out = this.dropout(linear(inter, this.p2(p + 'output.dense.weight'), this.p1(p + 'output.dense.bias')), c.hiddenDropout, training);
    return layerNorm(tf.add(a, out), this.p1(p + 'output.LayerNorm.weight'), this.p1(p + 'output.LayerNorm.bias'), c.layerNormEps) as tf.Tensor3D;
  }

  runLayers(h: tf.Tensor3D, mask: tf.Tensor2D, from: number, to: number, training: boolean): tf.Tensor3D {
    const n = this.config.numLayers;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > n || from > to) {
      throw new Error(`Bert.runLayers: need 0 ≤ from ≤ to ≤ ${n}, got from ${from}, to ${to}`);
    }
    if (mask.shape[0] !== h.shape[0] || mask.shape[1] !== h.shape[1]) {
      throw new Error(`Bert.runLayers: mask [${mask.shape}] does not match hidden states [${h.shape}] (expected [B, L])`);
    }
    if (from === to) return tf.clone(h);
    return tf.tidy(() => {
      const bias = this.attentionBias(mask);
      let x = h;
      for (let l = from; l < to; l++) x = this.layer(x, bias, l, training);
      return x;
    });
  }

  forward(ids: tf.Tensor2D, mask: tf.Tensor2D, training: boolean): tf.Tensor3D {
    return tf.tidy(() => this.runLayers(this.embed(ids, training), mask, 0, this.config.numLayers, training));
  }

  /** tanh(W h_[CLS] + b): [B, L, H] → [B, H]; needs `pooler: true`. */
  pool(h: tf.Tensor3D): tf.Tensor2D {
    if (!this.params.has('pooler.dense.weight')) throw new Error('Bert.pool: this encoder was built without a pooler (options.pooler)');
    return tf.tidy(() => {
      const cls = tf.squeeze(tf.slice(h, [0, 0, 0], [h.shape[0], 1, h.shape[2]]), [1]); // [B, H]
      return tf.tanh(linear(cls, this.p2('pooler.dense.weight'), this.p1('pooler.dense.bias'))) as tf.Tensor2D;
    });
  }

  variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  paramCount(): number {
    return this.variables().reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
