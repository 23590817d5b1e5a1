// Frame-level visual features with @vladmandic/face-api on the workspace's tfjs engine (wasm):
// SSD MobileNet v1 face detector, 68-point landmarks, 7 expression probabilities; weights ship
// in the package (offline). OpenFace 2 (the paper's 709 columns: gaze, eye landmarks, 2D/3D
// landmarks, pose, PDM, action units) is a C++ program that does not exist here; this is the
// offline substitute, VISUAL_DIM columns per frame (visualColumns() names them):
//   face_confidence        the detector's score of the most confident face; 0 = no face found
//                          (then every other column of the frame is 0 as well)
//   box_x, box_y, box_w, box_h   the face box, as fractions of the frame width / height
//   pose_yaw, pose_pitch, pose_roll   radians, from the landmarks (src/extract/pose.ts)
//   lm<i>_x, lm<i>_y (i = 0..67)   landmarks relative to the face box: (x − box_x) / box_w, …
//   expr_neutral … expr_surprised   face-api's expression probabilities (sum 1)
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { initBackend } from '../backend';
import { repoRoot } from '../paths';
import { headPoseFromPoints, POSE_LANDMARKS } from './pose';

export const FACE_API_PACKAGE = '@vladmandic/face-api';
export const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
export const LANDMARKS = 68;
export const VISUAL_DIM = 1 + 4 + 3 + 2 * LANDMARKS + EXPRESSIONS.length; // 151

export function visualColumns(): string[] {
  const lm: string[] = [];
  for (let i = 0; i < LANDMARKS; i++) lm.push(`lm${i}_x`, `lm${i}_y`);
  return ['face_confidence', 'box_x', 'box_y', 'box_w', 'box_h', 'pose_yaw', 'pose_pitch', 'pose_roll', ...lm, ...EXPRESSIONS.map((e) => `expr_${e}`)];
}

/** What each column means, for the dataset manifest. */
export function visualColumnMeanings(): Record<string, string> {
  return {
    face_confidence: 'SSD MobileNet v1 score of the most confident face in the frame; 0 when no face was found (all other columns then 0)',
    'box_x, box_y, box_w, box_h': 'face box: left, top, width, height as fractions of the frame width / height',
    'pose_yaw, pose_pitch, pose_roll': 'head pose in radians from a scaled-orthographic fit of a generic 3D face to landmarks 30, 8, 36, 45, 48, 54; yaw > 0 nose toward image right, pitch > 0 nose down, roll > 0 counter-clockwise in the image',
    'lm<i>_x, lm<i>_y': '68 iBUG landmarks (face-api faceLandmark68Net) relative to the face box: (x - box left) / box width, (y - box top) / box height',
    'expr_<name>': `face-api faceExpressionNet probabilities of ${EXPRESSIONS.join(', ')} (sum 1)`,
  };
}

// The slice of face-api's API used here (its own typings pull in a second copy of the tfjs types).
interface Point {
  x: number;
  y: number;
}
interface FaceResult {
  detection: { score: number; box: { x: number; y: number; width: number; height: number } };
  landmarks: { positions: Point[] };
  expressions: Record<string, number>;
}
interface DetectTask {
  withFaceLandmarks(): { withFaceExpressions(): Promise<FaceResult[]> };
}
interface FaceApiModule {
  nets: Record<'ssdMobilenetv1' | 'faceLandmark68Net' | 'faceExpressionNet', { loadFromDisk(dir: string): Promise<void>; isLoaded: boolean }>;
  SsdMobilenetv1Options: new (options: { minConfidence: number; maxResults?: number }) => unknown;
  detectAllFaces(input: tf.Tensor3D, options: unknown): DetectTask;
  version?: string;
}

let loaded: FaceApiModule | null = null;

export function faceApiVersion(): string {
  const req = createRequire(join(repoRoot(), 'noop.js'));
  return String((req(`${FACE_API_PACKAGE}/package.json`) as { version: string }).version);
}

/** Loads face-api (node-wasm build, our tfjs engine) and its three networks, once per process. */
export async function loadFaceApi(): Promise<FaceApiModule> {
  if (loaded !== null) return loaded;
  await initBackend(); // face-api runs on the workspace's engine (wasm unless MIRD_BACKEND says otherwise)
  const req = createRequire(join(repoRoot(), 'noop.js'));
  const api = req(`${FACE_API_PACKAGE}/dist/face-api.node-wasm.js`) as FaceApiModule;
  const dir = join(repoRoot(), 'node_modules', ...FACE_API_PACKAGE.split('/'), 'model');
  for (const net of ['ssdMobilenetv1', 'faceLandmark68Net', 'faceExpressionNet'] as const) {
    if (!api.nets[net].isLoaded) await api.nets[net].loadFromDisk(dir);
  }
  loaded = api;
  return api;
}

export interface FrameFace {
  /** VISUAL_DIM values (all zero when no face) */
  features: Float32Array;
  found: boolean;
  /** landmarks in pixels, for drawing; null when no face */
  landmarks: Point[] | null;
}

/** Features of one RGB24 frame: the most confident face with score ≥ minConfidence. */
export async function frameFeatures(api: FaceApiModule, rgb: Uint8Array, width: number, height: number, minConfidence: number): Promise<FrameFace> {
  const img = tf.tidy(() => tf.tensor3d(new Int32Array(rgb), [height, width, 3], 'int32'));
  let faces: FaceResult[];
  try {
    faces = await api.detectAllFaces(img, new api.SsdMobilenetv1Options({ minConfidence })).withFaceLandmarks().withFaceExpressions();
  } finally {
    img.dispose();
  }
  const out = new Float32Array(VISUAL_DIM);
  const best = faces.reduce<FaceResult | null>((a, f) => (a === null || f.detection.score > a.detection.score ? f : a), null);
  if (best === null) return { features: out, found: false, landmarks: null };
  const { box, score } = best.detection;
  const pts = best.landmarks.positions;
  if (pts.length !== LANDMARKS) throw new Error(`face-api returned ${pts.length} landmarks (expected ${LANDMARKS})`);
  out[0] = score;
  out[1] = box.x / width;
  out[2] = box.y / height;
  out[3] = box.width / width;
  out[4] = box.height / height;
  const pose = headPoseFromPoints(POSE_LANDMARKS.map((i) => [(pts[i] as Point).x, (pts[i] as Point).y] as const));
  out[5] = pose.yaw;
  out[6] = pose.pitch;
  out[7] = pose.roll;
  for (let i = 0; i < LANDMARKS; i++) {
    out[8 + 2 * i] = ((pts[i] as Point).x - box.x) / box.width;
    out[9 + 2 * i] = ((pts[i] as Point).y - box.y) / box.height;
  }
  EXPRESSIONS.forEach((e, k) => {
    out[8 + 2 * LANDMARKS + k] = best.expressions[e] ?? 0;
  });
  return { features: out, found: true, landmarks: pts.map((p) => ({ x: p.x, y: p.y })) };
}
