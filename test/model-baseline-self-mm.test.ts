// Self-MM (src/model/baselines/self-mm/self-mm.ts): what the generic baseline tests do not cover —
// the ULGM's equations on hand-checkable inputs (centres, relative distances, generated labels,
// momentum, clipping, empty classes), the weighted L1 objective term by term, where the label
// memory changes (afterStep only, labeled rows only, never in losses or evaluation), the unimodal
// heads' zero weight on first sight, the memory's export/import, and the hand parameter count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { baselineCost } from '../src/eval/efficiency';
import { BertHost } from '../src/model/text-host';
import {
  DEFAULT_SELF_MM_CONFIG, generatedLabel, momentumLabel, QUICK_SELF_MM_OVERRIDES, relativeDistance, resolveSelfMmConfig, selfMmParams, SelfMmModel, UnimodalLabelMemory, ULGM_EPSILON, type SelfMmConfig,
} from '../src/model/baselines/self-mm/self-mm';
import type { BaselineInputs, BaselineLossBatch } from '../src/model/baselines/types';
import { NamedAdamW } from '../src/nn/adamw';
import { Bert } from '../src/text/bert';
import { bertConfig } from '../src/text/bert-config';
import { baselineStep } from '../src/train/baseline-step';
import { DEFAULT_TRAIN_CONFIG, genericTrainConfig } from '../src/train/config';
import type { Batch } from '../src/data/types';

const close = (a: number, b: number, tol = 1e-5, what = ''): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

// ---- ULGM on the host -------------------------------------------------------------------------

const oneDims = { fusion: 2, text: 1, audio: 1, visual: 1 };

/** Three clips seen once: a (y_m = 1), b (y_m = −1), c (y_m = 0, in neither class). */
function seeded(): UnimodalLabelMemory {
  const m = new UnimodalLabelMemory(oneDims, 3);
  m.update(['a', 'b', 'c'], [1, -1, 0], {
    fusion: [1, 0, -1, 0, 5, 5],
    text: [2, -2, 9],
    audio: [2, -2, 9],
    visual: [2, -2, 9],
  });
  return m;
}

test('ULGM: first sight stores y_s = y_m and the representations; no label moves in the first visit', () => {
  const m = seeded();
  assert.equal(m.size, 3);
  for (const id of ['a', 'b', 'c']) assert.equal(m.visitCount(id), 1);
  assert.equal(m.label('a', 'text'), 1);
  assert.equal(m.label('b', 'audio'), -1);
  assert.equal(m.label('c', 'visual'), 0);
  assert.equal(m.label('zz', 'text'), undefined);
  // centres: mean over clips of each sign; c (label 0) is in neither class (the code's excludeZero)
  const f = m.centres('fusion');
  assert.deepEqual(Array.from(f.positive as Float32Array), [1, 0]);
  assert.deepEqual(Array.from(f.negative as Float32Array), [-1, 0]);
  const t = m.centres('text');
  assert.deepEqual([t.positive?.[0], t.negative?.[0]], [2, -2]);
  const { targets, known } = m.targetsOf(['b', 'zz', 'a']);
  assert.deepEqual(Array.from(known), [1, 0, 1]);
  assert.deepEqual(Array.from(targets), [-1, -1, -1, 0, 0, 0, 1, 1, 1]);
});

test('ULGM: the second visit generates y_s from α_s and α_m and applies the momentum update (hand values)', () => {
  const m = seeded();
  // a again: F*_m = [0.5, 0] → D^p = 0.5, D^n = 1.5, α_m = (1.5 − 0.5)/0.5 = 2
  m.update(['a'], [1], { fusion: [0.5, 0], text: [1], audio: [-1], visual: [0] });
  assert.equal(m.visitCount('a'), 2);
  // text: F* = 1 vs C^p = 2, C^n = −2 → D^p = 1, D^n = 3, α_t = 2; y = ½·(2/2)·1 + ½·(1 + 2 − 2) = 1; n = 2: ⅓·1 + ⅔·1 = 1
  close(m.label('a', 'text') as number, 1, 1e-6, 'y_t');
  // audio: F* = −1 → D^p = 3, D^n = 1, α_a = −2/3; y = ½·(−1/3)·1 + ½·(1 − 2/3 − 2) = −1; ⅓·1 + ⅔·(−1) = −1/3
  close(m.label('a', 'audio') as number, -1 / 3, 1e-6, 'y_a');
  // visual: F* = 0 → D^p = D^n = 2, α_v = 0; y = ½·(1 + 0 − 2) = −½; ⅓·1 + ⅔·(−½) = 0
  close(m.label('a', 'visual') as number, 0, 1e-6, 'y_v');
  // the other clips were not in the batch: unchanged
  assert.equal(m.label('b', 'audio'), -1);
  assert.equal(m.visitCount('b'), 1);
  // the representations are stored AFTER the labels: a's new F*_m now defines C^p
  assert.deepEqual(Array.from(m.centres('fusion').positive as Float32Array), [0.5, 0]);
  // a's audio label is now negative: it moved from C^p_a to C^n_a, whose mean is (−2 + −1)/2
  const ca = m.centres('audio');
  assert.equal(ca.positive, null, 'no clip has y_a > 0 any more');
  close((ca.negative as Float32Array)[0] as number, -1.5, 1e-6, 'C^n_a');
});

test('ULGM: the formulas one by one — relative distance, the two relations averaged, clipping to ±H, momentum weights', () => {
  close(relativeDistance([3, 4], 0, 2, { positive: Float32Array.from([0, 0]), negative: Float32Array.from([3, 0]) }), (4 - 5) / (5 + ULGM_EPSILON), 1e-9, 'α');
  close(relativeDistance([9, 3, 4], 1, 2, { positive: Float32Array.from([0, 0]), negative: Float32Array.from([3, 0]) }), -0.2, 1e-7, 'α at an offset');
  // y_s = y_m + (α_s − α_m)/2 · (y_m/α_m + 1)
  for (const [y, as, am] of [[1.5, 0.4, 1.2], [-2, 3, 0.5], [0.3, -1, 2]] as const) {
    close(generatedLabel(y, as, am, 10), y + ((as - am) / 2) * (y / am + 1), 1e-6, `y_s(${y}, ${as}, ${am})`);
  }
  assert.equal(generatedLabel(1, 2, 1e-12, 3), 3, 'α_m ≈ 0 blows up y_s: clipped to H');
  assert.equal(generatedLabel(-1, 2, 1e-12, 3), -3);
  // (n−1)/(n+1) · old + 2/(n+1) · new
  assert.equal(momentumLabel(1, -1, 3), 0);
  close(momentumLabel(2, 1, 2), 2 / 3 + 2 / 3, 1e-12, 'n = 2');
  close(momentumLabel(0.5, 1.5, 9), 0.8 * 0.5 + 0.2 * 1.5, 1e-12, 'n = 9');
});

test('ULGM: a class with no clip has no centre, and that modality keeps its labels (no NaN)', () => {
  const m = new UnimodalLabelMemory(oneDims, 3);
  const f = { fusion: [1, 0, 2, 0], text: [1, 2], audio: [1, 2], visual: [1, 2] };
  m.update(['p', 'q'], [1, 2], f); // only positive clips
  assert.equal(m.centres('fusion').negative, null);
  m.update(['p', 'q'], [1, 2], f);
  assert.equal(m.visitCount('p'), 2);
  assert.deepEqual(['text', 'audio', 'visual'].map((t) => m.label('p', t as 'text')), [1, 1, 1]);
  assert.throws(() => m.update(['p', 'p'], [1, 1], { fusion: [0, 0, 0, 0], text: [0, 0], audio: [0, 0], visual: [0, 0] }), /occurs twice/);
  assert.throws(() => m.update(['p'], [1], { fusion: [0], text: [0], audio: [0], visual: [0] }), /features\.fusion has 1 values, expected 1 × 2/);
});

test('ULGM: export and import round-trip the whole memory; a mismatched state is refused by field', () => {
  const m = seeded();
  m.update(['a'], [1], { fusion: [0.5, 0], text: [1], audio: [-1], visual: [0] });
  const s = m.exportState();
  const copy = new UnimodalLabelMemory(oneDims, 3);
  copy.importState(JSON.parse(JSON.stringify(s)) as typeof s);
  assert.deepEqual(copy.exportState(), s);
  // the copy evolves like the original
  const next = { fusion: [0, 1], text: [0.5], audio: [0.5], visual: [0.5] };
  m.update(['b'], [-1], next);
  copy.update(['b'], [-1], next);
  assert.deepEqual(copy.exportState(), m.exportState());
  const wrong = new UnimodalLabelMemory({ ...oneDims, text: 2 }, 3);
  assert.throws(() => wrong.importState(s), /featureDims\.text is 1, the model's is 2/);
});

// ---- the model ----------------------------------------------------------------------------------

const DIMS = { textWidth: 8, audioDim: 3, visualDim: 5 };
const SMALL: SelfMmConfig = resolveSelfMmConfig({ ...QUICK_SELF_MM_OVERRIDES, postTextDropout: 0, postAudioDropout: 0 });

function tinyHost(): BertHost {
  return new BertHost(new Bert(bertConfig('tiny', { vocabSize: 40, hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, maxPositions: 16 }), 7));
}

function build(config: SelfMmConfig = SMALL, seed = 3): SelfMmModel {
  return new SelfMmModel(config, DIMS, tinyHost(), seed);
}

/** A hand-made batch: B clips with the given ids and labels, random features, every sequence with its own length. */
function handBatch(ids: string[], labels: number[], numLabeled: number, seed = 1): BaselineInputs & BaselineLossBatch {
  const b = ids.length;
  const [tl, ta, tv] = [5, 4, 3];
  const lens = { text: Int32Array.from(ids.map((_, i) => 5 - (i % 3))), audio: Int32Array.from(ids.map((_, i) => 4 - (i % 2))), visual: Int32Array.from(ids.map((_, i) => 3 - (i % 3))) };
  const mask = (l: Int32Array, t: number): tf.Tensor2D => tf.tensor2d(Array.from({ length: b * t }, (_, k) => (k % t < (l[Math.floor(k / t)] as number) ? 1 : 0)), [b, t]);
  const textMask = mask(lens.text, tl);
  const audioMask = mask(lens.audio, ta);
  const visualMask = mask(lens.visual, tv);
  return {
    textIds: tf.mul(tf.randomUniform([b, tl], 1, 39, 'int32', seed), tf.cast(textMask, 'int32')) as tf.Tensor2D,
    textMask,
    audio: tf.mul(tf.randomNormal([b, ta, DIMS.audioDim], 0, 1, 'float32', seed + 1), tf.expandDims(audioMask, 2)) as tf.Tensor3D,
    audioMask,
    visual: tf.mul(tf.randomNormal([b, tv, DIMS.visualDim], 0, 1, 'float32', seed + 2), tf.expandDims(visualMask, 2)) as tf.Tensor3D,
    visualMask,
    hostLengths: lens,
    ids,
    labels: tf.tensor1d(labels),
    numLabeled,
  };
}

function disposeHand(x: BaselineInputs & BaselineLossBatch): void {
  tf.dispose([x.textIds, x.textMask, x.audio, x.audioMask, x.visual, x.visualMask, x.labels]);
}

test('self-mm: the objective is L1(ŷ_m) + Σ_s mean tanh(|y_s − y_m|)·|ŷ_s − y_s| over the labeled rows (hand check)', async () => {
  await initBackend();
  const model = build();
  // a: known labels (y_t 2, y_a −1, y_v 0.5 with y_m 1), b: unknown (starts at y_m), c: known, d: unlabeled
  const dims = model.labelMemory.featureDims;
  const zeros = (n: number): number[] => new Array<number>(n).fill(0);
  model.importLabelState({
    ids: ['a', 'c'], multimodal: [1, -2], unimodal: [2, -1, 0.5, -2, -2.5, 3], visits: [1, 1],
    features: { fusion: zeros(2 * dims.fusion), text: zeros(2 * dims.text), audio: zeros(2 * dims.audio), visual: zeros(2 * dims.visual) }, featureDims: { ...dims },
  });
  const x = handBatch(['a', 'b', 'c', 'd'], [1, 0.5, -2, 0], 3);
  try {
    const out = model.forward(x, { training: false });
    assert.deepEqual(out.latents.unimodalYHat?.shape, [4, 3]);
    assert.deepEqual(out.latents.fusionFeature?.shape, [4, SMALL.postFusionDim]);
    assert.deepEqual(out.latents.textFeature?.shape, [4, SMALL.postTextDim]);
    const l = model.losses(out, x);
    const y = out.yHat.dataSync();
    const u = out.latents.unimodalYHat?.dataSync() as Float32Array;
    const yM = [1, 0.5, -2];
    const ys = [[2, -1, 0.5], [0.5, 0.5, 0.5], [-2, -2.5, 3]];
    const regression = yM.reduce((s, v, r) => s + Math.abs((y[r] as number) - v), 0) / 3;
    const uni = [0, 1, 2].map((col) => yM.reduce((s, v, r) => s + Math.tanh(Math.abs((ys[r] as number[])[col] as number - v)) * Math.abs((u[r * 3 + col] as number) - ((ys[r] as number[])[col] as number)), 0) / 3);
    const got = Object.fromEntries(Object.entries(l.terms).map(([k, v]) => [k, v.dataSync()[0] as number]));
    assert.deepEqual(Object.keys(got), ['regression', 'text', 'audio', 'visual']);
    close(got.regression as number, regression, 1e-5, 'L_m');
    close(got.text as number, uni[0] as number, 1e-5, 'L_t');
    close(got.audio as number, uni[1] as number, 1e-5, 'L_a');
    close(got.visual as number, uni[2] as number, 1e-5, 'L_v');
    close(l.total.dataSync()[0] as number, regression + (uni[0] as number) + (uni[1] as number) + (uni[2] as number), 1e-5, 'total');
    // losses read the memory, never write it
    assert.equal(model.labelMemory.size, 2);
    assert.equal(model.labelMemory.visitCount('a'), 1);
    tf.dispose([out.yHat, ...Object.values(out.latents), ...Object.values(l.terms), l.total]);
  } finally {
    disposeHand(x);
    model.dispose();
  }
});

test('self-mm: first sight gives the unimodal heads zero weight (no gradient, the paper\'s first epoch); once a second visit has moved the labels they get one', async () => {
  await initBackend();
  const model = build();
  const x = handBatch(['a', 'b', 'c', 'd', 'e', 'f'], [2, -1.5, 0.8, -0.4, 1.2, -2.5], 6);
  const vars = model.namedVariables();
  const gradOf = (): Map<string, number> => {
    const { value, grads } = tf.variableGrads(() => model.losses(model.forward(x, { training: true }), x).total, [...vars.values()]);
    const sums = new Map([...vars].map(([k, v]) => [k, tf.tidy(() => tf.sum(tf.abs(grads[v.name] as tf.Tensor)).dataSync()[0] as number)]));
    tf.dispose([value, ...Object.values(grads)]);
    return sums;
  };
  try {
    const first = gradOf();
    for (const head of ['textHead', 'audioHead', 'visualHead']) {
      const names = [...first.keys()].filter((k) => k.startsWith(`selfMm/${head}/`));
      assert.equal(names.length, 6, head);
      for (const n of names) assert.equal(first.get(n), 0, `${n} has a gradient while y_s = y_m`);
    }
    assert.ok((first.get('selfMm/fusionHead/out/fc2/kernel') as number) > 0);
    assert.ok((first.get('selfMm/audioSubnet/fc/kernel') as number) > 0, 'the subnetworks learn through the fused task');
    // two visits through afterStep (evaluation forwards: no dropout) → the second visit generates labels
    for (let i = 0; i < 2; i++) {
      const out = model.forward(x, { training: false });
      model.afterStep(out, x);
      tf.dispose([out.yHat, ...Object.values(out.latents)]);
    }
    const s = model.exportLabelState();
    assert.deepEqual(s.visits, [2, 2, 2, 2, 2, 2]);
    assert.ok(s.ids.some((_, j) => s.unimodal[3 * j] !== s.multimodal[j]), 'some y_t differs from y_m after the second visit');
    const second = gradOf();
    assert.ok((second.get('selfMm/textHead/out/fc2/kernel') as number) > 0, 'the text head learns once y_t ≠ y_m');
  } finally {
    disposeHand(x);
    model.dispose();
  }
});

test('self-mm: afterStep stores the labeled rows of the step\'s forward only; evaluation never touches the memory; no tensor leaks', async () => {
  await initBackend();
  const model = build();
  const x = handBatch(['a', 'b', 'c', 'u'], [1, -1, 2, 0], 3);
  try {
    const ev = model.forward(x, { training: false });
    tf.dispose([ev.yHat, ...Object.values(ev.latents)]);
    assert.equal(model.labelMemory.size, 0, 'a forward changes nothing');
    const out = model.forward(x, { training: false });
    const n = tf.memory().numTensors;
    model.afterStep(out, x);
    assert.equal(tf.memory().numTensors, n, 'afterStep leaks no tensor');
    const s = model.exportLabelState();
    assert.deepEqual(s.ids, ['a', 'b', 'c'], 'the unlabeled row u is not stored');
    assert.deepEqual(s.multimodal, [1, -1, 2]);
    assert.deepEqual(s.unimodal, [1, 1, 1, -1, -1, -1, 2, 2, 2]);
    const f = out.latents.fusionFeature?.arraySync() as number[][];
    const stored = s.features.fusion;
    for (let r = 0; r < 3; r++) for (let k = 0; k < SMALL.postFusionDim; k++) close(stored[r * SMALL.postFusionDim + k] as number, (f[r] as number[])[k] as number, 1e-7, `F^g_m[${r}, ${k}]`);
    tf.dispose([out.yHat, ...Object.values(out.latents)]);
  } finally {
    disposeHand(x);
    model.dispose();
  }
});

test('self-mm: the training step calls afterStep after the update (visit counts grow per step); steps leak no tensor', async () => {
  await initBackend();
  const model = build();
  const params = model.namedVariables();
  const opt = new NamedAdamW(params, { weightDecay: 0.01 });
  const ctx = { model, config: genericTrainConfig(DEFAULT_TRAIN_CONFIG), modelParams: params, modelOptimizer: opt, hostParams: new Set([...params.keys()].filter((k) => k.startsWith('host/'))) };
  const x = handBatch(['a', 'b', 'c', 'd'], [1, -1, 2, -0.5], 4);
  const batch = x as unknown as Batch;
  try {
    const r1 = baselineStep(ctx, batch, { lr: 1e-3, hostLr: 1e-3 }, 1);
    assert.deepEqual(Object.keys(r1.terms), ['regression', 'text', 'audio', 'visual', 'total']);
    assert.equal(r1.terms.text, 0, 'first sight: unimodal terms are exactly 0');
    assert.equal(r1.terms.total, r1.terms.regression);
    assert.equal(model.labelMemory.visitCount('c'), 1);
    const n = tf.memory().numTensors;
    for (let i = 2; i <= 4; i++) baselineStep(ctx, batch, { lr: 1e-3, hostLr: 1e-3 }, i);
    assert.equal(tf.memory().numTensors, n);
    assert.equal(model.labelMemory.visitCount('c'), 4);
    const r5 = baselineStep(ctx, batch, { lr: 1e-3, hostLr: 1e-3 }, 5);
    assert.ok((r5.terms.text as number) > 0 && (r5.terms.total as number) > (r5.terms.regression as number), JSON.stringify(r5.terms));
  } finally {
    opt.dispose();
    disposeHand(x);
    model.dispose();
  }
});

test('self-mm: parameter count equals the hand count, per module and in the efficiency rows', async () => {
  await initBackend();
  const c = resolveSelfMmConfig({ textHidden: 6, audioLstmHidden: 2, audioOut: 3, visualLstmHidden: 4, visualOut: 5, postFusionDim: 7, postTextDim: 3, postAudioDim: 2, postVisualDim: 4 });
  const model = build(c);
  try {
    const table = 40 * 8;
    // LSTM: 4·(in·h + h·h + h); FC: in·out + out; head: FC(in, d) + FC(d, d) + FC(d, 1)
    const hand = table
      + 4 * (8 * 6 + 36 + 6) // text LSTM 8 → 6
      + 4 * (3 * 2 + 4 + 2) + (2 * 3 + 3) // audio LSTM 3 → 2, FC 2 → 3
      + 4 * (5 * 4 + 16 + 4) + (4 * 5 + 5) // visual LSTM 5 → 4, FC 4 → 5
      + (14 * 7 + 7) + (7 * 7 + 7) + (7 + 1) // fusion head on 6 + 3 + 5 = 14
      + (6 * 3 + 3) + (3 * 3 + 3) + (3 + 1) // text head
      + (3 * 2 + 2) + (2 * 2 + 2) + (2 + 1) // audio head
      + (5 * 4 + 4) + (4 * 4 + 4) + (4 + 1); // visual head
    assert.equal(model.paramCount(), hand);
    assert.equal(table + Object.values(selfMmParams(c, DIMS)).reduce((s, v) => s + v, 0), hand);
    const rows = baselineCost('self-mm', c, { ...DIMS, textLength: 5, audioLength: 4, visualLength: 3, hostTableParams: table });
    assert.equal(rows.reduce((s, r) => s + r.params, 0), hand);
    const p = selfMmParams(c, DIMS);
    for (const [module, params] of Object.entries(p)) assert.equal(rows.find((r) => r.module === module)?.params, params, module);
    // MACs: text LSTM 5 steps · (8 + 6) · 24, heads' products
    assert.equal(rows.find((r) => r.module === 'textSubnet')?.macs, 5 * 14 * 24);
    assert.equal(rows.find((r) => r.module === 'fusionHead')?.macs, 14 * 7 + 7 * 7 + 7);
  } finally {
    model.dispose();
  }
});

test('self-mm config: defaults cite config_regression.json (mosi); bad values name their key', () => {
  assert.equal(DEFAULT_SELF_MM_CONFIG.audioLstmHidden, 16);
  assert.equal(DEFAULT_SELF_MM_CONFIG.visualOut, 32);
  assert.equal(DEFAULT_SELF_MM_CONFIG.postFusionDim, 128);
  assert.equal(DEFAULT_SELF_MM_CONFIG.labelBound, 3);
  assert.throws(() => resolveSelfMmConfig({ rank: 2 }), /self-mm config: unknown key "rank" \(known: textHidden, .*labelBound\)/);
  assert.throws(() => resolveSelfMmConfig({ postTextDropout: 1 }), /self-mm config: postTextDropout must be a rate in \[0, 1\)/);
  assert.throws(() => resolveSelfMmConfig({ audioOut: 0 }), /self-mm config: audioOut must be a positive integer/);
  assert.throws(() => resolveSelfMmConfig({ labelBound: 0 }), /self-mm config: labelBound must be a positive number, got 0/);
});
