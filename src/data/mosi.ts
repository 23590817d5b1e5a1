// Real CMU-MOSI from the files in data/mosi (see data/README.md for provenance):
//   label.csv                      2199 clips: transcript, sentiment in [-3, 3], standard fold
//   utterance_{text,audio,video}.csv  Poria et al. (2017) utterance-level features, one row per
//                                  clip: text 100-d (text CNN), audio 73-d (openSMILE),
//                                  video 100-d (3D CNN); each becomes a length-1 Sequence
//   utterance_split.csv            Poria's speaker-independent train / test split
//
// Two ways to read it:
//   split 'speaker-independent' (default with features): Poria's split; valid = whole videos
//     carved from its train part by VALID_VIDEO_RULE. Counts: train 1207 clips / 52 videos,
//     valid 240 / 10, test 752 / 31.
//   split 'standard': the CMU-SDK folds of label.csv `mode` (1284 / 229 / 686; 52 / 10 / 31
//     videos), the split MIRD and every baseline report on. Text only: audio and visual are
//     empty Sequences, because the utterance features leak labels on this split (below).
import { join } from 'node:path';
import type { Clip, Dataset, Sequence, SplitName } from './types';
import { columnIndex, CsvError, displayPath, parseFiniteNumber, readCsv, type CsvTable } from './csv';
import { repoPath } from '../paths';

export const MOSI_LEAKAGE_WARNING =
  "The utterance features were extracted by networks (a supervised text CNN and a 3D-CNN) trained with labels on Poria's " +
  'training videos; 558 of the 686 standard-test clips are among those videos, so on the standard split the features leak ' +
  'labels (text-only ridge regression scores ~94% Acc2, which is not real). Use them with the speaker-independent split ' +
  '(data/mosi/utterance_split.csv); the raw transcripts carry no such leak and work with the standard split.';

/** Fixed rule that carves validation videos out of Poria's train part (documented, not tuned). */
export const VALID_VIDEO_RULE =
  "sort the 62 video ids of Poria's train part by code unit (JavaScript's default string order) and " +
  'put every 6th one, starting with the 3rd (positions 2, 8, 14, ..., 56), into valid: 10 videos, 240 clips';
const VALID_EVERY = 6;
const VALID_OFFSET = 2;
/**
 * The rule read as 6 folds of Poria's train videos: fold k is positions k, k + 6, … of the sorted
 * ids. The default valid is fold 2; the other folds exist for cross-validation over the train part
 * (development choices on 62 videos instead of 10; test is never touched).
 */
export const MOSI_VALID_FOLDS = VALID_EVERY;
export const MOSI_DEFAULT_VALID_FOLD = VALID_OFFSET;

export const MOSI_FEATURE_DIMS = { text: 100, audio: 73, video: 100 } as const;

export interface MosiOptions {
  /** folder holding label.csv and the utterance files; default data/mosi of the repository */
  dir?: string;
  /** 'speaker-independent' (Poria + carved valid) or 'standard' (CMU-SDK folds) */
  split?: 'speaker-independent' | 'standard';
  /** 'utterance': attach the 100/73/100-d features; 'none': text and labels only */
  features?: 'utterance' | 'none';
  /** needed to combine utterance features with the standard split (they leak labels there) */
  allowLeakyFeatures?: boolean;
  /** speaker-independent split only: which of the MOSI_VALID_FOLDS folds of train videos is valid (default 2, VALID_VIDEO_RULE) */
  validFold?: number;
}

const OPTION_KEYS = ['dir', 'split', 'features', 'allowLeakyFeatures', 'validFold'];

export interface LabelCsvRow {
  uid: string;
  videoId: string;
  text: string;
  label: number;
  mode: SplitName;
}

/** A sequence with no frames, used for modalities a source does not have. */
export function emptySequence(): Sequence {
  return { data: new Float32Array(0), length: 0, dim: 0 };
}

export function checkOptionKeys(options: object, known: string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${what}: unknown option "${key}" (known: ${known.join(', ')})`);
  }
}

/** The video of a MOSI clip uid `<video>_<clip>` (video ids may contain '_'; clip ids do not), for files that keep only the uid, e.g. predictions.csv. */
export function mosiVideoOf(uid: string): string {
  const cut = uid.lastIndexOf('_');
  if (cut <= 0) throw new Error(`${uid}: not a MOSI clip uid <video>_<clip>`);
  return uid.slice(0, cut);
}

/** Sentiment label check of readLabelCsv: finite and within [-3, 3]. */
function checkLabel(table: CsvTable, row: number, column: string, raw: string): number {
  const y = parseFiniteNumber(table, row, column, raw);
  if (y < -3 || y > 3) throw new CsvError(`${table.file} line ${table.lines[row]}, field ${column}: label ${y} outside [-3, 3]`);
  return y;
}

/**
 * Reads an MMSA-layout label.csv (`video_id,clip_id,text,label,mode`), shared by the MOSI and
 * MOSEI readers; `clipUid` joins the two ids (MOSI `<video>_<clip>`, MOSEI `<video>$_$<clip>`).
 */
export function readLabelCsv(path: string, clipUid: (videoId: string, clipId: string) => string): LabelCsvRow[] {
  const t = readCsv(path);
  const iv = columnIndex(t, 'video_id');
  const ic = columnIndex(t, 'clip_id');
  const it = columnIndex(t, 'text');
  const il = columnIndex(t, 'label');
  const im = columnIndex(t, 'mode');
  const seen = new Set<string>();
  return t.rows.map((r, k) => {
    const at = `${path} line ${t.lines[k]}`;
    const videoId = (r[iv] as string).trim();
    const clipId = (r[ic] as string).trim();
    if (videoId === '' || clipId === '') throw new CsvError(`${at}: empty video_id or clip_id`);
    const uid = clipUid(videoId, clipId);
    if (seen.has(uid)) throw new CsvError(`${at}: duplicate clip ${uid}`);
    seen.add(uid);
    const text = (r[it] as string).trim();
    if (text === '') throw new CsvError(`${at}, field text: empty transcript for clip ${uid}`);
    const mode = (r[im] as string).trim();
    if (mode !== 'train' && mode !== 'valid' && mode !== 'test') {
      throw new CsvError(`${at}, field mode: expected train, valid or test, got ${JSON.stringify(mode)}`);
    }
    return { uid, videoId, text, label: checkLabel(t, k, 'label', r[il] as string), mode };
  });
}

/**
 * Reads one utterance feature file (`clip_uid,f0..f{dim-1}`) into a map uid → vector, checking
 * the column count, finiteness and that every uid is a known clip and none is missing.
 */
export function readUtteranceFeatures(path: string, dim: number, knownUids: ReadonlySet<string>): Map<string, Float32Array> {
  const t = readCsv(path);
  const iu = columnIndex(t, 'clip_uid');
  if (t.header.length !== dim + 1) {
    throw new CsvError(`${path}: ${t.header.length - 1} feature columns, expected ${dim} (clip_uid,f0..f${dim - 1})`);
  }
  const out = new Map<string, Float32Array>();
  t.rows.forEach((r, k) => {
    const uid = (r[iu] as string).trim();
    if (!knownUids.has(uid)) throw new CsvError(`${path} line ${t.lines[k]}, field clip_uid: ${JSON.stringify(uid)} is not a clip of label.csv`);
    if (out.has(uid)) throw new CsvError(`${path} line ${t.lines[k]}, field clip_uid: duplicate clip ${uid}`);
    const v = new Float32Array(dim);
    let j = 0;
    for (let c = 0; c < r.length; c++) {
      if (c === iu) continue;
      v[j] = parseFiniteNumber(t, k, t.header[c] as string, r[c] as string);
      j += 1;
    }
    out.set(uid, v);
  });
  if (out.size !== knownUids.size) {
    const missing = [...knownUids].filter((u) => !out.has(u));
    throw new CsvError(`${path}: ${missing.length} clips of label.csv have no features (first: ${missing.slice(0, 3).join(', ')})`);
  }
  return out;
}

/** Reads utterance_split.csv (`clip_uid,split` with split train|test). */
export function readUtteranceSplit(path: string, knownUids: ReadonlySet<string>): Map<string, 'train' | 'test'> {
  const t = readCsv(path);
  const iu = columnIndex(t, 'clip_uid');
  const is = columnIndex(t, 'split');
  const out = new Map<string, 'train' | 'test'>();
  t.rows.forEach((r, k) => {
    const uid = (r[iu] as string).trim();
    const split = (r[is] as string).trim();
    if (!knownUids.has(uid)) throw new CsvError(`${path} line ${t.lines[k]}, field clip_uid: ${JSON.stringify(uid)} is not a clip of label.csv`);
    if (split !== 'train' && split !== 'test') {
      throw new CsvError(`${path} line ${t.lines[k]}, field split: expected train or test, got ${JSON.stringify(split)}`);
    }
    if (out.has(uid)) throw new CsvError(`${path} line ${t.lines[k]}: duplicate clip ${uid}`);
    out.set(uid, split);
  });
  if (out.size !== knownUids.size) throw new CsvError(`${path}: assigns ${out.size} clips, label.csv has ${knownUids.size}`);
  return out;
}

/** The validation videos VALID_VIDEO_RULE picks from a set of train video ids. */
export function carveValidVideos(trainVideoIds: Iterable<string>, fold: number = VALID_OFFSET): Set<string> {
  if (!Number.isInteger(fold) || fold < 0 || fold >= VALID_EVERY) throw new Error(`carveValidVideos: fold must be an integer in 0..${VALID_EVERY - 1}, got ${fold}`);
  const sorted = [...new Set(trainVideoIds)].sort();
  return new Set(sorted.filter((_, i) => i % VALID_EVERY === fold));
}

function vectorSequence(v: Float32Array): Sequence {
  return { data: v, length: 1, dim: v.length };
}

/** Real MOSI as a Dataset. Throws on a leaky combination unless explicitly allowed. */
export function readMosi(options: MosiOptions = {}): Dataset {
  checkOptionKeys(options, OPTION_KEYS, 'readMosi');
  const dir = options.dir ?? repoPath('data', 'mosi');
  const features = options.features ?? 'utterance';
  const split = options.split ?? (features === 'utterance' ? 'speaker-independent' : 'standard');
  if (features !== 'utterance' && features !== 'none') throw new Error(`readMosi: features must be 'utterance' or 'none', got ${JSON.stringify(features)}`);
  if (split !== 'speaker-independent' && split !== 'standard') {
    throw new Error(`readMosi: split must be 'speaker-independent' or 'standard', got ${JSON.stringify(split)}`);
  }
  if (options.validFold !== undefined && split !== 'speaker-independent') throw new Error('readMosi: validFold applies to the speaker-independent split only (the standard split has its own valid fold)');
  const fold = options.validFold ?? VALID_OFFSET;
  const notes: string[] = [];
  if (features === 'utterance' && split === 'standard') {
    if (options.allowLeakyFeatures !== true) {
      throw new Error(
        'readMosi: refusing to combine the utterance features with the standard split. ' + MOSI_LEAKAGE_WARNING +
          ' Pass { allowLeakyFeatures: true } only to demonstrate the leak.',
      );
    }
    notes.push('WARNING: utterance features on the standard split leak labels (allowLeakyFeatures: true). ' + MOSI_LEAKAGE_WARNING);
  }

  const labelPath = join(dir, 'label.csv');
  const rows = readLabelCsv(labelPath, (videoId, clipId) => `${videoId}_${clipId}`); // MOSI clip_uid
  const uids = new Set(rows.map((r) => r.uid));
  notes.push(`${displayPath(labelPath)}: ${rows.length} clips, ${new Set(rows.map((r) => r.videoId)).size} videos`);

  let feats: { text: Map<string, Float32Array>; audio: Map<string, Float32Array>; video: Map<string, Float32Array> } | null = null;
  if (features === 'utterance') {
    feats = {
      text: readUtteranceFeatures(join(dir, 'utterance_text.csv'), MOSI_FEATURE_DIMS.text, uids),
      audio: readUtteranceFeatures(join(dir, 'utterance_audio.csv'), MOSI_FEATURE_DIMS.audio, uids),
      video: readUtteranceFeatures(join(dir, 'utterance_video.csv'), MOSI_FEATURE_DIMS.video, uids),
    };
    notes.push(
      'features: Poria et al. 2017 utterance-level vectors as length-1 sequences: text 100-d (text CNN, Clip.textFeatures), ' +
        'audio 73-d (openSMILE), visual 100-d (3D CNN); not the paper\'s 400x33 / 55x709 frame sequences',
    );
  } else {
    notes.push('features: none (text and labels only; audio and visual are empty sequences)');
  }

  const assign = new Map<string, SplitName>();
  if (split === 'standard') {
    for (const r of rows) assign.set(r.uid, r.mode);
    notes.push('split: standard CMU-MultimodalSDK folds (label.csv mode)');
  } else {
    const poria = readUtteranceSplit(join(dir, 'utterance_split.csv'), uids);
    const videoOf = new Map(rows.map((r) => [r.uid, r.videoId]));
    const trainVideos = rows.filter((r) => poria.get(r.uid) === 'train').map((r) => r.videoId);
    const validVideos = carveValidVideos(trainVideos, fold);
    for (const r of rows) {
      const p = poria.get(r.uid) as 'train' | 'test';
      assign.set(r.uid, p === 'test' ? 'test' : validVideos.has(videoOf.get(r.uid) as string) ? 'valid' : 'train');
    }
    notes.push(fold === VALID_OFFSET
      ? `split: Poria et al.'s speaker-independent split (utterance_split.csv); valid: ${VALID_VIDEO_RULE}`
      : `split: Poria et al.'s speaker-independent split (utterance_split.csv); valid: cross-validation fold ${fold} of ${VALID_EVERY} (positions ${fold}, ${fold + VALID_EVERY}, … of the 62 sorted train video ids), not the default valid`);
    notes.push(`valid videos: ${[...validVideos].join(' ')}`);
    if (features === 'utterance') {
      notes.push('leakage: the utterance features are valid on this split only; on the standard split they leak labels (see data/README.md)');
    }
  }

  const splits: Record<SplitName, Clip[]> = { train: [], valid: [], test: [] };
  for (const r of rows) {
    const clip: Clip = {
      id: r.uid,
      videoId: r.videoId,
      text: r.text,
      audio: feats ? vectorSequence(feats.audio.get(r.uid) as Float32Array) : emptySequence(),
      visual: feats ? vectorSequence(feats.video.get(r.uid) as Float32Array) : emptySequence(),
      label: r.label,
    };
    if (feats) clip.textFeatures = vectorSequence(feats.text.get(r.uid) as Float32Array);
    splits[assign.get(r.uid) as SplitName].push(clip);
  }
  const videos = (s: SplitName): number => new Set(splits[s].map((c) => c.videoId)).size;
  notes.push(
    `counts: train ${splits.train.length} clips / ${videos('train')} videos, valid ${splits.valid.length} / ${videos('valid')}, ` +
      `test ${splits.test.length} / ${videos('test')}`,
  );
  return {
    name: (features === 'utterance' ? `mosi-utterance:${split}` : `mosi-text:${split}`) + (fold === VALID_OFFSET ? '' : `:fold=${fold}`),
    splits,
    unlabeled: [],
    audioDim: feats ? MOSI_FEATURE_DIMS.audio : 0,
    visualDim: feats ? MOSI_FEATURE_DIMS.video : 0,
    notes,
  };
}
