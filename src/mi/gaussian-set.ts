// K variational Gaussians q_k(y_k|x_k) computed as one: each layer of every member becomes one
// diagonal block of a single weight matrix, so the K estimators of MIRD's nine pairs cost a
// handful of plain 2-D products instead of K sets of kernels (on the wasm backend the launch of
// a kernel, not its arithmetic, dominates nets this small, and batched 3-D products are no
// faster than K separate ones).
//   X = [x_1 … x_K]  [N, K·dx]      Y = [y_1 … y_K]  [N, D], D = Σ d_k
//   μ = ReLU(X (W1 ⊙ M1) + b1) (W2 ⊙ M2) + b2                    M1, M2: block-diagonal 0/1 masks
//   logVar = B · tanh(raw / B), raw from the same structure (absent for CLUBMean: 0)
// The masks keep every off-block weight at exactly 0 (its gradient is masked too), so member k
// is exactly the GaussianQ that `new Club(dx, d_k, { seed: seeds[k], name })` builds — the same
// initial weights (each block is drawn from that member's seed), the same formulas
// (./gaussian-q.ts) — evaluated on its own (x_k, y_k). Per-member sums over their coordinates
// are one product with a [D, K] indicator S:
//   CLUB_k = ½ · mean_i [ ( −(μ − Y)² + Var_j(Y) + (μ − Ȳ)² ) e^{−logVar} S ]_ik
//   NLL_k  = mean_i [ ( ½ (Y − μ)² e^{−logVar} + ½ logVar ) S ]_ik + (d_k / 2) log 2π
import * as tf from '@tensorflow/tfjs';
import { initValues, variableFrom } from '../nn/dense';
import { matMul } from '../nn/ops';
import { Rng, deriveSeed } from '../util/rng';
import { DEFAULT_HIDDEN_SIZE, headUnitsFor } from './gaussian-q';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export interface GaussianSetOptions {
  /** the reference's hidden_size: heads of floor(h/2) units (default 32, MIRD) */
  hiddenSize?: number;
  /** log-variance bound B: logVar = B·tanh(raw/B) (default 10, as GaussianQ) */
  logVarBound?: number;
  /** false: unit variance (CLUBMean) */
  learnVariance?: boolean;
  /** one seed per member: member k draws its initial weights as a GaussianQ with seeds[k] */
  seeds: readonly number[];
  /** the members' GaussianQ name (the estimator spec, e.g. CLUB-h32): part of their seed labels */
  name: string;
  /** prefix of the variables' names */
  prefix: string;
}

interface Layer {
  w: tf.Variable; // [K·in, K·out] or [K·u, D], block-diagonal
  b: tf.Variable; // [K·out] or [D]
  mask: tf.Tensor2D; // same shape as w: 1 on the member blocks
}

export class GaussianQSet {
  readonly size: number;
  readonly headUnits: number;
  readonly logVarBound: number;
  readonly learnVariance: boolean;
  /** Σ d_k: width of the stacked y */
  readonly yWidth: number;
  private readonly layers = new Map<string, Layer>();
  private readonly indicator: tf.Tensor2D; // S [D, K]
  private readonly constant: tf.Tensor1D; // d_k · ½ log 2π [K]
  /** first coordinate of member k in the stacked y */
  private readonly yStart: number[] = [];

  /** `yDims[k]` is member k's y width (one per seed); every member's x is `xDim` wide. */
  constructor(readonly xDim: number, readonly yDims: readonly number[], readonly options: GaussianSetOptions) {
    const K = options.seeds.length;
    this.size = K;
    if (K === 0) throw new Error('GaussianQSet: needs at least one member');
    if (yDims.length !== K || yDims.some((d) => !Number.isInteger(d) || d <= 0)) throw new Error(`GaussianQSet: needs one positive y width per member, got [${yDims.join(', ')}]`);
    this.headUnits = headUnitsFor(options.hiddenSize ?? DEFAULT_HIDDEN_SIZE);
    this.logVarBound = options.logVarBound ?? 10;
    this.learnVariance = options.learnVariance ?? true;
    let at = 0;
    for (const d of yDims) {
      this.yStart.push(at);
      at += d;
    }
    this.yWidth = at;
    const u = this.headUnits;
    // [rows, cols] of member k's block in a layer: (row start, row count, col start, col count)
    const hiddenBlock = (k: number): [number, number, number, number] => [k * xDim, xDim, k * u, u];
    const outBlock = (k: number): [number, number, number, number] => [k * u, u, this.yStart[k] as number, yDims[k] as number];
    const specs: Array<[string, number, number, (k: number) => [number, number, number, number]]> = [['mu1', K * xDim, K * u, hiddenBlock], ['mu2', K * u, at, outBlock]];
    if (this.learnVariance) specs.push(['logvar1', K * xDim, K * u, hiddenBlock], ['logvar2', K * u, at, outBlock]);
    try {
      for (const [layer, rows, cols, block] of specs) {
        const w = new Float32Array(rows * cols);
        const m = new Float32Array(rows * cols);
        options.seeds.forEach((seed, k) => {
          const [r0, nr, c0, nc] = block(k);
          // the glorot draw GaussianQ's Dense makes for this member's [nr, nc] kernel
          const values = initValues([nr, nc], 'glorot', new Rng(deriveSeed(seed, `${options.name}/${layer}`)));
          for (let i = 0; i < nr; i++) {
            w.set(values.subarray(i * nc, (i + 1) * nc), (r0 + i) * cols + c0);
            m.fill(1, (r0 + i) * cols + c0, (r0 + i) * cols + c0 + nc);
          }
        });
        this.layers.set(layer, {
          w: variableFrom(`${options.prefix}/${layer}/kernel`, w, [rows, cols]),
          b: variableFrom(`${options.prefix}/${layer}/bias`, new Float32Array(cols), [cols]),
          mask: tf.tensor2d(m, [rows, cols]),
        });
      }
      const s = new Float32Array(at * K);
      yDims.forEach((d, k) => {
        for (let j = 0; j < d; j++) s[((this.yStart[k] as number) + j) * K + k] = 1;
      });
      this.indicator = tf.tensor2d(s, [at, K]);
      this.constant = tf.tensor1d(yDims.map((d) => d * HALF_LOG_2PI));
    } catch (err) {
      for (const l of this.layers.values()) tf.dispose([l.w, l.b, l.mask]);
      throw err;
    }
  }

  private apply(layer: string, x: tf.Tensor2D): tf.Tensor2D {
    const l = this.layers.get(layer) as Layer;
    return tf.add(matMul(x, tf.mul(l.w, l.mask) as tf.Tensor2D), l.b) as tf.Tensor2D;
  }

  /** [x_1 … x_K] [N, K·xDim] and [y_1 … y_K] [N, D] from the members' tensors. */
  stack(xs: readonly tf.Tensor2D[], ys: readonly tf.Tensor2D[]): { x: tf.Tensor2D; y: tf.Tensor2D } {
    const K = this.size;
    if (xs.length !== K || ys.length !== K) throw new Error(`GaussianQSet ${this.options.prefix}: ${xs.length} x and ${ys.length} y tensors for ${K} members`);
    const n = xs[0]?.shape[0] ?? 0;
    xs.forEach((x, k) => {
      if (x.rank !== 2 || x.shape[1] !== this.xDim || x.shape[0] !== n) throw new Error(`GaussianQSet ${this.options.prefix}: member ${k} x must be [${n}, ${this.xDim}], got [${x.shape.join(', ')}]`);
    });
    ys.forEach((y, k) => {
      if (y.rank !== 2 || y.shape[1] !== this.yDims[k] || y.shape[0] !== n) throw new Error(`GaussianQSet ${this.options.prefix}: member ${k} y must be [${n}, ${this.yDims[k]}], got [${y.shape.join(', ')}]`);
    });
    if (n < 2) throw new Error(`GaussianQSet ${this.options.prefix}: needs a batch of at least 2 pairs (the negative term compares pairs), got ${n}`);
    return { x: (K === 1 ? xs[0] : tf.concat([...xs], 1)) as tf.Tensor2D, y: (K === 1 ? ys[0] : tf.concat([...ys], 1)) as tf.Tensor2D };
  }

  /** stacked x [N, K·xDim] → μ, logVar [N, D]. */
  forward(x: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    return tf.tidy(() => {
      const mu = this.apply('mu2', tf.relu(this.apply('mu1', x)) as tf.Tensor2D);
      if (!this.learnVariance) return { mu, logVar: tf.zerosLike(mu) as tf.Tensor2D };
      const raw = this.apply('logvar2', tf.relu(this.apply('logvar1', x)) as tf.Tensor2D);
      const bnd = this.logVarBound;
      return { mu, logVar: (Number.isFinite(bnd) ? tf.mul(tf.tanh(tf.div(raw, bnd)), bnd) : raw) as tf.Tensor2D };
    });
  }

  /** CLUB of every member from the members' (x_k, y_k) → [K]. */
  club(xs: readonly tf.Tensor2D[], ys: readonly tf.Tensor2D[]): tf.Tensor1D {
    return tf.tidy(() => {
      const { x, y } = this.stack(xs, ys);
      const { mu, logVar } = this.forward(x);
      const invVar = tf.exp(tf.neg(logVar)); // [N, D]
      const { mean: yBar, variance: yVar } = tf.moments(y, 0); // [D] each (mean over j)
      // −(μ − y)² + Var(y) + (μ − ȳ)², i.e. positive − negative of ./gaussian-q.ts before ·e^{−lv}
      const diff = tf.add(tf.sub(yVar, tf.square(tf.sub(mu, y))), tf.square(tf.sub(mu, yBar))); // [N, D]
      return tf.mul(tf.mean(matMul(tf.mul(diff, invVar) as tf.Tensor2D, this.indicator), 0), 0.5) as tf.Tensor1D; // [K]
    });
  }

  /** Mean negative log-likelihood of every member (nats) → [K]. */
  nll(xs: readonly tf.Tensor2D[], ys: readonly tf.Tensor2D[]): tf.Tensor1D {
    return tf.tidy(() => {
      const { x, y } = this.stack(xs, ys);
      const { mu, logVar } = this.forward(x);
      const perCoord = tf.add(tf.mul(tf.mul(tf.square(tf.sub(y, mu)), tf.exp(tf.neg(logVar))), 0.5), tf.mul(logVar, 0.5)) as tf.Tensor2D; // [N, D]
      return tf.add(tf.mean(matMul(perCoord, this.indicator), 0), this.constant) as tf.Tensor1D; // [K]
    });
  }

  /** The block-diagonal variables: `<layer>/kernel`, `<layer>/bias`. */
  namedVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [layer, l] of this.layers) {
      out.set(`${layer}/kernel`, l.w);
      out.set(`${layer}/bias`, l.b);
    }
    return out;
  }

  /** Member k's weights in GaussianQ's layout ([in, out] kernels, [out] biases), for tests and inspection. */
  member(k: number): Map<string, tf.Tensor> {
    const u = this.headUnits;
    const out = new Map<string, tf.Tensor>();
    for (const [layer, l] of this.layers) {
      const first = layer.endsWith('1');
      const [r0, nr, c0, nc] = first ? [k * this.xDim, this.xDim, k * u, u] : [k * u, u, this.yStart[k] as number, this.yDims[k] as number];
      out.set(`${layer}/kernel`, tf.slice(l.w, [r0, c0], [nr, nc]));
      out.set(`${layer}/bias`, tf.slice(l.b, [c0], [nc]));
    }
    return out;
  }

  variables(): tf.Variable[] {
    return [...this.namedVariables().values()];
  }

  dispose(): void {
    for (const l of this.layers.values()) tf.dispose([l.w, l.b, l.mask]);
    this.layers.clear();
    tf.dispose([this.indicator, this.constant]);
  }
}
