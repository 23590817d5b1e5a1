// The CLUB family (Cheng et al., ICML 2020) as MIRD uses it (paper eqs. 10–15, 22):
//   CLUB        all N² pairs in the negative term (O(N·d) via the variance identity)
//   CLUBSample  one seeded random permutation for the negative term
//   CLUBMean    fixed unit variance (only a μ head): at its optimum d·ρ² on the toy
//   L1OutUB     leave-one-out upper bound with the same Gaussian q
// All train q by maximum likelihood: learningLoss = mean_i −log q(y_i|x_i) (eq. 22), in nats
// including the Gaussian constant (the reference drops the ½ and the constant; Adam is
// insensitive to that rescaling, and the NLL in nats is easier to read).
import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed } from '../util/rng';
import { DEFAULT_HIDDEN_SIZE, GaussianQ, type GaussianQOptions, clubFromGaussian, clubSampleFromGaussian, gaussianNll, headUnitsFor, l1OutFromGaussian } from './gaussian-q';
import { checkPair, type MiEstimator } from './types';

export type ClubOptions = Omit<GaussianQOptions, 'name' | 'learnVariance'> & { name?: string };

/** `CLUB-h32`, or `CLUB-h32-u32` when the head width is set explicitly; an explicit name wins. */
function estimatorName(prefix: string, options: ClubOptions): string {
  if (options.name !== undefined) return options.name;
  const hidden = options.hiddenSize ?? DEFAULT_HIDDEN_SIZE;
  return options.headUnits === undefined ? `${prefix}-h${hidden}` : `${prefix}-h${hidden}-u${headUnitsFor(hidden, options.headUnits)}`;
}

/** The bound as a function of q's output on x and of y: mu, logVar, y [N, yDim] → scalar. */
type GaussianBound = (mu: tf.Tensor2D, logVar: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar;

class GaussianEstimator implements MiEstimator {
  readonly name: string;
  readonly bound: 'upper' | 'lower' = 'upper';
  readonly q: GaussianQ;

  protected constructor(
    prefix: string,
    readonly xDim: number,
    readonly yDim: number,
    options: ClubOptions,
    learnVariance: boolean,
    private readonly fromGaussian: GaussianBound,
  ) {
    this.q = new GaussianQ(xDim, yDim, { ...options, learnVariance, name: options.name ?? prefix });
    this.name = estimatorName(prefix, options);
  }

  estimate(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return tf.tidy(() => {
      const { mu, logVar } = this.q.forward(x); // [N, yDim] each
      return this.fromGaussian(mu, logVar, y);
    });
  }

  learningLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return tf.tidy(() => {
      const { mu, logVar } = this.q.forward(x); // [N, yDim] each
      return gaussianNll(mu, logVar, y);
    });
  }

  variables(): tf.Variable[] {
    return this.q.variables();
  }

  dispose(): void {
    this.q.dispose();
  }
}

export class Club extends GaussianEstimator {
  constructor(xDim: number, yDim: number, options: ClubOptions) {
    super('CLUB', xDim, yDim, options, true, clubFromGaussian);
  }
}

/** CLUB with q's variance fixed to 1 (logVar = 0, no variance head). */
export class ClubMean extends GaussianEstimator {
  constructor(xDim: number, yDim: number, options: ClubOptions) {
    super('CLUBMean', xDim, yDim, options, false, clubFromGaussian);
  }
}

export class ClubSample extends GaussianEstimator {
  constructor(xDim: number, yDim: number, options: ClubOptions) {
    // one seeded stream of permutations per estimator, one permutation per estimate
    const rng = new Rng(deriveSeed(options.seed, `${estimatorName('CLUBSample', options)}/permutation`));
    super('CLUBSample', xDim, yDim, options, true, (mu, logVar, y) =>
      clubSampleFromGaussian(mu, logVar, y, tf.tensor1d(rng.permutation(y.shape[0]), 'int32')),
    );
  }
}

export class L1OutUB extends GaussianEstimator {
  constructor(xDim: number, yDim: number, options: ClubOptions) {
    super('L1OutUB', xDim, yDim, options, true, l1OutFromGaussian);
  }
}
