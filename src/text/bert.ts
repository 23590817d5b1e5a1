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
// The layer and attention math is src/nn/transformer.ts; this class owns the named weights.
import * as tf from '@tensorflow/tfjs';
import { validateBertConfig, type BertConfig } from './bert-config';
import type { BertEncoderApi } from './bert-types';
import { layerNorm } from '../nn/layers';
import { linear } from '../nn/ops';
import { makeVariable, type Init } from '../nn/dense';
import { attentionBias, transformerLayer, type LinearWeights, type TransformerLayerWeights } from '../nn/transformer';
import { deriveSeed, Rng } from '../util/rng';

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

  private linearWeights(name: string): LinearWeights {
    return { w: this.p2(`${name}.weight`), b: this.p1(`${name}.bias`) };
  }

  /** Layer l's weights, by their Hugging Face names. */
  private layerWeights(l: number): TransformerLayerWeights {
    const p = `encoder.layer.${l}.`;
    return {
      attention: {
        query: this.linearWeights(p + 'attention.self.query'),
        key: this.linearWeights(p + 'attention.self.key'),
        value: this.linearWeights(p + 'attention.self.value'),
        output: this.linearWeights(p + 'attention.output.dense'),
      },
      attentionNorm: { gamma: this.p1(p + 'attention.output.LayerNorm.weight'), beta: this.p1(p + 'attention.output.LayerNorm.bias') },
      intermediate: this.linearWeights(p + 'intermediate.dense'),
      output: this.linearWeights(p + 'output.dense'),
      outputNorm: { gamma: this.p1(p + 'output.LayerNorm.weight'), beta: this.p1(p + 'output.LayerNorm.bias') },
    };
  }

  private layer(h: tf.Tensor3D, bias: tf.Tensor4D, l: number, training: boolean): tf.Tensor3D {
    const c = this.config;
    return transformerLayer(h, bias, this.layerWeights(l), {
      numHeads: c.numHeads,
      layerNormEps: c.layerNormEps,
      hiddenDropout: c.hiddenDropout,
      attentionDropout: c.attentionDropout,
      dropout: (x, rate) => this.dropout(x, rate, training),
    });
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
      const bias = attentionBias(mask);
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
