// The two visual extractors behind one interface, chosen by name (`mird extract --visual-model`):
// columns, meanings, package and version for the dataset manifest, and a loaded frame extractor.
// human (src/extract/visual-human.ts, the default) writes 226 columns, face-api
// (src/extract/visual.ts) 151; the first 151 are the same in both (src/extract/visual-shared.ts).
import { faceApiVersion, FACE_API_PACKAGE, frameFeatures, loadFaceApi, visualColumnMeanings, visualColumns } from './visual';
import { HUMAN_PACKAGE, humanFrameFeatures, humanVersion, humanVisualColumnMeanings, humanVisualColumns, loadHuman } from './visual-human';
import { parseVisualModel, VISUAL_MODELS, type FrameFace, type VisualModel } from './visual-shared';

export { DEFAULT_VISUAL_MODEL, parseVisualModel, VISUAL_MODELS, type VisualModel } from './visual-shared';

/** The model's column names, in row order. */
export function visualModelColumns(model: VisualModel): string[] {
  return parseVisualModel(model, 'config.visualModel') === 'human' ? humanVisualColumns() : visualColumns();
}

export function visualModelMeanings(model: VisualModel): Record<string, string> {
  return parseVisualModel(model, 'config.visualModel') === 'human' ? humanVisualColumnMeanings() : visualColumnMeanings();
}

/** The npm package that implements the model. */
export function visualModelPackage(model: VisualModel): string {
  return parseVisualModel(model, 'config.visualModel') === 'human' ? HUMAN_PACKAGE : FACE_API_PACKAGE;
}

/** The installed version of that package. */
export function visualModelVersion(model: VisualModel): string {
  return parseVisualModel(model, 'config.visualModel') === 'human' ? humanVersion() : faceApiVersion();
}

/** The package name of every model (the manifest's versions record each one, null when unused). */
export function visualModelPackages(): string[] {
  return VISUAL_MODELS.map(visualModelPackage);
}

export interface VisualExtractor {
  model: VisualModel;
  /** columns per frame */
  dim: number;
  /** features of one RGB24 frame: the most confident face with a score above minConfidence */
  frame(rgb: Uint8Array, width: number, height: number, minConfidence: number): Promise<FrameFace>;
}

/** Loads the model's networks (once per process) and returns its frame extractor. */
export async function loadVisualExtractor(model: VisualModel): Promise<VisualExtractor> {
  if (parseVisualModel(model, 'config.visualModel') === 'human') {
    const human = await loadHuman();
    return { model, dim: humanVisualColumns().length, frame: (rgb, w, h, c) => humanFrameFeatures(human, rgb, w, h, c) };
  }
  const api = await loadFaceApi();
  return { model, dim: visualColumns().length, frame: (rgb, w, h, c) => frameFeatures(api, rgb, w, h, c) };
}
