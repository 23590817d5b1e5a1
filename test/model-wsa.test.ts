// The WSA fusion (eqs. 2–6) against a plain-JS float64 reference on a tiny case, the λ guard
// when the displacement is 0, the decoders' fused-weight recurrence against a naive
// LSTMCell loop, and the masked reconstruction losses against direct sums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { resolveModelConfig } from '../src/model/config';
import { WsaFusion } from '../src/model/wsa';
import { SequenceDecoder } from '../src/model/decoders';
import { maskedCrossEntropy, maskedMse } from '../src/nn/losses';
import { Rng } from '../src/util/rng';
import { projectSimplex } from './reference-math';

type M = number[][];
const mm = (a: M, b: M): M => a.map((r) => (b[0] as number[]).map((_, j) => r.reduce((s, v, k) => s + v * ((b[k] as number[])[j] as number), 0)));
const affine = (x: M, w: M, b: number[]): M => mm(x, w).map((r) => r.map((v, j) => v + (b[j] as number)));
const sig = (v: number): number => 1 / (1 + Math.exp(-v));

function rand(rows: number, cols: number, rng: Rng, scale = 1): M {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal() * scale));
}

test('WSA fusion equals a float64 reference of eqs. 2–6 (sigmoid and relu gates, padded frames)', async () => {
  await initBackend();
  for (const gate of ['sigmoid', 'relu'] as const) {
    const c = resolveModelConfig('quick', { audioDim: 2, visualDim: 3, bert: { hiddenSize: 4, numHeads: 2 }, gate, betaShift: 0.5 });
    const fusion = new WsaFusion(c, new Rng(5));
    const rng = new Rng(9);
    const words = rand(3, 4, rng);
    const audio = rand(4, 2, rng);
    const visual = rand(3, 3, rng);
    const aMask = [1, 1, 1, 0];
    const vMask = [1, 1, 0];
    const got = tf.tidy(() => fusion.apply({
      words: tf.tensor3d([words]), audio: tf.tensor3d([audio]), audioMask: tf.tensor2d([aMask]),
      visual: tf.tensor3d([visual]), visualMask: tf.tensor2d([vMask]),
    }, false, 0).out.arraySync() as number[][][]);
    const w2 = (d: { w: tf.Variable; b: tf.Variable | null }): [M, number[]] => [d.w.arraySync() as M, d.b === null ? new Array<number>(d.w.shape[1] as number).fill(0) : (d.b.arraySync() as number[])];
    const attend = (x: M, mask: number[], sim: [M, number[]]): M => {
      const proj = affine(x, ...sim); // [T, H]
      const alpha = words.map((wk) => projectSimplex(proj.map((p) => p.reduce((s, v, j) => s + v * (wk[j] as number), 0)), mask));
      return mm(alpha, x); // [L, d]
    };
    const act = (v: number): number => (gate === 'sigmoid' ? sig(v) : Math.max(v, 0));
    const xa = attend(audio, aMask, w2(fusion.simAudio));
    const xv = attend(visual, vMask, w2(fusion.simVisual));
    const ga = affine(words.map((w, k) => [...w, ...(xa[k] as number[])]), ...w2(fusion.gateAudioFc)).map((r) => r.map(act));
    const gv = affine(words.map((w, k) => [...w, ...(xv[k] as number[])]), ...w2(fusion.gateVisualFc)).map((r) => r.map(act));
    const da = affine(xa, ...w2(fusion.disAudio));
    const dv = affine(xv, ...w2(fusion.disVisual));
    const h = words.map((_, k) => (gv[k] as number[]).map((g, j) => g * ((dv[k] as number[])[j] as number) + ((ga[k] as number[])[j] as number) * ((da[k] as number[])[j] as number)));
    const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const expected = words.map((w, k) => {
      const hk = h[k] as number[];
      const hn = norm(hk) === 0 ? 1 : norm(hk);
      const lambda = Math.min((norm(w) / (hn + 1e-6)) * 0.5, 1);
      const s = w.map((v, j) => v + lambda * (hk[j] as number));
      const mean = s.reduce((a, v) => a + v, 0) / s.length;
      const variance = s.reduce((a, v) => a + (v - mean) ** 2, 0) / s.length;
      return s.map((v) => (v - mean) / Math.sqrt(variance + 1e-5)); // γ = 1, β = 0 at init
    });
    const out = got[0] as number[][];
    expected.forEach((row, k) => row.forEach((v, j) => assert.ok(Math.abs(v - ((out[k] as number[])[j] as number)) < 1e-4, `${gate}: word ${k} dim ${j}: ${(out[k] as number[])[j]} vs ${v}`)));
    fusion.dispose();
  }
});

test('WSA fusion gradient equals autodiff of a plain tf formulation (λ < 1, so the norm guards carry gradient)', async () => {
  await initBackend();
  const { layerNorm } = await import('../src/nn/layers');
  const { sparsemax } = await import('../src/nn/sparsemax');
  const c = resolveModelConfig('quick', { audioDim: 2, visualDim: 3, bert: { hiddenSize: 4, numHeads: 2 }, betaShift: 0.05, attentionScale: 'sqrt' });
  const fusion = new WsaFusion(c, new Rng(6));
  const rng = new Rng(10);
  const words = tf.tensor3d([rand(3, 4, rng)]); // [1, T_L, H]
  const audio = tf.tensor3d([rand(4, 2, rng)]); // [1, T_A, d_A], frame 3 padded
  const visual = tf.tensor3d([rand(3, 3, rng)]); // [1, T_V, d_V], frame 2 padded
  const audioMask = tf.tensor2d([[1, 1, 1, 0]]);
  const visualMask = tf.tensor2d([[1, 1, 0]]);
  const weights = tf.tensor3d([rand(3, 4, rng)]); // a random linear read-out of W̃ [1, T_L, H]
  // eqs. 2–6 from tf primitives; norms by sqrt(Σ x²), whose autodiff is exact away from 0
  const reference = (w: tf.Tensor3D): tf.Tensor => {
    const attend = (x: tf.Tensor3D, mask: tf.Tensor2D, sim: typeof fusion.simAudio): tf.Tensor3D => {
      const scores = tf.div(tf.matMul(w, sim.apply(x) as tf.Tensor3D, false, true), Math.sqrt(4)); // [1, T_L, T_m]
      return tf.matMul(sparsemax(scores, tf.expandDims(mask, 1)) as tf.Tensor3D, x); // [1, T_L, d_m]
    };
    const xa = attend(audio, audioMask, fusion.simAudio);
    const xv = attend(visual, visualMask, fusion.simVisual);
    const ga = tf.sigmoid(fusion.gateAudioFc.apply(tf.concat([w, xa], 2)));
    const gv = tf.sigmoid(fusion.gateVisualFc.apply(tf.concat([w, xv], 2)));
    const h = tf.add(tf.mul(gv, fusion.disVisual.apply(xv)), tf.mul(ga, fusion.disAudio.apply(xa))); // [1, T_L, H]
    const norm = (t: tf.Tensor): tf.Tensor => tf.sqrt(tf.sum(tf.square(t), -1)); // [1, T_L]
    const lambda = tf.minimum(tf.mul(tf.div(norm(w), tf.add(norm(h), 1e-6)), 0.05), 1); // [1, T_L]
    return layerNorm(tf.add(w, tf.mul(tf.expandDims(lambda, 2), h)), fusion.lnGamma as tf.Tensor as tf.Tensor1D, fusion.lnBeta as tf.Tensor as tf.Tensor1D, 1e-5);
  };
  const inputs = (w: tf.Tensor3D) => ({ words: w, audio, audioMask, visual, visualMask });
  const lambda = tf.tidy(() => Array.from(fusion.apply(inputs(words), false, 0, true).trace?.lambda.dataSync() ?? []));
  assert.ok(lambda.length === 3 && lambda.every((l) => l > 0 && l < 1), `λ must be strictly inside (0, 1) for every word, got ${lambda}`);
  const lossOf = (f: (w: tf.Tensor3D) => tf.Tensor) => (w: tf.Tensor3D): tf.Scalar => tf.sum(tf.mul(f(w), weights)) as tf.Scalar;
  const fused = lossOf((w) => fusion.apply(inputs(w), false, 0).out);
  const ref = lossOf(reference);
  const gradsOf = (f: (w: tf.Tensor3D) => tf.Scalar): number[][] => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => f(words), fusion.variables());
    const dWords = tf.grad((w: tf.Tensor) => f(w as tf.Tensor3D))(words);
    return [[value.dataSync()[0] as number], Array.from(dWords.dataSync()), ...fusion.variables().map((v) => Array.from((grads[v.name] as tf.Tensor).dataSync()))];
  });
  const got = gradsOf(fused);
  const want = gradsOf(ref);
  const names = ['loss', 'words', ...fusion.variables().map((v) => v.name)];
  names.forEach((name, k) => {
    const a = got[k] as number[];
    const e = want[k] as number[];
    assert.equal(a.length, e.length, name);
    a.forEach((v, i) => assert.ok(Math.abs(v - (e[i] as number)) < 1e-4, `${name}[${i}]: ${v} vs ${e[i]}`));
    assert.ok(a.some((v) => v !== 0), `${name}: gradient all zero`);
  });
  tf.dispose([words, audio, visual, audioMask, visualMask, weights]);
  fusion.dispose();
});

test('λ guard: a zero displacement gives λ = min(‖w‖/(1 + 1e-6)·ε, 1) and finite gradients', async () => {
  await initBackend();
  const c = resolveModelConfig('quick', { audioDim: 2, visualDim: 2, bert: { hiddenSize: 4, numHeads: 2 } });
  const fusion = new WsaFusion(c, new Rng(1));
  for (const d of [fusion.disAudio, fusion.disVisual]) tf.tidy(() => { d.w.assign(tf.zerosLike(d.w)); d.b?.assign(tf.zerosLike(d.b)); });
  const words = tf.tensor3d([[[0.1, 0.2, -0.1, 0.05], [0, 0, 0, 0]]]);
  const x = tf.tensor3d([[[1, 2], [3, 4]]]);
  const m = tf.tensor2d([[1, 1]]);
  const inputs = { words, audio: x, audioMask: m, visual: x, visualMask: m };
  const lambda = tf.tidy(() => fusion.apply(inputs, false, 0, true).trace?.lambda.arraySync() as number[][]);
  const wn = Math.sqrt(0.01 + 0.04 + 0.01 + 0.0025);
  assert.ok(Math.abs((lambda[0]?.[0] as number) - wn / (1 + 1e-6)) < 1e-6);
  assert.equal(lambda[0]?.[1], 0, 'a zero word and a zero shift give λ = 0');
  const grads = tf.tidy(() => {
    const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(fusion.apply(inputs, false, 0).out)) as tf.Scalar, fusion.variables());
    return Object.values(g).flatMap((t) => Array.from(t.dataSync()));
  });
  assert.ok(grads.every(Number.isFinite), 'gradients must be finite when ‖h‖ = 0 and ‖w‖ = 0');
  tf.dispose([words, x, m]);
  fusion.dispose();
});

test("decoder 'previousHidden' equals a naive LSTMCell loop fed h_{t-1}; 'repeatLatent' one fed z", async () => {
  await initBackend();
  for (const input of ['previousHidden', 'repeatLatent'] as const) {
    const dec = new SequenceDecoder('testDecoder', 4, 4, 3, input, new Rng(2));
    const z = rand(2, 4, new Rng(3));
    const got = tf.tidy(() => dec.apply(tf.tensor2d(z), 5).arraySync() as number[][][]);
    const wx = dec.lstm.wx.arraySync() as M;
    const wh = dec.lstm.wh.arraySync() as M;
    const b = dec.lstm.b.arraySync() as number[];
    const [wo, bo] = [dec.out.w.arraySync() as M, (dec.out.b as tf.Variable).arraySync() as number[]];
    z.forEach((zr, r) => {
      let h = [0, 0, 0, 0];
      let cs = [0, 0, 0, 0];
      for (let t = 0; t < 5; t++) {
        const x = t === 0 || input === 'repeatLatent' ? zr : h;
        const g = (affine([x], wx, b)[0] as number[]).map((v, j) => v + (mm([h], wh)[0] as number[])[j] as number);
        cs = cs.map((cv, j) => sig(g[4 + j] as number) * cv + sig(g[j] as number) * Math.tanh(g[8 + j] as number));
        h = cs.map((cv, j) => sig(g[12 + j] as number) * Math.tanh(cv));
        const y = affine([h], wo, bo)[0] as number[];
        y.forEach((v, j) => assert.ok(Math.abs(v - (((got[r] as number[][])[t] as number[])[j] as number)) < 1e-5, `${input}: clip ${r} step ${t}`));
      }
    });
    for (const v of dec.variables()) v.dispose();
  }
});

test('masked losses: CE skips [PAD] and ignored ids, MSE counts real frames only', async () => {
  await initBackend();
  const logits = rand(6, 5, new Rng(4)); // B = 2, T = 3, V = 5
  const ids = [[2, 4, 0], [1, 3, 3]];
  const mask = [[1, 1, 0], [1, 1, 1]];
  const nll = (row: number[], id: number): number => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - (row[id] as number);
  const terms: number[] = [];
  const termsNo3: number[] = [];
  ids.forEach((r, b) => r.forEach((id, t) => {
    if ((mask[b] as number[])[t] === 0) return;
    const v = nll(logits[b * 3 + t] as number[], id);
    terms.push(v);
    if (id !== 3) termsNo3.push(v);
  }));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [ce, ceNo3] = tf.tidy(() => {
    const l = tf.reshape(tf.tensor2d(logits), [2, 3, 5]) as tf.Tensor3D;
    return [maskedCrossEntropy(l, tf.tensor2d(ids, [2, 3], 'int32'), tf.tensor2d(mask)).dataSync()[0] as number,
      maskedCrossEntropy(l, tf.tensor2d(ids, [2, 3], 'int32'), tf.tensor2d(mask), { ignoreIds: [3] }).dataSync()[0] as number];
  });
  assert.ok(Math.abs(ce - mean(terms)) < 1e-5);
  // custom gradient vs autodiff of a plain logSoftmax formulation
  const [gCustom, gRef] = tf.tidy(() => {
    const l = tf.reshape(tf.tensor2d(logits), [2, 3, 5]) as tf.Tensor3D;
    const idT = tf.tensor2d(ids, [2, 3], 'int32');
    const mT = tf.tensor2d(mask);
    const custom = tf.grad((z: tf.Tensor) => maskedCrossEntropy(z as tf.Tensor3D, idT, mT, { ignoreIds: [3] }))(l);
    const w = tf.mul(mT, tf.cast(tf.notEqual(idT, 3), 'float32'));
    const ref = tf.grad((z: tf.Tensor) => tf.div(tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(tf.logSoftmax(z), tf.oneHot(idT, 5)), 2), w))), tf.sum(w)))(l);
    return [Array.from(custom.dataSync()), Array.from(ref.dataSync())];
  });
  gCustom.forEach((g, i) => assert.ok(Math.abs(g - (gRef[i] as number)) < 1e-6, `CE gradient ${i}: ${g} vs ${gRef[i]}`));
  assert.ok(gCustom.some((g) => g !== 0));
  assert.ok(Math.abs(ceNo3 - mean(termsNo3)) < 1e-5);
  const mse = tf.tidy(() => maskedMse(tf.tensor3d([[[1, 2], [3, 4]], [[0, 0], [9, 9]]]), tf.tensor3d([[[0, 2], [3, 0]], [[1, 1], [0, 0]]]), tf.tensor2d([[1, 1], [1, 0]])).dataSync()[0] as number);
  assert.ok(Math.abs(mse - (1 + 16 + 1 + 1) / 6) < 1e-6);
  assert.throws(() => maskedMse(tf.zeros([1, 2, 3]) as tf.Tensor3D, tf.zeros([1, 2, 4]) as tf.Tensor3D, tf.ones([1, 2]) as tf.Tensor2D), /maskedMse/);
});

test('fusedLinearCrossEntropy equals maskedCrossEntropy on materialised logits (value and gradients, several chunks)', async () => {
  await initBackend();
  const { fusedLinearCrossEntropy } = await import('../src/nn/losses');
  const rng = new Rng(31);
  const r = (shape: number[], s = 1): tf.Tensor => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * s), shape);
  const h = r([3, 4, 5]) as tf.Tensor3D;
  const w = r([5, 11], 0.7) as tf.Tensor2D;
  const b = r([11], 0.3) as tf.Tensor1D;
  const ids = tf.tensor2d([[2, 7, 3, 0], [10, 3, 0, 0], [1, 1, 4, 9]], [3, 4], 'int32');
  const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]]);
  // scale 1: ordinary logits; scale 60: logit gaps of hundreds of nats, where a softmax entry
  // underflows to 0 (the log-normaliser must not be read from those)
  for (const [chunkRows, scale] of [[1, 1], [5, 1], [12, 1], [100, 1], [5, 60], [100, 60]] as Array<[number, number]>) {
    const tol = scale === 1 ? 1e-5 : 2e-5; // relative to the value where it exceeds 1 (float32 rounding grows with the logits)
    // keepSoftmaxFloats 0: the backward recomputes each chunk's logits; the default keeps the
    // forward's softmax of every chunk. The two must agree bit for bit.
    const [fused, recomputed] = [undefined, 0].map((keepSoftmaxFloats) => tf.tidy(() => {
      const f = (hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Scalar => fusedLinearCrossEntropy(hh as tf.Tensor3D, ww as tf.Tensor2D, bb as tf.Tensor1D, ids, mask, { ignoreIds: [3], chunkRows, ...(keepSoftmaxFloats === undefined ? {} : { keepSoftmaxFloats }) });
      const hs = tf.mul(h, scale);
      return [f(hs, w, b), ...tf.grads(f)([hs, w, b])].map((t) => Array.from(t.dataSync()));
    })) as [number[][], number[][]];
    assert.deepEqual(recomputed, fused, `chunk ${chunkRows}, scale ${scale}: recomputing the logits in the backward changes the result`);
    const ref = tf.tidy(() => {
      const f = (hh: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Scalar =>
        maskedCrossEntropy(tf.add(tf.reshape(tf.matMul(tf.reshape(hh, [12, 5]), ww as tf.Tensor2D), [3, 4, 11]), bb) as tf.Tensor3D, ids, mask, { ignoreIds: [3] });
      const hs = tf.mul(h, scale);
      return [f(hs, w, b), ...tf.grads(f)([hs, w, b])].map((t) => Array.from(t.dataSync()));
    });
    ['loss', 'dh', 'dW', 'db'].forEach((name, k) => {
      const a = fused[k] as number[];
      const e = ref[k] as number[];
      assert.equal(a.length, e.length);
      a.forEach((v, i) => assert.ok(Number.isFinite(v) && Math.abs(v - (e[i] as number)) < tol * Math.max(1, Math.abs(e[i] as number)), `chunk ${chunkRows}, scale ${scale}: ${name}[${i}]: ${v} vs ${e[i]}`));
      if (scale > 1 && name === 'loss') assert.ok((e[0] as number) > 50, `scale ${scale} makes the loss large (${e[0]}), so the case tests the extreme regime`);
    });
  }
  tf.dispose([h, w, b, ids, mask]);
});

test('wsa-report: real words × real frames, support statistics, statistics over real words only', async () => {
  await initBackend();
  const { realAttention, sparsityStats, maskedStats } = await import('../src/model/wsa-report');
  const weights = tf.tensor3d([[[0, 1, 0, 9], [0.5, 0.5, 0, 9], [9, 9, 9, 9]]]); // [1, 3 words, 4 frames]
  const textMask = tf.tensor2d([[1, 1, 0]]);
  const frameMask = tf.tensor2d([[1, 1, 1, 0]]);
  const map = realAttention(weights, textMask, frameMask);
  assert.deepEqual(map, [[0, 1, 0], [0.5, 0.5, 0]]);
  assert.deepEqual(sparsityStats(map), { words: 2, frames: 3, meanSupport: 1.5, minSupport: 1, maxSupport: 2, oneFrameWords: 1, zeroFraction: 3 / 6, meanMaxWeight: 0.75 });
  const lambda = tf.tensor2d([[1, 0.5, 123]]); // the padded word's 123 must not count
  const row = maskedStats('λ', lambda, textMask);
  assert.equal(row.values, 2);
  assert.equal(row.mean, 0.75);
  assert.equal(row.max, 1);
  assert.equal(row['fraction = 1'], 0.5);
  tf.dispose([weights, textMask, frameMask, lambda]);
});
