// Variational lower bounds on I(x; y), for comparison with the CLUB upper bounds (CLUB paper
// §5.1 baselines). Each has a critic T(x, y) = Linear(hidden → 1)(ReLU(Linear(x ⊕ y → hidden)))
// (InfoNCE adds a Softplus) and trains by maximising its own bound: learningLoss = −bound.
//   MINE     (Belghazi et al. 2018)  E_p(x,y)[T] − log E_p(x)p(y)[e^T]   (marginal: one permutation)
//   NWJ      (Nguyen et al. 2010)    E_p(x,y)[T] − E_p(x)p(y)[e^(T−1)]   (marginal: all N² pairs)
//   InfoNCE  (van den Oord et al.)   (1/N) Σ_i [T_ii − log (1/N) Σ_j e^(T_ij)] ≤ log N
//            (contrasts the y_j for each x_i; the CLUB reference code contrasts the x_j for each y_i,
//            the transposed score matrix: an equally valid bound with the same ≤ log N ceiling)
// The critic's first layer is split as W·[x; y] = W_x·x + W_y·y, so the N² pair scores cost
// two [N, hidden] products plus an [N, N, hidden] broadcast add.
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../nn/dense';
import { linear } from '../nn/ops';
import { Rng, deriveSeed } from '../util/rng';
import { checkPair, type MiEstimator } from './types';

export interface CriticOptions {
  /** Units of the critic's hidden layer (the reference passes `hidden_size` straight through). Default 32. */
  hiddenSize?: number;
  seed: number;
  name?: string;
}

class PairCritic {
  private readonly l1: Dense;
  private readonly l2: Dense;

  constructor(
    name: string,
    readonly xDim: number,
    readonly yDim: number,
    readonly hidden: number,
    seed: number,
    private readonly softplus: boolean,
  ) {
    if (!Number.isInteger(hidden) || hidden <= 0) throw new Error(`${name}: hiddenSize must be a positive integer, got ${hidden}`);
    this.l1 = new Dense(`${name}/critic1`, xDim + yDim, hidden, new Rng(deriveSeed(seed, `${name}/critic1`)));
    this.l2 = new Dense(`${name}/critic2`, hidden, 1, new Rng(deriveSeed(seed, `${name}/critic2`)));
  }

  private halves(x: tf.Tensor2D, y: tf.Tensor2D): { a: tf.Tensor2D; c: tf.Tensor2D } {
    const w = this.l1.w as tf.Tensor2D; // [xDim + yDim, H]
    const wx = tf.slice(w, [0, 0], [this.xDim, this.hidden]) as tf.Tensor2D; // [xDim, H]
    const wy = tf.slice(w, [this.xDim, 0], [this.yDim, this.hidden]) as tf.Tensor2D; // [yDim, H]
    return {
      a: linear(x, wx, this.l1.b as tf.Tensor1D) as tf.Tensor2D, // [N, H]
      c: linear(y, wy) as tf.Tensor2D, // [N, H]
    };
  }

  private out(h: tf.Tensor): tf.Tensor {
    const t = this.l2.apply(tf.relu(h)); // [..., 1]
    return this.softplus ? tf.softplus(t) : t;
  }

  /** T(x_i, y_i): [N]. */
  paired(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const { a, c } = this.halves(x, y);
      return tf.squeeze(this.out(tf.add(a, c)), [1]) as tf.Tensor1D; // [N]
    });
  }

  /** T(x_i, y_j) for all pairs: [N, N] (row i = x_i). */
  allPairs(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { a, c } = this.halves(x, y);
      const n = x.shape[0];
      const h = tf.add(tf.expandDims(a, 1), tf.expandDims(c, 0)); // [N, N, H]
      return tf.reshape(this.out(h), [n, n]) as tf.Tensor2D;
    });
  }

  /** allPairs and its diagonal T(x_i, y_i) [N] (picked with where, so an infinite off-diagonal score cannot turn it into NaN). */
  allPairsWithDiagonal(x: tf.Tensor2D, y: tf.Tensor2D): { all: tf.Tensor2D; joint: tf.Tensor1D } {
    return tf.tidy(() => {
      const all = this.allPairs(x, y); // [N, N]
      const n = all.shape[0];
      const joint = tf.sum(tf.where(tf.cast(tf.eye(n), 'bool'), all, tf.zerosLike(all)), 1) as tf.Tensor1D; // [N]
      return { all, joint };
    });
  }

  variables(): tf.Variable[] {
    return [...this.l1.variables(), ...this.l2.variables()];
  }

  dispose(): void {
    this.l1.dispose();
    this.l2.dispose();
  }
}

abstract class CriticEstimator implements MiEstimator {
  readonly bound: 'upper' | 'lower' = 'lower';
  readonly name: string;
  protected readonly critic: PairCritic;

  constructor(prefix: string, readonly xDim: number, readonly yDim: number, options: CriticOptions, softplus: boolean) {
    const hidden = options.hiddenSize ?? 32;
    this.name = options.name ?? `${prefix}-h${hidden}`;
    this.critic = new PairCritic(this.name, xDim, yDim, hidden, options.seed, softplus);
  }

  protected abstract bound_(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar;

  estimate(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return this.bound_(x, y);
  }

  learningLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return tf.tidy(() => tf.neg(this.bound_(x, y)) as tf.Scalar);
  }

  variables(): tf.Variable[] {
    return this.critic.variables();
  }

  dispose(): void {
    this.critic.dispose();
  }
}

export interface MineOptions extends CriticOptions {
  /**
   * MINE's bias-corrected gradient: the gradient of log E[e^T] is E[e^T ∇T] / E[e^T]; with a
   * minibatch denominator it is biased, so MINE replaces E[e^T] by a moving average m:
   * learningLoss = −(mean T_joint − mean e^T_marg / m). Off by default (the reference code's
   * MINE uses the plain minibatch bound). The value of `estimate` is the same either way.
   */
  movingAverage?: boolean;
  /** Weight of the newest batch in m (default 0.01). */
  movingAverageRate?: number;
}

export class Mine extends CriticEstimator {
  private readonly rng: Rng;
  private readonly useMovingAverage: boolean;
  private readonly rate: number;
  private average: number | null = null;

  constructor(xDim: number, yDim: number, options: MineOptions) {
    super('MINE', xDim, yDim, options, false);
    this.rng = new Rng(deriveSeed(options.seed, `${this.name}/permutation`));
    this.useMovingAverage = options.movingAverage ?? false;
    this.rate = options.movingAverageRate ?? 0.01;
    if (!(this.rate > 0 && this.rate <= 1)) throw new Error(`${this.name}: movingAverageRate must be in (0, 1], got ${this.rate}`);
  }

  private scores(x: tf.Tensor2D, y: tf.Tensor2D): { joint: tf.Tensor1D; marginal: tf.Tensor1D } {
    const perm = this.rng.permutation(x.shape[0]);
    return tf.tidy(() => ({
      joint: this.critic.paired(x, y), // [N]
      marginal: this.critic.paired(x, tf.gather(y, tf.tensor1d(perm, 'int32')) as tf.Tensor2D), // [N]
    }));
  }

  protected bound_(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const { joint, marginal } = this.scores(x, y);
      const logMeanExp = tf.sub(tf.logSumExp(marginal), Math.log(marginal.shape[0])); // log (1/N) Σ e^T
      return tf.sub(tf.mean(joint), logMeanExp) as tf.Scalar;
    });
  }

  override learningLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    if (!this.useMovingAverage) return super.learningLoss(x, y);
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return tf.tidy(() => {
      const { joint, marginal } = this.scores(x, y);
      const meanExp = tf.mean(tf.exp(marginal)); // scalar
      const current = meanExp.dataSync()[0] as number;
      this.average = this.average === null ? current : (1 - this.rate) * this.average + this.rate * current;
      // the moving average is a constant in the gradient (a host number)
      return tf.sub(tf.div(meanExp, this.average), tf.mean(joint)) as tf.Scalar;
    });
  }
}

export class Nwj extends CriticEstimator {
  constructor(xDim: number, yDim: number, options: CriticOptions) {
    super('NWJ', xDim, yDim, options, false);
  }

  protected bound_(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const { all, joint } = this.critic.allPairsWithDiagonal(x, y); // [N, N], [N]
      const n = all.shape[0];
      // mean_{i,j} e^(T_ij − 1), in log space per row for stability
      const marginal = tf.mean(tf.exp(tf.sub(tf.logSumExp(tf.sub(all, 1), 1), Math.log(n)))); // scalar
      return tf.sub(tf.mean(joint), marginal) as tf.Scalar;
    });
  }
}

export class InfoNce extends CriticEstimator {
  constructor(xDim: number, yDim: number, options: CriticOptions) {
    super('InfoNCE', xDim, yDim, options, true);
  }

  protected bound_(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const { all, joint } = this.critic.allPairsWithDiagonal(x, y); // [N, N], [N]: T_ii is one of the terms of row i
      const n = all.shape[0];
      const lse = tf.logSumExp(all, 1); // [N] ≥ T_ii, hence the bound ≤ log N
      return tf.add(tf.mean(tf.sub(joint, lse)), Math.log(n)) as tf.Scalar;
    });
  }
}
