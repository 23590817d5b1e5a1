// An LSTM written for the wasm backend: the input projection of every time step is one
// matMul ([B·T, d] × [d, 4H]), and each step does one fused gate matMul ([B, H] × [H, 4H]).
// Both go through `matMul` from nn/ops, whose gradient transposes explicitly (tfjs's own
// matMul gradient uses transpose flags, ~13× slower on wasm).
//
// Gate order in the 4H axis: [i, f, g, o] (input, forget, cell candidate, output), as in
// PyTorch's nn.LSTM / nn.LSTMCell:
//   [i f g o] = x_t W_x + h_{t−1} W_h + b
//   c_t = σ(f) ⊙ c_{t−1} + σ(i) ⊙ tanh(g),   h_t = σ(o) ⊙ tanh(c_t).
//
// Masking: where mask[b, t] = 0 the state is frozen (h_t = h_{t−1}, c_t = c_{t−1}), so after
// the last step the state is the one at the LAST REAL step of each sequence, padding never
// changes it, and a zero-length sequence returns the initial state.
import * as tf from '@tensorflow/tfjs';
import { linear, matMul } from '../nn/ops';
import { makeVariable } from '../nn/dense';
import { Rng } from '../util/rng';

export interface LstmState {
  h: tf.Tensor2D; // [B, H]
  c: tf.Tensor2D; // [B, H]
}

export interface LstmOptions {
  /** Added to the forget-gate bias at init (1 keeps early gradients flowing; PyTorch uses 0). */
  forgetBias?: number;
}

/** One cell update from precomputed gate pre-activations [B, 4H]. */
export function lstmCell(gates: tf.Tensor2D, c: tf.Tensor2D): LstmState {
  const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const cNext = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D; // [B, H]
  const hNext = tf.mul(tf.sigmoid(o), tf.tanh(cNext)) as tf.Tensor2D; // [B, H]
  return { h: hNext, c: cNext };
}

/**
 * Host-side view of a [B, T] mask per step: 'all' (every sequence real at t), 'none' (all
 * padded: the step is skipped, which freezes every state), or 'some' (blend per row).
 */
function stepKinds(mask: tf.Tensor2D | null, steps: number): Array<'all' | 'none' | 'some'> {
  if (mask === null) return new Array<'all'>(steps).fill('all');
  const [b, t] = mask.shape;
  const m = mask.dataSync();
  const kinds: Array<'all' | 'none' | 'some'> = [];
  for (let s = 0; s < t; s++) {
    let ones = 0;
    for (let r = 0; r < b; r++) if ((m[r * t + s] as number) > 0) ones += 1;
    kinds.push(ones === b ? 'all' : ones === 0 ? 'none' : 'some');
  }
  return kinds;
}

export class Lstm {
  readonly wx: tf.Variable; // [inDim, 4H]
  readonly wh: tf.Variable; // [H, 4H]
  readonly b: tf.Variable; // [4H]

  constructor(
    readonly name: string,
    readonly inDim: number,
    readonly hidden: number,
    rng: Rng,
    options: LstmOptions = {},
  ) {
    if (!Number.isInteger(inDim) || inDim <= 0 || !Number.isInteger(hidden) || hidden <= 0) {
      throw new Error(`Lstm ${name}: dimensions must be positive integers, got ${inDim}→${hidden}`);
    }
    this.wx = makeVariable(`${name}/wx`, [inDim, 4 * hidden], 'glorot', rng);
    this.wh = makeVariable(`${name}/wh`, [hidden, 4 * hidden], 'glorot', rng);
    this.b = makeVariable(`${name}/b`, [4 * hidden], 'zeros', rng);
    const bias = new Float32Array(4 * hidden);
    bias.fill(options.forgetBias ?? 1, hidden, 2 * hidden);
    tf.tidy(() => this.b.assign(tf.tensor1d(bias)));
  }

  zeroState(batch: number): LstmState {
    return { h: tf.zeros([batch, this.hidden]), c: tf.zeros([batch, this.hidden]) };
  }

  /**
   * Runs over x [B, T, d] with mask [B, T] (1 real, 0 padded; null = all real). Returns the
   * final state (= the state at each sequence's last real step) and, if asked, every h_t
   * stacked [B, T, H] (padded steps repeat the frozen state).
   */
  run(x: tf.Tensor3D, mask: tf.Tensor2D | null, options: { init?: LstmState; returnSequence?: boolean } = {}): LstmState & { sequence: tf.Tensor3D | null } {
    const [batch, steps, d] = x.shape;
    if (d !== this.inDim) throw new Error(`Lstm ${this.name}: input has ${d} features per step, expected ${this.inDim} (x shape [${x.shape}])`);
    if (mask !== null && (mask.shape[0] !== batch || mask.shape[1] !== steps)) {
      throw new Error(`Lstm ${this.name}: mask shape [${mask.shape}] does not match input [${batch}, ${steps}]`);
    }
    const kinds = stepKinds(mask, steps);
    const xProj = tf.reshape(linear(tf.reshape(x, [batch * steps, d]), this.wx as tf.Tensor2D, this.b as tf.Tensor1D), [batch, steps, 4 * this.hidden]); // [B, T, 4H]
    const xs = tf.unstack(xProj, 1) as tf.Tensor2D[]; // T × [B, 4H]
    const ms = mask === null ? [] : (tf.unstack(tf.expandDims(mask, 2), 1) as tf.Tensor2D[]); // T × [B, 1]
    let state = options.init ?? this.zeroState(batch);
    const seq: tf.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const kind = kinds[t];
      if (kind !== 'none') {
        const gates = tf.add(xs[t] as tf.Tensor2D, matMul(state.h, this.wh as tf.Tensor2D)) as tf.Tensor2D; // [B, 4H]
        const next = lstmCell(gates, state.c);
        if (kind === 'all') state = next;
        else {
          const m = ms[t] as tf.Tensor2D; // [B, 1]
          state = {
            h: tf.add(state.h, tf.mul(m, tf.sub(next.h, state.h))) as tf.Tensor2D,
            c: tf.add(state.c, tf.mul(m, tf.sub(next.c, state.c))) as tf.Tensor2D,
          };
        }
      }
      if (options.returnSequence === true) seq.push(state.h);
    }
    return { ...state, sequence: options.returnSequence === true ? (tf.stack(seq, 1) as tf.Tensor3D) : null };
  }

  variables(): tf.Variable[] {
    return [this.wx, this.wh, this.b];
  }

  paramCount(): number {
    return (this.inDim + this.hidden + 1) * 4 * this.hidden;
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
