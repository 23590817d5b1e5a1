// The contract between the text backbone (src/text/bert.ts) and the MIRD model
// (src/model/wsa.ts): the shared encoder runs BERT up to layer k, injects non-verbal
// information into the word states (WSA + MAG), then continues from layer k.
import type * as tf from '@tensorflow/tfjs';
import type { BertConfig } from './bert-config';

export interface BertEncoderApi {
  readonly config: BertConfig;
  /** Word + position + token-type embeddings, LayerNorm, dropout: ids [B, L] int32 → [B, L, H]. */
  embed(ids: tf.Tensor2D, training: boolean, typeIds?: tf.Tensor2D): tf.Tensor3D;
  /**
   * Transformer layers `from` (inclusive) to `to` (exclusive), 0-based: runLayers(h, m, 0, k)
   * gives the states after layer k (k = 0 means the embeddings themselves). mask [B, L] is 1
   * for real tokens; padded keys are excluded from attention.
   */
  runLayers(h: tf.Tensor3D, mask: tf.Tensor2D, from: number, to: number, training: boolean): tf.Tensor3D;
  /** embed + all layers. */
  forward(ids: tf.Tensor2D, mask: tf.Tensor2D, training: boolean): tf.Tensor3D;
  /** Every trainable variable this encoder owns. */
  variables(): tf.Variable[];
  dispose(): void;
}
