// How much of MOSI's sentiment label each utterance feature carries, per split of Poria et al.'s
// speaker-independent split (the split the main job trains on): a ridge probe fitted on train,
// scored on train, valid and test. The text-CNN and 3D-CNN features were trained with the labels
// of Poria's training videos — our train AND valid videos — so on those clips they read the
// label back (near-perfect probes), while on the test videos the 3D-CNN visual vectors are at
// chance: a model that learns from them learns a rule that only holds where the labels leaked
// in. openSMILE audio is unsupervised and shows no such gap. (data/README.md)
import { readMosi } from '../data/mosi';
import type { Clip, SplitName } from '../data/types';
import { sentimentProbe } from './probes';

export type UtteranceFeature = 'text' | 'audio' | 'visual';

export interface LeakRow {
  features: string;
  split: SplitName;
  acc2_non0: number;
  mae: number;
  corr: number;
}

function vector(c: Clip, f: UtteranceFeature): Float32Array {
  const s = f === 'text' ? c.textFeatures : f === 'audio' ? c.audio : c.visual;
  if (s === undefined || s.length !== 1) throw new Error(`utterance probe: clip ${c.id} has no ${f} utterance vector`);
  return s.data;
}

/** Ridge probes (alpha 10, fitted on train) of each feature set; one row per set and split. */
export function utteranceLeakTable(sets: readonly UtteranceFeature[][] = [['text'], ['audio'], ['visual'], ['text', 'audio', 'visual']], alpha = 10): LeakRow[] {
  const ds = readMosi({ features: 'utterance', split: 'speaker-independent' });
  const rows: LeakRow[] = [];
  for (const set of sets) {
    const split = (s: SplitName): { rows: Float32Array[]; labels: Float32Array } => ({
      rows: ds.splits[s].map((c) => Float32Array.from(set.flatMap((f) => Array.from(vector(c, f))))),
      labels: Float32Array.from(ds.splits[s].map((c) => c.label as number)),
    });
    const m = sentimentProbe({ train: split('train'), valid: split('valid'), test: split('test') }, 'train', alpha);
    for (const s of ['train', 'valid', 'test'] as const) {
      const r = m[s];
      if (r !== undefined) rows.push({ features: set.join('+'), split: s, acc2_non0: r.acc2Non0, mae: r.mae, corr: r.corr });
    }
  }
  return rows;
}
