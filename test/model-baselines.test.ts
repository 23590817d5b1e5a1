// The Table 1 baselines (src/model/baselines/) on the quick preset's synthetic data and random
// BERT host: output shape, gradients to every variable, padding invariance, no tensor leak, the
// parameter count against a hand count, a short training run lowering the training loss, the
// config checks, and `mird train --model tfn` → `mird eval` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { disposeBatch, makeBatch } from '../src/data/batching';
import type { Batch, Clip } from '../src/data/types';
import { baselineCost } from '../src/eval/efficiency';
import { BASELINE_KINDS, baselineConfigFor, type BaselineKind } from '../src/model/baselines/index';
import type { BaselineModel } from '../src/model/baselines/types';
import { NamedAdamW } from '../src/nn/adamw';
import { baselineStep } from '../src/train/baseline-step';
import { BaselineTrainer, predictClips } from '../src/train/loop';
import { prepareBaselineRun, type PreparedBaselineRun } from '../src/train/setup';

const prepared = new Map<BaselineKind, PreparedBaselineRun>();
async function prep(kind: BaselineKind): Promise<PreparedBaselineRun> {
  await initBackend();
  let p = prepared.get(kind);
  if (p === undefined) {
    p = await prepareBaselineRun({ preset: 'quick', model: kind, seed: 0 });
    prepared.set(kind, p);
  }
  return p;
}

function batchOf(p: PreparedBaselineRun, clips: Clip[]): Batch {
  return makeBatch(clips, [], p.data.tokenizer, p.data.batchOptions);
}

const textLen = (c: Clip): number => c.text.split(/\s+/).length;

for (const kind of BASELINE_KINDS) {
  test(`${kind}: ŷ is [B], latents [B, ·], and gradients reach every trainable variable`, async () => {
    const p = await prep(kind);
    const model = p.build(0);
    const batch = batchOf(p, p.data.dataset.splits.train.slice(0, 6));
    try {
      const out = model.forward(batch, { training: false });
      assert.deepEqual(out.yHat.shape, [6]);
      for (const [n, z] of Object.entries(out.latents)) assert.equal(z.shape[0], 6, `latent ${n}`);
      tf.dispose([out.yHat, ...Object.values(out.latents)]);
      const vars = model.namedVariables();
      assert.ok(vars.has('host/embeddings.word_embeddings.weight'), 'the BERT host word-embedding table is trained');
      if (model.afterStep !== undefined) {
        // state outside gradients (Self-MM's generated unimodal labels start equal to the
        // multimodal label, so the unimodal heads have zero weight until a clip is seen again):
        // a few steps on this batch first, as training would
        const params = model.namedVariables();
        const opt = new NamedAdamW(params, { weightDecay: 0 });
        const ctx = { model, config: p.resolved.train, modelParams: params, modelOptimizer: opt, hostParams: new Set<string>() };
        // (32 clips that include this batch's 6, so both sentiment classes have a centre)
        const warm = batchOf(p, p.data.dataset.splits.train.slice(0, 32));
        for (let i = 0; i < 3; i++) baselineStep(ctx, warm, { lr: 1e-3, hostLr: 1e-3 }, i + 1);
        disposeBatch(warm);
        opt.dispose();
      }
      const { value, grads } = tf.variableGrads(() => {
        const o = model.forward(batch, { training: true });
        return model.losses(o, batch).total;
      }, [...vars.values()]);
      for (const [name, v] of vars) {
        const g = grads[v.name];
        assert.ok(g !== undefined, `no gradient for ${name}`);
        assert.ok((tf.sum(tf.abs(g)).dataSync()[0] as number) > 0, `zero gradient for ${name}`);
      }
      tf.dispose([value, ...Object.values(grads)]);
    } finally {
      disposeBatch(batch);
      model.dispose();
    }
  });

  test(`${kind}: a clip padded into a longer batch gets the same prediction`, async () => {
    const p = await prep(kind);
    const model = p.build(0);
    const clips = [...p.data.dataset.splits.test];
    const short = clips.reduce((a, c) => (textLen(c) + c.audio.length + c.visual.length < textLen(a) + a.audio.length + a.visual.length ? c : a));
    const long = clips.reduce((a, c) => (textLen(c) > textLen(a) ? c : a));
    assert.ok(textLen(long) > textLen(short));
    const alone = batchOf(p, [short]);
    const mixed = batchOf(p, [short, long]);
    try {
      assert.ok(mixed.textIds.shape[1] > alone.textIds.shape[1] || mixed.audio.shape[1] > alone.audio.shape[1], 'the mixed batch pads the short clip further');
      const a = model.forward(alone, { training: false });
      const b = model.forward(mixed, { training: false });
      const ya = a.yHat.dataSync()[0] as number;
      const yb = b.yHat.dataSync()[0] as number;
      assert.ok(Math.abs(ya - yb) < 1e-5, `${ya} alone vs ${yb} padded`);
      // the same clip with every sequence padded by 5 more zero steps (masks 0)
      const pad = (t: tf.Tensor, rank: number): tf.Tensor => tf.pad(t, rank === 3 ? [[0, 0], [0, 5], [0, 0]] : [[0, 0], [0, 5]]);
      const padded = {
        ...alone, textIds: pad(alone.textIds, 2) as tf.Tensor2D, textMask: pad(alone.textMask, 2) as tf.Tensor2D,
        audio: pad(alone.audio, 3) as tf.Tensor3D, audioMask: pad(alone.audioMask, 2) as tf.Tensor2D,
        visual: pad(alone.visual, 3) as tf.Tensor3D, visualMask: pad(alone.visualMask, 2) as tf.Tensor2D,
      };
      const c = model.forward(padded, { training: false });
      const yc = c.yHat.dataSync()[0] as number;
      assert.ok(Math.abs(ya - yc) < 1e-5, `${ya} vs ${yc} with 5 padded steps`);
      tf.dispose([padded.textIds, padded.textMask, padded.audio, padded.audioMask, padded.visual, padded.visualMask]);
      for (const o of [a, b, c]) tf.dispose([o.yHat, ...Object.values(o.latents)]);
    } finally {
      disposeBatch(alone);
      disposeBatch(mixed);
      model.dispose();
    }
  });

  test(`${kind}: training steps leak no tensor after a burn-in step; a step moves every variable`, async () => {
    const p = await prep(kind);
    const model = p.build(0);
    const params = model.namedVariables();
    const opt = new NamedAdamW(params, { weightDecay: 0.01 });
    const ctx = { model, config: p.resolved.train, modelParams: params, modelOptimizer: opt, hostParams: new Set([...params.keys()].filter((k) => k.startsWith('host/'))) };
    const clips = p.data.dataset.splits.train;
    try {
      const before = new Map([...params].map(([k, v]) => [k, (v.dataSync() as Float32Array).slice()]));
      const step = (i: number, first = i): void => {
        const batch = batchOf(p, clips.slice(8 * first, 8 * first + 8));
        try {
          const r = baselineStep(ctx, batch, { lr: 1e-3, hostLr: 1e-3 }, i + 1);
          assert.ok(Object.values(r.terms).every((v) => Number.isFinite(v)) && Number.isFinite(r.terms.regression), JSON.stringify(r.terms));
          // a model without auxiliary terms minimises its regression loss alone
          if (Object.keys(r.terms).length === 2) assert.equal(r.terms.regression, r.terms.total);
        } finally {
          disposeBatch(batch);
        }
      };
      // burn-in: three steps on the same clips (a model with state outside gradients, Self-MM, needs a clip seen twice)
      for (let i = 0; i < 3; i++) step(i, 0);
      const moved = [...params].filter(([k, v]) => (v.dataSync() as Float32Array).some((x, j) => x !== (before.get(k) as Float32Array)[j])).map(([k]) => k);
      assert.deepEqual(moved.sort(), [...params.keys()].sort(), 'every variable moved');
      const n = tf.memory().numTensors;
      for (let i = 3; i < 6; i++) step(i, i - 2);
      assert.equal(tf.memory().numTensors, n);
      const preds = predictClips(model, clips.slice(0, 20), p.data, 7); // evaluation path: no leak either
      assert.equal(preds.length, 20);
      assert.equal(tf.memory().numTensors, n);
    } finally {
      opt.dispose();
      model.dispose();
    }
  });
}

test('parameter counts equal a hand count on the quick config (text 32-wide BERT host table 30522 × 32, audio 8, visual 16)', async () => {
  const table = 30522 * 32;
  const lstm = (i: number, h: number): number => 4 * (i * h + h * h + h);
  const fc = (i: number, o: number): number => i * o + o;
  const mlp3 = (i: number, h: number): number => fc(i, h) + fc(h, h) + fc(h, h);
  // quick: audio/visual hidden 4, text LSTM 16 → 8, post-fusion 16 (TFN), rank 4 (LMF), EF-LSTM 16 / 16
  const subnets = lstm(32, 16) + fc(16, 8) + mlp3(8, 4) + mlp3(16, 4);
  const hand: Record<BaselineKind, number> = {
    tfn: table + subnets + fc(5 * 5 * 9, 16) + fc(16, 16) + fc(16, 1),
    lmf: table + subnets + (5 + 5 + 9) * 4 + 4 + 1,
    'ef-lstm': table + lstm(32 + 8 + 16, 16) + fc(16, 16) + fc(16, 1),
    // MIRD's quick shared encoder (BERT 2 × 32 host whole, WSA + MAG into layer 1, pooling, FC → 16) + FC 16 → 1
    'wsa-bert': (30522 + 64 + 2) * 32 + 64 + 2 * (4 * fc(32, 32) + fc(32, 64) + fc(64, 32) + 4 * 32) + (8 * 32 + fc(40, 32) + fc(8, 32)) + (16 * 32 + fc(48, 32) + fc(16, 32)) + 64 + fc(32, 16) + fc(16, 1),
    // conv 1 → 8 per modality; 6 crossmodal encoders (2 layers at 8, ffn 32, final norm); 3 self-attention (2 layers at 16, ffn 64); head on 48
    mult: table + 8 * (32 + 8 + 16) + 6 * (12 * 64 + 13 * 8 + 16) + 3 * (12 * 256 + 13 * 16 + 32) + 2 * fc(48, 48) + fc(48, 1),
    // hand counts of these three are derived term by term in test/model-baseline-<kind>.test.ts
    'self-mm': table + 4716,
    misa: table + 9097,
    mfsa: table + 10507,
  };
  for (const kind of BASELINE_KINDS) {
    const p = await prep(kind);
    const model = p.build(0);
    try {
      assert.equal(model.paramCount(), hand[kind], kind);
      const i = p.resolved.inputs;
      const rows = baselineCost(kind, p.resolved.model, { ...i, hostTableParams: table });
      assert.equal(rows.reduce((s, r) => s + r.params, 0), hand[kind], `${kind}: efficiency rows`);
      assert.ok(rows.every((r) => r.macs >= 0) && rows.some((r) => r.macs > 0));
    } finally {
      model.dispose();
    }
  }
  // at the paper's TFN sizes the fused tensor is (32+1)(32+1)(128+1) = 140481 wide
  const paper = baselineCost('tfn', baselineConfigFor('tfn', 'paper'), { textWidth: 300, audioDim: 33, visualDim: 709, textLength: 50, audioLength: 400, visualLength: 55, hostTableParams: 0 });
  assert.equal((paper.find((r) => r.module === 'postFusion') as { params: number }).params, fc(140481, 128) + fc(128, 128) + fc(128, 1));
});

test('a short run lowers the training loss of each baseline (synthetic data, 5 epochs at lr 5e-3)', async () => {
  for (const kind of BASELINE_KINDS) {
    const p = await prep(kind);
    const model: BaselineModel = p.build(0);
    const epochs = 5;
    const trainer = new BaselineTrainer(model, p.data, { ...p.resolved.train, maxEpochs: epochs, patience: 0, lr: 5e-3, hostLr: 5e-3 }, 0, { run: null, checkpointMetadata: {} });
    try {
      const losses: number[] = [];
      for (let e = 0; e < epochs; e++) {
        const reports = trainer.runEpoch(e, null);
        losses.push(reports.reduce((s, r) => s + (r.terms.regression as number), 0) / reports.length);
      }
      // the regression term (a model's auxiliary terms may rise while it learns, e.g. Self-MM's
      // unimodal terms switch on once labels move): at least 5 % lower in the last epoch than in the first
      assert.ok((losses[epochs - 1] as number) < 0.95 * (losses[0] as number), `${kind}: ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
    } finally {
      trainer.dispose();
      model.dispose();
    }
  }
});

test('configs: unknown keys name the valid ones, bad values name the key, MIRD keys are refused for a baseline', async () => {
  assert.throws(() => baselineConfigFor('tfn', 'main', { rank: 4 }), /tfn config: unknown key "rank" \(known: audioHidden, .*regressionLoss\)/);
  assert.throws(() => baselineConfigFor('lmf', 'main', { rank: 0 }), /lmf config: rank must be a positive integer, got 0/);
  assert.throws(() => baselineConfigFor('ef-lstm', 'main', { dropout: 1 }), /ef-lstm config: dropout must be a rate in \[0, 1\)/);
  assert.throws(() => baselineConfigFor('tfn', 'main', { regressionLoss: 'huber' }), /regressionLoss must be one of l1 \| mse/);
  assert.equal((baselineConfigFor('tfn', 'main') as { textHidden: number }).textHidden, 128);
  assert.equal((baselineConfigFor('tfn', 'quick') as { textHidden: number }).textHidden, 16);
  await assert.rejects(prepareBaselineRun({ preset: 'quick', model: 'lmf', seed: 0, set: { alpha: '0.1' } }), /--set alpha: a MIRD training key .* does not apply to --model lmf/);
  await assert.rejects(prepareBaselineRun({ preset: 'quick', model: 'lmf', seed: 0, set: { latentDim: '8' } }), /--set latentDim: a MIRD model key/);
  await assert.rejects(prepareBaselineRun({ preset: 'quick', model: 'lmf', seed: 0, set: { rank: 'two' } }), /lmf config: rank must be a number, got "two"/);
  await assert.rejects(prepareBaselineRun({ preset: 'quick', model: 'tfn', seed: 0, unlabeled: 'synthetic:small' }), /--unlabeled does not apply to --model tfn/);
  const p = await prepareBaselineRun({ preset: 'quick', model: 'lmf', seed: 0, set: { rank: '2', lr: '0.01' } });
  assert.equal((p.resolved.model as { rank: number }).rank, 2);
  assert.equal(p.resolved.train.lr, 0.01);
  assert.equal('alpha' in p.resolved.train, false, 'the recorded training config holds the keys that apply only');
});

test('mird train --model tfn --preset quick, then mird eval on the run folder (same test metrics), and --resume of the finished run', () => {
  const root = process.cwd();
  const mird = (...args: string[]): { code: number; out: string; err: string } => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'mird.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1' } });
    return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
  };
  const dir = join(mkdtempSync(join(tmpdir(), 'mird-baseline-')), 'tfn');
  const t = mird('train', '--model', 'tfn', '--preset', 'quick', '--set', 'maxEpochs=1', '--out', dir);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /tfn \(quick\)/);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { spec: { model: string }; resolved: { system: string; model: { postFusionDim: number }; train: Record<string, unknown> } };
  assert.equal(config.spec.model, 'tfn');
  assert.equal(config.resolved.system, 'tfn');
  assert.equal(config.resolved.model.postFusionDim, 16);
  assert.equal(config.resolved.train.maxEpochs, 1);
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as { test: { mae: number } };
  const e = mird('eval', dir, '--json');
  assert.equal(e.code, 0, e.err);
  const evaluated = JSON.parse(e.out) as { metrics: { test: { mae: number; clips: number } } };
  assert.equal(evaluated.metrics.test.clips, 128);
  assert.ok(Math.abs(evaluated.metrics.test.mae - metrics.test.mae) < 1e-9, 'eval reproduces the test metrics of the run');
  const r = mird('train', '--model', 'tfn', '--preset', 'quick', '--set', 'maxEpochs=1', '--out', dir, '--resume');
  assert.equal(r.code, 0, r.err);
  const badOut = join(dir, '..', 'bad');
  const bad = mird('train', '--model', 'tfn', '--preset', 'quick', '--set', 'alpha=1', '--out', badOut);
  assert.notEqual(bad.code, 0, bad.err);
  assert.match(bad.err, /--set alpha: a MIRD training key/);
  assert.ok(!existsSync(badOut), 'a refused run leaves no folder');
  const unl = mird('train', '--model', 'lmf', '--preset', 'quick', '--unlabeled', 'synthetic:small', '--out', badOut);
  assert.equal(unl.code, 2, unl.err);
  assert.match(unl.err, /--unlabeled does not apply to --model lmf/);
});

// Self-MM also keeps training state outside its variables (the generated unimodal labels, which
// first move in epoch 2): killed after epoch 2, its resumed run must continue that memory.
for (const [kind, killAfter] of [['tfn', 1], ['self-mm', 2]] as const) test(`${kind}: a run killed after epoch ${killAfter} and resumed by a fresh model from its folder ends with the metrics of an uninterrupted run`, async () => {
  const { RunDir } = await import('../src/train/records');
  const { trainLoop } = await import('../src/train/loop');
  const p = await prep(kind);
  const root = mkdtempSync(join(tmpdir(), 'mird-baseline-resume-'));
  const folder = (name: string): string => {
    const dir = join(root, name);
    RunDir.create(dir).writeJson('config.json', {});
    return dir;
  };
  const train = (dir: string, options: { stopAfterEpochs?: number; resume?: boolean }): ReturnType<typeof trainLoop> => {
    const model = p.build(0); // a fresh model each time: other per-process variable names, same stable names
    const t = new BaselineTrainer(model, p.data, p.resolved.train, 0, { run: RunDir.open(dir), checkpointMetadata: {}, stopAfterEpochs: options.stopAfterEpochs });
    try {
      if (options.resume === true) assert.equal(t.resume(), true);
      return trainLoop(t);
    } finally {
      t.dispose();
      model.dispose();
    }
  };
  const whole = train(folder('whole'), {});
  const killedDir = folder('killed');
  assert.equal(train(killedDir, { stopAfterEpochs: killAfter }), null);
  const resumed = train(killedDir, { resume: true });
  assert.ok(whole !== null && resumed !== null);
  assert.deepEqual(resumed.test, whole.test);
  assert.equal(resumed.bestEpoch, whole.bestEpoch);
  assert.equal(readFileSync(join(killedDir, 'predictions.csv'), 'utf8'), readFileSync(join(root, 'whole', 'predictions.csv'), 'utf8'));
});
