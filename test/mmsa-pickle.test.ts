// The MMSA feature-pickle reader against fixtures from scripts/make-fixtures.py: unaligned (length
// arrays, one above T, −inf values, extra keys, padding that is not zero) and aligned (protocol 5,
// no lengths, Fortran-ordered vision, a repeated id), tokenIds from text_bert, and malformed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMmsaPickle, workspaceClipId } from '../src/data/mmsa-pickle';
import { videoOfClipId } from '../src/data/sources';
import { SPLIT_NAMES } from '../src/data/types';
import { EXPECTED, assertFails, checkClips, fixture } from './fixture-expect';

for (const name of ['mmsa-unaligned.pkl', 'mmsa-aligned.pkl']) {
  test(`readMmsaPickle ${name}: ids, texts, labels, tokenIds, lengths, frames`, () => {
    const exp = EXPECTED[name]!;
    const ds = readMmsaPickle(fixture(name));
    assert.equal(ds.name, `mmsapkl:${fixture(name)}`);
    assert.equal(ds.audioDim, exp.audioDim);
    assert.equal(ds.visualDim, exp.visualDim);
    assert.deepEqual(ds.unlabeled, []);
    for (const split of SPLIT_NAMES) {
      checkClips(ds.splits[split], exp.splits[split], exp.audioDim, exp.visualDim, `${name} ${split}`);
    }
  });
}

test('unaligned: lengths above T are clamped and -inf replaced, each with one counted note', () => {
  const ds = readMmsaPickle(fixture('mmsa-unaligned.pkl'));
  assert.ok(ds.notes.includes('replaced 3 -inf values with 0 in train.audio'), ds.notes.join('\n'));
  assert.ok(ds.notes.includes('clamped 1 train.audio_lengths values above T=10 to 10'), ds.notes.join('\n'));
  assert.equal(ds.splits.train[2]!.audio.length, 10);
  assert.equal(ds.splits.train[0]!.audio.data[0], 0, 'the -inf at [0, 0, 0] became 0');
  // train clip 1 has audio length 4 and padding filled with 7.0: none of it is read
  const clip = ds.splits.train[1]!;
  assert.equal(clip.audio.length, 4);
  assert.ok(!clip.audio.data.includes(7));
  // a zero-length sequence is allowed and noted
  assert.equal(ds.splits.test[1]!.audio.length, 0);
  assert.ok(ds.notes.some((n) => n.includes('zero-length')), ds.notes.join('\n'));
  assert.ok(!ds.notes.some((n) => n.includes('renamed')));
});

test('aligned: no length arrays → full T; a repeated id is renamed with a note', () => {
  const ds = readMmsaPickle(fixture('mmsa-aligned.pkl'));
  for (const split of SPLIT_NAMES) {
    for (const c of ds.splits[split]) {
      assert.equal(c.audio.length, 8);
      assert.equal(c.visual.length, 8);
    }
  }
  assert.equal(ds.splits.test[1]!.id, 'altrain0_0#2');
  assert.ok(ds.notes.includes('renamed 1 repeated clip id(s) with a "#k" suffix'), ds.notes.join('\n'));
  assert.ok(ds.notes[0]!.includes('no length arrays: full T'), ds.notes[0]);
});

test('tokenIds are input_ids cut at sum(input_mask), with [CLS] and [SEP]', () => {
  const ds = readMmsaPickle(fixture('mmsa-unaligned.pkl'));
  const ids = ds.splits.train[2]!.tokenIds!;
  assert.ok(ids instanceof Int32Array);
  assert.equal(ids.length, 3);
  assert.equal(ids[0], 101);
  assert.equal(ids[2], 102);
});

for (const [file, needles] of Object.entries(EXPECTED.bad)) {
  if (!file.startsWith('bad-mmsa')) continue;
  test(`malformed ${file}: one error naming the file and field`, () => {
    assertFails(() => readMmsaPickle(fixture(file)), file, needles);
  });
}

test('an authors\'-format file is not an MMSA file', () => {
  assertFails(() => readMmsaPickle(fixture('mird-p4.pkl')), 'mird-p4.pkl', ["MIRD authors' pickle", 'readMirdPickle']);
});

test('MMSA ids take the readers\' form: MOSI <video>_<n>, MOSEI keeps <video>$_$<clip> so the video stays recoverable', () => {
  assert.equal(workspaceClipId('03bSnISJMiM$_$11'), '03bSnISJMiM_11'); // = data/mosi/label.csv clip_uid
  assert.equal(workspaceClipId('-3g5yACwYnA$_$82_7645'), '-3g5yACwYnA$_$82_7645'); // = readMosei's id
  assert.equal(videoOfClipId(workspaceClipId('-3g5yACwYnA$_$82_7645')), '-3g5yACwYnA');
  assert.equal(videoOfClipId(workspaceClipId('03bSnISJMiM$_$11')), '03bSnISJMiM');
  assert.equal(workspaceClipId('no-separator'), 'no-separator');
});
