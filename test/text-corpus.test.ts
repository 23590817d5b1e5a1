import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pretrainingCorpus, moseiTextSplits, mosiTextSplits } from '../src/text/corpus';
import { videoOfClipId } from '../src/data/sources';

// The corpus rule of the text backbones (data/text/README.md): MLM pretraining sees MOSEI (all
// folds) and MOSI train, never MOSI valid or test; the supervised intermediate stage sees MOSEI only. Checked on the real data.
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

test('MOSI and MOSEI share no video (MOSEI feeds the MLM corpus and the supervised intermediate stage)', () => {
  // Clip ids never match across the two by construction (MOSI `<video>_<clip>`, MOSEI
  // `<video>$_$<clip>`), so the comparison is on video ids: a shared video would put the same
  // speaker and text on both sides.
  const videosOf = (clips: readonly { id: string }[], what: string): Set<string> =>
    new Set(
      clips.map((c) => {
        const v = videoOfClipId(c.id);
        assert.ok(v !== null && v !== '' && v !== c.id, `${what}: clip ${c.id} names no video`);
        return v;
      }),
    );
  const mosiVideos = videosOf([...mosi.train, ...mosi.valid, ...mosi.test], 'MOSI');
  assert.equal(mosiVideos.size, 93);
  assert.ok(mosi.train.every((c) => !c.id.includes('$_$')));
  // the MOSEI ids keep the label.csv video id before `$_$` (first row: -3g5yACwYnA, clip 82_7645)
  assert.equal(mosei.train[0]?.id, '-3g5yACwYnA$_$82_7645');
  assert.equal(videoOfClipId(mosei.train[0]?.id ?? ''), '-3g5yACwYnA');
  let moseiVideos = 0;
  const allMoseiVideos = new Set<string>();
  for (const split of ['train', 'valid', 'test'] as const) {
    assert.ok(mosei[split].length > 1000);
    assert.ok(mosei[split].every((c) => c.id.includes('$_$')), `MOSEI ${split}: ids must be <video>$_$<clip>`);
    const videos = videosOf(mosei[split], `MOSEI ${split}`);
    moseiVideos += videos.size;
    for (const v of videos) allMoseiVideos.add(v);
    assert.deepEqual([...videos].filter((v) => mosiVideos.has(v)), [], `MOSEI ${split} shares videos with MOSI`);
  }
  // 3217 videos in data/mosei/label.csv, none in two folds
  assert.equal(moseiVideos, 2244 + 298 + 675);
  assert.equal(allMoseiVideos.size, 3217);
});
