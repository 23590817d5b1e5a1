// Vega-lite specs of the data notebook (01): MOSI labels per split, transcript lengths against
// the token budget, and a feature sequence as a heatmap. Rows come from src/data/tables.ts.
import type { HeatmapCell, MosiClipRow } from '../data/tables';
import { SPLIT_NAMES } from '../data/types';
import type { VegaLiteSpec } from './render';

/** Histogram of the sentiment labels, one panel per speaker-independent split. */
export function labelHistogramSpec(rows: readonly MosiClipRow[]): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'MOSI sentiment labels per split (speaker-independent split)',
    data: { values: rows.map((r) => ({ label: r.label, split: r.speakerIndependent })) },
    mark: 'bar',
    encoding: {
      x: { field: 'label', type: 'quantitative', bin: { extent: [-3, 3], step: 0.5 }, title: 'sentiment label' },
      y: { aggregate: 'count', type: 'quantitative', title: 'clips' },
      color: { field: 'split', type: 'nominal', sort: [...SPLIT_NAMES] },
      column: { field: 'split', type: 'nominal', sort: [...SPLIT_NAMES] },
    },
    width: 200,
    height: 160,
  };
}

export interface TokenLengthRow {
  /** untruncated length in WordPiece tokens, [CLS] and [SEP] included */
  tokens: number;
  split: string;
}

/** Histogram of transcript lengths per split, with the token budget as a dashed rule. */
export function tokenLengthSpec(rows: readonly TokenLengthRow[], budget = 50): VegaLiteSpec {
  const over = rows.filter((r) => r.tokens > budget).length;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `MOSI transcript lengths in WordPiece tokens (${over} of ${rows.length} clips exceed ${budget} and are truncated)`,
    width: 560,
    height: 180,
    layer: [
      {
        data: { values: rows },
        mark: 'bar',
        encoding: {
          x: { field: 'tokens', type: 'quantitative', bin: { step: 2 }, title: 'tokens incl. [CLS]/[SEP]' },
          y: { aggregate: 'count', type: 'quantitative', title: 'clips' },
          color: { field: 'split', type: 'nominal', sort: [...SPLIT_NAMES] },
        },
      },
      { data: { values: [{ x: budget }] }, mark: { type: 'rule', color: 'black', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' } } },
    ],
  };
}

export interface SequenceHeatmapOptions {
  title: string;
  width: number;
  height: number;
  /** frame and feature indices that get an axis label */
  frameTicks: number[];
  featureTicks: number[];
}

/** A [T, d] sequence (sequenceCells) as a frame × feature heatmap, diverging around 0. */
export function sequenceHeatmapSpec(cells: readonly HeatmapCell[], options: SequenceHeatmapOptions): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width: options.width,
    height: options.height,
    data: { values: cells },
    mark: 'rect',
    encoding: {
      x: { field: 'frame', type: 'ordinal', title: 'frame', axis: { values: options.frameTicks, labelAngle: 0 } },
      y: { field: 'feature', type: 'ordinal', title: 'feature', axis: { values: options.featureTicks } },
      color: { field: 'value', type: 'quantitative', scale: { scheme: 'redblue', domainMid: 0, reverse: true } },
    },
  };
}
