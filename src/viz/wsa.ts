// Vega-lite specs of WSA attention maps (notebook 02): one map [words][frames] as a heatmap, and
// two maps side by side. The maps come from realAttention in src/model/wsa-report.ts.
import type { VegaLiteSpec } from './render';

/** A heatmap of one attention map [words][frames]; rows labelled by word pieces. */
export function attentionHeatmapSpec(map: number[][], wordLabels: string[], title: string, maxFrames = 120): VegaLiteSpec {
  const values: Array<{ word: string; frame: number; weight: number }> = [];
  map.forEach((row, i) => {
    row.slice(0, maxFrames).forEach((w, j) => values.push({ word: `${String(i).padStart(2, '0')} ${wordLabels[i] ?? ''}`, frame: j, weight: w }));
  });
  const frames = Math.min(map[0]?.length ?? 0, maxFrames);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: Math.max(120, Math.min(480, frames * 6)),
    height: Math.max(80, map.length * 9),
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'frame', type: 'ordinal', title: 'frame', axis: { labelAngle: 0, values: Array.from({ length: Math.ceil(frames / 10) }, (_, k) => k * 10) } },
      y: { field: 'word', type: 'ordinal', title: null, sort: null, axis: { labelFontSize: 8 } },
      color: { field: 'weight', type: 'quantitative', scale: { domain: [0, 1], range: ['#ffffff', '#000000'] } },
    },
  };
}

/** Two heatmaps side by side (e.g. Sparsemax vs softmax on the same scores). */
export function sideBySide(left: VegaLiteSpec, right: VegaLiteSpec, title: string): VegaLiteSpec {
  const strip = (s: VegaLiteSpec): VegaLiteSpec => {
    const { $schema: _schema, ...rest } = s as { $schema?: unknown } & Record<string, unknown>;
    void _schema;
    return rest;
  };
  return { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', title, hconcat: [strip(left), strip(right)], resolve: { scale: { color: 'shared' } } };
}
