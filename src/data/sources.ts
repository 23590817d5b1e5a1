// One entry point for every data source: `openSource('mosi')`, `openSource('synthetic:small')`,
// `openSource('data/mosi/mosi.pkl')`, and a summary of whatever it opened.
//
// Presets:
//   mosi             real MOSI, utterance features (text 100 / audio 73 / visual 100, length 1),
//                    Poria's speaker-independent split with carved valid videos (1207 / 240 / 752)
//   mosi-text        real MOSI transcripts + labels, standard CMU-SDK split (1284 / 229 / 686)
//   mosei-text       real MOSEI transcripts + labels, standard split (16274 / 1861 / 4653)
//   synthetic:small  synthetic benchmark, small shapes (seed 1234 unless `seed` is given)
//   synthetic:paper  synthetic benchmark at the paper's shapes (400 × 33, 55 × 709, 50 tokens)
//   mosi-pkl, mosei-pkl, emovoxceleb, mmsa-mosi, mmsa-mosei: the files users put under data/
//                    themselves (see data/README.md and FILE_PRESETS)
// A path to a .pkl file is read with the pickle reader its contents call for; a folder written by
// `mird extract` with src/data/extracted.ts. `a+b` adds every
// clip of b as unlabeled clips to a (e.g. `mosi-pkl+emovoxceleb` for MIRD2).
import { existsSync, statSync } from 'node:fs';
import type { Clip, Dataset, Sequence, SplitName } from './types';
import { SPLIT_NAMES } from './types';
import { MOSI_DEFAULT_VALID_FOLD, MOSI_VALID_FOLDS, readMosi } from './mosi';
import { readMosei } from './mosei';
import { createSynthetic, resolveSyntheticConfig, SYNTHETIC_PRESETS, type SyntheticOverrides } from './synthetic';
import { readMirdPickle, readMirdUnlabeledPickleWithNotes } from './mird-pickle';
import { readMmsaPickle } from './mmsa-pickle';
import { describePyValue, scanPickle, sniffPickleFormat } from './pickle';
import { displayPath } from './csv';
import { readExtracted } from './extracted';
import { repoPath } from '../paths';

export interface SourceOptions {
  /** seed for synthetic sources (default: the preset's) */
  seed?: number;
  /** further synthetic config overrides (unknown keys are errors) */
  synthetic?: SyntheticOverrides;
}

/** Where the file presets look, relative to the repository root. */
export const FILE_PRESETS: Readonly<Record<string, { path: string; what: string }>> = Object.freeze({
  'mosi-pkl': { path: 'data/mosi/mosi.pkl', what: "the MIRD authors' MOSI pickle (train/valid/test: raw_text, audio (N,400,33), video (N,55,709), labels)" },
  'mosei-pkl': { path: 'data/mosei/mosei.pkl', what: "the MIRD authors' MOSEI pickle (same layout as mosi.pkl)" },
  emovoxceleb: { path: 'data/emovoxceleb/emovoxceleb.pkl', what: 'the unlabeled EmoVoxCeleb pickle (top-level raw_text, audio, video)' },
  'mmsa-mosi': { path: 'data/mmsa/MOSI/Processed/unaligned_50.pkl', what: "MMSA's unaligned MOSI features (unaligned_50.pkl)" },
  'mmsa-mosei': { path: 'data/mmsa/MOSEI/Processed/unaligned_50.pkl', what: "MMSA's unaligned MOSEI features (unaligned_50.pkl)" },
});

export const BUILTIN_PRESETS: readonly string[] = ['mosi', 'mosi:fold=0..5', 'mosi-text', 'mosei-text', 'synthetic:small', 'synthetic:paper'];

export function knownSources(): string[] {
  return [...BUILTIN_PRESETS, ...Object.keys(FILE_PRESETS)];
}

/** A .pkl file in whichever of the three supported layouts its top-level keys announce. */
export function openPickleFile(path: string): Dataset {
  const format = sniffPickleFormat(path);
  if (format === 'mird') return readMirdPickle(path);
  if (format === 'mmsa') return readMmsaPickle(path);
  if (format === 'mird-unlabeled') {
    const u = readMirdUnlabeledPickleWithNotes(path);
    return {
      name: `mird-unlabeled:${displayPath(path)}`,
      splits: { train: [], valid: [], test: [] },
      unlabeled: u.clips,
      audioDim: u.audioDim,
      visualDim: u.visualDim,
      notes: [...u.notes, 'unlabeled only: combine with a labeled source for MIRD2 (splitRate unlabeled clips per labeled clip)'],
    };
  }
  const value = scanPickle(path);
  const keys = value instanceof Map ? [...value.keys()].map(String) : null;
  const top = keys === null ? describePyValue(value, 0).join(' ') : `a dict with keys ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? `, … (${keys.length})` : ''}`;
  throw new Error(
    `${path}: a valid pickle in none of the supported layouts (expected the MIRD authors' {train,valid,test}: {raw_text, audio, video, labels}, ` +
      `their unlabeled {raw_text, audio, video}, or MMSA's {train,valid,test}: {raw_text, audio, vision, regression_labels, ...}); found: ${top}`,
  );
}

/** Opens a preset or a file; throws one clear error for an unknown, missing or malformed source. */
export function openSource(spec: string, options: SourceOptions = {}): Dataset {
  for (const key of Object.keys(options)) {
    if (key !== 'seed' && key !== 'synthetic') throw new Error(`openSource: unknown option "${key}" (known: seed, synthetic)`);
  }
  if (spec.includes('+')) return combineSources(spec, options);
  if (spec === 'mosi') return readMosi({ features: 'utterance', split: 'speaker-independent' });
  const fold = /^mosi:fold=(.*)$/.exec(spec);
  if (fold !== null) {
    const k = Number(fold[1]);
    if (!/^\d$/.test(fold[1] as string) || k >= MOSI_VALID_FOLDS) throw new Error(`${spec}: the fold must be an integer in 0..${MOSI_VALID_FOLDS - 1} (fold ${MOSI_DEFAULT_VALID_FOLD} is the default valid of "mosi")`);
    return readMosi({ features: 'utterance', split: 'speaker-independent', validFold: k });
  }
  if (spec === 'mosi-text') return readMosi({ features: 'none', split: 'standard' });
  if (spec === 'mosei-text') return readMosei();
  if (spec.startsWith('synthetic:')) {
    const presetName = spec.slice('synthetic:'.length);
    const preset = SYNTHETIC_PRESETS[presetName];
    if (preset === undefined) throw new Error(`unknown synthetic preset "${presetName}" (known: ${Object.keys(SYNTHETIC_PRESETS).map((p) => `synthetic:${p}`).join(', ')})`);
    const overrides: SyntheticOverrides = { ...(options.synthetic ?? {}) };
    if (options.seed !== undefined) overrides.seed = options.seed;
    const config = resolveSyntheticConfig(preset, overrides);
    return { ...createSynthetic(config).dataset(), name: `${spec} (seed ${config.seed})` };
  }
  const preset = FILE_PRESETS[spec];
  if (preset !== undefined) {
    const path = repoPath(...preset.path.split('/'));
    if (!existsSync(path)) {
      throw new Error(`preset ${spec} reads ${preset.path}, which is not there: put ${preset.what} at that path (see data/README.md)`);
    }
    return openPickleFile(path);
  }
  // a folder written by `mird extract` (manifest.json, clips.csv, features.safetensors)
  if (existsSync(spec) && statSync(spec).isDirectory()) return readExtracted(spec);
  const looksLikePath = spec.includes('/') || spec.includes('\\') || /\.[A-Za-z0-9]+$/.test(spec);
  if (!looksLikePath) throw new Error(`unknown source "${spec}" (presets: ${knownSources().join(', ')}; or a path to a .pkl file or to a folder written by mird extract)`);
  if (!existsSync(spec)) throw new Error(`${spec}: file not found`);
  if (!statSync(spec).isFile()) throw new Error(`${spec}: not a file`);
  if (!spec.endsWith('.pkl') && !spec.endsWith('.pickle')) {
    throw new Error(`${spec}: unsupported file type (expected a .pkl: the MIRD authors' format, its unlabeled variant, or MMSA's)`);
  }
  return openPickleFile(spec);
}

/**
 * `labeled+unlabeled[+…]`, e.g. `mosi-pkl+emovoxceleb`: the first source's splits, plus every
 * clip of the others as unlabeled clips (MIRD2). Feature dims must agree.
 */
function combineSources(spec: string, options: SourceOptions): Dataset {
  const parts = spec.split('+').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new Error(`source "${spec}": empty part around '+' (expected labeled+unlabeled, e.g. mosi-pkl+emovoxceleb)`);
  // The same source twice would put its own valid/test clips into training as unlabeled
  // clips: test inputs leaking into training, even without labels.
  const repeated = parts.slice(1).find((p) => p === parts[0]);
  if (repeated !== undefined) {
    throw new Error(`source "${spec}": ${repeated} is both the labeled source and an unlabeled one; its valid/test clips would leak into training`);
  }
  const [first, ...rest] = parts.map((p) => ({ spec: p, ds: openSource(p, options) }));
  const base = (first as { spec: string; ds: Dataset }).ds;
  const unlabeled = [...base.unlabeled];
  const notes = [...base.notes];
  for (const { spec: p, ds } of rest) {
    if (ds.audioDim !== base.audioDim || ds.visualDim !== base.visualDim) {
      throw new Error(
        `source "${spec}": ${p} has feature dims audio ${ds.audioDim} / visual ${ds.visualDim}, ` +
          `but ${first?.spec} has ${base.audioDim} / ${base.visualDim}; unlabeled clips must match the labeled source`,
      );
    }
    const clips = [...ds.unlabeled, ...SPLIT_NAMES.flatMap((s) => ds.splits[s])].map((c) => ({ ...c, label: null }));
    unlabeled.push(...clips);
    notes.push(`unlabeled from ${p}: ${clips.length} clips (labels, if any, dropped)`, ...ds.notes.map((n) => `[${p}] ${n}`));
  }
  return { ...base, name: `${base.name}+${rest.map((r) => r.spec).join('+')}`, unlabeled, notes };
}

// ---------------------------------------------------------------------------------------------
// Summary

export interface RangeStats {
  min: number;
  mean: number;
  max: number;
}

export interface ModalityShape {
  /** frames per clip over clips of the split (0 for a missing modality) */
  length: RangeStats;
  dim: number;
}

export interface LabelStats {
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  positive: number; // shares in [0, 1]
  negative: number;
  zero: number;
}

export interface SplitSummary {
  split: SplitName | 'unlabeled';
  clips: number;
  videos: number | null;
  words: RangeStats;
  audio: ModalityShape;
  visual: ModalityShape;
  textFeatures: ModalityShape | null;
  labels: LabelStats | null;
}

export interface DatasetSummary {
  name: string;
  audioDim: number;
  visualDim: number;
  splits: SplitSummary[];
  hasFactors: boolean;
  notes: string[];
}

function range(values: number[]): RangeStats {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, mean: sum / values.length, max };
}

function shape(clips: Clip[], pick: (c: Clip) => Sequence | undefined): ModalityShape {
  const seqs = clips.map(pick).filter((s): s is Sequence => s !== undefined);
  const dims = new Set(seqs.filter((s) => s.length > 0).map((s) => s.dim));
  return { length: range(seqs.map((s) => s.length)), dim: dims.size === 0 ? 0 : Math.max(...dims) };
}

/** Label statistics (population std; shares of > 0, < 0 and exactly 0). */
export function labelStats(labels: number[]): LabelStats | null {
  if (labels.length === 0) return null;
  const n = labels.length;
  const mean = labels.reduce((a, y) => a + y, 0) / n;
  const std = Math.sqrt(labels.reduce((a, y) => a + (y - mean) * (y - mean), 0) / n);
  const r = range(labels);
  return {
    count: n,
    mean,
    std,
    min: r.min,
    max: r.max,
    positive: labels.filter((y) => y > 0).length / n,
    negative: labels.filter((y) => y < 0).length / n,
    zero: labels.filter((y) => y === 0).length / n,
  };
}

/**
 * Video of a clip id: MMSA's `<video>$_$<clip>` (MOSEI, MMSA pickles) or MOSI's
 * `<video>_<number>`; null where ids carry no video (synthetic clips, MIRD pickles).
 */
export function videoOfClipId(id: string): string | null {
  const k = id.indexOf('$_$');
  if (k > 0) return id.slice(0, k);
  // ids the MIRD pickle reader makes up (the format has none) name no video
  if (/^(train|valid|test|unlabeled)_\d+$/.test(id)) return null;
  const m = /^(.+)_\d+$/.exec(id);
  return m ? (m[1] as string) : null;
}

function summarizeSplit(split: SplitName | 'unlabeled', clips: Clip[]): SplitSummary {
  const vids = clips.map((c) => videoOfClipId(c.id));
  const labels = clips.map((c) => c.label).filter((y): y is number => y !== null);
  const anyTextFeatures = clips.some((c) => c.textFeatures !== undefined);
  return {
    split,
    clips: clips.length,
    videos: vids.every((v) => v !== null) && clips.length > 0 ? new Set(vids).size : null,
    words: range(clips.map((c) => (c.text.trim() === '' ? 0 : c.text.trim().split(/\s+/).length))),
    audio: shape(clips, (c) => c.audio),
    visual: shape(clips, (c) => c.visual),
    textFeatures: anyTextFeatures ? shape(clips, (c) => c.textFeatures) : null,
    labels: labelStats(labels),
  };
}

/** Splits, counts, shapes and label statistics of a dataset. */
export function summarizeDataset(ds: Dataset): DatasetSummary {
  const labeledTotal = SPLIT_NAMES.reduce((a, s) => a + ds.splits[s].length, 0);
  // an unlabeled-only source (EmoVoxCeleb) shows just its pool
  const splits = labeledTotal === 0 && ds.unlabeled.length > 0 ? [] : SPLIT_NAMES.map((s) => summarizeSplit(s, ds.splits[s]));
  if (ds.unlabeled.length > 0) splits.push(summarizeSplit('unlabeled', ds.unlabeled));
  const all = [...SPLIT_NAMES.flatMap((s) => ds.splits[s]), ...ds.unlabeled];
  return {
    name: ds.name,
    audioDim: ds.audioDim,
    visualDim: ds.visualDim,
    splits,
    hasFactors: all.length > 0 && all.every((c) => c.factors !== undefined),
    notes: ds.notes,
  };
}

export type SummaryRow = Record<string, string | number | null>;

const fmt = (x: number, digits = 1): string => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
const rangeText = (r: RangeStats, digits = 1): string => (r.min === r.max ? fmt(r.min) : `${fmt(r.min)} / ${r.mean.toFixed(digits)} / ${fmt(r.max)}`);
const shapeText = (m: ModalityShape): string => (m.dim === 0 && m.length.max === 0 ? '—' : `${rangeText(m.length)} × ${m.dim}`);

/** One row per split: counts and shapes (lengths as min / mean / max × dim). */
export function shapeRows(s: DatasetSummary): SummaryRow[] {
  const withTextFeatures = s.splits.some((x) => x.textFeatures !== null);
  return s.splits.map((x) => {
    const row: SummaryRow = {
      split: x.split,
      clips: x.clips,
      videos: x.videos ?? '—',
      'words (min/mean/max)': rangeText(x.words),
      'audio T × d': shapeText(x.audio),
      'visual T × d': shapeText(x.visual),
    };
    if (withTextFeatures) row['text features T × d'] = x.textFeatures ? shapeText(x.textFeatures) : '—';
    return row;
  });
}

/** One row per labeled split: label statistics. */
export function labelRows(s: DatasetSummary): SummaryRow[] {
  return s.splits
    .filter((x) => x.labels !== null)
    .map((x) => {
      const l = x.labels as LabelStats;
      return {
        split: x.split,
        labels: l.count,
        mean: l.mean.toFixed(3),
        std: l.std.toFixed(3),
        min: l.min.toFixed(2),
        max: l.max.toFixed(2),
        'positive %': (100 * l.positive).toFixed(1),
        'negative %': (100 * l.negative).toFixed(1),
        'zero %': (100 * l.zero).toFixed(1),
      };
    });
}
