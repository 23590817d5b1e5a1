// AdamW (Loshchilov & Hutter 2019) over named parameters, with its state addressable by name so
// pretraining can be saved and resumed exactly (tfjs's optimizers key their state by variable
// names that change from process to process).
//   m ← β1 m + (1−β1) g,  v ← β2 v + (1−β2) g²
//   θ ← θ − lr · ( m̂ / (√v̂ + ε) + λ θ ),  m̂ = m / (1−β1^t), v̂ = v / (1−β2^t)
// Weight decay λ skips biases and LayerNorm parameters (every 1-D parameter), as in BERT.
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * Whether weight decay applies: to matrices and embedding tables, never to 1-D parameters
 * (biases, LayerNorm gains and shifts), whatever a module names them.
 */
export function decays(p: tf.Variable): boolean {
  return p.rank >= 2;
}

export class NamedAdamW {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  step = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(readonly params: ReadonlyMap<string, tf.Variable>, options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-6;
    this.weightDecay = options.weightDecay ?? 0.01;
    for (const [name, p] of params) {
      const z = tf.zerosLike(p);
      this.m.set(name, tf.variable(z, false));
      this.v.set(name, tf.variable(z, false));
      z.dispose();
    }
  }

  /**
   * Computes the loss and its gradients with respect to every parameter, applies one update at
   * learning rate `lr`, and returns the loss value.
   */
  minimize(lossFn: () => tf.Scalar, lr: number): number {
    const names = [...this.params.keys()];
    const vars = names.map((n) => this.params.get(n) as tf.Variable);
    const { value, grads } = tf.variableGrads(lossFn, vars);
    const loss = value.dataSync()[0] as number;
    try {
      if (!Number.isFinite(loss)) throw new Error(`NamedAdamW: loss is ${loss} at step ${this.step + 1}; stopping before the weights are corrupted`);
      const named = new Map<string, tf.Tensor>();
      names.forEach((name, i) => {
        const g = grads[(vars[i] as tf.Variable).name];
        if (g !== undefined) named.set(name, g);
      });
      this.applyGradients(named, () => lr);
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
    return loss;
  }

  /**
   * One update from gradients computed elsewhere, keyed by parameter name (a missing name is a
   * parameter without gradient this step: its moments and value stay). `lrOf(name)` gives each
   * parameter's rate (parameter groups); every gradient is multiplied by `scale` first (global-norm
   * clipping). Reads nothing back to the host, so it may run inside another gradient tape.
   */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, lrOf: (name: string) => number, scale = 1): void {
    for (const name of grads.keys()) if (!this.params.has(name)) throw new Error(`NamedAdamW: gradient for unknown parameter "${name}"`);
    this.step += 1;
    const t = this.step;
    const c1 = 1 - this.beta1 ** t;
    const c2 = 1 - this.beta2 ** t;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const raw = grads.get(name);
        if (raw === undefined) continue;
        const g = scale === 1 ? raw : tf.mul(raw, scale);
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        const m2 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v2 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(m2);
        v.assign(v2);
        let update = tf.div(tf.div(m2, c1), tf.add(tf.sqrt(tf.div(v2, c2)), this.eps));
        if (this.weightDecay > 0 && decays(p)) update = tf.add(update, tf.mul(p, this.weightDecay));
        p.assign(tf.sub(p, tf.mul(update, lrOf(name))));
      }
    });
  }

  /** State as host arrays keyed "adam.m.<name>" / "adam.v.<name>" (for safetensors). */
  stateTensors(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, m] of this.m) out.set(`adam.m.${name}`, { shape: [...m.shape], data: m.dataSync() as Float32Array });
    for (const [name, v] of this.v) out.set(`adam.v.${name}`, { shape: [...v.shape], data: v.dataSync() as Float32Array });
    return out;
  }

  loadState(tensors: ReadonlyMap<string, { shape: number[]; data: Float32Array | Int32Array }>, step: number, file: string): void {
    for (const [kind, table] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, variable] of table) {
        const e = tensors.get(`adam.${kind}.${name}`);
        if (e === undefined) throw new Error(`${file}: missing optimizer state adam.${kind}.${name}`);
        if (e.shape.join(',') !== variable.shape.join(',')) throw new Error(`${file}: adam.${kind}.${name} has shape [${e.shape}], expected [${variable.shape}]`);
        const t = tf.tensor(e.data, e.shape, 'float32');
        variable.assign(t);
        t.dispose();
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
