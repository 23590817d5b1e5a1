// Decoders (paper eq. 8): X̂^m = Dec^m([z^m; z^S]), an LSTM unrolled to the padded length of
// X^m with a per-step FC to d_m; the language decoder's FC gives vocabulary logits.
//
// Inputs per step (config.decoderInput):
//   'previousHidden' (authors' code): step 0 reads z = [z^m; z^S] from the zero state, step
//     t ≥ 1 reads h_{t−1}. Then x_t = h_{t−1}, so the gates x_t W_x + h_{t−1} W_h + b =
//     h_{t−1}(W_x + W_h) + b: one fused matMul per step (needs decoderHidden = 2d).
//   'repeatLatent': every step reads z; z W_x + b is computed once, each step adds h_{t−1} W_h.
// Gate order [i, f, g, o] as in ./lstm.
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../nn/dense';
import { linear, matMul } from '../nn/ops';
import { Rng } from '../util/rng';
import type { DecoderInputKind } from './config';
import { Lstm, lstmCell } from './lstm';

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
    if (steps <= 0) throw new Error(`${this.name}: cannot decode ${steps} steps`);
    const [batch] = z.shape;
    const wx = this.lstm.wx as tf.Tensor as tf.Tensor2D;
    const wh = this.lstm.wh as tf.Tensor as tf.Tensor2D;
    const b = this.lstm.b as tf.Tensor as tf.Tensor1D;
    const hs: tf.Tensor2D[] = [];
    let c = tf.zeros([batch, this.hidden]) as tf.Tensor2D;
    const zProj = linear(z, wx, b) as tf.Tensor2D; // z W_x + b [B, 4H]
    let state = lstmCell(zProj, c); // step 0 from the zero state: h_{−1} W_h = 0
    hs.push(state.h);
    c = state.c;
    if (this.input === 'previousHidden') {
      const fused = tf.add(wx, wh) as tf.Tensor2D; // W_x + W_h [H, 4H]
      for (let t = 1; t < steps; t++) {
        state = lstmCell(linear(state.h, fused, b) as tf.Tensor2D, state.c);
        hs.push(state.h);
      }
    } else {
      for (let t = 1; t < steps; t++) {
        state = lstmCell(tf.add(zProj, matMul(state.h, wh)) as tf.Tensor2D, state.c);
        hs.push(state.h);
      }
    }
    return tf.stack(hs, 1) as tf.Tensor3D; // [B, T, H]
  }

  /** z [B, 2d] → reconstruction [B, T, d_m] (or logits [B, T, V]) */
  apply(z: tf.Tensor2D, steps: number): tf.Tensor3D {
    return this.out.apply(this.states(z, steps)) as tf.Tensor3D;
  }

  variables(): tf.Variable[] {
    return [...this.lstm.variables(), ...this.out.variables()];
  }
}

export interface CrossEntropyOptions {
  /** token ids that never count (besides mask = 0), e.g. [CLS] = 101 and [SEP] = 102 */
  ignoreIds?: readonly number[];
}

/**
 * Language reconstruction loss: mean over counted positions of −log softmax(logits)[id].
 * logits [B, T, V], ids [B, T] int32, mask [B, T] (0 at [PAD]). The authors' code averages
 * over all positions incl. [PAD]/[CLS]/[SEP]; pass mask = ones to reproduce that.
 * The target logit is read with one gather on the flattened logits (no [B·T, V] one-hot).
 */
export function maskedCrossEntropy(logits: tf.Tensor3D, ids: tf.Tensor2D, mask: tf.Tensor2D, options: CrossEntropyOptions = {}): tf.Scalar {
  const [b, t, v] = logits.shape;
  if (ids.shape[0] !== b || ids.shape[1] !== t || mask.shape[0] !== b || mask.shape[1] !== t) {
    throw new Error(`maskedCrossEntropy: logits [${logits.shape}] need ids and mask of shape [${b}, ${t}], got [${ids.shape}] and [${mask.shape}]`);
  }
  return tf.tidy(() => {
    const idsI = tf.cast(ids, 'int32');
    let m = tf.cast(mask, 'float32'); // [B, T]
    for (const id of options.ignoreIds ?? []) m = tf.mul(m, tf.cast(tf.notEqual(idsI, id), 'float32'));
    const flat = tf.reshape(logits, [b * t, v]); // [N, V]
    const lse = tf.logSumExp(flat, 1); // [N]
    const index = tf.add(tf.mul(tf.range(0, b * t, 1, 'int32'), tf.scalar(v, 'int32')), tf.reshape(idsI, [b * t])); // n·V + id
    const target = tf.gather(tf.reshape(flat, [b * t * v]), index); // [N]
    const nll = tf.reshape(tf.sub(lse, target), [b, t]); // [B, T]
    return tf.div(tf.sum(tf.mul(nll, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

/**
 * Audio / visual reconstruction loss: mean squared error over real frames and features,
 * Σ m_bt (x̂ − x)² / (d_m · Σ m_bt). pred, target [B, T, d_m], mask [B, T].
 */
export function maskedMse(pred: tf.Tensor3D, target: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
  if (pred.shape.join() !== target.shape.join() || mask.shape[0] !== pred.shape[0] || mask.shape[1] !== pred.shape[1]) {
    throw new Error(`maskedMse: pred [${pred.shape}], target [${target.shape}] and mask [${mask.shape}] must be [B, T, d] / [B, T]`);
  }
  return tf.tidy(() => {
    const m = tf.expandDims(tf.cast(mask, 'float32'), 2); // [B, T, 1]
    const sq = tf.sum(tf.mul(tf.square(tf.sub(pred, target)), m));
    return tf.div(sq, tf.maximum(tf.mul(tf.sum(m), pred.shape[2]), 1)) as tf.Scalar;
  });
}
