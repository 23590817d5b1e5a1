// A stack of fully connected layers with ReLU between them (a multilayer perceptron), with
// optional dropout on its input: h_0 = Dropout(x), h_k = ReLU(h_{k−1} W_k + b_k). The last layer
// is activated too unless `lastActivation` is false (then it is a plain linear output).
// Used by the Table 1 baselines (TFN's and LMF's audio/visual subnetworks, their post-fusion
// layers, EF-LSTM's head).
import * as tf from '@tensorflow/tfjs';
import { Dense } from './dense';
import { Rng } from '../util/rng';

export interface MlpOptions {
  /** dropout rate on the input in training (0: none) */
  inputDropout?: number;
  /** ReLU after the last layer too (default true) */
  lastActivation?: boolean;
}

export class Mlp {
  readonly layers: Dense[];
  readonly inputDropout: number;
  readonly lastActivation: boolean;

  /** `sizes` = [inDim, hidden_1, …, outDim]: one Dense per consecutive pair, named `<name>/fc<k>` (k from 1). */
  constructor(readonly name: string, readonly sizes: readonly number[], rng: Rng, options: MlpOptions = {}) {
    if (sizes.length < 2) throw new Error(`Mlp ${name}: needs at least an input and an output size, got [${sizes}]`);
    const rate = options.inputDropout ?? 0;
    if (!(rate >= 0 && rate < 1)) throw new Error(`Mlp ${name}: inputDropout must be in [0, 1), got ${rate}`);
    this.inputDropout = rate;
    this.lastActivation = options.lastActivation ?? true;
    this.layers = [];
    for (let k = 1; k < sizes.length; k++) this.layers.push(new Dense(`${name}/fc${k}`, sizes[k - 1] as number, sizes[k] as number, rng));
  }

  /** x [B, in] → [B, out]; `dropoutSeed` fixes the input mask in training. */
  apply(x: tf.Tensor2D, training: boolean, dropoutSeed: number): tf.Tensor2D {
    return tf.tidy(() => {
      let h: tf.Tensor = training && this.inputDropout > 0 ? tf.dropout(x, this.inputDropout, undefined, dropoutSeed) : x;
      this.layers.forEach((l, k) => {
        h = l.apply(h); // [B, sizes[k+1]]
        if (k < this.layers.length - 1 || this.lastActivation) h = tf.relu(h);
      });
      return h as tf.Tensor2D;
    });
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.variables());
  }

  paramCount(): number {
    return this.layers.reduce((s, l) => s + l.paramCount(), 0);
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}
