// Vega-lite specs (plain JSON) for the MI toy: estimates per level against the true MI and the
// closed forms, smoothed estimate traces, and the minimisation demo. Used by notebook 03.
import { clubClosedForm, rhoForMI } from '../mi/gaussian-toy';
import type { EstimationRow, EstimationTrace, MinimisationResult } from '../mi/toy-experiment';
import { ema, referenceCurves } from '../mi/toy-results';
import type { VegaLiteSpec } from './render';

/** Mean estimate per level (solid, one colour per estimator) against the reference curves (dashed). */
export function levelChart(rows: EstimationRow[], d: number, title: string): VegaLiteSpec {
  const levels = [...new Set(rows.map((r) => r.level))];
  const data = [
    ...rows.map((r) => ({ series: r.estimator, level: r.level, value: r.mean, kind: 'estimate' })),
    ...referenceCurves(d, levels).map((r) => ({ ...r, kind: 'closed form' })),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 340,
    data: { values: data },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'level', type: 'quantitative', title: 'true MI (nats)' },
      y: { field: 'value', type: 'quantitative', title: 'mean estimate, last steps of each level (nats)' },
      color: { field: 'series', type: 'nominal', title: null, scale: { scheme: 'category20' }, legend: { labelLimit: 320 } },
      strokeDash: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['estimate', 'closed form'], range: [[1, 0], [5, 3]] } },
    },
  };
}

/**
 * EMA-smoothed estimate traces over all steps, with the true MI and CLUB* as step lines.
 * `stepsPerLevel` and `levels` rebuild the staircase; every trace value is one kept step.
 */
export function traceChart(
  traces: EstimationTrace[],
  options: { d: number; levels: number[]; stepsPerLevel: number; span: number; estimators?: string[]; maxPoints?: number; title: string },
): VegaLiteSpec {
  const chosen = options.estimators === undefined ? traces : traces.filter((t) => options.estimators?.includes(t.estimator));
  const maxPoints = options.maxPoints ?? 600;
  const data: Array<{ series: string; step: number; value: number }> = [];
  for (const t of chosen) {
    const smooth = ema(t.values, Math.max(1, Math.round(options.span / t.every)));
    const stride = Math.max(1, Math.ceil(smooth.length / maxPoints));
    smooth.forEach((v, i) => {
      if (i % stride === 0) data.push({ series: t.estimator, step: i * t.every, value: v });
    });
  }
  options.levels.forEach((level, k) => {
    const rho = rhoForMI(options.d, level);
    for (const step of [k * options.stepsPerLevel, (k + 1) * options.stepsPerLevel - 1]) {
      data.push({ series: 'true MI', step, value: level });
      data.push({ series: 'CLUB* = dρ²/(1−ρ²)', step, value: clubClosedForm(options.d, rho) });
    }
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: 620,
    height: 340,
    data: { values: data },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'training step (levels change every stepsPerLevel)' },
      y: { field: 'value', type: 'quantitative', title: `estimate, EMA span ${options.span} (nats)` },
      color: { field: 'series', type: 'nominal', title: null, scale: { scheme: 'category10' }, legend: { labelLimit: 320 } },
    },
  };
}

/** True MI of the sampler and the CLUB estimate over the minimisation iterations. */
export function minimisationChart(result: MinimisationResult, title: string): VegaLiteSpec {
  const data = result.points.flatMap((p) => [
    { series: 'true MI of the sampler', iteration: p.iteration, value: p.trueMI },
    { series: `${result.estimator} estimate`, iteration: p.iteration, value: p.estimate },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 300,
    data: { values: data },
    mark: { type: 'line', strokeWidth: 1.2 },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'sampler iteration' },
      y: { field: 'value', type: 'quantitative', title: 'nats' },
      color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320 } },
    },
  };
}
