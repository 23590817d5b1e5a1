// Video context at prediction time (src/eval/video-context.ts, train config videoContext): the
// mix against a hand computation, clips alone in their video or without one untouched, and the
// run-level checks (a source without video ids is refused before anything is written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { videoContextPredictions } from '../src/eval/video-context';
import { openSource } from '../src/data/sources';
import { prepareRun } from '../src/train/setup';
import { resolveTrainConfig } from '../src/train/config';

test('videoContextPredictions: ŷ + w·mean of the other clips of the same video', () => {
  const ids = ['a', 'a', 'a', 'b', undefined, 'c', 'c'];
  const p = Float32Array.from([1, 2, 6, 5, 7, -1, 3]);
  const out = videoContextPredictions(ids, p, 0.25);
  const want = [1 + 0.25 * 4, 2 + 0.25 * 3.5, 6 + 0.25 * 1.5, 5, 7, -1 + 0.25 * 3, 3 + 0.25 * -1];
  want.forEach((w, i) => assert.ok(Math.abs((out[i] as number) - w) < 1e-6, `clip ${i}: ${out[i]} ≠ ${w}`));
  assert.deepEqual(Array.from(videoContextPredictions(ids, p, 0)), Array.from(p), 'w = 0 changes nothing');
  assert.deepEqual(Array.from(p), [1, 2, 6, 5, 7, -1, 3], 'the input is not modified');
  assert.throws(() => videoContextPredictions(['a'], p, 0.1), /1 video ids for 7 predictions/);
  assert.throws(() => videoContextPredictions(ids, p, 1.5), /weight must be in \[0, 1\]/);
  assert.throws(() => resolveTrainConfig({ videoContext: -0.1 }), /videoContext must be in \[0, 1\]/);
});

test('MOSI and MOSEI clips carry their video ids; a source without them is refused for videoContext', async () => {
  const mosi = openSource('mosi');
  for (const c of [...mosi.splits.train, ...mosi.splits.test]) assert.equal(c.videoId, c.id.slice(0, c.id.lastIndexOf('_')));
  const mosei = openSource('mosei-text');
  const c0 = mosei.splits.valid[0];
  assert.ok(c0 !== undefined && c0.videoId !== undefined && c0.id.startsWith(`${c0.videoId}$_$`));
  await assert.rejects(prepareRun({ preset: 'quick', seed: 0, set: { videoContext: '0.2' } }), /videoContext 0\.2: adds to each prediction the mean of the other clips of its video, but synthetic:small.*has no video id/);
});
