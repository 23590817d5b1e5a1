// The text host of the modality-agnostic encoder (paper eqs. 2–7): the network whose word
// states W_mid receive the non-verbal shift (WSA) at layer k and then continue to z^S.
//
//   'bert'      a BERT: W_mid = states after layer k of BERT(ids) (k = 0: the embeddings). The
//               paper's host is bert-base; the workspace ships bert-mini (data/text/bert-mini).
//   'use-lite'  Universal Sentence Encoder lite, frozen, under trainable upper layers
//               (src/text/use-lite-regressor.ts): the token states s [B, T, 512] of the frozen
//               encoder are projected and normalised, x = LN(W_p s + b_p), then run through
//               transformer layers; W_mid = the states after upper layer k (k = 0: x, the states
//               entering the trainable layers). The frozen states travel with the batch
//               (Batch.textStates), computed once per text (src/text/use-lite-states.ts).
//
// X^L as features (the MI pair I(z^S; X^L) and the 'lstm-host' text encoder read it): the
// host's input-level states — BERT's word embeddings of the ids, USE-lite's frozen states.
import * as tf from '@tensorflow/tfjs';
import type { Bert } from '../text/bert';
import type { UseLiteUpper } from '../text/use-lite-regressor';

export type TextHostKind = 'bert' | 'use-lite';

export interface TextHostInputs {
  textIds: tf.Tensor2D; // [B, L] int32
  textMask: tf.Tensor2D; // [B, L]
  /** frozen states (use-lite only) */
  textStates?: tf.Tensor3D; // [B, L, D_in]
  /** real lengths on the host (a batch's), when known: the LSTM plans its steps without reading the mask */
  hostLengths?: { text: Int32Array };
}

export interface TextHost {
  readonly kind: TextHostKind;
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** width of inputStates (BERT: hiddenSize; USE-lite: 512) */
  readonly inputWidth: number;
  /** states entering layer 0: [B, L, H] */
  embed(x: TextHostInputs, training: boolean): tf.Tensor3D;
  /** layers `from` (inclusive) to `to` (exclusive) */
  runLayers(h: tf.Tensor3D, mask: tf.Tensor2D, from: number, to: number, training: boolean): tf.Tensor3D;
  /** X^L's input-level states [B, L, D_in] (the caller detaches them where they are data) */
  inputStates(x: TextHostInputs): tf.Tensor3D;
  /** every trainable variable under a stable name (no per-process counter) */
  namedVariables(): Map<string, tf.Variable>;
  setDropoutSeed(seed: number): void;
  dispose(): void;
}

export class BertHost implements TextHost {
  readonly kind = 'bert';
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly inputWidth: number;

  constructor(readonly bert: Bert) {
    this.hiddenSize = bert.config.hiddenSize;
    this.numLayers = bert.config.numLayers;
    this.inputWidth = bert.config.hiddenSize;
  }

  embed(x: TextHostInputs, training: boolean): tf.Tensor3D {
    return this.bert.embed(x.textIds, training);
  }

  runLayers(h: tf.Tensor3D, mask: tf.Tensor2D, from: number, to: number, training: boolean): tf.Tensor3D {
    return this.bert.runLayers(h, mask, from, to, training);
  }

  inputStates(x: TextHostInputs): tf.Tensor3D {
    return tf.gather(this.bert.param('embeddings.word_embeddings.weight'), tf.cast(x.textIds, 'int32')) as tf.Tensor3D; // [B, L, H]
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.bert.params);
  }

  setDropoutSeed(seed: number): void {
    this.bert.setDropoutSeed(seed);
  }

  dispose(): void {
    this.bert.dispose();
  }
}

export class UseLiteHost implements TextHost {
  readonly kind = 'use-lite';
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly inputWidth: number;

  constructor(readonly upper: UseLiteUpper) {
    this.hiddenSize = upper.hidden;
    this.numLayers = upper.config.numLayers;
    this.inputWidth = upper.inputWidth;
  }

  private states(x: TextHostInputs): tf.Tensor3D {
    const s = x.textStates;
    if (s === undefined) throw new Error('UseLiteHost: the batch has no textStates (frozen USE-lite states are attached by the trainer; see src/text/use-lite-states.ts)');
    const [b, l] = x.textIds.shape;
    if (s.rank !== 3 || s.shape[0] !== b || s.shape[1] !== l || s.shape[2] !== this.inputWidth) {
      throw new Error(`UseLiteHost: batch.textStates has shape [${s.shape}], expected [${b}, ${l}, ${this.inputWidth}]`);
    }
    return s;
  }

  embed(x: TextHostInputs): tf.Tensor3D {
    return this.upper.embedStates(this.states(x)); // LN(W_p s + b_p) [B, L, H]
  }

  runLayers(h: tf.Tensor3D, mask: tf.Tensor2D, from: number, to: number, training: boolean): tf.Tensor3D {
    return this.upper.runLayers(h, mask, from, to, training);
  }

  inputStates(x: TextHostInputs): tf.Tensor3D {
    return this.states(x);
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.upper.params);
  }

  setDropoutSeed(seed: number): void {
    this.upper.setDropoutSeed(seed);
  }

  dispose(): void {
    this.upper.dispose();
  }
}
