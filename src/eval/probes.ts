// Linear probes: ridge regression in closed form, on the host (float64), for measuring what a
// set of features says about a target — e.g. how much of the sentiment label each utterance
// feature of the MOSI data carries on train, valid and test (a label leak shows as a probe that
// is near-perfect on the clips the feature extractor was trained on and at chance elsewhere).
//   w = (ZᵀZ + αI)⁻¹ Zᵀ(y − ȳ),  Z = (X − μ) / σ (train statistics),  ŷ = Z w + ȳ
import { regressionMetrics, type RegressionMetrics } from './metrics';

export interface RidgeModel {
  mean: Float64Array;
  std: Float64Array;
  weights: Float64Array;
  intercept: number;
}

/** Solves A x = b for a symmetric positive definite A (n × n, row-major) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new Error('ridge: the system is not positive definite (alpha must be > 0)');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / (l[j * n + j] as number);
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (z[k] as number);
    z[i] = s / (l[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}

/** Fits ridge on rows `x` (each of equal length) and targets `y`; features standardised with the fitting rows' statistics. */
export function fitRidge(x: readonly ArrayLike<number>[], y: ArrayLike<number>, alpha: number): RidgeModel {
  const n = x.length;
  if (n === 0 || n !== y.length) throw new Error(`ridge: ${n} rows for ${y.length} targets`);
  if (!(alpha > 0)) throw new Error(`ridge: alpha must be > 0, got ${alpha}`);
  const d = (x[0] as ArrayLike<number>).length;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of x) {
    if (r.length !== d) throw new Error(`ridge: rows of ${r.length} and ${d} features`);
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number) / n;
  }
  for (const r of x) for (let j = 0; j < d; j++) std[j] = (std[j] as number) + ((r[j] as number) - (mean[j] as number)) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j] as number) || 1;
  let yBar = 0;
  for (let i = 0; i < n; i++) yBar += (y[i] as number) / n;
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  const z = new Float64Array(d);
  x.forEach((r, i) => {
    for (let j = 0; j < d; j++) z[j] = ((r[j] as number) - (mean[j] as number)) / (std[j] as number);
    const t = (y[i] as number) - yBar;
    for (let j = 0; j < d; j++) {
      b[j] = (b[j] as number) + (z[j] as number) * t;
      for (let k = 0; k <= j; k++) a[j * d + k] = (a[j * d + k] as number) + (z[j] as number) * (z[k] as number);
    }
  });
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) a[k * d + j] = a[j * d + k] as number;
    a[j * d + j] = (a[j * d + j] as number) + alpha;
  }
  return { mean, std, weights: solveSpd(a, b, d), intercept: yBar };
}

export function predictRidge(m: RidgeModel, x: readonly ArrayLike<number>[]): Float64Array {
  return Float64Array.from(x, (r) => {
    let s = m.intercept;
    for (let j = 0; j < m.weights.length; j++) s += (m.weights[j] as number) * (((r[j] as number) - (m.mean[j] as number)) / (m.std[j] as number));
    return s;
  });
}

/** R² of predictions against targets (1 − SSE / SST; can be negative). */
export function rSquared(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += (y[i] as number) / y.length;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) {
    sse += ((pred[i] as number) - (y[i] as number)) ** 2;
    sst += ((y[i] as number) - mean) ** 2;
  }
  return sst === 0 ? 0 : 1 - sse / sst;
}

export interface ProbeSplit<R> {
  rows: readonly R[];
  labels: ArrayLike<number>;
}

/** Fits on `train`, then the sentiment metrics of the probe on every given split. */
export function sentimentProbe<R extends ArrayLike<number>>(splits: Record<string, ProbeSplit<R>>, fitOn: string, alpha: number): Record<string, RegressionMetrics> {
  const train = splits[fitOn];
  if (train === undefined) throw new Error(`probe: no split ${fitOn}`);
  const model = fitRidge(train.rows, train.labels, alpha);
  return Object.fromEntries(Object.entries(splits).map(([name, s]) => [name, regressionMetrics(predictRidge(model, s.rows), s.labels)]));
}

/**
 * Eigen-decomposition of a symmetric matrix (cyclic Jacobi rotations, float64): eigenvalues in
 * descending order and the unit eigenvectors in the same order (vectors[k] belongs to values[k]).
 */
export function symmetricEigen(a: readonly ArrayLike<number>[]): { values: Float64Array; vectors: Float64Array[] } {
  const n = a.length;
  const m = a.map((r, i) => {
    if (r.length !== n) throw new Error(`symmetricEigen: row ${i} has ${r.length} entries, expected ${n}`);
    return Float64Array.from(r);
  });
  const v = m.map((_, i) => Float64Array.from({ length: n }, (__, j) => (i === j ? 1 : 0)));
  const at = (i: number, j: number): number => (m[i] as Float64Array)[j] as number;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (i === j ? (scale += at(i, j) ** 2) : (off += at(i, j) ** 2));
    if (off <= 1e-30 * Math.max(scale, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = at(p, q);
        if (apq === 0) continue;
        const theta = (at(q, q) - at(p, p)) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const row = m[k] as Float64Array;
          const [kp, kq] = [row[p] as number, row[q] as number];
          row[p] = c * kp - sn * kq;
          row[q] = sn * kp + c * kq;
        }
        const [rp, rq] = [m[p] as Float64Array, m[q] as Float64Array];
        for (let k = 0; k < n; k++) {
          const [pk, qk] = [rp[k] as number, rq[k] as number];
          rp[k] = c * pk - sn * qk;
          rq[k] = sn * pk + c * qk;
        }
        for (let k = 0; k < n; k++) {
          const row = v[k] as Float64Array;
          const [kp, kq] = [row[p] as number, row[q] as number];
          row[p] = c * kp - sn * kq;
          row[q] = sn * kp + c * kq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => at(y, y) - at(x, x));
  return {
    values: Float64Array.from(order, (i) => at(i, i)),
    vectors: order.map((i) => Float64Array.from(v, (row) => row[i] as number)),
  };
}
