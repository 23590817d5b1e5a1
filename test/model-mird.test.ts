// The assembled MIRD network on the real BERT at tiny sizes: shapes (quick, small and paper
// presets), padding invariance, gradients reaching every variable, variable groups, no
// tensor leak after burn-in, exact release on dispose, wasm = cpu, the WSA trace, and the BERT
// presets the model config reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, useBackend } from '../src/backend';
import { AUTHORS_CODE_OVERRIDES, paperVsCode, resolveModelConfig, type ModelConfig } from '../src/model/config';
import { MirdModel, disposeOutput, type MirdOutput, type MirdInputs } from '../src/model/mird';
import type { BertHost } from '../src/model/text-host';
import { randomInputs, disposeInputs } from '../src/model/inputs';
import { Rng } from '../src/util/rng';
import { maskedCrossEntropy, maskedMse } from '../src/nn/losses';
import { BERT_PRESETS } from '../src/text/bert-config';

const TINY = resolveModelConfig('quick', { bert: { vocabSize: 300 }, wsaDropout: 0 });

// The language term through the materialised logits when the forward built them, else
// through the fused chunked op (both are tested equal in model-wsa.test.ts).
function combinedLoss(out: MirdOutput, x: MirdInputs, model: MirdModel): tf.Scalar {
  const r = out.reconstructions;
  if (r === null) throw new Error('no reconstructions');
  return tf.addN([
    tf.mean(tf.square(out.yHat)),
    r.text !== null ? maskedCrossEntropy(r.text, x.textIds, x.textMask) : model.textReconstructionLoss(r, x, { chunkRows: 5 }),
    maskedMse(r.audio, x.audio, x.audioMask),
    maskedMse(r.visual, x.visual, x.visualMask),
    tf.mul(1e-2, tf.mean(tf.square(tf.concat([out.zText, out.zAudio, out.zVisual, out.zShared], 1)))),
  ]) as tf.Scalar;
}

function spec(seed: number, junk = false, extra = 0): Parameters<typeof randomInputs>[1] {
  return {
    textLengths: [7, 4, 2], audioLengths: [9, 3, 1], visualLengths: [5, 5, 2],
    textPad: 7 + extra, audioPad: 9 + extra, visualPad: 5 + extra, junkPadding: junk, seed,
  };
}

function arrays(out: MirdOutput): Record<string, number[]> {
  const r = out.reconstructions;
  if (r === null) throw new Error('no reconstructions');
  return {
    zText: Array.from(out.zText.dataSync()), zAudio: Array.from(out.zAudio.dataSync()),
    zVisual: Array.from(out.zVisual.dataSync()), zShared: Array.from(out.zShared.dataSync()),
    yHat: Array.from(out.yHat.dataSync()),
    // only the first T positions of each reconstruction are comparable across paddings
    text: Array.from(tf.tidy(() => tf.slice(r.text as tf.Tensor3D, [0, 0, 0], [-1, Math.min(7, r.textHidden.shape[1]), -1]).dataSync())),
    audio: Array.from(tf.tidy(() => tf.slice(r.audio, [0, 0, 0], [-1, Math.min(9, r.audio.shape[1]), -1]).dataSync())),
    visual: Array.from(tf.tidy(() => tf.slice(r.visual, [0, 0, 0], [-1, Math.min(5, r.visual.shape[1]), -1]).dataSync())),
  };
}

function maxDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
}

function checkShapes(out: MirdOutput, c: ModelConfig, b: number, tl: number, ta: number, tv: number): void {
  for (const z of [out.zText, out.zAudio, out.zVisual, out.zShared]) assert.deepEqual(z.shape, [b, c.latentDim]);
  assert.deepEqual(out.yHat.shape, [b]);
  assert.deepEqual(out.reconstructions?.text?.shape, [b, tl, c.bert.vocabSize]);
  assert.deepEqual(out.reconstructions?.textHidden.shape, [b, tl, c.decoderHidden]);
  assert.deepEqual(out.reconstructions?.audio.shape, [b, ta, c.audioDim]);
  assert.deepEqual(out.reconstructions?.visual.shape, [b, tv, c.visualDim]);
  for (const v of [out.yHat, out.zShared, out.reconstructions?.audio as tf.Tensor]) {
    assert.ok(Array.from(v.dataSync()).every(Number.isFinite), 'outputs must be finite');
  }
}

test('quick preset: shapes, trace, and variable groups are disjoint and complete', async () => {
  await initBackend();
  for (const overrides of [{}, { textEncoder: 'bert' as const, gate: 'relu' as const, injectionLayer: 0, sharedPooling: 'pooled' as const, attention: 'softmax' as const, decoderInput: 'repeatLatent' as const }]) {
    const c = resolveModelConfig(TINY, overrides);
    const registered = (): string[] => Object.keys(tf.engine().registeredVariables);
    const existing = new Set(registered());
    const model = new MirdModel(c, 1);
    const created = registered().filter((name) => !existing.has(name)); // every variable the constructor made
    const x = randomInputs(c, spec(3));
    const out = model.forward(x, { training: true, trace: true });
    checkShapes(out, c, 3, 7, 9, 5);
    const t = out.trace;
    assert.ok(t !== null);
    assert.deepEqual(t.attentionAudio.shape, [3, 7, 9]);
    assert.deepEqual(t.attentionVisual.shape, [3, 7, 5]);
    assert.deepEqual(t.gateAudio.shape, [3, 7, c.bert.hiddenSize]);
    assert.deepEqual(t.lambda.shape, [3, 7]);
    // attention rows sum to 1 and give 0 to padded frames (clip 1 has 3 real audio frames)
    const att = t.attentionAudio.arraySync() as number[][][];
    for (const row of att[1] as number[][]) {
      assert.ok(Math.abs(row.reduce((a, v) => a + v, 0) - 1) < 1e-5);
      assert.ok(row.slice(3).every((v) => v === 0));
    }
    const lam = Array.from(t.lambda.dataSync());
    assert.ok(lam.every((v) => v > 0 && v <= 1));
    const g = model.variableGroups();
    const all = [...g.encoders, ...g.sharedEncoder, ...g.decoders, ...g.regressor];
    assert.equal(new Set(all.map((v) => v.name)).size, all.length, 'groups must be disjoint');
    assert.ok(all.every((v) => v.trainable), 'every grouped variable is trainable');
    assert.deepEqual(all.map((v) => v.name).sort(), created.sort(), 'groups must hold every variable the model created');
    assert.ok(g.encoders.length > 0 && g.sharedEncoder.length > 0 && g.decoders.length > 0 && g.regressor.length > 0);
    disposeOutput(out);
    disposeInputs(x);
    model.dispose();
  }
});

test('padding invariance: extra padded frames and tokens (with junk values) change no output', async () => {
  await initBackend();
  for (const textEncoder of ['lstm', 'bert'] as const) {
    const c = resolveModelConfig(TINY, { textEncoder });
    const model = new MirdModel(c, 2);
    const a = randomInputs(c, spec(5));
    const b = randomInputs(c, spec(5, true, 4));
    const oa = model.forward(a, { training: false });
    const ob = model.forward(b, { training: false });
    const ra = arrays(oa);
    const rb = arrays(ob);
    for (const key of Object.keys(ra)) assert.ok(maxDiff(ra[key] as number[], rb[key] as number[]) < 1e-4, `${textEncoder}: ${key} changed with padding`);
    [oa, ob].forEach(disposeOutput);
    [a, b].forEach(disposeInputs);
    model.dispose();
  }
});

// Reached = largest |gradient| above 1e-7: rounding noise of exactly-zero gradients is ~1e-11,
// the smallest real gradient here ~1e-4. Two kinds of variable get an exactly zero gradient by
// construction and are asserted to: BERT's attention key biases (q·b_k is the same for every
// key, softmax ignores it; kept for checkpoint compatibility) and, with the paper's unscaled
// scores, f_sim may (Sparsemax at init is nearly one-hot, mean support 1.1–1.4 frames on random
// inputs, and a one-frame support has Jacobian 0). 1/√H scaling widens the support so every
// f_sim weight is reached on this tiny batch.
test('gradients of a combined loss reach every trainable variable (attention key biases: exactly none)', async () => {
  await initBackend();
  const cases = [
    { textEncoder: 'lstm' as const, attentionScale: 'sqrt' as const },
    { textEncoder: 'bert' as const, attentionScale: 'sqrt' as const },
    { textEncoder: 'lstm' as const, attentionScale: 'none' as const },
  ];
  for (const overrides of cases) {
    const label = `${overrides.textEncoder}/${overrides.attentionScale}`;
    const c = resolveModelConfig(TINY, overrides);
    const model = new MirdModel(c, 3);
    const x = randomInputs(c, spec(7));
    const vars = model.variables();
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      const out = model.forward(x, { training: false, textLogits: false });
      return combinedLoss(out, x, model);
    }), vars);
    assert.ok(Number.isFinite(value.dataSync()[0] as number));
    let keyBiases = 0;
    for (const v of vars) {
      const g = grads[v.name];
      assert.ok(g !== undefined, `${label}: no gradient for ${v.name}`);
      const d = Array.from(g.dataSync());
      assert.ok(d.every(Number.isFinite), `${label}: non-finite gradient for ${v.name}`);
      const largest = Math.max(...d.map(Math.abs));
      if (v.name.includes('attention.self.key.bias')) {
        keyBiases += 1;
        assert.ok(largest < 1e-7, `${label}: ${v.name} should get no gradient (softmax shift invariance), got ${largest}`);
      } else if (overrides.attentionScale === 'none' && v.name.startsWith('wsa/sim')) {
        continue;
      } else {
        assert.ok(largest > 1e-7, `${label}: ${v.name} gets no gradient (largest |g| = ${largest})`);
      }
    }
    assert.equal(keyBiases, c.bert.numLayers * (overrides.textEncoder === 'bert' ? 2 : 1));
    tf.dispose([value, ...Object.values(grads)]);
    disposeInputs(x);
    model.dispose();
  }
});

test('with a zero displacement H the shared encoder is BERT over every layer, mean-pooled over real tokens, FC (any injection layer)', async () => {
  await initBackend();
  const { meanPool } = await import('../src/nn/layers');
  for (const injectionLayer of [0, 1, 2]) {
    const c = resolveModelConfig(TINY, { injectionLayer });
    const model = new MirdModel(c, 8);
    const s = model.sharedEncoder;
    // f_dis = 0 ⇒ H = 0 ⇒ W̃ = LayerNorm(W_mid) = W_mid (BERT's states are LayerNormed, γ = 1, β = 0 at init)
    for (const d of [s.wsa.disAudio, s.wsa.disVisual]) tf.tidy(() => { d.w.assign(tf.zerosLike(d.w)); d.b?.assign(tf.zerosLike(d.b)); });
    const x = randomInputs(c, spec(13, true));
    const [got, want] = tf.tidy(() => [
      s.apply(x, false, new Rng(0)).z, // [B, d]
      s.fc.apply(meanPool((s.host as BertHost).bert.forward(x.textIds, x.textMask, false), x.textMask)), // [B, d]
    ].map((t) => Array.from(t.dataSync())));
    assert.ok(maxDiff(got as number[], want as number[]) < 1e-4, `injection after layer ${injectionLayer}: z^S differs from plain BERT + mean pooling`);
    disposeInputs(x);
    model.dispose();
  }
});

test('a clip with no real audio or visual frame: finite outputs and gradients, zero attention for it', async () => {
  await initBackend();
  const model = new MirdModel(TINY, 12);
  const x = randomInputs(TINY, { textLengths: [5, 3], audioLengths: [4, 0], visualLengths: [0, 2], junkPadding: true, seed: 17 });
  const out = model.forward(x, { training: false, trace: true });
  for (const t of [out.zAudio, out.zVisual, out.zShared, out.yHat]) assert.ok(Array.from(t.dataSync()).every(Number.isFinite));
  assert.ok(Array.from(tf.tidy(() => tf.slice(out.trace?.attentionAudio as tf.Tensor3D, [1, 0, 0], [1, -1, -1]).dataSync())).every((v) => v === 0));
  assert.ok(Array.from(tf.tidy(() => tf.slice(out.trace?.attentionVisual as tf.Tensor3D, [0, 0, 0], [1, -1, -1]).dataSync())).every((v) => v === 0));
  disposeOutput(out);
  const { value, grads } = tf.variableGrads(() => tf.tidy(() => combinedLoss(model.forward(x, { training: false, textLogits: false }), x, model)), model.variables());
  assert.ok(Number.isFinite(value.dataSync()[0] as number));
  for (const [name, g] of Object.entries(grads)) assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `non-finite gradient for ${name}`);
  tf.dispose([value, ...Object.values(grads)]);
  disposeInputs(x);
  model.dispose();
});

test('no tensor leak after burn-in: forward + training step', async () => {
  await initBackend();
  const c = TINY;
  const model = new MirdModel(c, 4);
  const x = randomInputs(c, spec(9));
  const opt = tf.train.adam(1e-3);
  const step = (): void => {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => combinedLoss(model.forward(x, { training: true, textLogits: false }), x, model)), model.variables());
      opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([value, ...Object.values(grads)]);
    });
    disposeOutput(model.forward(x, { training: false, trace: true }));
  };
  step();
  const before = tf.memory().numTensors;
  step();
  step();
  assert.equal(tf.memory().numTensors, before, 'tensor count must stay flat after burn-in');
  opt.dispose();
  disposeInputs(x);
  const vars = tf.memory().numTensors;
  const owned = model.variables().length;
  model.dispose();
  assert.equal(tf.memory().numTensors, vars - owned, 'dispose must release exactly the model\'s variables');
});

test('BERT shapes come from BERT_PRESETS: paper = base, small = small, quick = overrides of base', () => {
  assert.deepEqual(resolveModelConfig('paper').bert, BERT_PRESETS.base);
  assert.deepEqual(resolveModelConfig('small').bert, BERT_PRESETS.small);
  assert.deepEqual(resolveModelConfig('quick').bert, { ...BERT_PRESETS.base, hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 64, maxPositions: 64 });
});

test('wasm and cpu agree on a forward and a gradient', async () => {
  await initBackend();
  const c = TINY;
  const results: Record<string, number[]>[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await useBackend(backend);
    const model = new MirdModel(c, 5);
    const x = randomInputs(c, spec(11));
    const out = model.forward(x, { training: false });
    const r = arrays(out);
    const vars = model.variables();
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => combinedLoss(model.forward(x, { training: false, textLogits: backend === 'cpu' }), x, model)), vars);
    r.loss = [value.dataSync()[0] as number];
    vars.forEach((v, i) => { r[`grad${i}`] = Array.from(grads[v.name]?.dataSync() ?? []); });
    results.push(r);
    tf.dispose([value, ...Object.values(grads)]);
    disposeOutput(out);
    disposeInputs(x);
    model.dispose();
  }
  await useBackend('wasm');
  const [w, cpu] = results as [Record<string, number[]>, Record<string, number[]>];
  for (const key of Object.keys(w)) {
    const scale = Math.max(1, ...(w[key] as number[]).map(Math.abs));
    assert.ok(maxDiff(w[key] as number[], cpu[key] as number[]) / scale < 1e-3, `${key}: wasm and cpu differ`);
  }
});

test('bad input names the field and the expected shape; unknown config keys are rejected', async () => {
  await initBackend();
  const model = new MirdModel(TINY, 6);
  const x = randomInputs(resolveModelConfig(TINY, { audioDim: 5 }), spec(1));
  assert.throws(() => model.forward(x, { training: false }), /batch\.audio has shape \[3,9,5\], expected \[3, T_A, 33\]/);
  disposeInputs(x);
  model.dispose();
  assert.throws(() => resolveModelConfig('quick', { injectionLayr: 1 } as never), /unknown key "injectionLayr"/);
  assert.throws(() => resolveModelConfig('quick', { bert: { hidenSize: 3 } } as never), /unknown key "bert\.hidenSize"/);
  assert.throws(() => resolveModelConfig('quick', { injectionLayer: 9 }), /injectionLayer must be an integer in \[0, bert\.numLayers = 2\]/);
  assert.throws(() => resolveModelConfig('quick', { gate: 'tanh' as never }), /gate must be one of sigmoid \| relu/);
});

test("paper-vs-code rows read the config: the paper preset and the authors' overrides", () => {
  const value = (c: ModelConfig): Record<string, string> => Object.fromEntries(paperVsCode(c).map((r) => [r.field, r['this config']]));
  const paper = value(resolveModelConfig('paper'));
  const authors = value(resolveModelConfig('paper', AUTHORS_CODE_OVERRIDES));
  assert.ok(Object.values(paper).every((v) => v !== 'undefined'), 'every switch row names a ModelConfig field');
  assert.deepEqual([paper.injectionLayer, paper.gate, paper.textEncoder, paper.sharedPooling], ['6', 'sigmoid', 'lstm', 'mean']);
  assert.deepEqual([authors.injectionLayer, authors.gate, authors.textEncoder, authors.sharedPooling], ['0', 'relu', 'bert', 'pooled']);
});

test('small and paper presets: output shapes (batch 1, paper: 50 / 400 / 55)', async () => {
  await initBackend();
  for (const preset of ['small', 'paper'] as const) {
    const c = resolveModelConfig(preset);
    const model = new MirdModel(c, 7);
    const x = randomInputs(c, { textLengths: [c.textLength], audioLengths: [c.audioLength], visualLengths: [c.visualLength], seed: 1 });
    const out = model.forward(x, { training: false });
    checkShapes(out, c, 1, c.textLength, c.audioLength, c.visualLength);
    disposeOutput(out);
    disposeInputs(x);
    model.dispose();
  }
});

test('a real Batch from the synthetic generator and the WordPiece tokenizer; same seed → same training-mode outputs; dropout only in training', async () => {
  await initBackend();
  const { createSynthetic, SYNTHETIC_SMALL } = await import('../src/data/synthetic');
  const { makeBatch, disposeBatch } = await import('../src/data/batching');
  const { defaultTokenizer } = await import('../src/text/tokenizer');
  const synth = createSynthetic(SYNTHETIC_SMALL);
  const clips = [0, 1, 2].map((i) => synth.clip('train', i));
  const batch = makeBatch(clips.slice(0, 2), clips.slice(2), defaultTokenizer(), { maxTextLength: 16 });
  const c = resolveModelConfig('quick', { audioDim: SYNTHETIC_SMALL.audioDim, visualDim: SYNTHETIC_SMALL.visualDim });
  const runs = [0, 1].map(() => {
    const model = new MirdModel(c, 42);
    const out = model.forward(batch, { training: true });
    const r = arrays(out);
    disposeOutput(out);
    model.dispose();
    return r;
  });
  const [a, b] = runs as [Record<string, number[]>, Record<string, number[]>];
  assert.equal(a.yHat?.length, 3);
  for (const key of Object.keys(a)) assert.deepEqual(a[key], b[key], `${key} differs between two models with the same seed`);
  // dropout (BERT 0.1, WSA, shared head and regressor 0.5) only in training mode: two evaluation
  // forwards agree although the dropout streams advance, two training forwards do not
  const model = new MirdModel(c, 42);
  const pass = (training: boolean): Record<string, number[]> => {
    const out = model.forward(batch, { training });
    const r = arrays(out);
    disposeOutput(out);
    return r;
  };
  const [eval1, train1, train2, eval2] = [false, true, true, false].map(pass) as Array<Record<string, number[]>>;
  for (const key of Object.keys(eval1 as object)) assert.deepEqual(eval1?.[key], eval2?.[key], `${key}: evaluation forwards differ`);
  for (const key of ['zShared', 'yHat']) {
    assert.notDeepEqual(train1?.[key], train2?.[key], `${key}: two training forwards gave the same dropout`);
    assert.notDeepEqual(train1?.[key], eval1?.[key], `${key}: training and evaluation forwards agree (dropout off?)`);
  }
  assert.deepEqual(train1?.zAudio, eval1?.zAudio, 'the audio encoder has no dropout');
  model.dispose();
  disposeBatch(batch);
});
