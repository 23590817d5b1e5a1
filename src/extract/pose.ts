// Head pose from 2D landmarks: a scaled-orthographic fit of a generic 3D face (six points of the
// 68-point iBUG scheme) to the detected landmarks, then the rotation's Euler angles.
//   p_i ≈ M·X_i + t,  M = s·[r1; r2] (2 × 3), least squares over the six points;
//   r1, r2 orthonormalised (Gram–Schmidt), r3 = r1 × r2, R = [r1; r2; r3];
//   R = Rz(roll)·Ry(yaw)·Rx(pitch):  pitch = atan2(R32, R33), yaw = −asin(R31), roll = atan2(R21, R11).
// Axes of the model: x to the subject's left as seen in the image (image right), y up, z toward
// the camera; image y points down, so it is flipped before the fit. Angles in radians: yaw > 0
// turns the nose toward image right, pitch > 0 tilts the nose down, roll > 0 rotates the face
// counter-clockwise in the image. OpenFace fits a full 3D PDM under perspective; this is the
// cheap substitute (no depth, no translation in mm), and its accuracy is tested on rotated models.

/** 68-point indices used: nose tip, chin, outer eye corners, mouth corners. */
export const POSE_LANDMARKS: readonly number[] = [30, 8, 36, 45, 48, 54];

/** The generic face (arbitrary units, nose tip at the origin), in POSE_LANDMARKS order. */
export const POSE_MODEL: readonly (readonly [number, number, number])[] = [
  [0, 0, 0], // nose tip
  [0, -330, -65], // chin
  [-225, 170, -135], // outer corner of the eye on image left
  [225, 170, -135], // outer corner of the eye on image right
  [-150, -150, -125], // mouth corner, image left
  [150, -150, -125], // mouth corner, image right
];

export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

function solve3(a: number[][], b: number[]): number[] {
  // Cramer's rule for a symmetric 3 × 3 system (XᵀX is well conditioned for the model points)
  const det = (m: number[][]): number =>
    (m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!)) - (m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!)) + (m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!));
  const d = det(a);
  return [0, 1, 2].map((c) => det(a.map((row, r) => row.map((v, k) => (k === c ? (b[r] as number) : v)))) / d);
}

/** Pose from image points (x right, y down) of POSE_LANDMARKS, in that order. */
export function headPoseFromPoints(points: readonly (readonly [number, number])[]): HeadPose {
  if (points.length !== POSE_MODEL.length) throw new Error(`headPose: ${points.length} points, expected ${POSE_MODEL.length}`);
  const n = points.length;
  const mean3 = [0, 1, 2].map((k) => POSE_MODEL.reduce((a, p) => a + (p[k] as number), 0) / n);
  const X = POSE_MODEL.map((p) => [0, 1, 2].map((k) => (p[k] as number) - (mean3[k] as number)));
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const P = points.map((p) => [p[0] - mx, -(p[1] - my)]); // y up
  const xtx = [0, 1, 2].map((i) => [0, 1, 2].map((j) => X.reduce((a, row) => a + (row[i] as number) * (row[j] as number), 0)));
  const rows = [0, 1].map((r) => solve3(xtx, [0, 1, 2].map((i) => X.reduce((a, row, k) => a + (row[i] as number) * ((P[k] as number[])[r] as number), 0))));
  const norm = (v: number[]): number => Math.hypot(...v);
  const r1 = (rows[0] as number[]).map((v) => v / norm(rows[0] as number[]));
  const dot = (rows[1] as number[]).reduce((a, v, i) => a + v * (r1[i] as number), 0);
  const r2raw = (rows[1] as number[]).map((v, i) => v - dot * (r1[i] as number));
  const r2 = r2raw.map((v) => v / norm(r2raw));
  const r3 = [(r1[1] as number) * (r2[2] as number) - (r1[2] as number) * (r2[1] as number), (r1[2] as number) * (r2[0] as number) - (r1[0] as number) * (r2[2] as number), (r1[0] as number) * (r2[1] as number) - (r1[1] as number) * (r2[0] as number)];
  const R = [r1, r2, r3];
  const at = (i: number, j: number): number => (R[i] as number[])[j] as number;
  return {
    pitch: Math.atan2(at(2, 1), at(2, 2)),
    yaw: -Math.asin(Math.max(-1, Math.min(1, at(2, 0)))),
    roll: Math.atan2(at(1, 0), at(0, 0)),
  };
}

/** Rotation matrix R = Rz(roll)·Ry(yaw)·Rx(pitch) (for tests and for drawing). */
export function rotationMatrix(pose: HeadPose): number[][] {
  const { yaw, pitch, roll } = pose;
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(pitch), Math.sin(pitch), Math.cos(yaw), Math.sin(yaw), Math.cos(roll), Math.sin(roll)];
  const rx = [[1, 0, 0], [0, cx, -sx], [0, sx, cx]];
  const ry = [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]];
  const rz = [[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]];
  const mul = (a: number[][], b: number[][]): number[][] => a.map((row) => [0, 1, 2].map((j) => row.reduce((s, v, k) => s + v * ((b[k] as number[])[j] as number), 0)));
  return mul(rz, mul(ry, rx));
}
