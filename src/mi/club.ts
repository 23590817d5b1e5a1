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
import { GaussianQ, type GaussianQOptions, clubFromGaussian, clubSampleFromGaussian, gaussianNll, l1OutFromGaussian } from './gaussian-q';
import { checkPair, type MiEstimator } from './types';

export type ClubOptions = Omit<GaussianQOptions, 'name' | 'learnVariance'> & { name?: string };

function widthName(prefix: string, q: GaussianQ, explicitUnits: number | undefined): string {
  return explicitUnits === undefined ? `${prefix}-h${q.hiddenSize}` : `${prefix}-h${q.hiddenSize}-u${q.headUnits}`;
}

abstract class GaussianEstimator implements MiEstimator {
  readonly name: string;
  readonly bound: 'upper' | 'lower' = 'upper';
  readonly q: GaussianQ;

  constructor(
    prefix: string,
    readonly xDim: number,
    readonly yDim: number,
    options: ClubOptions,
    learnVariance: boolean,
  ) {
    const label = options.name ?? prefix;
    this.q = new GaussianQ(xDim, yDim, { ...options, learnVariance, name: label });
    this.name = options.name ?? widthName(prefix, this.q, options.headUnits);
  }

  abstract estimate(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar;

  learningLoss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return tf.tidy(() => {
      const { mu, logVar } = this.q.forward(x);
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
    super('CLUB', xDim, yDim, options, true);
  }

  estimate(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return tf.tidy(() => {
      const { mu, logVar } = this.q.forward(x);
      return clubFromGaussian(mu, logVar, y);
    });
  }
}

export class ClubMean extends GaussianEstimator {
  constructor(xDim: number, yDim: number, options: ClubOptions) {
    super('CLUBMean', xDim, yDim, options, false);
  }

  estimate(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return tf.tidy(() => {
      const { mu, logVar } = this.q.forward(x); // logVar = 0
      return clubFromGaussian(mu, logVar, y);
    });
  }
}

export class ClubSample extends GaussianEstimator {
  private readonly rng: Rng;

  constructor(xDim: number, yDim: number, options: ClubOptions) {
    super('CLUBSample', xDim, yDim, options, true);
    this.rng = new Rng(deriveSeed(options.seed, `${this.name}/permutation`));
  }

  estimate(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    const perm = this.rng.permutation(x.shape[0]);
    return tf.tidy(() => {
      const { mu, logVar } = this.q.forward(x);
      return clubSampleFromGaussian(mu, logVar, y, tf.tensor1d(perm, 'int32'));
    });
  }
}

export class L1OutUB extends GaussianEstimator {
  constructor(xDim: number, yDim: number, options: ClubOptions) {
    super('L1OutUB', xDim, yDim, options, true);
  }

  estimate(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    checkPair(this.name, x, y, this.xDim, this.yDim);
    return tf.tidy(() => {
      const { mu, logVar } = this.q.forward(x);
      return l1OutFromGaussian(mu, logVar, y);
    });
  }
}
