import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitNormalizer, normalizeDataset, normStatsToJson, parseNormStats, normalizeClip } from '../src/data/normalize';
import { createSynthetic, SYNTHETIC_SMALL, resolveSyntheticConfig } from '../src/data/synthetic';
import { readMosi } from '../src/data/mosi';
import type { Clip, Dataset, Sequence } from '../src/data/types';

const seq = (rows: number[][]): Sequence => ({ data: Float32Array.from(rows.flat()), length: rows.length, dim: rows[0]?.length ?? 0 });
const clip = (id: string, audio: number[][], visual: number[][], label: number | null = 0): Clip => ({ id, text: 'x', audio: seq(audio), visual: seq(visual), label });

test('mean / std over real frames of train clips (population std), by hand', () => {
  // audio feature 0: frames 1, 3, 5, 7 → mean 4, std sqrt(5); feature 1 constant 2
  const train = [clip('a', [[1, 2], [3, 2]], [[0]]), clip('b', [[5, 2], [7, 2]], [[2]])];
  const s = fitNormalizer(train);
  assert.deepEqual(s.audio!.mean, [4, 2]);
  assert.ok(Math.abs(s.audio!.std[0]! - Math.sqrt(5)) < 1e-12);
  assert.equal(s.audio!.std[1], 1, 'constant feature gets std 1');
  assert.deepEqual(s.audio!.constant, [1]);
  assert.equal(s.audio!.frames, 4);
  const n = normalizeClip(train[0]!, s);
  assert.ok(Math.abs(n.audio.data[0]! - (1 - 4) / Math.sqrt(5)) < 1e-6);
  assert.equal(n.audio.data[1], 0, 'constant feature maps to 0, not NaN');
  // a test clip with a different value of the constant feature stays finite
  const t = normalizeClip(clip('t', [[4, 10]], [[1]]), s);
  assert.deepEqual([...t.audio.data], [0, 8]);
  assert.ok(t.visual.data.every(Number.isFinite));
});

test('stats are fitted on train only: changing valid / test / unlabeled data leaves them unchanged', () => {
  const ds = createSynthetic(resolveSyntheticConfig(SYNTHETIC_SMALL, { numTrain: 40, numValid: 10, numTest: 10, numUnlabeled: 10 })).dataset();
  const a = normalizeDataset(ds).stats;
  const scramble = (clips: Clip[]): Clip[] => clips.map((c) => ({ ...c, audio: { ...c.audio, data: c.audio.data.map((x) => 100 * x + 7) } }));
  const changed: Dataset = { ...ds, splits: { train: ds.splits.train, valid: scramble(ds.splits.valid), test: scramble(ds.splits.test) }, unlabeled: scramble(ds.unlabeled) };
  const b = normalizeDataset(changed).stats;
  assert.equal(normStatsToJson(a), normStatsToJson(b));
  // …and changing train does change them
  const c = normalizeDataset({ ...ds, splits: { ...ds.splits, train: scramble(ds.splits.train) } }).stats;
  assert.notEqual(normStatsToJson(a), normStatsToJson(c));
});

test('normalised train features have mean 0 / std 1 per feature; every split and the pool are transformed', () => {
  const ds = createSynthetic(resolveSyntheticConfig(SYNTHETIC_SMALL, { numTrain: 60, numValid: 10, numTest: 10, numUnlabeled: 10 })).dataset();
  const { dataset, stats } = normalizeDataset(ds);
  for (const m of ['audio', 'visual'] as const) {
    const dim = dataset.splits.train[0]![m].dim;
    const sum = new Float64Array(dim), sq = new Float64Array(dim);
    let n = 0;
    for (const c of dataset.splits.train) for (let t = 0; t < c[m].length; t++, n++) for (let d = 0; d < dim; d++) {
      const x = c[m].data[t * dim + d]!;
      sum[d]! += x;
      sq[d]! += x * x;
    }
    for (let d = 0; d < dim; d++) {
      assert.ok(Math.abs(sum[d]! / n) < 1e-4);
      assert.ok(Math.abs(Math.sqrt(sq[d]! / n) - 1) < 1e-3);
    }
  }
  const orig = ds.splits.test[0]!.audio.data[0]!;
  assert.ok(Math.abs(dataset.splits.test[0]!.audio.data[0]! - (orig - stats.audio!.mean[0]!) / stats.audio!.std[0]!) < 1e-5);
  assert.notEqual(dataset.unlabeled[0]!.visual.data[0], ds.unlabeled[0]!.visual.data[0]);
  assert.equal(ds.splits.test[0]!.audio.data[0], orig, 'input dataset untouched');
});

test('real MOSI: utterance features normalise without NaN (text features too); text-only sources pass through', () => {
  const ds = readMosi();
  const { dataset, stats } = normalizeDataset(ds);
  assert.equal(stats.audio!.dim, 73);
  assert.equal(stats.textFeatures!.dim, 100);
  assert.equal(stats.audio!.frames, 1207);
  for (const c of [...dataset.splits.train, ...dataset.splits.test]) {
    assert.ok(c.audio.data.every(Number.isFinite) && c.visual.data.every(Number.isFinite) && c.textFeatures!.data.every(Number.isFinite), c.id);
  }
  const text = normalizeDataset(readMosi({ features: 'none' }));
  assert.equal(text.stats.audio, null);
  assert.equal(text.dataset.splits.train[0]!.audio.length, 0);
});

test('stats survive JSON; malformed JSON is a clear error', () => {
  const s = fitNormalizer([clip('a', [[1, 2], [3, 5]], [[0, 1, 2]]), clip('b', [[5, 2]], [[2, 1, 0]])], 'unit/train');
  const back = parseNormStats(normStatsToJson(s), 'ckpt.json');
  assert.deepEqual(back, s);
  assert.throws(() => parseNormStats('{', 'ckpt.json'), /ckpt\.json: not valid JSON/);
  assert.throws(() => parseNormStats(JSON.stringify({ ...s, audio: { ...s.audio, std: [1] } }), 'ckpt.json'), /ckpt\.json\.audio\.std: expected 2 finite numbers/);
  assert.throws(() => parseNormStats(JSON.stringify({ ...s, version: 2 }), 'ckpt.json'), /ckpt\.json\.version: expected 1/);
  assert.throws(() => normalizeClip(clip('z', [[1, 2, 3]], [[0, 1, 2]]), s), /clip z audio has dim 3, the stats expect 2/);
});
