// Masked-language-model pretraining of a small BERT on transcripts (Devlin et al. 2019, §3.1):
// the text side. 15% of the real word pieces of each sentence (at least one) are chosen; of
// those 80% become [MASK], 10% a random token, 10% stay (maskBatch). The MLM head maps the
// hidden state h_i at a chosen position to vocabulary logits
//   W_e · LN(GELU(W_t h_i + b_t)) + b_o
// with the decoder tied to the word-embedding table W_e. The loss and the resumable training
// loop are src/train/mlm.ts.
import * as tf from '@tensorflow/tfjs';
import type { Bert } from './bert';
import { gelu, layerNorm } from '../nn/layers';
import { makeVariable } from '../nn/dense';
import type { TensorToWrite } from '../nn/safetensors';
import { padRows, type WordPieceTokenizer } from './tokenizer';
import { linear, matMul } from '../nn/ops';
import { deriveSeed, Rng } from '../util/rng';

/** The MLM head of BertForMaskedLM, with Hugging Face's names (cls.predictions.*). */
export class MlmHead {
  readonly params = new Map<string, tf.Variable>();

  constructor(readonly bert: Bert, seed: number) {
    const h = bert.config.hiddenSize;
    const rng = new Rng(deriveSeed(seed, 'mlm/head'));
    this.params.set('cls.predictions.transform.dense.weight', makeVariable('mlm/transform/kernel', [h, h], 'bert', rng));
    this.params.set('cls.predictions.transform.dense.bias', makeVariable('mlm/transform/bias', [h], 'zeros', rng));
    this.params.set('cls.predictions.transform.LayerNorm.weight', makeVariable('mlm/ln_gamma', [h], 'ones', rng));
    this.params.set('cls.predictions.transform.LayerNorm.bias', makeVariable('mlm/ln_beta', [h], 'zeros', rng));
    this.params.set('cls.predictions.bias', makeVariable('mlm/output_bias', [bert.config.vocabSize], 'zeros', rng));
  }

  private p(name: string): tf.Tensor {
    return this.params.get(name) as tf.Variable;
  }

  /** hidden states at the chosen positions [M, H] → vocabulary logits [M, V]. */
  logits(hidden: tf.Tensor2D): tf.Tensor2D {
    const t = gelu(linear(hidden, this.p('cls.predictions.transform.dense.weight') as tf.Tensor2D, this.p('cls.predictions.transform.dense.bias') as tf.Tensor1D));
    const n = layerNorm(t, this.p('cls.predictions.transform.LayerNorm.weight') as tf.Tensor1D, this.p('cls.predictions.transform.LayerNorm.bias') as tf.Tensor1D, this.bert.config.layerNormEps) as tf.Tensor2D;
    const table = this.bert.param('embeddings.word_embeddings.weight') as tf.Tensor as tf.Tensor2D; // [V, H]
    return tf.add(matMul(n, table, false, true), this.p('cls.predictions.bias')) as tf.Tensor2D; // [M, V]
  }

  tensors(): Map<string, TensorToWrite> {
    const out = new Map<string, TensorToWrite>();
    for (const [k, v] of this.params) out.set(k, { shape: [...v.shape], data: v.dataSync() as Float32Array });
    return out;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}

export interface MaskedBatch {
  /** [B, L] ids with the chosen positions replaced */
  ids: Int32Array;
  mask: Float32Array;
  batchSize: number;
  width: number;
  /** flat indices b·L + t of the chosen positions */
  positions: Int32Array;
  /** original ids at those positions */
  targets: Int32Array;
}

/** BERT's masking of a batch of encoded rows ([CLS] … [SEP], unpadded). */
export function maskBatch(rows: readonly Int32Array[], tokenizer: WordPieceTokenizer, rng: Rng, rate = 0.15): MaskedBatch {
  const width = Math.max(...rows.map((r) => r.length));
  const padded = padRows(rows, tokenizer.padId, width);
  const positions: number[] = [];
  const targets: number[] = [];
  const special = new Set([tokenizer.clsId, tokenizer.sepId, tokenizer.padId]);
  let firstRegular = tokenizer.tokens.findIndex((t) => !/^\[.*\]$/.test(t));
  if (firstRegular < 0) firstRegular = 0;
  rows.forEach((r, b) => {
    const candidates: number[] = [];
    for (let t = 0; t < r.length; t++) if (!special.has(r[t] as number)) candidates.push(t);
    if (candidates.length === 0) return;
    let chosen = candidates.filter(() => rng.next() < rate);
    if (chosen.length === 0) chosen = [candidates[rng.int(candidates.length)] as number];
    for (const t of chosen) {
      const flat = b * width + t;
      positions.push(flat);
      targets.push(r[t] as number);
      const u = rng.next();
      // random replacements avoid the leading bracketed ids ([PAD], [unusedN], specials: 999 in bert-base)
      if (u < 0.8) padded.ids[flat] = tokenizer.maskId;
      else if (u < 0.9) padded.ids[flat] = firstRegular + rng.int(tokenizer.vocabSize - firstRegular);
    }
  });
  return { ids: padded.ids, mask: padded.mask, batchSize: rows.length, width, positions: Int32Array.from(positions), targets: Int32Array.from(targets) };
}
