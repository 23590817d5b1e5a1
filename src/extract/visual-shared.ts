// What the two frame-level visual extractors share: the model names `mird extract --visual-model`
// accepts, and the first 151 columns, which both write with the same names, order and meaning
// wherever the meaning is the same:
//   face_confidence                      the detector's score; 0 = no face (then the whole row is 0)
//   box_x, box_y, box_w, box_h           the face box as fractions of the frame width / height
//   pose_yaw, pose_pitch, pose_roll      radians: yaw > 0 nose toward image right, pitch > 0 nose
//                                        down, roll > 0 counter-clockwise in the image
//   lm<i>_x, lm<i>_y (i = 0..67)         68 iBUG-scheme landmarks relative to the face box
//   expr_neutral … expr_surprised        7 expression probabilities, in EXPRESSIONS order
// src/extract/visual.ts (@vladmandic/face-api) writes exactly these 151 columns;
// src/extract/visual-human.ts (@vladmandic/human) writes them and 75 more after them. So column
// k < 151 means the same thing in either dataset (display helpers and notebooks index by it), and
// what differs between the two models (detector, box definition, landmark source, pose method)
// is spelled out in each model's column meanings, which the dataset manifest records.

export type VisualModel = 'human' | 'face-api';
export const VISUAL_MODELS: readonly VisualModel[] = ['human', 'face-api'];
/** human: ~5× faster than face-api on one wasm core, and a 478-point mesh, gaze and eye opening besides */
export const DEFAULT_VISUAL_MODEL: VisualModel = 'human';

/** The model named by `text`, or an error naming the valid values. */
export function parseVisualModel(text: string, flag = '--visual-model'): VisualModel {
  if ((VISUAL_MODELS as readonly string[]).includes(text)) return text as VisualModel;
  throw new Error(`${flag} ${text}: unknown visual model (valid: ${VISUAL_MODELS.join(', ')})`);
}

/** face-api's expression names and order (the human extractor maps its class names onto them). */
export const EXPRESSIONS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
export type Expression = (typeof EXPRESSIONS)[number];
export const LANDMARKS = 68;
/** columns 0..150: confidence, box, pose, 68 landmarks (x, y), 7 expressions */
export const SHARED_VISUAL_DIM = 1 + 4 + 3 + 2 * LANDMARKS + EXPRESSIONS.length; // 151
/** index of the first landmark column (lm0_x); lm<i>_x is at LANDMARK_COLUMN + 2i, lm<i>_y after it */
export const LANDMARK_COLUMN = 8;
/** index of expr_<EXPRESSIONS[0]> */
export const EXPRESSION_COLUMN = LANDMARK_COLUMN + 2 * LANDMARKS;

export function sharedVisualColumns(): string[] {
  const lm: string[] = [];
  for (let i = 0; i < LANDMARKS; i++) lm.push(`lm${i}_x`, `lm${i}_y`);
  return ['face_confidence', 'box_x', 'box_y', 'box_w', 'box_h', 'pose_yaw', 'pose_pitch', 'pose_roll', ...lm, ...EXPRESSIONS.map((e) => `expr_${e}`)];
}

/** The model-specific parts of the shared columns' meanings; the common wording is added here. */
export function sharedVisualMeanings(parts: { confidence: string; box: string; pose: string; landmarks: string; expressions: string }): Record<string, string> {
  return {
    face_confidence: `${parts.confidence}; 0 when no face was found (all other columns then 0)`,
    'box_x, box_y, box_w, box_h': `face box: left, top, width, height as fractions of the frame width / height; ${parts.box}`,
    'pose_yaw, pose_pitch, pose_roll': `head pose in radians, yaw > 0 nose toward image right, pitch > 0 nose down, roll > 0 counter-clockwise in the image; ${parts.pose}`,
    'lm<i>_x, lm<i>_y': `68 landmarks in the iBUG scheme (0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes, 48-67 mouth) relative to the face box: (x - box left) / box width, (y - box top) / box height; ${parts.landmarks}`,
    'expr_<name>': `probabilities of ${EXPRESSIONS.join(', ')}; ${parts.expressions}`,
  };
}

export interface Point {
  x: number;
  y: number;
}

/** A face box in pixels. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FrameFace {
  /** the model's columns (all zero when no face) */
  features: Float32Array;
  found: boolean;
  /** the 68 landmarks in pixels, for drawing; null when no face */
  landmarks: Point[] | null;
}

/**
 * Writes columns 0..150 of one face into `out` (the model's row): score, the box as fractions of
 * the frame, the pose, the 68 landmarks relative to the box, the expression probabilities.
 */
export function writeSharedColumns(out: Float32Array, face: { score: number; box: PixelBox; pose: { yaw: number; pitch: number; roll: number }; landmarks: readonly Point[]; expressions: Readonly<Record<Expression, number>> }, width: number, height: number): void {
  const { box } = face;
  if (face.landmarks.length !== LANDMARKS) throw new Error(`${face.landmarks.length} landmarks (expected ${LANDMARKS})`);
  out[0] = face.score;
  out[1] = box.x / width;
  out[2] = box.y / height;
  out[3] = box.width / width;
  out[4] = box.height / height;
  out[5] = face.pose.yaw;
  out[6] = face.pose.pitch;
  out[7] = face.pose.roll;
  face.landmarks.forEach((p, i) => {
    out[LANDMARK_COLUMN + 2 * i] = (p.x - box.x) / box.width;
    out[LANDMARK_COLUMN + 1 + 2 * i] = (p.y - box.y) / box.height;
  });
  EXPRESSIONS.forEach((e, k) => {
    out[EXPRESSION_COLUMN + k] = face.expressions[e];
  });
}
