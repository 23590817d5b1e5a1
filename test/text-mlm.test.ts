import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { Bert } from '../src/text/bert';
import { bertConfig } from '../src/text/bert-config';
import { maskBatch } from '../src/text/mlm';
import { poolSentence } from '../src/text/finetune';
import { pretrainMlm, learningRate } from '../src/train/mlm';
import { finetuneTextRegressor } from '../src/train/sentence-regressor';
import { randomOrthonormal, initWordEmbeddingsFromGlove, loadGlove } from '../src/text/glove';
import { WordPieceTokenizer, defaultTokenizer } from '../src/text/tokenizer';
import { Rng } from '../src/util/rng';
import { repoPath } from '../src/paths';

await initBackend();
process.env.MIRD_QUIET = '1';

const small = WordPieceTokenizer.fromVocabFile(repoPath('test', 'fixtures', 'bert', 'vocab.txt'));
const words = ['the', 'movie', 'was', 'really', 'good', 'bad', 'film', 'story', 'i', 'love', 'hate', 'boring', 'funny', 'acting', 'plot'];
function sentences(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 3 + rng.int(6) }, () => words[rng.int(words.length)]).join(' '));
}
const cfg = bertConfig('tiny', { vocabSize: small.vocabSize, maxPositions: 16, hiddenSize: 16, intermediateSize: 32 });

test('BERT masking: 15% of real pieces, at least one per row, specials untouched', () => {
  const tok = defaultTokenizer();
  const rows = sentences(200, 1).map((s) => tok.encode(s, 50));
  const b = maskBatch(rows, tok, new Rng(7));
  const real = rows.reduce((a, r) => a + r.length - 2, 0);
  assert.ok(b.targets.length >= 200 && b.targets.length < 0.3 * real, `${b.targets.length} of ${real}`);
  let masked = 0;
  b.positions.forEach((flat, i) => {
    const row = Math.floor(flat / b.width);
    const t = flat % b.width;
    const original = rows[row] as Int32Array;
    assert.equal(b.targets[i], original[t]);
    assert.ok(t > 0 && t < original.length - 1, 'never [CLS], [SEP] or padding');
    if (b.ids[flat] === tok.maskId) masked += 1;
    else assert.ok((b.ids[flat] as number) >= 999, 'random replacements are regular tokens');
  });
  assert.ok(masked / b.targets.length > 0.7 && masked / b.targets.length < 0.9);
  assert.deepEqual(maskBatch(rows, tok, new Rng(7)).positions, b.positions);
  assert.equal(learningRate(5, { lr: 1, warmupSteps: 10, steps: 100 }), 0.5);
  assert.equal(learningRate(55, { lr: 1, warmupSteps: 10, steps: 100 }), 0.5);
});

test('MLM pretraining resumed from a checkpoint continues exactly like an uninterrupted run', () => {
  const texts = sentences(64, 2);
  const base = { config: cfg, seed: 3, steps: 4, batchSize: 8, lr: 1e-2, warmupSteps: 1, maxLength: 12, weightDecay: 0.01, checkpointEvery: 2, heldOut: sentences(8, 9) };
  const dirA = mkdtempSync(join(tmpdir(), 'mlm-a-'));
  const dirB = mkdtempSync(join(tmpdir(), 'mlm-b-'));
  const straight = pretrainMlm(texts, small, { ...base, outDir: dirA });
  const cut = pretrainMlm(texts, small, { ...base, outDir: dirB, stopAfter: 2 });
  assert.equal(cut.stepsDone, 2);
  cut.bert.dispose();
  cut.head.dispose();
  const resumed = pretrainMlm(texts, small, { ...base, outDir: dirB });
  assert.equal(resumed.resumedFrom, 2);
  assert.ok(Number.isFinite(straight.lastLoss) && straight.heldOutLoss !== null);
  assert.equal(resumed.lastLoss, straight.lastLoss);
  for (const [name, v] of straight.bert.params) assert.deepEqual(Array.from(resumed.bert.param(name).dataSync()), Array.from(v.dataSync()), name);
  for (const [name, v] of straight.head.params) assert.deepEqual(Array.from(resumed.head.params.get(name)?.dataSync() ?? []), Array.from(v.dataSync()), name);
  // a checkpoint of another shape is refused
  assert.throws(() => pretrainMlm(texts, small, { ...base, config: { ...cfg, numLayers: 1 }, outDir: dirB }), /cannot resume .* numLayers is 2, this run asks for 1/);
  for (const r of [straight, resumed]) {
    r.bert.dispose();
    r.head.dispose();
  }
  for (const d of [dirA, dirB]) rmSync(d, { recursive: true });
});

test('text regressor fine-tuning: selects on valid, scores test, leaves no tensors behind', () => {
  const rng = new Rng(4);
  const make = (n: number): { id: string; text: string; label: number }[] =>
    sentences(n, rng.int(1000)).map((text, i) => ({ id: String(i), text, label: (text.includes('good') || text.includes('love') ? 1.5 : 0) - (text.includes('bad') || text.includes('hate') ? 1.5 : 0) }));
  const bert = new Bert(cfg, 5);
  const before = tf.memory().numTensors;
  const r = finetuneTextRegressor(bert, small, { train: make(96), valid: make(32), test: make(32) }, { seed: 1, epochs: 3, batchSize: 16, lr: 3e-3, maxLength: 12 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.epochs.length, 3);
  const bestMae = Math.min(...r.epochs.map((e) => e.valid.mae));
  assert.equal(r.valid.mae, bestMae);
  assert.equal(r.epochs[r.bestEpoch - 1]?.valid.mae, bestMae);
  assert.ok(r.test !== null && r.test.n === 32 && r.testPredictions?.length === 32);
  assert.ok(r.epochs[2]!.trainLoss < r.epochs[0]!.trainLoss, `train loss ${r.epochs.map((e) => e.trainLoss)}`);
  bert.dispose();
});

test('fine-tuning with frozen embeddings updates only the layers; [CLS] pooling reads position 0', () => {
  const rng = new Rng(7);
  const make = (n: number): { id: string; text: string; label: number }[] =>
    sentences(n, rng.int(1000)).map((text, i) => ({ id: String(i), text, label: text.includes('good') ? 1 : -1 }));
  const bert = new Bert(cfg, 6);
  const before = new Map([...bert.params].map(([k, v]) => [k, Array.from(v.dataSync())]));
  const r = finetuneTextRegressor(bert, small, { train: make(32), valid: make(16), test: [] }, { seed: 2, epochs: 1, batchSize: 16, lr: 3e-3, maxLength: 12, freeze: 'embeddings', pooling: 'cls' });
  assert.equal(r.test, null);
  for (const [k, v] of bert.params) {
    const same = Array.from(v.dataSync()).every((x, i) => x === before.get(k)![i]);
    if (k.startsWith('embeddings.')) assert.ok(same, `${k} changed although frozen`);
    else if (k.endsWith('.weight') && !k.includes('LayerNorm')) assert.ok(!same, `${k} did not change`);
  }
  const h = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
  const m = tf.tensor2d([1, 1, 0, 1, 1, 1], [2, 3]);
  assert.deepEqual(Array.from(poolSentence(h as tf.Tensor3D, m as tf.Tensor2D, 'cls').dataSync()), [1, 2, 7, 8]);
  assert.deepEqual(Array.from(poolSentence(h as tf.Tensor3D, m as tf.Tensor2D, 'mean').dataSync()), [2, 3, 9, 10]);
  tf.dispose([h, m]);
  const opts = { seed: 0, epochs: 1, freeze: 'all' } as unknown as { seed: number };
  assert.throws(() => finetuneTextRegressor(bert, small, { train: make(4), valid: make(4), test: [] }, opts), /freeze must be 'none' or 'embeddings'/);
  bert.dispose();
});

test('the regression head can start from given values and is returned at the selected epoch', () => {
  const rng = new Rng(8);
  const make = (n: number): { id: string; text: string; label: number }[] =>
    sentences(n, rng.int(1000)).map((text, i) => ({ id: String(i), text, label: text.includes('good') ? 1 : -1 }));
  const h = cfg.hiddenSize;
  const init = { weight: Float32Array.from({ length: h }, (_, i) => (i % 2 === 0 ? 0.5 : -0.5)), bias: Float32Array.from([0.25]) };
  // lr 0: nothing moves, so the returned head is the initial one and a fresh head differs from it
  const bert = new Bert(cfg, 9);
  const r = finetuneTextRegressor(bert, small, { train: make(16), valid: make(8), test: [] }, { seed: 3, epochs: 1, batchSize: 8, lr: 0, maxLength: 12, headInit: init });
  assert.deepEqual(Array.from(r.head.weight), Array.from(init.weight));
  assert.deepEqual(Array.from(r.head.bias), [0.25]);
  const fresh = finetuneTextRegressor(bert, small, { train: make(16), valid: make(8), test: [] }, { seed: 3, epochs: 1, batchSize: 8, lr: 0, maxLength: 12 });
  assert.notDeepEqual(Array.from(fresh.head.weight), Array.from(init.weight));
  assert.deepEqual(Array.from(fresh.head.bias), [0]);
  const bad = { weight: new Float32Array(h - 1), bias: new Float32Array(1) };
  assert.throws(() => finetuneTextRegressor(bert, small, { train: make(4), valid: make(4), test: [] }, { seed: 0, epochs: 1, headInit: bad }), new RegExp(`initial weight has ${h - 1} values and bias 1, expected ${h} and 1`));
  bert.dispose();
});

test('GloVe initialisation keeps the geometry of the vectors and the BERT init scale', () => {
  const p = randomOrthonormal(4, 6, new Rng(1)); // [4, 6], orthonormal rows
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let dot = 0;
      for (let k = 0; k < 6; k++) dot += p[i * 6 + k]! * p[j * 6 + k]!;
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-6);
    }
  }
  const tok = defaultTokenizer();
  const glove = loadGlove();
  assert.equal(glove.dim, 100);
  const bert = new Bert(bertConfig('mini'), 6);
  const n = initWordEmbeddingsFromGlove(bert, tok, 6, glove);
  assert.ok(n > 20_000, `${n} rows`);
  const table = bert.param('embeddings.word_embeddings.weight').arraySync() as number[][];
  const row = (w: string): number[] => table[tok.idOf(w) as number] as number[];
  const cos = (a: number[], b: number[]): number => {
    const d = a.reduce((s, x, i) => s + x * b[i]!, 0);
    return d / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
  };
  // centred GloVe cosines are kept exactly (orthonormal rows, H = 128 ≥ 100)
  const mean = new Array(100).fill(0);
  glove.words.forEach((_, r) => { for (let k = 0; k < 100; k++) mean[k] += glove.vectors[r * 100 + k]! / glove.words.length; });
  const g = (w: string): number[] => { const r = glove.words.indexOf(w); return Array.from({ length: 100 }, (_, k) => glove.vectors[r * 100 + k]! - mean[k]); };
  assert.ok(Math.abs(cos(row('good'), row('great')) - cos(g('good'), g('great'))) < 1e-4);
  assert.ok(cos(row('good'), row('great')) > cos(row('good'), row('table')));
  const all = tok.tokens.map((_, i) => i).filter((i) => glove.words.includes(tok.tokens[i]!)).slice(0, 2000).flatMap((i) => table[i]!);
  const std = Math.sqrt(all.reduce((s, x) => s + x * x, 0) / all.length);
  assert.ok(std > 0.012 && std < 0.03, `element std ${std}`);
  bert.dispose();
});
