// Vega-lite spec of a sweep's summary (mird sweep's summary.csv): one metric's mean ± sd (error
// bars over seeds) against one swept setting, one line per series (e.g. the named cells) — the
// paper's Fig. 6 (split rate) and Fig. 7 (α) are of this kind.
import type { VegaLiteSpec } from './render';

export interface SweepPoint {
  series: string;
  /** the swept setting's value (numeric settings on a log or linear axis) */
  x: number;
  mean: number;
  sd: number;
}

export function sweepLineSpec(points: readonly SweepPoint[], options: { xTitle: string; yTitle: string; title: string; logX?: boolean }): VegaLiteSpec {
  const x = { field: 'x', type: 'quantitative', title: options.xTitle, scale: options.logX === true ? { type: 'log' } : { zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: 360,
    height: 220,
    data: { values: points.map((p) => ({ ...p, lo: p.mean - p.sd, hi: p.mean + p.sd })) },
    encoding: { x, color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320 } } },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'mean', type: 'quantitative', title: options.yTitle, scale: { zero: false } } } },
      { mark: { type: 'errorbar', ticks: true }, encoding: { y: { field: 'lo', type: 'quantitative', title: options.yTitle }, y2: { field: 'hi' } } },
    ],
  };
}
