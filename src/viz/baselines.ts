// Vega-lite spec of Table 1 as a figure: one point per system (test Acc2 mean over seeds, with
// ± 1 sd error bars), one panel per dataset, and a published number of the same system as a
// hollow marker where one exists (on MOSI: MMSA's reproductions, another protocol — see
// src/eval/references.ts).
import type { VegaLiteSpec } from './render';

export interface SystemPoint {
  /** dataset panel, e.g. 'mosi' | 'synthetic' */
  data: string;
  system: string;
  mean: number;
  sd: number;
  /** a published value of the same metric, or null */
  published: number | null;
}

export function systemsSpec(points: readonly SystemPoint[], options: { yTitle: string; title: string; publishedLabel: string }): VegaLiteSpec {
  // one order for every panel: the panel with the most systems first, then any system only another has
  const panels = [...new Set(points.map((p) => p.data))].map((d) => points.filter((p) => p.data === d).map((p) => p.system));
  const order = [...new Set(panels.sort((a, b) => b.length - a.length).flat())];
  const x = { field: 'system', type: 'nominal', title: null, sort: order, axis: { labelAngle: -40 } };
  const y = (field: string) => ({ field, type: 'quantitative', title: options.yTitle, scale: { zero: false } });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    data: { values: points.map((p) => ({ ...p, lo: p.mean - p.sd, hi: p.mean + p.sd, kind: 'measured here (mean ± sd over seeds)' })) },
    facet: { column: { field: 'data', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 320,
      height: 220,
      layer: [
        { mark: { type: 'errorbar', ticks: true }, encoding: { x, y: y('lo'), y2: { field: 'hi' } } },
        { mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y: y('mean'), color: { field: 'kind', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 } } } },
        // the hollow markers only where some system has a published value (an empty layer breaks the shared y scale)
        ...(points.some((p) => p.published !== null) ? [{
          transform: [{ filter: 'datum.published != null' }, { calculate: `'${options.publishedLabel.replace(/'/g, '’')}'`, as: 'pub' }],
          mark: { type: 'point', filled: false, size: 80, shape: 'diamond' },
          encoding: { x, y: y('published'), stroke: { field: 'pub', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 } } },
        }] : []),
      ],
    },
  };
}
