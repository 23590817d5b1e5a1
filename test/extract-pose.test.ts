// Head pose from landmarks: the generic face rotated by known angles and projected
// (scaled orthographic, image y down) must give those angles back; pixel noise moves them little.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headPoseFromPoints, POSE_MODEL, rotationMatrix, type HeadPose } from '../src/extract/pose';
import { Rng } from '../src/util/rng';

function project(pose: HeadPose, scale: number, cx: number, cy: number, noise = 0, rng?: Rng): [number, number][] {
  const R = rotationMatrix(pose);
  return POSE_MODEL.map((p) => {
    const x = (R[0] as number[]).reduce((a, v, k) => a + v * (p[k] as number), 0);
    const y = (R[1] as number[]).reduce((a, v, k) => a + v * (p[k] as number), 0);
    const e = (): number => (rng === undefined ? 0 : noise * (2 * rng.next() - 1));
    return [cx + scale * x + e(), cy - scale * y + e()]; // image y points down
  });
}

test('head pose: known yaw / pitch / roll are recovered from exact projections', () => {
  const poses: HeadPose[] = [
    { yaw: 0, pitch: 0, roll: 0 },
    { yaw: 0.4, pitch: 0, roll: 0 },
    { yaw: 0, pitch: -0.3, roll: 0 },
    { yaw: 0, pitch: 0, roll: 0.25 },
    { yaw: -0.5, pitch: 0.2, roll: -0.3 },
  ];
  for (const pose of poses) {
    const got = headPoseFromPoints(project(pose, 0.4, 240, 180));
    for (const k of ['yaw', 'pitch', 'roll'] as const) assert.ok(Math.abs(got[k] - pose[k]) < 1e-9, `${k} of ${JSON.stringify(pose)}: ${got[k]}`);
  }
});

test('head pose: signs as documented (nose toward image right = yaw > 0, counter-clockwise = roll > 0)', () => {
  const right = project({ yaw: 0.3, pitch: 0, roll: 0 }, 1, 0, 0);
  const [nose, , eyeL, eyeR] = right as [number, number][];
  assert.ok(nose[0] > (eyeL[0] + eyeR[0]) / 2, 'the nose tip moves to image right');
  assert.ok(headPoseFromPoints(right).yaw > 0);
  const ccw = project({ yaw: 0, pitch: 0, roll: 0.3 }, 1, 0, 0);
  const [, , l, r] = ccw as [number, number][];
  assert.ok(r[1] < l[1], 'counter-clockwise in the image lifts the image-right eye (smaller y)');
  assert.ok(headPoseFromPoints(ccw).roll > 0);
});

test('head pose: one pixel of landmark noise on a 150 px face moves the angles by < 0.1 rad', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 20; i++) {
    const pose = { yaw: 0.6 * (2 * rng.next() - 1), pitch: 0.4 * (2 * rng.next() - 1), roll: 0.4 * (2 * rng.next() - 1) };
    const got = headPoseFromPoints(project(pose, 0.3, 240, 180, 1, rng));
    for (const k of ['yaw', 'pitch', 'roll'] as const) assert.ok(Math.abs(got[k] - pose[k]) < 0.1, `${k}: ${got[k]} vs ${pose[k]}`);
  }
});
