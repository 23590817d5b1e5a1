// Notebook helpers for extracted features (notebooks/01_feature_loading.ipynb, section 4): an
// extracted clip as the workspace's Clip, a block of feature columns as a Sequence (for the
// heatmaps of src/viz/data.ts), a video frame's landmarks in pixels, expression probabilities over
// time. Plain data functions; their charts are src/viz/extract.ts's specs. They read the visual
// columns both extractors share (src/extract/visual-shared.ts), so they work with either model.
import { readFileSync } from 'node:fs';
import type { Clip, Sequence } from '../data/types';
import { repoPath } from '../paths';
import { audioFeatures, librosaSignal } from './audio';
import type { ClipFeatures } from './clip';
import { parseWav } from './wav';
import { EXPRESSION_COLUMN, EXPRESSIONS, LANDMARK_COLUMN, LANDMARKS } from './visual-shared';

/** An extracted clip as a Clip (real frames only; an audio-only file has an empty visual sequence). */
export function clipFromFeatures(f: ClipFeatures, meta: { id: string; text: string; label: number | null }): Clip {
  const aDim = f.audioFrames > 0 ? f.audio.length / f.audioFrames : 0;
  return {
    id: meta.id,
    text: meta.text,
    label: meta.label,
    audio: { data: f.audio, length: f.audioFrames, dim: aDim },
    visual: f.visualFrames > 0 ? { data: f.visual, length: f.visualFrames, dim: f.visualDim } : { data: new Float32Array(0), length: 0, dim: 0 },
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
  return Array.from({ length: LANDMARKS }, (_, i) => ({ x: bx + (row[LANDMARK_COLUMN + 2 * i] as number) * bw, y: by + (row[LANDMARK_COLUMN + 1 + 2 * i] as number) * bh }));
}

/** The seven expression probabilities per frame with a face, in seconds from the clip start (the data of src/viz/extract.ts's expressionSeriesSpec). */
export function expressionSeries(seq: Sequence, fps: number): { time: number; expression: string; probability: number }[] {
  const rows: { time: number; expression: string; probability: number }[] = [];
  for (let t = 0; t < seq.length; t++) {
    if ((seq.data[t * seq.dim] as number) === 0) continue;
    EXPRESSIONS.forEach((e, k) => rows.push({ time: t / fps, expression: e, probability: seq.data[t * seq.dim + EXPRESSION_COLUMN + k] as number }));
  }
  return rows;
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
