// Pooling of a sequence of hidden states into one vector per sequence.
import * as tf from '@tensorflow/tfjs';
import { Dense } from './dense';
import { meanPool } from './layers';
import { Rng } from '../util/rng';

/** The allowed pooling kinds, once: the type derives from them and config validation reads them. */
export const POOLING_KINDS = ['mean', 'pooled'] as const;
export type PoolingKind = (typeof POOLING_KINDS)[number];

/**
 * Pooling of BERT states into one vector: 'mean' over real tokens (paper eq. 7) or the
 * BERT-style pooler tanh(FC(h_[CLS])) (authors' code: BERT's pooled output).
 */
export class Pooling {
  readonly pooler: Dense | null;

  constructor(name: string, readonly kind: PoolingKind, hidden: number, rng: Rng) {
    this.pooler = kind === 'pooled' ? new Dense(`${name}/pooler`, hidden, hidden, rng, { init: 'bert' }) : null;
  }

  apply(h: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    if (this.pooler === null) return meanPool(h, mask); // [B, H]
    const cls = tf.squeeze(tf.slice(h, [0, 0, 0], [h.shape[0], 1, h.shape[2]]), [1]); // [B, H]
    return tf.tanh(this.pooler.apply(cls)) as tf.Tensor2D; // [B, H]
  }

  variables(): tf.Variable[] {
    return this.pooler === null ? [] : this.pooler.variables();
  }

  dispose(): void {
    this.pooler?.dispose();
  }
}
