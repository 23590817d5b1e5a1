// The video-level bootstrap of test scores (src/eval/video-bootstrap.ts): whole videos are drawn,
// the value is the metric as it is, identical systems differ by exactly 0, and bad input is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { videoBootstrap, type SeedPredictions } from '../src/eval/video-bootstrap';

const videoOf = (id: string): string => id.slice(0, id.lastIndexOf('_'));

test('videoBootstrap: resamples whole videos; the value is the full-split metric; a paired copy differs by 0', () => {
  // video A: 3 clips all right; video B: 1 clip wrong → Acc2 3/4 on the split
  const a: SeedPredictions = { ids: ['A_1', 'A_2', 'A_3', 'B_1'], labels: Float32Array.of(1, 2, -1, 1), predictions: [Float32Array.of(0.5, 1, -2, -1)] };
  const r = videoBootstrap(a, videoOf, { draws: 400, seed: 3 });
  assert.equal(r.videos, 2);
  assert.equal(r.clips, 4);
  assert.equal(r.acc2Non0.value, 0.75);
  assert.ok(Math.abs(r.mae.value - (0.5 + 1 + 1 + 2) / 4) < 1e-6);
  // a draw holds A twice (Acc2 1), A and B (3/4) or B twice (0): the interval spans 0 to 1
  assert.equal(r.acc2Non0.low, 0);
  assert.equal(r.acc2Non0.high, 1);
  assert.ok(r.acc2Non0.sd > 0.2);
  assert.equal(r.difference, null);
  const same = videoBootstrap(a, videoOf, { draws: 50, b: { ...a, predictions: [Float32Array.from(a.predictions[0] as Float32Array)] } });
  assert.deepEqual(same.difference?.acc2Non0, { value: 0, sd: 0, low: 0, high: 0 });
  // the same seed draws the same videos
  assert.deepEqual(videoBootstrap(a, videoOf, { draws: 100, seed: 1 }), videoBootstrap(a, videoOf, { draws: 100, seed: 1 }));
  // several seeds: the mean over seeds
  const two = videoBootstrap({ ...a, predictions: [a.predictions[0] as Float32Array, Float32Array.of(1, 1, 1, 1)] }, videoOf, { draws: 10 });
  assert.equal(two.acc2Non0.value, (0.75 + 0.75) / 2);
});

test('videoBootstrap: mis-sized or misaligned input is an error naming it', () => {
  const a: SeedPredictions = { ids: ['A_1', 'B_1'], labels: Float32Array.of(1, -1), predictions: [Float32Array.of(1, -1)] };
  assert.throws(() => videoBootstrap({ ...a, predictions: [] }, videoOf), /system a has no seeds/);
  assert.throws(() => videoBootstrap({ ...a, predictions: [Float32Array.of(1)] }, videoOf), /system a seed 0 has 1 predictions for 2 clips/);
  assert.throws(() => videoBootstrap(a, videoOf, { b: { ...a, ids: ['B_1', 'A_1'] } }), /the same clips in the same order/);
});
