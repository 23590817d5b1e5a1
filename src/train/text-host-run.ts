// The text host alone (no audio, no visual): the row the main job must be compared with. The
// same host MIRD's WSA injects into, the same data source and split, the same seed rule; the
// host's shipped recipe (the text-backbone comparison's MOSI fine-tuning: upper layers + the
// MOSEI-stage head, AdamW lr 5e-4, 5 epochs, batch 32, dropout 0.1, epoch selected on valid
// MAE, test scored once). Written as a run folder like MIRD's (config.json, log.jsonl,
// metrics.json, predictions.csv), without a checkpoint.
import { openSource } from '../data/sources';
import type { Clip, SplitName } from '../data/types';
import { SPLIT_NAMES } from '../data/types';
import { assertBackboneHasNotRead } from '../text/provenance';
import type { PreparedSplit } from '../text/finetune';
import { UseLite, USE_LITE_WIDTH } from '../text/use-lite';
import { readUseLiteUpper, upperFromValues, type FrozenStates } from '../text/use-lite-regressor';
import { useLiteCacheDir, useLiteStatesOf } from '../text/use-lite-states';
import { backendInfo } from '../backend';
import { runInfo, type RunInfo } from '../util/files';
import { metricRecord, RunDir, type MetricRecord } from './records';
import { DEFAULT_FINETUNE, trainSentenceRegressor } from './sentence-regressor';
import { checkDataset, checkVideoContext, resolveTextCheckpoint } from './setup';
import { videoContextPredictions } from '../eval/video-context';

export const TEXT_HOST_RUN_FORMAT = 'mird-text-host-run/1';

export interface TextHostSpec {
  data: string;
  textCheckpoint: string;
  seed: number;
  /** video context on the valid and test predictions (train config videoContext; default 0 = off) */
  videoContext?: number;
}

export interface TextHostRecord {
  format: typeof TEXT_HOST_RUN_FORMAT;
  spec: TextHostSpec;
  recipe: { epochs: number; lr: number; batchSize: number; dropout: number; weightDecay: number; headInit: string; videoContext: number };
  notes: string[];
  run: RunInfo;
}

export interface TextHostOutcome {
  dir: string | null;
  bestEpoch: number;
  epochs: number;
  valid: MetricRecord;
  test: MetricRecord;
  seconds: number;
}

/** Trains and scores the USE-lite text host alone on `spec.data` (its transcripts and labels). */
export async function runTextHost(spec: TextHostSpec, out: string | null, command = 'mird train --model text-host'): Promise<TextHostOutcome> {
  const { kind, dir } = resolveTextCheckpoint(spec.textCheckpoint);
  if (kind !== 'use-lite' || dir === null) throw new Error(`--model text-host: needs a USE-lite text checkpoint (e.g. use-lite-mosei), got ${spec.textCheckpoint}`);
  const ds = openSource(spec.data);
  for (const s of SPLIT_NAMES) {
    if (ds.splits[s].length === 0) throw new Error(`${ds.name}: the ${s} split is empty`);
  }
  checkDataset(ds, { textOnly: true });
  const videoContext = spec.videoContext ?? 0;
  checkVideoContext(ds, videoContext);
  const check = assertBackboneHasNotRead(dir, ds, { purpose: 'training or evaluating the text host' });
  const saved = readUseLiteUpper(dir);
  const run = out === null ? null : RunDir.create(out);
  const recipe = { epochs: DEFAULT_FINETUNE.epochs, lr: DEFAULT_FINETUNE.lr, batchSize: DEFAULT_FINETUNE.batchSize, dropout: DEFAULT_FINETUNE.dropout, weightDecay: DEFAULT_FINETUNE.weightDecay, headInit: `the regression head saved with ${spec.textCheckpoint}`, videoContext };
  const notes = [...ds.notes, ...check.warnings.map((w) => `LEAK GUARD warning: ${w}`), ...check.notes, 'text only: audio and visual features are not read'];
  if (run !== null) {
    const record: TextHostRecord = { format: TEXT_HOST_RUN_FORMAT, spec, recipe, notes, run: runInfo(command, backendInfo()) };
    run.writeJson('config.json', record);
  }
  const use = await UseLite.load();
  let data: Record<SplitName, PreparedSplit<FrozenStates>>;
  try {
    const all = SPLIT_NAMES.flatMap((s) => ds.splits[s]);
    const states = await useLiteStatesOf(use, all.map((c) => c.text), useLiteCacheDir(), 'USE-lite states');
    const split = (clips: Clip[]): PreparedSplit<FrozenStates> => ({
      rows: clips.map((c) => {
        const s = states.get(c.text);
        if (s === undefined) throw new Error(`USE-lite states: clip ${c.id} was not encoded`);
        if (s.states.length !== s.pieces.length * USE_LITE_WIDTH) throw new Error(`USE-lite states: clip ${c.id} has mis-sized states`);
        return { states: s.states, length: s.pieces.length };
      }),
      labels: Float32Array.from(clips.map((c) => c.label as number)),
    });
    data = { train: split(ds.splits.train), valid: split(ds.splits.valid), test: split(ds.splits.test) };
  } finally {
    use.dispose();
  }
  const upper = upperFromValues(saved, spec.seed);
  const t0 = Date.now();
  // seconds per epoch, as mird train's log has them (finishedResult sums them for the run's time)
  const log: Array<{ epoch: number; seconds: number; trainLoss: number; valid: MetricRecord }> = [];
  let epochStart = t0;
  try {
    const r = trainSentenceRegressor(upper, data, {
      seed: spec.seed, epochs: recipe.epochs, batchSize: recipe.batchSize, lr: recipe.lr, dropout: recipe.dropout, weightDecay: recipe.weightDecay,
      headInit: saved.head, label: `text-host s${spec.seed}`,
      ...(videoContext === 0 ? {} : { adjustPredictions: (s: 'valid' | 'test', p: Float32Array) => videoContextPredictions(ds.splits[s].map((c) => c.videoId), p, videoContext) }),
      onEpoch: (e) => {
        const now = Date.now();
        log.push({ epoch: e.epoch, seconds: (now - epochStart) / 1000, trainLoss: e.trainLoss, valid: metricRecord(e.valid) });
        epochStart = now;
        run?.writeJson('state.json', { completedEpochs: e.epoch, status: 'running' });
      },
    });
    if (r.test === null || r.testPredictions === null) throw new Error('text host: the test split was not scored');
    const outcome: TextHostOutcome = { dir: out, bestEpoch: r.bestEpoch, epochs: log.length, valid: metricRecord(r.valid), test: metricRecord(r.test), seconds: (Date.now() - t0) / 1000 };
    if (run !== null) {
      run.writeJson('metrics.json', { valid: outcome.valid, test: outcome.test });
      run.writePredictions(ds.splits.test.map((c) => c.id), data.test.labels, r.testPredictions);
      run.writeLog(log);
      run.writeJson('state.json', { completedEpochs: log.length, bestEpoch: r.bestEpoch, status: 'finished' });
    }
    return outcome;
  } finally {
    upper.dispose();
  }
}
