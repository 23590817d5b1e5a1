// The fast LSTM against a naive per-step reference written in plain JS (float64), padding
// invariance, zero-length sequences, and its gradient against finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { Lstm, lstmScan, stepKinds, stepKindsOfLengths } from '../src/nn/lstm';
import { Rng } from '../src/util/rng';

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** One plain-autodiff LSTM cell update from gate pre-activations [B, 4H], gate order [i f g o]. */
function lstmCell(gates: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const cNext = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D; // [B, H]
  return { h: tf.mul(tf.sigmoid(o), tf.tanh(cNext)) as tf.Tensor2D, c: cNext };
}

/** Naive LSTM over x[b][t][:] for the first len[b] steps, gate order [i f g o]. */
function naiveLstm(x: number[][][], len: number[], wx: number[][], wh: number[][], b: number[], hidden: number): number[][] {
  return x.map((seq, bi) => {
    let h = new Array<number>(hidden).fill(0);
    let c = new Array<number>(hidden).fill(0);
    for (let t = 0; t < (len[bi] as number); t++) {
      const xt = seq[t] as number[];
      const gates = b.map((bb, j) => bb + xt.reduce((a, v, k) => a + v * ((wx[k] as number[])[j] as number), 0) + h.reduce((a, v, k) => a + v * ((wh[k] as number[])[j] as number), 0));
      const cn = c.map((cv, j) => sig(gates[hidden + j] as number) * cv + sig(gates[j] as number) * Math.tanh(gates[2 * hidden + j] as number));
      h = cn.map((cv, j) => sig(gates[3 * hidden + j] as number) * Math.tanh(cv));
      c = cn;
    }
    return h;
  });
}

function randomX(b: number, t: number, d: number, seed: number): number[][][] {
  const rng = new Rng(seed);
  return Array.from({ length: b }, () => Array.from({ length: t }, () => Array.from({ length: d }, () => rng.normal())));
}

function maskOf(len: number[], t: number): number[][] {
  return len.map((l) => Array.from({ length: t }, (_, i) => (i < l ? 1 : 0)));
}

test('LSTM equals a naive per-step reference and reads the last real step', async () => {
  await initBackend();
  const lstm = new Lstm('test_lstm', 3, 4, new Rng(1));
  const x = randomX(4, 6, 3, 2);
  const len = [6, 3, 1, 0];
  const h = tf.tidy(() => lstm.run(tf.tensor3d(x), tf.tensor2d(maskOf(len, 6))).h.arraySync() as number[][]);
  const ref = naiveLstm(x, len, lstm.wx.arraySync() as number[][], lstm.wh.arraySync() as number[][], lstm.b.arraySync() as number[], 4);
  for (let b = 0; b < 4; b++) for (let j = 0; j < 4; j++) assert.ok(Math.abs((h[b] as number[])[j] as number - ((ref[b] as number[])[j] as number)) < 1e-5, `b ${b} j ${j}`);
  assert.deepEqual(h[3], [0, 0, 0, 0], 'zero-length sequence keeps the initial (zero) state');
  lstm.dispose();
});

test('LSTM padding invariance: extra padded steps with arbitrary values change nothing', async () => {
  await initBackend();
  const lstm = new Lstm('test_lstm_pad', 3, 5, new Rng(7));
  const x = randomX(3, 4, 3, 8);
  const len = [4, 2, 3];
  const junk = randomX(3, 5, 3, 9);
  const xLong = x.map((seq, b) => [...seq.map((row, t) => (t < (len[b] as number) ? row : (junk[b] as number[][])[t] as number[])), ...(junk[b] as number[][]).slice(0, 5)]);
  const [a, bb] = tf.tidy(() => [
    lstm.run(tf.tensor3d(x), tf.tensor2d(maskOf(len, 4))),
    lstm.run(tf.tensor3d(xLong), tf.tensor2d(maskOf(len, 9))),
  ].map((s) => [...(s.h.arraySync() as number[][]), ...(s.c.arraySync() as number[][])]));
  assert.deepEqual(a, bb);
  lstm.dispose();
});

test('LSTM gradient matches finite differences (tiny case, every weight)', async () => {
  await initBackend();
  const lstm = new Lstm('test_lstm_grad', 2, 3, new Rng(3));
  const x = tf.tensor3d(randomX(2, 4, 2, 4));
  const mask = tf.tensor2d(maskOf([4, 2], 4));
  const w = tf.tensor2d([[0.3, -1, 0.7], [1.1, 0.2, -0.5]]);
  const f = (): tf.Scalar => tf.sum(tf.mul(lstm.run(x, mask).h, w)) as tf.Scalar;
  const { grads } = tf.variableGrads(f, lstm.variables());
  const eps = 1e-2;
  for (const v of lstm.variables()) {
    const g = grads[v.name]?.dataSync() as Float32Array;
    assert.ok(g !== undefined, `no gradient for ${v.name}`);
    const base = v.dataSync().slice();
    let nonZero = 0;
    for (let i = 0; i < base.length; i += 1) {
      const probe = (delta: number): number => {
        const vals = base.slice();
        vals[i] = (vals[i] as number) + delta;
        v.assign(tf.tensor(vals, v.shape));
        return tf.tidy(() => f().dataSync()[0] as number);
      };
      const fd = (probe(eps) - probe(-eps)) / (2 * eps);
      assert.ok(Math.abs(fd - (g[i] as number)) < 2e-3, `${v.name}[${i}]: analytic ${g[i]} vs numeric ${fd}`);
      if (g[i] !== 0) nonZero += 1;
    }
    v.assign(tf.tensor(base, v.shape));
    assert.ok(nonZero > 0, `${v.name} gradient all zero`);
  }
  tf.dispose([x, mask, w, ...Object.values(grads)]);
  lstm.dispose();
});

test('lstmScan custom BPTT equals autodiff of the unrolled cell loop (all / some / none steps, h and c outputs, initial state)', async () => {
  await initBackend();
  const rng = new Rng(21);
  const T = 6;
  const B = 3;
  const H = 4;
  const r = (shape: number[]): tf.Tensor => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
  const xT = r([T, B, 4 * H]) as tf.Tensor3D;
  const wh = r([H, 4 * H]) as tf.Tensor2D;
  const h0 = r([B, H]) as tf.Tensor2D;
  const c0 = r([B, H]) as tf.Tensor2D;
  const mask = tf.tensor2d(maskOf([4, 2, 3], T)); // steps 0–1 all, 2–3 some, 4–5 none
  const kinds = stepKinds(mask, T);
  assert.deepEqual(kinds, ['all', 'all', 'some', 'some', 'none', 'none']);
  const maskT = tf.expandDims(tf.transpose(mask), 2) as tf.Tensor3D;
  const weights = r([T, B, 2 * H]);
  const naive = (x: tf.Tensor3D, w: tf.Tensor2D, hi: tf.Tensor2D, ci: tf.Tensor2D): tf.Tensor3D => {
    const xs = tf.unstack(x);
    const ms = tf.unstack(maskT);
    let h = hi;
    let c = ci;
    const outs: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const next = lstmCell(tf.add(xs[t] as tf.Tensor, tf.matMul(h, w)) as tf.Tensor2D, c);
      const m = ms[t] as tf.Tensor;
      h = tf.add(h, tf.mul(m, tf.sub(next.h, h))) as tf.Tensor2D;
      c = tf.add(c, tf.mul(m, tf.sub(next.c, c))) as tf.Tensor2D;
      outs.push(tf.concat([h, c], 1));
    }
    return tf.stack(outs) as tf.Tensor3D;
  };
  const loss = (f: typeof naive) => (x: tf.Tensor, w: tf.Tensor, hi: tf.Tensor, ci: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(f(x as tf.Tensor3D, w as tf.Tensor2D, hi as tf.Tensor2D, ci as tf.Tensor2D), weights)) as tf.Scalar;
  const fused = (x: tf.Tensor3D, w: tf.Tensor2D, hi: tf.Tensor2D, ci: tf.Tensor2D): tf.Tensor3D => lstmScan(x, w, hi, ci, maskT, kinds);
  const vFused = tf.tidy(() => Array.from(fused(xT, wh, h0, c0).dataSync()));
  const vNaive = tf.tidy(() => Array.from(naive(xT, wh, h0, c0).dataSync()));
  vFused.forEach((v, i) => assert.ok(Math.abs(v - (vNaive[i] as number)) < 1e-5, `value ${i}`));
  const gFused = tf.tidy(() => tf.grads(loss(fused))([xT, wh, h0, c0]).map((g) => Array.from(g.dataSync())));
  const gNaive = tf.tidy(() => tf.grads(loss(naive))([xT, wh, h0, c0]).map((g) => Array.from(g.dataSync())));
  ['xT', 'wh', 'h0', 'c0'].forEach((name, j) => {
    const a = gFused[j] as number[];
    const b = gNaive[j] as number[];
    assert.equal(a.length, b.length);
    a.forEach((v, i) => assert.ok(Math.abs(v - (b[i] as number)) < 1e-4, `${name}[${i}]: ${v} vs ${b[i]}`));
    assert.ok(a.some((v) => v !== 0), `${name} gradient all zero`);
  });
  tf.dispose([xT, wh, h0, c0, mask, maskT, weights]);
});

test('LSTM with the lengths given on the host equals the mask-read path (values and gradients), and checks the lengths count', async () => {
  await initBackend();
  const rng = new Rng(11);
  const lstm = new Lstm('hostLengths', 3, 4, rng);
  const lengths = Int32Array.from([5, 0, 2, 5, 1]);
  const [b, t] = [lengths.length, 6];
  const x = tf.randomNormal([b, t, 3], 0, 1, 'float32', 4) as tf.Tensor3D;
  const mask = tf.tensor2d(Array.from(lengths).flatMap((l) => Array.from({ length: t }, (_, s) => (s < l ? 1 : 0))), [b, t]);
  assert.deepEqual(stepKindsOfLengths(lengths, t), stepKinds(mask, t));
  const f = (withLengths: boolean) => (xx: tf.Tensor): tf.Scalar => {
    const s = lstm.run(xx as tf.Tensor3D, mask, withLengths ? lengths : undefined);
    return tf.add(tf.sum(tf.mul(s.h, 1.7)), tf.sum(s.c)) as tf.Scalar;
  };
  const [va, vb] = [f(true)(x).dataSync()[0] as number, f(false)(x).dataSync()[0] as number];
  assert.equal(va, vb);
  const [ga, gb] = [tf.grad(f(true))(x).dataSync(), tf.grad(f(false))(x).dataSync()];
  assert.deepEqual(Array.from(ga), Array.from(gb));
  assert.ok(Array.from(ga).some((v) => v !== 0));
  assert.throws(() => lstm.run(x, mask, Int32Array.from([1, 2])), /2 lengths for a batch of 5/);
  tf.dispose([x, mask]);
  lstm.dispose();
});

test('lstmScan keeps no per-step temporaries: its backward leaves only the gradients alive', async () => {
  await initBackend();
  // tfjs frees nothing created inside a custom gradient function until the whole gradient
  // computation ends, so lstmScan runs its backward in a tidy; without it a scan leaves ~15
  // tensors per step alive until the end of training's backward pass (~0.7 GB at the paper
  // preset's shapes). Two identity ops with custom gradients bracket the scan and count the
  // live tensors when the backward reaches them: after the scan's output, and after its input.
  const steps = 60;
  const [b, h] = [3, 4];
  const rng = new Rng(7);
  const rand = (shape: number[]): tf.Tensor => tf.tensor(Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal() * 0.3), shape);
  const counted: number[] = [];
  const probe = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    return {
      value: tf.clone(x),
      gradFunc: (dy: tf.Tensor) => {
        counted.push(tf.memory().numTensors);
        return [tf.clone(dy)];
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
  const xT = tf.variable(rand([steps, b, 4 * h]) as tf.Tensor3D);
  const wh = tf.variable(rand([h, 4 * h]) as tf.Tensor2D);
  const h0 = tf.zeros([b, h]) as tf.Tensor2D;
  const c0 = tf.zeros([b, h]) as tf.Tensor2D;
  const maskT = tf.ones([steps, b, 1]) as tf.Tensor3D;
  const kinds = new Array<'all'>(steps).fill('all');
  const { value, grads } = tf.variableGrads(() => tf.sum(probe(lstmScan(probe(xT) as tf.Tensor3D, wh, h0, c0, maskT, kinds))) as tf.Scalar, [xT, wh]);
  assert.equal(counted.length, 2);
  // between the two probes the scan's backward ran: its gradients (dx, dW_h, dh0, dc0, dmask)
  // and the probe's clone may stay, nothing per step
  const left = (counted[1] as number) - (counted[0] as number);
  assert.ok(left <= 8, `the scan's backward left ${left} tensors alive for ${steps} steps`);
  tf.dispose([value, ...Object.values(grads), xT, wh, h0, c0, maskT]);
});
