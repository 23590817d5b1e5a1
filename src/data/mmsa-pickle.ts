// Reader for MMSA feature pickles (thuiar/MMSA: MOSI/MOSEI Processed/unaligned_50.pkl and
// aligned_50.pkl), the format MulT, MISA, Self-MM and WSA-BERT train on.
//
//   {'train'|'valid'|'test': {
//       'raw_text':          [N str]                 transcript
//       'id':                [N str]                 "<video_id>$_$<clip_id>"
//       'text_bert':         (N, 3, L)               rows input_ids, input_mask, segment_ids (L = 50)
//       'audio':             float (N, Ta, da)       MOSI unaligned 375×5 COVAREP, MOSEI 500×74
//       'vision':            float (N, Tv, dv)       MOSI unaligned 500×20 FACET, MOSEI 500×35
//       'audio_lengths', 'vision_lengths': (N,)      unaligned only
//       'regression_labels': (N,) in [-3, 3]
//       'text', 'annotations', 'classification_labels', …: ignored }}
//
// Lengths: audio_lengths / vision_lengths give each clip's real frame count (frames after it are
// padding). Some releases hold lengths above T: they are clamped to T with a counted warning, never
// read past the array. Without length arrays (aligned_50) every clip has the full length T.
// tokenIds = input_ids[:sum(input_mask)] (WordPiece ids incl. [CLS]/[SEP]); text_bert is
// optional (clips then have no tokenIds). Ids take the workspace's form (workspaceClipId): MOSI's
// "<video_id>_<clip_id>" (the clip_uid of data/mosi/label.csv) where the clip id is a number,
// else MMSA's "<video_id>$_$<clip_id>" as readMosei makes them (MOSEI clip ids contain '_'). −inf features become 0 with a counted warning (MMSA's loader
// does the same silently); NaN/+inf, labels outside [-3, 3], empty text, bad ranks, N mismatches and
// negative lengths are errors naming the field. Sequence.data are views into the file's arrays.
// Arrays are read lazily: keys the reader does not use (e.g. `text`, BERT features of
// (N, 50, 768), 3.5 GB for MOSEI) are never loaded (protocol ≥ 3 pickles).
import type { Clip, Dataset } from './types';
import { SPLIT_NAMES } from './types';
import { NdArray } from './ndarray';
import { loadPickleLazy } from './pickle';
import type { PyDict, PyValue } from './pickle';
import { PickleFields, describePy } from './pickle-fields';
import type { FeatureArray, SplitPart } from './pickle-fields';

const SPLIT_EXPECTED = 'an MMSA split dict with raw_text, id, audio, vision, regression_labels';

/** An MMSA unaligned_50.pkl / aligned_50.pkl → a Dataset with no unlabeled clips. */
export function readMmsaPickle(path: string): Dataset {
  const fields = new PickleFields(path);
  const top = fields.dict(loadPickleLazy(path), '', 'train/valid/test splits of an MMSA feature pickle');
  const train = top.get('train');
  if (train instanceof Map && train.has('video') && !train.has('vision')) {
    fields.fail('', "has train.video, not train.vision: it is the MIRD authors' pickle (use readMirdPickle)");
  }
  const { splits, summaries, audioDim, visualDim } = fields.splits(top, SPLIT_EXPECTED, 'vision', (d, split) => readSplit(fields, d, split));
  // Clip ids must be unique across the dataset; a repeated id gets a "#k" suffix.
  const seen = new Map<string, number>();
  let duplicates = 0;
  for (const clip of SPLIT_NAMES.flatMap((split) => splits[split])) {
    const k = (seen.get(clip.id) ?? 0) + 1;
    seen.set(clip.id, k);
    if (k > 1) {
      duplicates++;
      clip.id = `${clip.id}#${k}`;
    }
  }
  if (duplicates > 0) fields.warn(`renamed ${duplicates} repeated clip id(s) with a "#k" suffix`);
  return {
    name: `mmsapkl:${path}`,
    splits,
    unlabeled: [],
    audioDim,
    visualDim,
    notes: [`read ${path} (MMSA feature pickle): ${summaries.join('; ')}`, ...fields.notes],
  };
}

/**
 * MMSA's "<video>$_$<clip>" as the workspace's readers spell it: "<video>_<clip>" when the clip
 * id is a number (MOSI, = data/mosi/label.csv's clip_uid), else unchanged (MOSEI's "82_7645":
 * joining with '_' would make the video unrecoverable, see videoOfClipId).
 */
export function workspaceClipId(mmsaId: string): string {
  const k = mmsaId.indexOf('$_$');
  if (k < 0) return mmsaId;
  const clip = mmsaId.slice(k + 3);
  return /^\d+$/.test(clip) ? `${mmsaId.slice(0, k)}_${clip}` : mmsaId;
}

function readSplit(fields: PickleFields, d: PyDict, split: string): SplitPart {
  const texts = fields.texts(fields.key(d, 'raw_text', split, 'raw_text: N transcripts'), `${split}.raw_text`, null);
  const n = texts.length;
  const ids = fields.texts(fields.key(d, 'id', split, 'id: N "video$_$clip" strings'), `${split}.id`, n);
  const audio = fields.features(fields.key(d, 'audio', split, 'audio: float (N, T, d)'), `${split}.audio`, n);
  const vision = fields.features(fields.key(d, 'vision', split, 'vision: float (N, T, d)'), `${split}.vision`, n);
  const labels = fields.labels(
    fields.key(d, 'regression_labels', split, 'regression_labels: float (N,) in [-3, 3]'),
    `${split}.regression_labels`,
    n,
  );
  const audioLengths = d.has('audio_lengths')
    ? fields.lengths(d.get('audio_lengths') as PyValue, `${split}.audio_lengths`, n, audio.t)
    : null;
  const visionLengths = d.has('vision_lengths')
    ? fields.lengths(d.get('vision_lengths') as PyValue, `${split}.vision_lengths`, n, vision.t)
    : null;
  const tokens = d.has('text_bert') ? tokenIdRows(fields, d.get('text_bert') as PyValue, `${split}.text_bert`, n) : null;
  const clips: Clip[] = new Array<Clip>(n);
  let zeroLength = 0;
  for (let i = 0; i < n; i++) {
    const a = sequence(audio, i, audioLengths === null ? audio.t : (audioLengths[i] as number));
    const v = sequence(vision, i, visionLengths === null ? vision.t : (visionLengths[i] as number));
    if (a.length === 0 || v.length === 0) zeroLength++;
    const clip: Clip = {
      id: workspaceClipId(ids[i] as string),
      text: texts[i] as string,
      audio: a,
      visual: v,
      label: labels[i] as number,
    };
    if (tokens !== null) clip.tokenIds = tokens[i] as Int32Array;
    clips[i] = clip;
  }
  if (zeroLength > 0) fields.notes.push(`${zeroLength} clip(s) in ${split} with a zero-length audio or vision sequence kept`);
  const lengthsNote = audioLengths === null && visionLengths === null ? 'no length arrays: full T' : 'with lengths';
  return {
    clips,
    audioDim: audio.d,
    visualDim: vision.d,
    summary: `audio [N, ${audio.t}, ${audio.d}], vision [N, ${vision.t}, ${vision.d}], ${lengthsNote}${tokens === null ? ', no text_bert' : ''}`,
  };
}

function sequence(f: FeatureArray, clip: number, length: number): { data: Float32Array; length: number; dim: number } {
  const start = clip * f.t * f.d;
  return { data: f.data.subarray(start, start + length * f.d), length, dim: f.d };
}

/** text_bert (N, 3, L) → per clip input_ids[:sum(input_mask)] as int32. */
function tokenIdRows(fields: PickleFields, v: PyValue, field: string, n: number): Int32Array[] {
  const expected = '(N, 3, L) rows input_ids, input_mask, segment_ids';
  if (!(v instanceof NdArray)) fields.fail(field, `is ${describePy(v)} but expected ${expected}`);
  if (v.ndim !== 3 || v.shape[1] !== 3 || !v.isNumeric) {
    fields.fail(field, `has shape [${v.shape.join(',')}] (${v.dtype}) but expected ${expected}`);
  }
  if (v.shape[0] !== n) fields.fail(field, `has N=${v.shape[0]} clips but the split has N=${n}`);
  fields.load(v, field);
  const len = v.shape[2] as number;
  const data = v.data as ArrayLike<number>;
  const rows: Int32Array[] = new Array<Int32Array>(n);
  for (let i = 0; i < n; i++) {
    const idsAt = i * 3 * len;
    const maskAt = idsAt + len;
    let count = 0;
    for (let j = 0; j < len; j++) {
      const m = data[maskAt + j] as number;
      if (m !== 0 && m !== 1) fields.fail(`${field}[${i}, 1, ${j}]`, `= ${m} but input_mask values must be 0 or 1`);
      count += m;
    }
    const ids = new Int32Array(count);
    for (let j = 0; j < count; j++) {
      const id = data[idsAt + j] as number;
      if (!Number.isInteger(id) || id < 0 || id > 2147483647) {
        fields.fail(`${field}[${i}, 0, ${j}]`, `= ${id} but input_ids must be non-negative integers`);
      }
      ids[j] = id;
    }
    rows[i] = ids;
  }
  return rows;
}
