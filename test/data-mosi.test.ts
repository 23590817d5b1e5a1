// Real MOSI / MOSEI readers: counts, splits, alignment across modalities, the leakage refusal,
// and clear errors on malformed files (small bad copies in a temp folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMosi, carveValidVideos, MOSI_LEAKAGE_WARNING } from '../src/data/mosi';
import { readMosei } from '../src/data/mosei';
import type { Clip, Dataset } from '../src/data/types';

const videoOf = (id: string): string => id.slice(0, id.lastIndexOf('_'));
const counts = (ds: Dataset): number[] => [ds.splits.train.length, ds.splits.valid.length, ds.splits.test.length];
const all = (ds: Dataset): Clip[] => [...ds.splits.train, ...ds.splits.valid, ...ds.splits.test];

test('MOSI with utterance features: Poria speaker-independent split, valid carved as whole videos', () => {
  const ds = readMosi();
  assert.equal(ds.name, 'mosi-utterance:speaker-independent');
  assert.deepEqual(counts(ds), [1207, 240, 752]);
  assert.equal(all(ds).length, 2199);
  const vids = (clips: Clip[]): Set<string> => new Set(clips.map((c) => videoOf(c.id)));
  const [tr, va, te] = [vids(ds.splits.train), vids(ds.splits.valid), vids(ds.splits.test)];
  assert.deepEqual([tr.size, va.size, te.size], [52, 10, 31]);
  for (const v of va) assert.ok(!tr.has(v) && !te.has(v), `valid video ${v} also in train or test`);
  for (const v of te) assert.ok(!tr.has(v), `test video ${v} also in train`);
  assert.deepEqual([ds.audioDim, ds.visualDim], [73, 100]);
  for (const c of all(ds)) {
    assert.equal(c.audio.length, 1);
    assert.equal(c.audio.dim, 73);
    assert.equal(c.audio.data.length, 73);
    assert.equal(c.visual.dim, 100);
    assert.equal(c.textFeatures?.dim, 100);
    assert.ok(c.text.length > 0);
    assert.ok(c.label !== null && c.label >= -3 && c.label <= 3);
    for (const s of [c.audio, c.visual, c.textFeatures!]) assert.ok(s.data.every(Number.isFinite), `non-finite feature in ${c.id}`);
  }
  assert.ok(ds.notes.some((n) => n.includes('every 6th')));
});

test('MOSI features are keyed to the right clip (values spot-checked against the CSV rows)', () => {
  const ds = readMosi();
  const clip = all(ds).find((c) => c.id === '03bSnISJMiM_11')!;
  assert.equal(clip.text, 'A LOT OF SAD PARTS');
  assert.equal(clip.label, -0.5);
  assert.ok(Math.abs(clip.textFeatures!.data[0]! - 0.108098) < 1e-6);
  assert.ok(Math.abs(clip.textFeatures!.data[3]! - 0.13778) < 1e-6);
  assert.ok(Math.abs(clip.audio.data[0]! - 208.08) < 1e-3);
  assert.ok(Math.abs(clip.audio.data[1]! - 0.4) < 1e-6);
  // 03bSnISJMiM is a Poria test video
  assert.ok(ds.splits.test.includes(clip));
});

test('the validation rule takes every 6th sorted video starting with the 3rd', () => {
  const ids = Array.from({ length: 20 }, (_, i) => `v${String(i).padStart(2, '0')}`).reverse();
  assert.deepEqual([...carveValidVideos(ids)], ['v02', 'v08', 'v14']);
});

test('MOSI standard split, text only: 1284 / 229 / 686 with empty audio and visual', () => {
  const ds = readMosi({ features: 'none' });
  assert.equal(ds.name, 'mosi-text:standard');
  assert.deepEqual(counts(ds), [1284, 229, 686]);
  assert.deepEqual([ds.audioDim, ds.visualDim], [0, 0]);
  for (const c of all(ds)) {
    assert.deepEqual([c.audio.length, c.audio.dim, c.visual.length, c.visual.dim], [0, 0, 0, 0]);
    assert.equal(c.textFeatures, undefined);
  }
  // text-only on Poria's split is allowed too
  assert.deepEqual(counts(readMosi({ features: 'none', split: 'speaker-independent' })), [1207, 240, 752]);
});

test('utterance features + standard split is refused unless allowLeakyFeatures, quoting the warning', () => {
  assert.throws(() => readMosi({ features: 'utterance', split: 'standard' }), (e: unknown) => {
    const msg = (e as Error).message;
    return msg.includes('refusing') && msg.includes(MOSI_LEAKAGE_WARNING) && msg.includes('allowLeakyFeatures');
  });
  const leaky = readMosi({ features: 'utterance', split: 'standard', allowLeakyFeatures: true });
  assert.deepEqual(counts(leaky), [1284, 229, 686]);
  assert.ok(leaky.notes.some((n) => n.startsWith('WARNING') && n.includes('leak')));
  assert.throws(() => readMosi({ split: 'standrd' as 'standard' }), /split must be/);
  assert.throws(() => readMosi({ allowLeaky: true } as object), /unknown option "allowLeaky"/);
});

test('MOSEI: 16274 / 1861 / 4653, text and labels, empty audio and visual', () => {
  const ds = readMosei();
  assert.deepEqual(counts(ds), [16274, 1861, 4653]);
  const clips = all(ds);
  assert.equal(new Set(clips.map((c) => c.id)).size, 22788);
  for (const c of clips) {
    assert.ok(c.text.length > 0 && c.label !== null && c.label >= -3 && c.label <= 3);
    assert.equal(c.audio.length + c.visual.length, 0);
  }
  assert.ok(clips[0]!.id.includes('$_$'));
});

// --- malformed inputs ------------------------------------------------------------------------

function header(dim: number): string {
  return ['clip_uid', ...Array.from({ length: dim }, (_, i) => `f${i}`)].join(',');
}
function featureRow(uid: string, dim: number, bad?: { col: number; value: string }): string {
  return [uid, ...Array.from({ length: dim }, (_, i) => (bad && bad.col === i ? bad.value : String(0.01 * (i + 1))))].join(',');
}

/** A tiny, valid MOSI folder: two videos, three clips; `edit` then breaks one file. */
function makeMosiDir(edit: (files: Record<string, string>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'mird-mosi-'));
  const uids = ['vidA_1', 'vidA_2', 'vidB_1'];
  const files: Record<string, string> = {
    'label.csv': [
      'video_id,clip_id,text,label,label_T,label_A,label_V,annotation,mode',
      'vidA,1,"GOOD, VERY GOOD",1.5,,,,Positive,train',
      'vidA,2,BAD,-2,,,,Negative,valid',
      'vidB,1,OK,0,,,,Neutral,test',
    ].join('\n'),
    'utterance_split.csv': 'clip_uid,split\nvidA_1,train\nvidA_2,train\nvidB_1,test\n',
    'utterance_text.csv': [header(100), ...uids.map((u) => featureRow(u, 100))].join('\n'),
    'utterance_audio.csv': [header(73), ...uids.map((u) => featureRow(u, 73))].join('\n'),
    'utterance_video.csv': [header(100), ...uids.map((u) => featureRow(u, 100))].join('\n'),
  };
  edit(files);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('a valid tiny MOSI folder reads (sanity check of the fixture)', () => {
  const dir = makeMosiDir(() => {});
  try {
    const ds = readMosi({ dir });
    assert.equal(all(ds).length, 3);
    assert.equal(ds.splits.test[0]!.id, 'vidB_1');
    assert.equal(all(ds).find((c) => c.id === 'vidA_1')!.text, 'GOOD, VERY GOOD');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('malformed MOSI files give errors naming file, line and field', () => {
  const cases: [string, (f: Record<string, string>) => void, RegExp][] = [
    ['NaN feature', (f) => { f['utterance_audio.csv'] = [header(73), featureRow('vidA_1', 73), featureRow('vidA_2', 73, { col: 5, value: 'NaN' }), featureRow('vidB_1', 73)].join('\n'); }, /utterance_audio\.csv line 3, field f5: expected a finite number, got "NaN"/],
    ['inf feature', (f) => { f['utterance_video.csv'] = [header(100), featureRow('vidA_1', 100, { col: 0, value: '-Infinity' }), featureRow('vidA_2', 100), featureRow('vidB_1', 100)].join('\n'); }, /utterance_video\.csv line 2, field f0/],
    ['wrong dim', (f) => { f['utterance_text.csv'] = [header(99), ...['vidA_1', 'vidA_2', 'vidB_1'].map((u) => featureRow(u, 99))].join('\n'); }, /utterance_text\.csv: 99 feature columns, expected 100/],
    ['unknown clip', (f) => { f['utterance_audio.csv'] = [header(73), featureRow('vidA_1', 73), featureRow('vidZ_9', 73), featureRow('vidB_1', 73)].join('\n'); }, /utterance_audio\.csv line 3, field clip_uid: "vidZ_9" is not a clip of label\.csv/],
    ['missing clip', (f) => { f['utterance_audio.csv'] = [header(73), featureRow('vidA_1', 73), featureRow('vidB_1', 73)].join('\n'); }, /utterance_audio\.csv: 1 clips of label\.csv have no features \(first: vidA_2\)/],
    ['label out of range', (f) => { f['label.csv'] = f['label.csv']!.replace('-2,,,,Negative', '-3.5,,,,Negative'); }, /label\.csv line 3, field label: label -3\.5 outside \[-3, 3\]/],
    ['label not a number', (f) => { f['label.csv'] = f['label.csv']!.replace('-2,,,,Negative', 'abc,,,,Negative'); }, /label\.csv line 3, field label: expected a finite number, got "abc"/],
    ['empty text', (f) => { f['label.csv'] = f['label.csv']!.replace('BAD', '  '); }, /label\.csv line 3, field text: empty transcript for clip vidA_2/],
    ['bad mode', (f) => { f['label.csv'] = f['label.csv']!.replace('Neutral,test', 'Neutral,dev'); }, /label\.csv line 4, field mode: expected train, valid or test, got "dev"/],
    ['missing column', (f) => { f['label.csv'] = f['label.csv']!.replace('video_id,clip_id,text,label,', 'video_id,clip_id,transcript,label,'); }, /label\.csv: missing column "text"/],
    ['bad split value', (f) => { f['utterance_split.csv'] = 'clip_uid,split\nvidA_1,train\nvidA_2,valid\nvidB_1,test\n'; }, /utterance_split\.csv line 3, field split: expected train or test, got "valid"/],
    ['missing file', (f) => { delete f['utterance_video.csv']; }, /utterance_video\.csv: file not found/],
  ];
  for (const [name, edit, re] of cases) {
    const dir = makeMosiDir(edit);
    try {
      assert.throws(() => readMosi({ dir }), re, name);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }
});

test('malformed MOSEI label.csv gives an error naming file, line and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-mosei-'));
  try {
    writeFileSync(join(dir, 'label.csv'), 'video_id,clip_id,text,label,mode\nv1,0_1,"fine, thanks",0.5,train\nv1,2_3,"",0.1,test\n');
    assert.throws(() => readMosei({ dir }), /label\.csv line 3, field text: empty transcript for clip v1\$_\$2_3/);
    writeFileSync(join(dir, 'label.csv'), 'video_id,clip_id,text,label,mode\nv1,0_1,"fine, thanks",0.5,train\nv1,2_3,ok,4,test\n');
    assert.throws(() => readMosei({ dir }), /label\.csv line 3, field label: label 4 outside \[-3, 3\]/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
