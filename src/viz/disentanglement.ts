// Vega-lite spec of the measured disentanglement (src/eval/disentanglement.ts): per method one
// latent × factor heatmap of the probes' test R² (mean over seeds, the sd in the label).
// A disentangled model lights up the diagonal z^L→p_L, z^A→p_A, z^V→p_V, z^S→s and nothing else.
import type { VegaLiteSpec } from './render';

export interface DisentanglementRow {
  method: string;
  latent: string;
  factor: string;
  r2_mean: number;
  r2_std: number;
}

export function disentanglementHeatmapSpec(rows: readonly DisentanglementRow[], title = 'Linear probe R² on test clips: latent → true factor (mean ± sd over seeds)'): VegaLiteSpec {
  const methods = [...new Set(rows.map((r) => r.method))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: rows.map((r) => ({ ...r, label: `${r.r2_mean.toFixed(2)}±${r.r2_std.toFixed(2)}` })) },
    facet: { column: { field: 'method', type: 'nominal', sort: methods, title: null } },
    spec: {
      width: 300,
      height: 180,
      layer: [
        {
          mark: 'rect',
          encoding: {
            x: { field: 'factor', type: 'nominal', sort: ['s', 'pL', 'pA', 'pV'], title: 'true factor' },
            y: { field: 'latent', type: 'nominal', sort: ['zShared', 'zText', 'zAudio', 'zVisual'], title: 'latent' },
            color: { field: 'r2_mean', type: 'quantitative', title: 'R²', scale: { domain: [0, 1], clamp: true, scheme: 'blues' } },
          },
        },
        {
          mark: { type: 'text', fontSize: 11 },
          encoding: {
            x: { field: 'factor', type: 'nominal', sort: ['s', 'pL', 'pA', 'pV'] },
            y: { field: 'latent', type: 'nominal', sort: ['zShared', 'zText', 'zAudio', 'zVisual'] },
            text: { field: 'label', type: 'nominal' },
            color: { condition: { test: 'datum.r2_mean > 0.6', value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  };
}
