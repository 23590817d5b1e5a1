// Vega-lite specs of extracted features (mird extract; notebook 01 section 4): one video frame
// with its 68 face landmarks on top, and the expression probabilities over a clip's frames. The
// data come from src/extract/display.ts.
import type { VegaLiteSpec } from './render';

/** One RGB24 frame (every `step`-th pixel, drawn in its own colour) with the 68 landmarks on top. */
export function frameWithLandmarksSpec(rgb: Uint8Array, width: number, height: number, points: readonly { x: number; y: number }[], title: string, step = 4): VegaLiteSpec {
  const pixels: { x: number; y: number; c: string }[] = [];
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      const i = 3 * (y * width + x);
      pixels.push({ x, y, c: `rgb(${rgb[i]},${rgb[i + 1]},${rgb[i + 2]})` });
    }
  }
  // image coordinates: y grows downward, so the y domain runs from height (bottom) to 0 (top)
  const xScale = { domain: [0, width] };
  const yScale = { domain: [height, 0] };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width,
    height,
    layer: [
      {
        data: { values: pixels },
        mark: { type: 'square', size: step * step * 1.1, opacity: 1 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: xScale, axis: null },
          y: { field: 'y', type: 'quantitative', scale: yScale, axis: null },
          color: { field: 'c', type: 'nominal', scale: null, legend: null },
        },
      },
      {
        data: { values: points.map((p, i) => ({ x: p.x, y: p.y, i })) },
        mark: { type: 'circle', size: 18, color: '#00ff66', opacity: 1 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: xScale, axis: null },
          y: { field: 'y', type: 'quantitative', scale: yScale, axis: null },
        },
      },
    ],
  };
}

/** The expression probabilities over a clip's frames (frames without a face are gaps), one line per expression in `order`. */
export function expressionSeriesSpec(rows: readonly { time: number; expression: string; probability: number }[], order: readonly string[], title: string): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 200,
    data: { values: [...rows] },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'time', type: 'quantitative', title: 'seconds from the clip start' },
      y: { field: 'probability', type: 'quantitative', scale: { type: 'symlog', constant: 0.01 }, title: 'probability (symlog)' },
      color: { field: 'expression', type: 'nominal', sort: [...order] },
    },
  };
}

