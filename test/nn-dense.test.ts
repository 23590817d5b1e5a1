import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { Dense, makeVariable, initValues } from '../src/nn/dense';
import { Rng } from '../src/util/rng';

test('makeVariable leaves exactly one tensor alive per variable, and disposing it frees it', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const v = makeVariable('t', [3, 4], 'glorot', new Rng(1));
  assert.equal(tf.memory().numTensors - before, 1);
  assert.deepEqual(v.shape, [3, 4]);
  v.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('Dense owns exactly its kernel and bias and applies x·W + b on the last axis', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const d = new Dense('d', 3, 2, new Rng(2));
  assert.equal(tf.memory().numTensors - before, 2);
  assert.equal(d.paramCount(), 8);
  const x = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3]);
  const y = tf.tidy(() => d.apply(x)); // [1, 2, 2]
  const w = d.w.arraySync() as number[][];
  const expected00 = 1 * w[0]![0]! + 2 * w[1]![0]! + 3 * w[2]![0]!;
  assert.deepEqual(y.shape, [1, 2, 2]);
  assert.ok(Math.abs((y.arraySync() as number[][][])[0]![0]![0]! - expected00) < 1e-5);
  tf.dispose([x, y]);
  d.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('initialisers: same seed same values; glorot within its limit; bert truncated at 2σ', () => {
  const a = initValues([50, 40], 'glorot', new Rng(3));
  const b = initValues([50, 40], 'glorot', new Rng(3));
  assert.deepEqual(a, b);
  const limit = Math.sqrt(6 / 90);
  assert.ok(a.every((v) => Math.abs(v) <= limit));
  const bert = initValues([100, 100], 'bert', new Rng(4));
  assert.ok(bert.every((v) => Math.abs(v) <= 0.04 + 1e-7));
  const std = Math.sqrt(bert.reduce((s, v) => s + v * v, 0) / bert.length);
  assert.ok(std > 0.015 && std < 0.02, `std ${std}`);
  assert.ok(initValues([4, 4], 'zeros', new Rng(5)).every((v) => v === 0));
});
