// The mutual-information terms of eq. 20 as one set: an estimator per active pair, the
// (x, y) tensors each pair reads from one forward, and the two quantities Algorithm 1 needs —
// the estimate of every pair (the model minimises α·Σ, eq. 21) and Σ learning losses (the
// estimators minimise it, eq. 22). Pair directions follow the authors' code: q(z^A|z^L),
// q(z^V|z^L), q(z^V|z^A), q(z^m|z^S); for the input pairs q(summary(X^m)|z^S) (src/mi/sequence.ts).
//
// CLUB and CLUBMean estimators of all pairs are computed as one GaussianQSet (every x is a latent,
// d wide; each layer one block-diagonal product) instead of one set of kernels per pair. Member k of the set is exactly the estimator `makeEstimator` would
// build for that pair (same seed, same initial weights, same formulas; tested). Other kinds are
// kept one estimator per pair.
import * as tf from '@tensorflow/tfjs';
import { makeEstimator, parseEstimatorSpec, specName } from '../mi/factory';
import { GaussianQSet } from '../mi/gaussian-set';
import { SequenceMiEstimator } from '../mi/sequence';
import type { MiEstimator } from '../mi/types';
import { deriveSeed } from '../util/rng';
import type { MiPair } from './config';

/** Every latent of one forward, plus the fixed summaries of the inputs ([B, ·] each). */
export interface Latents {
  zText: tf.Tensor2D;
  zAudio: tf.Tensor2D;
  zVisual: tf.Tensor2D;
  zShared: tf.Tensor2D;
  /** masked means of X^L (the text host's input states), X^A, X^V; null where no pair needs them */
  inputText: tf.Tensor2D | null;
  inputAudio: tf.Tensor2D | null;
  inputVisual: tf.Tensor2D | null;
}

export interface PairTensors {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

type LatentKey = keyof Latents;
const PAIR_SOURCES: Readonly<Record<MiPair, readonly [LatentKey, LatentKey]>> = {
  'text-audio': ['zText', 'zAudio'],
  'text-visual': ['zText', 'zVisual'],
  'audio-visual': ['zAudio', 'zVisual'],
  'shared-text': ['zShared', 'zText'],
  'shared-audio': ['zShared', 'zAudio'],
  'shared-visual': ['zShared', 'zVisual'],
  'shared-inputText': ['zShared', 'inputText'],
  'shared-inputAudio': ['zShared', 'inputAudio'],
  'shared-inputVisual': ['zShared', 'inputVisual'],
};

/** x, y of each pair, in the pair's order (views of `lat`, no new tensors); an error names a pair whose side was not computed. */
export function pairTensorsOf(pairs: readonly MiPair[], lat: Latents): Map<MiPair, PairTensors> {
  const out = new Map<MiPair, PairTensors>();
  for (const p of pairs) {
    const [xKey, yKey] = PAIR_SOURCES[p];
    const x = lat[xKey];
    const y = lat[yKey];
    if (x === null || y === null) throw new Error(`MI pair ${p}: ${x === null ? xKey : yKey} was not computed`);
    out.set(p, { x, y });
  }
  return out;
}

export interface InputDims {
  latent: number;
  /** width of the text host's input states (the y of shared-inputText) */
  text: number;
  audio: number;
  visual: number;
}

type Group = { kind: 'set'; pairs: MiPair[]; set: GaussianQSet } | { kind: 'single'; pair: MiPair; estimator: MiEstimator };

export class MiTerms {
  private readonly groups: Group[] = [];

  /** `pairs` in a fixed order; the estimator of pair p is seeded by deriveSeed(seed, `mi/${p}`). */
  constructor(readonly pairs: readonly MiPair[], estimator: string, dims: InputDims, seed: number) {
    const spec = parseEstimatorSpec(estimator);
    const name = specName(spec);
    const dimOf: Record<LatentKey, number> = {
      zText: dims.latent, zAudio: dims.latent, zVisual: dims.latent, zShared: dims.latent,
      inputText: dims.text, inputAudio: dims.audio, inputVisual: dims.visual,
    };
    try {
      const gaussian: MiPair[] = [];
      for (const p of pairs) {
        const [xKey, yKey] = PAIR_SOURCES[p];
        if (!(dimOf[yKey] > 0)) throw new Error(`MI pair ${p}: the data has no ${yKey.replace('input', '').toLowerCase()} features (dim 0); drop it from miPairs`);
        if (spec.kind === 'CLUB' || spec.kind === 'CLUBMean') {
          gaussian.push(p); // every x is a latent (d wide): one set for all of them
        } else {
          const base = makeEstimator(spec, dimOf[xKey], dimOf[yKey], deriveSeed(seed, `mi/${p}`));
          this.groups.push({ kind: 'single', pair: p, estimator: yKey.startsWith('input') ? new SequenceMiEstimator(base) : base });
        }
      }
      if (gaussian.length > 0) {
        const set = new GaussianQSet(dims.latent, gaussian.map((p) => dimOf[PAIR_SOURCES[p][1]]), {
          hiddenSize: spec.hiddenSize, logVarBound: spec.logVarBound, learnVariance: spec.kind === 'CLUB',
          seeds: gaussian.map((p) => deriveSeed(seed, `mi/${p}`)), name, prefix: `mi/${gaussian.join('+')}`,
        });
        this.groups.push({ kind: 'set', pairs: gaussian, set });
      }
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Which input summaries the active pairs read. */
  needsInput(key: 'inputText' | 'inputAudio' | 'inputVisual'): boolean {
    return this.pairs.some((p) => PAIR_SOURCES[p][1] === key);
  }

  /** x, y per active pair (views of `lat`, no new tensors). */
  pairTensors(lat: Latents): Map<MiPair, PairTensors> {
    return pairTensorsOf(this.pairs, lat);
  }

  private members(pairs: ReadonlyMap<MiPair, PairTensors>, members: MiPair[]): { xs: tf.Tensor2D[]; ys: tf.Tensor2D[] } {
    const get = (p: MiPair): PairTensors => {
      const t = pairs.get(p);
      if (t === undefined) throw new Error(`MiTerms: no tensors for pair ${p}`);
      return t;
    };
    return { xs: members.map((p) => get(p).x), ys: members.map((p) => get(p).y) };
  }

  /** The estimate of every active pair (eq. 20 before α): differentiable in x and y. */
  estimates(pairs: ReadonlyMap<MiPair, PairTensors>): Map<MiPair, tf.Scalar> {
    const out = new Map<MiPair, tf.Scalar>();
    for (const g of this.groups) {
      if (g.kind === 'single') {
        const t = pairs.get(g.pair) as PairTensors;
        out.set(g.pair, g.estimator.estimate(t.x, t.y));
      } else {
        const values = tf.tidy(() => {
          const { xs, ys } = this.members(pairs, g.pairs);
          return tf.unstack(g.set.club(xs, ys)) as tf.Scalar[]; // [K] → K scalars
        });
        g.pairs.forEach((p, k) => out.set(p, values[k] as tf.Scalar));
      }
    }
    return new Map(this.pairs.map((p) => [p, out.get(p) as tf.Scalar]));
  }

  /** Σ over pairs of each estimator's learning loss (eq. 22); the losses are independent, so one Adam step on the sum steps each. */
  learningLoss(pairs: ReadonlyMap<MiPair, PairTensors>): tf.Scalar {
    return tf.tidy(() => {
      const losses = this.groups.map((g) => {
        if (g.kind === 'single') {
          const t = pairs.get(g.pair) as PairTensors;
          return g.estimator.learningLoss(t.x, t.y);
        }
        const { xs, ys } = this.members(pairs, g.pairs);
        return tf.sum(g.set.nll(xs, ys));
      });
      return (losses.length === 0 ? tf.scalar(0) : tf.addN(losses)) as tf.Scalar;
    });
  }

  /**
   * Every estimator variable under a name that does not depend on the process: the set's
   * block-diagonal variables `mi/<pairs joined by +>/<layer>/<kernel|bias>` (blocks in miPairs order), a single
   * estimator's `mi/<pair>/<layer>/…`
   * (tfjs names end in a per-process counter, dropped here).
   */
  namedVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    const add = (name: string, v: tf.Variable): void => {
      if (out.has(name)) throw new Error(`MiTerms: two variables named ${name}`);
      out.set(name, v);
    };
    for (const g of this.groups) {
      if (g.kind === 'set') for (const [k, v] of g.set.namedVariables()) add(`mi/${g.pairs.join('+')}/${k}`, v);
      else for (const v of g.estimator.variables()) add(`mi/${g.pair}/${v.name.replace(/_\d+$/, '').split('/').slice(1).join('/')}`, v);
    }
    return out;
  }

  variables(): tf.Variable[] {
    return [...this.namedVariables().values()];
  }

  dispose(): void {
    for (const g of this.groups) {
      if (g.kind === 'set') g.set.dispose();
      else g.estimator.dispose();
    }
    this.groups.length = 0;
  }
}
