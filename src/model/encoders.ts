// Modality-specific encoders (paper eq. 1): z^m = FC(LSTM(X^m)), m ∈ {L, A, V}, z^m ∈ R^d.
// The LSTM's state at each sequence's last REAL step is used (padding never enters; the
// authors' code runs its LSTMCells over all padded frames).
// Text: the paper's LSTM over token embeddings (config.textEncoder = 'lstm'), the authors'
// code's second BERT (pooled → dropout → FC, 'bert'), or an LSTM over the text host's
// input-level states ('lstm-host': USE-lite's frozen token states, read as data). The embedding
// table's gradient goes through gather → UnsortedSegmentSum (registered for wasm in
// src/wasm-kernels.ts).
import * as tf from '@tensorflow/tfjs';
import type { BertEncoderApi } from '../text/bert-types';
import { Dense, makeVariable } from '../nn/dense';
import { detach } from '../nn/ops';
import { Lstm } from '../nn/lstm';
import { Pooling } from '../nn/pooling';
import { Rng } from '../util/rng';
import type { ModelConfig } from './config';
import type { TextHost, TextHostInputs } from './text-host';

/** Audio or visual: LSTM(d_m → hidden) over the real frames, FC(hidden → d). */
export class SequenceEncoder {
  readonly lstm: Lstm;
  readonly fc: Dense;

  constructor(readonly name: string, inDim: number, hidden: number, latentDim: number, rng: Rng) {
    this.lstm = new Lstm(`${name}/lstm`, inDim, hidden, rng);
    this.fc = new Dense(`${name}/fc`, hidden, latentDim, rng);
  }

  /** x [B, T, d_m], mask [B, T] (its row sums `lengths` when they are on the host) → z^m [B, d] */
  apply(x: tf.Tensor3D, mask: tf.Tensor2D, lengths?: ArrayLike<number>): tf.Tensor2D {
    return this.fc.apply(this.lstm.run(x, mask, lengths).h) as tf.Tensor2D;
  }

  variables(): tf.Variable[] {
    return [...this.lstm.variables(), ...this.fc.variables()];
  }

  dispose(): void {
    this.lstm.dispose();
    this.fc.dispose();
  }
}

export interface TextEncoder {
  /** ids [B, T_L] int32, mask [B, T_L] (and the host's frozen states when it has them) → z^L [B, d] */
  apply(x: TextHostInputs, training: boolean, dropoutRng: Rng): tf.Tensor2D;
  variables(): tf.Variable[];
  dispose(): void;
}

/** Paper: embedding table [V, E] → LSTM(E → hidden) over the real tokens → FC(hidden → d). */
export class LstmTextEncoder implements TextEncoder {
  readonly embedding: tf.Variable; // [V, E]
  readonly encoder: SequenceEncoder;

  constructor(config: ModelConfig, rng: Rng) {
    const v = config.bert.vocabSize;
    const e = config.textEmbeddingDim;
    // N(0, 1) rows as PyTorch's nn.Embedding: the LSTM sees unit-scale inputs from the start
    this.embedding = makeVariable('textEncoder/embedding', [v, e], 'zeros', rng);
    const init = new Float32Array(v * e);
    for (let i = 0; i < init.length; i++) init[i] = rng.normal();
    tf.tidy(() => this.embedding.assign(tf.tensor2d(init, [v, e])));
    this.encoder = new SequenceEncoder('textEncoder', e, config.encoderHidden, config.latentDim, rng);
  }

  apply(x: TextHostInputs): tf.Tensor2D {
    const e = tf.gather(this.embedding, tf.cast(x.textIds, 'int32')) as tf.Tensor3D; // [B, T_L, E]
    return this.encoder.apply(e, x.textMask, x.hostLengths?.text);
  }

  variables(): tf.Variable[] {
    return [this.embedding, ...this.encoder.variables()];
  }

  dispose(): void {
    this.embedding.dispose();
    this.encoder.dispose();
  }
}

/**
 * Authors' code: a second BERT; pooled output (tanh(FC(h_[CLS]))) or mean over real tokens,
 * dropout (0.5), FC(H → d). Unlike the authors' code the attention mask is passed.
 */
export class BertTextEncoder implements TextEncoder {
  readonly pooling: Pooling;
  readonly fc: Dense;

  constructor(readonly config: ModelConfig, readonly bert: BertEncoderApi, rng: Rng) {
    this.pooling = new Pooling('textEncoder', config.textBertPooling, config.bert.hiddenSize, rng);
    this.fc = new Dense('textEncoder/fc', config.bert.hiddenSize, config.latentDim, rng);
  }

  apply(x: TextHostInputs, training: boolean, dropoutRng: Rng): tf.Tensor2D {
    const h = this.bert.forward(x.textIds, x.textMask, training); // [B, T_L, H]
    let pooled = this.pooling.apply(h, x.textMask); // [B, H]
    if (training && this.config.textBertDropout > 0) pooled = tf.dropout(pooled, this.config.textBertDropout, undefined, dropoutRng.seed()) as tf.Tensor2D;
    return this.fc.apply(pooled) as tf.Tensor2D;
  }

  variables(): tf.Variable[] {
    return [...this.bert.variables(), ...this.pooling.variables(), ...this.fc.variables()];
  }

  dispose(): void {
    this.bert.dispose();
    this.pooling.dispose();
    this.fc.dispose();
  }
}

/**
 * LSTM over the shared text host's input-level states X^L → FC → z^L. The states are read as
 * data (detached): with the USE-lite host they are frozen anyway; with a BERT host this keeps
 * the modality-specific encoder from training the shared host's embedding table. The host is
 * borrowed (owned and disposed by the shared encoder).
 */
export class LstmHostTextEncoder implements TextEncoder {
  readonly encoder: SequenceEncoder;

  constructor(config: ModelConfig, readonly host: TextHost, rng: Rng) {
    this.encoder = new SequenceEncoder('textEncoder', host.inputWidth, config.encoderHidden, config.latentDim, rng);
  }

  apply(x: TextHostInputs): tf.Tensor2D {
    return tf.tidy(() => this.encoder.apply(detach(this.host.inputStates(x)), x.textMask, x.hostLengths?.text)); // [B, d]
  }

  variables(): tf.Variable[] {
    return this.encoder.variables();
  }

  dispose(): void {
    this.encoder.dispose();
  }
}
