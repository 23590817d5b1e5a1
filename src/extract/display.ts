// Notebook helpers for extracted features (notebooks/01_feature_loading.ipynb, section 4): an
// extracted clip as the workspace's Clip, a block of feature columns as a Sequence (for the
// heatmaps of src/viz/data.ts), a video frame with its landmarks, expression probabilities over
// time. Plain functions; vega-lite specs rendered by src/viz/render.ts.
import { readFileSync } from 'node:fs';
import type { Clip, Sequence } from '../data/types';
import { repoPath } from '../paths';
import type { VegaLiteSpec } from '../viz/render';
import { audioFeatures, librosaSignal } from './audio';
import type { ClipFeatures } from './clip';
import { parseWav } from './wav';
import { EXPRESSIONS, LANDMARKS, VISUAL_DIM, visualColumns } from './visual';

/** An extracted clip as a Clip (real frames only; an audio-only file has an empty visual sequence). */
export function clipFromFeatures(f: ClipFeatures, meta: { id: string; text: string; label: number | null }): Clip {
  const aDim = f.audioFrames > 0 ? f.audio.length / f.audioFrames : 0;
  return {
    id: meta.id,
    text: meta.text,
    label: meta.label,
    audio: { data: f.audio, length: f.audioFrames, dim: aDim },
    visual: f.visualFrames > 0 ? { data: f.visual, length: f.visualFrames, dim: VISUAL_DIM } : { data: new Float32Array(0), length: 0, dim: 0 },
  };
}

/** Columns [from, to) of every frame. */
export function featureColumns(seq: Sequence, from: number, to: number): Sequence {
  if (from < 0 || to > seq.dim || from >= to) throw new Error(`featureColumns: [${from}, ${to}) outside 0..${seq.dim}`);
  const dim = to - from;
  const data = new Float32Array(seq.length * dim);
  for (let t = 0; t < seq.length; t++) data.set(seq.data.subarray(t * seq.dim + from, t * seq.dim + to), t * dim);
  return { data, length: seq.length, dim };
}

/** Landmark points (pixels) of one frame's features: box-relative columns mapped back through the box. */
export function landmarksOfFrame(seq: Sequence, frame: number, width: number, height: number): { x: number; y: number }[] {
  const row = seq.data.subarray(frame * seq.dim, (frame + 1) * seq.dim);
  if ((row[0] as number) === 0) return [];
  const [bx, by, bw, bh] = [(row[1] as number) * width, (row[2] as number) * height, (row[3] as number) * width, (row[4] as number) * height];
  return Array.from({ length: LANDMARKS }, (_, i) => ({ x: bx + (row[8 + 2 * i] as number) * bw, y: by + (row[9 + 2 * i] as number) * bh }));
}

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

/** The seven expression probabilities over the clip's frames (frames without a face are gaps). */
export function expressionSeriesSpec(seq: Sequence, fps: number, title: string): VegaLiteSpec {
  const cols = visualColumns();
  const rows: { time: number; expression: string; probability: number }[] = [];
  for (let t = 0; t < seq.length; t++) {
    if ((seq.data[t * seq.dim] as number) === 0) continue;
    for (const e of EXPRESSIONS) rows.push({ time: t / fps, expression: e, probability: seq.data[t * seq.dim + cols.indexOf(`expr_${e}`)] as number });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: 200,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'time', type: 'quantitative', title: 'seconds from the clip start' },
      y: { field: 'probability', type: 'quantitative', scale: { type: 'symlog', constant: 0.01 }, title: 'probability (symlog)' },
      color: { field: 'expression', type: 'nominal', sort: [...EXPRESSIONS] },
    },
  };
}

interface ReferenceBlock {
  frames: number;
  zcr: number[];
  mfcc: number[];
  chroma_stft: number[];
}

/**
 * Our audio features against the numpy reference of librosa's algorithms
 * (test/fixtures/extract/librosa-reference.json, scripts/librosa-reference.py): the largest
 * absolute difference per block on the synthetic signal and on the sample WAV, and the measured
 * gap between STFT chroma (ours) and CQT chroma (the paper's).
 */
export function librosaReferenceRows(): Record<string, string | number>[] {
  const ref = JSON.parse(readFileSync(repoPath('test', 'fixtures', 'extract', 'librosa-reference.json'), 'utf8')) as {
    synthetic: ReferenceBlock;
    sample: ReferenceBlock & { file: string; chroma_gap: { mean_abs: number; max_abs: number; mean_frame_correlation: number; argmax_agreement: number } };
  };
  const synth = new Float32Array(22050);
  for (let n = 0; n < synth.length; n++) {
    const t = n / 22050;
    synth[n] = 0.5 * Math.sin(2 * Math.PI * 220 * t) + 0.3 * Math.sin(2 * Math.PI * (500 * t + 1500 * t * t)) * Math.exp(-t);
  }
  synth.fill(0, 5000, 7000);
  const wav = parseWav(new Uint8Array(readFileSync(repoPath(...ref.sample.file.split('/')))), ref.sample.file);
  const cases: [string, Float32Array, ReferenceBlock][] = [
    ['synthetic 1 s (tone + chirp + silence)', synth, ref.synthetic],
    [`${ref.sample.file} (16 kHz stereo → 22.05 kHz mono)`, librosaSignal(wav.channels, wav.sampleRate, 22050), ref.sample],
  ];
  const rows = cases.map(([signal, y, r]) => {
    const f = audioFeatures(y);
    const err = (offset: number, n: number, values: number[]): number => {
      let m = 0;
      for (let t = 0; t < f.frames; t++) for (let k = 0; k < n; k++) m = Math.max(m, Math.abs((f.data[t * f.dim + offset + k] as number) - (values[t * n + k] as number)));
      return m;
    };
    return { signal, frames: `${f.frames} (reference ${r.frames})`, 'max |Δ| zcr': err(0, 1, r.zcr).toExponential(1), 'max |Δ| MFCC': err(1, 20, r.mfcc).toExponential(1), 'max |Δ| chroma (STFT)': err(21, 12, r.chroma_stft).toExponential(1) };
  });
  const g = ref.sample.chroma_gap;
  return [
    ...rows,
    { signal: `${ref.sample.file}: our STFT chroma vs a direct CQT chroma (the paper's)`, frames: ref.sample.frames, 'max |Δ| zcr': '—', 'max |Δ| MFCC': '—', 'max |Δ| chroma (STFT)': `mean ${g.mean_abs.toFixed(3)}, max ${g.max_abs.toFixed(2)}; per-frame corr ${g.mean_frame_correlation.toFixed(2)}; same top pitch class in ${(100 * g.argmax_agreement).toFixed(0)}% of frames` },
  ];
}
