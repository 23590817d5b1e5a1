// A fully connected layer that owns named tf.Variables, so every module can list exactly the
// variables it owns (the model optimiser and the estimator optimiser must never share one).
//
// Ownership, for src/nn and every module built on it:
// - functions and apply()/forward()-style methods return tensors the caller owns: the caller
//   disposes them, or calls inside a tf.tidy that does;
// - a tf.Variable is owned by the module that created it and released by that module's dispose(),
//   which also disposes its submodules (a module handed a BERT or text host at construction, as
//   SharedEncoder and BertTextEncoder are, owns it and disposes it too);
// - an optimizer owns only its own state (NamedAdamW's m and v), never the parameters it updates.
import * as tf from '@tensorflow/tfjs';
import { linear } from './ops';
import { Rng } from '../util/rng';

export type Init = 'glorot' | 'bert' | 'zeros' | 'ones' | 'lecun';

/** Host-side initial values for a [fanIn, fanOut] weight. */
export function initValues(shape: number[], init: Init, rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (init === 'zeros') return out;
  if (init === 'ones') return out.fill(1);
  const fanIn = shape[0] ?? 1;
  const fanOut = shape[shape.length - 1] ?? 1;
  if (init === 'glorot') {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * limit;
  } else if (init === 'lecun') {
    const limit = Math.sqrt(3 / fanIn);
    for (let i = 0; i < n; i++) out[i] = (rng.next() * 2 - 1) * limit;
  } else {
    // BERT: N(0, 0.02²), truncated at 2σ as in the reference implementation
    for (let i = 0; i < n; i++) {
      let v = rng.normal();
      while (Math.abs(v) > 2) v = rng.normal();
      out[i] = v * 0.02;
    }
  }
  return out;
}

export function makeVariable(name: string, shape: number[], init: Init, rng: Rng, trainable = true): tf.Variable {
  return variableFrom(name, initValues(shape, init, rng), shape, trainable);
}

/** A variable holding the given host values, named `<name>_<counter>` like every other. */
export function variableFrom(name: string, values: Float32Array, shape: number[], trainable = true): tf.Variable {
  const initial = tf.tensor(values, shape);
  const v = tf.variable(initial, trainable, `${name}_${uniqueSuffix()}`);
  initial.dispose(); // the variable holds its own reference to the data
  return v;
}

let counter = 0;
// tfjs variable names must be unique per engine; keep readable prefixes plus a counter.
function uniqueSuffix(): number {
  counter += 1;
  return counter;
}

export interface DenseOptions {
  bias?: boolean;
  init?: Init;
}

export class Dense {
  readonly w: tf.Variable; // [inDim, outDim]
  readonly b: tf.Variable | null; // [outDim]

  constructor(
    readonly name: string,
    readonly inDim: number,
    readonly outDim: number,
    rng: Rng,
    options: DenseOptions = {},
  ) {
    if (!Number.isInteger(inDim) || inDim <= 0 || !Number.isInteger(outDim) || outDim <= 0) {
      throw new Error(`Dense ${name}: dimensions must be positive integers, got ${inDim}→${outDim}`);
    }
    this.w = makeVariable(`${name}/kernel`, [inDim, outDim], options.init ?? 'glorot', rng);
    this.b = options.bias === false ? null : makeVariable(`${name}/bias`, [outDim], 'zeros', rng);
  }

  /** [..., inDim] → [..., outDim] */
  apply(x: tf.Tensor): tf.Tensor {
    return linear(x, this.w as tf.Tensor2D, this.b as tf.Tensor1D | null);
  }

  variables(): tf.Variable[] {
    return this.b === null ? [this.w] : [this.w, this.b];
  }

  paramCount(): number {
    return this.inDim * this.outDim + (this.b === null ? 0 : this.outDim);
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}

/** Host copies of variables' values, by name (e.g. to keep the best epoch's weights). */
export function variableValues(params: ReadonlyMap<string, tf.Variable>): Map<string, Float32Array> {
  return new Map([...params].map(([k, v]) => [k, (v.dataSync() as Float32Array).slice()]));
}

/** Assigns host values to every variable of `params`; a missing or mis-sized value is an error naming it. */
export function assignValues(params: ReadonlyMap<string, tf.Variable>, values: ReadonlyMap<string, Float32Array>, where: string): void {
  for (const [k, v] of params) {
    const data = values.get(k);
    if (data === undefined || data.length !== v.size) throw new Error(`${where}: missing or mis-sized "${k}"`);
    const t = tf.tensor(data, v.shape);
    v.assign(t);
    t.dispose();
  }
}
