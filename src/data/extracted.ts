// Reader of a dataset folder written by `mird extract` (src/extract/dataset.ts): manifest.json,
// clips.csv (ids, splits, labels, transcripts) and features.safetensors (zero-padded frames plus
// their real lengths). Every clip comes back with only its real frames. Errors name the file and
// the field (and the clip) that does not fit.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, type TensorEntry } from '../nn/safetensors';
import { parseJson } from '../util/files';
import { columnIndex, CsvError, displayPath, parseFiniteNumber, readCsv } from './csv';
import type { Clip, Dataset, Sequence, SplitName } from './types';

// the same names as src/extract/dataset.ts (not imported: data/ stays below extract/)
const FORMAT = 'mird-extracted';
const VERSION = 1;

interface Manifest {
  format: string;
  version: number;
  createdAt?: string;
  audio: { dim: number };
  /** model: 'human' or 'face-api' (src/extract/visual-model.ts); absent in datasets written before the choice existed (face-api) */
  visual: { dim: number; model?: string; framesWithFace?: number; framesTotal?: number };
  clips: { count: number; audioOnly?: number };
  failures?: { id: string; reason: string }[];
  /** audio.chroma: 'stft' or 'cqt' (absent in datasets written before the choice existed: stft) */
  parameters?: { audioFrames?: number; visualFrames?: number; audio?: { chroma?: string } };
  versions?: Record<string, string | null>;
}

/** Whether a folder holds a dataset written by `mird extract`. */
export function isExtractedDataset(dir: string): boolean {
  const m = join(dir, 'manifest.json');
  if (!existsSync(m)) return false;
  try {
    return (JSON.parse(readFileSync(m, 'utf8')) as { format?: unknown }).format === FORMAT;
  } catch {
    return false;
  }
}

function tensor(file: string, tensors: Map<string, TensorEntry>, name: string, rank: number): TensorEntry {
  const t = tensors.get(name);
  if (t === undefined) throw new Error(`${file}: missing tensor "${name}" (has ${[...tensors.keys()].join(', ')})`);
  if (t.shape.length !== rank) throw new Error(`${file}: tensor "${name}" has shape [${t.shape}], expected rank ${rank}`);
  return t;
}

function sequences(file: string, values: TensorEntry, lengths: TensorEntry, name: string, n: number, dim: number, ids: readonly string[]): Sequence[] {
  const [rows, t, d] = values.shape as [number, number, number];
  if (rows !== n) throw new Error(`${file}: tensor "${name}" has ${rows} clips, clips.csv has ${n}`);
  if (d !== dim) throw new Error(`${file}: tensor "${name}" has ${d} features per frame, manifest.json says ${dim}`);
  if (lengths.shape[0] !== n) throw new Error(`${file}: tensor "${name}_length" has ${lengths.shape[0]} entries, expected ${n}`);
  return ids.map((id, i) => {
    const len = lengths.data[i] as number;
    if (!Number.isInteger(len) || len < 0 || len > t) throw new Error(`${file}: ${name}_length of clip ${id} is ${len} (expected 0..${t})`);
    const data = (values.data as Float32Array).slice(i * t * d, (i * t + len) * d);
    return { data, length: len, dim: len === 0 ? 0 : d };
  });
}

/** Reads an extracted dataset folder into the workspace's clip type. */
export function readExtracted(dir: string): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder`);
  const mPath = join(dir, 'manifest.json');
  if (!existsSync(mPath)) throw new Error(`${dir}: no manifest.json (not a dataset written by mird extract)`);
  const manifest = parseJson(readFileSync(mPath, 'utf8'), mPath) as Manifest;
  if (manifest.format !== FORMAT) throw new Error(`${mPath}, field format: "${String(manifest.format)}" (expected "${FORMAT}")`);
  if (manifest.version !== VERSION) throw new Error(`${mPath}, field version: ${String(manifest.version)} (this reader reads version ${VERSION})`);
  for (const [field, v] of [['audio.dim', manifest.audio?.dim], ['visual.dim', manifest.visual?.dim], ['clips.count', manifest.clips?.count]] as const) {
    if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${mPath}, field ${field}: ${String(v)} (expected a non-negative integer)`);
  }
  const csvPath = join(dir, 'clips.csv');
  const table = readCsv(csvPath);
  const col = (name: string): number => columnIndex(table, name);
  const [idC, splitC, labelC, textC] = [col('id'), col('split'), col('label'), col('text')];
  const n = table.rows.length;
  if (n !== manifest.clips.count) throw new Error(`${csvPath}: ${n} clips, but manifest.json field clips.count says ${manifest.clips.count}`);
  const ids = table.rows.map((r) => r[idC] as string);
  const fPath = join(dir, 'features.safetensors');
  const st = readSafetensors(fPath);
  const audio = sequences(fPath, tensor(fPath, st.tensors, 'audio', 3), tensor(fPath, st.tensors, 'audio_length', 1), 'audio', n, manifest.audio.dim, ids);
  const visual = sequences(fPath, tensor(fPath, st.tensors, 'visual', 3), tensor(fPath, st.tensors, 'visual_length', 1), 'visual', n, manifest.visual.dim, ids);
  const splits: Record<SplitName, Clip[]> = { train: [], valid: [], test: [] };
  const unlabeled: Clip[] = [];
  table.rows.forEach((r, i) => {
    const split = (r[splitC] as string).trim();
    const rawLabel = (r[labelC] as string).trim();
    const clip: Clip = { id: ids[i] as string, text: r[textC] as string, audio: audio[i] as Sequence, visual: visual[i] as Sequence, label: null };
    if (split === 'unlabeled') {
      if (rawLabel !== '') throw new CsvError(`${csvPath} line ${table.lines[i]}, field label: an unlabeled clip has label "${rawLabel}"`);
      unlabeled.push(clip);
      return;
    }
    if (split !== 'train' && split !== 'valid' && split !== 'test') throw new CsvError(`${csvPath} line ${table.lines[i]}, field split: "${split}" (expected train, valid, test or unlabeled)`);
    clip.label = parseFiniteNumber(table, i, 'label', rawLabel);
    splits[split].push(clip);
  });
  const visualModel = manifest.visual.model ?? 'face-api';
  const visualWhat = visualModel === 'human' ? 'human: confidence, box, head pose, 68 landmarks, 7 expressions, mesh confidence, gaze, eye opening, landmark depth' : `${visualModel}: confidence, box, head pose, 68 landmarks, 7 expressions`;
  const notes = [
    `extracted dataset ${displayPath(dir)} (mird extract${manifest.createdAt ? `, ${manifest.createdAt}` : ''}): ${n} clips`,
    `audio ${manifest.audio.dim} per frame (zcr + MFCC + ${manifest.parameters?.audio?.chroma === 'cqt' ? 'CQT' : 'STFT'} chroma, librosa definitions), up to ${manifest.parameters?.audioFrames ?? '?'} frames; visual ${manifest.visual.dim} per frame (${visualWhat}; not OpenFace), up to ${manifest.parameters?.visualFrames ?? '?'} frames`,
  ];
  if (manifest.visual.framesTotal !== undefined && manifest.visual.framesTotal > 0) notes.push(`a face in ${manifest.visual.framesWithFace} of ${manifest.visual.framesTotal} video frames (frames without one are zero rows with face_confidence 0)`);
  if ((manifest.clips.audioOnly ?? 0) > 0) notes.push(`${manifest.clips.audioOnly} clip(s) from audio-only files: no visual frames`);
  if ((manifest.failures ?? []).length > 0) notes.push(`${manifest.failures?.length} clip(s) failed extraction and are not in the dataset (manifest.json field failures)`);
  return { name: `extracted:${displayPath(dir)}`, splits, unlabeled, audioDim: manifest.audio.dim, visualDim: manifest.visual.dim, notes };
}
