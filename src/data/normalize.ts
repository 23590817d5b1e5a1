// Per-feature standardisation, fitted on the TRAIN split only (fitting on valid/test would leak
// their statistics into training), then applied to every split and the unlabeled pool:
//   x̂_td = (x_td − μ_d) / σ_d,  μ_d, σ_d over all REAL frames t of all train clips (padding is
//   never part of a Sequence, so it cannot bias the statistics).
// A constant feature (σ_d below STD_FLOOR) gets σ_d := 1, so it maps to 0 instead of NaN.
// Stats are plain numbers so a checkpoint can store them as JSON and reproduce inputs exactly.
import type { Clip, Dataset, Sequence } from './types';
import { parseJson } from '../util/files';

/** σ below this counts as a constant feature. */
export const STD_FLOOR = 1e-8;

export interface FeatureStats {
  dim: number;
  /** number of real frames the statistics were computed from */
  frames: number;
  mean: number[];
  /** population std, with constant features replaced by 1 */
  std: number[];
  /** indices of features that were constant on the fitting data */
  constant: number[];
}

export interface NormStats {
  version: 1;
  /** what the stats were fitted on, e.g. "mosi-utterance:speaker-independent/train (1207 clips)" */
  fittedOn: string;
  /** null where the source has no frames for that modality (text-only sources) */
  audio: FeatureStats | null;
  visual: FeatureStats | null;
  textFeatures: FeatureStats | null;
}

type Modality = 'audio' | 'visual' | 'textFeatures';
const MODALITIES: readonly Modality[] = ['audio', 'visual', 'textFeatures'];

function fitOne(clips: Clip[], modality: Modality): FeatureStats | null {
  let dim = -1;
  let frames = 0;
  let sum: Float64Array = new Float64Array(0);
  let sumSq: Float64Array = new Float64Array(0);
  for (const clip of clips) {
    const seq = clip[modality];
    if (seq === undefined || seq.length === 0) continue;
    if (dim < 0) {
      dim = seq.dim;
      sum = new Float64Array(dim);
      sumSq = new Float64Array(dim);
    } else if (seq.dim !== dim) {
      throw new Error(`normalisation: clip ${clip.id} has ${modality} dim ${seq.dim}, expected ${dim} like the clips before it`);
    }
    for (let t = 0; t < seq.length; t++) {
      const base = t * dim;
      for (let d = 0; d < dim; d++) {
        const x = seq.data[base + d] as number;
        sum[d] = (sum[d] as number) + x;
        sumSq[d] = (sumSq[d] as number) + x * x;
      }
    }
    frames += seq.length;
  }
  if (dim <= 0 || frames === 0) return null;
  const mean: number[] = [];
  const std: number[] = [];
  const constant: number[] = [];
  for (let d = 0; d < dim; d++) {
    const m = (sum[d] as number) / frames;
    // E[x²] − m² in float64; clamp the rounding error that can make it slightly negative
    const v = Math.max(0, (sumSq[d] as number) / frames - m * m);
    const s = Math.sqrt(v);
    mean.push(m);
    if (!(s > STD_FLOOR * (1 + Math.abs(m)))) {
      std.push(1);
      constant.push(d);
    } else std.push(s);
  }
  return { dim, frames, mean, std, constant };
}

/** Fits per-feature mean / std on the given (train) clips. */
export function fitNormalizer(trainClips: Clip[], fittedOn = 'train'): NormStats {
  if (trainClips.length === 0) throw new Error('normalisation: no train clips to fit on');
  return {
    version: 1,
    fittedOn: `${fittedOn} (${trainClips.length} clips)`,
    audio: fitOne(trainClips, 'audio'),
    visual: fitOne(trainClips, 'visual'),
    textFeatures: fitOne(trainClips, 'textFeatures'),
  };
}

/** (x − μ) / σ frame by frame; a sequence without frames passes through. */
export function normalizeSequence(seq: Sequence, stats: FeatureStats | null, what = 'sequence'): Sequence {
  if (seq.length === 0) return seq;
  if (stats === null) throw new Error(`normalisation: ${what} has frames but the stats have none for it (fitted on a source without this modality)`);
  if (seq.dim !== stats.dim) throw new Error(`normalisation: ${what} has dim ${seq.dim}, the stats expect ${stats.dim}`);
  const out = new Float32Array(seq.length * seq.dim);
  for (let t = 0; t < seq.length; t++) {
    const base = t * seq.dim;
    for (let d = 0; d < seq.dim; d++) out[base + d] = ((seq.data[base + d] as number) - (stats.mean[d] as number)) / (stats.std[d] as number);
  }
  return { data: out, length: seq.length, dim: seq.dim };
}

/** A new clip with normalised audio, visual and text features; other fields shared. */
export function normalizeClip(clip: Clip, stats: NormStats): Clip {
  const out: Clip = {
    ...clip,
    audio: normalizeSequence(clip.audio, stats.audio, `clip ${clip.id} audio`),
    visual: normalizeSequence(clip.visual, stats.visual, `clip ${clip.id} visual`),
  };
  if (clip.textFeatures !== undefined) out.textFeatures = normalizeSequence(clip.textFeatures, stats.textFeatures, `clip ${clip.id} textFeatures`);
  return out;
}

/**
 * Normalises every split and the unlabeled clips of a dataset with stats fitted on its train
 * split (or with given stats, e.g. restored from a checkpoint).
 */
export function normalizeDataset(ds: Dataset, stats?: NormStats): { dataset: Dataset; stats: NormStats } {
  const s = stats ?? fitNormalizer(ds.splits.train, `${ds.name}/train`);
  const apply = (clips: Clip[]): Clip[] => clips.map((c) => normalizeClip(c, s));
  return {
    stats: s,
    dataset: {
      ...ds,
      splits: { train: apply(ds.splits.train), valid: apply(ds.splits.valid), test: apply(ds.splits.test) },
      unlabeled: apply(ds.unlabeled),
      notes: [...ds.notes, `normalised: per-feature mean/std fitted on ${s.fittedOn}`],
    },
  };
}

export function normStatsToJson(stats: NormStats): string {
  return JSON.stringify(stats);
}

function checkFeatureStats(v: unknown, where: string): FeatureStats | null {
  if (v === null) return null;
  if (typeof v !== 'object' || v === undefined) throw new Error(`${where}: expected an object or null`);
  const o = v as Record<string, unknown>;
  const dim = o.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) throw new Error(`${where}.dim: expected a positive integer`);
  for (const key of ['mean', 'std'] as const) {
    const a = o[key];
    if (!Array.isArray(a) || a.length !== dim || !a.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new Error(`${where}.${key}: expected ${dim} finite numbers`);
    }
  }
  if ((o.std as number[]).some((x) => x <= 0)) throw new Error(`${where}.std: every entry must be > 0`);
  const constant = Array.isArray(o.constant) ? (o.constant as unknown[]).filter((x): x is number => typeof x === 'number') : [];
  const frames = typeof o.frames === 'number' ? o.frames : 0;
  return { dim, frames, mean: o.mean as number[], std: o.std as number[], constant };
}

/** Parses stats written by `normStatsToJson`; `source` (e.g. a checkpoint path) labels errors. */
export function parseNormStats(json: string, source = 'normalisation stats'): NormStats {
  const raw = parseJson(json, source);
  if (typeof raw !== 'object' || raw === null) throw new Error(`${source}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) throw new Error(`${source}.version: expected 1, got ${JSON.stringify(o.version)}`);
  const out: NormStats = { version: 1, fittedOn: typeof o.fittedOn === 'string' ? o.fittedOn : 'unknown', audio: null, visual: null, textFeatures: null };
  for (const m of MODALITIES) out[m] = checkFeatureStats(o[m] ?? null, `${source}.${m}`);
  return out;
}
