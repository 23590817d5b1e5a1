// `mird extract`'s dataset: labels CSV + media files → a folder that openSource (and so
// `mird train --data <folder>` and `mird data inspect <folder>`) reads (src/data/extracted.ts).
//
//   <out>/manifest.json          format, every extraction parameter, tool and package versions,
//                                column meanings, counts, the failures with their reasons
//   <out>/clips.csv              id, split, label, text, file, frame counts (row order = tensors)
//   <out>/features.safetensors   audio [N, T_A, 33], audio_length [N], visual [N, T_V, D]
//                                (D = 226 with --visual-model human, the default; 151 with face-api),
//                                visual_length [N], text_ids [N, L], text_length [N]
//                                (zero-padded; the lengths say how many frames are real)
//   <out>/failures.csv           only with --allow-failures and failed clips: id, file, reason
//
// Work happens in <out>.partial/ (one file per finished clip, ok or failed): a rerun of the
// same command skips what is there (resume). The dataset is written to a temporary folder and
// renamed to <out> only when complete, so <out> is either absent or whole.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { columnIndex, CsvError, displayPath, parseCsv, parseFiniteNumber } from '../data/csv';
import type { SplitName } from '../data/types';
import { readSafetensors, serializeSafetensors, type TensorToWrite } from '../nn/safetensors';
import { gitCommit, gitDirty, writeFileAtomic } from '../util/files';
import { audioColumns, CQT_BINS, CQT_BINS_PER_OCTAVE } from './audio';
import { ClipError, MEDIA_EXTENSIONS, type ClipFeatures, type ExtractConfig } from './clip';
import { visualModelColumns, visualModelMeanings, visualModelPackage } from './visual-model';

export const EXTRACTED_FORMAT = 'mird-extracted';
export const EXTRACTED_VERSION = 1;

export interface LabelRow {
  id: string;
  text: string;
  /** null: an unlabeled clip (empty label field) */
  label: number | null;
  split: SplitName | null;
  line: number;
}

/** The labels CSV: id, text, label[, split]; every problem names file, line and field. */
export function readLabels(path: string): { rows: Map<string, LabelRow>; hasSplit: boolean; sha256: string } {
  if (!existsSync(path)) throw new Error(`--labels ${path}: file not found`);
  const bytes = readFileSync(path);
  const table = parseCsv(bytes.toString('utf8'), path);
  const idCol = columnIndex(table, 'id');
  const textCol = columnIndex(table, 'text');
  const labelCol = columnIndex(table, 'label');
  const splitCol = table.header.indexOf('split');
  const rows = new Map<string, LabelRow>();
  table.rows.forEach((r, i) => {
    const line = table.lines[i] as number;
    const id = (r[idCol] as string).trim();
    if (id === '') throw new CsvError(`${path} line ${line}, field id: empty`);
    if (rows.has(id)) throw new CsvError(`${path} line ${line}, field id: "${id}" repeats line ${rows.get(id)?.line}`);
    const text = (r[textCol] as string).trim();
    if (text === '') throw new CsvError(`${path} line ${line}, field text: empty transcript for clip ${id}`);
    const rawLabel = (r[labelCol] as string).trim();
    const label = rawLabel === '' ? null : parseFiniteNumber(table, i, 'label', rawLabel);
    let split: SplitName | null = null;
    if (splitCol >= 0) {
      const s = (r[splitCol] as string).trim();
      if (s !== 'train' && s !== 'valid' && s !== 'test') throw new CsvError(`${path} line ${line}, field split: "${s}" (expected train, valid or test)`);
      split = s;
    }
    rows.set(id, { id, text, label, split, line });
  });
  if (rows.size === 0) throw new CsvError(`${path}: no rows`);
  return { rows, hasSplit: splitCol >= 0, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export interface ClipJob {
  id: string;
  file: string;
  row: LabelRow;
}

/** Media files of the inputs (folders are listed, non-recursively), each matched to its label row by file name; sorted by id. */
export function planJobs(inputs: readonly string[], labels: Map<string, LabelRow>): { jobs: ClipJob[]; rowsWithoutFile: string[] } {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new Error(`${input}: not found`);
    if (statSync(input).isDirectory()) {
      const found = readdirSync(input).filter((f) => MEDIA_EXTENSIONS.includes(extname(f).toLowerCase())).sort().map((f) => join(input, f));
      if (found.length === 0) throw new Error(`${input}: no media files in this folder (looked for ${MEDIA_EXTENSIONS.join(' ')})`);
      files.push(...found);
    } else {
      if (!MEDIA_EXTENSIONS.includes(extname(input).toLowerCase())) throw new Error(`${input}: not a media file name (expected one of ${MEDIA_EXTENSIONS.join(' ')})`);
      files.push(input);
    }
  }
  const byId = new Map<string, string>();
  const missing: string[] = [];
  for (const f of files) {
    const id = basename(f, extname(f));
    const other = byId.get(id);
    if (other !== undefined && resolve(other) !== resolve(f)) throw new Error(`clip id "${id}" has two media files: ${other} and ${f} (ids are file names without extension; keep one)`);
    byId.set(id, f);
    if (!labels.has(id)) missing.push(`${id} (${f})`);
  }
  if (missing.length > 0) {
    throw new Error(`${missing.length} media file(s) have no row in the labels CSV (its id column must hold the file name without extension): ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`);
  }
  // sorted by id: the dataset's row order does not depend on argument order or process count
  const jobs = [...byId].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, file]) => ({ id, file: resolve(file), row: labels.get(id) as LabelRow }));
  const used = new Set(byId.keys());
  return { jobs, rowsWithoutFile: [...labels.keys()].filter((id) => !used.has(id)) };
}

// ---------------------------------------------------------------------------------------------
// Per-clip results in <out>.partial/clips

export function partialDir(out: string): string {
  return `${resolve(out)}.partial`;
}

/** sha256 of the parameters that change a clip's features. */
export function paramsHash(config: Readonly<ExtractConfig>, versions: Record<string, string | null>): string {
  return createHash('sha256').update(JSON.stringify({ config, versions })).digest('hex').slice(0, 16);
}

interface CacheKey {
  file: string;
  size: number;
  mtimeMs: number;
  params: string;
}

function keyOf(file: string, params: string): CacheKey {
  const s = statSync(file);
  return { file, size: s.size, mtimeMs: s.mtimeMs, params };
}

const sameKey = (a: CacheKey, b: CacheKey): boolean => a.file === b.file && a.size === b.size && a.mtimeMs === b.mtimeMs && a.params === b.params;

function cachePaths(partial: string, id: string): { ok: string; failed: string } {
  const name = encodeURIComponent(id);
  return { ok: join(partial, 'clips', `${name}.safetensors`), failed: join(partial, 'clips', `${name}.failed.json`) };
}

/** A cached clip's numbers besides its feature arrays. */
export type ClipMeta = Omit<ClipFeatures, 'audio' | 'visual'>;

export type CachedClip = { status: 'ok'; meta: ClipMeta; audio: Float32Array; visual: Float32Array } | { status: 'failed'; reason: string };

/** The finished result of a clip for these parameters and this file version, or null. */
export function readCached(partial: string, job: ClipJob, params: string): CachedClip | null {
  const p = cachePaths(partial, job.id);
  const key = keyOf(job.file, params);
  if (existsSync(p.ok)) {
    const st = readSafetensors(p.ok);
    const stored = JSON.parse(st.metadata.key ?? '{}') as CacheKey;
    if (sameKey(stored, key)) {
      const meta = JSON.parse(st.metadata.meta ?? '{}') as ClipMeta;
      return { status: 'ok', meta, audio: st.tensors.get('audio')?.data as Float32Array, visual: (st.tensors.get('visual')?.data as Float32Array | undefined) ?? new Float32Array(0) };
    }
  }
  if (existsSync(p.failed)) {
    const f = JSON.parse(readFileSync(p.failed, 'utf8')) as { key: CacheKey; reason: string };
    if (sameKey(f.key, key)) return { status: 'failed', reason: f.reason };
  }
  return null;
}

/** Records a clip's result (atomically; a stale result of the other kind is removed). */
export function writeCached(partial: string, job: ClipJob, params: string, result: { features: ClipFeatures } | { error: string }): void {
  const p = cachePaths(partial, job.id);
  const key = keyOf(job.file, params);
  if ('error' in result) {
    writeFileAtomic(p.failed, JSON.stringify({ key, reason: result.error }) + '\n');
    rmSync(p.ok, { force: true });
    return;
  }
  const f = result.features;
  const meta: ClipMeta = { audioFrames: f.audioFrames, audioFramesTotal: f.audioFramesTotal, visualFrames: f.visualFrames, visualDim: f.visualDim, faceFrames: f.faceFrames, hasVideo: f.hasVideo, durationS: f.durationS, audioSeconds: f.audioSeconds, visualSeconds: f.visualSeconds };
  const tensors = new Map<string, TensorToWrite>([
    ['audio', { shape: [f.audioFrames, f.audio.length / Math.max(1, f.audioFrames)], data: f.audio }],
    ['visual', { shape: [f.visualFrames, f.visualDim], data: f.visual }],
  ]);
  writeFileAtomic(p.ok, serializeSafetensors(tensors, { key: JSON.stringify(key), meta: JSON.stringify(meta) }));
  rmSync(p.failed, { force: true });
}

/** Runs one job and records its result; only ClipError is a clip failure, anything else is a bug and propagates. */
export async function runJob(partial: string, job: ClipJob, config: Readonly<ExtractConfig>, params: string): Promise<'ok' | 'failed'> {
  const { extractClip } = await import('./clip');
  try {
    const features = await extractClip(job.file, config);
    writeCached(partial, job, params, { features });
    return 'ok';
  } catch (err) {
    if (!(err instanceof ClipError)) throw err;
    writeCached(partial, job, params, { error: err.message });
    return 'failed';
  }
}

// ---------------------------------------------------------------------------------------------
// Assembly

export interface Failure {
  id: string;
  file: string;
  reason: string;
}

export interface ManifestInput {
  command: string;
  config: Readonly<ExtractConfig>;
  versions: Record<string, string | null>;
  labels: { path: string; sha256: string; hasSplit: boolean; rowsWithoutFile: number };
  tokenizer: { name: string; vocabSha256: string; padId: number };
  allowFailures: boolean;
}

function csvField(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface AssembleResult {
  out: string;
  clips: number;
  failures: Failure[];
  bySplit: Record<string, number>;
  faceFrames: number;
  visualFrames: number;
}

/**
 * Writes the dataset from the per-clip results (every job must have one). Failures are an
 * error unless `allowFailures`; then they are left out and listed in the manifest and failures.csv.
 */
export function assembleDataset(out: string, jobs: readonly ClipJob[], params: string, encode: (text: string) => Int32Array, manifest: ManifestInput): AssembleResult {
  const partial = partialDir(out);
  const ok: { job: ClipJob; clip: Extract<CachedClip, { status: 'ok' }> }[] = [];
  const failures: Failure[] = [];
  for (const job of jobs) {
    const c = readCached(partial, job, params);
    if (c === null) failures.push({ id: job.id, file: job.file, reason: 'not extracted (the worker stopped before this clip)' });
    else if (c.status === 'failed') failures.push({ id: job.id, file: job.file, reason: c.reason });
    else ok.push({ job, clip: c });
  }
  if (failures.length > 0 && !manifest.allowFailures) return { out, clips: 0, failures, bySplit: {}, faceFrames: 0, visualFrames: 0 };
  if (ok.length === 0) throw new Error(`no clip could be extracted (${failures.length} failed); nothing written`);

  const n = ok.length;
  const aDim = audioColumns(manifest.config.audio).length;
  const tA = Math.max(...ok.map((o) => o.clip.meta.audioFrames));
  const tV = Math.max(0, ...ok.map((o) => o.clip.meta.visualFrames));
  const audio = new Float32Array(n * tA * aDim);
  const vDim = visualModelColumns(manifest.config.visualModel).length;
  const visual = new Float32Array(n * tV * vDim);
  const audioLength = new Int32Array(n);
  const visualLength = new Int32Array(n);
  const ids = ok.map((o) => encode(o.job.row.text));
  const tL = Math.max(...ids.map((t) => t.length));
  const textIds = new Int32Array(n * tL).fill(manifest.tokenizer.padId);
  const textLength = new Int32Array(n);
  ok.forEach((o, i) => {
    const m = o.clip.meta;
    if (o.clip.audio.length !== m.audioFrames * aDim) throw new Error(`${partial}: cached audio of clip ${o.job.id} has ${o.clip.audio.length} values for ${m.audioFrames} × ${aDim}; delete ${partial} and rerun`);
    if (o.clip.visual.length !== m.visualFrames * vDim) throw new Error(`${partial}: cached visual features of clip ${o.job.id} have ${o.clip.visual.length} values for ${m.visualFrames} × ${vDim}; delete ${partial} and rerun`);
    audio.set(o.clip.audio, i * tA * aDim);
    visual.set(o.clip.visual, i * tV * vDim);
    audioLength[i] = m.audioFrames;
    visualLength[i] = m.visualFrames;
    textIds.set(ids[i] as Int32Array, i * tL);
    textLength[i] = (ids[i] as Int32Array).length;
  });
  const tensors = new Map<string, TensorToWrite>([
    ['audio', { shape: [n, tA, aDim], data: audio }],
    ['audio_length', { dtype: 'I32', shape: [n], data: audioLength }],
    ['visual', { shape: [n, tV, vDim], data: visual }],
    ['visual_length', { dtype: 'I32', shape: [n], data: visualLength }],
    ['text_ids', { dtype: 'I32', shape: [n, tL], data: textIds }],
    ['text_length', { dtype: 'I32', shape: [n], data: textLength }],
  ]);
  const splitOf = (o: { job: ClipJob }): string => (o.job.row.label === null ? 'unlabeled' : o.job.row.split ?? 'train');
  const csv = ['id,split,label,text,file,audio_frames,audio_frames_total,visual_frames,visual_face_frames,duration_s'];
  for (const o of ok) {
    const m = o.clip.meta;
    csv.push([o.job.id, splitOf(o), o.job.row.label, o.job.row.text, displayPath(o.job.file), m.audioFrames, m.audioFramesTotal, m.visualFrames, m.faceFrames, m.durationS === null ? null : Number(m.durationS.toFixed(3))].map(csvField).join(','));
  }
  const bySplit: Record<string, number> = {};
  for (const s of ['train', 'valid', 'test', 'unlabeled']) {
    const count = ok.filter((o) => splitOf(o) === s).length;
    if (count > 0) bySplit[s] = count;
  }
  const faceFrames = ok.reduce((a, o) => a + o.clip.meta.faceFrames, 0);
  const visualFrames = ok.reduce((a, o) => a + o.clip.meta.visualFrames, 0);
  const c = manifest.config;
  const visualPackage = visualModelPackage(c.visualModel);
  const doc = {
    format: EXTRACTED_FORMAT,
    version: EXTRACTED_VERSION,
    createdAt: new Date().toISOString(),
    command: manifest.command,
    versions: manifest.versions,
    workspace: { gitCommit: gitCommit(), gitDirty: gitDirty() },
    parameters: c,
    paramsHash: params,
    labels: manifest.labels,
    clips: { count: n, bySplit, audioOnly: ok.filter((o) => !o.clip.meta.hasVideo).length },
    audio: {
      dim: aDim,
      maxFrames: c.audioFrames,
      columns: audioColumns(c.audio),
      description:
        `librosa 0.9.1 definitions as the MIRD authors called them: load at ${c.audio.sampleRate} Hz mono (resampy kaiser_best), ` +
        `zero_crossing_rate(frame ${c.audio.frameLength}, hop ${c.audio.hopLength}, centred, edge pad), ` +
        `mfcc(n_mfcc ${c.audio.nMfcc}, n_mels ${c.audio.nMels}, ${c.audio.melScale} mel, Slaney area norm, power_to_db top_db ${c.audio.topDb}, DCT-II ortho; STFT hann ${c.audio.frameLength}, ${c.audio.padMode} centring pad), ` +
        (c.audio.chroma === 'cqt'
          ? `chroma of a direct constant-Q transform (n_chroma ${c.audio.nChroma}, ${CQT_BINS} bins from C1, ${CQT_BINS_PER_OCTAVE} per octave, librosa's filters, tuning ${c.audio.tuning}; the paper's chroma_cqt without librosa's multi-rate transform and tuning estimate). `
          : `chroma_stft(n_chroma ${c.audio.nChroma}, tuning ${c.audio.tuning}) in place of the paper's chroma_cqt (gap measured in test/fixtures/extract/librosa-reference.json; --chroma cqt for a direct CQT chroma). `) +
        `The first ${c.audioFrames} frames (${((c.audioFrames * c.audio.hopLength) / c.audio.sampleRate).toFixed(2)} s) kept, no padding stored beyond audio_length, no normalisation.`,
    },
    visual: {
      dim: vDim,
      model: c.visualModel,
      package: { name: visualPackage, version: manifest.versions[visualPackage] ?? null },
      maxFrames: c.visualFrames,
      frameRate: c.videoFps === null ? 'source' : c.videoFps,
      columns: visualModelColumns(c.visualModel),
      meanings: visualModelMeanings(c.visualModel),
      description: `${visualPackage} (${c.visualModel === 'human' ? 'BlazeFace detector, FaceMesh 468 points + Iris 10 points, emotion model' : 'SSD MobileNet v1 detector, 68-landmark net, expression net'}; bundled weights) on the first ${c.visualFrames} frames at ${c.videoFps === null ? 'the source rate' : `${c.videoFps} fps`}, frames scaled to at most ${c.maxWidth} px wide, detector threshold ${c.minConfidence}. Columns 0-150 mean the same with either --visual-model (human or face-api)${c.visualModel === 'human' ? '; columns 151-225 are human\'s own (mesh score, gaze, eye opening, landmark depth)' : ''}. Substitute for the paper's OpenFace 2 (709 columns), which does not exist here.`,
      framesWithFace: faceFrames,
      framesTotal: visualFrames,
    },
    text: { tokenizer: manifest.tokenizer.name, vocabSha256: manifest.tokenizer.vocabSha256, maxTokens: c.maxTokens, note: 'text_ids are for readers outside the trainer; the trainer re-tokenises the text with its host\'s own tokenizer' },
    failures,
  };
  const tmp = `${resolve(out)}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileAtomic(join(tmp, 'features.safetensors'), serializeSafetensors(tensors, { format: EXTRACTED_FORMAT }));
    writeFileAtomic(join(tmp, 'clips.csv'), csv.join('\n') + '\n');
    if (failures.length > 0) writeFileAtomic(join(tmp, 'failures.csv'), ['id,file,reason', ...failures.map((f) => [f.id, displayPath(f.file), f.reason].map(csvField).join(','))].join('\n') + '\n');
    writeFileAtomic(join(tmp, 'manifest.json'), JSON.stringify(doc, null, 2) + '\n');
    if (existsSync(out)) {
      if (readdirSync(out).length > 0) throw new Error(`${out}: is not empty (another process wrote there?); nothing written`);
      rmSync(out, { recursive: true });
    }
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  rmSync(partial, { recursive: true, force: true });
  return { out, clips: n, failures, bySplit, faceFrames, visualFrames };
}
