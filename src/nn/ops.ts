// Ops whose tfjs gradients are slow on the wasm backend, rewritten.
//
// tfjs's matMul gradient calls matMul with transposeA / transposeB flags; on wasm those paths
// are ~13× slower than a plain product (measured on wasm: 717 ms vs 57 ms for 50 products of
// 256×256). Here the gradient transposes explicitly and multiplies plainly:
//   C = A·B  ⇒  dA = dC·Bᵀ,  dB = Aᵀ·dC.
import * as tf from '@tensorflow/tfjs';

// ---- Weight gradients: xᵀ·dy in the cheaper orientation --------------------------------------
//
// On wasm every plain product A·B hands B to XNNPACK as the "weights", which it repacks (one
// thread, ~4 ns per element, ~10 once B outgrows the cache) before multiplying; tfjs caches the
// packing per tensor, which helps a weight matrix used many times and never a fresh gradient.
// A weight gradient dW = xᵀ·dy (x [K, M]: K rows of a batch × M inputs; dy [K, N]: × N
// outputs) therefore repacks all of dy, and for the long products of a recurrence (K = T·B =
// 12,512 at the paper preset) the packing costs more than the multiplication. The same matrix
// comes out of (dyᵀ·x)ᵀ, which packs x instead. XNNPACK's f32 GEMM kernels accumulate every
// output along k in order (k = 0, 1, …), whichever operand is packed, so both orientations give
// the same bits (test/backend.test.ts checks it on many shapes); only the time differs, e.g. on
// the 2-core reference machine, ms for plain vs swapped:
//   M 128, K 12512, N 512: 113 vs 57    M 33, K 12512, N 256: 40 vs 14
//   M 128, K 549, N 30522 (the language decoder's output layer): 184 vs 147
//   M 256, K 1536, N 256 with the bias: 10.5 vs 9.4    M 1024, K 1536, N 256: 27 vs 27
// The column sums of dy (a bias gradient) come free from dyᵀ: the stock Sum over axis 0
// transposes dy itself and then sums each row in order, so sum(dyᵀ, 1) is again the same bits.
// Other backends keep the plain orientation.

const PACK_NS_SHORT = 4; // ns per packed element, measured, while B fits the cache
const PACK_NS_LONG = 10; // ns per packed element once K ≥ LONG_K
const LONG_K = 4096;
const TRANSPOSE_NS = 1.5; // ns per element of an explicit transpose
const SMALL = 1 << 16; // below this many elements of dy the extra ops cost more than they save

/**
 * Whether xᵀ·dy (x [K, M], dy [K, N]; with the column sums of dy when `bias`) is cheaper on
 * wasm as (dyᵀ·x)ᵀ: a cost model of packing and transposes, fitted to the measurements above.
 */
export function swapWeightGradient(k: number, m: number, n: number, bias: boolean): boolean {
  if (k * n < SMALL) return false;
  const pack = k >= LONG_K ? PACK_NS_LONG : PACK_NS_SHORT;
  const sumTranspose = bias ? k * n * TRANSPOSE_NS : 0; // the stock Sum over axis 0 transposes dy
  const plain = k * n * pack + k * m * TRANSPOSE_NS + sumTranspose;
  const swapped = k * m * pack + k * n * TRANSPOSE_NS + m * n * TRANSPOSE_NS;
  return swapped < plain;
}

/**
 * The weight gradient xᵀ·dy [M, N] of y = x·W, and with `bias` the bias gradient Σ_rows dy [N],
 * for x [K, M], dy [K, N]: bit-identical to tf.matMul(tf.transpose(x), dy) and tf.sum(dy, 0),
 * faster on wasm (see above). The caller owns the results.
 */
export function weightGradient(x: tf.Tensor2D, dy: tf.Tensor2D, bias: true): [tf.Tensor2D, tf.Tensor1D];
export function weightGradient(x: tf.Tensor2D, dy: tf.Tensor2D, bias?: false): [tf.Tensor2D];
export function weightGradient(x: tf.Tensor2D, dy: tf.Tensor2D, bias = false): [tf.Tensor2D] | [tf.Tensor2D, tf.Tensor1D] {
  const [k, m] = x.shape;
  const [kd, n] = dy.shape;
  if (k !== kd) throw new Error(`weightGradient: x [${x.shape}] and dy [${dy.shape}] need the same rows`);
  return orientedWeightGradient(x, dy, bias, tf.getBackend() === 'wasm' && swapWeightGradient(k, m, n, bias));
}

/** weightGradient in the orientation given (`swap`: as (dyᵀ·x)ᵀ); exported for the tests. */
export function orientedWeightGradient(x: tf.Tensor2D, dy: tf.Tensor2D, bias: boolean, swap: boolean): [tf.Tensor2D] | [tf.Tensor2D, tf.Tensor1D] {
  return tf.tidy(() => {
    if (!swap) {
      const dW = tf.matMul(tf.transpose(x) as tf.Tensor2D, dy);
      return bias ? [dW, tf.sum(dy, 0) as tf.Tensor1D] : [dW];
    }
    const dyT = tf.transpose(dy) as tf.Tensor2D; // [N, K]
    const dW = tf.transpose(tf.matMul(dyT, x)) as tf.Tensor2D; // ([N, K] × [K, M])ᵀ
    return bias ? [dW, tf.sum(dyT, 1) as tf.Tensor1D] : [dW];
  }) as [tf.Tensor2D] | [tf.Tensor2D, tf.Tensor1D];
}

const matMul2d = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a2, b2, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a2, b2]);
  return {
    value: tf.matMul(a2, b2), // [M, N]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      // in a tidy: tfjs keeps a custom gradient's temporaries (here the transposes) to the end
      return tf.tidy(() => [tf.matMul(dy2, tf.transpose(sb)), ...weightGradient(sa, dy2)]);
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

// x·W + b as one op, so that the bias gradient can come from the dyᵀ of a swapped weight
// gradient (weightGradient) instead of a Sum over axis 0, which transposes dy again.
const linear2d = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x2, w2, b1, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x2, w2]);
  return {
    value: tf.add(tf.matMul(x2, w2), b1), // [N, out]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return tf.tidy(() => [tf.matMul(dy2, tf.transpose(sw)), ...weightGradient(sx, dy2, true)]);
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

const matMul3d = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a3, b3, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([a3, b3]);
  return {
    value: tf.matMul(a3, b3), // [B, M, N]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      const dy3 = dy as tf.Tensor3D;
      return tf.tidy(() => [tf.matMul(dy3, tf.transpose(sb, [0, 2, 1])), tf.matMul(tf.transpose(sa, [0, 2, 1]), dy3)]);
    },
  };
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

/**
 * Matrix product with a wasm-friendly gradient. 2-D × 2-D, or batched 3-D × 3-D with equal
 * batch sizes. Optional transposes are applied explicitly before the product.
 */
export function matMul<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T, transposeA = false, transposeB = false): T {
  if (a.rank !== b.rank) throw new Error(`matMul: ranks differ (${a.shape} vs ${b.shape})`);
  const perm = a.rank === 2 ? [1, 0] : [0, 2, 1];
  const aa = transposeA ? tf.transpose(a, perm) : a;
  const bb = transposeB ? tf.transpose(b, perm) : b;
  if (a.rank === 2) return matMul2d(aa as tf.Tensor2D, bb as tf.Tensor2D) as T;
  if (a.rank === 3) return matMul3d(aa as tf.Tensor3D, bb as tf.Tensor3D) as T;
  throw new Error(`matMul: rank ${a.rank} not supported (2 or 3)`);
}

/**
 * x·W + b over the last axis for any rank: [..., inDim] → [..., outDim]. Leading axes are
 * flattened so one 2-D product does the work.
 */
export function linear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D | null): tf.Tensor {
  const inDim = w.shape[0];
  const outDim = w.shape[1];
  const last = x.shape[x.rank - 1];
  if (last !== inDim) throw new Error(`linear: input last dim ${last} does not match weight [${w.shape}]`);
  const lead = x.shape.slice(0, -1);
  const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]) as tf.Tensor2D; // [N, in]
  const y = b !== undefined && b !== null ? linear2d(flat, w, b) : matMul(flat, w); // [N, out]
  return x.rank === 2 ? y : tf.reshape(y, [...lead, outDim]);
}

/**
 * x as data: the same values with a zero gradient (PyTorch's `detach`; tfjs has no stop-gradient
 * op). Used where a tensor computed from parameters must be read without training them.
 */
export const detach = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy)] };
}) as <T extends tf.Tensor>(x: T) => T;

/**
 * Runs f with the enclosing gradient tape paused: the ops f runs (including a gradient tape of
 * its own, e.g. an optimiser step of another set of variables) are not recorded on the outer
 * tape, so the outer backward pass neither sees nor pays for them. Tensors f returns are plain
 * values to the outer computation: no gradient flows through them. MIRD's Algorithm 1 uses it
 * to take the estimator steps between the model's forward and its backward (src/train/step.ts).
 * It swaps tfjs's engine state (activeTape, gradientDepth), which tfjs exposes but does not document.
 */
export function outsideTape<T>(f: () => T): T {
  const state = tf.engine().state as unknown as { activeTape: unknown; gradientDepth: number };
  const saved = { activeTape: state.activeTape, gradientDepth: state.gradientDepth };
  state.activeTape = null;
  state.gradientDepth = 0;
  try {
    return f();
  } finally {
    state.activeTape = saved.activeTape;
    state.gradientDepth = saved.gradientDepth;
  }
}
