// face-api on the workspace's tfjs engine, without ffmpeg: a frame without a face gives an
// all-zero row; repeated frames leave the tensor count flat (weights stay, per-frame tensors go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { frameFeatures, loadFaceApi, visualColumnMeanings, visualColumns, VISUAL_DIM } from '../src/extract/visual';

test('face-api: no face in a flat grey frame (all-zero row), no tensor leak over frames, one engine', async () => {
  await initBackend();
  const api = await loadFaceApi();
  const w = 320;
  const h = 240;
  const grey = new Uint8Array(w * h * 3).fill(128);
  const burnIn = await frameFeatures(api, grey, w, h, 0.5);
  assert.equal(burnIn.found, false);
  assert.equal(burnIn.features.length, VISUAL_DIM);
  assert.ok(burnIn.features.every((v) => v === 0));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await frameFeatures(api, grey, w, h, 0.5);
  assert.equal(tf.memory().numTensors, before, 'per-frame tensors are disposed');
  assert.ok(before > 100, 'the three networks hold their weights in this engine');
  assert.equal(visualColumns().length, VISUAL_DIM);
  assert.equal(new Set(visualColumns()).size, VISUAL_DIM);
  assert.ok(Object.keys(visualColumnMeanings()).length >= 5);
});
