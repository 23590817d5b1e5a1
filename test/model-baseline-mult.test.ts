// MulT (src/model/baselines/mult/mult.ts): what the generic baseline tests do not cover — the
// temporal convolution against a hand computation ('valid' and 'same'), the last REAL element of a
// padded stream, the head (proj1/proj2 residual block, output layer) against a hand computation
// from the latents, the six crossmodal and three self-attention transformers by name, the future
// mask wired in (and inert when every stream has one step, as on the MOSI main job), the main
// job's T_A = T_V = 1 and clips without frames, padding invariance with kernels > 1, dropout
// determinism, the config checks and the hand parameter count (model, multParams and efficiency rows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { baselineCost } from '../src/eval/efficiency';
import { crossmodalName, DEFAULT_MULT_CONFIG, lastRealStep, multParams, MultModel, multSources, QUICK_MULT_OVERRIDES, resolveMultConfig, TemporalConv, type MultConfig } from '../src/model/baselines/mult/mult';
import type { BaselineInputs } from '../src/model/baselines/types';
import { BertHost } from '../src/model/text-host';
import { Bert } from '../src/text/bert';
import { bertConfig } from '../src/text/bert-config';
import { Rng } from '../src/util/rng';

const DIMS = { textWidth: 8, audioDim: 3, visualDim: 5 };
const SMALL: MultConfig = resolveMultConfig({ ...QUICK_MULT_OVERRIDES, modelDim: 4 });

function tinyHost(): BertHost {
  return new BertHost(new Bert(bertConfig('tiny', { vocabSize: 40, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 16 }), 7));
}

function build(overrides: Partial<MultConfig> = {}, seed = 3): MultModel {
  return new MultModel(resolveMultConfig(overrides, SMALL), DIMS, tinyHost(), seed);
}

interface Lengths {
  text: number[];
  audio: number[];
  visual: number[];
}

/** A hand batch with the given real lengths, padded to `pad` extra steps per modality (padded values random, masks 0). */
function handBatch(lens: Lengths, pad = 0, seed = 1): BaselineInputs {
  const b = lens.text.length;
  const t = { text: Math.max(1, ...lens.text) + pad, audio: Math.max(1, ...lens.audio) + pad, visual: Math.max(1, ...lens.visual) + pad };
  const mask = (l: number[], len: number): tf.Tensor2D => tf.tensor2d(Array.from({ length: b * len }, (_, k) => (k % len < (l[Math.floor(k / len)] as number) ? 1 : 0)), [b, len]);
  // real values depend on (clip, step) only, so the same clip padded further has the same real frames
  const frames = (l: number[], len: number, dim: number, s: number): tf.Tensor3D => {
    const v = new Float32Array(b * len * dim);
    const r = new Rng(s);
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < len; j++) {
        for (let k = 0; k < dim; k++) v[(i * len + j) * dim + k] = j < (l[i] as number) ? Math.sin(1 + i * 7.1 + j * 3.3 + k * 1.7 + s) : r.normal() * 5;
      }
    }
    return tf.tensor3d(v, [b, len, dim]);
  };
  const ids = Array.from({ length: b * t.text }, (_, k) => (k % t.text < (lens.text[Math.floor(k / t.text)] as number) ? 1 + ((k % t.text) * 5 + Math.floor(k / t.text) * 3) % 39 : 0));
  return {
    textIds: tf.tensor2d(ids, [b, t.text], 'int32'),
    textMask: mask(lens.text, t.text),
    audio: frames(lens.audio, t.audio, DIMS.audioDim, seed),
    audioMask: mask(lens.audio, t.audio),
    visual: frames(lens.visual, t.visual, DIMS.visualDim, seed + 10),
    visualMask: mask(lens.visual, t.visual),
    hostLengths: { text: Int32Array.from(lens.text), audio: Int32Array.from(lens.audio), visual: Int32Array.from(lens.visual) },
  };
}

function disposeInputs(x: BaselineInputs): void {
  tf.dispose([x.textIds, x.textMask, x.audio, x.audioMask, x.visual, x.visualMask]);
}

function predict(model: MultModel, x: BaselineInputs, training = false): number[] {
  const out = model.forward(x, { training });
  const y = Array.from(out.yHat.dataSync());
  tf.dispose([out.yHat, ...Object.values(out.latents)]);
  return y;
}

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('mult: the temporal convolution is Σ_s x_{t+s} W_s over a window of k frames (valid: T − k + 1 outputs; same: zeros outside the real steps)', async () => {
  await initBackend();
  for (const padding of ['valid', 'same'] as const) {
    const conv = new TemporalConv(`t/conv/${padding}`, 2, 3, 3, padding, new Rng(1));
    const w = conv.linear.w.arraySync() as number[][]; // [k·d_in, d], rows s·d_in + i
    // one clip: 4 real steps of 2 features, one padded step holding garbage
    const xs = [[1, 2], [-1, 0.5], [3, -2], [0.25, 1], [99, -99]];
    const x = tf.tensor3d([xs]);
    const mask = tf.tensor2d([[1, 1, 1, 1, 0]]);
    const out = conv.apply(x, mask);
    const real = (j: number): number[] => (j >= 0 && j < 4 ? (xs[j] as number[]) : [0, 0]);
    const start = padding === 'valid' ? 0 : -1;
    const tOut = padding === 'valid' ? 3 : 5;
    assert.deepEqual(out.seq.shape, [1, tOut, 3]);
    assert.deepEqual(Array.from(out.mask.dataSync()), padding === 'valid' ? [1, 1, 0] : [1, 1, 1, 1, 0]);
    const got = out.seq.arraySync()[0] as number[][];
    const realOut = padding === 'valid' ? 2 : 4; // the steps whose window ends inside (valid) / centres on (same) a real step
    for (let t = 0; t < realOut; t++) {
      for (let o = 0; o < 3; o++) {
        let want = 0;
        for (let s = 0; s < 3; s++) for (let i = 0; i < 2; i++) want += (real(t + start + s)[i] as number) * (w[s * 2 + i] as number[])[o]!;
        close(got[t]![o]!, want, 1e-5, `${padding} t=${t} o=${o}`);
      }
    }
    tf.dispose([x, mask, out.seq, out.mask]);
    conv.dispose();
  }
  assert.throws(() => new TemporalConv('t/even', 2, 3, 2, 'same', new Rng(1)), /odd kernel/);
});

test('mult: lastRealStep reads each clip at its last real step, never a padded one', async () => {
  await initBackend();
  const h = tf.tensor3d([[[1, 1], [2, 2], [9, 9]], [[3, 3], [9, 9], [9, 9]], [[4, 4], [5, 5], [6, 6]]]);
  const mask = tf.tensor2d([[1, 1, 0], [1, 0, 0], [1, 1, 1]]);
  const got = lastRealStep(h, mask);
  assert.deepEqual(got.arraySync(), [[2, 2], [3, 3], [6, 6]]);
  tf.dispose([h, mask, got]);
});

test('mult: six crossmodal transformers source→target, three self-attention transformers at 2d, a bias-free conv per modality; stable names', async () => {
  await initBackend();
  assert.deepEqual(multSources('text'), ['audio', 'visual']);
  assert.deepEqual(multSources('audio'), ['text', 'visual']);
  assert.deepEqual(multSources('visual'), ['text', 'audio']);
  const model = build();
  try {
    assert.deepEqual([...model.crossmodal.keys()], ['audioToText', 'visualToText', 'textToAudio', 'visualToAudio', 'textToVisual', 'audioToVisual']);
    assert.equal(crossmodalName('visual', 'audio'), 'visualToAudio');
    const names = [...model.namedVariables().keys()];
    for (const n of ['mult/conv/text/kernel', 'mult/conv/audio/kernel', 'mult/conv/visual/kernel', 'mult/crossmodal/audioToText/layer0/attention/query/kernel',
      'mult/crossmodal/textToVisual/finalNorm/gamma', 'mult/self/text/layer0/ff1/kernel', 'mult/self/visual/finalNorm/beta', 'mult/proj1/kernel', 'mult/proj2/bias', 'mult/out/kernel']) {
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    }
    assert.ok(!names.some((n) => n.startsWith('mult/conv/') && n.endsWith('/bias')), 'the projections have no bias (Conv1d bias=False)');
    assert.deepEqual(model.selfAttention.text.layers[0]!.ff1.w.shape, [8, 32], 'self-attention at 2d with an FFN of 4·2d');
    assert.deepEqual(model.crossmodal.get('audioToText')!.layers[0]!.ff1.w.shape, [4, 16], 'crossmodal at d with an FFN of 4d');
    // the attention dropout is the SOURCE's (the reference's get_network('la') → attn_dropout_a)
    const m2 = build({ attentionDropout: 0.3, audioAttentionDropout: 0.1, visualAttentionDropout: 0.2 });
    const rate = (n: string): number => m2.crossmodal.get(n)!.options.attentionDropout;
    assert.deepEqual(['audioToText', 'visualToText', 'textToAudio', 'visualToAudio', 'textToVisual', 'audioToVisual'].map(rate), [0.1, 0.2, 0.3, 0.2, 0.3, 0.1]);
    assert.equal(m2.selfAttention.audio.options.attentionDropout, 0.3);
    assert.equal(m2.selfAttention.audio.options.causal, true, "attentionMask 'future' by default");
    m2.dispose();
  } finally {
    model.dispose();
  }
});

test('mult: ŷ = W_out(proj2(ReLU(proj1 h)) + h) + b with h = [h_L; h_A; h_V] (hand check from the latents, proj2 zeroed and not)', async () => {
  await initBackend();
  const model = build();
  const x = handBatch({ text: [4, 2], audio: [3, 1], visual: [2, 3] });
  try {
    const out = model.forward(x, { training: false });
    const lat = Object.fromEntries(Object.entries(out.latents).map(([k, v]) => [k, v.arraySync() as number[][]]));
    assert.deepEqual(Object.keys(lat), ['text', 'audio', 'visual', 'fusion']);
    for (const k of ['text', 'audio', 'visual']) assert.deepEqual([lat[k]!.length, lat[k]![0]!.length], [2, 8], `${k}: [B, 2d]`);
    const W = (d: { w: tf.Variable; b: tf.Variable | null }) => ({ w: d.w.arraySync() as number[][], b: (d.b as tf.Variable).arraySync() as number[] });
    const lin = (v: number[], p: { w: number[][]; b: number[] }): number[] => p.b.map((bj, j) => bj + v.reduce((s, vi, i) => s + vi * (p.w[i] as number[])[j]!, 0));
    const [p1, p2, o] = [W(model.head.proj1), W(model.head.proj2), W(model.head.out)];
    const y = Array.from(out.yHat.dataSync());
    for (let r = 0; r < 2; r++) {
      const h = [...lat.text![r]!, ...lat.audio![r]!, ...lat.visual![r]!];
      const block = lin(lin(h, p1).map((v) => Math.max(0, v)), p2).map((v, i) => v + h[i]!);
      block.forEach((v, i) => close(lat.fusion![r]![i]!, v, 1e-4, `fusion[${r}][${i}]`));
      close(y[r]!, lin(block, o)[0]!, 1e-4, `ŷ[${r}]`);
    }
    tf.dispose([out.yHat, ...Object.values(out.latents)]);
    // with proj2 = 0 the residual block is the identity: the fused latent IS the concatenation
    model.head.proj2.w.assign(tf.zerosLike(model.head.proj2.w));
    (model.head.proj2.b as tf.Variable).assign(tf.zerosLike(model.head.proj2.b as tf.Variable));
    const z = model.forward(x, { training: false });
    const cat = tf.concat([z.latents.text!, z.latents.audio!, z.latents.visual!], 1);
    assert.ok((tf.max(tf.abs(tf.sub(cat, z.latents.fusion!))).dataSync()[0] as number) < 1e-6);
    tf.dispose([z.yHat, ...Object.values(z.latents), cat]);
  } finally {
    disposeInputs(x);
    model.dispose();
  }
});

test('mult: every modality reaches ŷ through its real steps; padded steps (random values) and extra padding never do', async () => {
  await initBackend();
  const model = build();
  const lens = { text: [5, 2, 3], audio: [4, 1, 2], visual: [3, 2, 1] };
  const base = handBatch(lens);
  const padded = handBatch(lens, 4);
  try {
    const y0 = predict(model, base);
    const yp = predict(model, padded);
    y0.forEach((v, i) => close(yp[i]!, v, 1e-5, `clip ${i} padded by 4 random steps`));
    // nudge one real step of each non-text modality: the prediction moves
    for (const m of ['audio', 'visual'] as const) {
      const nudged = { ...base, [m]: tf.add(base[m], tf.mul(tf.oneHot([0], base[m].shape[0]).reshape([-1, 1, 1]), 0.5)) };
      const yn = predict(model, nudged as BaselineInputs);
      assert.ok(Math.abs(yn[0]! - y0[0]!) > 1e-6, `${m}: ${yn[0]} vs ${y0[0]}`);
      close(yn[1]!, y0[1]!, 1e-6, `${m}: other clips unchanged`);
      (nudged as BaselineInputs)[m].dispose();
    }
  } finally {
    disposeInputs(base);
    disposeInputs(padded);
    model.dispose();
  }
});

test('mult: the future mask is wired in (changes ŷ on sequences) and inert when every stream has one step (MOSI main job: T_A = T_V = 1, here T_L = 1 too)', async () => {
  await initBackend();
  const future = build({ attentionMask: 'future' });
  const none = build({ attentionMask: 'none' });
  const seqs = handBatch({ text: [5, 3], audio: [4, 2], visual: [3, 3] });
  const ones = handBatch({ text: [1, 1], audio: [1, 1], visual: [1, 1] });
  const main = handBatch({ text: [6, 3], audio: [1, 1], visual: [1, 1] });
  try {
    const [a, b] = [predict(future, seqs), predict(none, seqs)];
    assert.ok(Math.abs(a[0]! - b[0]!) > 1e-6, `same weights, mask on/off: ${a[0]} vs ${b[0]}`);
    const [c, d] = [predict(future, ones), predict(none, ones)];
    c.forEach((v, i) => close(d[i]!, v, 1e-6, `one step everywhere, clip ${i}`));
    // the main job's shape trains: finite ŷ, gradients to every variable except the query/key
    // projections of the attentions over ONE key (sources audio / visual, and the audio / visual
    // self-attention): softmax over one key is 1 whatever the scores, so those get exactly zero
    const vars = future.namedVariables();
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.abs(future.forward(main, { training: true }).yHat)) as tf.Scalar, [...vars.values()]);
    assert.ok(Number.isFinite(value.dataSync()[0] as number));
    const oneKey = /^mult\/(crossmodal\/(audio|visual)To\w+|self\/(audio|visual))\/layer\d+\/attention\/(query|key)\//;
    let silent = 0;
    for (const [n, v] of vars) {
      const g = tf.sum(tf.abs(grads[v.name] as tf.Tensor)).dataSync()[0] as number;
      if (oneKey.test(n)) {
        assert.equal(g, 0, `${n} reads scores over one key`);
        silent += 1;
      } else assert.ok(g > 0, `no gradient for ${n}`);
    }
    assert.equal(silent, 6 * 4, 'four crossmodal + two self-attention transformers × query/key × kernel/bias');
    tf.dispose([value, ...Object.values(grads)]);
  } finally {
    for (const x of [seqs, ones, main]) disposeInputs(x);
    future.dispose();
    none.dispose();
  }
});

test('mult: a clip without audio frames reads one zero step (finite, padding-invariant); kernels > 1 stay padding-invariant; too-short clips name the key', async () => {
  await initBackend();
  const model = build();
  const empty = handBatch({ text: [3, 4], audio: [0, 2], visual: [2, 0] });
  const emptyPadded = handBatch({ text: [3, 4], audio: [0, 2], visual: [2, 0] }, 3);
  try {
    const [a, b] = [predict(model, empty), predict(model, emptyPadded)];
    a.forEach((v, i) => {
      assert.ok(Number.isFinite(v));
      close(b[i]!, v, 1e-5, `clip ${i}`);
    });
  } finally {
    disposeInputs(empty);
    disposeInputs(emptyPadded);
    model.dispose();
  }
  for (const convPadding of ['valid', 'same'] as const) {
    const m = build({ textKernel: 3, audioKernel: 3, visualKernel: 1, convPadding });
    const lens = { text: [5, 3], audio: [4, 3], visual: [2, 1] };
    const [x, xp] = [handBatch(lens), handBatch(lens, 3)];
    try {
      const [a, b] = [predict(m, x), predict(m, xp)];
      a.forEach((v, i) => close(b[i]!, v, 1e-5, `${convPadding}, clip ${i}`));
    } finally {
      disposeInputs(x);
      disposeInputs(xp);
      m.dispose();
    }
  }
  const valid = build({ audioKernel: 3 });
  const same = build({ audioKernel: 3, convPadding: 'same' });
  const short = handBatch({ text: [3, 3], audio: [4, 1], visual: [1, 1] });
  try {
    assert.throws(() => valid.forward(short, { training: false }), /audioKernel 3 with convPadding 'valid' needs at least 3 real audio steps per clip; clip 1 of the batch has 1/);
    assert.ok(predict(same, short).every(Number.isFinite), "'same' works for one frame");
  } finally {
    disposeInputs(short);
    valid.dispose();
    same.dispose();
  }
});

test('mult: training forwards draw dropout from the model stream (same seed → same ŷ, other seed → other ŷ); evaluation ignores it', async () => {
  await initBackend();
  const model = build({ embeddingDropout: 0.3, attentionDropout: 0.3, reluDropout: 0.3, residualDropout: 0.3, outputDropout: 0.3 });
  const x = handBatch({ text: [4, 2], audio: [3, 2], visual: [2, 2] });
  try {
    model.setDropoutSeed(5);
    const a = predict(model, x, true);
    model.setDropoutSeed(5);
    const b = predict(model, x, true);
    assert.deepEqual(a, b);
    model.setDropoutSeed(6);
    const c = predict(model, x, true);
    assert.ok(Math.abs(a[0]! - c[0]!) > 1e-6, 'another seed, other masks');
    const e1 = predict(model, x);
    model.setDropoutSeed(9);
    assert.deepEqual(predict(model, x), e1);
    const before = tf.memory().numTensors;
    predict(model, x, true);
    predict(model, x);
    assert.equal(tf.memory().numTensors, before, 'no tensor leak');
  } finally {
    disposeInputs(x);
    model.dispose();
  }
});

test('mult config: the reference defaults, quick sizes, unknown keys, heads dividing d, odd kernels for same padding, enums', () => {
  assert.deepEqual(
    [DEFAULT_MULT_CONFIG.modelDim, DEFAULT_MULT_CONFIG.numHeads, DEFAULT_MULT_CONFIG.crossmodalLayers, DEFAULT_MULT_CONFIG.selfLayers, DEFAULT_MULT_CONFIG.textKernel, DEFAULT_MULT_CONFIG.embeddingDropout, DEFAULT_MULT_CONFIG.attentionMask, DEFAULT_MULT_CONFIG.regressionLoss],
    [30, 5, 5, 5, 1, 0.25, 'future', 'l1'],
  );
  assert.equal(resolveMultConfig(QUICK_MULT_OVERRIDES).modelDim, 8);
  assert.throws(() => resolveMultConfig({ rank: 2 }), /mult config: unknown key "rank" \(known: modelDim, .*regressionLoss\)/);
  assert.throws(() => resolveMultConfig({ modelDim: 30, numHeads: 4 }), /mult config: modelDim 30 must be divisible by numHeads 4/);
  assert.throws(() => resolveMultConfig({ visualKernel: 2, convPadding: 'same' }), /mult config: visualKernel must be odd with convPadding 'same', got 2/);
  assert.throws(() => resolveMultConfig({ attentionMask: 'causal' }), /mult config: attentionMask must be one of future \| none/);
  assert.throws(() => resolveMultConfig({ reluDropout: 1 }), /mult config: reluDropout must be a rate in \[0, 1\)/);
  assert.throws(() => resolveMultConfig({ selfLayers: 0 }), /mult config: selfLayers must be a positive integer/);
});

test('mult: paramCount equals a hand count (and multParams, and the efficiency rows) on a small config with kernels 1/3/5', async () => {
  await initBackend();
  const c = resolveMultConfig({ audioKernel: 3, visualKernel: 5, convPadding: 'same' }, SMALL);
  const model = new MultModel(c, DIMS, tinyHost(), 0);
  try {
    const d = 4;
    const table = 40 * 8; // the tiny BERT host's word embeddings
    const fc = (i: number, o: number): number => i * o + o;
    // pre-norm layer at width w: Q, K, V, O; two LayerNorms; FFN w → 4w → w
    const layer = (w: number): number => 4 * fc(w, w) + 2 * 2 * w + fc(w, 4 * w) + fc(4 * w, w);
    const conv = d * (1 * 8 + 3 * 3 + 5 * 5);
    const crossmodal = 6 * (1 * layer(d) + 2 * d); // one layer each + a final LayerNorm
    const self = 3 * (1 * layer(2 * d) + 2 * 2 * d);
    const head = 2 * fc(6 * d, 6 * d) + fc(6 * d, 1);
    const hand = table + conv + crossmodal + self + head;
    assert.equal(model.paramCount(), hand);
    const p = multParams(c, DIMS);
    assert.deepEqual(p, { temporalConv: conv, crossmodal, selfAttention: self, head });
    const rows = baselineCost('mult', c, { ...DIMS, textLength: 6, audioLength: 5, visualLength: 4, hostTableParams: table });
    assert.equal(rows.reduce((s, r) => s + r.params, 0), hand);
    assert.ok(rows.every((r) => r.macs >= 0) && rows.some((r) => r.macs > 0));
    // MACs of the crossmodal row: per pair and layer, 2·L_q·d² + 2·L_k·d² (Q,O / K,V) + 2·L_q·L_k·d (scores, context) + 8·L_q·d² (FFN)
    const macs = (lq: number, lk: number, w: number): number => 2 * lq * w * w + 2 * lk * w * w + 2 * lq * lk * w + 8 * lq * w * w;
    const pairs = [[6, 5], [6, 4], [5, 6], [5, 4], [4, 6], [4, 5]] as const;
    assert.equal(rows.find((r) => r.module === 'crossmodal')!.macs, pairs.reduce((s, [q, k]) => s + macs(q, k, d), 0));
    assert.equal(rows.find((r) => r.module === 'selfAttention')!.macs, [6, 5, 4].reduce((s, t) => s + macs(t, t, 2 * d), 0));
  } finally {
    model.dispose();
  }
  // the reference size: d = 30, 5 + 5 layers, 512-wide USE-lite states, 5 audio and 20 visual features (MMSA's MOSI widths)
  const ref = multParams(DEFAULT_MULT_CONFIG, { textWidth: 512, audioDim: 5, visualDim: 20 });
  assert.equal(ref.crossmodal, 6 * (5 * (4 * (900 + 30) + 120 + (30 * 120 + 120) + (120 * 30 + 30)) + 60));
});
