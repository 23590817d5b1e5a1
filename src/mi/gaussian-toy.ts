// The correlated-Gaussian toy of the CLUB paper (Cheng et al., ICML 2020, §5.1) with its closed
// forms. d independent coordinate pairs (x_k, y_k), unit variances, correlation ρ:
//   y = ρ·x + sqrt(1 − ρ²)·ε,  x, ε ~ N(0, I_d)
//   true MI        I(x; y) = −(d/2)·log(1 − ρ²)
//   true conditional p(y|x) = N(ρx, (1 − ρ²)·I)
//   CLUB with q = p(y|x):  positive E_p(x,y)[log q] − const = −d/2,
//                          negative E_p(x)E_p(y)[log q] − const = −d(1 + ρ²)/(2(1 − ρ²)),
//                          so CLUB* = d·ρ²/(1 − ρ²) ≥ I(x; y), the gap being E_p(x) KL(p(y) ‖ p(y|x))
//                          (derivation in notebooks/03_club_derivation.ipynb). A correct,
//                          expressive CLUB converges to CLUB*, not to the true MI.
//   CLUBMean (unit variance, mean ρx): d·ρ² (not guaranteed ≥ I; it crosses below at ρ² ≈ 0.797).
// The cubic variant y ← y³ is an invertible per-coordinate map of y, so the MI is unchanged.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

function checkRho(rho: number): void {
  if (!Number.isFinite(rho) || Math.abs(rho) >= 1) throw new Error(`correlation ρ must be in (−1, 1), got ${rho}`);
}
function checkDim(d: number): void {
  if (!Number.isInteger(d) || d <= 0) throw new Error(`dimension d must be a positive integer, got ${d}`);
}

/** I(x; y) = −(d/2)·log(1 − ρ²) nats. */
export function trueMI(d: number, rho: number): number {
  checkDim(d);
  checkRho(rho);
  return -(d / 2) * Math.log(1 - rho * rho);
}

/** ρ with −(d/2)·log(1 − ρ²) = mi, i.e. ρ = sqrt(1 − exp(−2·mi/d)). */
export function rhoForMI(d: number, mi: number): number {
  checkDim(d);
  if (!Number.isFinite(mi) || mi < 0) throw new Error(`target MI must be a finite number ≥ 0, got ${mi}`);
  return Math.sqrt(1 - Math.exp((-2 * mi) / d));
}

/** CLUB under the true conditional q = p(y|x): d·ρ²/(1 − ρ²). */
export function clubClosedForm(d: number, rho: number): number {
  checkDim(d);
  checkRho(rho);
  return (d * rho * rho) / (1 - rho * rho);
}

/** CLUBMean (q = N(ρx, I)) at its optimum: d·ρ². */
export function clubMeanClosedForm(d: number, rho: number): number {
  checkDim(d);
  checkRho(rho);
  return d * rho * rho;
}

/** Mean and log-variance of the true conditional p(y|x) = N(ρx, (1 − ρ²)I): x [N, d] → [N, d] each. */
export function trueConditional(x: tf.Tensor2D, rho: number): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
  checkRho(rho);
  return tf.tidy(() => ({
    mu: tf.mul(x, rho) as tf.Tensor2D, // [N, d]
    logVar: tf.fill(x.shape, Math.log(1 - rho * rho)) as tf.Tensor2D, // [N, d]
  }));
}

export interface ToySample {
  x: tf.Tensor2D; // [N, d]
  y: tf.Tensor2D; // [N, d]
}

/**
 * Seeded host-side sampler of the toy: every draw comes from one Rng, so a seed fixes the whole
 * stream of batches. `cubic` returns y³ instead of y (same MI, non-Gaussian conditional).
 */
export class GaussianToySampler {
  private readonly rng: Rng;

  constructor(
    readonly d: number,
    seed: number,
    readonly cubic = false,
  ) {
    checkDim(d);
    this.rng = new Rng(seed);
  }

  /** Host arrays of one batch: x, y each length n·d, row-major [n, d]. */
  sampleArrays(n: number, rho: number): { x: Float32Array; y: Float32Array } {
    checkRho(rho);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`batch size must be a positive integer, got ${n}`);
    const size = n * this.d;
    const x = new Float32Array(size);
    const y = new Float32Array(size);
    const s = Math.sqrt(1 - rho * rho);
    for (let i = 0; i < size; i++) {
      const xi = this.rng.normal();
      const yi = rho * xi + s * this.rng.normal();
      x[i] = xi;
      y[i] = this.cubic ? yi * yi * yi : yi;
    }
    return { x, y };
  }

  /** One batch as tensors (caller disposes). */
  sample(n: number, rho: number): ToySample {
    const { x, y } = this.sampleArrays(n, rho);
    return { x: tf.tensor2d(x, [n, this.d]), y: tf.tensor2d(y, [n, this.d]) };
  }
}

/**
 * CLUB of the best Gaussian q whose mean is a rank-k linear map of x and whose variance does
 * not depend on x: the k predicted coordinates give ρ²/(1 − ρ²) each, the others nothing
 * (μ constant there, so positive and negative terms agree), i.e. (min(k, d)/d)·CLUB*.
 * A heads-of-k-units q has a mean Jacobian of rank ≤ k, so this is the ceiling narrow
 * estimators hit (heuristic for ReLU heads; measured in results/mi_toy.md).
 */
export function rankCeiling(d: number, rho: number, k: number): number {
  if (!Number.isInteger(k) || k <= 0) throw new Error(`rank k must be a positive integer, got ${k}`);
  return (Math.min(k, d) / d) * clubClosedForm(d, rho);
}
