// Reconstruction losses (paper eq. 8): masked cross entropy over a vocabulary (language) and
// masked mean squared error (audio / visual), plus the output layer and cross entropy fused
// into one op for large vocabularies. Padded positions never count.
import * as tf from '@tensorflow/tfjs';
import { weightGradient } from './ops';

export interface CrossEntropyOptions {
  /** token ids that never count (besides mask = 0), e.g. [CLS] = 101 and [SEP] = 102 */
  ignoreIds?: readonly number[];
}

/** Checks ids and mask [B, T] against the loss input's leading axes. */
function checkIdsAndMask(fn: string, input: readonly number[], ids: tf.Tensor2D, mask: tf.Tensor2D): void {
  const [b, t] = input;
  if (ids.shape[0] !== b || ids.shape[1] !== t || mask.shape[0] !== b || mask.shape[1] !== t) {
    throw new Error(`${fn}: input [${input}] needs ids and mask of shape [${b}, ${t}], got [${ids.shape}] and [${mask.shape}]`);
  }
}

/**
 * The flat ids [N] (N = B·T) and the weights c_n = m_n / max(Σ m, 1) of a mean over the counted
 * positions: mask = 1 and id not in ignoreIds.
 */
function countedPositions(ids: tf.Tensor2D, mask: tf.Tensor2D, ignoreIds: readonly number[] = []): { idsFlat: tf.Tensor1D; coef: tf.Tensor1D } {
  const n = ids.size;
  const idsFlat = tf.reshape(tf.cast(ids, 'int32'), [n]) as tf.Tensor1D; // [N]
  let m = tf.reshape(tf.cast(mask, 'float32'), [n]); // [N]
  for (const id of ignoreIds) m = tf.mul(m, tf.cast(tf.notEqual(idsFlat, tf.scalar(id, 'int32')), 'float32'));
  return { idsFlat, coef: tf.div(m, tf.maximum(tf.sum(m), 1)) as tf.Tensor1D }; // c_n [N]
}

/** Flat indices r·V + id_r of each row's target entry in a [rows, V] tensor. ids [rows] int32. */
function targetIndex(ids: tf.Tensor1D, v: number): tf.Tensor1D {
  return tf.add(tf.mul(tf.range(0, ids.shape[0], 1, 'int32'), tf.scalar(v, 'int32')), ids) as tf.Tensor1D; // [rows]
}

/**
 * log Σ_j exp(x_j) per row from the row's logits and their softmax, without an exp pass of its
 * own: with m = max_j x_j, softmax at the arg max is exp(0) / Σ_j exp(x_j − m), so
 * log Σ_j exp(x_j) = m − log max_j softmax_j. max_j softmax_j ≥ 1/V never underflows. On wasm
 * the fused Softmax kernel is ~3× faster than logSumExp's separate max/sub/exp/sum/log passes
 * over a [549, 30522] chunk (74 ms against 220 ms), and the softmax is needed anyway.
 * logits, softmax [rows, V] → [rows]
 */
function logNormaliser(logits: tf.Tensor2D, softmax: tf.Tensor2D): tf.Tensor1D {
  return tf.sub(tf.max(logits, 1), tf.log(tf.max(softmax, 1))) as tf.Tensor1D;
}

/**
 * softmax − onehot(ids) from p = softmax [rows, V] by updating the rows target entries (no
 * [rows, V] one-hot). The flat view of p is disposed here, or p's buffer would outlive p.
 */
function minusOneHot(p: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const [rows, v] = p.shape;
  const pFlat = tf.reshape(p, [rows * v]); // [rows·V] view
  const targets = tf.gather(pFlat, targetIndex(ids, v)); // [rows]
  pFlat.dispose();
  return tf.tensorScatterUpdate(p, tf.stack([tf.range(0, rows, 1, 'int32'), ids], 1), tf.sub(targets, 1)) as tf.Tensor2D; // [rows, V]
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
  checkIdsAndMask('maskedCrossEntropy', logits.shape, ids, mask);
  return tf.tidy(() => {
    const n = b * t;
    const { idsFlat, coef } = countedPositions(ids, mask, options.ignoreIds);
    const index = targetIndex(idsFlat, v); // n·V + id [N]
    // ids (as float) and weights enter as inputs so that `save` keeps them for the backward pass.
    // Memory: at batch 144 × 50 tokens × 30522 every [N, V] float tensor is ~880 MB and the wasm
    // heap stops at 4 GB, so besides the logits themselves at most two [N, V] temporaries are
    // alive at any time (explicit disposes), only the logits and an [N] log-normaliser are
    // saved, and softmax − onehot updates the N target entries instead of building a one-hot.
    const ce = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [flat, idsF, weights, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
      const rowMax = tf.max(flat, 1, true); // [N, 1]
      const shifted = tf.sub(flat, rowMax); // [N, V]
      const e = tf.exp(shifted); // [N, V]
      shifted.dispose();
      const sumExp = tf.sum(e, 1); // [N]
      e.dispose();
      const lse = tf.add(tf.log(sumExp), tf.reshape(rowMax, [n])); // log Σ_v exp(logit_v) [N]
      const target = tf.gather(tf.reshape(flat, [n * v]), index); // logit of the target id [N]
      save([flat, lse, idsF, weights]);
      return {
        value: tf.sum(tf.mul(tf.sub(lse, target), weights)), // Σ c_n · nll_n
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sf, l, si, sw] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
          const centred = tf.sub(sf, tf.expandDims(l, 1)); // logits − lse [N, V]
          const p = tf.exp(centred); // softmax [N, V]
          centred.dispose();
          const diff = minusOneHot(p as tf.Tensor2D, tf.cast(si, 'int32') as tf.Tensor1D); // [N, V]
          p.dispose();
          const grad = tf.mul(diff, tf.expandDims(tf.mul(sw, dy), 1)); // [N, V]
          diff.dispose();
          return [grad, tf.zerosLike(si), tf.zerosLike(sw)];
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
    const sq = tf.sum(tf.mul(tf.square(tf.sub(pred, target)), m)); // Σ over real frames []
    return tf.div(sq, tf.maximum(tf.mul(tf.sum(m), pred.shape[2]), 1)) as tf.Scalar;
  });
}

export interface FusedCrossEntropyOptions extends CrossEntropyOptions {
  /** rows (clip × position) per chunk; default: as many as keep a chunk's logits ≤ 2²⁴ floats (64 MB) */
  chunkRows?: number;
  /**
   * The forward's softmax of every chunk is kept for the backward (instead of recomputing the
   * chunk's logits there) while all of them together stay within this many floats; default 2²⁵
   * (128 MB). With 0 only a single chunk's softmax is kept. Either way the values and gradients
   * are bit-identical.
   */
  keepSoftmaxFloats?: number;
  /**
   * Flat positions b·T + t that may count (host-side, ascending), e.g. every real token of the
   * batch: only these rows are multiplied by W (padding is often half of a batch's positions).
   * Every position with mask 1 must be listed; a listed position with mask 0 just weighs 0.
   */
  rows?: Int32Array;
}

/** fusedLinearCrossEntropy's default `keepSoftmaxFloats`: 2²⁵ floats (128 MB). */
export const KEEP_SOFTMAX_FLOATS = 1 << 25;

/**
 * The language decoder's output layer and its cross entropy in one op, never materialising
 * the [B·T, V] logits: CE of softmax(h W + b) against ids, averaged over counted positions
 * (mask, ignoreIds) exactly as `maskedCrossEntropy(linear(h, W, b), ...)`.
 *
 * Rows are processed in chunks: dlogits = c_n (softmax − onehot), dh = dlogits Wᵀ,
 * dW = Σ hᵀ dlogits, db = Σ dlogits. While the softmax of all rows fits `keepSoftmaxFloats`
 * (the paper preset's ~900 real tokens × 30,522: 109 MB) the forward's chunks are kept for the
 * backward; beyond it the backward recomputes each chunk's logits (one more [rows, H] × [H, V]
 * product per chunk: ~0.25 s of the paper preset's iteration on 2 cores).
 * Memory is O(chunk · V) instead of O(B·T·V) past that budget: with V = 30522 the full logits of
 * the authors' batch (48 labeled + 96 unlabeled clips × 50 tokens) are 880 MB per tensor and a
 * training step through `maskedCrossEntropy` exhausts the 4 GB wasm heap; this op does not.
 * hidden [B, T, H], w [H, V], b [V], ids [B, T] int32, mask [B, T] → scalar.
 */
export function fusedLinearCrossEntropy(
  hidden: tf.Tensor3D, w: tf.Tensor2D, b: tf.Tensor1D, ids: tf.Tensor2D, mask: tf.Tensor2D, options: FusedCrossEntropyOptions = {},
): tf.Scalar {
  const [bs, t, hd] = hidden.shape;
  const [wIn, v] = w.shape;
  if (wIn !== hd || b.shape[0] !== v) throw new Error(`fusedLinearCrossEntropy: hidden [${hidden.shape}] needs w [${hd}, V] and b [V], got w [${w.shape}], b [${b.shape}]`);
  checkIdsAndMask('fusedLinearCrossEntropy', hidden.shape, ids, mask);
  const all = bs * t;
  const rows = options.rows;
  if (rows !== undefined && rows.some((r, i) => !Number.isInteger(r) || r < 0 || r >= all || (i > 0 && r <= (rows[i - 1] as number)))) {
    throw new Error(`fusedLinearCrossEntropy: rows must be ascending flat positions in [0, ${all})`);
  }
  const n = rows === undefined ? all : rows.length;
  if (n === 0) return tf.scalar(0);
  const chunk = Math.max(1, Math.min(n, options.chunkRows ?? Math.floor((1 << 24) / v)));
  const keepSoftmax = chunk >= n || n * v <= (options.keepSoftmaxFloats ?? KEEP_SOFTMAX_FLOATS);
  return tf.tidy(() => {
    const counted = countedPositions(ids, mask, options.ignoreIds);
    const picked = rows === undefined ? null : tf.tensor1d(rows, 'int32');
    // the weights c_n are normalised over ALL counted positions, so a listed subset that holds
    // every counted position gives exactly the full loss
    const idsFlat = picked === null ? counted.idsFlat : (tf.gather(counted.idsFlat, picked) as tf.Tensor1D);
    const coef = picked === null ? counted.coef : (tf.gather(counted.coef, picked) as tf.Tensor1D);
    const starts: number[] = [];
    for (let s = 0; s < n; s += chunk) starts.push(s);
    // one chunk's rows [r0, r0 + rows): logits, log-normaliser, target logit
    const chunkLogits = (h2: tf.Tensor2D, ww: tf.Tensor2D, bb: tf.Tensor1D, r0: number, rows: number): tf.Tensor2D =>
      tf.add(tf.matMul(tf.slice(h2, [r0, 0], [rows, hd]), ww), bb) as tf.Tensor2D; // [rows, V]
    const chunkIds = (idsF: tf.Tensor1D, r0: number, rows: number): tf.Tensor1D => tf.cast(tf.slice(idsF, [r0], [rows]), 'int32') as tf.Tensor1D; // [rows]
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [h2, ww, bb, idsF, weights, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
      let total: tf.Tensor = tf.scalar(0);
      const kept: tf.Tensor[] = [];
      for (const r0 of starts) {
        const rows = Math.min(chunk, n - r0);
        const [part, p] = tf.tidy(() => {
          const logits = chunkLogits(h2, ww, bb, r0, rows);
          const softmax = tf.softmax(logits); // [rows, V], one fused kernel
          const lse = logNormaliser(logits, softmax); // [rows]
          const target = tf.gather(tf.reshape(logits, [rows * v]), targetIndex(chunkIds(idsF, r0, rows), v)); // [rows]
          const loss = tf.sum(tf.mul(tf.sub(lse, target), tf.slice(weights, [r0], [rows])));
          return [loss, keepSoftmax ? softmax : tf.scalar(0)];
        });
        if (keepSoftmax) kept.push(p as tf.Tensor);
        else (p as tf.Tensor).dispose();
        const next = tf.add(total, part as tf.Tensor);
        tf.dispose([total, part as tf.Tensor]);
        total = next;
      }
      save([h2, ww, bb, idsF, weights, ...kept]);
      return {
        value: total,
        // in a tidy: tfjs keeps a custom gradient's temporaries (Wᵀ, the row blocks) to the end
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => {
          const [sh, sw, sb, si, sc, ...softmaxes] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, ...tf.Tensor2D[]];
          const wT = tf.transpose(sw); // [V, H], once
          let dW: tf.Tensor = tf.zerosLike(sw);
          let dB: tf.Tensor = tf.zerosLike(sb);
          const dHs: tf.Tensor[] = [];
          for (const [c, r0] of starts.entries()) {
            const rows = Math.min(chunk, n - r0);
            const [dh, dw, db] = tf.tidy(() => {
              const p = softmaxes[c] ?? tf.softmax(chunkLogits(sh, sw, sb, r0, rows)); // [rows, V]
              const diff = minusOneHot(p, chunkIds(si, r0, rows)); // [rows, V]
              const g = tf.mul(diff, tf.expandDims(tf.mul(tf.slice(sc, [r0], [rows]), dy), 1)) as tf.Tensor2D; // dlogits
              return [tf.matMul(g, wT), ...weightGradient(tf.slice(sh, [r0, 0], [rows, hd]) as tf.Tensor2D, g, true)];
            });
            dHs.push(dh as tf.Tensor);
            const nw = tf.add(dW, dw as tf.Tensor);
            const nb = tf.add(dB, db as tf.Tensor);
            tf.dispose([dW, dB, dw as tf.Tensor, db as tf.Tensor]);
            dW = nw;
            dB = nb;
          }
          return [tf.concat(dHs, 0), dW, dB, tf.zerosLike(si), tf.zerosLike(sc)];
        }),
      };
    });
    const flat = tf.reshape(hidden, [all, hd]); // [B·T, H]
    const h2 = picked === null ? flat : (tf.gather(flat, picked) as tf.Tensor2D); // [n, H]
    return op(h2, w, b, tf.cast(idsFlat, 'float32'), coef) as tf.Scalar;
  });
}
