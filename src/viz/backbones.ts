// Vega-lite spec of the offline text-backbone comparison (results/text_backbones.csv, rows read
// by readBackboneResults in src/text/backbone.ts). Used by notebook 02.
import type { BackboneRow } from '../text/backbone';
import type { VegaLiteSpec } from './render';

/**
 * Vega-lite strip chart of a backbone table: one point per seed (acc2_non0 in %), a row per
 * candidate, valid and test side by side, the 75% test-Acc2 target set for the text backbone as
 * a rule on the test panel.
 */
export function backboneChartSpec(rows: readonly BackboneRow[], title = 'Text-only MOSI regressors: Acc2 (non-zero labels) per seed'): VegaLiteSpec {
  const order = [...new Set(rows.map((r) => r.candidate))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: rows.map((r) => ({ candidate: r.candidate, split: r.split, seed: r.seed, acc2: 100 * r.acc2_non0 })) },
    facet: { column: { field: 'split', type: 'nominal', sort: ['valid', 'test'], title: null } },
    spec: {
      width: 260,
      height: { step: 16 },
      layer: [
        {
          mark: { type: 'point', filled: true, opacity: 0.8 },
          encoding: {
            y: { field: 'candidate', type: 'nominal', sort: order, title: null },
            x: { field: 'acc2', type: 'quantitative', title: 'Acc2 non0 (%)', scale: { zero: false } },
            color: { field: 'seed', type: 'nominal' },
            tooltip: [{ field: 'candidate' }, { field: 'seed' }, { field: 'acc2', format: '.1f' }],
          },
        },
        {
          // the target applies to test only: one rule, in the test panel
          transform: [{ filter: "datum.split === 'test'" }, { aggregate: [{ op: 'count', as: 'n' }], groupby: ['split'] }, { calculate: '75', as: 'target' }],
          mark: { type: 'rule', strokeDash: [4, 3], color: 'gray' },
          encoding: { x: { field: 'target', type: 'quantitative' } },
        },
      ],
    },
  };
}
