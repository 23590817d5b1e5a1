// Ops whose tfjs gradients are slow on the wasm backend, rewritten.
//
// tfjs's matMul gradient calls matMul with transposeA / transposeB flags; on wasm those paths
// are ~13× slower than a plain product (measured on wasm: 717 ms vs 57 ms for 50 products of
// 256×256). Here the gradient transposes explicitly and multiplies plainly:
//   C = A·B  ⇒  dA = dC·Bᵀ,  dB = Aᵀ·dC.
import * as tf from '@tensorflow/tfjs';

const matMul2d = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a2, b2, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a2, b2]);
  return {
    value: tf.matMul(a2, b2), // [M, N]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      // in a tidy: tfjs keeps a custom gradient's temporaries (here the transposes) to the end
      return tf.tidy(() => [tf.matMul(dy2, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy2)]);
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

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
  let y: tf.Tensor = matMul(flat, w); // [N, out]
  if (b !== undefined && b !== null) y = tf.add(y, b);
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
