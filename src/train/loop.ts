// The training loop of MIRD and of the Table 1 baselines: one step per batch of every epoch
// (Algorithm 1 for MIRD, src/train/step.ts; one forward and the model's own loss for a baseline,
// src/train/baseline-step.ts), model selection on valid, early stopping, run records, resume, and
// one final test evaluation. The loop itself is `trainLoop` at the bottom; `EpochTrainer` holds
// what every system shares (optimiser, the selected weights, the log, checkpoints), `Trainer`
// adds MIRD's estimators and step, `BaselineTrainer` a baseline's step.
//
// Determinism: the run seed derives every stream. Batch order and unlabeled mixing are a pure
// function of (seed, epoch) (src/data/batching.ts); dropout is re-seeded at the start of every
// epoch from (seed, epoch); model and estimator initialisers from the seed. A run resumed after
// a kill restarts the interrupted epoch from the state saved at the end of the previous one, so
// it ends with the same weights and metrics as an uninterrupted run on the same backend. (With
// the default CLUB estimators; CLUBSample, MINE and NWJ draw their own permutations from a
// stream that a new process restarts, so with those a resumed run is close but not identical.)
import * as tf from '@tensorflow/tfjs';
import { disposeBatch, epochBatches, makeBatch, type BatchOptions } from '../data/batching';
import type { Batch, Clip, Dataset, SplitName, TextTokenizer } from '../data/types';
import { regressionMetrics, type RegressionMetrics } from '../eval/metrics';
import { videoContextPredictions } from '../eval/video-context';
import { isBaselineModel, type BaselineModel } from '../model/baselines/types';
import type { MirdModel } from '../model/mird';
import { NamedAdamW } from '../nn/adamw';
import { assignValues, variableValues } from '../nn/dense';
import { Progress } from '../util/progress';
import { deriveSeed } from '../util/rng';
import { readCheckpoint, readStateArrays, restoreOptimizer, restoreParams, writeCheckpoint } from './checkpoint';
import type { ModelTrainingState } from '../model/baselines/types';
import { baselineStep, type BaselineStepContext } from './baseline-step';
import { WeightAverage } from './ema';
import type { GenericTrainConfig, SelectBy, TrainConfig } from './config';
import type { MiTerms } from './mi-terms';
import { metricRecord, type EpochLog, type MetricRecord, type RunDir, type RunState } from './records';
import { warmupLinearDecay } from './schedule';
import { trainStep, type StepContext, type StepReport } from './step';

/** A dataset ready for batching: normalised features, the host's tokenizer, batch options. */
export interface PreparedData {
  dataset: Dataset;
  tokenizer: TextTokenizer;
  batchOptions: BatchOptions;
  /** token ids the language reconstruction never counts ([CLS], [SEP] for WordPiece hosts) */
  ignoreTokenIds: number[];
}

export interface TrainerOptions {
  /** where records and checkpoints go; null keeps everything in memory (notebooks, tests) */
  run: RunDir | null;
  /** string metadata stored in every checkpoint (configs, normalisation stats, host) */
  checkpointMetadata: Record<string, string>;
  /** progress-bar label */
  label?: string;
  onEpoch?: (e: EpochLog) => void;
  /** return after this many epochs in this call, as if killed (resume tests) */
  stopAfterEpochs?: number;
  /** called after every training step with the global step (tests: a throw here is a kill mid-epoch) */
  onStep?: (step: number, report: StepReport) => void;
}

export interface SplitPredictions {
  ids: string[];
  labels: Float32Array;
  predictions: Float32Array;
  metrics: RegressionMetrics;
}

export interface TrainResult {
  log: EpochLog[];
  bestEpoch: number;
  valid: MetricRecord;
  test: MetricRecord;
  /** null when the result was read back from a finished run folder */
  testPredictions: SplitPredictions | null;
  /** true when patience ended the run before maxEpochs */
  stoppedEarly: boolean;
  seconds: number;
}

/** Any system the loop trains: MIRD, or a Table 1 baseline (src/model/baselines/). */
export type TrainedModel = MirdModel | BaselineModel;

/**
 * ŷ for clips in evaluation mode (no dropout, no decoders), `batchSize` clips per forward; with
 * `videoContext` w > 0, each ŷ then plus w × the mean ŷ of the other clips of its video among
 * `clips` (src/eval/video-context.ts).
 */
export function predictClips(model: TrainedModel, clips: readonly Clip[], data: Pick<PreparedData, 'tokenizer' | 'batchOptions'>, batchSize: number, videoContext = 0): Float32Array {
  const out = new Float32Array(clips.length);
  for (let i = 0; i < clips.length; i += batchSize) {
    // as the unlabeled part of a batch: a prediction needs no label
    const batch = makeBatch([], clips.slice(i, i + batchSize), data.tokenizer, data.batchOptions);
    try {
      if (isBaselineModel(model)) {
        const o = model.forward(batch, { training: false });
        out.set(o.yHat.dataSync() as Float32Array, i);
        tf.dispose([o.yHat, ...Object.values(o.latents)]);
      } else {
        const o = model.forward(batch, { training: false, decode: false });
        out.set(o.yHat.dataSync() as Float32Array, i); // predictions are needed on the host
        tf.dispose([o.zText, o.zAudio, o.zVisual, o.zShared, o.yHat]);
      }
    } finally {
      disposeBatch(batch);
    }
  }
  return videoContext === 0 ? out : videoContextPredictions(clips.map((c) => c.videoId), out, videoContext);
}

/** Predictions and metrics of labeled clips. */
export function evaluateClips(model: TrainedModel, clips: readonly Clip[], data: Pick<PreparedData, 'tokenizer' | 'batchOptions'>, batchSize: number, what: string, videoContext = 0): SplitPredictions {
  const labels = Float32Array.from(clips.map((c) => {
    if (c.label === null) throw new Error(`${what}: clip ${c.id} has no label`);
    return c.label;
  }));
  const predictions = predictClips(model, clips, data, batchSize, videoContext);
  return { ids: clips.map((c) => c.id), labels, predictions, metrics: regressionMetrics(predictions, labels) };
}

/** Higher is better for every score: MAE enters negated. */
function score(m: RegressionMetrics, by: SelectBy): number {
  if (by === 'mae') return -m.mae;
  if (by === 'acc2_non0') return m.acc2Non0;
  return m.corr;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** What the loop needs of a model besides its forward: its variables under stable names, and its dropout stream. */
export interface TrainableModel {
  namedVariables(): Map<string, tf.Variable>;
  setDropoutSeed(seed: number): void;
  /**
   * Optional: state the model keeps outside its variables and changes while training (Self-MM's
   * generated unimodal labels), saved in the resume checkpoint (`state.<name>` arrays and a
   * `modelState` metadata field) and restored by resume, so a resumed run continues it.
   */
  trainingState?(): ModelTrainingState;
  restoreTrainingState?(state: ModelTrainingState): void;
}

/**
 * The loop's state and operations for any system (MIRD: `Trainer`; a Table 1 baseline:
 * `BaselineTrainer`): the model optimiser, valid-only selection, patience, run records,
 * checkpoints (`model.` variables and moments; `est.` for MIRD's estimators), resume and the
 * final test evaluation. Subclasses supply one epoch of steps and the learning rates.
 */
export abstract class EpochTrainer<M extends TrainedModel, C extends GenericTrainConfig> {
  readonly modelParams: Map<string, tf.Variable>;
  readonly hostParams: Set<string>;
  readonly modelOptimizer: NamedAdamW;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** the weights' moving average (emaDecay > 0): what is evaluated, selected and saved as best */
  readonly average: WeightAverage | null;
  state: RunState = { completedEpochs: 0, globalStep: 0, bestEpoch: null, bestScore: null, epochsWithoutImprovement: 0, status: 'running' };
  /** the state as of the last completed epoch (what state.json holds; a failure mid-epoch reverts to it) */
  private committed: RunState = { ...this.state };
  log: EpochLog[] = [];
  private best: Map<string, Float32Array> | null = null;
  private readonly t0 = Date.now();

  constructor(
    readonly model: M,
    readonly data: PreparedData,
    readonly config: C,
    readonly seed: number,
    readonly options: TrainerOptions,
    /** MIRD's estimators' optimiser (its params are checkpointed under `est.`); null for systems without one */
    readonly estimatorOptimizer: NamedAdamW | null,
  ) {
    const c = config;
    this.modelParams = model.namedVariables();
    this.hostParams = new Set([...this.modelParams.keys()].filter((k) => k.startsWith('host/')));
    this.modelOptimizer = new NamedAdamW(this.modelParams, { weightDecay: c.weightDecay, eps: 1e-6 });
    this.stepsPerEpoch = Math.ceil(data.dataset.splits.train.length / c.batchSize);
    this.totalSteps = this.stepsPerEpoch * c.maxEpochs;
    this.average = c.emaDecay > 0 ? new WeightAverage(this.modelParams, c.emaDecay) : null;
  }

  /** Every split non-empty: the checks a trainer runs before it allocates anything. */
  protected static checkSplits(data: PreparedData): void {
    const ds = data.dataset;
    for (const s of ['train', 'valid', 'test'] as SplitName[]) if (ds.splits[s].length === 0) throw new Error(`train: the ${s} split of ${ds.name} is empty`);
  }

  /** Rates at a global step (after the schedule); `estimatorLr` only where there are estimators. */
  abstract rates(step: number): { lr: number; hostLr: number; estimatorLr?: number };

  /** One training step on a batch at global step `step` (Algorithm 1, or a baseline's step). */
  protected abstract trainOn(batch: Batch, step: number): StepReport;
  /** Unlabeled clips per labeled clip in the epoch's batches, and their pool. */
  protected abstract unlabeledMix(): { splitRate: number; unlabeled: readonly Clip[] };

  /** One epoch of training steps (batch order and dropout seeds a pure function of seed and epoch); returns their reports. */
  runEpoch(epoch: number, progress: Progress | null): StepReport[] {
    this.model.setDropoutSeed(deriveSeed(this.seed, `train/dropout/epoch/${epoch}`));
    const reports: StepReport[] = [];
    const mix = this.unlabeledMix();
    const batches = epochBatches(this.data.dataset.splits.train, this.data.tokenizer, {
      ...this.data.batchOptions, batchSize: this.config.batchSize, seed: this.seed, epoch, shuffle: true, splitRate: mix.splitRate, unlabeled: [...mix.unlabeled],
    });
    for (const batch of batches) {
      try {
        const step = this.state.globalStep + 1;
        const r = this.trainOn(batch, step);
        this.average?.update();
        this.state.globalStep = step;
        reports.push(r);
        this.options.onStep?.(step, r);
        progress?.tick(1, `epoch ${epoch + 1} loss ${(r.terms.total as number).toFixed(3)}`);
      } finally {
        disposeBatch(batch);
      }
    }
    return reports;
  }

  /** The scheduled model rates: linear warm-up, then linear decay to 0 at the last step. */
  protected modelRates(step: number): { lr: number; hostLr: number } {
    const f = warmupLinearDecay(step, this.totalSteps, this.config.warmupFraction);
    return { lr: this.config.lr * f, hostLr: this.config.hostLr * f };
  }

  evaluate(split: SplitName): SplitPredictions {
    return evaluateClips(this.model, this.data.dataset.splits[split], this.data, this.config.evalBatchSize, `train, ${split} split`, this.config.videoContext);
  }

  /** The scores selection reads at the end of an epoch: of the weights' average when there is one, else of the weights. */
  evaluateForSelection(split: SplitName): SplitPredictions {
    return this.average === null ? this.evaluate(split) : this.average.withAverage(() => this.evaluate(split));
  }

  /** The weights selection keeps: the average when there is one. */
  private selectable(): ReadonlyMap<string, tf.Variable> {
    return this.average?.vars ?? this.modelParams;
  }

  /** Log line, selection, records and resume state at the end of an epoch (0-based `epoch`). */
  endEpoch(epoch: number, reports: StepReport[], seconds: number, valid: RegressionMetrics): EpochLog {
    const c = this.config;
    const s = score(valid, c.selectBy);
    const selected = this.state.bestScore === null || s > this.state.bestScore;
    const termNames = Object.keys(reports[0]?.terms ?? {});
    const train: Record<string, number> = {};
    const mi: Record<string, number> = {};
    for (const n of termNames) {
      const m = mean(reports.map((r) => r.terms[n] as number));
      if (n.startsWith('mi:')) mi[n.slice(3)] = m;
      else train[n] = m;
    }
    const est = reports.filter((r) => r.estimatorLoss.length > 0);
    const rates = this.rates(this.state.globalStep);
    const line: EpochLog = {
      epoch: epoch + 1,
      steps: reports.length,
      seconds,
      lr: { model: rates.lr, host: rates.hostLr, ...(rates.estimatorLr === undefined ? {} : { estimator: rates.estimatorLr }) },
      train,
      mi,
      miSum: Object.keys(mi).length === 0 ? null : Object.values(mi).reduce((a, b) => a + b, 0),
      estimatorLoss: est.length === 0 ? null : { first: mean(est.map((r) => r.estimatorLoss[0] as number)), last: mean(est.map((r) => r.estimatorLoss[r.estimatorLoss.length - 1] as number)) },
      gradNorm: mean(reports.map((r) => r.gradNorm)),
      valid: metricRecord(valid),
      score: s,
      selected,
    };
    this.log.push(line);
    this.state.completedEpochs = epoch + 1;
    if (selected) {
      this.state.bestEpoch = epoch + 1;
      this.state.bestScore = s;
      this.state.epochsWithoutImprovement = 0;
      this.best = variableValues(this.selectable());
    } else {
      this.state.epochsWithoutImprovement += 1;
    }
    const run = this.options.run;
    if (run !== null) {
      // commit order: resume state first (last.safetensors, log, state.json), then best — a kill
      // in between is repaired on resume from last.safetensors, which holds the same weights
      this.writeResumeCheckpoint(run.path('last.safetensors'));
      run.writeLog(this.log);
      run.writeJson('state.json', this.state);
    }
    this.committed = { ...this.state };
    if (run !== null && selected) this.writeBestCheckpoint(run.path('best.safetensors'));
    this.options.onEpoch?.(line);
    return line;
  }

  shouldStop(): boolean {
    const p = this.config.patience;
    return p > 0 && this.state.epochsWithoutImprovement >= p;
  }

  private metadata(extra: Record<string, string>): Record<string, string> {
    return { ...this.options.checkpointMetadata, ...extra };
  }

  writeBestCheckpoint(path: string): void {
    writeCheckpoint(path, { params: [{ prefix: 'model.', vars: this.selectable() }], metadata: this.metadata({ epoch: String(this.state.bestEpoch) }) });
  }

  private writeResumeCheckpoint(path: string): void {
    const est = this.estimatorOptimizer;
    const st = (this.model as TrainableModel).trainingState?.();
    writeCheckpoint(path, {
      params: [
        { prefix: 'model.', vars: this.modelParams },
        ...(est === null ? [] : [{ prefix: 'est.', vars: est.params }]),
        ...(this.average === null ? [] : [{ prefix: 'ema.', vars: this.average.vars }]),
      ],
      optimizers: [{ prefix: 'model.', optimizer: this.modelOptimizer }, ...(est === null ? [] : [{ prefix: 'est.', optimizer: est }])],
      ...(st === undefined ? {} : { arrays: { prefix: 'state.', arrays: st.arrays } }),
      metadata: this.metadata({ epoch: String(this.state.completedEpochs), ...(st === undefined ? {} : { modelState: JSON.stringify(st.meta) }) }),
    });
  }

  /** Continues a run from its folder's state; returns false when there is nothing to resume. */
  resume(): boolean {
    const run = this.options.run;
    if (run === null || !run.has('state.json')) return false;
    const state = run.readJson<RunState>('state.json');
    if (state.completedEpochs === 0) return false;
    const last = readCheckpoint(run.path('last.safetensors'));
    if (last.metadata.epoch !== String(state.completedEpochs)) {
      throw new Error(`${run.path('last.safetensors')}: holds epoch ${last.metadata.epoch}, but state.json says ${state.completedEpochs} epochs were completed`);
    }
    restoreParams(last, 'model.', this.modelParams);
    restoreOptimizer(last, 'model.', this.modelOptimizer);
    if (this.average !== null) restoreParams(last, 'ema.', this.average.vars);
    const withState = this.model as TrainableModel;
    if (withState.restoreTrainingState !== undefined) {
      const meta = last.metadata.modelState;
      if (meta === undefined) throw new Error(`${last.path}: no modelState (the model keeps training state that this checkpoint lacks)`);
      withState.restoreTrainingState({ arrays: readStateArrays(last, 'state.'), meta: JSON.parse(meta) as Record<string, unknown> });
    }
    if (this.estimatorOptimizer !== null) {
      restoreParams(last, 'est.', this.estimatorOptimizer.params);
      restoreOptimizer(last, 'est.', this.estimatorOptimizer);
    }
    this.state = { ...state, status: 'running' };
    delete this.state.error;
    this.committed = { ...this.state };
    this.log = run.readLog().slice(0, state.completedEpochs);
    if (this.log.length !== state.completedEpochs) throw new Error(`${run.path('log.jsonl')}: ${this.log.length} epochs logged, state.json says ${state.completedEpochs}`);
    const now = variableValues(this.modelParams);
    if (state.bestEpoch === state.completedEpochs) {
      this.best = this.average === null ? now : variableValues(this.average.vars); // the last completed epoch is the selected one: its weights are these
      this.writeBestCheckpoint(run.path('best.safetensors'));
    } else {
      const best = readCheckpoint(run.path('best.safetensors'));
      if (best.metadata.epoch !== String(state.bestEpoch)) throw new Error(`${best.path}: holds epoch ${best.metadata.epoch}, state.json selected ${state.bestEpoch}`);
      restoreParams(best, 'model.', this.modelParams);
      this.best = variableValues(this.modelParams);
      assignValues(this.modelParams, now, 'resume');
    }
    return true;
  }

  /** Selected weights → test scored once → metrics and predictions. */
  finish(stoppedEarly: boolean): TrainResult {
    if (this.best === null || this.state.bestEpoch === null) throw new Error('train: no epoch was completed');
    assignValues(this.modelParams, this.best, 'train (selected epoch)');
    const valid = this.evaluate('valid');
    const test = this.evaluate('test');
    const bestLine = this.log[this.state.bestEpoch - 1] as EpochLog;
    const result: TrainResult = {
      log: this.log, bestEpoch: this.state.bestEpoch, valid: metricRecord(valid.metrics), test: metricRecord(test.metrics),
      testPredictions: test, stoppedEarly, seconds: (Date.now() - this.t0) / 1000,
    };
    if (Math.abs(bestLine.valid.mae - result.valid.mae) > 1e-6) {
      throw new Error(`train: the restored weights give valid MAE ${result.valid.mae}, but epoch ${this.state.bestEpoch} logged ${bestLine.valid.mae}`);
    }
    this.state.status = 'finished';
    const run = this.options.run;
    if (run !== null) {
      run.writeJson('metrics.json', { valid: result.valid, test: result.test });
      run.writePredictions(test.ids, test.labels, test.predictions);
      run.writeJson('state.json', this.state);
    }
    return result;
  }

  /** Marks the run failed (state.json: the last completed epoch's counters) and keeps its last good checkpoints. */
  fail(err: unknown): void {
    this.state = { ...this.committed, status: 'failed', error: err instanceof Error ? err.message : String(err) };
    this.options.run?.writeJson('state.json', this.state);
  }

  dispose(): void {
    this.modelOptimizer.dispose();
    this.estimatorOptimizer?.dispose();
    this.average?.dispose();
  }
}

/** MIRD: Algorithm 1 per batch (src/train/step.ts), its estimators beside the model. */
export class Trainer extends EpochTrainer<MirdModel, TrainConfig> {
  /** what trainStep reads: model, estimators, both optimisers, the host parameters (also for inspecting one step by hand) */
  readonly stepContext: StepContext;

  constructor(model: MirdModel, readonly mi: MiTerms | null, data: PreparedData, config: TrainConfig, seed: number, options: TrainerOptions) {
    super(model, data, config, seed, options, Trainer.estimatorOptimizerOf(mi, data, config));
    this.stepContext = {
      model, config, mi, ignoreTokenIds: data.ignoreTokenIds,
      modelParams: this.modelParams, hostParams: this.hostParams, modelOptimizer: this.modelOptimizer, estimatorOptimizer: this.estimatorOptimizer,
    };
  }

  /** The checks of a MIRD run, then its estimators' optimiser (null without estimators). */
  private static estimatorOptimizerOf(mi: MiTerms | null, data: PreparedData, c: TrainConfig): NamedAdamW | null {
    EpochTrainer.checkSplits(data);
    const ds = data.dataset;
    if (c.splitRate > 0 && ds.unlabeled.length === 0) throw new Error(`train config: splitRate ${c.splitRate} needs unlabeled clips, but ${ds.name} has none (pass --unlabeled <source> or set splitRate=0)`);
    return mi !== null && mi.pairs.length > 0 ? new NamedAdamW(mi.namedVariables(), { weightDecay: 0, eps: 1e-8 }) : null;
  }

  rates(step: number): { lr: number; hostLr: number; estimatorLr: number } {
    return { ...this.modelRates(step), estimatorLr: this.config.estimatorLr };
  }

  /** Algorithm 1 on the batch. */
  protected trainOn(batch: Batch, step: number): StepReport {
    return trainStep(this.stepContext, batch, this.rates(step), step);
  }

  protected unlabeledMix(): { splitRate: number; unlabeled: readonly Clip[] } {
    return { splitRate: this.config.splitRate, unlabeled: this.data.dataset.unlabeled };
  }
}

/**
 * A Table 1 baseline (src/model/baselines/): one forward, its own loss on the labeled clips, one
 * AdamW step per batch (src/train/baseline-step.ts); no unlabeled clips, no estimators. Batch
 * order and dropout seeds follow the same rule as MIRD's (a pure function of seed and epoch).
 */
export class BaselineTrainer extends EpochTrainer<BaselineModel, GenericTrainConfig> {
  readonly stepContext: BaselineStepContext;

  constructor(model: BaselineModel, data: PreparedData, config: GenericTrainConfig, seed: number, options: TrainerOptions) {
    EpochTrainer.checkSplits(data);
    super(model, data, config, seed, options, null);
    this.stepContext = { model, config, modelParams: this.modelParams, hostParams: this.hostParams, modelOptimizer: this.modelOptimizer };
  }

  rates(step: number): { lr: number; hostLr: number } {
    return this.modelRates(step);
  }

  protected trainOn(batch: Batch, step: number): StepReport {
    return baselineStep(this.stepContext, batch, this.rates(step), step);
  }

  protected unlabeledMix(): { splitRate: number; unlabeled: readonly Clip[] } {
    return { splitRate: 0, unlabeled: [] };
  }
}

/** The loop: one epoch of steps, selection on valid, patience, then test once (MIRD and baselines alike). */
export function trainLoop<M extends TrainedModel, C extends GenericTrainConfig>(t: EpochTrainer<M, C>): TrainResult | null {
  const c = t.config;
  const progress = new Progress({ label: t.options.label ?? `train s${t.seed}`, total: t.totalSteps, unit: 'steps' });
  progress.tick(t.state.globalStep);
  let ranThisCall = 0;
  try {
    for (let epoch = t.state.completedEpochs; epoch < c.maxEpochs && !t.shouldStop(); epoch++) {
      if (t.options.stopAfterEpochs !== undefined && ranThisCall >= t.options.stopAfterEpochs) return null; // "killed"
      const start = Date.now();
      const reports = t.runEpoch(epoch, progress); // Algorithm 1 (or the baseline's step) on every batch
      const valid = t.evaluateForSelection('valid').metrics; // selection on valid only, never test
      t.endEpoch(epoch, reports, (Date.now() - start) / 1000, valid);
      ranThisCall += 1;
    }
  } catch (err) {
    t.fail(err); // state.json says why; the last good checkpoints stay
    throw err;
  }
  return t.finish(t.state.completedEpochs < c.maxEpochs);
}

/** MIRD's loop (the same as trainLoop). */
export function trainMird(t: Trainer): TrainResult | null {
  return trainLoop(t);
}
