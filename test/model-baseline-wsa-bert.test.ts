// WSA-BERT (src/model/baselines/wsa-bert/wsa-bert.ts) beyond the generic baseline tests: its config
// is MIRD's shared encoder on the main and quick presets; with MIRD's shared-encoder weights it
// computes MIRD's z^S exactly and ŷ = z^S w + b; it trains every host variable under MIRD's names;
// its dropout streams restart; the USE-lite host (padding invariance, frozen states); and the
// efficiency rows: MIRD's shared-encoder rows plus the head, equal to a hand count and paramCount().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { disposeBatch, makeBatch } from '../src/data/batching';
import type { Batch } from '../src/data/types';
import { baselineCost, modelCost } from '../src/eval/efficiency';
import { baselineConfigFor } from '../src/model/baselines/index';
import type { BaselineInputs } from '../src/model/baselines/types';
import {
  DEFAULT_WSA_BERT_CONFIG, hostShapeOf, QUICK_WSA_BERT_OVERRIDES, resolveWsaBertConfig, WSA_BERT_SHARED_KEYS, wsaBertEncoderConfig, WsaBertModel, type WsaBertConfig,
} from '../src/model/baselines/wsa-bert/wsa-bert';
import { resolveModelConfig, type ModelConfig } from '../src/model/config';
import { makeTextHost, MirdModel } from '../src/model/mird';
import { UseLiteHost } from '../src/model/text-host';
import { UseLiteUpper } from '../src/text/use-lite-regressor';
import { runPreset } from '../src/train/presets';
import { prepareBaselineRun, type PreparedBaselineRun } from '../src/train/setup';

// the quick preset's synthetic data and tokenizer (prepared through a registered baseline: only the data is used)
let prepared: PreparedBaselineRun | null = null;
async function quickData(): Promise<PreparedBaselineRun> {
  await initBackend();
  prepared ??= await prepareBaselineRun({ preset: 'quick', model: 'tfn', seed: 0 });
  return prepared;
}

const quickConfig = (): WsaBertConfig => resolveWsaBertConfig(QUICK_WSA_BERT_OVERRIDES as Record<string, unknown>);

/** MIRD's quick model config at the data's frame sizes (the host a quick WSA-BERT run gets). */
function mirdQuick(p: PreparedBaselineRun): ModelConfig {
  return resolveModelConfig('quick', { audioDim: p.resolved.inputs.audioDim, visualDim: p.resolved.inputs.visualDim });
}

function buildQuick(p: PreparedBaselineRun, seed = 0, overrides: Record<string, unknown> = {}): WsaBertModel {
  const i = p.resolved.inputs;
  const host = makeTextHost(mirdQuick(p), seed + 100);
  return new WsaBertModel(resolveWsaBertConfig(overrides, quickConfig()), { textWidth: i.textWidth, audioDim: i.audioDim, visualDim: i.visualDim }, host, seed);
}

const batchOf = (p: PreparedBaselineRun, n: number, from = 0): Batch => makeBatch(p.data.dataset.splits.train.slice(from, from + n), [], p.data.tokenizer, p.data.batchOptions);
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

test('config: the defaults are MIRD main preset\'s shared encoder, the quick overrides MIRD quick\'s; the registry resolves them', () => {
  for (const preset of ['main', 'quick'] as const) {
    const rp = runPreset(preset);
    const mird = resolveModelConfig(rp.model, rp.modelOverrides);
    const own = preset === 'quick' ? quickConfig() : resolveWsaBertConfig();
    for (const k of WSA_BERT_SHARED_KEYS) assert.equal(own[k], mird[k], `${preset}: ${k}`);
    assert.deepEqual(baselineConfigFor('wsa-bert', preset), own);
  }
  assert.deepEqual([...WSA_BERT_SHARED_KEYS].sort(), Object.keys(DEFAULT_WSA_BERT_CONFIG).filter((k) => k !== 'regressionLoss').sort());
  assert.equal(DEFAULT_WSA_BERT_CONFIG.regressionLoss, 'mse');
});

test('config: unknown keys and bad values are refused, naming the key', async () => {
  assert.throws(() => resolveWsaBertConfig({ rank: 2 }), /wsa-bert config: unknown key "rank" \(known: latentDim, .*regressionLoss\)/);
  assert.throws(() => resolveWsaBertConfig({ injectionLayer: 1.5 }), /wsa-bert config: injectionLayer must be a non-negative integer, got 1.5/);
  assert.throws(() => resolveWsaBertConfig({ injectionLayer: -1 }), /wsa-bert config: injectionLayer must be a non-negative number/);
  assert.throws(() => resolveWsaBertConfig({ betaShift: 0 }), /wsa-bert config: betaShift must be a positive number, got 0/);
  assert.throws(() => resolveWsaBertConfig({ wsaLayerNormEps: 0 }), /wsa-bert config: wsaLayerNormEps must be a positive number/);
  assert.throws(() => resolveWsaBertConfig({ gate: 'tanh' }), /wsa-bert config: gate must be one of sigmoid \| relu/);
  assert.throws(() => resolveWsaBertConfig({ attention: 'entmax' }), /wsa-bert config: attention must be one of sparsemax \| softmax/);
  assert.throws(() => resolveWsaBertConfig({ sharedDropout: 1 }), /wsa-bert config: sharedDropout must be a rate in \[0, 1\)/);
  assert.throws(() => resolveWsaBertConfig({ latentDim: 0 }), /wsa-bert config: latentDim must be a positive integer/);
  const p = await quickData();
  // the quick host has 2 layers: injection after layer 3 does not exist
  assert.throws(() => buildQuick(p, 0, { injectionLayer: 3 }), /wsa-bert config: injectionLayer must be at most the text host's numLayers \(2\), got 3/);
  await assert.rejects(prepareBaselineRun({ preset: 'quick', model: 'wsa-bert', seed: 0, set: { gate: 'tanh' } }), /wsa-bert config: gate must be one of sigmoid \| relu/);
});

test("with MIRD's shared-encoder weights it computes MIRD's z^S; ŷ = z^S w + b; the loss is the labeled MSE; the whole host is trained under MIRD's names", async () => {
  const p = await quickData();
  const model = buildQuick(p, 0);
  const mird = new MirdModel(mirdQuick(p), 7);
  const batch = batchOf(p, 5);
  try {
    // names: exactly MIRD's shared-encoder group (host/…, wsa/…, shared/…) plus the head
    const own = model.namedVariables();
    const mirdNames = mird.namedVariables();
    const sharedVars = new Set(mird.variableGroups().sharedEncoder);
    const mirdShared = [...mirdNames].filter(([, v]) => sharedVars.has(v)).map(([k]) => k).sort();
    assert.deepEqual([...own.keys()].filter((k) => !k.startsWith('wsa-bert/')).sort(), mirdShared);
    assert.deepEqual([...own.keys()].filter((k) => k.startsWith('wsa-bert/')).sort(), ['wsa-bert/head/bias', 'wsa-bert/head/kernel']);
    const hostNames = [...model.text.host.namedVariables().keys()];
    assert.ok(hostNames.length > 10 && hostNames.every((k) => own.has(`host/${k}`)), 'every host variable is trained');
    assert.equal(model.paramCount(), [...own.values()].reduce((s, v) => s + v.size, 0));
    // load MIRD's shared-encoder weights by name
    for (const [name, v] of own) {
      if (name.startsWith('wsa-bert/')) continue;
      const src = mirdNames.get(name);
      assert.ok(src !== undefined, name);
      assert.deepEqual(v.shape, src.shape, name);
      v.assign(src);
    }
    const out = model.forward(batch, { training: false });
    const m = mird.forward(batch, { training: false, decode: false });
    try {
      assert.deepEqual(Object.keys(out.latents), ['shared']);
      assert.deepEqual(out.latents.shared?.shape, [5, 16]);
      assert.ok(maxAbsDiff(out.latents.shared as tf.Tensor, m.zShared) < 1e-5, 'z^S equals MIRD\'s');
      // ŷ_b = Σ_j z_bj w_j + b, by hand
      const z = out.latents.shared?.arraySync() as number[][];
      const w = (own.get('wsa-bert/head/kernel') as tf.Variable).dataSync();
      const bias = (own.get('wsa-bert/head/bias') as tf.Variable).dataSync()[0] as number;
      const y = out.yHat.dataSync();
      z.forEach((row, b) => assert.ok(Math.abs(row.reduce((s, zj, j) => s + zj * (w[j] as number), bias) - (y[b] as number)) < 1e-5, `ŷ_${b}`));
      // the objective: mean (ŷ − y)² over the labeled clips
      const labels = batch.labels.dataSync();
      const mse = [...y].slice(0, batch.numLabeled).reduce((s, v, b) => s + (v - (labels[b] as number)) ** 2, 0) / batch.numLabeled;
      const l = model.losses(out, { ids: batch.ids, labels: batch.labels, numLabeled: batch.numLabeled });
      assert.deepEqual(Object.keys(l.terms), ['regression']);
      assert.ok(Math.abs((l.total.dataSync()[0] as number) - mse) < 1e-5);
      tf.dispose([l.total]);
    } finally {
      tf.dispose([out.yHat, ...Object.values(out.latents), m.zText, m.zAudio, m.zVisual, m.zShared, m.yHat]);
    }
  } finally {
    disposeBatch(batch);
    model.dispose();
    mird.dispose();
  }
});

test('setDropoutSeed restarts the model\'s and the host\'s dropout: the same seed gives the same training forward', async () => {
  const p = await quickData();
  const model = buildQuick(p, 0);
  const batch = batchOf(p, 4);
  try {
    const run = (training: boolean): Float32Array => tf.tidy(() => {
      const o = model.forward(batch, { training });
      return o.yHat.dataSync() as Float32Array;
    });
    model.setDropoutSeed(3);
    const a = run(true);
    const a2 = run(true); // the stream moved on: other masks
    model.setDropoutSeed(3);
    const b = run(true);
    const e = run(false);
    assert.deepEqual([...b], [...a]);
    assert.notDeepEqual([...a2], [...a]);
    assert.notDeepEqual([...e], [...a]);
    // the host's own dropout alone (model's rates 0) also restarts
    const noOwn = buildQuick(p, 0, { wsaDropout: 0, sharedDropout: 0 });
    try {
      const r = (): number[] => tf.tidy(() => [...(noOwn.forward(batch, { training: true }).yHat.dataSync() as Float32Array)]);
      noOwn.setDropoutSeed(5);
      const x = r();
      noOwn.setDropoutSeed(5);
      assert.deepEqual(r(), x);
      assert.notDeepEqual(r(), x, 'the host (hidden dropout 0.1) draws masks in training');
    } finally {
      noOwn.dispose();
    }
  } finally {
    disposeBatch(batch);
    model.dispose();
  }
});

test('USE-lite host: the upper layers are trained as host/…, padded steps change nothing, the cost rows count every parameter', async () => {
  const p = await quickData();
  const i = p.resolved.inputs;
  const upper = new UseLiteUpper(11, { hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 64 });
  const model = new WsaBertModel(resolveWsaBertConfig({}, quickConfig()), { textWidth: 512, audioDim: i.audioDim, visualDim: i.visualDim }, new UseLiteHost(upper), 0);
  const batch = batchOf(p, 1);
  try {
    const tl = batch.textIds.shape[1];
    const states = tf.randomNormal([1, tl, 512], 0, 1, 'float32', 3) as tf.Tensor3D;
    const x: BaselineInputs = { ...batch, textStates: states };
    const names = [...model.namedVariables().keys()];
    assert.ok(names.includes('host/proj.weight') && names.some((k) => k.startsWith('host/encoder.layer.1.')), names.join(', '));
    assert.ok(!names.includes('host/embeddings.word_embeddings.weight'));
    const pad = (t: tf.Tensor, rank: number): tf.Tensor => tf.pad(t, rank === 3 ? [[0, 0], [0, 5], [0, 0]] : [[0, 0], [0, 5]]);
    const padded: BaselineInputs = {
      ...x, textIds: pad(x.textIds, 2) as tf.Tensor2D, textMask: pad(x.textMask, 2) as tf.Tensor2D, textStates: pad(states, 3) as tf.Tensor3D,
      audio: pad(x.audio, 3) as tf.Tensor3D, audioMask: pad(x.audioMask, 2) as tf.Tensor2D, visual: pad(x.visual, 3) as tf.Tensor3D, visualMask: pad(x.visualMask, 2) as tf.Tensor2D,
    };
    const a = model.forward(x, { training: false });
    const b = model.forward(padded, { training: false });
    assert.ok(maxAbsDiff(a.yHat, b.yHat) < 1e-5, `${a.yHat.dataSync()[0]} vs ${b.yHat.dataSync()[0]} with 5 padded steps`);
    assert.throws(() => model.forward(batch, { training: false }), /needs batch.textStates/);
    tf.dispose([states, padded.textIds, padded.textMask, padded.textStates as tf.Tensor, padded.audio, padded.audioMask, padded.visual, padded.visualMask, a.yHat, b.yHat, ...Object.values(a.latents), ...Object.values(b.latents)]);
    const shapes = { textWidth: 512, audioDim: i.audioDim, visualDim: i.visualDim, textLength: 16, audioLength: 24, visualLength: 12, hostTableParams: 0 };
    const rows = baselineCost('wsa-bert', model.config, { ...shapes, host: hostShapeOf(model.text.host) });
    assert.equal(rows.reduce((s, r) => s + r.params, 0), model.paramCount());
  } finally {
    disposeBatch(batch);
    model.dispose();
  }
});

test('cost: MIRD\'s shared-encoder rows plus the head; the sum equals a hand count and paramCount() (quick BERT host)', async () => {
  const p = await quickData();
  const model = buildQuick(p, 0);
  try {
    const i = p.resolved.inputs;
    const [dA, dV] = [i.audioDim, i.visualDim];
    const fc = (a: number, b: number, bias = true): number => a * b + (bias ? b : 0);
    // quick BERT: V 30522, 64 positions, 2 types, H 32, 2 layers, FFN 64; d = 16
    const h = 32;
    const embeddings = (30522 + 64 + 2) * h + 2 * h;
    const layer = 4 * fc(h, h) + fc(h, 64) + fc(64, h) + 4 * h;
    const wsa = fc(dA, h, false) + fc(h + dA, h) + fc(dA, h) + fc(dV, h, false) + fc(h + dV, h) + fc(dV, h) + 2 * h;
    const hand = embeddings + 2 * layer + wsa + fc(h, 16) + fc(16, 1);
    assert.equal(model.paramCount(), hand);
    const shapes = { ...i, hostTableParams: 30522 * h };
    const rows = baselineCost('wsa-bert', model.config, { ...shapes, host: hostShapeOf(model.text.host) });
    assert.equal(rows.reduce((s, r) => s + r.params, 0), hand);
    assert.deepEqual(rows.map((r) => r.module), ['sharedBertEmbeddings', 'sharedBertLayers', 'wsa', 'sharedHead', 'head']);
    // the shared rows are modelCost's for MIRD's quick config at the same lengths
    const mirdRows = modelCost({ ...mirdQuick(p), textLength: i.textLength, audioLength: i.audioLength, visualLength: i.visualLength }).filter((r) => r.group === 'sharedEncoder');
    assert.deepEqual(rows.slice(0, 4).map((r) => [r.module, r.params, r.macs]), mirdRows.map((r) => [r.module, r.params, r.macs]));
    assert.deepEqual(rows[4], { module: 'head', params: 17, macs: 16, note: 'FC 16→1 on z^S' });
    assert.equal(wsaBertEncoderConfig(model.config, i, hostShapeOf(model.text.host)).injectionLayer, 1);
    // without the host's shape there is no count; a table that is not the host's is refused
    const { host: recorded, ...withoutHost } = shapes;
    assert.deepEqual(recorded, hostShapeOf(model.text.host), 'the run records the host shape it was built with');
    assert.throws(() => baselineCost('wsa-bert', model.config, withoutHost), /wsa-bert.*host's shape/);
    assert.throws(() => baselineCost('wsa-bert', model.config, { ...shapes, hostTableParams: 5, host: hostShapeOf(model.text.host) }), /hostTableParams/);
  } finally {
    model.dispose();
  }
});
