// Decoders (paper eq. 8): X̂^m = Dec^m([z^m; z^S]), an LSTM unrolled to the padded length of
// X^m with a per-step FC to d_m; the language decoder's FC gives vocabulary logits.
//
// Inputs per step (config.decoderInput):
//   'previousHidden' (authors' code): step 0 reads z = [z^m; z^S] from the zero state, step
//     t ≥ 1 reads h_{t−1}. Then x_t = h_{t−1}, so the gates x_t W_x + h_{t−1} W_h + b =
//     h_{t−1}(W_x + W_h) + b: one fused matMul per step (needs decoderHidden = 2d).
//   'repeatLatent': every step reads z; z W_x + b is computed once, each step adds h_{t−1} W_h.
// Gate order [i, f, g, o] as in ../nn/lstm; the recurrence is ../nn/lstm's `lstmScan` (custom BPTT).
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../nn/dense';
import { linear } from '../nn/ops';
import { Rng } from '../util/rng';
import type { DecoderInputKind } from './config';
import { Lstm, lstmScan, type StepKind } from '../nn/lstm';

export class SequenceDecoder {
  readonly lstm: Lstm; // W_x [2d, 4H], W_h [H, 4H], b [4H]
  readonly out: Dense; // H → d_m (or vocabulary)

  constructor(readonly name: string, latentIn: number, readonly hidden: number, outDim: number, readonly input: DecoderInputKind, rng: Rng) {
    if (input === 'previousHidden' && latentIn !== hidden) {
      throw new Error(`${name}: decoderInput 'previousHidden' needs hidden size = input size (${latentIn}), got ${hidden}`);
    }
    this.lstm = new Lstm(`${name}/lstm`, latentIn, hidden, rng);
    this.out = new Dense(`${name}/out`, hidden, outDim, rng);
  }

  /** z [B, 2d] → hidden states [B, T, H] */
  states(z: tf.Tensor2D, steps: number): tf.Tensor3D {
    if (!Number.isInteger(steps) || steps <= 0) throw new Error(`${this.name}: cannot decode ${steps} steps`);
    const [batch] = z.shape;
    const h = this.hidden;
    const wx = this.lstm.wx as tf.Tensor as tf.Tensor2D;
    const wh = this.lstm.wh as tf.Tensor as tf.Tensor2D;
    const b = this.lstm.b as tf.Tensor as tf.Tensor1D;
    const zProj = tf.expandDims(linear(z, wx, b), 0); // z W_x + b [1, B, 4H]
    let xT: tf.Tensor; // [T, B, 4H] input part of the gates
    let w: tf.Tensor2D; // recurrent weight
    // Broadcasting by adding zeros, not tf.broadcastTo: broadcastTo runs as Tile on wasm, and
    // Tile's gradient is a loop of one slice + add per repetition (O(T·B) slices of the whole
    // gradient: 12 s for a 400-step decoder), while add's broadcast gradient is one sum.
    if (this.input === 'previousHidden') {
      // step 0: z W_x + b (h_{−1} = 0); step t ≥ 1: h_{t−1}(W_x + W_h) + b
      xT = steps === 1 ? zProj : tf.concat([zProj, tf.add(tf.zeros([steps - 1, batch, 4 * h]), b)], 0); // [T, B, 4H]
      w = tf.add(wx, wh) as tf.Tensor2D; // W_x + W_h [H, 4H]
    } else {
      xT = tf.add(tf.zeros([steps, batch, 4 * h]), zProj); // [T, B, 4H]
      w = wh;
    }
    const zeros = tf.zeros([batch, h]) as tf.Tensor2D; // h_0 = c_0 = 0 [B, H]
    const kinds = new Array<StepKind>(steps).fill('all');
    const hc = lstmScan(xT as tf.Tensor3D, w, zeros, zeros, tf.ones([steps, batch, 1]) as tf.Tensor3D, kinds); // [T, B, 2H]
    return tf.transpose(tf.slice(hc, [0, 0, 0], [steps, batch, h]), [1, 0, 2]) as tf.Tensor3D; // [B, T, H]
  }

  /** z [B, 2d] → reconstruction [B, T, d_m] (or logits [B, T, V]) */
  apply(z: tf.Tensor2D, steps: number): tf.Tensor3D {
    return this.out.apply(this.states(z, steps)) as tf.Tensor3D;
  }

  variables(): tf.Variable[] {
    return [...this.lstm.variables(), ...this.out.variables()];
  }

  dispose(): void {
    this.lstm.dispose();
    this.out.dispose();
  }
}
