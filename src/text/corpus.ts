// The text the backbone may learn from, kept in one place so the rule is enforced once:
//   - MLM pretraining: every CMU-MOSEI transcript (22,788, all folds: MOSEI is a different
//     dataset) plus the MOSI TRAIN split (1,284). Never MOSI valid or test text.
//   - 2% of the MOSEI transcripts (every 50th row) are held out of pretraining to watch the
//     masked-token loss on unseen sentences.
//   - "MOSI train" is the STANDARD fold: on Poria's speaker-independent split (openSource('mosi'))
//     590 of these 1,284 clips are test clips, and MOSEI's test fold is in the corpus too, so a
//     backbone pretrained on it is refused there (provenance records and the guard:
//     src/text/provenance.ts).
import { readMosei } from '../data/mosei';
import { readMosi } from '../data/mosi';
import type { SplitName } from '../data/types';
import { DEFAULT_MAX_LENGTH, tokenizationTable, type TokenizationRow } from './tokenizer';

export interface LabeledText {
  id: string;
  text: string;
  label: number;
}

export interface PretrainingCorpus {
  texts: string[];
  heldOut: string[];
  /** clip id of each entry of `texts` (MOSI `<video>_<clip>`, MOSEI `<video>$_$<clip>`), for provenance records */
  ids: string[];
  /** clip id of each entry of `heldOut` */
  heldOutIds: string[];
  notes: string[];
}

export function pretrainingCorpus(): PretrainingCorpus {
  const mosei = readMosei();
  const moseiAll = [...mosei.splits.train, ...mosei.splits.valid, ...mosei.splits.test];
  const mosi = readMosi({ split: 'standard', features: 'none' });
  const texts: string[] = [];
  const heldOut: string[] = [];
  const ids: string[] = [];
  const heldOutIds: string[] = [];
  moseiAll.forEach((c, i) => {
    (i % 50 === 49 ? heldOut : texts).push(c.text);
    (i % 50 === 49 ? heldOutIds : ids).push(c.id);
  });
  for (const c of mosi.splits.train) {
    texts.push(c.text);
    ids.push(c.id);
  }
  return {
    texts,
    heldOut,
    ids,
    heldOutIds,
    notes: [
      `MOSEI transcripts (all folds): ${moseiAll.length - heldOut.length} for training, ${heldOut.length} held out (every 50th)`,
      `MOSI standard train split: ${mosi.splits.train.length} transcripts (valid and test never used)`,
    ],
  };
}

function labeled(clips: { id: string; text: string; label: number | null }[], what: string): LabeledText[] {
  return clips.map((c) => {
    if (c.label === null) throw new Error(`${what}: clip ${c.id} has no label`);
    return { id: c.id, text: c.text, label: c.label };
  });
}

/** MOSI transcripts and labels on the standard CMU-SDK folds (1284 / 229 / 686). */
export function mosiTextSplits(): Record<SplitName, LabeledText[]> {
  const mosi = readMosi({ split: 'standard', features: 'none' });
  return { train: labeled(mosi.splits.train, 'MOSI train'), valid: labeled(mosi.splits.valid, 'MOSI valid'), test: labeled(mosi.splits.test, 'MOSI test') };
}

/** MOSEI transcripts and labels on its standard folds (for supervised intermediate training). */
export function moseiTextSplits(): Record<SplitName, LabeledText[]> {
  const m = readMosei();
  return { train: labeled(m.splits.train, 'MOSEI train'), valid: labeled(m.splits.valid, 'MOSEI valid'), test: labeled(m.splits.test, 'MOSEI test') };
}

/**
 * For notebooks: how the bert-base-uncased tokenizer splits the first `n` MOSI train
 * transcripts (word pieces, ids, length, [UNK] count, truncation at maxLength).
 *   showTable(mosiTokenizationTable(8))
 */
export function mosiTokenizationTable(n = 8, maxLength = DEFAULT_MAX_LENGTH): TokenizationRow[] {
  const mosi = readMosi({ split: 'standard', features: 'none' });
  return tokenizationTable(mosi.splits.train.slice(0, n).map((c) => c.text), maxLength);
}
