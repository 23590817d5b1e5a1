// One training step of a Table 1 baseline: one forward in training mode, the model's own
// objective on the labeled clips (BaselineModel.losses), one AdamW step on every model variable
// (host variables at hostLr), the global gradient norm clipped to gradClip. As MIRD's step
// (src/train/step.ts): one host read per step, of every loss term and the gradient norm together,
// after the tape; a NaN or ±∞ stops the run BEFORE the update, naming the term. A model with
// state outside gradients (BaselineModel.afterStep) gets the step's forward after the update.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';
import type { BaselineModel, BaselineOutput } from '../model/baselines/types';
import type { NamedAdamW } from '../nn/adamw';
import type { GenericTrainConfig } from './config';
import { byName, NonFiniteLossError, type StepRates, type StepReport } from './step';

export interface BaselineStepContext {
  model: BaselineModel;
  config: GenericTrainConfig;
  modelParams: ReadonlyMap<string, tf.Variable>;
  modelOptimizer: NamedAdamW;
  /** names of the text host's parameters (they get hostLr) */
  hostParams: ReadonlySet<string>;
}

export function baselineStep(ctx: BaselineStepContext, batch: Batch, rates: Pick<StepRates, 'lr' | 'hostLr'>, step: number): StepReport {
  const names = [...ctx.modelParams.keys()];
  let termNames: string[] = [];
  let termValues: tf.Tensor | null = null; // [K]
  let kept: BaselineOutput | null = null; // the forward, kept for the model's afterStep
  const { value, grads } = tf.variableGrads(() => {
    const out = ctx.model.forward(batch, { training: true });
    if (ctx.model.afterStep !== undefined) kept = { yHat: tf.keep(out.yHat), latents: Object.fromEntries(Object.entries(out.latents).map(([k, z]) => [k, tf.keep(z)])) };
    const l = ctx.model.losses(out, batch);
    termNames = [...Object.keys(l.terms), 'total'];
    termValues = tf.keep(tf.stack([...Object.values(l.terms), l.total]));
    return l.total;
  }, names.map((n) => ctx.modelParams.get(n) as tf.Variable));
  const named = byName(ctx.modelParams, grads);
  const terms = termValues as tf.Tensor | null;
  const host = tf.tidy(() => tf.concat([terms as tf.Tensor, tf.reshape(tf.sqrt(tf.addN([...named.values()].map((g) => tf.sum(tf.square(g))))), [1])])); // [K + 1]
  const values = host.dataSync() as Float32Array; // the one host read of the step
  host.dispose();
  try {
    const report: StepReport = { terms: {}, estimatorLoss: [], gradNorm: values[values.length - 1] as number };
    termNames.forEach((n, i) => (report.terms[n] = values[i] as number));
    for (const n of termNames) {
      const v = report.terms[n] as number;
      if (!Number.isFinite(v)) throw new NonFiniteLossError(`loss term ${n}`, v, step);
    }
    if (!Number.isFinite(report.gradNorm)) throw new NonFiniteLossError('model gradient norm', report.gradNorm, step);
    const c = ctx.config;
    const scale = c.gradClip > 0 && report.gradNorm > c.gradClip ? c.gradClip / report.gradNorm : 1;
    ctx.modelOptimizer.applyGradients(named, (name) => (ctx.hostParams.has(name) ? rates.hostLr : rates.lr), scale);
    if (kept !== null) ctx.model.afterStep?.(kept, batch);
    return report;
  } finally {
    const k = kept as BaselineOutput | null;
    tf.dispose([value, ...Object.values(grads), ...(terms === null ? [] : [terms]), ...(k === null ? [] : [k.yHat, ...Object.values(k.latents)])]);
  }
}
