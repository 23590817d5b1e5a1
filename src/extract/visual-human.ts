// Frame-level visual features with @vladmandic/human 3.3.6 on the workspace's tfjs engine: the
// default extractor of `mird extract` (--visual-model human; src/extract/visual.ts is the
// face-api alternative). MediaPipe BlazeFace detector, FaceMesh (468 points in 3D) refined by the
// Iris model (10 more points), and an expression classifier (7 classes); the weights ship inside
// the npm package (models/*.json + .bin), so it runs offline. On this repository's sample clip
// (data/samples/mosi_Oz06ZWiO20M_6.mp4, 480×360, one wasm core) it takes ≈ 70–90 ms per frame
// against face-api's ≈ 420–510 ms, and finds the face in 55 of the first 55 frames, as face-api does.
//
// Settings (humanConfig below) and why:
//   - only face detection, mesh, iris and emotion are on (body, hand, object, segmentation,
//     gesture, attention, face description, antispoof and liveness off): the four models the
//     columns need, nothing else loaded or run;
//   - cacheSensitivity 0, detector and emotion skipFrames 0 and skipTime 0: human's frame cache
//     (reuse of the previous frame's boxes and expressions when the image changed little) is
//     off, so every frame is analysed from scratch and a frame's row does not depend on the
//     frames before it (a clip's features are the same whichever frames precede it);
//   - detector maxDetected 1: BlazeFace's most confident face, like face-api's best face;
//     detector minConfidence = `mird extract --min-confidence` (default 0.5; human's own default
//     is 0.2): BlazeFace boxes at or below it are dropped, and so is a face whose mesh score is
//     at or below it;
//   - detector rotation false: the crop given to the mesh model is not roll-corrected first;
//   - emotion minConfidence 0: every class with a probability above 0 is reported;
//   - filter off, warmup none, cacheModels false, debug false: no image filtering, no warm-up
//     pass, no browser model cache, no console output.
//
// Facts about the package that shape this module:
//   - the package's "exports" map lists subpaths without the leading "./" ("dist/human.node-wasm.js"),
//     which Node reads as condition names, so the node-wasm build cannot be required by subpath:
//     the package folder is found from require.resolve('@vladmandic/human') (dist/human.node.js,
//     never loaded) and dist/human.node-wasm.js is required by its absolute path;
//   - that build requires @tensorflow/tfjs-core, -converter and -backend-wasm, which resolve to
//     the copies @tensorflow/tfjs uses, so human runs on the workspace's engine (no second tfjs;
//     loadHuman checks it); it keeps the backend src/backend.ts chose (wasm here);
//   - tfjs-core has no loader for file:// URLs (tfjs-node registers one): a load router reads
//     model.json and its weight files from the package's models/ folder;
//   - human registers a "FloorMod" kernel for the active backend when it lacks one (wasm does);
//     no tfjs 4.22 op dispatches that kernel name (the converter runs FloorMod as Mod), and none
//     of the four models has a FloorMod node;
//   - the mesh comes back in whole pixels (human truncates x, y and z), and the expression
//     probabilities truncated to two decimals (so they sum to 0.93..1, not 1);
//   - human's gaze bearing wraps modulo π, so it is not used; gaze is computed from the iris
//     centres and the eye corners instead;
//   - human flips both eye crops before the Iris model but flips the model's coordinates back
//     only for the eye on the image right (augmentIris in its src/face/iris.ts; MediaPipe's
//     original flips one eye and flips it back). The eye on the image left (mesh 33/133, iris
//     473) comes out less accurate: on the sample clip its iris offset differs from the same
//     eye's offset measured on the mirrored frame (where it is the image-right eye) by 0.098
//     corner distances on average, against 0.043 for the other eye, and its six iBUG landmarks
//     (36-41) lie 0.044 interocular distances from face-api's, against 0.029 for the other eye.
//     gaze_left_*, eye_open_left and lm36-41 carry that error.
//
// Columns (humanVisualColumns(), HUMAN_VISUAL_DIM = 226): the 151 shared with face-api
// (src/extract/visual-shared.ts), then 75 of human's own:
//   face_confidence         BlazeFace's box score (two decimals); 0 = no face (row all 0)
//   box_x, box_y, box_w, box_h   human's face box as fractions of the frame: the detector box
//                           enlarged 1.4×, squared (in pixels) and re-centred on the mesh, so
//                           larger than face-api's box; it may reach past the frame's edges
//   pose_yaw, pose_pitch, pose_roll   human's head angles (from mesh points 10, 152, 234, 454 in
//                           3D) with yaw and roll negated to the workspace's convention
//   lm<i>_x, lm<i>_y        68 mesh points chosen to match the iBUG scheme (MESH68), relative to the box
//   expr_<name>             human's 7 classes renamed to face-api's (fear → fearful,
//                           disgust → disgusted, surprise → surprised), in face-api's order
//   mesh_confidence         FaceMesh's face score (two decimals)
//   gaze_left_x/_y, gaze_right_x/_y   iris centre relative to the middle of the eye's corners,
//                           over the corner distance, along and across the corner line
//   eye_open_left, eye_open_right     lid distance over the corner distance
//   lm<i>_z                 depth of the 68 points relative to the box width
// "left" and "right" are image sides: the left eye is the one on the image's left (the
// subject's right eye, iBUG 36-41). humanVisualColumnMeanings() states each one precisely.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initBackend } from '../backend';
import { repoRoot } from '../paths';
import { EXPRESSIONS, LANDMARKS, SHARED_VISUAL_DIM, sharedVisualColumns, sharedVisualMeanings, writeSharedColumns, type Expression, type FrameFace, type Point } from './visual-shared';

export const HUMAN_PACKAGE = '@vladmandic/human';

/**
 * FaceMesh index of each iBUG-68 landmark: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47
 * (36 and 45 outer corners, 39 and 42 inner), mouth 48-67 (outer lip 48-59, inner 60-67).
 */
export const MESH68: readonly number[] = [
  162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389, // jaw 0-16
  71, 63, 105, 66, 107, 336, 296, 334, 293, 301, // brows 17-26
  168, 197, 5, 4, 75, 97, 2, 326, 305, // nose 27-35
  33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380, // eyes 36-47
  61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82, 13, 312, 308, 317, 14, 87, // mouth 48-67
];

/**
 * Mesh indices of the two eyes, by image side. In human's 478-point output the iris centre 473
 * lies between corners 33 and 133 (the eye on the image's left, the subject's right eye) and 468
 * between 362 and 263 (checked on the sample clip's frames); lids 159/145 and 386/374 are the
 * middle points of each eye's upper / lower contour.
 */
export const EYES = {
  left: { leftCorner: 33, rightCorner: 133, iris: 473, upperLid: 159, lowerLid: 145 },
  right: { leftCorner: 362, rightCorner: 263, iris: 468, upperLid: 386, lowerLid: 374 },
} as const;

const MESH_POINTS = 478;

/** human's class name → face-api's. */
const EXPRESSION_NAMES: Readonly<Record<string, Expression>> = {
  neutral: 'neutral',
  happy: 'happy',
  sad: 'sad',
  angry: 'angry',
  fear: 'fearful',
  disgust: 'disgusted',
  surprise: 'surprised',
};

const EXTRA_COLUMNS = ['mesh_confidence', 'gaze_left_x', 'gaze_left_y', 'gaze_right_x', 'gaze_right_y', 'eye_open_left', 'eye_open_right'] as const;
export const HUMAN_VISUAL_DIM = SHARED_VISUAL_DIM + EXTRA_COLUMNS.length + LANDMARKS; // 226

export function humanVisualColumns(): string[] {
  return [...sharedVisualColumns(), ...EXTRA_COLUMNS, ...Array.from({ length: LANDMARKS }, (_, i) => `lm${i}_z`)];
}

/** What each column means, for the dataset manifest. */
export function humanVisualColumnMeanings(): Record<string, string> {
  return {
    ...sharedVisualMeanings({
      confidence: "BlazeFace's score of its most confident face box (human's boxScore, two decimals)",
      box: "human's box: BlazeFace's box enlarged 1.4x, made square in pixels and re-centred on the mesh, so larger than face-api's; it may reach past the frame's edges (values < 0 or > 1)",
      pose:
        "human's rotation angles (from mesh points 10, 152, 234, 454 in 3D) with yaw and roll negated to this convention. " +
        'Checked on the sample clip: a horizontally mirrored frame flips the sign of yaw and roll and keeps pitch; a frame rotated 0.3 rad counter-clockwise raises roll by about 0.3; ' +
        "pitch grows as the nose tip (lm30) sits lower between the eye line and the mouth line, the 2D cue of a nose-down tilt (correlation +0.89 over the clip's first 55 frames). " +
        "Not checked against footage of a known head tilt; pitch levels differ from face-api's landmark fit (mean -0.03 vs +0.12 rad on the sample clip)",
      landmarks: "68 of human's 478 mesh points chosen to match the iBUG scheme (src/extract/visual-human.ts MESH68), whole pixels; on the sample clip 0.07 interocular distances from face-api's landmarks on average (jaw 0.15, brows 0.08, nose 0.06, mouth 0.03, eyes 0.03 on the image right and 0.04 on the image left, see gaze_left)",
      expressions: "human's emotion model (angry, disgust, fear, happy, sad, surprise, neutral renamed to face-api's names), each truncated to two decimals and capped at 0.99, so they sum to 0.93-1; a class human leaves out (probability 0) is 0",
    }),
    mesh_confidence: "FaceMesh's score that its crop holds a face (human's faceScore, two decimals)",
    'gaze_left_x, gaze_left_y':
      "eye on the image left (the subject's right eye; mesh corners 33 and 133, iris centre 473): iris centre minus the midpoint of the corners, over the corner distance; x along the corner line (> 0 toward image right), y across it (> 0 toward image bottom when the head is upright). " +
      'Mesh points are whole pixels, so at a 20 px eye width the steps are 0.05. ' +
      "Less accurate than the right eye's: human 3.3.6 feeds this eye to the Iris model flipped and does not flip the result back; on the sample clip the same eye measured on a mirrored frame differs by 0.098 on average (the other eye 0.043)",
    'gaze_right_x, gaze_right_y': "the same for the eye on the image right (the subject's left eye; corners 362 and 263, iris centre 468)",
    'eye_open_left, eye_open_right': "distance between the upper and lower lid midpoints (mesh 159-145 for the image-left eye, 386-374 for the image-right eye) over the eye's corner distance; 0.26-0.27 on average on the sample clip, where the speaker's eyes are open (lowest 0.06), smaller as the lids close; the left one carries the Iris flip error of gaze_left",
    'lm<i>_z':
      "depth of landmark i (the same 68 mesh points) relative to the box width: FaceMesh z over its 192-px crop, which has the box's size; smaller = nearer the camera (the nose tip, lm30_z, is about -0.13 on the sample clip), 0 = FaceMesh's depth origin (the mean over the 68 points is about 0)",
  };
}

// The slice of human's API used here (its typings declare tf as any and pull in its own tfjs types).
type Vec3 = [number, number, number];
interface HumanFace {
  boxScore: number;
  faceScore: number;
  boxRaw: [number, number, number, number];
  mesh: Vec3[];
  meshRaw: Vec3[];
  emotion?: { score: number; emotion: string }[];
  rotation?: { angle: { yaw: number; pitch: number; roll: number } } | null;
}
interface HumanResult {
  face: HumanFace[];
  error: string | null;
}
export interface HumanInstance {
  load(): Promise<void>;
  detect(input: tf.Tensor3D, config?: object): Promise<HumanResult>;
  models: { list(): { name: string; loaded: boolean; size: number }[]; validate(): { name: string; missing: string[] }[] };
  tf: { engine(): unknown };
  version: string;
}
interface HumanModule {
  Human: new (config: object) => HumanInstance;
}

const NEEDED_MODELS = ['blazeface', 'facemesh', 'iris', 'emotion'] as const;

/** The installed package's folder (holds dist/, models/ and package.json). */
export function humanPackageDir(): string {
  const req = createRequire(join(repoRoot(), 'noop.js'));
  return dirname(dirname(req.resolve(HUMAN_PACKAGE))); // <dir>/dist/human.node.js
}

export function humanVersion(): string {
  return String((JSON.parse(readFileSync(join(humanPackageDir(), 'package.json'), 'utf8')) as { version: string }).version);
}

/** The settings of the header comment; `backend` is the engine's active one. */
export function humanConfig(modelBasePath: string, backend: string, wasmPath: string): object {
  return {
    backend,
    wasmPath,
    modelBasePath,
    debug: false,
    async: false,
    warmup: 'none',
    cacheModels: false,
    validateModels: true,
    cacheSensitivity: 0,
    filter: { enabled: false },
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: { modelPath: 'blazeface.json', rotation: false, maxDetected: 1, skipFrames: 0, skipTime: 0, minConfidence: 0.5, return: false },
      mesh: { enabled: true, modelPath: 'facemesh.json' },
      attention: { enabled: false },
      iris: { enabled: true, modelPath: 'iris.json' },
      emotion: { enabled: true, modelPath: 'emotion.json', minConfidence: 0, skipFrames: 0, skipTime: 0 },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
  };
}

const routed = new Set<string>();

/** Lets tfjs load graph models from file:// URLs under `prefix` (model.json + its weight files, read from disk). */
function routeFileUrls(prefix: string): void {
  if (routed.has(prefix)) return;
  // tfjs asks every registered router and keeps the handlers that are not null
  const router = (url: string | string[]): tf.io.IOHandler | null => {
    if (typeof url !== 'string' || !url.startsWith(prefix)) return null;
    const path = fileURLToPath(url);
    return {
      load: async () => {
        const json = JSON.parse(readFileSync(path, 'utf8')) as tf.io.ModelJSON;
        return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
          const parts = manifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dirname(path), p))));
          const data = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
          let at = 0;
          for (const p of parts) {
            data.set(p, at);
            at += p.byteLength;
          }
          return [manifest.flatMap((group) => group.weights), data.buffer];
        });
      },
    };
  };
  tf.io.registerLoadRouter(router as Parameters<typeof tf.io.registerLoadRouter>[0]);
  routed.add(prefix);
}

let loaded: HumanInstance | null = null;

/** Loads human (node-wasm build, our tfjs engine) and its four models, once per process. */
export async function loadHuman(): Promise<HumanInstance> {
  if (loaded !== null) return loaded;
  await initBackend(); // human runs on the workspace's engine (wasm unless MIRD_BACKEND says otherwise)
  const dir = humanPackageDir();
  const req = createRequire(join(repoRoot(), 'noop.js'));
  const mod = req(join(dir, 'dist', 'human.node-wasm.js')) as HumanModule;
  const modelBasePath = pathToFileURL(join(dir, 'models')).href + '/';
  routeFileUrls(modelBasePath);
  const wasmPath = join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
  const human = new mod.Human(humanConfig(modelBasePath, tf.getBackend(), wasmPath));
  if (human.tf.engine() !== tf.engine()) throw new Error(`${HUMAN_PACKAGE} loaded a second copy of tfjs-core; it must resolve to the one @tensorflow/tfjs uses`);
  await human.load();
  // human logs a model that fails to load and carries on without it
  const list = human.models.list();
  const missing = NEEDED_MODELS.filter((m) => !list.some((l) => l.name === m && l.loaded && l.size > 0));
  if (missing.length > 0) throw new Error(`${HUMAN_PACKAGE}: model(s) ${missing.join(', ')} did not load from ${join(dir, 'models')}`);
  const kernels = human.models.validate();
  if (kernels.length > 0) throw new Error(`${HUMAN_PACKAGE}: the ${tf.getBackend()} backend lacks ops ${kernels.map((k) => `${k.name}: ${k.missing.join(' ')}`).join('; ')}`);
  loaded = human;
  return human;
}

/** `to` minus `from`, in pixels (x, y of mesh points). */
function diff(from: Vec3, to: Vec3): [number, number] {
  return [to[0] - from[0], to[1] - from[1]];
}

/** Gaze (iris offset along and across the corner line) and opening of one eye, all over the corner distance. */
function eyeColumns(mesh: readonly Vec3[], eye: (typeof EYES)['left' | 'right']): { x: number; y: number; open: number } {
  const a = mesh[eye.leftCorner] as Vec3;
  const b = mesh[eye.rightCorner] as Vec3;
  const [ux, uy] = diff(a, b);
  const w = Math.hypot(ux, uy);
  if (w === 0) return { x: 0, y: 0, open: 0 };
  const mid: Vec3 = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, 0];
  const [dx, dy] = diff(mid, mesh[eye.iris] as Vec3);
  // along: unit vector a → b; across: that vector turned 90° toward image bottom (y points down)
  const along = (dx * ux + dy * uy) / w;
  const across = (-dx * uy + dy * ux) / w;
  const [lx, ly] = diff(mesh[eye.upperLid] as Vec3, mesh[eye.lowerLid] as Vec3);
  return { x: along / w, y: across / w, open: Math.hypot(lx, ly) / w };
}

/** Features of one RGB24 frame: BlazeFace's most confident face with box and mesh score above minConfidence. */
export async function humanFrameFeatures(human: HumanInstance, rgb: Uint8Array, width: number, height: number, minConfidence: number): Promise<FrameFace> {
  const img = tf.tidy(() => tf.tensor3d(new Int32Array(rgb), [height, width, 3], 'int32'));
  let result: HumanResult;
  try {
    result = await human.detect(img, { face: { detector: { minConfidence } } });
  } finally {
    img.dispose();
  }
  if (result.error !== null && result.error !== undefined) throw new Error(`${HUMAN_PACKAGE}: ${result.error}`);
  const out = new Float32Array(HUMAN_VISUAL_DIM);
  const face = result.face[0];
  if (face === undefined) return { features: out, found: false, landmarks: null };
  const { mesh, meshRaw } = face;
  if (mesh.length !== MESH_POINTS) throw new Error(`${HUMAN_PACKAGE} returned ${mesh.length} mesh points (expected ${MESH_POINTS} with the iris model)`);
  const angle = face.rotation?.angle;
  if (angle === undefined) throw new Error(`${HUMAN_PACKAGE} returned a face without rotation angles`);
  const expressions = Object.fromEntries(EXPRESSIONS.map((e) => [e, 0])) as Record<Expression, number>;
  for (const { emotion, score } of face.emotion ?? []) {
    const name = EXPRESSION_NAMES[emotion];
    if (name === undefined) throw new Error(`${HUMAN_PACKAGE} returned an unknown expression class "${emotion}"`);
    expressions[name] = score;
  }
  const [bx, by, bw, bh] = face.boxRaw;
  const landmarks: Point[] = MESH68.map((k) => ({ x: (mesh[k] as Vec3)[0], y: (mesh[k] as Vec3)[1] }));
  writeSharedColumns(out, { score: face.boxScore, box: { x: bx * width, y: by * height, width: bw * width, height: bh * height }, pose: { yaw: -angle.yaw, pitch: angle.pitch, roll: -angle.roll }, landmarks, expressions }, width, height);
  const left = eyeColumns(mesh, EYES.left);
  const right = eyeColumns(mesh, EYES.right);
  out.set([face.faceScore, left.x, left.y, right.x, right.y, left.open, right.open], SHARED_VISUAL_DIM);
  MESH68.forEach((k, i) => {
    out[SHARED_VISUAL_DIM + EXTRA_COLUMNS.length + i] = (meshRaw[k] as Vec3)[2];
  });
  return { features: out, found: true, landmarks };
}
