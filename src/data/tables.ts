// Flat rows for notebook tables and charts (danfojs DataFrames, vega-lite data): one row per
// MOSI clip with both of its splits, and a feature sequence as heatmap cells.
import type { Sequence, SplitName } from './types';
import { SPLIT_NAMES } from './types';
import { readMosi } from './mosi';

export interface MosiClipRow {
  clip: string;
  video: string;
  /** split with the utterance features: Poria's speaker-independent split + carved valid */
  speakerIndependent: SplitName;
  /** standard CMU-SDK fold (label.csv mode) */
  standard: SplitName;
  label: number;
  words: number;
  text: string;
}

/** Every MOSI clip with its split under both conventions (reads label.csv and utterance_split.csv). */
export function mosiClipRows(dir?: string): MosiClipRow[] {
  const base = dir === undefined ? {} : { dir };
  const poria = readMosi({ ...base, features: 'none', split: 'speaker-independent' });
  const standard = readMosi({ ...base, features: 'none', split: 'standard' });
  const standardOf = new Map<string, SplitName>();
  for (const s of SPLIT_NAMES) for (const c of standard.splits[s]) standardOf.set(c.id, s);
  return SPLIT_NAMES.flatMap((s) =>
    poria.splits[s].map((c) => ({
      clip: c.id,
      video: c.videoId as string,
      speakerIndependent: s,
      standard: standardOf.get(c.id) as SplitName,
      label: c.label as number,
      words: c.text.split(/\s+/).filter((w) => w !== '').length,
      text: c.text,
    })),
  );
}

export interface HeatmapCell {
  /** first frame of the bin */
  frame: number;
  feature: number;
  value: number;
}

/**
 * A [T, d] sequence as heatmap cells, averaging `frameBin` consecutive frames per cell (1 = every
 * frame) so long sequences stay light to draw. Only real frames: the sequence has no padding.
 */
export function sequenceCells(seq: Sequence, frameBin = 1): HeatmapCell[] {
  if (!Number.isInteger(frameBin) || frameBin < 1) throw new Error(`sequenceCells: frameBin must be a positive integer, got ${frameBin}`);
  const cells: HeatmapCell[] = [];
  for (let t0 = 0; t0 < seq.length; t0 += frameBin) {
    const t1 = Math.min(seq.length, t0 + frameBin);
    for (let d = 0; d < seq.dim; d++) {
      let acc = 0;
      for (let t = t0; t < t1; t++) acc += seq.data[t * seq.dim + d] as number;
      cells.push({ frame: t0, feature: d, value: acc / (t1 - t0) });
    }
  }
  return cells;
}
