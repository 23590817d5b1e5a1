// MISA (src/model/baselines/misa/misa.ts) beyond the generic baseline tests: each auxiliary loss
// against its formula on hand-checkable inputs (CMD with odd and even moments, the normalised
// soft orthogonality with its detached norm, the reconstruction MSE, the pairings of L_sim and
// L_diff), the objective's total, the bidirectional stacked LSTM over real steps (the backward
// direction reverses within each length), one-frame audio/visual (the real MOSI main job), the
// 'mean' text path, the hand parameter count = misaCost = paramCount(), config errors, dropout
// streams, and a few training steps: no leak, every variable moves, the loss goes down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { disposeBatch, makeBatch } from '../src/data/batching';
import type { Batch, Clip } from '../src/data/types';
import {
  cmd, DEFAULT_MISA_CONFIG, diffLoss, misaCost, misaDifferenceLoss, misaReconstructionLoss, misaSimilarityLoss, MisaModel, QUICK_MISA_OVERRIDES,
  resolveMisaConfig, StackedBiLstm, type MisaConfig, type MisaParts,
} from '../src/model/baselines/misa/misa';
import type { BaselineModel } from '../src/model/baselines/types';
import { resolveModelConfig } from '../src/model/config';
import { makeTextHost } from '../src/model/mird';
import { NamedAdamW } from '../src/nn/adamw';
import { transformerBlockParams } from '../src/nn/attention';
import { Rng } from '../src/util/rng';
import { baselineStep } from '../src/train/baseline-step';
import { prepareBaselineRun, type PreparedBaselineRun } from '../src/train/setup';

// the quick preset's synthetic data and tokenizer (prepared through a registered baseline: only the data is used)
let prepared: PreparedBaselineRun | null = null;
async function quickData(): Promise<PreparedBaselineRun> {
  await initBackend();
  prepared ??= await prepareBaselineRun({ preset: 'quick', model: 'tfn', seed: 0 });
  return prepared;
}

const quickConfig = (overrides: Record<string, unknown> = {}): MisaConfig => resolveMisaConfig(overrides, resolveMisaConfig(QUICK_MISA_OVERRIDES as Record<string, unknown>));

function buildQuick(p: PreparedBaselineRun, overrides: Record<string, unknown> = {}, seed = 0): MisaModel {
  const i = p.resolved.inputs;
  const host = makeTextHost(resolveModelConfig('quick', { audioDim: i.audioDim, visualDim: i.visualDim }), seed + 100);
  return new MisaModel(quickConfig(overrides), { textWidth: i.textWidth, audioDim: i.audioDim, visualDim: i.visualDim }, host, seed);
}

const batchOf = (p: PreparedBaselineRun, clips: Clip[]): Batch => makeBatch(clips, [], p.data.tokenizer, p.data.batchOptions);
const value = (t: tf.Tensor): number => {
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
};
const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const disposeOut = (o: { yHat: tf.Tensor; latents: Record<string, tf.Tensor> }): void => tf.dispose([o.yHat, ...Object.values(o.latents)]);

test('CMD: Σ of the L2 distances of the means and of the central moments 2..K, over the batch axis', async () => {
  await initBackend();
  // x = [[0, 0], [2, 1]], y = [[1, 0], [1, 3]]: means [1, .5] vs [1, 1.5] → 1; centred ±[1, .5] vs ±[0, 1.5]
  // k=2: [1, .25] vs [0, 2.25] → √5; k=3: 0 (symmetric); k=4: [1, .0625] vs [0, 5.0625] → √26; k=5: 0
  const x = tf.tensor2d([[0, 0], [2, 1]]);
  const y = tf.tensor2d([[1, 0], [1, 3]]);
  close(value(cmd(x, y, 5)), 1 + Math.sqrt(5) + Math.sqrt(26), 1e-4, 'CMD_5 symmetric');
  close(value(cmd(x, y, 2)), 1 + Math.sqrt(5), 1e-5, 'CMD_2');
  close(value(cmd(x, y, 1)), 1, 1e-6, 'CMD_1 = the distance of the means');
  // odd moments: x = [0, 0, 3] (mean 1; centred −1, −1, 2: moments 2, 2, 6, 10), y constant 1 (moments 0)
  const a = tf.tensor2d([[0], [0], [3]]);
  const b = tf.tensor2d([[1], [1], [1]]);
  close(value(cmd(a, b, 5)), 0 + 2 + 2 + 6 + 10, 1e-4, 'CMD_5 with odd moments');
  close(value(cmd(a, b, 3)), 4, 1e-5, 'CMD_3');
  close(value(cmd(a, a, 5)), 0, 0, 'CMD of a batch with itself');
  // a one-clip batch: every central moment is 0, the square roots sit at 0: the gradient is finite
  const one = tf.variable(tf.tensor2d([[0.2, 0.7]]));
  const other = tf.tensor2d([[0.5, 0.1]]);
  const { value: v, grads } = tf.variableGrads(() => cmd(one as tf.Tensor as tf.Tensor2D, other, 5), [one]);
  close(value(v), Math.hypot(0.3, 0.6), 1e-6, 'one clip: the distance of the vectors');
  const g = grads[one.name] as tf.Tensor;
  const gv = Array.from(g.dataSync());
  assert.ok(gv.every(Number.isFinite), `finite gradient, got ${gv}`);
  close(gv[0] as number, -0.3 / Math.hypot(0.3, 0.6), 1e-5, 'd/dx of ‖x − y‖');
  tf.dispose([x, y, a, b, one, other, g]);
});

test('difference loss: centred, row-normalised (norm detached), mean of the squared entries of x̃ᵀỹ', async () => {
  await initBackend();
  // x = [[3, 4], [−3, −4]] + [5, −1] (the offset is removed by centring); rows /5 → ±[.6, .8]
  // y = [[2, 0], [−2, 0]] → ±[1, 0]; x̃ᵀỹ = [[1.2, 0], [1.6, 0]] → (1.44 + 2.56) / 4 = 1
  const x = tf.tensor2d([[8, 3], [2, -5]]);
  const y = tf.tensor2d([[2, 0], [-2, 0]]);
  close(value(diffLoss(x, y)), 1, 1e-5, 'hand value');
  // orthogonal in the batch direction: rows of x real where y's are 0 and back → 0
  const p = tf.tensor2d([[1], [-1], [0], [0]]);
  const q = tf.tensor2d([[0], [0], [1], [-1]]);
  close(value(diffLoss(p, q)), 0, 1e-12, 'orthogonal');
  // the norm carries no gradient: x = [a, −a], y = [1, −1]; x̃ = x / n with n = |a| held fixed,
  // L = (x̃ᵀỹ)² → dL/dx = 2 (x̃ᵀỹ) ỹ / n, centred: at a = 2, [2, −2] (0 if the norm were differentiated)
  const a = tf.variable(tf.tensor2d([[2], [-2]]));
  const ones = tf.tensor2d([[1], [-1]]);
  const { value: v, grads } = tf.variableGrads(() => diffLoss(a as tf.Tensor as tf.Tensor2D, ones), [a]);
  close(value(v), 4, 1e-4, 'L at a = 2');
  const g = Array.from((grads[a.name] as tf.Tensor).dataSync());
  close(g[0] as number, 2, 1e-4, 'dL/dx_1');
  close(g[1] as number, -2, 1e-4, 'dL/dx_2');
  // a one-clip batch: centred rows are 0 → L = 0 with a finite (zero) gradient
  const single = tf.variable(tf.tensor2d([[0.3, 0.9]]));
  const r = tf.variableGrads(() => diffLoss(single as tf.Tensor as tf.Tensor2D, tf.tensor2d([[0.1, 0.4]])), [single]);
  close(value(r.value), 0, 0, 'one clip');
  assert.ok(Array.from((r.grads[single.name] as tf.Tensor).dataSync()).every((e) => e === 0));
  tf.dispose([x, y, p, q, a, ones, single, ...Object.values(grads), ...Object.values(r.grads)]);
});

test('L_sim, L_diff and L_recon pair the modalities as the reference: CMD over (l,v), (l,a), (a,v) / 3; six DiffLoss terms summed; MSE averaged over m', async () => {
  await initBackend();
  const t = (rows: number[][]): tf.Tensor2D => tf.tensor2d(rows);
  // shared: text [0, 0, 3] (moments 2, 2, 6, 10 around mean 1), visual and audio constant 1 → CMD(l,v) = CMD(l,a) = 20, CMD(a,v) = 0
  const parts: MisaParts = {
    shared: { text: t([[0], [0], [3]]), visual: t([[1], [1], [1]]), audio: t([[1], [1], [1]]) },
    private: { text: t([[1], [-1], [0]]), visual: t([[0], [0], [5]]), audio: t([[2], [2], [2]]) },
    utterance: { text: t([[0, 0]]), visual: t([[0, 0]]), audio: t([[0, 0]]) },
    recon: { text: t([[1, 2]]), visual: t([[0, 0]]), audio: t([[3, 0]]) },
  };
  close(value(misaSimilarityLoss(parts, 5)), 40 / 3, 1e-4, 'L_sim');
  // d = 1, so each DiffLoss is (Σ_b x̃_b ỹ_b)² with x̃, ỹ the centred rows divided by |row| (signs):
  //   (p_l, s_l): centred p_l = [1, −1, 0] → signs [1, −1, 0]; s_l → [−1, −1, 1]: Σ = −1 + 1 + 0 = 0 → 0
  //   (p_v, s_v): s_v centred = 0 → 0;  (p_a, s_a), (p_a, ·): p_a centred = 0 → 0
  //   (p_l, p_v): p_v centred = [−5/3, −5/3, 10/3] → signs [−1, −1, 1]: Σ = −1 + 1 + 0 = 0 → 0
  close(value(misaDifferenceLoss(parts)), 0, 1e-9, 'L_diff, orthogonal pairs');
  // make one pair collinear: private text = shared text → (Σ_b sign²)² = 3² = 9, the other terms unchanged (0 except (p_l, p_v): Σ = 1 + 1 + 1 = 3 → 9)
  const collinear: MisaParts = { ...parts, private: { ...parts.private, text: parts.shared.text } };
  close(value(misaDifferenceLoss(collinear)), 18, 1e-3, 'L_diff, two collinear pairs');
  // recon: text mean((1, 4)) = 2.5, visual 0, audio mean((9, 0)) = 4.5 → 7 / 3
  close(value(misaReconstructionLoss(parts)), 7 / 3, 1e-6, 'L_recon');
  tf.dispose([...Object.values(parts.shared), ...Object.values(parts.private), ...Object.values(parts.utterance), ...Object.values(parts.recon)]);
});

test('the objective: total = L_task + α L_sim + β L_diff + γ L_recon, every term reported by name, the task an MSE on the labeled clips', async () => {
  const p = await quickData();
  const model = buildQuick(p, { simWeight: 0.7, diffWeight: 0.3, reconWeight: 2 });
  const batch = batchOf(p, p.data.dataset.splits.train.slice(0, 6));
  try {
    const out = model.forward(batch, { training: false });
    const names = ['textShared', 'visualShared', 'audioShared', 'textPrivate', 'visualPrivate', 'audioPrivate', 'fusion'];
    for (const n of names) assert.ok(out.latents[n] !== undefined, `latent ${n}`);
    assert.deepEqual(out.latents.fusion?.shape, [6, 6 * 8]);
    for (const n of names.slice(0, 6)) {
      const v = out.latents[n]?.dataSync() as Float32Array;
      assert.ok(v.every((e) => e > 0 && e < 1), `${n} is a sigmoid output`);
    }
    const l = model.losses(out, batch);
    assert.deepEqual(Object.keys(l.terms).sort(), ['difference', 'reconstruction', 'regression', 'similarity']);
    const t = Object.fromEntries(Object.entries(l.terms).map(([k, s]) => [k, s.dataSync()[0] as number]));
    const y = out.yHat.dataSync();
    const labels = batch.labels.dataSync();
    const mse = Array.from(y).reduce((s, e, i) => s + (e - (labels[i] as number)) ** 2, 0) / 6;
    close(t.regression as number, mse, 1e-5, 'MSE');
    close(l.total.dataSync()[0] as number, (t.regression as number) + 0.7 * (t.similarity as number) + 0.3 * (t.difference as number) + 2 * (t.reconstruction as number), 1e-5, 'total');
    assert.ok((t.similarity as number) > 0 && (t.difference as number) > 0 && (t.reconstruction as number) > 0);
    tf.dispose([...Object.values(l.terms), l.total]);
    disposeOut(out);
  } finally {
    disposeBatch(batch);
    model.dispose();
  }
});

test('stacked BiLSTM: the backward direction reads each sequence reversed within its real length; padding never counts', async () => {
  await initBackend();
  const rng = new Rng(3);
  const s = new StackedBiLstm('test/slstm', 3, 4, rng);
  const rows = [0, 1, 2, 3].map((t) => [t * 0.3 - 0.2, Math.sin(t), 0.5 - 0.1 * t]);
  // row 0: 4 real steps; row 1: the first 2 real, then 2 padded steps filled with junk
  const x = tf.tensor3d([rows, [rows[0] as number[], rows[1] as number[], [9, 9, 9], [-7, 4, 2]]]);
  const mask = tf.tensor2d([[1, 1, 1, 1], [1, 1, 0, 0]]);
  const lengths = Int32Array.from([4, 2]);
  try {
    const u = s.apply(x, mask, lengths); // [2, 16] = [h1→, h2→, h1←, h2←]
    assert.deepEqual(u.shape, [2, 16]);
    // h1← = a plain masked run of the backward LSTM over the manually reversed real steps
    const rev = tf.tensor3d([[...rows].reverse(), [rows[1] as number[], rows[0] as number[], [0, 0, 0], [0, 0, 0]]]);
    const h1b = s.backward1.run(rev, mask).h;
    const h1f = s.forward1.run(x, mask).h;
    const got = u.arraySync();
    const want = { f: h1f.arraySync(), b: h1b.arraySync() };
    for (let r = 0; r < 2; r++) {
      for (let j = 0; j < 4; j++) {
        close(got[r]?.[j] as number, want.f[r]?.[j] as number, 1e-5, `h1→[${r}, ${j}]`);
        close(got[r]?.[8 + j] as number, want.b[r]?.[j] as number, 1e-5, `h1←[${r}, ${j}]`);
      }
    }
    // the short row alone (no padding) gives the same u
    const alone = s.apply(tf.tensor3d([[rows[0] as number[], rows[1] as number[]]]), tf.ones([1, 2]) as tf.Tensor2D, Int32Array.from([2]));
    const a = alone.dataSync();
    for (let j = 0; j < 16; j++) close(a[j] as number, got[1]?.[j] as number, 1e-5, `padded row, u[${j}]`);
    tf.dispose([u, rev, h1b, h1f, alone]);
  } finally {
    tf.dispose([x, mask]);
    s.dispose();
  }
});

test('one audio and one visual frame per clip (the real MOSI main job), and the masked-mean text path', async () => {
  const p = await quickData();
  const oneFrame = (q: Clip['audio']): Clip['audio'] => ({ data: q.data.slice(0, Math.min(1, q.length) * q.dim), length: Math.min(1, q.length), dim: q.dim });
  const clips = p.data.dataset.splits.train.slice(0, 5).map((c) => ({ ...c, audio: oneFrame(c.audio), visual: oneFrame(c.visual) }));
  for (const textEncoder of ['lstm', 'mean'] as const) {
    const model = buildQuick(p, { textEncoder });
    const batch = batchOf(p, clips);
    try {
      assert.equal(batch.audio.shape[1], 1);
      assert.equal(batch.visual.shape[1], 1);
      const vars = model.namedVariables();
      assert.equal([...vars.keys()].some((k) => k.startsWith('misa/textEncoder/')), textEncoder === 'lstm');
      const { value: v, grads } = tf.variableGrads(() => {
        const out = model.forward(batch, { training: true });
        return model.losses(out, batch).total;
      }, [...vars.values()]);
      assert.ok(Number.isFinite(value(v)));
      for (const [name, w] of vars) {
        const g = grads[w.name];
        assert.ok(g !== undefined, `${textEncoder}: gradient for ${name}`);
        const size = tf.sum(tf.abs(g)).dataSync()[0] as number;
        // one step from h_0 = 0: the audio/visual recurrent matrices W_h get no gradient (nothing to recur over)
        if (/^misa\/(audio|visual)Encoder\/.*\/wh$/.test(name)) assert.equal(size, 0, `${name} with one frame`);
        else assert.ok(size > 0, `${textEncoder}: zero gradient for ${name}`);
      }
      tf.dispose(Object.values(grads));
      const out = model.forward(batch, { training: false });
      assert.deepEqual(out.yHat.shape, [5]);
      disposeOut(out);
    } finally {
      disposeBatch(batch);
      model.dispose();
    }
  }
});

test('an empty visual sequence in every clip (the main preset hides visual): finite loss and gradients, the visual LSTMs untouched', async () => {
  const p = await quickData();
  const clips = p.data.dataset.splits.train.slice(0, 5).map((c) => ({ ...c, visual: { data: new Float32Array(0), length: 0, dim: c.visual.dim } }));
  const model = buildQuick(p);
  const batch = batchOf(p, clips);
  try {
    const vars = model.namedVariables();
    const { value: v, grads } = tf.variableGrads(() => model.losses(model.forward(batch, { training: true }), batch).total, [...vars.values()]);
    assert.ok(Number.isFinite(value(v)));
    for (const [name, w] of vars) {
      const g = (grads[w.name] as tf.Tensor).dataSync();
      assert.ok(g.every(Number.isFinite), `finite gradient for ${name}`);
      if (name.startsWith('misa/visualEncoder/')) assert.ok(g.every((e) => e === 0), `${name}: no real visual step`);
    }
    tf.dispose(Object.values(grads));
  } finally {
    disposeBatch(batch);
    model.dispose();
  }
});

test('parameters: misaCost rows + the host table = a hand count = paramCount(), for the quick sizes, the mean path and input-width LSTMs', async () => {
  const p = await quickData();
  const i = p.resolved.inputs; // text 32 (BERT host table 30522 × 32), audio 8, visual 16
  const table = 30522 * 32;
  const fc = (a: number, b: number): number => a * b + b;
  const lstm = (a: number, h: number): number => 4 * (a * h + h * h + h);
  const slstm = (a: number, h: number): number => 2 * lstm(a, h) + 2 * 2 * h + 2 * lstm(2 * h, h);
  const common = (d: number, ff: number): number => 4 * fc(d, d) + 3 * fc(d, d) + transformerBlockParams(d, ff) + fc(6 * d, 3 * d) + fc(3 * d, 1);
  const cases: Array<[Record<string, unknown>, number]> = [
    // quick: text 8, audio 4, visual 4 units; d_h 8, FF 16
    [{}, table + slstm(i.textWidth, 8) + slstm(i.audioDim, 4) + slstm(i.visualDim, 4) + fc(32, 8) + fc(16, 8) + fc(16, 8) + 3 * 2 * 8 + common(8, 16)],
    [{ textEncoder: 'mean' }, table + slstm(i.audioDim, 4) + slstm(i.visualDim, 4) + fc(i.textWidth, 8) + fc(16, 8) + fc(16, 8) + 3 * 2 * 8 + common(8, 16)],
    // 0 = the input width (the reference): text 32, audio 8, visual 16 units
    [{ textHidden: 0, audioHidden: 0, visualHidden: 0, hiddenSize: 6, fusionHeads: 3, fusionLayers: 2 }, table + slstm(32, 32) + slstm(8, 8) + slstm(16, 16) + fc(128, 6) + fc(32, 6) + fc(64, 6) + 3 * 2 * 6 + common(6, 16) + transformerBlockParams(6, 16)],
  ];
  for (const [overrides, hand] of cases) {
    const model = buildQuick(p, overrides);
    try {
      assert.equal(model.paramCount(), hand, JSON.stringify(overrides));
      const rows = misaCost(model.config, { ...i, hostTableParams: table });
      assert.equal(rows.reduce((s, r) => s + r.params, 0) + table, hand, `cost rows ${JSON.stringify(overrides)}`);
      assert.ok(rows.every((r) => r.macs > 0));
    } finally {
      model.dispose();
    }
  }
  // the defaults at the main job's shapes: USE-lite 512-wide X^L, audio 73, visual 100, one frame each
  const main = misaCost(DEFAULT_MISA_CONFIG, { textWidth: 512, audioDim: 73, visualDim: 100, textLength: 50, audioLength: 1, visualLength: 1, hostTableParams: 0 });
  assert.equal((main.find((r) => r.module === 'fusion') as { params: number }).params, transformerBlockParams(128, 2048));
  assert.equal((main.find((r) => r.module === 'audioEncoder') as { params: number }).params, slstm(73, 73));
});

test('config: unknown keys and bad values are errors naming the key', () => {
  assert.throws(() => resolveMisaConfig({ rank: 2 }), /misa config: unknown key "rank" \(known: textEncoder, .*regressionLoss\)/);
  assert.throws(() => resolveMisaConfig({ textHidden: 1.5 }), /misa config: textHidden must be a non-negative integer/);
  assert.throws(() => resolveMisaConfig({ audioHidden: -1 }), /misa config: audioHidden must be a non-negative number/);
  assert.throws(() => resolveMisaConfig({ hiddenSize: 7 }), /misa config: hiddenSize \(7\) must be divisible by fusionHeads \(2\)/);
  assert.throws(() => resolveMisaConfig({ textEncoder: 'bert' }), /misa config: textEncoder must be one of lstm \| mean/);
  assert.throws(() => resolveMisaConfig({ fusionDropout: 1 }), /misa config: fusionDropout must be a rate in \[0, 1\)/);
  assert.throws(() => resolveMisaConfig({ cmdMoments: 0 }), /misa config: cmdMoments must be a positive integer/);
  assert.throws(() => resolveMisaConfig({ simWeight: -0.1 }), /misa config: simWeight must be a non-negative number/);
  const c = resolveMisaConfig();
  assert.deepEqual([c.simWeight, c.diffWeight, c.reconWeight, c.cmdMoments, c.hiddenSize, c.fusionHeads, c.fusionLayers, c.regressionLoss], [1, 0.3, 1, 5, 128, 2, 1, 'mse']);
});

test('dropout: a restarted stream repeats a training forward, evaluation is deterministic, and training differs from evaluation', async () => {
  const p = await quickData();
  const model = buildQuick(p, { dropout: 0.5, fusionDropout: 0.3 });
  const batch = batchOf(p, p.data.dataset.splits.train.slice(0, 4));
  try {
    const y = (training: boolean): number[] => {
      const o = model.forward(batch, { training });
      const v = Array.from(o.yHat.dataSync());
      disposeOut(o);
      return v;
    };
    model.setDropoutSeed(7);
    const a = y(true);
    const b = y(true);
    model.setDropoutSeed(7);
    assert.deepEqual(y(true), a);
    assert.notDeepEqual(a, b);
    assert.deepEqual(y(false), y(false));
    assert.notDeepEqual(y(false), a);
  } finally {
    disposeBatch(batch);
    model.dispose();
  }
});

test('training steps: every term finite and logged, no tensor leak after a burn-in step, every variable moves, the loss goes down', async () => {
  const p = await quickData();
  const model: BaselineModel = buildQuick(p);
  const params = model.namedVariables();
  const opt = new NamedAdamW(params, { weightDecay: 0 });
  const ctx = { model, config: p.resolved.train, modelParams: params, modelOptimizer: opt, hostParams: new Set([...params.keys()].filter((k) => k.startsWith('host/'))) };
  const clips = p.data.dataset.splits.train.slice(0, 16);
  try {
    const before = new Map([...params].map(([k, v]) => [k, (v.dataSync() as Float32Array).slice()]));
    const step = (i: number): Record<string, number> => {
      const batch = batchOf(p, clips);
      try {
        return baselineStep(ctx, batch, { lr: 5e-3, hostLr: 5e-3 }, i + 1).terms;
      } finally {
        disposeBatch(batch);
      }
    };
    const first = step(0); // burn-in
    assert.deepEqual(Object.keys(first).sort(), ['difference', 'reconstruction', 'regression', 'similarity', 'total']);
    const moved = [...params].filter(([k, v]) => (v.dataSync() as Float32Array).some((x, j) => x !== (before.get(k) as Float32Array)[j])).map(([k]) => k);
    assert.deepEqual(moved.sort(), [...params.keys()].sort(), 'every variable moved');
    const n = tf.memory().numTensors;
    let last = first;
    for (let i = 1; i < 30; i++) last = step(i);
    assert.equal(tf.memory().numTensors, n);
    assert.ok(Object.values(last).every(Number.isFinite));
    assert.ok((last.total as number) < 0.8 * (first.total as number), `total ${first.total} → ${last.total}`);
  } finally {
    opt.dispose();
    model.dispose();
  }
});

test('registry: --model misa resolves the quick sizes, builds through prepareBaselineRun, and efficiency.ts reports misaCost plus the host table', async () => {
  await initBackend();
  const { baselineConfigFor } = await import('../src/model/baselines/index');
  const { baselineCost } = await import('../src/eval/efficiency');
  assert.equal((baselineConfigFor('misa', 'quick') as MisaConfig).hiddenSize, 8);
  assert.equal((baselineConfigFor('misa', 'main') as MisaConfig).hiddenSize, 128);
  const p = await prepareBaselineRun({ preset: 'quick', model: 'misa', seed: 0, set: { diffWeight: '0.1' } });
  assert.equal((p.resolved.model as MisaConfig).diffWeight, 0.1);
  const model = p.build(0);
  try {
    const table = 30522 * 32;
    const rows = baselineCost('misa', p.resolved.model, { ...p.resolved.inputs, hostTableParams: table });
    assert.equal(rows[0]?.module, 'hostWordEmbeddings');
    assert.equal(rows.reduce((s, r) => s + r.params, 0), model.paramCount());
  } finally {
    model.dispose();
  }
});
