// Regressor (paper eqs. 16–17): ŷ = FC_2(Dropout(ReLU(FC_1([z^V; z^L; z^A; z^S])))).
// The authors' code concatenates [z^S; z^L; z^A; z^V]; the order only permutes FC_1's rows.
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../nn/dense';
import { Rng } from '../util/rng';

export class Regressor {
  readonly fc1: Dense; // 4d → hidden
  readonly fc2: Dense; // hidden → 1

  constructor(latentDim: number, hidden: number, readonly dropout: number, rng: Rng) {
    this.fc1 = new Dense('regressor/fc1', 4 * latentDim, hidden, rng);
    this.fc2 = new Dense('regressor/fc2', hidden, 1, rng);
  }

  /** zs = [z^V, z^L, z^A, z^S], each [B, d] → ŷ [B] */
  apply(zs: tf.Tensor2D[], training: boolean, dropoutSeed: number): tf.Tensor1D {
    let h = tf.relu(this.fc1.apply(tf.concat(zs, 1))); // [B, hidden]
    if (training && this.dropout > 0) h = tf.dropout(h, this.dropout, undefined, dropoutSeed);
    return tf.squeeze(this.fc2.apply(h), [1]) as tf.Tensor1D; // [B]
  }

  variables(): tf.Variable[] {
    return [...this.fc1.variables(), ...this.fc2.variables()];
  }

  dispose(): void {
    this.fc1.dispose();
    this.fc2.dispose();
  }
}
