// Polyak averaging of the model weights (train config emaDecay): an exponential moving average
// ē ← d·ē + (1 − d)·w after every model step, kept beside the weights as variables under the same
// stable names (checkpointed under `ema.`, so a resumed run continues it). The trainer evaluates,
// selects and saves the average; the optimiser keeps stepping the raw weights.
import * as tf from '@tensorflow/tfjs';

export class WeightAverage {
  /** the averages, under the parameters' stable names */
  readonly vars = new Map<string, tf.Variable>();

  constructor(readonly params: ReadonlyMap<string, tf.Variable>, readonly decay: number) {
    if (!(decay > 0 && decay < 1)) throw new Error(`WeightAverage: decay must be in (0, 1), got ${decay}`);
    for (const [name, p] of params) this.vars.set(name, tf.variable(p, false)); // ē_0 = the initial weights
  }

  /** One step of the average towards the current weights. */
  update(): void {
    const d = this.decay;
    tf.tidy(() => {
      for (const [name, e] of this.vars) e.assign(tf.add(tf.mul(e, d), tf.mul(this.params.get(name) as tf.Variable, 1 - d)));
    });
  }

  /** Runs `fn` with the averages in the parameters, then puts the raw weights back (also when fn throws). */
  withAverage<T>(fn: () => T): T {
    const raw = new Map([...this.params].map(([name, p]) => [name, tf.clone(p)]));
    try {
      for (const [name, p] of this.params) p.assign(this.vars.get(name) as tf.Variable);
      return fn();
    } finally {
      for (const [name, p] of this.params) p.assign(raw.get(name) as tf.Tensor);
      tf.dispose([...raw.values()]);
    }
  }

  dispose(): void {
    tf.dispose([...this.vars.values()]);
    this.vars.clear();
  }
}
