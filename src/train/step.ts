// One iteration of Algorithm 1 on one batch:
//   1. one forward of the model (training mode) gives every latent;
//   2. T′ estimator steps: Adam on Σ_pairs learningLoss (eq. 22), with the latents detached, so
//      only the estimators' variables move;
//   3. one model step: AdamW on eq. 21 with the estimators as they are after step 2 (their
//      variables are not in the model optimiser's list), so only the model's variables move.
// Steps 2 and 3 share the forward of step 1: the estimator steps run inside the model step's
// gradient function, after the forward and before the CLUB terms are evaluated, with the model's
// tape paused (`outsideTape`: their own small tape over the estimators' variables only). The
// authors' code instead re-runs the whole network for each of the T′ estimator steps and
// discards those gradients; this costs one forward per batch.
//
// Host reads: one per step, after the tape, of every loss term, the T′ estimator losses and the
// gradient norm together; a non-finite value stops the run BEFORE the model update, naming it.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';
import { maskedMean } from '../mi/sequence';
import type { MirdModel } from '../model/mird';
import type { NamedAdamW } from '../nn/adamw';
import { detach, outsideTape } from '../nn/ops';
import type { MiPair, TrainConfig } from './config';
import type { Latents, MiTerms, PairTensors } from './mi-terms';
import { firstRows, objective, objectiveScalars, type ObjectiveContext } from './objective';

/** Thrown when a loss term, an estimator loss or the gradient norm is NaN or ±∞. */
export class NonFiniteLossError extends Error {
  constructor(readonly term: string, readonly value: number, readonly step: number) {
    super(`${term} is ${value} at step ${step}; stopping before the model update (the last good checkpoint is kept)`);
  }
}

export interface StepContext extends ObjectiveContext {
  /** the model's variables under stable names (the model optimiser's parameters) */
  modelParams: ReadonlyMap<string, tf.Variable>;
  modelOptimizer: NamedAdamW;
  /** names of the text host's parameters (they get hostLr) */
  hostParams: ReadonlySet<string>;
  /** null when there are no estimators (constraint oc / nc, or no pair) */
  estimatorOptimizer: NamedAdamW | null;
}

export interface StepRates {
  /** model rates at this step (after the schedule) */
  lr: number;
  hostLr: number;
  estimatorLr: number;
}

export interface StepReport {
  /** 'total', 'regression', 'reconText', …, 'constraint', then 'mi:<pair>' (raw estimates) */
  terms: Record<string, number>;
  /** learning loss of the estimators before each of the T′ steps (empty without estimators) */
  estimatorLoss: number[];
  /** global norm of the model gradient before clipping */
  gradNorm: number;
}

/** The latents a forward gives, plus the detached input summaries the active pairs need. */
export function latentsOf(model: MirdModel, out: { zText: tf.Tensor2D; zAudio: tf.Tensor2D; zVisual: tf.Tensor2D; zShared: tf.Tensor2D }, batch: Batch, mi: MiTerms): Latents {
  return {
    zText: out.zText,
    zAudio: out.zAudio,
    zVisual: out.zVisual,
    zShared: out.zShared,
    inputText: mi.needsInput('inputText') ? maskedMean(detach(model.textInputStates(batch)), batch.textMask) : null, // [B, D_in], X^L as data
    inputAudio: mi.needsInput('inputAudio') ? maskedMean(batch.audio, batch.audioMask) : null, // [B, d_A]
    inputVisual: mi.needsInput('inputVisual') ? maskedMean(batch.visual, batch.visualMask) : null, // [B, d_V]
  };
}

/** The pairs' first `n` rows (the labeled clips: they come first in a Batch). */
export function pairsOfRows(pairs: ReadonlyMap<MiPair, PairTensors>, n: number): Map<MiPair, PairTensors> {
  return new Map([...pairs].map(([p, t]) => [p, { x: firstRows(t.x, n), y: firstRows(t.y, n) }]));
}

function detachPairs(pairs: ReadonlyMap<MiPair, PairTensors>): Map<MiPair, PairTensors> {
  return new Map([...pairs].map(([p, t]) => [p, { x: detach(t.x), y: detach(t.y) }]));
}

/** One estimator step (eq. 22) on the given pairs; returns the learning loss before the step. */
export function estimatorStep(mi: MiTerms, optimizer: NamedAdamW, pairs: ReadonlyMap<MiPair, PairTensors>, lr: number): tf.Scalar {
  const names = [...optimizer.params.keys()];
  const { value, grads } = tf.variableGrads(() => mi.learningLoss(pairs), names.map((n) => optimizer.params.get(n) as tf.Variable));
  optimizer.applyGradients(byName(optimizer.params, grads), () => lr);
  tf.dispose(Object.values(grads));
  return value;
}

/** tfjs keys gradients by per-process variable names; re-key them by the optimiser's stable names. */
export function byName(params: ReadonlyMap<string, tf.Variable>, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of params) {
    const g = grads[v.name];
    if (g !== undefined) out.set(name, g);
  }
  return out;
}

/** Algorithm 1 on one batch (see the file comment). Throws NonFiniteLossError before updating the model. */
export function trainStep(ctx: StepContext, batch: Batch, rates: StepRates, step: number): StepReport {
  const c: TrainConfig = ctx.config;
  const mi = ctx.mi;
  const estOpt = ctx.estimatorOptimizer;
  const useEstimators = mi !== null && estOpt !== null && c.constraint === 'mim';
  let termNames: string[] = [];
  let termValues: tf.Tensor | null = null; // [K]
  let estLosses: tf.Tensor | null = null; // [T′]
  const modelNames = [...ctx.modelParams.keys()];
  const { value, grads } = tf.variableGrads(() => {
    const out = ctx.model.forward(batch, { training: true, textLogits: false });
    let pairs: Map<MiPair, PairTensors> | null = null;
    if (useEstimators) {
      // detachSharedInConstraint: z^S enters its pairs as data, so only the other side can move
      const lat = c.detachSharedInConstraint ? { ...out, zShared: detach(out.zShared) } : out;
      const all = mi.pairTensors(latentsOf(ctx.model, lat, batch, mi));
      // unlabeledUse 'recon': the estimators and eq. 20 see the labeled clips alone
      const ps = c.unlabeledUse === 'recon' ? pairsOfRows(all, batch.numLabeled) : all;
      pairs = ps;
      // the T′ estimator steps, off the model's tape: they read the latents as data and write only the estimators
      estLosses = outsideTape(() => tf.tidy(() => {
        const detached = detachPairs(ps);
        const losses: tf.Scalar[] = [];
        for (let t = 0; t < c.estimatorSteps; t++) losses.push(estimatorStep(mi, estOpt, detached, rates.estimatorLr));
        return tf.keep(tf.stack(losses));
      }));
    }
    const o = objective(out, batch, ctx, pairs);
    const s = objectiveScalars(o);
    termNames = s.names;
    termValues = tf.keep(tf.stack(s.values));
    return o.total;
  }, modelNames.map((n) => ctx.modelParams.get(n) as tf.Variable));
  const named = byName(ctx.modelParams, grads);
  const squares = tf.tidy(() => tf.addN([...named.values()].map((g) => tf.sum(tf.square(g))))); // Σ‖g‖²
  const [terms, est, norm] = [termValues as tf.Tensor | null, estLosses as tf.Tensor | null, squares];
  const host = tf.tidy(() => tf.concat([terms as tf.Tensor, est ?? tf.zeros([0]), tf.reshape(tf.sqrt(norm), [1])]));
  const values = host.dataSync() as Float32Array; // the one host read of the step
  host.dispose();
  try {
    const report: StepReport = { terms: {}, estimatorLoss: [], gradNorm: values[values.length - 1] as number };
    termNames.forEach((n, i) => (report.terms[n] = values[i] as number));
    for (let t = 0; t < (est === null ? 0 : c.estimatorSteps); t++) report.estimatorLoss.push(values[termNames.length + t] as number);
    // the named terms first, the total last: a NaN in one term makes the total NaN too
    const order = [...Object.keys(report.terms).filter((n) => n !== 'total'), 'total'];
    for (const n of order) {
      const v = report.terms[n] as number;
      if (!Number.isFinite(v)) throw new NonFiniteLossError(`loss term ${n}`, v, step);
    }
    report.estimatorLoss.forEach((v, t) => {
      if (!Number.isFinite(v)) throw new NonFiniteLossError(`estimator learning loss (estimator step ${t + 1})`, v, step);
    });
    if (!Number.isFinite(report.gradNorm)) throw new NonFiniteLossError('model gradient norm', report.gradNorm, step);
    // clip by global norm: scale = min(1, clip / ‖g‖), computed on the host value just read
    const scale = c.gradClip > 0 && report.gradNorm > c.gradClip ? c.gradClip / report.gradNorm : 1;
    ctx.modelOptimizer.applyGradients(named, (name) => (ctx.hostParams.has(name) ? rates.hostLr : rates.lr), scale);
    return report;
  } finally {
    tf.dispose([value, ...Object.values(grads), squares, ...(terms === null ? [] : [terms]), ...(est === null ? [] : [est])]);
  }
}
