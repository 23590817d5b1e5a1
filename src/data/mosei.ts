// Real CMU-MOSEI transcripts and sentiment labels from data/mosei/label.csv
// (`video_id,clip_id,text,label,mode`; clip ids `<video_id>$_$<clip_id>` as in MMSA; 22,788 clips, standard CMU-SDK folds 16274 / 1861 / 4653).
// No audio or visual features ship with the workspace: those modalities are empty Sequences.
import { join } from 'node:path';
import type { Clip, Dataset, SplitName } from './types';
import { columnIndex, CsvError, displayPath, readCsv } from './csv';
import { checkLabel, checkOptionKeys, emptySequence } from './mosi';
import { repoPath } from '../paths';

export interface MoseiOptions {
  /** folder holding label.csv; default data/mosei of the repository */
  dir?: string;
}

export function readMosei(options: MoseiOptions = {}): Dataset {
  checkOptionKeys(options, ['dir'], 'readMosei');
  const path = join(options.dir ?? repoPath('data', 'mosei'), 'label.csv');
  const t = readCsv(path);
  const iv = columnIndex(t, 'video_id');
  const ic = columnIndex(t, 'clip_id');
  const it = columnIndex(t, 'text');
  const il = columnIndex(t, 'label');
  const im = columnIndex(t, 'mode');
  const splits: Record<SplitName, Clip[]> = { train: [], valid: [], test: [] };
  const seen = new Set<string>();
  t.rows.forEach((r, k) => {
    const at = `${path} line ${t.lines[k]}`;
    const videoId = (r[iv] as string).trim();
    const clipId = (r[ic] as string).trim();
    if (videoId === '' || clipId === '') throw new CsvError(`${at}: empty video_id or clip_id`);
    // MMSA's id convention: clip ids contain '_' themselves (e.g. 82_7645)
    const id = `${videoId}$_$${clipId}`;
    if (seen.has(id)) throw new CsvError(`${at}: duplicate clip ${id}`);
    seen.add(id);
    const text = (r[it] as string).trim();
    if (text === '') throw new CsvError(`${at}, field text: empty transcript for clip ${id}`);
    const mode = (r[im] as string).trim();
    if (mode !== 'train' && mode !== 'valid' && mode !== 'test') {
      throw new CsvError(`${at}, field mode: expected train, valid or test, got ${JSON.stringify(mode)}`);
    }
    splits[mode].push({ id, text, audio: emptySequence(), visual: emptySequence(), label: checkLabel(t, k, 'label', r[il] as string) });
  });
  return {
    name: 'mosei-text:standard',
    splits,
    unlabeled: [],
    audioDim: 0,
    visualDim: 0,
    notes: [
      `${displayPath(path)}: ${t.rows.length} clips, ${new Set(t.rows.map((r) => r[iv])).size} videos`,
      'split: standard CMU-MultimodalSDK folds (label.csv mode)',
      'features: none shipped (text and labels only; audio and visual are empty sequences)',
    ],
  };
}
