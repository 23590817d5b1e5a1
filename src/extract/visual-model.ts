// The two visual extractors behind one interface, chosen by name (`mird extract --visual-model`):
// columns, meanings, package and version for the dataset manifest, and a loaded frame extractor.
// human (src/extract/visual-human.ts, the default) writes 226 columns, face-api
// (src/extract/visual.ts) 151; the first 151 are the same in both (src/extract/visual-shared.ts).
import { faceApiVersion, FACE_API_PACKAGE, frameFeatures, loadFaceApi, visualColumnMeanings, visualColumns } from './visual';
import { HUMAN_PACKAGE, humanFrameFeatures, humanVersion, humanVisualColumnMeanings, humanVisualColumns, loadHuman } from './visual-human';
import { parseVisualModel, VISUAL_MODELS, type FrameFace, type VisualModel } from './visual-shared';

export { DEFAULT_VISUAL_MODEL, parseVisualModel, VISUAL_MODELS, type VisualModel } from './visual-shared';

export interface VisualExtractor {
  model: VisualModel;
  /** columns per frame */
  dim: number;
  /** features of one RGB24 frame: the most confident face with a score above minConfidence */
  frame(rgb: Uint8Array, width: number, height: number, minConfidence: number): Promise<FrameFace>;
}

/** What each model contributes: its columns, their meanings, its package and a frame extractor. */
interface ModelEntry {
  columns(): string[];
  meanings(): Record<string, string>;
  packageName: string;
  version(): string;
  load(): Promise<VisualExtractor['frame']>;
}

const MODELS: Readonly<Record<VisualModel, ModelEntry>> = {
  human: {
    columns: humanVisualColumns,
    meanings: humanVisualColumnMeanings,
    packageName: HUMAN_PACKAGE,
    version: humanVersion,
    load: async () => {
      const human = await loadHuman();
      return (rgb, w, h, c) => humanFrameFeatures(human, rgb, w, h, c);
    },
  },
  'face-api': {
    columns: visualColumns,
    meanings: visualColumnMeanings,
    packageName: FACE_API_PACKAGE,
    version: faceApiVersion,
    load: async () => {
      const api = await loadFaceApi();
      return (rgb, w, h, c) => frameFeatures(api, rgb, w, h, c);
    },
  },
};

/** The entry of a model named in a config (an unknown name is an error naming the valid ones). */
const entry = (model: VisualModel): ModelEntry => MODELS[parseVisualModel(model, 'config.visualModel')];

/** The model's column names, in row order. */
export function visualModelColumns(model: VisualModel): string[] {
  return entry(model).columns();
}

export function visualModelMeanings(model: VisualModel): Record<string, string> {
  return entry(model).meanings();
}

/** The npm package that implements the model. */
export function visualModelPackage(model: VisualModel): string {
  return entry(model).packageName;
}

/** The installed version of that package. */
export function visualModelVersion(model: VisualModel): string {
  return entry(model).version();
}

/** The package name of every model (the manifest's versions record each one, null when unused). */
export function visualModelPackages(): string[] {
  return VISUAL_MODELS.map(visualModelPackage);
}

/** Loads the model's networks (once per process) and returns its frame extractor. */
export async function loadVisualExtractor(model: VisualModel): Promise<VisualExtractor> {
  const e = entry(model);
  return { model, dim: e.columns().length, frame: await e.load() };
}
