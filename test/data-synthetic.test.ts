// The synthetic generator: deterministic by seed, shapes at both presets, labels built from
// every factor, text made of single-WordPiece English words, strict configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSynthetic, resolveSyntheticConfig, SYNTHETIC_PAPER, SYNTHETIC_SMALL, SYNTHETIC_WORDS, type SyntheticConfig,
} from '../src/data/synthetic';
import { defaultTokenizer } from '../src/text/tokenizer';
import type { Clip } from '../src/data/types';

const small = (o: Parameters<typeof resolveSyntheticConfig>[1]): Readonly<SyntheticConfig> => resolveSyntheticConfig(SYNTHETIC_SMALL, o);

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const sameClip = (a: Clip, b: Clip): void => {
  assert.equal(a.id, b.id);
  assert.equal(a.text, b.text);
  assert.equal(a.label, b.label);
  assert.deepEqual(a.audio, b.audio);
  assert.deepEqual(a.visual, b.visual);
  assert.deepEqual(a.factors, b.factors);
};

test('same seed gives identical clips, a different seed different ones; clips are random-access', () => {
  const cfg = small({ numTrain: 20, numValid: 5, numTest: 5, numUnlabeled: 10 });
  const a = createSynthetic(cfg).dataset();
  const b = createSynthetic(cfg).dataset();
  for (const split of ['train', 'valid', 'test'] as const) a.splits[split].forEach((c, i) => sameClip(c, b.splits[split][i]!));
  a.unlabeled.forEach((c, i) => sameClip(c, b.unlabeled[i]!));
  const other = createSynthetic(small({ seed: 99, numTrain: 20 })).dataset();
  assert.notEqual(other.splits.train[0]!.text + other.splits.train[0]!.label, a.splits.train[0]!.text + a.splits.train[0]!.label);
  assert.notDeepEqual(other.splits.train[0]!.audio.data, a.splits.train[0]!.audio.data);
  // clip i of the unlimited pool is the same however it is reached
  const src = createSynthetic(cfg);
  sameClip(src.unlabeledPool.clip(7), a.unlabeled[7]!);
  assert.equal(src.unlabeledPool.size, Infinity);
  assert.equal(src.unlabeledPool.clip(123456).label, null);
  // splits draw different clips
  assert.notEqual(a.splits.valid[0]!.label, a.splits.train[0]!.label);
});

test('small preset shapes: ≤ 40 × 8 audio, ≤ 12 × 16 visual, ≤ 16 tokens; labels in [-3, 3]; factors kept', () => {
  const ds = createSynthetic(SYNTHETIC_SMALL).dataset();
  assert.deepEqual([ds.splits.train.length, ds.splits.valid.length, ds.splits.test.length, ds.unlabeled.length], [256, 64, 128, 512]);
  const tok = defaultTokenizer();
  const clips = [...ds.splits.train, ...ds.splits.valid, ...ds.splits.test, ...ds.unlabeled];
  const audioLengths = new Set<number>();
  for (const c of clips) {
    assert.ok(c.audio.length >= 10 && c.audio.length <= 40 && c.audio.dim === 8);
    assert.equal(c.audio.data.length, c.audio.length * 8);
    assert.ok(c.visual.length >= 4 && c.visual.length <= 12 && c.visual.dim === 16);
    assert.ok(c.audio.data.every(Number.isFinite) && c.visual.data.every(Number.isFinite));
    const ids = tok.encode(c.text, 1000);
    assert.ok(ids.length >= 6 && ids.length <= 16, `${ids.length} tokens`);
    // every word is exactly one WordPiece: tokens = words + [CLS] + [SEP]
    assert.equal(ids.length, c.text.split(' ').length + 2);
    assert.ok(c.factors && c.factors.shared.length === 4 && c.factors.text.length === 4 && c.factors.audio.length === 4 && c.factors.visual.length === 4);
    audioLengths.add(c.audio.length);
  }
  assert.ok(audioLengths.size > 20, 'lengths vary per clip');
  for (const c of [...ds.splits.train, ...ds.splits.test]) assert.ok(c.label !== null && c.label >= -3 && c.label <= 3);
  for (const c of ds.unlabeled) assert.equal(c.label, null);
});

test('paper preset shapes: ≤ 400 × 33 audio, ≤ 55 × 709 visual, ≤ 50 tokens', () => {
  const src = createSynthetic(SYNTHETIC_PAPER);
  const tok = defaultTokenizer();
  let maxA = 0, maxV = 0, maxT = 0;
  for (let i = 0; i < 24; i++) {
    const c = src.clip('train', i);
    assert.equal(c.audio.dim, 33);
    assert.equal(c.visual.dim, 709);
    assert.equal(c.visual.data.length, c.visual.length * 709);
    maxA = Math.max(maxA, c.audio.length);
    maxV = Math.max(maxV, c.visual.length);
    maxT = Math.max(maxT, tok.encode(c.text, 1000).length);
    assert.ok(c.audio.length >= 100 && c.visual.length >= 20);
    assert.equal(c.factors!.shared.length, 16);
  }
  assert.ok(maxA <= 400 && maxV <= 55 && maxT <= 50, `${maxA} ${maxV} ${maxT}`);
  assert.ok(maxA > 300 && maxV > 45 && maxT > 35, 'lengths reach near the maxima');
});

test('the label is the weighted factor term (+ small noise), and depends on each factor', () => {
  const src = createSynthetic(small({ numTrain: 400, labelNoise: 0.05 }));
  const clips = src.dataset().splits.train;
  const y = clips.map((c) => c.label as number);
  const signal = clips.map((c) => src.labelSignal(c.factors!));
  assert.ok(pearson(y, signal) > 0.97, `corr(label, signal) = ${pearson(y, signal)}`);
  // each factor alone: with only its weight non-zero, the label follows that factor's term
  for (const factor of ['shared', 'text', 'audio', 'visual'] as const) {
    const weights = { shared: 0, text: 0, audio: 0, visual: 0, [factor]: 1 };
    const one = createSynthetic(small({ numTrain: 300, labelNoise: 0.1, labelWeights: weights }));
    const cs = one.dataset().splits.train;
    const r = pearson(cs.map((c) => c.label as number), cs.map((c) => one.labelTerms(c.factors!)[factor]));
    assert.ok(r > 0.9, `${factor}: corr ${r}`);
  }
  // with the default weights every factor carries part of the label
  const terms = clips.map((c) => src.labelTerms(c.factors!));
  for (const factor of ['shared', 'text', 'audio', 'visual'] as const) {
    const r = pearson(y, terms.map((t) => t[factor]));
    assert.ok(r > 0.15, `${factor} alone: corr ${r}`);
  }
});

test('text and sequences carry the factors: words follow s, audio follows p_A', () => {
  const src = createSynthetic(small({ numTrain: 400 }));
  const clips = src.dataset().splits.train;
  // the mean audio frame of a clip is a fixed function of (s, p_A) and the length, plus noise
  const meanFrame = (c: Clip): number[] => {
    const out = new Array<number>(c.audio.dim).fill(0);
    for (let t = 0; t < c.audio.length; t++) for (let d = 0; d < c.audio.dim; d++) out[d]! += c.audio.data[t * c.audio.dim + d]! / c.audio.length;
    return out;
  };
  // linear read-out of p_A's label direction from the mean audio frame: least squares on half,
  // correlation on the other half
  const X = clips.map((c) => [...meanFrame(c), 1]);
  const target = clips.map((c) => src.labelTerms(c.factors!).audio);
  const half = 200;
  const d = X[0]!.length;
  const A = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const b = new Array<number>(d).fill(0);
  for (let i = 0; i < half; i++) for (let j = 0; j < d; j++) {
    b[j]! += X[i]![j]! * target[i]!;
    for (let k = 0; k < d; k++) A[j]![k]! += X[i]![j]! * X[i]![k]!;
  }
  for (let j = 0; j < d; j++) A[j]![j]! += 1e-3;
  // Gaussian elimination
  for (let p = 0; p < d; p++) {
    for (let r = p + 1; r < d; r++) {
      const f = A[r]![p]! / A[p]![p]!;
      for (let k = p; k < d; k++) A[r]![k]! -= f * A[p]![k]!;
      b[r]! -= f * b[p]!;
    }
  }
  const w = new Array<number>(d).fill(0);
  for (let p = d - 1; p >= 0; p--) {
    let s = b[p]!;
    for (let k = p + 1; k < d; k++) s -= A[p]![k]! * w[k]!;
    w[p] = s / A[p]![p]!;
  }
  const pred = X.slice(half).map((x) => x.reduce((s, v, j) => s + v * w[j]!, 0));
  const r = pearson(pred, target.slice(half));
  assert.ok(r > 0.5, `audio → f_A(p_A) held-out corr ${r}`);
  // word choice depends on s: clips with opposite shared factors use different words
  const wordsOf = (c: Clip): Set<string> => new Set(c.text.split(' '));
  const byS = [...clips].sort((p, q) => src.labelTerms(p.factors!).shared - src.labelTerms(q.factors!).shared);
  const low = byS.slice(0, 60).flatMap((c) => [...wordsOf(c)]);
  const high = byS.slice(-60).flatMap((c) => [...wordsOf(c)]);
  const freq = (ws: string[]): Map<string, number> => ws.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const fl = freq(low), fh = freq(high);
  const top = (f: Map<string, number>): string[] => [...f.entries()].sort((p, q) => q[1] - p[1]).slice(0, 10).map((e) => e[0]);
  const overlap = top(fl).filter((x) => top(fh).includes(x)).length;
  assert.ok(overlap < 5, `top words of low-s and high-s clips overlap in ${overlap} of 10`);
});

test('word list: unique single-WordPiece words', () => {
  assert.equal(new Set(SYNTHETIC_WORDS).size, SYNTHETIC_WORDS.length);
  const tok = defaultTokenizer();
  for (const w of SYNTHETIC_WORDS) assert.equal(tok.encode(w, 10).length, 3, `"${w}" is not one WordPiece`);
});

test('configs: frozen presets, unknown keys and bad values rejected with the key named', () => {
  assert.ok(Object.isFrozen(SYNTHETIC_SMALL) && Object.isFrozen(SYNTHETIC_SMALL.labelWeights));
  assert.throws(() => resolveSyntheticConfig(SYNTHETIC_SMALL, { numTrian: 3 } as object), /unknown key "numTrian"/);
  assert.throws(() => resolveSyntheticConfig(SYNTHETIC_SMALL, { labelWeights: { share: 1 } } as object), /unknown key "labelWeights\.share"/);
  assert.throws(() => small({ numTrain: 2.5 }), /numTrain must be a non-negative integer/);
  assert.throws(() => small({ labelNoise: Number.NaN }), /labelNoise must be a finite number/);
  assert.throws(() => small({ minAudioLength: 50 }), /minAudioLength \(50\) > maxAudioLength \(40\)/);
  assert.throws(() => small({ audioDim: 0 }), /audioDim must be ≥ 1/);
  const c = small({ labelWeights: { text: 2 } });
  assert.deepEqual({ ...c.labelWeights }, { shared: 1.2, text: 2, audio: 0.5, visual: 0.5 });
  assert.equal(SYNTHETIC_SMALL.labelWeights.text, 0.6, 'the preset is untouched');
});
