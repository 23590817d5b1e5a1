// An LSTM written for the wasm backend: the input projection of every time step is one
// matMul ([T·B, d] × [d, 4H], through nn/ops' explicit-transpose gradient), and each step does
// one fused gate matMul ([B, H] × [H, 4H]). The recurrence is ONE custom-gradient op
// (`lstmScan`) with hand-written backpropagation through time: per step backward is one plain
// matMul dG_t · W_hᵀ (W_hᵀ formed once), and dW_h = Σ_t h_{t−1}ᵀ dG_t is a single [H, T·B] ×
// [T·B, 4H] product at the end. Autodiff of the unrolled loop instead records ~20 ops per step,
// transposes W_h and h every step, and slices the time axis with strided copies.
// Sequences are time-major inside ([T, B, ·]) so that per-step slices are contiguous.
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
import { linear, weightGradient } from './ops';
import { makeVariable } from './dense';
import { Rng } from '../util/rng';

export interface LstmState {
  h: tf.Tensor2D; // [B, H]
  c: tf.Tensor2D; // [B, H]
}

export type StepKind = 'all' | 'none' | 'some';

/**
 * The T rows of a [T, ...] tensor (contiguous: sequences are time-major here). On wasm this
 * relies on the workspace's Slice/Unpack kernels (src/wasm-kernels.ts), which copy only the row;
 * tfjs-wasm 4.22's own copy the whole input per row (unstack of [384, 32, 512]: 2.7 s vs 5 ms).
 */
function rowsOf(x: tf.Tensor, n: number): tf.Tensor[] {
  if ((x.shape[0] as number) !== n) throw new Error(`rowsOf: expected ${n} rows, got shape [${x.shape}]`);
  return tf.unstack(x);
}

/**
 * The LSTM recurrence over precomputed input projections, as one op with a custom gradient.
 *   xT [T, B, 4H] (x_t W_x + b, time-major), wh [H, 4H], h0 / c0 [B, H], maskT [T, B, 1],
 *   kinds[t]: 'all' (every row real: plain update), 'none' (every row padded: state frozen,
 *   no work), 'some' (blend h_t = h_{t−1} + m_t (ĥ_t − h_{t−1}), same for c).
 * Returns [T, B, 2H]: h_t in the first H features, c_t in the last H.
 *
 * Backward, per step (⊙ elementwise; ĥ, ĉ the unmasked updates; τ = tanh(ĉ)):
 *   dĥ = m dh,  dĉ = m dc + dĥ ⊙ o ⊙ (1 − τ²)
 *   do = dĥ ⊙ τ,  di = dĉ ⊙ g,  df = dĉ ⊙ c_{t−1},  dg = dĉ ⊙ i
 *   dG_t = [di ⊙ i(1−i), df ⊙ f(1−f), dg ⊙ (1−g²), do ⊙ o(1−o)]
 *   dh_{t−1} = dG_t W_hᵀ + (1 − m) dh,   dc_{t−1} = dĉ ⊙ f + (1 − m) dc
 *   dxT_t = dG_t,   dW_h = Σ_t h_{t−1}ᵀ dG_t
 */
export function lstmScan(xT: tf.Tensor3D, wh: tf.Tensor2D, h0: tf.Tensor2D, c0: tf.Tensor2D, maskT: tf.Tensor3D, kinds: readonly StepKind[]): tf.Tensor3D {
  const [steps, batch, four] = xT.shape;
  const hidden = four / 4;
  if (kinds.length !== steps) throw new Error(`lstmScan: ${kinds.length} step kinds for ${steps} steps`);
  // Gate activations in one op: act = σ(K ⊙ a) ⊙ K − (K − 1) with K = 1 on the i, f, o
  // columns and 2 on the g columns, since tanh(x) = 2σ(2x) − 1.
  const kCols = new Float32Array(four).fill(1);
  kCols.fill(2, 2 * hidden, 3 * hidden);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x3, w, hInit, cInit, m3, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.GradSaveFunc];
    // Memory: tfjs frees nothing created inside a custom-gradient op (forward or backward) until
    // the whole gradient computation ends, so both run in a tidy that keeps only the output and
    // what the backward needs; every per-step temporary (gates, split, products) goes at once.
    const { value, kept } = tf.tidy(() => {
      const k = tf.tensor1d(kCols); // [4H]
      const kMinus1 = tf.sub(k, 1); // [4H]
      const xs = rowsOf(x3, steps) as tf.Tensor2D[]; // T × [B, 4H]
      const ms = rowsOf(m3, steps) as tf.Tensor2D[]; // T × [B, 1]
      let h = hInit;
      let c = cInit;
      const outs: tf.Tensor2D[] = [];
      const acts: tf.Tensor[] = []; // per computed step: [i f g o] activations [B, 4H]
      const taus: tf.Tensor[] = []; // τ = tanh(ĉ_t)
      const cPrevs: tf.Tensor[] = [];
      const hPrevs: tf.Tensor[] = [];
      for (let t = 0; t < steps; t++) {
        const kind = kinds[t];
        if (kind !== 'none') {
          const gates = tf.add(xs[t] as tf.Tensor2D, tf.matMul(h, w)); // [B, 4H]; plain product, no gradient needed here
          const act = tf.sub(tf.mul(tf.sigmoid(tf.mul(gates, k)), k), kMinus1); // [B, 4H]
          const [i, f, g, o] = tf.split(act, 4, 1) as tf.Tensor2D[]; // [B, H] each
          const cNew = tf.add(tf.mul(f as tf.Tensor, c), tf.mul(i as tf.Tensor, g as tf.Tensor)) as tf.Tensor2D; // ĉ
          const tau = tf.tanh(cNew); // [B, H]
          const hNew = tf.mul(o as tf.Tensor, tau) as tf.Tensor2D; // ĥ
          acts.push(act);
          taus.push(tau);
          cPrevs.push(c);
          hPrevs.push(h);
          if (kind === 'all') {
            h = hNew;
            c = cNew;
          } else {
            const m = ms[t] as tf.Tensor2D; // [B, 1]
            h = tf.add(h, tf.mul(m, tf.sub(hNew, h))) as tf.Tensor2D; // [B, H]
            c = tf.add(c, tf.mul(m, tf.sub(cNew, c))) as tf.Tensor2D; // [B, H]
          }
        }
        outs.push(tf.concat([h, c], 1) as tf.Tensor2D);
      }
      return { value: tf.stack(outs) as tf.Tensor3D, kept: [k, ...acts, ...taus, ...cPrevs, ...hPrevs] }; // value [T, B, 2H]
    });
    save([w, m3, ...kept]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => {
        const [sw, sm, sk] = saved as [tf.Tensor2D, tf.Tensor3D, tf.Tensor1D];
        const n = (saved.length - 3) / 4; // computed steps
        const sActs = saved.slice(3, 3 + n);
        const sTaus = saved.slice(3 + n, 3 + 2 * n);
        const sCPrev = saved.slice(3 + 2 * n, 3 + 3 * n);
        const sHPrev = saved.slice(3 + 3 * n, 3 + 4 * n);
        const whT = tf.transpose(sw); // [4H, H], once
        const [dyH, dyC] = tf.split(dy, 2, 2); // [T, B, H] each
        const dyHs = rowsOf(dyH as tf.Tensor, steps);
        const dyCs = rowsOf(dyC as tf.Tensor, steps);
        const msB = rowsOf(sm, steps);
        // Everything that does not depend on the backward recursion, for all steps at once:
        //   PD = [g, c_{t−1}, i, 1] ⊙ [i(1−i), f(1−f), 1−g², o(1−o)]   so dG_t = [dĉ, dĉ, dĉ, do] ⊙ PD_t
        //   oTD = o ⊙ (1 − τ²)                                         so dĉ = dc + dĥ ⊙ oTD_t
        let pd: tf.Tensor[] = [];
        let otd: tf.Tensor[] = [];
        let fs: tf.Tensor[] = [];
        if (n > 0) {
          const actAll = tf.stack(sActs); // [n, B, 4H]
          const tauAll = tf.stack(sTaus); // [n, B, H]
          const [iA, fA, gA, oA] = tf.split(actAll, 4, 2) as tf.Tensor[]; // [n, B, H] each
          const sigCols = tf.sub(2, sk); // 1 on σ columns, 0 on g
          const deriv = tf.sub(tf.add(tf.mul(actAll, sigCols), tf.sub(1, sigCols)), tf.square(actAll)); // [n, B, 4H]
          const p = tf.concat([gA as tf.Tensor, tf.stack(sCPrev), iA as tf.Tensor, tf.onesLike(oA as tf.Tensor)], 2); // [n, B, 4H]
          pd = rowsOf(tf.mul(p, deriv), n); // n × [B, 4H]
          otd = rowsOf(tf.mul(oA as tf.Tensor, tf.sub(1, tf.square(tauAll))), n); // n × [B, H]
          fs = rowsOf(fA as tf.Tensor, n);
        }
        let dh: tf.Tensor = tf.zeros([batch, hidden]); // ∂L/∂h_t [B, H]
        let dc: tf.Tensor = tf.zeros([batch, hidden]); // ∂L/∂c_t [B, H]
        const dGates: tf.Tensor[] = new Array<tf.Tensor>(steps);
        const dGatesComputed: tf.Tensor[] = new Array<tf.Tensor>(n);
        let j = n;
        for (let t = steps - 1; t >= 0; t--) {
          dh = tf.add(dh, dyHs[t] as tf.Tensor);
          dc = tf.add(dc, dyCs[t] as tf.Tensor);
          const kind = kinds[t];
          if (kind === 'none') {
            dGates[t] = tf.zeros([batch, four]);
            continue;
          }
          j -= 1;
          let dhHat = dh;
          let dcIn = dc;
          let dhKeep: tf.Tensor | null = null;
          let dcKeep: tf.Tensor | null = null;
          if (kind === 'some') {
            const m = msB[t] as tf.Tensor;
            dhHat = tf.mul(m, dh);
            dcIn = tf.mul(m, dc);
            dhKeep = tf.sub(dh, dhHat); // (1 − m) dh
            dcKeep = tf.sub(dc, dcIn);
          }
          const dcHat = tf.add(dcIn, tf.mul(dhHat, otd[j] as tf.Tensor));
          const dO = tf.mul(dhHat, sTaus[j] as tf.Tensor);
          const dG = tf.mul(tf.concat([dcHat, dcHat, dcHat, dO], 1), pd[j] as tf.Tensor); // [B, 4H]
          dGates[t] = dG;
          dGatesComputed[j] = dG;
          dh = tf.matMul(dG as tf.Tensor2D, whT); // [B, H]
          dc = tf.mul(dcHat, fs[j] as tf.Tensor);
          if (dhKeep !== null) dh = tf.add(dh, dhKeep);
          if (dcKeep !== null) dc = tf.add(dc, dcKeep);
        }
        // dW_h = [h_{t−1}]ᵀ [dG_t] over every computed step, one product
        const dWh = n === 0
          ? tf.zerosLike(sw)
          : weightGradient(tf.concat(sHPrev, 0) as tf.Tensor2D, tf.concat(dGatesComputed, 0) as tf.Tensor2D)[0]; // [H, 4H]
        return [tf.stack(dGates), dWh, dh, dc, tf.zerosLike(sm)];
      }),
    };
  }) as (x: tf.Tensor3D, w: tf.Tensor2D, hInit: tf.Tensor2D, cInit: tf.Tensor2D, m: tf.Tensor3D) => tf.Tensor3D;
  return op(xT, wh, h0, c0, maskT);
}

/**
 * Host-side view of a [B, T] mask per step: 'all' (every sequence real at t), 'none' (all
 * padded: the step is skipped, which freezes every state), or 'some' (blend per row).
 */
export function stepKinds(mask: tf.Tensor2D | null, steps: number): StepKind[] {
  if (mask === null) return new Array<'all'>(steps).fill('all');
  // a host read of the mask: callers that have the lengths on the host use stepKindsOfLengths
  const [b, t] = mask.shape;
  const m = mask.dataSync();
  const kinds: StepKind[] = [];
  for (let s = 0; s < t; s++) {
    let ones = 0;
    for (let r = 0; r < b; r++) if ((m[r * t + s] as number) > 0) ones += 1;
    kinds.push(ones === b ? 'all' : ones === 0 ? 'none' : 'some');
  }
  return kinds;
}

/** The same per-step kinds from per-row real lengths already on the host (no device read). */
export function stepKindsOfLengths(lengths: ArrayLike<number>, steps: number): StepKind[] {
  const kinds: StepKind[] = [];
  for (let s = 0; s < steps; s++) {
    let ones = 0;
    for (let r = 0; r < lengths.length; r++) if ((lengths[r] as number) > s) ones += 1;
    kinds.push(ones === lengths.length ? 'all' : ones === 0 ? 'none' : 'some');
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
  ) {
    if (!Number.isInteger(inDim) || inDim <= 0 || !Number.isInteger(hidden) || hidden <= 0) {
      throw new Error(`Lstm ${name}: dimensions must be positive integers, got ${inDim}→${hidden}`);
    }
    this.wx = makeVariable(`${name}/wx`, [inDim, 4 * hidden], 'glorot', rng);
    this.wh = makeVariable(`${name}/wh`, [hidden, 4 * hidden], 'glorot', rng);
    this.b = makeVariable(`${name}/b`, [4 * hidden], 'zeros', rng);
    // forget-gate bias 1 at init keeps early gradients flowing (PyTorch's LSTMCell, as in the
    // authors' code, draws every bias from U(±1/√H) instead)
    const bias = new Float32Array(4 * hidden);
    bias.fill(1, hidden, 2 * hidden);
    tf.tidy(() => this.b.assign(tf.tensor1d(bias)));
  }

  /**
   * Runs over x [B, T, d] with mask [B, T] (1 real, 0 padded; null = all real) from the zero
   * state. Returns the final state = the state at each sequence's last real step. `lengths`:
   * the mask's row sums when the caller has them on the host (a batch's hostLengths), so the
   * step plan needs no read of the mask from the device.
   */
  run(x: tf.Tensor3D, mask: tf.Tensor2D | null, lengths?: ArrayLike<number>): LstmState {
    const [batch, steps, d] = x.shape;
    if (d !== this.inDim) throw new Error(`Lstm ${this.name}: input has ${d} features per step, expected ${this.inDim} (x shape [${x.shape}])`);
    if (mask !== null && (mask.shape[0] !== batch || mask.shape[1] !== steps)) {
      throw new Error(`Lstm ${this.name}: mask shape [${mask.shape}] does not match input [${batch}, ${steps}]`);
    }
    if (lengths !== undefined && (mask === null || lengths.length !== batch)) throw new Error(`Lstm ${this.name}: ${lengths.length} lengths for a batch of ${batch}${mask === null ? ' without a mask' : ''}`);
    const kinds = lengths === undefined ? stepKinds(mask, steps) : stepKindsOfLengths(lengths, steps);
    const h = this.hidden;
    const xT = tf.transpose(x, [1, 0, 2]); // [T, B, d] time-major
    const xProj = tf.reshape(linear(tf.reshape(xT, [steps * batch, d]), this.wx as tf.Tensor2D, this.b as tf.Tensor1D), [steps, batch, 4 * h]); // [T, B, 4H]
    const maskT = mask === null ? tf.ones([steps, batch, 1]) : tf.expandDims(tf.transpose(mask), 2); // [T, B, 1]
    const zeros = tf.zeros([batch, h]) as tf.Tensor2D; // h_0 = c_0 = 0 [B, H]
    const hc = lstmScan(xProj as tf.Tensor3D, this.wh as tf.Tensor as tf.Tensor2D, zeros, zeros, maskT as tf.Tensor3D, kinds); // [T, B, 2H]
    const last = tf.squeeze(tf.slice(hc, [steps - 1, 0, 0], [1, batch, 2 * h]), [0]); // [B, 2H]
    return {
      h: tf.slice(last, [0, 0], [batch, h]) as tf.Tensor2D, // [B, H]
      c: tf.slice(last, [0, h], [batch, h]) as tf.Tensor2D, // [B, H]
    };
  }

  variables(): tf.Variable[] {
    return [this.wx, this.wh, this.b];
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
