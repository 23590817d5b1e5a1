// Source registry, dataset summaries, and `mird data inspect` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource, summarizeDataset, labelStats, shapeRows, videoOfClipId, knownSources } from '../src/data/sources';
import { repoRoot } from '../src/paths';
import { mosiClipRows, sequenceCells } from '../src/data/tables';
import type { Dataset, Sequence } from '../src/data/types';

const seq = (length: number, dim: number): Sequence => ({ data: new Float32Array(length * dim), length, dim });

test('label statistics by hand', () => {
  const s = labelStats([-2, 0, 1, 1, 3])!;
  assert.equal(s.count, 5);
  assert.equal(s.mean, 0.6);
  assert.ok(Math.abs(s.std - Math.sqrt((6.76 + 0.36 + 0.16 + 0.16 + 5.76) / 5)) < 1e-12);
  assert.deepEqual([s.min, s.max, s.positive, s.negative, s.zero], [-2, 3, 0.6, 0.2, 0.2]);
  assert.equal(labelStats([]), null);
});

test('summarizeDataset: counts, videos, lengths (min / mean / max) and dims', () => {
  const ds: Dataset = {
    name: 'tiny',
    splits: {
      train: [
        { id: 'v1_1', text: 'a b c', audio: seq(2, 5), visual: seq(4, 7), label: 1 },
        { id: 'v1_2', text: 'a', audio: seq(4, 5), visual: seq(1, 7), label: -1 },
        { id: 'v2_1', text: 'a b', audio: seq(3, 5), visual: seq(1, 7), label: 0 },
      ],
      valid: [],
      test: [{ id: 'v3_1', text: 'x', audio: seq(1, 5), visual: seq(1, 7), label: 2 }],
    },
    unlabeled: [{ id: 'u', text: 'y', audio: seq(6, 5), visual: seq(2, 7), label: null }],
    audioDim: 5,
    visualDim: 7,
    notes: ['n1'],
  };
  const s = summarizeDataset(ds);
  assert.deepEqual(s.splits.map((x) => [x.split, x.clips, x.videos]), [['train', 3, 2], ['valid', 0, null], ['test', 1, 1], ['unlabeled', 1, null]]);
  const train = s.splits[0]!;
  assert.deepEqual(train.audio, { length: { min: 2, mean: 3, max: 4 }, dim: 5 });
  assert.deepEqual(train.words, { min: 1, mean: 2, max: 3 });
  assert.equal(train.labels!.zero, 1 / 3);
  assert.equal(s.splits[3]!.labels, null);
  assert.equal(shapeRows(s)[0]!['audio T × d'], '2 / 3.0 / 4 × 5');
  assert.equal(videoOfClipId('-3g5yACwYnA$_$82_7645'), '-3g5yACwYnA');
  assert.equal(videoOfClipId('c7UH_rxdZv4_12'), 'c7UH_rxdZv4');
  assert.equal(videoOfClipId('syn-train-000001'), null);
  assert.equal(videoOfClipId('train_12'), null);
});

test('openSource presets: counts and dims', () => {
  const count = (d: Dataset): number[] => [d.splits.train.length, d.splits.valid.length, d.splits.test.length, d.unlabeled.length];
  assert.deepEqual(count(openSource('mosi')), [1207, 240, 752, 0]);
  assert.deepEqual(count(openSource('mosi-text')), [1284, 229, 686, 0]);
  assert.deepEqual(count(openSource('mosei-text')), [16274, 1861, 4653, 0]);
  const syn = openSource('synthetic:small', { seed: 7 });
  assert.deepEqual(count(syn), [256, 64, 128, 512]);
  assert.equal(syn.name, 'synthetic:small (seed 7)');
  assert.notEqual(syn.splits.train[0]!.label, openSource('synthetic:small').splits.train[0]!.label);
  assert.ok(knownSources().includes('synthetic:paper'));
});

test('mosi:fold=K: six folds of the train videos, each valid once; fold 2 is mosi\'s valid; test is the same', () => {
  const base = openSource('mosi');
  const seen = new Map<string, number>();
  const video = (id: string): string => id.slice(0, id.lastIndexOf('_'));
  for (let k = 0; k < 6; k++) {
    const d = openSource(`mosi:fold=${k}`);
    assert.deepEqual(d.splits.test.map((c) => c.id), base.splits.test.map((c) => c.id));
    assert.equal(d.splits.train.length + d.splits.valid.length, 1447);
    const trainVideos = new Set(d.splits.train.map((c) => video(c.id)));
    for (const v of new Set(d.splits.valid.map((c) => video(c.id)))) {
      assert.ok(!trainVideos.has(v), `fold ${k}: video ${v} on both sides`);
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    if (k === 2) {
      assert.deepEqual(d.splits.valid.map((c) => c.id), base.splits.valid.map((c) => c.id));
      assert.equal(d.name, base.name);
    } else {
      assert.equal(d.name, `${base.name}:fold=${k}`);
    }
  }
  assert.equal(seen.size, 62);
  assert.ok([...seen.values()].every((n) => n === 1));
});

test('openSource errors: unknown preset, missing user file, missing path', () => {
  assert.throws(() => openSource('mosii'), /unknown source "mosii" \(presets: mosi, mosi:fold=0\.\.5, mosi-text/);
  assert.throws(() => openSource('mosi:fold=6'), /mosi:fold=6: the fold must be an integer in 0\.\.5 \(fold 2 is the default valid of "mosi"\)/);
  assert.throws(() => openSource('mosi:fold=1.5'), /the fold must be an integer in 0\.\.5/);
  assert.throws(() => openSource('synthetic:huge'), /unknown synthetic preset "huge"/);
  assert.throws(() => openSource('synthetic:small', { synthetic: { nope: 1 } as object }), /unknown key "nope"/);
  assert.throws(() => openSource('mmsa-mosi'), /preset mmsa-mosi reads data\/mmsa\/MOSI\/Processed\/unaligned_50\.pkl, which is not there/);
  assert.throws(() => openSource('/no/such/file.pkl'), /\/no\/such\/file\.pkl: file not found/);
});

test('openSource on pickle files picks the reader from the layout (committed fixtures)', () => {
  const fx = (name: string): string => join(repoRoot(), 'test', 'fixtures', 'pickles', name);
  const count = (d: Dataset): number[] => [d.splits.train.length, d.splits.valid.length, d.splits.test.length, d.unlabeled.length];
  const mird = openSource(fx('mird-p4.pkl'));
  assert.deepEqual(count(mird), [4, 2, 2, 0]);
  assert.deepEqual([mird.audioDim, mird.visualDim], [33, 709]);
  const unl = openSource(fx('mird-unlabeled.pkl'));
  assert.deepEqual(count(unl), [0, 0, 0, 3]);
  assert.deepEqual(summarizeDataset(unl).splits.map((x) => x.split), ['unlabeled']);
  // labeled + unlabeled (MIRD2)
  const both = openSource(`${fx('mird-p4.pkl')}+${fx('mird-unlabeled.pkl')}`);
  assert.deepEqual(count(both), [4, 2, 2, 3]);
  assert.ok(both.unlabeled.every((c) => c.label === null));
  assert.throws(() => openSource('synthetic:small+synthetic:small', { seed: 2 }), /synthetic:small is both the labeled source and an unlabeled one; its valid\/test clips would leak/);
  assert.throws(() => openSource(`${fx('mird-p4.pkl')}+${fx('mmsa-unaligned.pkl')}`), /has feature dims audio 5 \/ visual 20, but .*mird-p4\.pkl has 33 \/ 709/);
  assert.throws(() => openSource('mosi+'), /empty part around '\+'/);
  assert.ok(unl.unlabeled.every((c) => c.label === null));
  const mmsa = openSource(fx('mmsa-unaligned.pkl'));
  assert.deepEqual([mmsa.audioDim, mmsa.visualDim], [5, 20]);
  assert.equal(summarizeDataset(mmsa).splits[0]!.clips, 4);
  assert.throws(() => openSource(fx('plain-p4.pkl')), /plain-p4\.pkl: a valid pickle in none of the supported layouts .*found: a dict with keys int, neg/);
  assert.throws(() => openSource(fx('bad-nan-audio.pkl')), /bad-nan-audio\.pkl: train\.audio/);
});

test('notebook rows: every MOSI clip with both splits (558 standard-test clips in Poria train); heatmap cells', () => {
  const rows = mosiClipRows();
  assert.equal(rows.length, 2199);
  assert.equal(rows.filter((r) => r.standard === 'test' && r.speakerIndependent !== 'test').length, 558);
  assert.equal(rows.filter((r) => r.standard === 'test').length, 686);
  assert.equal(rows.find((r) => r.clip === '03bSnISJMiM_11')!.video, '03bSnISJMiM');
  const cells = sequenceCells({ data: Float32Array.from([1, 2, 3, 4, 5, 6]), length: 3, dim: 2 }, 2);
  assert.deepEqual(cells, [
    { frame: 0, feature: 0, value: 2 },
    { frame: 0, feature: 1, value: 3 },
    { frame: 2, feature: 0, value: 5 },
    { frame: 2, feature: 1, value: 6 },
  ]);
});

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/mird.js', 'data', ...args], { cwd: repoRoot(), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('mird data inspect mosi prints splits, shapes, label statistics and notes', () => {
  const r = cli('inspect', 'mosi');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /dataset\s+mosi-utterance:speaker-independent/);
  assert.match(r.stdout, /train\s+1207\s+52\s/);
  assert.match(r.stdout, /valid\s+240\s+10\s/);
  assert.match(r.stdout, /test\s+752\s+31\s/);
  assert.match(r.stdout, /1 × 73\s+1 × 100\s+1 × 100/);
  assert.match(r.stdout, /positive %/);
  assert.match(r.stdout, /leak/);
});

test('mird data inspect synthetic:small --json and errors (unknown source, missing file, bad subcommand)', () => {
  const j = cli('inspect', 'synthetic:small', '--seed', '3', '--json', '--no-tokens');
  assert.equal(j.status, 0, j.stderr);
  const parsed = JSON.parse(j.stdout) as { name: string; hasFactors: boolean; splits: { split: string; clips: number }[] };
  assert.equal(parsed.name, 'synthetic:small (seed 3)');
  assert.equal(parsed.hasFactors, true);
  assert.deepEqual(parsed.splits.map((s) => s.clips), [256, 64, 128, 512]);

  const missing = cli('inspect', 'data/nothing/here.pkl');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /data\/nothing\/here\.pkl: file not found/);
  assert.equal(missing.stdout, '');

  const unknown = cli('inspect', 'moseii');
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /unknown source "moseii"/);

  const dir = mkdtempSync(join(tmpdir(), 'mird-cli-'));
  try {
    const bad = join(dir, 'broken.pkl');
    writeFileSync(bad, 'this is not a pickle');
    const r = cli('inspect', bad);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /broken\.pkl/);
  } finally {
    rmSync(dir, { recursive: true });
  }

  assert.equal(cli('inspect', 'mosi', '--seed', '3').status, 2);
  assert.equal(cli('list').status, 2);
  assert.equal(cli('inspect').status, 2);
});
