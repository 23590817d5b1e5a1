// The trainer (src/train): each loss term against a hand computation, Algorithm 1's alternating
// steps (bitwise separation, one forward per batch), NaN handling, resume after a kill, seeds,
// leaks, and the run records. Tiny runs: the quick preset on 32 synthetic train clips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { disposeBatch, epochBatches, makeBatch } from '../src/data/batching';
import { Club } from '../src/mi/club';
import { GaussianQSet } from '../src/mi/gaussian-set';
import { NamedAdamW } from '../src/nn/adamw';
import { DEFAULT_TRAIN_CONFIG, resolveTrainConfig } from '../src/train/config';
import { labeledMse, objective, orthogonality, LOG_FLOOR } from '../src/train/objective';
import { canonicalCorrelationPenalty, covarianceDeviation, crossCorrelationPenalty } from '../src/mi/xcorr';
import { Trainer, trainMird } from '../src/train/loop';
import { RunDir } from '../src/train/records';
import { runTraining } from '../src/train/run';
import { warmupLinearDecay } from '../src/train/schedule';
import { WeightAverage } from '../src/train/ema';
import { changedVariables, snapshotVariables } from '../src/train/notebook-helpers';
import { initSharedPathFromHead, prepareRun, type PreparedRun, type RunSpec } from '../src/train/setup';
import { estimatorStep, latentsOf, NonFiniteLossError, pairsOfRows, trainStep } from '../src/train/step';

await initBackend();

const TINY_SET = { batchSize: '8', maxEpochs: '2', patience: '0', evalBatchSize: '64' };

/** The quick preset on 32 / 16 / 16 synthetic clips (4 steps an epoch). */
async function tinyRun(set: Record<string, string> = {}, seed = 0): Promise<{ spec: RunSpec; prepared: PreparedRun }> {
  const spec: RunSpec = { preset: 'quick', seed, set: { ...TINY_SET, ...set } };
  const prepared = await prepareRun(spec);
  const s = prepared.data.dataset.splits;
  prepared.data.dataset = { ...prepared.data.dataset, splits: { train: s.train.slice(0, 32), valid: s.valid.slice(0, 16), test: s.test.slice(0, 16) } };
  return { spec, prepared };
}

const snapshot = snapshotVariables;
const sameBits = (a: Float32Array[], b: Float32Array[]): boolean => changedVariables(a, b) === 0;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'mird-train-'));
}

/**
 * The run of `dirA`'s config started afresh in another folder, killed at step 6 (mid epoch 2 of 4
 * steps each), then continued with --resume; with the epochs state.json counted after the kill.
 */
async function killedAtStep6ThenResumed(spec: RunSpec, prepared: PreparedRun, dirA: string): Promise<{ dir: string; completedAfterKill: number; resumed: Awaited<ReturnType<typeof runTraining>> }> {
  const run = RunDir.create(join(tmp(), 'b'));
  run.writeJson('config.json', JSON.parse(readFileSync(join(dirA, 'config.json'), 'utf8')));
  const { model, mi } = prepared.build(0);
  const killed = new Trainer(model, mi, prepared.data, prepared.resolved.train, 0, {
    run, checkpointMetadata: JSON.parse(JSON.stringify((await import('../src/train/run')).checkpointMetadata(prepared.resolved, prepared.normStats))),
    onStep: (step) => {
      if (step === 6) throw new Error('killed');
    },
  });
  assert.throws(() => trainMird(killed), /killed/);
  killed.dispose();
  model.dispose();
  mi?.dispose();
  const completedAfterKill = run.readJson<{ completedEpochs: number }>('state.json').completedEpochs;
  const resumed = await runTraining(spec, { out: run.dir, resume: true, prepared });
  return { dir: run.dir, completedAfterKill, resumed };
}

test('schedule: linear warm-up to the peak, then linear decay that never reaches 0', () => {
  const f = (s: number): number => warmupLinearDecay(s, 100, 0.1);
  assert.equal(f(1), 0.1);
  assert.equal(f(10), 1);
  assert.equal(f(11), 1);
  assert.ok(Math.abs(f(100) - 1 / 90) < 1e-12);
  assert.ok(f(50) > f(60));
  assert.equal(warmupLinearDecay(3, 7, 0), (7 - 3 + 1) / 7);
  assert.throws(() => warmupLinearDecay(0, 10, 0.1), /step must be in 1..10/);
});

test('train config: unknown keys and bad values are errors naming the field', () => {
  assert.throws(() => resolveTrainConfig({ lrr: 1 } as never), /unknown key "lrr" \(known: batchSize,/);
  assert.throws(() => resolveTrainConfig({ batchSize: 0 }), /batchSize must be a positive integer/);
  assert.throws(() => resolveTrainConfig({ constraint: 'mi' as never }), /constraint must be one of mim \| oc \| nc/);
  assert.throws(() => resolveTrainConfig({ miPairs: ['text-audio', 'foo'] as never }), /miPairs must be a list of text-audio/);
  assert.throws(() => resolveTrainConfig({ warmupFraction: 1 }), /warmupFraction must be in \[0, 1\)/);
  assert.throws(() => resolveTrainConfig({ estimator: 'CLUB' }), /estimator must be KIND-hN/);
  assert.equal(resolveTrainConfig({}).estimatorSteps, DEFAULT_TRAIN_CONFIG.estimatorSteps);
});

test('loss terms against hand computations: log MSE over labeled clips only, reconstruction, OC, α, the log form', async () => {
  // eq. 18 over labeled rows only: rows 2, 3 are unlabeled and must not count
  const yHat = tf.tensor1d([1, -1, 100, 100]);
  const labels = tf.tensor1d([0.5, 1, 0, 0]);
  assert.ok(Math.abs((labeledMse(yHat, labels, 2).dataSync()[0] as number) - (0.25 + 4) / 2) < 1e-6);
  assert.throws(() => labeledMse(yHat, labels, 0), /without labeled clips/);
  // OC: Σ_ij (z^m_i · z^S_j)² / B²
  const zm = tf.tensor2d([[1, 0], [1, 1]]);
  const zs = tf.tensor2d([[2, 0], [0, 3]]);
  // dots: [1·2, 0], [2, 3] → squares 4, 0, 4, 9 → 17 / 4
  assert.ok(Math.abs((orthogonality(zm, zs).dataSync()[0] as number) - 17 / 4) < 1e-6);
  tf.dispose([yHat, labels, zm, zs]);

  // the whole objective of one forward, recomputed from its own parts by hand
  const { prepared } = await tinyRun({ alpha: '0.3' });
  const { model, mi } = prepared.build(0);
  const clips = prepared.data.dataset.splits.train.slice(0, 6);
  const batch = makeBatch(clips.slice(0, 4), clips.slice(4), prepared.data.tokenizer, prepared.data.batchOptions);
  const ctx = { model, config: prepared.resolved.train, mi, ignoreTokenIds: prepared.data.ignoreTokenIds };
  const values = tf.tidy(() => {
    const out = model.forward(batch, { training: false, textLogits: true });
    const pairs = (mi as NonNullable<typeof mi>).pairTensors(latentsOf(model, out, batch, mi as NonNullable<typeof mi>));
    const o = objective(out, batch, ctx, pairs);
    const y = Array.from(out.yHat.dataSync());
    const lab = Array.from(batch.labels.dataSync());
    const mse = [0, 1, 2, 3].reduce((a, i) => a + ((y[i] as number) - (lab[i] as number)) ** 2, 0) / 4;
    const r = out.reconstructions as NonNullable<typeof out.reconstructions>;
    // audio MSE by hand over real frames
    const a = Array.from(r.audio.dataSync());
    const t = Array.from(batch.audio.dataSync());
    const m = Array.from(batch.audioMask.dataSync());
    const [B, T, D] = r.audio.shape;
    let se = 0;
    let cnt = 0;
    for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) if ((m[b * T + s] as number) > 0) for (let d = 0; d < D; d++) { se += ((a[(b * T + s) * D + d] as number) - (t[(b * T + s) * D + d] as number)) ** 2; cnt += 1; }
    // text CE by hand from materialised logits over real tokens minus [CLS]/[SEP]
    const logits = (r.text as tf.Tensor3D).arraySync();
    const ids = batch.textIds.arraySync();
    const tm = batch.textMask.arraySync();
    let nll = 0;
    let n = 0;
    logits.forEach((row, b) => row.forEach((l, s) => {
      const id = (ids[b] as number[])[s] as number;
      if ((tm[b] as number[])[s] === 0 || prepared.data.ignoreTokenIds.includes(id)) return;
      const mx = Math.max(...l);
      const lse = mx + Math.log(l.reduce((acc, v) => acc + Math.exp(v - mx), 0));
      nll += lse - (l[id] as number);
      n += 1;
    }));
    const miSum = [...o.mi.values()].reduce((acc, v) => acc + (v.dataSync()[0] as number), 0);
    return {
      mse, audio: se / cnt, ce: nll / n, miSum, miCount: o.mi.size,
      got: { total: o.total.dataSync()[0] as number, regression: o.regression.dataSync()[0] as number, reconAudio: o.reconAudio?.dataSync()[0] as number, reconText: o.reconText?.dataSync()[0] as number, reconVisual: o.reconVisual?.dataSync()[0] as number, constraint: o.constraint?.dataSync()[0] as number },
    };
  });
  const g = values.got;
  assert.ok(Math.abs(g.regression - values.mse) < 1e-5, `regression ${g.regression} vs ${values.mse}`);
  assert.ok(Math.abs(g.reconAudio - values.audio) < 1e-5, `reconAudio ${g.reconAudio} vs ${values.audio}`);
  assert.ok(Math.abs(g.reconText - values.ce) < 1e-4, `reconText ${g.reconText} vs ${values.ce}`);
  assert.equal(values.miCount, 9);
  assert.ok(Math.abs(g.constraint - values.miSum) < 1e-5);
  const log = (x: number): number => Math.log(Math.max(x, LOG_FLOOR));
  const want = log(g.regression) + log(g.reconText) + log(g.reconAudio) + log(g.reconVisual) + 0.3 * g.constraint;
  assert.ok(Math.abs(g.total - want) < 1e-4, `eq. 21: total ${g.total} vs ${want}`);
  disposeBatch(batch);
  model.dispose();
  mi?.dispose();
});

test('constraints xcorr and cca: Σ of the penalty over the active latent pairs, times α; whitening: Σ ‖Cov(z) − I‖²/d² over the latents, times its weight', async () => {
  const { prepared } = await tinyRun();
  const { model, mi } = prepared.build(0);
  const batch = makeBatch(prepared.data.dataset.splits.train.slice(0, 8), [], prepared.data.tokenizer, prepared.data.batchOptions);
  const pairs = [['zAudio', 'zVisual'], ['zShared', 'zAudio']] as const;
  for (const [constraint, penalty] of [['xcorr', crossCorrelationPenalty], ['cca', canonicalCorrelationPenalty]] as const) {
    const config = resolveTrainConfig({ constraint, alpha: 0.7, miPairs: ['audio-visual', 'shared-audio', 'shared-inputAudio'], whitening: 0.2 }, prepared.resolved.train);
    const got = tf.tidy(() => {
      const out = model.forward(batch, { training: false, textLogits: false });
      const o = objective(out, batch, { model, config, mi: null, ignoreTokenIds: prepared.data.ignoreTokenIds }, null);
      const want = pairs.reduce((acc, [a, b]) => acc + (penalty(out[a], out[b]).dataSync()[0] as number), 0); // the input pair is not a latent pair
      const white = [out.zText, out.zAudio, out.zVisual, out.zShared].reduce((acc, z) => acc + (covarianceDeviation(z).dataSync()[0] as number), 0);
      const v = (t: tf.Scalar | undefined): number => t?.dataSync()[0] as number;
      const log = (x: number): number => Math.log(Math.max(x, LOG_FLOOR));
      const task = log(v(o.regression)) + log(v(o.reconText)) + log(v(o.reconAudio)) + log(v(o.reconVisual));
      return { constraint: v(o.constraint), want, whitening: v(o.whitening), white, total: v(o.total), wantTotal: task + 0.7 * want + 0.2 * white };
    });
    assert.ok(got.want > 0 && Math.abs(got.constraint - got.want) < 1e-5, `${constraint}: ${got.constraint} vs ${got.want}`);
    assert.ok(got.white > 0 && Math.abs(got.whitening - got.white) < 1e-5, `whitening: ${got.whitening} vs ${got.white}`);
    assert.ok(Math.abs(got.total - got.wantTotal) < 1e-4, `eq. 21 + whitening: ${got.total} vs ${got.wantTotal}`);
  }
  assert.throws(() => resolveTrainConfig({ whitening: -1 }), /whitening must be a non-negative number/);
  // quick preset: latentDim 16; a batch of 16 rows cannot be whitened in 16 dimensions
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, set: { constraint: 'cca', batchSize: '16' } }), /batchSize 16: constraint cca whitens each latent over a batch, which needs more rows than latentDim 16/);
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, set: { whitening: '1', batchSize: '8' } }), /batchSize 8: whitening pulls each latent/);
  disposeBatch(batch);
  model.dispose();
  mi?.dispose();
});

test('unlabeledUse: unlabeled clips feed reconstruction and the constraint (MIM, OC, HSIC, xcorr, cca), or only one of them (Table 6)', async () => {
  const { prepared } = await tinyRun();
  const { model, mi } = prepared.build(0);
  const est = mi as NonNullable<typeof mi>;
  const clips = prepared.data.dataset.splits.train.slice(0, 6);
  const unl = clips.slice(4).map((c) => ({ ...c, label: null }));
  const mixed = makeBatch(clips.slice(0, 4), unl, prepared.data.tokenizer, prepared.data.batchOptions);
  const labeledOnly = makeBatch(clips.slice(0, 4), [], prepared.data.tokenizer, prepared.data.batchOptions);
  assert.equal(mixed.numLabeled, 4);
  // eval-mode forwards are row-wise, so the labeled-only batch gives the labeled rows' terms
  const terms = (batch: typeof mixed, set: Record<string, unknown>): Record<string, number> => tf.tidy(() => {
    const config = resolveTrainConfig(set, prepared.resolved.train);
    const out = model.forward(batch, { training: false, textLogits: false });
    const all = est.pairTensors(latentsOf(model, out, batch, est));
    const pairs = config.unlabeledUse === 'recon' ? pairsOfRows(all, batch.numLabeled) : all;
    const o = objective(out, batch, { model, config, mi: est, ignoreTokenIds: prepared.data.ignoreTokenIds }, pairs);
    const v = (t: tf.Scalar | undefined): number => (t === undefined ? NaN : (t.dataSync()[0] as number));
    return { reconText: v(o.reconText), reconAudio: v(o.reconAudio), reconVisual: v(o.reconVisual), constraint: v(o.constraint) };
  });
  const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  for (const constraint of ['mim', 'oc', 'hsic', 'xcorr', 'cca'] as const) {
    const both = terms(mixed, { constraint });
    const lab = terms(labeledOnly, { constraint });
    const mimOnly = terms(mixed, { constraint, unlabeledUse: 'mim' });
    const reconOnly = terms(mixed, { constraint, unlabeledUse: 'recon' });
    for (const k of ['reconText', 'reconAudio', 'reconVisual']) {
      close(mimOnly[k] as number, lab[k] as number, `${constraint} unlabeledUse mim: ${k} reads labeled clips only`);
      close(reconOnly[k] as number, both[k] as number, `${constraint} unlabeledUse recon: ${k} reads every clip`);
      assert.notEqual(both[k], lab[k], `${k}: the unlabeled rows change the term (else the test proves nothing)`);
    }
    close(mimOnly.constraint as number, both.constraint as number, `${constraint} unlabeledUse mim: the constraint reads every clip`);
    close(reconOnly.constraint as number, lab.constraint as number, `${constraint} unlabeledUse recon: the constraint reads labeled clips only`);
    assert.notEqual(both.constraint, lab.constraint);
  }
  assert.throws(() => resolveTrainConfig({ unlabeledUse: 'some' as never }), /unlabeledUse must be one of both \| recon \| mim/);
  disposeBatch(mixed);
  disposeBatch(labeledOnly);
  model.dispose();
  est.dispose();
});

test('detachSharedInConstraint: the constraint moves the private encoders but not the shared path (OC, HSIC)', async () => {
  const { prepared } = await tinyRun();
  const { model, mi } = prepared.build(0);
  const clips = prepared.data.dataset.splits.train.slice(0, 8);
  const batch = makeBatch(clips, [], prepared.data.tokenizer, prepared.data.batchOptions);
  const mods = model.moduleVariables();
  const shared = [...mods.wsa, ...mods.sharedHead];
  const audio = mods.audioEncoder;
  const norms = (set: Record<string, unknown>): { shared: number; audio: number } => {
    const config = resolveTrainConfig(set, prepared.resolved.train);
    const ctx = { model, config, mi: null, ignoreTokenIds: prepared.data.ignoreTokenIds };
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(batch, { training: false, textLogits: false });
      return objective(out, batch, ctx, null).constraint as tf.Scalar;
    }, [...shared, ...audio]);
    const norm = (vs: tf.Variable[]): number => vs.reduce((a, v) => a + (grads[v.name] === undefined ? 0 : (tf.tidy(() => tf.sum(tf.square(grads[v.name] as tf.Tensor)).dataSync()[0]) as number)), 0);
    const r = { shared: norm(shared), audio: norm(audio) };
    tf.dispose([value, ...Object.values(grads)]);
    return r;
  };
  for (const constraint of ['oc', 'hsic'] as const) {
    const free = norms({ constraint });
    const held = norms({ constraint, detachSharedInConstraint: true });
    assert.ok(free.shared > 0 && free.audio > 0, `${constraint}: both sides move by default (${JSON.stringify(free)})`);
    assert.equal(held.shared, 0, `${constraint}: z^S held fixed`);
    assert.ok(held.audio > 0, `${constraint}: z^A still moves`);
  }
  disposeBatch(batch);
  model.dispose();
  mi?.dispose();
});

test('oracleShared: z^S is each clip\'s true shared factor (zero-padded), the shared path gets no gradient, and a source without factors is refused', async () => {
  const { prepared } = await tinyRun({ oracleShared: 'true', constraint: 'oc' });
  assert.ok(prepared.notes.some((n) => /oracleShared \(diagnostic\)/.test(n)));
  const { model, mi } = prepared.build(0);
  const clips = prepared.data.dataset.splits.train.slice(0, 8);
  const batch = makeBatch(clips, [], prepared.data.tokenizer, prepared.data.batchOptions);
  const d = model.config.latentDim;
  const want = clips.flatMap((c) => {
    const s = Array.from(c.factors?.shared ?? []);
    assert.ok(s.length > 0 && s.length < d);
    return [...s, ...new Array<number>(d - s.length).fill(0)];
  });
  assert.deepEqual(Array.from(batch.oracleShared?.dataSync() ?? []), Array.from(Float32Array.from(want)));
  const mods = model.moduleVariables();
  const shared = [...mods.wsa, ...mods.sharedHead, ...mods.sharedBert];
  const others = [...mods.audioEncoder, ...mods.audioDecoder, ...mods.regressor];
  const ctx = { model, config: prepared.resolved.train, mi, ignoreTokenIds: prepared.data.ignoreTokenIds };
  let zShared: number[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(batch, { training: true, textLogits: false });
    zShared = Array.from(out.zShared.dataSync());
    return objective(out, batch, ctx, null).total;
  }, [...shared, ...others]);
  assert.deepEqual(zShared, Array.from(batch.oracleShared?.dataSync() ?? []), 'forward: z^S is the oracle');
  assert.ok(shared.every((v) => grads[v.name] === undefined), 'the shared encoder is not read');
  assert.ok(others.every((v) => grads[v.name] !== undefined), 'the other modules train');
  tf.dispose([value, ...Object.values(grads)]);
  // a clip without factors, in a batch or in a source
  const bare = { ...(clips[0] as (typeof clips)[number]), id: 'no-factors', factors: undefined };
  assert.throws(() => makeBatch([bare], [], prepared.data.tokenizer, prepared.data.batchOptions), /oracleShared needs the clips' true factors, and clip no-factors has none/);
  disposeBatch(batch);
  model.dispose();
  mi?.dispose();
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, data: 'test/fixtures/pickles/mird-p2.pkl', set: { oracleShared: 'true' } }), /oracleShared: .* clip .* of test\/fixtures\/pickles\/mird-p2.pkl has none/);
});

test('GaussianQSet member k is the CLUB estimator of its pair: same weights, estimates and NLL', () => {
  const set = new GaussianQSet(5, [4, 7], { hiddenSize: 8, seeds: [11, 12], name: 'CLUB-h8', prefix: 'test' });
  const clubs = [new Club(5, 4, { hiddenSize: 8, seed: 11, name: 'CLUB-h8' }), new Club(5, 7, { hiddenSize: 8, seed: 12, name: 'CLUB-h8' })];
  const xs = [tf.randomNormal([9, 5], 0, 1, 'float32', 1), tf.randomNormal([9, 5], 0, 1, 'float32', 2)] as tf.Tensor2D[];
  const ys = [tf.randomNormal([9, 4], 0, 1, 'float32', 3), tf.randomNormal([9, 7], 0, 1, 'float32', 4)] as tf.Tensor2D[];
  clubs.forEach((club, k) => {
    const member = set.member(k);
    const own = club.variables().map((v) => Array.from(v.dataSync()));
    const mine = ['mu1/kernel', 'mu1/bias', 'mu2/kernel', 'mu2/bias', 'logvar1/kernel', 'logvar1/bias', 'logvar2/kernel', 'logvar2/bias'].map((n) => Array.from((member.get(n) as tf.Tensor).dataSync()));
    assert.deepEqual(mine, own, `member ${k} weights`);
    tf.dispose([...member.values()]);
  });
  const est = Array.from(set.club(xs, ys).dataSync());
  const nll = Array.from(set.nll(xs, ys).dataSync());
  clubs.forEach((club, k) => {
    assert.ok(Math.abs((est[k] as number) - (club.estimate(xs[k] as tf.Tensor2D, ys[k] as tf.Tensor2D).dataSync()[0] as number)) < 1e-5, `estimate ${k}`);
    assert.ok(Math.abs((nll[k] as number) - (club.learningLoss(xs[k] as tf.Tensor2D, ys[k] as tf.Tensor2D).dataSync()[0] as number)) < 1e-4, `nll ${k}`);
  });
  // off-block weights get exactly zero gradient, so they stay 0 whatever the optimiser does
  const opt = new NamedAdamW(set.namedVariables(), { weightDecay: 0, eps: 1e-8 });
  for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(set.nll(xs, ys)) as tf.Scalar, 1e-2);
  const w = (set.namedVariables().get('mu2/kernel') as tf.Variable).arraySync() as number[][];
  // member 0's rows (0..3 of the hidden units) never reach member 1's columns (4..10)
  for (let r = 0; r < 4; r++) for (let c = 4; c < 11; c++) assert.equal(w[r]?.[c], 0);
  opt.dispose();
  set.dispose();
  clubs.forEach((c) => c.dispose());
  tf.dispose([...xs, ...ys]);
});

test('Algorithm 1: one forward per batch; estimator steps leave the model bit-identical; the model step leaves the estimators bit-identical', async () => {
  const { prepared } = await tinyRun({ estimatorSteps: '1' });
  const batches = [...epochBatches(prepared.data.dataset.splits.train, prepared.data.tokenizer, { ...prepared.data.batchOptions, batchSize: 8, seed: 0, epoch: 0 })];
  const batch = batches[0] as (typeof batches)[number];

  // (a) a full step: one forward, and the estimators end where one estimator step alone puts them
  const a = prepared.build(0);
  const ta = new Trainer(a.model, a.mi, prepared.data, prepared.resolved.train, 0, { run: null, checkpointMetadata: {} });
  let forwards = 0;
  const forward = a.model.forward.bind(a.model);
  a.model.forward = (x, o) => {
    forwards += 1;
    return forward(x, o);
  };
  a.model.setDropoutSeed(7);
  const modelBefore = snapshot(ta.modelParams.values());
  trainStep(ta.stepContext, batch, ta.rates(1), 1);
  assert.equal(forwards, 1, 'one forward per batch');
  assert.ok(!sameBits(modelBefore, snapshot(ta.modelParams.values())), 'the model step changed nothing');
  const estimatorsAfterStep = snapshot((ta.estimatorOptimizer as NamedAdamW).params.values());

  // (b) the same estimator step alone, from an identical model, forward and dropout stream
  const b = prepared.build(0);
  const tb = new Trainer(b.model, b.mi, prepared.data, prepared.resolved.train, 0, { run: null, checkpointMetadata: {} });
  b.model.setDropoutSeed(7);
  const modelB = snapshot(tb.modelParams.values());
  const estB = snapshot((tb.estimatorOptimizer as NamedAdamW).params.values());
  tf.tidy(() => {
    const out = b.model.forward(batch, { training: true, textLogits: false });
    const mi = b.mi as NonNullable<typeof b.mi>;
    estimatorStep(mi, tb.estimatorOptimizer as NamedAdamW, mi.pairTensors(latentsOf(b.model, out, batch, mi)), ta.rates(1).estimatorLr);
  });
  assert.ok(sameBits(modelB, snapshot(tb.modelParams.values())), 'an estimator step changed the model');
  assert.ok(!sameBits(estB, snapshot((tb.estimatorOptimizer as NamedAdamW).params.values())), 'the estimator step changed nothing');
  assert.ok(sameBits(estimatorsAfterStep, snapshot((tb.estimatorOptimizer as NamedAdamW).params.values())), 'the model step changed the estimators');
  // no variable is in both optimisers
  const est = new Set((ta.estimatorOptimizer as NamedAdamW).params.values());
  assert.ok([...ta.modelParams.values()].every((v) => !est.has(v)));
  for (const t of [ta, tb]) t.dispose();
  for (const x of [a, b]) {
    x.model.dispose();
    x.mi?.dispose();
  }
  batches.forEach(disposeBatch);
});

test('a NaN loss stops the run naming the term and the step, before the update; the last good checkpoint stays', async () => {
  const { spec, prepared } = await tinyRun();
  const out = join(tmp(), 'run');
  let poisoned = false;
  const { model, mi } = prepared.build(0);
  const run = RunDir.create(out);
  run.writeJson('config.json', { format: 'mird-run/1', spec });
  const trainer = new Trainer(model, mi, prepared.data, prepared.resolved.train, 0, {
    run, checkpointMetadata: {},
    onStep: (step) => {
      if (step === 5 && !poisoned) {
        // a regressor weight becomes NaN: ŷ, and so eq. 18, is NaN from the next step on
        poisoned = true;
        tf.tidy(() => model.regressor.fc2.w.assign(tf.fill(model.regressor.fc2.w.shape, Number.NaN)));
      }
    },
  });
  const before = readFileSync(join(out, 'last.safetensors'), { flag: 'a+' }).length; // absent yet: 0
  assert.equal(before, 0);
  let err: unknown = null;
  try {
    trainMird(trainer);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof NonFiniteLossError, String(err));
  assert.match((err as Error).message, /loss term regression is NaN at step 6/);
  const state = run.readJson<{ status: string; error: string; completedEpochs: number }>('state.json');
  assert.equal(state.status, 'failed');
  assert.match(state.error, /regression is NaN at step 6/);
  assert.equal(state.completedEpochs, 1);
  assert.ok(existsSync(join(out, 'best.safetensors')) && existsSync(join(out, 'last.safetensors')), 'the checkpoints of epoch 1 remain');
  trainer.dispose();
  model.dispose();
  mi?.dispose();
});

test('same seed → same metrics; a run killed mid-epoch and resumed ends exactly like an uninterrupted one; tensor count flat', async () => {
  const { spec, prepared } = await tinyRun({ maxEpochs: '3' });
  const dirA = join(tmp(), 'a');
  const counts: number[] = [];
  const a = await runTraining(spec, { out: dirA, prepared, onEpoch: () => counts.push(tf.memory().numTensors) });
  assert.equal(a.result.log.length, 3);
  assert.equal(counts[1], counts[2], `tensors grew across epochs: ${counts.join(', ')}`);

  // kill in the middle of epoch 2 (step 6 of 4 per epoch), then --resume
  const { dir: dirB, completedAfterKill, resumed: b } = await killedAtStep6ThenResumed(spec, prepared, dirA);
  assert.equal(completedAfterKill, 1, 'the killed run had completed one epoch');
  assert.deepEqual(b.result.test, a.result.test);
  assert.deepEqual(b.result.valid, a.result.valid);
  assert.equal(readFileSync(join(dirB, 'predictions.csv'), 'utf8'), readFileSync(join(dirA, 'predictions.csv'), 'utf8'));
  assert.equal(RunDir.open(dirB).readLog().length, 3);

  // the same seed once more, in memory: the same metrics
  const c = await runTraining(spec, { out: null, prepared });
  assert.deepEqual(c.result.test, a.result.test);
  // another seed: other numbers
  const { spec: spec1, prepared: p1 } = await tinyRun({ maxEpochs: '3' }, 1);
  const d = await runTraining(spec1, { out: null, prepared: p1 });
  assert.notDeepEqual(d.result.test, a.result.test);

  // the records
  for (const f of ['config.json', 'log.jsonl', 'state.json', 'metrics.json', 'predictions.csv', 'best.safetensors', 'last.safetensors']) assert.ok(existsSync(join(dirA, f)), f);
  const metrics = JSON.parse(readFileSync(join(dirA, 'metrics.json'), 'utf8')) as Record<string, Record<string, number>>;
  assert.deepEqual(Object.keys(metrics), ['valid', 'test']);
  assert.deepEqual(Object.keys(metrics.test as object), ['acc2_non0', 'f1_non0', 'acc2_has0', 'f1_has0', 'mae', 'corr', 'mae_non0', 'corr_non0', 'acc5', 'acc7']);
  const line = JSON.parse((readFileSync(join(dirA, 'log.jsonl'), 'utf8').split('\n')[0]) as string) as Record<string, unknown>;
  for (const k of ['epoch', 'train', 'mi', 'miSum', 'lr', 'seconds', 'valid', 'estimatorLoss']) assert.ok(k in line, `log line lacks ${k}`);
  assert.equal(Object.keys(line.mi as object).length, 9, 'every raw MI estimate is logged');
  const csv = readFileSync(join(dirA, 'predictions.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'id,label,prediction');
  assert.equal(csv.length, 1 + 16);
});

test('emaDecay: the weights\' average follows ē ← d·ē + (1 − d)·w per step, is what valid scores and best.safetensors holds, and resumes exactly', async () => {
  // the rule itself, on two variables
  const a = tf.variable(tf.tensor1d([1, 2]), true, 'test/ema/a');
  const b = tf.variable(tf.tensor2d([[4]]), true, 'test/ema/b');
  const avg = new WeightAverage(new Map<string, tf.Variable>([['a', a], ['b', b]]), 0.9);
  a.assign(tf.tensor1d([3, 0]));
  avg.update(); // 0.9·[1, 2] + 0.1·[3, 0]
  a.assign(tf.tensor1d([5, 5]));
  avg.update(); // 0.9·[1.2, 1.8] + 0.1·[5, 5]
  const ea = avg.vars.get('a')?.dataSync() as Float32Array;
  assert.ok(Math.abs((ea[0] as number) - 1.58) < 1e-6 && Math.abs((ea[1] as number) - 2.12) < 1e-6, `${ea}`);
  assert.ok(Math.abs((avg.vars.get('b')?.dataSync()[0] as number) - 4) < 1e-6);
  const inside = avg.withAverage(() => Array.from(a.dataSync()));
  assert.ok(Math.abs((inside[0] as number) - 1.58) < 1e-6, 'withAverage puts the average in');
  assert.deepEqual(Array.from(a.dataSync()), [5, 5], 'and the raw weights back');
  assert.throws(() => avg.withAverage(() => { throw new Error('boom'); }), /boom/);
  assert.deepEqual(Array.from(a.dataSync()), [5, 5], 'also after a throw');
  avg.dispose();
  tf.dispose([a, b]);
  assert.throws(() => resolveTrainConfig({ emaDecay: 1 }), /emaDecay must be in \[0, 1\)/);

  // in a run: valid is scored with the average; a kill mid-epoch and --resume end identically
  const { spec, prepared } = await tinyRun({ maxEpochs: '3', emaDecay: '0.8' });
  const dirA = join(tmp(), 'a');
  const before = tf.memory().numTensors;
  const runA = await runTraining(spec, { out: dirA, prepared });
  assert.equal(tf.memory().numTensors, before, 'the average is disposed with the trainer');
  const plain = await runTraining((await tinyRun({ maxEpochs: '3' })).spec, { out: null, prepared: (await tinyRun({ maxEpochs: '3' })).prepared });
  assert.notDeepEqual(runA.result.valid, plain.result.valid, 'the average scores differently from the raw weights');
  const best = (await import('../src/train/checkpoint')).readCheckpoint(join(dirA, 'best.safetensors'));
  const last = (await import('../src/train/checkpoint')).readCheckpoint(join(dirA, 'last.safetensors'));
  const name = [...best.tensors.keys()].find((k) => k.startsWith('model.regressor/fc1')) as string;
  assert.ok(last.tensors.has(`ema.${name.slice('model.'.length)}`), 'the resume checkpoint keeps the average');
  if (runA.result.bestEpoch === 3) assert.deepEqual(best.tensors.get(name)?.data, last.tensors.get(`ema.${name.slice('model.'.length)}`)?.data, 'best holds the average');

  const { resumed } = await killedAtStep6ThenResumed(spec, prepared, dirA);
  assert.deepEqual(resumed.result.valid, runA.result.valid);
  assert.deepEqual(resumed.result.test, runA.result.test);
});

test('the leak guard refuses a text host that has read test clips; bad inputs fail before anything is written', async () => {
  await assert.rejects(prepareRun({ preset: 'main', seed: 0, textCheckpoint: 'bert-mini' }), /bert-mini.*has read 590 of the 752 TEST clips/s);
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, set: { lrr: '1' } }), /--set lrr: unknown key \(known: batchSize,/);
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, set: { lr: 'fast' } }), /train config: lr must be a number, got "fast"/);
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, set: { 'bert.numLayers': '0' } }), /bert.numLayers must be a positive integer/);
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, data: 'no/such/file.pkl' }), /no\/such\/file.pkl: file not found/);
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, data: 'mosi-text' }), /MIRD needs audio and visual features/);
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, textCheckpoint: 'no-such-dir' }), /--text-checkpoint no-such-dir: not a folder/);
  const dir = tmp();
  await assert.rejects(runTraining({ preset: 'quick', seed: 0, set: { alpha: '-1' } }, { out: join(dir, 'x') }), /alpha must be a non-negative number/);
  assert.deepEqual(readdirSync(dir), [], 'nothing written for a bad run');
});

test('initFromHostHead: at initialisation ŷ is the host head on the pooled shared states', async () => {
  const { prepared } = await tinyRun();
  const { model, mi } = prepared.build(0);
  const h = model.config.bert.hiddenSize;
  const weight = Float32Array.from({ length: h }, (_, i) => Math.sin(i + 1) * 0.3);
  initSharedPathFromHead(model, { weight, bias: Float32Array.of(0.25) });
  const batch = makeBatch(prepared.data.dataset.splits.valid.slice(0, 5), [], prepared.data.tokenizer, prepared.data.batchOptions);
  const [yHat, pooled] = tf.tidy(() => {
    const out = model.forward(batch, { training: false, decode: false });
    const steps = model.sharedEncoder.steps(batch);
    return [Array.from(out.yHat.dataSync()), (steps.pooled as tf.Tensor2D).arraySync()];
  }) as [number[], number[][]];
  yHat.forEach((y, i) => {
    const want = (pooled[i] as number[]).reduce((a, v, k) => a + v * (weight[k] as number), 0.25);
    assert.ok(Math.abs(y - want) < 1e-4, `clip ${i}: ŷ ${y} vs head ${want}`);
  });
  assert.throws(() => initSharedPathFromHead(model, { weight: new Float32Array(3), bias: new Float32Array(1) }), /the head reads 3 features/);
  disposeBatch(batch);
  model.dispose();
  mi?.dispose();
});
