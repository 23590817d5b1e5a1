// The MIRD authors' pickle readers against fixtures from scripts/make-fixtures.py: values, inferred
// lengths (trailing zero frames), ids, labels, the −inf warning, and one error per malformed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMirdPickle, readMirdUnlabeledPickle, readMirdUnlabeledPickleWithNotes } from '../src/data/mird-pickle';
import { EXPECTED, assertFails, checkClips, fixture } from './fixture-expect';
import { SPLIT_NAMES } from '../src/data/types';
import { PickleFields, type SplitPart } from '../src/data/pickle-fields';
import type { PyDict, PyValue } from '../src/data/pickle';

/** Runs f with stderr captured; returns f's result and what it wrote. */
function captureStderr<T>(f: () => T): { result: T; stderr: string } {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: f(), stderr: text };
  } finally {
    process.stderr.write = original;
  }
}

for (const name of ['mird-p2.pkl', 'mird-p4.pkl']) {
  test(`readMirdPickle ${name}: clips, lengths, frames, labels, ids`, () => {
    const exp = EXPECTED[name]!;
    const ds = readMirdPickle(fixture(name));
    assert.equal(ds.name, `mirdpkl:${fixture(name)}`);
    assert.equal(ds.audioDim, 33);
    assert.equal(ds.visualDim, 709);
    assert.deepEqual(ds.unlabeled, []);
    for (const split of SPLIT_NAMES) {
      checkClips(ds.splits[split], exp.splits[split], 33, 709, `${name} ${split}`);
    }
    assert.ok(ds.notes.some((n) => n.includes('last non-zero frame + 1')), ds.notes.join('\n'));
  });
}

test('an all-zero frame inside a clip is kept; all-zero clips get length 0 and a note', () => {
  const ds = readMirdPickle(fixture('mird-p2.pkl'));
  const clip = ds.splits.train[1]!;
  assert.equal(clip.audio.length, 7);
  const frame2 = clip.audio.data.subarray(2 * 33, 3 * 33);
  assert.ok(frame2.every((x) => x === 0));
  assert.equal(ds.splits.train[3]!.audio.length, 0);
  assert.equal(ds.splits.train[3]!.audio.data.length, 0);
  assert.equal(ds.splits.train[2]!.visual.length, 0);
  assert.ok(ds.notes.includes('1 clip(s) with all-zero audio and 1 with all-zero video in train kept with length 0'), ds.notes.join('\n'));
});

test('readMirdUnlabeledPickle: label null, ids unlabeled_i, lengths', () => {
  const exp = EXPECTED['mird-unlabeled.pkl']!;
  const clips = readMirdUnlabeledPickle(fixture('mird-unlabeled.pkl'));
  checkClips(clips, exp.clips!, 33, 709, 'unlabeled');
  const withNotes = readMirdUnlabeledPickleWithNotes(fixture('mird-unlabeled.pkl'));
  assert.equal(withNotes.audioDim, 33);
  assert.equal(withNotes.visualDim, 709);
  assert.ok(withNotes.notes[0]!.includes('3 clips'), withNotes.notes.join('\n'));
});

test('the readers refuse each other\'s files with a pointer to the right one', () => {
  assertFails(() => readMirdPickle(fixture('mird-unlabeled.pkl')), 'mird-unlabeled.pkl', ['unlabeled pickle']);
  assertFails(() => readMirdUnlabeledPickle(fixture('mird-p4.pkl')), 'mird-p4.pkl', ['labeled pickle']);
  assertFails(() => readMirdPickle(fixture('mmsa-aligned.pkl')), 'mmsa-aligned.pkl', ['MMSA feature pickle', 'readMmsaPickle']);
});

test('-inf features become 0 with one counted warning in notes and on stderr', () => {
  const { result: ds, stderr } = captureStderr(() => readMirdPickle(fixture('mird-neginf.pkl')));
  const msg = 'replaced 4 -inf values with 0 in train.audio';
  assert.ok(ds.notes.includes(msg), ds.notes.join('\n'));
  assert.equal(stderr.split(msg).length - 1, 1, stderr);
  assert.ok(stderr.includes('mird-neginf.pkl'));
  const clip = ds.splits.train[1]!;
  assert.equal(clip.audio.length, 4);
  assert.deepEqual([...clip.audio.data.subarray(9, 12)], EXPECTED['mird-neginf.pkl']!.trainAudio1Last);
  assert.equal(clip.audio.data[10], 0);
  for (const split of SPLIT_NAMES) {
    for (const c of ds.splits[split]) assert.ok(c.audio.data.every((x) => Number.isFinite(x)));
  }
});

for (const [file, needles] of Object.entries(EXPECTED.bad)) {
  if (file.startsWith('bad-mmsa')) continue;
  test(`malformed ${file}: one error naming the file and field`, () => {
    assertFails(() => readMirdPickle(fixture(file)), file, needles);
  });
}

test('a split whose feature dims differ from train is an error naming the file, the split and both dims', () => {
  const fields = new PickleFields('x.pkl');
  const top: PyDict = new Map<PyValue, PyValue>(SPLIT_NAMES.map((s) => [s, new Map<PyValue, PyValue>()]));
  const part = (audioDim: number, visualDim: number): SplitPart => ({ clips: [], audioDim, visualDim, summary: '' });
  assert.throws(
    () => fields.splits(top, 'splits', 'video', (_d, split) => (split === 'test' ? part(33, 700) : part(33, 709))),
    /^Error: x\.pkl: test has feature dims audio 33 \/ video 700 but train has 33 \/ 709$/,
  );
  const ok = fields.splits(top, 'splits', 'video', () => part(5, 20));
  assert.deepEqual([ok.audioDim, ok.visualDim, ok.summaries.length], [5, 20, 3]);
  top.delete('valid');
  assert.throws(() => fields.splits(top, 'splits', 'video', () => part(5, 20)), /x\.pkl: missing key "valid" \(expected splits\)/);
});
