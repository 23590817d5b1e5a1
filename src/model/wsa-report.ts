// Summaries of the WSA fusion for notebooks: per-step tensor statistics, attention sparsity,
// gate and λ statistics over REAL words only (the attention-map heatmaps are in src/viz/wsa.ts).
// Plain functions of host arrays; they never touch the model.
import * as tf from '@tensorflow/tfjs';

/** One table row (the shape showTable in src/viz/display.ts takes). */
export type StatsRow = Record<string, string | number | boolean | null>;

/** One row per tensor: shape and value statistics. */
export function tensorTable(tensors: Record<string, tf.Tensor>, equations: Record<string, string> = {}): StatsRow[] {
  return Object.entries(tensors).map(([name, t]) => {
    const v = t.dataSync();
    let sum = 0;
    let sq = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as number;
      sum += x;
      sq += x * x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const mean = sum / Math.max(v.length, 1);
    return {
      tensor: name,
      equation: equations[name] ?? '',
      shape: `[${t.shape.join(', ')}]`,
      mean,
      std: Math.sqrt(Math.max(sq / Math.max(v.length, 1) - mean * mean, 0)),
      min,
      max,
    };
  });
}

/** Rows of clip `b`'s attention map restricted to real words × real frames: [words][frames]. */
export function realAttention(weights: tf.Tensor3D, textMask: tf.Tensor2D, frameMask: tf.Tensor2D, b = 0): number[][] {
  const w = (weights.arraySync() as number[][][])[b] as number[][];
  const tm = (textMask.arraySync() as number[][])[b] as number[];
  const fm = (frameMask.arraySync() as number[][])[b] as number[];
  const words = tm.map((m, i) => (m > 0 ? i : -1)).filter((i) => i >= 0);
  const frames = fm.map((m, i) => (m > 0 ? i : -1)).filter((i) => i >= 0);
  return words.map((i) => frames.map((j) => (w[i] as number[])[j] as number));
}

export interface SparsityStats {
  words: number;
  frames: number;
  /** mean number of frames with weight > 0 per word */
  meanSupport: number;
  minSupport: number;
  maxSupport: number;
  /** words whose support is one frame: their scores get no gradient (Sparsemax Jacobian 0) */
  oneFrameWords: number;
  /** fraction of (word, real frame) weights that are exactly 0 */
  zeroFraction: number;
  /** mean of each word's largest weight */
  meanMaxWeight: number;
}

export function sparsityStats(map: number[][]): SparsityStats {
  const supports = map.map((row) => row.filter((v) => v > 0).length);
  const cells = map.reduce((s, row) => s + row.length, 0);
  const zeros = map.reduce((s, row) => s + row.filter((v) => v === 0).length, 0);
  return {
    words: map.length,
    frames: map[0]?.length ?? 0,
    meanSupport: supports.reduce((a, b) => a + b, 0) / Math.max(supports.length, 1),
    minSupport: supports.length ? Math.min(...supports) : 0,
    maxSupport: supports.length ? Math.max(...supports) : 0,
    oneFrameWords: supports.filter((n) => n === 1).length,
    zeroFraction: zeros / Math.max(cells, 1),
    meanMaxWeight: map.reduce((s, row) => s + Math.max(...row), 0) / Math.max(map.length, 1),
  };
}

/** Mean / std / min / max of a [B, T_L(, H)] tensor over real words (mask [B, T_L]). */
export function maskedStats(name: string, t: tf.Tensor, textMask: tf.Tensor2D): StatsRow {
  const [b, l] = textMask.shape;
  const inner = t.size / (b * l);
  const v = t.dataSync();
  const m = textMask.dataSync();
  const vals: number[] = [];
  for (let i = 0; i < b * l; i++) if ((m[i] as number) > 0) for (let k = 0; k < inner; k++) vals.push(v[i * inner + k] as number);
  const mean = vals.reduce((a, x) => a + x, 0) / Math.max(vals.length, 1);
  const std = Math.sqrt(vals.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(vals.length, 1));
  return {
    quantity: name,
    values: vals.length,
    mean,
    std,
    min: vals.length ? Math.min(...vals) : null,
    max: vals.length ? Math.max(...vals) : null,
    'fraction = 0': vals.filter((x) => x === 0).length / Math.max(vals.length, 1),
    'fraction = 1': vals.filter((x) => x === 1).length / Math.max(vals.length, 1),
  };
}
