// Decoders (paper eq. 8): X̂^m = Dec^m([z^m; z^S]), an LSTM unrolled to the padded length of
// X^m with a per-step FC to d_m; the language decoder's FC gives vocabulary logits.
//
// Inputs per step (config.decoderInput):
//   'previousHidden' (authors' code): step 0 reads z = [z^m; z^S] from the zero state, step
//     t ≥ 1 reads h_{t−1}. Then x_t = h_{t−1}, so the gates x_t W_x + h_{t−1} W_h + b =
//     h_{t−1}(W_x + W_h) + b: one fused matMul per step (needs decoderHidden = 2d).
//   'repeatLatent': every step reads z; z W_x + b is computed once, each step adds h_{t−1} W_h.
// Gate order [i, f, g, o] as in ./lstm; the recurrence is ./lstm's `lstmScan` (custom BPTT).
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../nn/dense';
import { linear } from '../nn/ops';
import { Rng } from '../util/rng';
import type { DecoderInputKind } from './config';
import { Lstm, lstmScan, type StepKind } from './lstm';

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
      xT = steps === 1 ? zProj : tf.concat([zProj, tf.add(tf.zeros([steps - 1, batch, 4 * h]), b)], 0);
      w = tf.add(wx, wh) as tf.Tensor2D;
    } else {
      xT = tf.add(tf.zeros([steps, batch, 4 * h]), zProj);
      w = wh;
    }
    const zeros = tf.zeros([batch, h]) as tf.Tensor2D;
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
}

export interface CrossEntropyOptions {
  /** token ids that never count (besides mask = 0), e.g. [CLS] = 101 and [SEP] = 102 */
  ignoreIds?: readonly number[];
}

/**
 * Language reconstruction loss: mean over counted positions of −log softmax(logits)[id].
 * logits [B, T, V], ids [B, T] int32, mask [B, T] (0 at [PAD]). The authors' code averages
 * over all positions incl. [PAD]/[CLS]/[SEP]; pass mask = ones to reproduce that.
 *
 * Custom gradient: with weights c_n = m_n / Σ m, ∂loss/∂logits_n = c_n (softmax(logits_n) −
 * onehot(id_n)). tfjs's own gradient of logSumExp differentiates through its max with an
 * Equal over [B·T, V] (≈ 400 ms per step for V = 30522 on wasm); this one costs one softmax.
 */
export function maskedCrossEntropy(logits: tf.Tensor3D, ids: tf.Tensor2D, mask: tf.Tensor2D, options: CrossEntropyOptions = {}): tf.Scalar {
  const [b, t, v] = logits.shape;
  if (ids.shape[0] !== b || ids.shape[1] !== t || mask.shape[0] !== b || mask.shape[1] !== t) {
    throw new Error(`maskedCrossEntropy: logits [${logits.shape}] need ids and mask of shape [${b}, ${t}], got [${ids.shape}] and [${mask.shape}]`);
  }
  return tf.tidy(() => {
    const n = b * t;
    const idsFlat = tf.reshape(tf.cast(ids, 'int32'), [n]); // [N]
    let m = tf.reshape(tf.cast(mask, 'float32'), [n]); // [N]
    for (const id of options.ignoreIds ?? []) m = tf.mul(m, tf.cast(tf.notEqual(idsFlat, tf.scalar(id, 'int32')), 'float32'));
    const coef = tf.div(m, tf.maximum(tf.sum(m), 1)); // c_n [N]
    const index = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(v, 'int32')), idsFlat); // n·V + id
    // ids (as float) and weights enter as inputs so that `save` keeps them for the backward pass
    const ce = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [flat, idsF, weights, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
      const shifted = tf.sub(flat, tf.max(flat, 1, true)); // [N, V]
      const lse = tf.log(tf.sum(tf.exp(shifted), 1)); // [N]
      const target = tf.gather(tf.reshape(shifted, [n * v]), index); // [N]
      save([shifted, lse, idsF, weights]);
      return {
        value: tf.sum(tf.mul(tf.sub(lse, target), weights)), // Σ c_n · nll_n
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sh, l, si, sw] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
          const p = tf.exp(tf.sub(sh, tf.expandDims(l, 1))); // softmax [N, V]
          // int32 oneHot then cast: tfjs-wasm 4.22's oneHot with dtype 'float32' returns all zeros
          const diff = tf.sub(p, tf.cast(tf.oneHot(tf.cast(si, 'int32'), v), 'float32'));
          return [tf.mul(diff, tf.expandDims(tf.mul(sw, dy), 1)), tf.zerosLike(si), tf.zerosLike(sw)];
        },
      };
    });
    return ce(tf.reshape(logits, [n, v]), tf.cast(idsFlat, 'float32'), coef) as tf.Scalar;
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
