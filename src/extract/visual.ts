// Frame-level visual features with @vladmandic/face-api on the workspace's tfjs engine (wasm):
// SSD MobileNet v1 face detector, 68-point landmarks, 7 expression probabilities; weights ship
// in the package (offline). One of the two extractors of `mird extract` (--visual-model face-api;
// the default is src/extract/visual-human.ts). OpenFace 2 (the paper's 709 columns: gaze, eye
// landmarks, 2D/3D landmarks, pose, PDM, action units) is a C++ program that does not exist here;
// this is an offline substitute, VISUAL_DIM columns per frame, exactly the 151 columns both
// extractors share (src/extract/visual-shared.ts; visualColumns() names them):
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
import { EXPRESSIONS, LANDMARKS, SHARED_VISUAL_DIM, sharedVisualColumns, sharedVisualMeanings, writeSharedColumns, type FrameFace, type Point } from './visual-shared';

export { EXPRESSIONS, LANDMARKS, type FrameFace } from './visual-shared';
export const FACE_API_PACKAGE = '@vladmandic/face-api';
export const VISUAL_DIM = SHARED_VISUAL_DIM; // 151

export function visualColumns(): string[] {
  return sharedVisualColumns();
}

/** What each column means, for the dataset manifest. */
export function visualColumnMeanings(): Record<string, string> {
  return sharedVisualMeanings({
    confidence: 'SSD MobileNet v1 score of the most confident face in the frame',
    box: "the detector's box around the face",
    pose: 'from a scaled-orthographic fit of a generic 3D face to landmarks 30, 8, 36, 45, 48, 54 (src/extract/pose.ts)',
    landmarks: 'face-api faceLandmark68Net',
    expressions: 'face-api faceExpressionNet (sum 1)',
  });
}

// The slice of face-api's API used here (its own typings pull in a second copy of the tfjs types).
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
  const pose = headPoseFromPoints(POSE_LANDMARKS.map((i) => [(pts[i] as Point).x, (pts[i] as Point).y] as const));
  const expressions = Object.fromEntries(EXPRESSIONS.map((e) => [e, best.expressions[e] ?? 0])) as Record<(typeof EXPRESSIONS)[number], number>;
  writeSharedColumns(out, { score, box, pose, landmarks: pts, expressions }, width, height);
  return { features: out, found: true, landmarks: pts.map((p) => ({ x: p.x, y: p.y })) };
}
