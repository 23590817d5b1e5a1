// The wasm backend must compute what cpu computes, values and gradients, for every op the
// model uses (max abs diff ≤ 1e-4), including the kernels we register ourselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, useBackend, describeBackend, BACKEND_NAMES } from '../src/backend';
import { matMul, linear } from '../src/nn/ops';
import { Rng } from '../src/util/rng';

type Case = { name: string; inputs: number[][]; f: (...xs: tf.Tensor[]) => tf.Tensor; positive?: boolean };

function values(shape: number[], seed: number, positive = false): Float32Array {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = positive ? 0.5 + rng.next() : rng.normal();
  return out;
}

// Each case is a scalar-valued function of float inputs; tf.grads gives every input's gradient.
// Weighting by a fixed pattern makes the scalar depend on every output element differently.
const weightSum = (t: tf.Tensor): tf.Tensor =>
  tf.sum(tf.mul(t, tf.reshape(tf.cos(tf.range(0, t.size, 1, 'float32')), t.shape)));

const CASES: Case[] = [
  { name: 'matMul (explicit-transpose grad)', inputs: [[5, 7], [7, 3]], f: (a, b) => matMul(a as tf.Tensor2D, b as tf.Tensor2D) },
  { name: 'matMul transposeB', inputs: [[5, 7], [3, 7]], f: (a, b) => matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true) },
  { name: 'batched matMul', inputs: [[2, 4, 6], [2, 6, 3]], f: (a, b) => matMul(a as tf.Tensor3D, b as tf.Tensor3D) },
  { name: 'tf.matMul (built-in grad)', inputs: [[4, 6], [6, 5]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D) },
  { name: 'linear 3-D', inputs: [[2, 3, 4], [4, 5], [5]], f: (x, w, b) => linear(x, w as tf.Tensor2D, b as tf.Tensor1D) },
  { name: 'tanh', inputs: [[3, 8]], f: (x) => tf.tanh(x) },
  { name: 'sigmoid', inputs: [[3, 8]], f: (x) => tf.sigmoid(x) },
  { name: 'relu', inputs: [[3, 8]], f: (x) => tf.relu(x) },
  { name: 'softmax', inputs: [[3, 8]], f: (x) => tf.softmax(x) },
  { name: 'logSoftmax', inputs: [[3, 8]], f: (x) => tf.logSoftmax(x) },
  { name: 'layer norm via moments', inputs: [[3, 8]], f: (x) => { const m = tf.moments(x, -1, true); return tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-12))); } },
  { name: 'gelu (erf)', inputs: [[3, 8]], f: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))) },
  { name: 'exp/log/softplus', inputs: [[3, 8]], f: (x) => tf.add(tf.log(tf.add(tf.exp(tf.mul(x, 0.3)), 1)), tf.softplus(x)) },
  { name: 'sqrt/rsqrt/pow', inputs: [[3, 8]], positive: true, f: (x) => tf.add(tf.add(tf.sqrt(x), tf.rsqrt(x)), tf.pow(x, 3)) },
  { name: 'concat/slice/split/stack', inputs: [[2, 6], [2, 6]], f: (a, b) => { const c = tf.concat([a, b], 1); const [p, q] = tf.split(c, 2, 1); return tf.stack([tf.slice(c, [0, 1], [2, 4]), tf.add(p as tf.Tensor, q as tf.Tensor).slice([0, 0], [2, 4])]); } },
  { name: 'transpose/tile/reshape', inputs: [[2, 3, 4]], f: (x) => tf.tile(tf.transpose(x, [0, 2, 1]), [1, 2, 1]) },
  { name: 'mean/sum/max/square/abs', inputs: [[4, 5]], f: (x) => tf.add(tf.add(tf.mean(tf.square(x), 1), tf.max(x, 1)), tf.sum(tf.abs(x), 1)) },
  { name: 'maximum/minimum/clip/where', inputs: [[4, 5], [4, 5]], f: (a, b) => tf.where(tf.tensor2d([[1, 0, 1, 0, 1], [0, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 1, 0, 1, 0]], [4, 5], 'bool'), tf.maximum(a, b), tf.clipByValue(tf.minimum(a, b), -0.5, 0.5)) },
  { name: 'div/sub/neg', inputs: [[4, 5], [4, 5]], positive: true, f: (a, b) => tf.neg(tf.sub(tf.div(a, b), b)) },
  { name: 'cumsum', inputs: [[3, 6]], f: (x) => tf.cumsum(x, 1) },
  { name: 'gather (embedding lookup → UnsortedSegmentSum grad)', inputs: [[10, 4]], f: (table) => tf.gather(table, tf.tensor1d([1, 3, 3, 9, 0, 1], 'int32')) },
  { name: 'gather 2-D ids', inputs: [[10, 4]], f: (table) => tf.gather(table, tf.tensor2d([[1, 3, 3], [9, 0, 1]], [2, 3], 'int32')) },
  { name: 'unsortedSegmentSum', inputs: [[6, 3]], f: (x) => tf.unsortedSegmentSum(x, tf.tensor1d([0, 2, 2, 1, 0, 4], 'int32'), 5) },
  { name: 'mse and sigmoid CE losses', inputs: [[4, 3], [4, 3]], f: (a, b) => tf.add(tf.losses.meanSquaredError(b, a), tf.losses.sigmoidCrossEntropy(tf.sigmoid(b), a)) },
  // the workspace's own wasm Slice / Unpack / SplitV / BatchMatMul (src/wasm-kernels.ts)
  { name: 'tf.matMul batched, both operands batched', inputs: [[5, 4, 6], [5, 6, 3]], f: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D) },
  { name: 'tf.matMul batched, transposeA / transposeB flags', inputs: [[3, 6, 4], [3, 5, 6]], f: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, true, true) },
  { name: 'tf.matMul rank 4', inputs: [[2, 3, 4, 5], [2, 3, 5, 2]], f: (a, b) => tf.matMul(a, b) },
  { name: 'tf.matMul 2-D transposeA flag', inputs: [[6, 4], [6, 5]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false) },
  { name: 'slice boxes of a 4-D tensor', inputs: [[4, 3, 5, 2]], f: (x) => tf.concat([tf.slice(x, [1, 0, 0, 0], [2, 3, 5, 2]).reshape([-1]), tf.slice(x, [0, 1, 2, 1], [4, 2, 3, 1]).reshape([-1]), tf.slice(x, [3, 2, 4, 0], [1, 1, 1, 2]).reshape([-1])]) },
  { name: 'unstack axis 0 and 1, split with sizes', inputs: [[5, 3, 4]], f: (x) => tf.concat([tf.stack(tf.unstack(x).reverse()).reshape([-1]), tf.stack(tf.unstack(x, 1), 2).reshape([-1]), ...tf.split(x, [1, 3], 2).map((p) => p.reshape([-1]))]) },
  { name: 'max-shifted exp (stable softmax / sparsemax shift)', inputs: [[3, 7]], f: (x) => tf.exp(tf.sub(x, tf.max(x, -1, true))) },
];

async function evaluate(backend: 'wasm' | 'cpu', c: Case): Promise<{ value: Float32Array; grads: Float32Array[] }> {
  await useBackend(backend);
  return tf.tidy(() => {
    const xs = c.inputs.map((shape, i) => tf.tensor(values(shape, 17 + i, c.positive), shape));
    const scalarF = (...args: tf.Tensor[]) => weightSum(c.f(...args));
    const value = scalarF(...xs).dataSync() as Float32Array;
    const grads = tf.grads(scalarF)(xs).map((g) => g.dataSync() as Float32Array);
    return { value: Float32Array.from(value), grads: grads.map((g) => Float32Array.from(g)) };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

test('automatic backend choice falls back to an available backend and describes it', async () => {
  const info = await initBackend();
  assert.ok(BACKEND_NAMES.includes(info.name));
  assert.match(describeBackend(info), /^backend: /);
  assert.equal(info.tfjsVersion, tf.version_core);
});

test('exactly one tfjs-core engine is loaded (danfojs shares it)', async () => {
  const { createRequire } = await import('node:module');
  const req = createRequire(process.cwd() + '/noop.js');
  const danfoTfPath = req.resolve('@tensorflow/tfjs-node', { paths: [req.resolve('danfojs-node')] });
  const coreFromDanfo = req.resolve('@tensorflow/tfjs-core', { paths: [danfoTfPath] });
  const coreOurs = req.resolve('@tensorflow/tfjs-core');
  assert.equal(coreFromDanfo, coreOurs);
});

test('the faster wasm kernels are in place, so the cases below test them', async () => {
  const info = await initBackend();
  if (info.name !== 'wasm') return; // another backend: nothing replaced
  const { fasterWasmKernelsInstalled } = await import('../src/wasm-kernels');
  assert.equal(fasterWasmKernelsInstalled(), process.env.MIRD_WASM_STOCK_KERNELS !== '1');
});

for (const c of CASES) {
  test(`wasm matches cpu: ${c.name}`, async () => {
    const cpu = await evaluate('cpu', c);
    const wasm = await evaluate('wasm', c);
    assert.ok(maxAbsDiff(cpu.value, wasm.value) <= 1e-4, `value differs by ${maxAbsDiff(cpu.value, wasm.value)}`);
    cpu.grads.forEach((g, i) => {
      const d = maxAbsDiff(g, wasm.grads[i] as Float32Array);
      assert.ok(d <= 1e-4, `gradient of input ${i} differs by ${d}`);
      assert.ok(g.some((v) => v !== 0), `gradient of input ${i} is identically zero: the case tests nothing`);
    });
  });
}

test('wasm matches cpu: batched matMul with a shared (broadcast) operand, values only (tfjs has no gradient that reduces a broadcast batch axis)', async () => {
  for (const [sa, sb, ta, tb] of [[[3, 4, 6], [1, 6, 5], false, false], [[1, 4, 6], [3, 6, 5], false, false], [[3, 6, 4], [1, 5, 6], true, true], [[2, 2, 4, 6], [1, 1, 6, 5], false, false]] as Array<[number[], number[], boolean, boolean]>) {
    const run = async (backend: 'wasm' | 'cpu'): Promise<Float32Array> => {
      await useBackend(backend);
      return tf.tidy(() => tf.matMul(tf.tensor(values(sa, 5), sa), tf.tensor(values(sb, 6), sb), ta, tb).dataSync() as Float32Array);
    };
    const d = maxAbsDiff(await run('cpu'), await run('wasm'));
    assert.ok(d <= 1e-4, `[${sa}] × [${sb}] (${ta}, ${tb}) differs by ${d}`);
  }
});

test('explicit-transpose matMul gradient equals the built-in one', async () => {
  await useBackend('wasm');
  const [a, b] = [tf.tensor(values([6, 5], 3), [6, 5]) as tf.Tensor2D, tf.tensor(values([5, 4], 4), [5, 4]) as tf.Tensor2D];
  const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => weightSum(matMul(x as tf.Tensor2D, y as tf.Tensor2D)))([a, b]);
  const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => weightSum(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D)))([a, b]);
  for (let i = 0; i < 2; i++) {
    assert.ok(maxAbsDiff(ours[i]!.dataSync() as Float32Array, theirs[i]!.dataSync() as Float32Array) <= 1e-5);
  }
  tf.dispose([a, b, ...ours, ...theirs]);
});

test('weight gradients: (dyᵀ·x)ᵀ and the row sums of dyᵀ equal xᵀ·dy and the column sums of dy bit for bit on wasm', async () => {
  await useBackend('wasm');
  const { orientedWeightGradient, swapWeightGradient } = await import('../src/nn/ops');
  // [K, M, N]: tiny, odd, one-row / one-column, long K (a recurrence's T·B) and a wide N
  // (a vocabulary); values spread over many magnitudes so any change of summation order shows
  for (const [k, m, n] of [[1, 1, 1], [1, 5, 3], [7, 1, 9], [9, 4, 1], [37, 13, 29], [200, 33, 64], [3000, 3, 40], [549, 16, 3001], [12512, 8, 24]]) {
    const x = tf.tensor2d(values([k, m], 41 + k).map((v, i) => v * Math.exp((i % 7) - 3)), [k, m]);
    const dy = tf.tensor2d(values([k, n], 43 + n).map((v, i) => v * Math.exp((i % 5) - 2)), [k, n]);
    const [wRef, bRef] = tf.tidy(() => [tf.matMul(tf.transpose(x) as tf.Tensor2D, dy).dataSync(), tf.sum(dy, 0).dataSync()]);
    for (const swap of [false, true]) {
      const [w, b] = orientedWeightGradient(x, dy, true, swap);
      assert.deepEqual(w!.shape, [m, n]);
      assert.deepEqual(Array.from(w!.dataSync()), Array.from(wRef!), `[${k}, ${m}]ᵀ × [${k}, ${n}], swap ${swap}: weight gradient`);
      assert.deepEqual(Array.from(b!.dataSync()), Array.from(bRef!), `[${k}, ${n}], swap ${swap}: bias gradient`);
      tf.dispose([w!, b!]);
    }
    tf.dispose([x, dy]);
  }
  // the cost model packs the smaller operand of a long product and leaves small ones alone
  assert.equal(swapWeightGradient(12512, 128, 512, false), true);
  assert.equal(swapWeightGradient(12512, 33, 256, true), true);
  assert.equal(swapWeightGradient(549, 128, 30522, true), true);
  assert.equal(swapWeightGradient(1760, 709, 256, true), false);
  assert.equal(swapWeightGradient(144, 64, 64, true), false);
});

test('wasm batched matMul equals its single products bit for bit (operands batched, shared, transposed)', async () => {
  await useBackend('wasm');
  for (const [sa, sb, ta, tb] of [[[5, 4, 6], [5, 6, 3], false, false], [[128, 7, 9], [128, 9, 7], false, false], [[3, 6, 4], [3, 5, 6], true, true], [[1, 4, 6], [3, 6, 5], false, false], [[3, 6, 4], [1, 6, 5], true, false]] as Array<[number[], number[], boolean, boolean]>) {
    const a = tf.tensor3d(values(sa, 7), sa as [number, number, number]);
    const b = tf.tensor3d(values(sb, 8), sb as [number, number, number]);
    const batched = tf.tidy(() => Array.from(tf.matMul(a, b, ta, tb).dataSync()));
    const singles = tf.tidy(() => {
      const count = Math.max(sa[0] as number, sb[0] as number);
      const pick = (t: tf.Tensor3D, i: number, transpose: boolean): tf.Tensor2D => {
        const m = tf.squeeze(tf.slice(t, [t.shape[0] === 1 ? 0 : i, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
        return transpose ? (tf.transpose(m) as tf.Tensor2D) : m;
      };
      return Array.from({ length: count }, (_, i) => Array.from(tf.matMul(pick(a, i, ta), pick(b, i, tb)).dataSync())).flat();
    });
    assert.deepEqual(batched, singles, `[${sa}] × [${sb}] (${ta}, ${tb})`);
    tf.dispose([a, b]);
  }
});

test('wasm gather equals the cpu backend\'s exactly (axes, batchDims, int32 tables, one-element slices) and refuses an index out of range', async () => {
  await initBackend();
  const cases: Array<{ x: number[]; dtype: 'float32' | 'int32'; ids: number[]; idShape: number[]; axis: number; batchDims: number }> = [
    { x: [10, 4], dtype: 'float32', ids: [1, 3, 3, 9, 0, 1], idShape: [2, 3], axis: 0, batchDims: 0 },
    { x: [3, 5, 2], dtype: 'float32', ids: [4, 0, 4], idShape: [3], axis: 1, batchDims: 0 },
    { x: [3, 5], dtype: 'int32', ids: [2, 2, 0, 4], idShape: [4], axis: 1, batchDims: 0 },
    { x: [2, 4, 3], dtype: 'float32', ids: [3, 0, 1, 1, 2, 3], idShape: [2, 3], axis: 1, batchDims: 1 },
    { x: [2, 3, 4, 2], dtype: 'float32', ids: [3, 0, 2, 2], idShape: [2, 2], axis: 2, batchDims: 1 },
    { x: [6], dtype: 'float32', ids: [], idShape: [0], axis: 0, batchDims: 0 },
  ];
  for (const c of cases) {
    const run = async (backend: 'wasm' | 'cpu'): Promise<{ shape: number[]; data: number[] }> => {
      await useBackend(backend);
      return tf.tidy(() => {
        const table = tf.tensor(Array.from(values(c.x, 11), (v) => (c.dtype === 'int32' ? Math.round(v * 100) : v)), c.x, c.dtype);
        const g = tf.gather(table, tf.tensor(c.ids, c.idShape, 'int32'), c.axis, c.batchDims);
        return { shape: g.shape, data: Array.from(g.dataSync()) };
      });
    };
    assert.deepEqual(await run('wasm'), await run('cpu'), `gather [${c.x}] ${c.dtype} at [${c.ids}], axis ${c.axis}, batchDims ${c.batchDims}`);
  }
  await useBackend('wasm');
  const before = tf.memory().numTensors;
  assert.throws(() => tf.tidy(() => tf.gather(tf.zeros([4, 2]), tf.tensor1d([0, 4], 'int32'))), /GatherV2: the index value 4 is not in \[0, 3\]/);
  assert.equal(tf.memory().numTensors, before, 'nothing leaks from the refused gather');
});

test('wasm Identity shares its input\'s data, and the clone outlives the original', async () => {
  await initBackend();
  await useBackend('wasm');
  const { fasterWasmKernelsInstalled } = await import('../src/wasm-kernels');
  const x = tf.tensor1d([1, 2, 3]);
  const before = (tf.memory() as { numDataBuffers: number }).numDataBuffers;
  const y = tf.clone(x);
  if (fasterWasmKernelsInstalled()) assert.equal((tf.memory() as { numDataBuffers: number }).numDataBuffers, before, 'a clone allocates no new buffer');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  const v = tf.variable(y);
  v.assign(tf.tensor1d([4, 5, 6]));
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3], 'assigning to a variable made from the clone leaves the clone alone');
  tf.dispose([y, v]);
});

test('MIRD_BACKEND with an unknown name is a clear error', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/backend.ts').then(m => m.initBackend()).catch(e => { console.error(e.message); process.exit(3); })"], {
    env: { ...process.env, MIRD_BACKEND: 'tpu' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /MIRD_BACKEND=tpu is not a backend/);
});
