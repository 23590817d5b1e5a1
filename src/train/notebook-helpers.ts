// Small helpers for notebooks/04_training.ipynb (and anyone inspecting one training step by
// hand): bitwise snapshots of variables, and a run's test metrics as a table row (the step
// context is `Trainer.stepContext`). No model code here; the notebook calls trainStep / estimatorStep from step.ts.
import type * as tf from '@tensorflow/tfjs';
import type { TrainResult } from './loop';

/** Copies of the variables' current values (one host read per variable). */
export function snapshotVariables(vars: Iterable<tf.Variable>): Float32Array[] {
  return [...vars].map((v) => (v.dataSync() as Float32Array).slice());
}

/** How many of the snapshotted variables differ in at least one bit between `before` and `after`. */
export function changedVariables(before: readonly Float32Array[], after: readonly Float32Array[]): number {
  if (before.length !== after.length) throw new Error(`changedVariables: ${before.length} vs ${after.length} variables`);
  let changed = 0;
  before.forEach((b, i) => {
    const a = after[i] as Float32Array;
    if (a.length !== b.length || b.some((v, k) => !Object.is(v, a[k]))) changed += 1;
  });
  return changed;
}

/** One table row of a training result: selected epoch, valid MAE, test metrics (Acc2/F1/Acc7 in %). */
export function resultRow(label: string, r: TrainResult): Record<string, string | number> {
  const pct = (x: number): string => (100 * x).toFixed(1);
  return {
    run: label,
    'best epoch': `${r.bestEpoch}/${r.log.length}`,
    'valid MAE': Number(r.valid.mae.toFixed(3)),
    'test Acc2': pct(r.test.acc2_non0),
    'test F1': pct(r.test.f1_non0),
    'test MAE': Number(r.test.mae.toFixed(3)),
    'test Corr': Number(r.test.corr.toFixed(3)),
    'test Acc7': pct(r.test.acc7),
    seconds: Math.round(r.seconds),
  };
}
