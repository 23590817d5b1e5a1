// Readers for the MIRD authors' pickles (qianfan1996/MIRD data_loader.py; features from SKESL).
//
// Labeled, data/{mosi|mosei}/{mosi|mosei}.pkl:
//   {'train'|'valid'|'test': {'raw_text': [N str],
//                             'audio':  float (N, 400, 33)   librosa ZCR + 20 MFCC + 12 chroma,
//                             'video':  float (N, 55, 709)   OpenFace 2 frame features,
//                             'labels': float (N,) | (N,1) | (N,1,1) in [-3, 3]}}
// Unlabeled, data/emovoxceleb/emovoxceleb.pkl: top-level {'raw_text', 'audio', 'video'}, no labels.
//
// Sequences are fixed-length, zero-padded (or truncated) at the end, with no length arrays. A
// clip's real length is inferred per modality as (index of the last frame that is not all zero)
// + 1; zero frames inside a clip are kept. A clip whose frames are all zero gets length 0: it is
// kept (with a count in Dataset.notes), and downstream code must accept zero-length sequences.
// T and d are taken from the arrays (400/33 and 55/709 are the paper's values, others are fine),
// but must agree between splits. Ids are `${split}_${i}` (the format has none); unlabeled clips are
// `unlabeled_${i}`. −inf feature values become 0 with a counted warning (as MMSA does); NaN/+inf,
// labels outside [-3, 3], empty text, wrong ranks and N mismatches are errors naming the field.
// Sequence.data are views into the float32 array read from the file (no copy per clip).
import type { Clip, Dataset, Sequence } from './types';
import { loadPickleLazy } from './pickle';
import type { PyDict } from './pickle';
import { PickleFields, trailingLength } from './pickle-fields';
import type { FeatureArray, SplitPart } from './pickle-fields';

const SPLIT_EXPECTED = "a dict with keys raw_text, audio (N,T,d), video (N,T,d), labels (N,)";

/** The authors' labeled pickle (train/valid/test) → a Dataset with no unlabeled clips. */
export function readMirdPickle(path: string): Dataset {
  const fields = new PickleFields(path);
  const top = fields.dict(loadPickleLazy(path), '', "train/valid/test splits of the MIRD authors' pickle");
  if (!top.has('train') && top.has('raw_text') && top.has('video')) {
    fields.fail('', 'has top-level raw_text/audio/video and no splits: it is an unlabeled pickle (use readMirdUnlabeledPickle)');
  }
  const train = top.get('train');
  if (train instanceof Map && train.has('vision') && !train.has('video')) {
    fields.fail('', 'has train.vision, not train.video: it is an MMSA feature pickle (use readMmsaPickle)');
  }
  const { splits, summaries, audioDim, visualDim } = fields.splits(top, SPLIT_EXPECTED, 'video', (d, split) => readClips(fields, d, split, true, `${split}_`));
  return {
    name: `mirdpkl:${path}`,
    splits,
    unlabeled: [],
    audioDim,
    visualDim,
    notes: [
      `read ${path} (MIRD authors' labeled pickle): ${summaries.join('; ')}`,
      'lengths inferred as last non-zero frame + 1 (fixed-length zero-padded arrays); ids are <split>_<index>',
      ...fields.notes,
    ],
  };
}

/** The authors' unlabeled pickle (EmoVoxCeleb) → clips with label null, ids `unlabeled_${i}`. */
export function readMirdUnlabeledPickle(path: string): Clip[] {
  return readMirdUnlabeledPickleWithNotes(path).clips;
}

/** As readMirdUnlabeledPickle, plus feature dims and the notes/warnings for Dataset.notes. */
export function readMirdUnlabeledPickleWithNotes(path: string): {
  clips: Clip[];
  audioDim: number;
  visualDim: number;
  notes: string[];
} {
  const fields = new PickleFields(path);
  const top = fields.dict(loadPickleLazy(path), '', 'raw_text, audio, video of the unlabeled pickle');
  if (top.has('train') && !top.has('raw_text')) {
    fields.fail('', 'has train/valid/test splits: it is a labeled pickle (use readMirdPickle or readMmsaPickle)');
  }
  const part = readClips(fields, top, '', false, 'unlabeled_');
  return {
    clips: part.clips,
    audioDim: part.audioDim,
    visualDim: part.visualDim,
    notes: [`read ${path} (MIRD unlabeled pickle): ${part.clips.length} clips (${part.summary})`, ...fields.notes],
  };
}

function readClips(fields: PickleFields, d: PyDict, split: string, labeled: boolean, idPrefix: string): SplitPart {
  const name = (key: string): string => (split === '' ? key : `${split}.${key}`);
  const texts = fields.texts(fields.key(d, 'raw_text', split, 'raw_text: a list of N transcripts'), name('raw_text'), null);
  const n = texts.length;
  const audio = fields.features(fields.key(d, 'audio', split, 'audio: float (N, T, d)'), name('audio'), n);
  const video = fields.features(fields.key(d, 'video', split, 'video: float (N, T, d)'), name('video'), n);
  const labels = labeled ? fields.labels(fields.key(d, 'labels', split, 'labels: float (N,) in [-3, 3]'), name('labels'), n) : null;
  const clips: Clip[] = new Array<Clip>(n);
  let zeroAudio = 0;
  let zeroVideo = 0;
  for (let i = 0; i < n; i++) {
    const a = paddedSequence(audio, i);
    const v = paddedSequence(video, i);
    if (a.length === 0) zeroAudio++;
    if (v.length === 0) zeroVideo++;
    clips[i] = {
      id: `${idPrefix}${i}`,
      text: texts[i] as string,
      audio: a,
      visual: v,
      label: labels === null ? null : (labels[i] as number),
    };
  }
  const where = split === '' ? '' : ` in ${split}`;
  if (zeroAudio + zeroVideo > 0) {
    fields.notes.push(`${zeroAudio} clip(s) with all-zero audio and ${zeroVideo} with all-zero video${where} kept with length 0`);
  }
  return {
    clips,
    audioDim: audio.d,
    visualDim: video.d,
    summary: `audio [N, ${audio.t}, ${audio.d}], video [N, ${video.t}, ${video.d}]`,
  };
}

function paddedSequence(f: FeatureArray, clip: number): Sequence {
  const length = trailingLength(f.data, clip, f.t, f.d);
  const start = clip * f.t * f.d;
  return { data: f.data.subarray(start, start + length * f.d), length, dim: f.d };
}
