// Measured disentanglement, on data whose generative factors are known (the synthetic benchmark:
// shared s and private p_L, p_A, p_V per clip). Two measurements that do not rest on the CLUB
// estimator MIRD minimised:
//   1. linear probes: ridge from each learned latent (z^L, z^A, z^V, z^S) to each true factor,
//      fitted on train, ridge α chosen on valid, R² reported on test. A disentangled model has
//      z^S predicting s and not the p_m, and z^m predicting p_m and not s.
//   2. the KSG k-nearest-neighbour estimate of I(z_a; z_b) between latents (Kraskov, Stögbauer
//      and Grassberger 2004, estimator 1, max-norm), fitted after training on test latents.
// And where in a latent a factor sits: the probe's R² from the latent's top-k principal
// directions only (`principalDirectionR2`). A factor that appears only as k reaches the
// low-variance directions is kept where a per-coordinate dependence measure barely sees it.
import { fitRidge, predictRidge, symmetricEigen } from './probes';

export const LATENT_NAMES = ['zText', 'zAudio', 'zVisual', 'zShared'] as const;
export type LatentName = (typeof LATENT_NAMES)[number];
export const FACTOR_NAMES = ['s', 'pL', 'pA', 'pV'] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

/** Rows (one per clip) of each latent and factor, for one split. */
export interface ProbeSplitData {
  latents: Record<LatentName, Float64Array[]>;
  factors: Record<FactorName, Float64Array[]>;
}

/**
 * R² of a multi-output prediction: 1 − Σ_dims SSE / Σ_dims SST, SST around the predicted
 * split's own mean per dimension (0 = no better than the mean, < 0 worse).
 */
export function multiR2(pred: readonly ArrayLike<number>[], y: readonly ArrayLike<number>[]): number {
  if (pred.length !== y.length || y.length === 0) throw new Error(`multiR2: ${pred.length} predictions for ${y.length} rows`);
  const d = (y[0] as ArrayLike<number>).length;
  let sse = 0;
  let sst = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (const r of y) mean += (r[j] as number) / y.length;
    y.forEach((r, i) => {
      sse += ((r[j] as number) - ((pred[i] as ArrayLike<number>)[j] as number)) ** 2;
      sst += ((r[j] as number) - mean) ** 2;
    });
  }
  return sst === 0 ? 0 : 1 - sse / sst;
}

/** Ridge from rows x to multi-dimensional targets y (one ridge per target dimension). */
function fitPredict(xTrain: readonly Float64Array[], yTrain: readonly Float64Array[], xEval: readonly Float64Array[], alpha: number): Float64Array[] {
  const d = (yTrain[0] as Float64Array).length;
  const out = xEval.map(() => new Float64Array(d));
  for (let j = 0; j < d; j++) {
    const m = fitRidge(xTrain, yTrain.map((r) => r[j] as number), alpha);
    predictRidge(m, xEval).forEach((v, i) => ((out[i] as Float64Array)[j] = v));
  }
  return out;
}

export const PROBE_ALPHAS: readonly number[] = [0.01, 0.1, 1, 10, 100];

export interface ProbeCell {
  latent: LatentName;
  factor: FactorName;
  /** R² on test with the α that was best on valid */
  r2: number;
  alpha: number;
  validR2: number;
}

/** The latent × factor matrix of test R² (α per cell chosen on valid). */
export function probeMatrix(train: ProbeSplitData, valid: ProbeSplitData, test: ProbeSplitData, alphas: readonly number[] = PROBE_ALPHAS): ProbeCell[] {
  const cells: ProbeCell[] = [];
  for (const latent of LATENT_NAMES) {
    for (const factor of FACTOR_NAMES) {
      let best = { alpha: alphas[0] as number, validR2: -Infinity };
      for (const alpha of alphas) {
        const r2 = multiR2(fitPredict(train.latents[latent], train.factors[factor], valid.latents[latent], alpha), valid.factors[factor]);
        if (r2 > best.validR2) best = { alpha, validR2: r2 };
      }
      const r2 = multiR2(fitPredict(train.latents[latent], train.factors[factor], test.latents[latent], best.alpha), test.factors[factor]);
      cells.push({ latent, factor, r2, alpha: best.alpha, validR2: best.validR2 });
    }
  }
  return cells;
}

/** ψ, the digamma function (asymptotic series after shifting the argument above 6). */
export function digamma(x: number): number {
  if (!(x > 0)) throw new Error(`digamma: x must be > 0, got ${x}`);
  let r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/**
 * KSG estimator 1 of I(X; Y) in nats: ψ(k) + ψ(N) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩, with ε_i the
 * max-norm distance of point i to its k-th neighbour in the joint space, n_x (n_y) the points
 * strictly closer than ε_i in the X (Y) space. Each space's coordinates are standardised first
 * (the estimate depends on the metric; standardising makes it invariant to per-coordinate
 * scale). O(N²·d): fine for a few hundred test clips.
 */
export function ksgMutualInformation(x: readonly ArrayLike<number>[], y: readonly ArrayLike<number>[], k = 3): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`ksg: ${n} rows of X and ${y.length} of Y`);
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new Error(`ksg: k must be an integer in [1, N − 1], got ${k} with N = ${n}`);
  const standardise = (rows: readonly ArrayLike<number>[]): Float64Array[] => {
    const d = (rows[0] as ArrayLike<number>).length;
    const out = rows.map((r) => Float64Array.from(r as ArrayLike<number>));
    for (let j = 0; j < d; j++) {
      let m = 0;
      for (const r of out) m += (r[j] as number) / n;
      let v = 0;
      for (const r of out) v += ((r[j] as number) - m) ** 2 / n;
      const s = Math.sqrt(v) || 1;
      for (const r of out) r[j] = ((r[j] as number) - m) / s;
    }
    return out;
  };
  const xs = standardise(x);
  const ys = standardise(y);
  const cheb = (a: Float64Array, b: Float64Array): number => {
    let m = 0;
    for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs((a[j] as number) - (b[j] as number)));
    return m;
  };
  const dx = Array.from({ length: n }, () => new Float64Array(n));
  const dy = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = cheb(xs[i] as Float64Array, xs[j] as Float64Array);
      const b = cheb(ys[i] as Float64Array, ys[j] as Float64Array);
      (dx[i] as Float64Array)[j] = a;
      (dx[j] as Float64Array)[i] = a;
      (dy[i] as Float64Array)[j] = b;
      (dy[j] as Float64Array)[i] = b;
    }
  }
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const joint: number[] = [];
    for (let j = 0; j < n; j++) if (j !== i) joint.push(Math.max((dx[i] as Float64Array)[j] as number, (dy[i] as Float64Array)[j] as number));
    joint.sort((a, b) => a - b);
    const eps = joint[k - 1] as number;
    let nx = 0;
    let ny = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      if (((dx[i] as Float64Array)[j] as number) < eps) nx += 1;
      if (((dy[i] as Float64Array)[j] as number) < eps) ny += 1;
    }
    acc += digamma(nx + 1) + digamma(ny + 1);
  }
  return digamma(k) + digamma(n) - acc / n;
}

export interface DirectionCell {
  /** number of top principal directions (by train variance) the probe reads */
  k: number;
  /** their share of the latent's total train variance */
  varianceFraction: number;
  /** test R² of a near-least-squares probe (ridge α 0.01 on standardised direction scores) */
  r2: number;
}

/**
 * The latent's principal directions (eigenvectors of its train covariance, by variance), and for
 * each k in `ks` the test R² of a probe from the scores on the top k directions to the factor.
 * The scores are standardised before the probe, so a direction's variance does not decide how
 * easily it is read — only whether it is among the top k.
 */
export function principalDirectionR2(train: { x: readonly Float64Array[]; y: readonly Float64Array[] }, test: { x: readonly Float64Array[]; y: readonly Float64Array[] }, ks: readonly number[]): DirectionCell[] {
  const n = train.x.length;
  if (n < 2 || train.y.length !== n) throw new Error(`principalDirectionR2: ${n} train rows for ${train.y.length} targets`);
  const d = (train.x[0] as Float64Array).length;
  const mean = new Float64Array(d);
  for (const r of train.x) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number) / n;
  const cov = Array.from({ length: d }, () => new Float64Array(d));
  for (const r of train.x) {
    for (let i = 0; i < d; i++) {
      const ci = (r[i] as number) - (mean[i] as number);
      const row = cov[i] as Float64Array;
      for (let j = 0; j < d; j++) row[j] = (row[j] as number) + (ci * ((r[j] as number) - (mean[j] as number))) / n;
    }
  }
  const { values, vectors } = symmetricEigen(cov);
  const total = values.reduce((a, v) => a + Math.max(v, 0), 0);
  const scores = (rows: readonly Float64Array[], k: number): Float64Array[] => rows.map((r) => Float64Array.from({ length: k }, (_, c) => {
    const vec = vectors[c] as Float64Array;
    let acc = 0;
    for (let j = 0; j < d; j++) acc += ((r[j] as number) - (mean[j] as number)) * (vec[j] as number);
    return acc;
  }));
  return ks.map((k) => {
    if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`principalDirectionR2: k must be in 1..${d}, got ${k}`);
    let share = 0;
    for (let c = 0; c < k; c++) share += Math.max(values[c] as number, 0);
    const r2 = multiR2(fitPredict(scores(train.x, k), train.y, scores(test.x, k), 0.01), test.y);
    return { k, varianceFraction: total > 0 ? share / total : 0, r2 };
  });
}
