// The CLUB paper's two toy experiments, shared by `mird mi-toy` and notebook 03.
//
// Estimation (CLUB paper §5.1, reference notebook mi_estimation.ipynb): the correlated-Gaussian
// toy at MI levels 2, 4, 6, 8, 10 (d = 20, batch 64). One estimator runs through all levels
// in order (weights and Adam state carry over, as in the reference). Each step draws a fresh
// batch, records the estimate BEFORE the update, then takes one Adam step on learningLoss.
// Per level: mean, std (population), bias = mean − trueMI (signed), mse = mean((est − trueMI)²)
// over the last `lastK` estimates. Every estimator sees the same stream of batches.
//
// Minimisation (reference notebook mi_minimization.ipynb): a sampler with per-dimension
// correlation ρ_k = 2·sinθ_k·cosθ_k = sin 2θ_k is trained to MINIMISE the CLUB estimate, with
// `estimatorSteps` estimator updates per sampler update (MIRD's T' = 5), recording the true MI.
import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed } from '../util/rng';
import { estimatorStep, evaluate, modelStep } from './alternating';
import { type EstimatorSpec, makeEstimator, specName } from './factory';
import { GaussianToySampler, clubClosedForm, rhoForMI, trueMI } from './gaussian-toy';

export interface EstimationConfig {
  d: number;
  batchSize: number;
  levels: number[];
  stepsPerLevel: number;
  /** Statistics over the last `lastK` estimates of each level. */
  lastK: number;
  lr: number;
  seed: number;
  cubic: boolean;
  estimators: EstimatorSpec[];
  /** Keep every `traceEvery`-th raw estimate for plotting. */
  traceEvery: number;
}

/** One row of results/mi_toy.json (keys fixed; test/mi-cli.test.ts checks them). */
export interface EstimationRow {
  estimator: string;
  level: number;
  trueMI: number;
  clubClosedForm: number;
  mean: number;
  std: number;
  bias: number;
  mse: number;
}

export interface EstimationTrace {
  estimator: string;
  /** stride of the thinning: values[i] is the estimate at step i·every (0-based, counted over all levels) */
  every: number;
  values: number[];
  msPerStep: number;
}

export const PAPER_ESTIMATION: Omit<EstimationConfig, 'seed' | 'estimators'> = {
  d: 20,
  batchSize: 64,
  levels: [2, 4, 6, 8, 10],
  stepsPerLevel: 4000,
  lastK: 500,
  lr: 5e-3,
  cubic: false,
  traceEvery: 5,
};

/** Reference width (hidden 15 → 7-unit heads; also with the reference's Tanh log-variance, lvb1), MIRD's 32, a wide 256, and the baselines. */
export const DEFAULT_TOY_ESTIMATORS: EstimatorSpec[] = [
  { kind: 'CLUB', hiddenSize: 15 },
  { kind: 'CLUB', hiddenSize: 15, logVarBound: 1 },
  { kind: 'CLUB', hiddenSize: 32 },
  { kind: 'CLUB', hiddenSize: 256 },
  { kind: 'CLUBSample', hiddenSize: 15 },
  { kind: 'CLUBMean', hiddenSize: 15 },
  { kind: 'L1OutUB', hiddenSize: 15 },
  { kind: 'MINE', hiddenSize: 15 },
  { kind: 'NWJ', hiddenSize: 15 },
  { kind: 'InfoNCE', hiddenSize: 15 },
];

function round(v: number, digits = 5): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function summarise(values: number[], truth: number): { mean: number; std: number; bias: number; mse: number } {
  if (values.length === 0) throw new Error('summarise: no estimates');
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const mse = values.reduce((a, b) => a + (b - truth) ** 2, 0) / n;
  return { mean, std: Math.sqrt(variance), bias: mean - truth, mse };
}

export interface EstimationHooks {
  /** Called after every step with the estimator name, level and the recorded estimate. */
  onStep?: (estimator: string, level: number, estimate: number) => void;
}

function validate(config: EstimationConfig): void {
  // lastK 0 would be slice(-0) = every estimate of the level, silently
  for (const key of ['stepsPerLevel', 'lastK', 'traceEvery', 'batchSize', 'd'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new Error(`estimation config: ${key} must be a positive integer, got ${config[key]}`);
  }
  if (config.lastK > config.stepsPerLevel) {
    throw new Error(`lastK (${config.lastK}) must not exceed stepsPerLevel (${config.stepsPerLevel})`);
  }
  if (config.levels.length === 0) throw new Error('no MI levels given');
}

/** Runs every estimator through all levels; returns the rows and the thinned traces. */
export function runEstimation(config: EstimationConfig, hooks: EstimationHooks = {}): { rows: EstimationRow[]; traces: EstimationTrace[] } {
  validate(config);
  const rows: EstimationRow[] = [];
  const traces: EstimationTrace[] = [];
  for (const spec of config.estimators) {
    const name = specName(spec);
    const estimator = makeEstimator(spec, config.d, config.d, deriveSeed(config.seed, `estimator/${name}`));
    const optimizer = tf.train.adam(config.lr);
    // the same batches for every estimator: one data seed, not one per estimator
    const sampler = new GaussianToySampler(config.d, deriveSeed(config.seed, 'toy-data'), config.cubic);
    const kept: number[] = [];
    let step = 0;
    const start = Date.now();
    try {
      for (const level of config.levels) {
        const rho = rhoForMI(config.d, level);
        const values: number[] = [];
        for (let s = 0; s < config.stepsPerLevel; s++) {
          const { x, y } = sampler.sample(config.batchSize, rho);
          const v = evaluate(estimator, x, y);
          estimatorStep(estimator, optimizer, () => ({ x, y }));
          x.dispose();
          y.dispose();
          values.push(v);
          if (step % config.traceEvery === 0) kept.push(round(v, 4));
          step += 1;
          hooks.onStep?.(name, level, v);
        }
        const stats = summarise(values.slice(-config.lastK), trueMI(config.d, rho));
        rows.push({
          estimator: name,
          level,
          trueMI: round(trueMI(config.d, rho)),
          clubClosedForm: round(clubClosedForm(config.d, rho)),
          mean: round(stats.mean),
          std: round(stats.std),
          bias: round(stats.bias),
          mse: round(stats.mse),
        });
      }
    } finally {
      estimator.dispose();
      optimizer.dispose();
    }
    traces.push({ estimator: name, every: config.traceEvery, values: kept, msPerStep: round((Date.now() - start) / Math.max(step, 1), 3) });
  }
  return { rows, traces };
}

export interface MinimisationConfig {
  d: number;
  batchSize: number;
  /** Estimator hidden size (reference: 5, i.e. 2-unit heads). */
  hiddenSize: number;
  estimatorKind: 'CLUB' | 'CLUBSample' | 'CLUBMean';
  samplerLr: number;
  estimatorLr: number;
  iterations: number;
  estimatorSteps: number;
  theta0: number;
  seed: number;
  /** Keep every `recordEvery`-th iteration. */
  recordEvery: number;
}

export const PAPER_MINIMISATION: Omit<MinimisationConfig, 'seed'> = {
  d: 2,
  batchSize: 100,
  hiddenSize: 5,
  estimatorKind: 'CLUB',
  samplerLr: 1e-4,
  estimatorLr: 1e-4,
  iterations: 5000,
  estimatorSteps: 5,
  theta0: 0.55,
  recordEvery: 5,
};

export interface MinimisationPoint {
  iteration: number;
  /** −½ Σ_k log(1 − sin² 2θ_k) before this iteration's sampler step */
  trueMI: number;
  /** the estimator's value on this iteration's sampler batch (before the sampler step) */
  estimate: number;
}

export interface MinimisationResult {
  estimator: string;
  config: MinimisationConfig;
  points: MinimisationPoint[];
  finalTrueMI: number;
}

function samplerTrueMI(theta: Float32Array | Int32Array | Uint8Array): number {
  let mi = 0;
  for (const t of theta) mi += -0.5 * Math.log(1 - Math.sin(2 * t) ** 2);
  return mi;
}

export function runMinimisation(config: MinimisationConfig, onIteration?: (i: number, mi: number) => void): MinimisationResult {
  const spec: EstimatorSpec = { kind: config.estimatorKind, hiddenSize: config.hiddenSize };
  const estimator = makeEstimator(spec, config.d, config.d, deriveSeed(config.seed, 'minimisation/estimator'));
  const theta = tf.variable(tf.fill([config.d], config.theta0), true, `toySampler/theta_${deriveSeed(config.seed, 'theta')}`); // [d]
  const samplerOpt = tf.train.adam(config.samplerLr);
  const estimatorOpt = tf.train.adam(config.estimatorLr);
  const noise = new Rng(deriveSeed(config.seed, 'minimisation/noise'));
  // reparameterised sampler: x = e1, y = sin2θ·e1 + |cos2θ|·e2 (unit variances, correlation sin2θ)
  const pair = (): { x: tf.Tensor2D; y: tf.Tensor2D } => {
    const e1 = tf.randomNormal([config.batchSize, config.d], 0, 1, 'float32', noise.seed()) as tf.Tensor2D; // [N, d]
    const e2 = tf.randomNormal([config.batchSize, config.d], 0, 1, 'float32', noise.seed()) as tf.Tensor2D; // [N, d]
    const twoTheta = tf.mul(theta, 2); // [d]
    const y = tf.add(tf.mul(e1, tf.sin(twoTheta)), tf.mul(e2, tf.abs(tf.cos(twoTheta)))) as tf.Tensor2D; // [N, d]
    return { x: e1, y };
  };
  const points: MinimisationPoint[] = [];
  try {
    for (let i = 0; i < config.iterations; i++) {
      const mi = samplerTrueMI(theta.dataSync());
      const est = modelStep(estimator, samplerOpt, [theta], pair);
      for (let k = 0; k < config.estimatorSteps; k++) estimatorStep(estimator, estimatorOpt, pair);
      if (i % config.recordEvery === 0 || i === config.iterations - 1) points.push({ iteration: i, trueMI: round(mi), estimate: round(est) });
      onIteration?.(i, mi);
    }
    return { estimator: estimator.name, config, points, finalTrueMI: round(samplerTrueMI(theta.dataSync())) };
  } finally {
    estimator.dispose();
    theta.dispose();
    samplerOpt.dispose();
    estimatorOpt.dispose();
  }
}
