// Batching: exact padding, lengths and masks; labeled-then-unlabeled mixing at splitRate;
// seeded, reproducible shuffles; pool coverage over epochs; truncation only when asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { makeBatch, disposeBatch, epochBatches, planEpoch, newBatchCounters } from '../src/data/batching';
import { fitNormalizer } from '../src/data/normalize';
import { createSynthetic, resolveSyntheticConfig, SYNTHETIC_SMALL } from '../src/data/synthetic';
import type { Clip, Sequence, TextTokenizer } from '../src/data/types';

/** A tiny tokenizer for tests: [PAD]=0, [CLS]=1, [SEP]=2, each word its own id ≥ 3. */
class TinyTokenizer implements TextTokenizer {
  readonly padId = 0;
  readonly vocabSize = 1000;
  private readonly ids = new Map<string, number>();
  encode(text: string, maxLength: number): Int32Array {
    const words = text.split(/\s+/).filter((w) => w !== '');
    const body = words.map((w) => {
      if (!this.ids.has(w)) this.ids.set(w, 3 + this.ids.size);
      return this.ids.get(w) as number;
    });
    return Int32Array.from([1, ...body.slice(0, Math.max(0, maxLength - 2)), 2]);
  }
}

const tok = new TinyTokenizer();
const seq = (length: number, dim: number, base: number): Sequence => ({
  data: Float32Array.from({ length: length * dim }, (_, i) => base + i),
  length,
  dim,
});
const clip = (id: string, words: number, aLen: number, vLen: number, label: number | null): Clip => ({
  id,
  text: Array.from({ length: words }, (_, i) => `w${i}`).join(' '),
  audio: seq(aLen, 3, 100),
  visual: seq(vLen, 2, 500),
  label,
});

test('padding to the batch max: exact values, lengths and masks; labeled first', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const lab = [clip('a', 2, 3, 1, 1.5), clip('b', 4, 1, 2, -2)];
  const unl = [clip('u', 1, 2, 0, null)];
  const b = makeBatch(lab, unl, tok, { maxTextLength: 50 });
  assert.deepEqual(b.ids, ['a', 'b', 'u']);
  assert.equal(b.numLabeled, 2);
  assert.deepEqual(b.textIds.shape, [3, 6]);
  assert.deepEqual(await b.textLength.array(), [4, 6, 3]);
  assert.deepEqual(await b.textMask.array(), [[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]]);
  const ids = (await b.textIds.array()) as number[][];
  assert.deepEqual(ids[2], [1, 3, 2, 0, 0, 0]);
  assert.deepEqual(b.audio.shape, [3, 3, 3]);
  assert.deepEqual(await b.audioLength.array(), [3, 1, 2]);
  assert.deepEqual(await b.audioMask.array(), [[1, 1, 1], [1, 0, 0], [1, 1, 0]]);
  const audio = (await b.audio.array()) as number[][][];
  assert.deepEqual(audio[1], [[100, 101, 102], [0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(audio[0]![2], [106, 107, 108]);
  assert.deepEqual(b.visual.shape, [3, 2, 2]);
  assert.deepEqual(await b.visualMask.array(), [[1, 0], [1, 1], [0, 0]]);
  assert.deepEqual(await b.visualLength.array(), [1, 2, 0]);
  assert.deepEqual(await b.labels.array(), [1.5, -2, 0]);
  assert.deepEqual(await b.labeled.array(), [1, 1, 0]);
  assert.equal(b.textIds.dtype, 'int32');
  assert.equal(b.audioLength.dtype, 'int32');
  disposeBatch(b);
  assert.equal(tf.memory().numTensors, before, 'disposeBatch frees every tensor');
});

test('fixed pad lengths; truncation only when asked, and counted', async () => {
  await initBackend();
  const clips = [clip('a', 60, 5, 3, 0), clip('b', 3, 2, 1, 1)];
  const counters = newBatchCounters();
  const b = makeBatch(clips, [], tok, { maxTextLength: 50, padTextToMax: true, audioPadLength: 8, visualPadLength: 4 }, counters);
  assert.deepEqual([b.textIds.shape, b.audio.shape, b.visual.shape], [[2, 50], [2, 8, 3], [2, 4, 2]]);
  assert.deepEqual(await b.textLength.array(), [50, 5]);
  assert.deepEqual(((await b.audioMask.array()) as number[][])[0], [1, 1, 1, 1, 1, 0, 0, 0]);
  assert.deepEqual(counters, { clips: 2, textTruncated: 1, audioTruncated: 0, visualTruncated: 0 });
  disposeBatch(b);
  // longer than the fixed pad length without a max: an error, never a silent cut
  assert.throws(() => makeBatch(clips, [], tok, { maxTextLength: 50, audioPadLength: 4 }), /clip a has 5 audio frames, more than the fixed pad length 4; set maxAudioLength/);
  const c2 = newBatchCounters();
  const t = makeBatch(clips, [], tok, { maxTextLength: 50, audioPadLength: 4, maxAudioLength: 4, maxVisualLength: 2 }, c2);
  assert.deepEqual(await t.audioLength.array(), [4, 2]);
  assert.deepEqual(await t.visualLength.array(), [2, 1]);
  assert.deepEqual(((await t.audio.array()) as number[][][])[0]![3], [109, 110, 111]);
  assert.deepEqual([c2.audioTruncated, c2.visualTruncated], [1, 1]);
  disposeBatch(t);
});

test('text-only clips give [B, 1, 0] masked tensors; bad inputs are clear errors', async () => {
  await initBackend();
  const empty: Sequence = { data: new Float32Array(0), length: 0, dim: 0 };
  const b = makeBatch([{ id: 'x', text: 'hi there', audio: empty, visual: empty, label: 0.5 }], [], tok, { maxTextLength: 50 });
  assert.deepEqual([b.audio.shape, b.visual.shape], [[1, 1, 0], [1, 1, 0]]);
  assert.deepEqual(await b.audioMask.array(), [[0]]);
  disposeBatch(b);
  assert.throws(() => makeBatch([clip('a', 2, 2, 2, null)], [], tok, { maxTextLength: 50 }), /labeled clip a has no finite label/);
  const odd: Clip = { ...clip('odd', 2, 2, 2, 0), audio: seq(2, 4, 0) };
  assert.throws(() => makeBatch([clip('a', 2, 2, 2, 0), odd], [], tok, { maxTextLength: 50 }), /clip odd has audio dim 4, other clips in the batch have 3/);
  const short: Clip = { ...clip('short', 2, 2, 2, 0), visual: { data: new Float32Array(3), length: 2, dim: 2 } };
  assert.throws(() => makeBatch([short], [], tok, { maxTextLength: 50 }), /clip short visual holds 3 values, expected length 2 × dim 2 = 4/);
});

test('normalisation while batching uses the given stats', async () => {
  await initBackend();
  const clips = [clip('a', 2, 2, 1, 0), clip('b', 2, 2, 1, 0)];
  const stats = fitNormalizer(clips);
  const b = makeBatch(clips, [], tok, { maxTextLength: 50, norm: stats });
  const a = (await b.audio.array()) as number[][][];
  // audio frames per feature are {base, base+3} in both clips → ±1 after standardising
  assert.deepEqual(a[0]!.map((r) => r.map((x) => Math.round(x * 1e5) / 1e5)), [[-1, -1, -1], [1, 1, 1]]);
  disposeBatch(b);
});

test('splitRate mixing: each batch has b labeled then round(splitRate·b) unlabeled clips', async () => {
  await initBackend();
  const labeled = Array.from({ length: 10 }, (_, i) => clip(`l${i}`, 2, 2, 1, i / 10));
  const pool = Array.from({ length: 7 }, (_, i) => clip(`u${i}`, 2, 2, 1, null));
  const seen: number[][] = [];
  for (const b of epochBatches(labeled, tok, { batchSize: 4, seed: 3, epoch: 0, splitRate: 2, unlabeled: pool, maxTextLength: 50 })) {
    const flags = (await b.labeled.array()) as number[];
    seen.push([b.numLabeled, flags.length - b.numLabeled]);
    assert.deepEqual(flags, [...new Array<number>(b.numLabeled).fill(1), ...new Array<number>(flags.length - b.numLabeled).fill(0)]);
    assert.ok(b.ids.slice(0, b.numLabeled).every((id) => id.startsWith('l')) && b.ids.slice(b.numLabeled).every((id) => id.startsWith('u')));
    disposeBatch(b);
  }
  assert.deepEqual(seen, [[4, 8], [4, 8], [2, 4]]);
  const p = planEpoch(10, 7, { batchSize: 4, seed: 3, epoch: 0, splitRate: 0.5, dropLast: true });
  assert.deepEqual(p.labeled.map((x) => x.length), [4, 4]);
  assert.deepEqual(p.unlabeled.map((x) => x.length), [2, 2]);
  assert.deepEqual(planEpoch(10, 0, { batchSize: 4, seed: 3, epoch: 0 }).unlabeled, [[], [], []]);
  assert.throws(() => planEpoch(10, 0, { batchSize: 4, seed: 3, epoch: 0, splitRate: 1 }), /pool is empty/);
});

test('seeded shuffling: reproducible, different per epoch and per seed; no shuffle keeps order', () => {
  const opts = { batchSize: 8, seed: 11, epoch: 0 };
  const a = planEpoch(50, 0, opts).labeled.flat();
  assert.deepEqual(planEpoch(50, 0, opts).labeled.flat(), a);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i), 'a permutation');
  assert.notDeepEqual(planEpoch(50, 0, { ...opts, epoch: 1 }).labeled.flat(), a);
  assert.notDeepEqual(planEpoch(50, 0, { ...opts, seed: 12 }).labeled.flat(), a);
  assert.deepEqual(planEpoch(50, 0, { ...opts, shuffle: false }).labeled.flat(), Array.from({ length: 50 }, (_, i) => i));
});

test('the unlabeled stream covers the whole pool over epochs and changes pairings', () => {
  // 20 labeled, splitRate 2 → 40 unlabeled per epoch from a pool of 100: after 5 epochs every
  // pool clip was used exactly twice (one full cycle = 2.5 epochs); the authors' fixed pairing
  // would only ever touch the first 40
  const opts = { batchSize: 8, seed: 5, splitRate: 2 };
  const counts = new Array<number>(100).fill(0);
  const epochs = Array.from({ length: 5 }, (_, e) => planEpoch(20, 100, { ...opts, epoch: e }));
  for (const p of epochs) for (const i of p.unlabeled.flat()) counts[i]! += 1;
  assert.deepEqual(counts, new Array<number>(100).fill(2));
  // within one epoch no clip repeats; epoch e is reproducible on its own (resumable)
  assert.equal(new Set(epochs[0]!.unlabeled.flat()).size, 40);
  assert.deepEqual(planEpoch(20, 100, { ...opts, epoch: 3 }), epochs[3]);
  assert.notDeepEqual(epochs[1]!.unlabeled.flat().slice(0, 10), epochs[0]!.unlabeled.flat().slice(0, 10));
  // an unlimited pool (the synthetic generator) gets fresh clips every epoch
  const inf = planEpoch(20, Infinity, { ...opts, epoch: 2 });
  assert.deepEqual(inf.unlabeled.flat(), Array.from({ length: 40 }, (_, i) => 80 + i));
});

test('an epoch over synthetic data with the unlimited pool; the caller owns (and frees) each batch', async () => {
  await initBackend();
  const src = createSynthetic(resolveSyntheticConfig(SYNTHETIC_SMALL, { numTrain: 12, numValid: 0, numTest: 0, numUnlabeled: 0 }));
  const ds = src.dataset();
  const before = tf.memory().numTensors;
  const batches = [...epochBatches(ds.splits.train, tok, { batchSize: 5, seed: 1, epoch: 4, splitRate: 1, unlabeled: src.unlabeledPool, maxTextLength: 16 })];
  assert.equal(batches.length, 3);
  assert.equal(tf.memory().numTensors, before + 3 * 11, 'nothing disposed behind the caller');
  assert.deepEqual(batches.map((b) => b.ids.length), [10, 10, 4]);
  assert.ok(batches[0]!.ids[5]!.startsWith('syn-unlabeled-'));
  assert.equal(batches[0]!.audio.shape[2], 8);
  for (const b of batches) disposeBatch(b);
  assert.equal(tf.memory().numTensors, before);
});

test('pre-tokenized clips (MMSA text_bert) are used as they are; a cut keeps the final [SEP] and is counted', async () => {
  await initBackend();
  const pre = (id: string, ids: number[]): Clip => ({ ...clip(id, 1, 1, 1, 0), text: 'ignored words here', tokenIds: Int32Array.from(ids) });
  const counters = newBatchCounters();
  const b = makeBatch([pre('long', [101, 7, 8, 9, 10, 102]), pre('short', [101, 7, 102])], [], tok, { maxTextLength: 4 }, counters);
  assert.deepEqual(await b.textIds.array(), [[101, 7, 8, 102], [101, 7, 102, 0]]);
  assert.deepEqual(await b.textLength.array(), [4, 3]);
  assert.equal(counters.textTruncated, 1);
  disposeBatch(b);
});
