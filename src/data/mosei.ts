// Real CMU-MOSEI transcripts and sentiment labels from data/mosei/label.csv
// (`video_id,clip_id,text,label,mode`; clip ids `<video_id>$_$<clip_id>` as in MMSA; 22,788 clips, standard CMU-SDK folds 16274 / 1861 / 4653).
// No audio or visual features ship with the workspace: those modalities are empty Sequences.
import { join } from 'node:path';
import type { Clip, Dataset, SplitName } from './types';
import { displayPath } from './csv';
import { checkOptionKeys, emptySequence, readLabelCsv } from './mosi';
import { repoPath } from '../paths';

export interface MoseiOptions {
  /** folder holding label.csv; default data/mosei of the repository */
  dir?: string;
}

export function readMosei(options: MoseiOptions = {}): Dataset {
  checkOptionKeys(options, ['dir'], 'readMosei');
  const path = join(options.dir ?? repoPath('data', 'mosei'), 'label.csv');
  // MMSA's id convention: MOSEI clip ids contain '_' themselves (e.g. 82_7645)
  const rows = readLabelCsv(path, (videoId, clipId) => `${videoId}$_$${clipId}`);
  const splits: Record<SplitName, Clip[]> = { train: [], valid: [], test: [] };
  for (const r of rows) splits[r.mode].push({ id: r.uid, videoId: r.videoId, text: r.text, audio: emptySequence(), visual: emptySequence(), label: r.label });
  return {
    name: 'mosei-text:standard',
    splits,
    unlabeled: [],
    audioDim: 0,
    visualDim: 0,
    notes: [
      `${displayPath(path)}: ${rows.length} clips, ${new Set(rows.map((r) => r.videoId)).size} videos`,
      'split: standard CMU-MultimodalSDK folds (label.csv mode)',
      'features: none shipped (text and labels only; audio and visual are empty sequences)',
    ],
  };
}
