import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pretrainingCorpus, moseiTextSplits, mosiTextSplits } from '../src/text/corpus';

// The rule of issue 3: MLM pretraining sees MOSEI (all folds) and MOSI train, never MOSI valid
// or test; the supervised intermediate stage sees MOSEI only. Checked on the real data.
const mosi = mosiTextSplits();
const mosei = moseiTextSplits();
const corpus = pretrainingCorpus();

function counts(texts: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of texts) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

test('pretraining corpus = MOSEI (all folds, minus the held-out rows) + MOSI train, nothing else', () => {
  const moseiAll = [...mosei.train, ...mosei.valid, ...mosei.test].map((c) => c.text);
  assert.equal(mosi.train.length, 1284);
  assert.equal(corpus.texts.length + corpus.heldOut.length, moseiAll.length + mosi.train.length);
  // as multisets: every MOSI valid/test transcript that is not also a MOSEI or MOSI-train
  // transcript must be absent, and each text occurs exactly as often as its allowed sources give
  const allowed = counts([...moseiAll, ...mosi.train.map((c) => c.text)]);
  const got = counts([...corpus.texts, ...corpus.heldOut]);
  assert.deepEqual([...got].filter(([t, n]) => allowed.get(t) !== n), []);
  const seen = new Set(corpus.texts);
  const allowedSet = new Set(allowed.keys());
  for (const split of ['valid', 'test'] as const) {
    const leaked = mosi[split].filter((c) => seen.has(c.text) && !allowedSet.has(c.text));
    assert.deepEqual(leaked.map((c) => c.id), [], `MOSI ${split} text in the pretraining corpus`);
    // verbatim coincidences with MOSEI are short generic phrases (e.g. "I HATE IT"), at most a few
    assert.ok(mosi[split].filter((c) => seen.has(c.text)).length <= 3, `MOSI ${split}: too many transcripts in the pretraining corpus`);
  }
  // every MOSI train transcript is in (texts of the held-out rows come from MOSEI only)
  const heldOut = new Set(corpus.heldOut);
  for (const c of mosi.train) assert.ok(seen.has(c.text) || heldOut.has(c.text), `MOSI train ${c.id} missing`);
});

test('no MOSI clip id is among the MOSEI clips used for supervised intermediate training', () => {
  const mosiIds = new Set([...mosi.train, ...mosi.valid, ...mosi.test].map((c) => c.id));
  assert.equal(mosiIds.size, 1284 + 229 + 686);
  for (const split of ['train', 'valid', 'test'] as const) {
    assert.ok(mosei[split].length > 1000);
    assert.deepEqual(mosei[split].filter((c) => mosiIds.has(c.id)).map((c) => c.id), []);
  }
});
