// Masked-language-model pretraining of a small BERT on transcripts (Devlin et al. 2019, §3.1):
// the objective and the training loop. Masking and the MLM head are src/text/mlm.ts. The loss
// is the cross entropy of the original token at the chosen positions only:
//   L = −(1/M) Σ_{i∈chosen} log softmax(W_e · LN(GELU(W_t h_i + b_t)) + b_o)[y_i]
// Computing logits at the M chosen positions instead of all B·L saves most of the
// V = 30,522-way product on one core.
//
// The loop is resumable: every `checkpointEvery` steps it writes <outDir>/checkpoint/ (encoder
// + MLM head + AdamW state + step); the masks and dropout of step s are drawn from
// deriveSeed(seed, 'mlm/step/s'), so a resumed run continues exactly as an uninterrupted one.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BertConfig } from '../text/bert-config';
import { Bert } from '../text/bert';
import { bertTensors, loadBertWeights, configFromHf, configToHf, type HfBertConfigJson } from '../text/checkpoint';
import { maskBatch, MlmHead, type MaskedBatch } from '../text/mlm';
import type { WordPieceTokenizer } from '../text/tokenizer';
import { NamedAdamW } from '../nn/adamw';
import { readSafetensors, writeSafetensors } from '../nn/safetensors';
import { deriveSeed, Rng } from '../util/rng';
import { Progress } from '../util/progress';
import { warmupLinearDecayToZero } from './schedule';

/** Mean cross entropy at the chosen positions, and the fraction predicted correctly. */
export function mlmLoss(bert: Bert, head: MlmHead, batch: MaskedBatch, training: boolean): { loss: tf.Scalar; correct: tf.Scalar } {
  return tf.tidy(() => {
    const ids = tf.tensor2d(batch.ids, [batch.batchSize, batch.width], 'int32');
    const mask = tf.tensor2d(batch.mask, [batch.batchSize, batch.width]);
    const h = bert.forward(ids, mask, training); // [B, L, H]
    const flat = tf.reshape(h, [-1, bert.config.hiddenSize]) as tf.Tensor2D; // [B·L, H]
    const chosen = tf.gather(flat, tf.tensor1d(batch.positions, 'int32')) as tf.Tensor2D; // [M, H]
    const logits = head.logits(chosen); // [M, V]
    const targets = tf.tensor1d(batch.targets, 'int32');
    const logp = tf.logSoftmax(logits); // [M, V]
    const loss = tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(targets, bert.config.vocabSize)), 1))) as tf.Scalar;
    const correct = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), targets), 'float32')) as tf.Scalar;
    return { loss, correct };
  });
}

export interface PretrainOptions {
  config: BertConfig;
  seed: number;
  steps: number;
  batchSize: number;
  /** peak learning rate; linear warm-up then linear decay to 0 */
  lr: number;
  warmupSteps: number;
  maxLength: number;
  weightDecay: number;
  /** folder for checkpoint/ and log.jsonl; resumed from when it holds a checkpoint */
  outDir: string;
  checkpointEvery: number;
  /** called once on a fresh start, e.g. GloVe initialisation of the word embeddings */
  init?: (bert: Bert) => void;
  /** stop this invocation after this step (checkpointed) without changing the schedule; resume later */
  stopAfter?: number;
  /** texts held out for a masked-token loss check at every checkpoint */
  heldOut?: readonly string[];
}

export interface PretrainResult {
  bert: Bert;
  head: MlmHead;
  stepsDone: number;
  resumedFrom: number;
  /** loss of the last step; read from log.jsonl when this call ran no step (NaN if not logged) */
  lastLoss: number;
  heldOutLoss: number | null;
  secondsPerStep: number;
}

/** The rate at 1-based `step`: linear warm-up over warmupSteps, then linear decay to 0 at the last step. */
export function learningRate(step: number, o: Pick<PretrainOptions, 'lr' | 'warmupSteps' | 'steps'>): number {
  return warmupLinearDecayToZero(step, o.steps, o.warmupSteps, o.lr);
}

/** Order of sentence indices for epoch e: a fixed shuffle from the seed. */
function epochOrder(n: number, seed: number, epoch: number): number[] {
  return new Rng(deriveSeed(seed, `mlm/epoch/${epoch}`)).permutation(n);
}

function saveCheckpoint(dir: string, bert: Bert, head: MlmHead, opt: NamedAdamW, step: number, tokenizerPath: string): void {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const tensors = bertTensors(bert);
  for (const [k, t] of head.tensors()) tensors.set(k, t);
  for (const [k, t] of opt.stateTensors()) tensors.set(k, t);
  writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt', step: String(step) });
  writeFileSync(join(tmp, 'config.json'), JSON.stringify(configToHf(bert.config), null, 2) + '\n');
  writeFileSync(join(tmp, 'vocab.txt'), readFileSync(tokenizerPath));
  writeFileSync(join(tmp, 'state.json'), JSON.stringify({ step }) + '\n');
  // swap whole folders so a crash leaves either the old or the new checkpoint
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

/** The log.jsonl entry of `step` (the last one when repeated), or null when there is none. */
function loggedAt(log: string, step: number): { loss: number; heldOutLoss: number | null } | null {
  if (!existsSync(log)) return null;
  let found: { loss: number; heldOutLoss: number | null } | null = null;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as { step?: unknown; loss?: unknown; heldOutLoss?: unknown };
    if (e.step === step && typeof e.loss === 'number') found = { loss: e.loss, heldOutLoss: typeof e.heldOutLoss === 'number' ? e.heldOutLoss : null };
  }
  return found;
}

/**
 * Runs (or resumes) MLM pretraining on `texts`. The returned encoder and head are owned by the
 * caller (dispose them).
 */
export function pretrainMlm(texts: readonly string[], tokenizer: WordPieceTokenizer, o: PretrainOptions): PretrainResult {
  if (texts.length < o.batchSize) throw new Error(`pretrainMlm: ${texts.length} texts, fewer than one batch of ${o.batchSize}`);
  mkdirSync(o.outDir, { recursive: true });
  const ckptDir = join(o.outDir, 'checkpoint');
  const encoded = texts.map((t) => tokenizer.encode(t, o.maxLength)).filter((r) => r.length > 2);
  const bert = new Bert(o.config, deriveSeed(o.seed, 'mlm/bert'));
  const head = new MlmHead(bert, o.seed);
  const params = new Map<string, tf.Variable>([...bert.params, ...head.params]);
  const opt = new NamedAdamW(params, { weightDecay: o.weightDecay });
  let start = 0;
  if (existsSync(join(ckptDir, 'state.json'))) {
    const state = JSON.parse(readFileSync(join(ckptDir, 'state.json'), 'utf8')) as { step: number };
    const cfg = configFromHf(JSON.parse(readFileSync(join(ckptDir, 'config.json'), 'utf8')) as HfBertConfigJson, join(ckptDir, 'config.json'));
    for (const k of Object.keys(cfg) as (keyof BertConfig)[]) {
      if (cfg[k] !== o.config[k]) throw new Error(`cannot resume from ${ckptDir}: its ${k} is ${cfg[k]}, this run asks for ${o.config[k]} (use another --out)`);
    }
    const file = readSafetensors(join(ckptDir, 'model.safetensors'));
    const { extra } = loadBertWeights(bert, new Map([...file.tensors].filter(([k]) => !k.startsWith('adam.'))), file.path);
    for (const [k, v] of head.params) {
      const e = extra.get(k);
      if (e === undefined) throw new Error(`${file.path}: missing MLM head tensor ${k}`);
      const t = tf.tensor(e.data, e.shape);
      v.assign(t);
      t.dispose();
    }
    opt.loadState(file.tensors, state.step, file.path);
    start = state.step;
  } else if (o.init !== undefined) {
    o.init(bert);
  }
  const log = join(o.outDir, 'log.jsonl');
  const progress = new Progress({ label: 'mlm', total: o.steps - start, unit: 'steps' });
  const perEpoch = Math.floor(encoded.length / o.batchSize);
  let lastLoss = NaN;
  let emaLoss = NaN;
  let heldOutLoss: number | null = null;
  const t0 = Date.now();
  const evalHeldOut = (): number | null => {
    if (o.heldOut === undefined || o.heldOut.length === 0) return null;
    const rng = new Rng(deriveSeed(o.seed, 'mlm/heldout'));
    const rows = o.heldOut.map((t) => tokenizer.encode(t, o.maxLength)).filter((r) => r.length > 2);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < rows.length; i += 64) {
      const b = maskBatch(rows.slice(i, i + 64), tokenizer, rng);
      const { loss, correct } = mlmLoss(bert, head, b, false);
      sum += (loss.dataSync()[0] as number) * b.targets.length;
      n += b.targets.length;
      tf.dispose([loss, correct]);
    }
    return sum / n;
  };
  const last = Math.min(o.steps, o.stopAfter ?? o.steps);
  for (let step = start + 1; step <= last; step++) {
    const epoch = Math.floor((step - 1) / perEpoch);
    const within = (step - 1) % perEpoch;
    const order = epochOrder(encoded.length, o.seed, epoch);
    const rows = order.slice(within * o.batchSize, (within + 1) * o.batchSize).map((i) => encoded[i] as Int32Array);
    const stepRng = new Rng(deriveSeed(o.seed, `mlm/step/${step}`));
    const batch = maskBatch(rows, tokenizer, stepRng);
    bert.setDropoutSeed(stepRng.seed());
    const lr = learningRate(step, o);
    let acc = 0;
    lastLoss = opt.minimize(() => {
      const { loss, correct } = mlmLoss(bert, head, batch, true);
      acc = correct.dataSync()[0] as number;
      correct.dispose();
      return loss;
    }, lr);
    emaLoss = Number.isNaN(emaLoss) ? lastLoss : 0.98 * emaLoss + 0.02 * lastLoss;
    const done = step === last;
    if (step % o.checkpointEvery === 0 || done) {
      heldOutLoss = evalHeldOut();
      saveCheckpoint(ckptDir, bert, head, opt, step, tokenizer.source);
      writeFileSync(log, JSON.stringify({ step, epoch, lr, loss: lastLoss, emaLoss, maskedAcc: acc, heldOutLoss, seconds: (Date.now() - t0) / 1000 }) + '\n', { flag: 'a' });
    }
    progress.tick(1, `loss ${emaLoss.toFixed(3)} lr ${lr.toExponential(1)}`);
  }
  opt.dispose();
  const stepsRun = Math.max(0, last - start);
  // Rerunning a finished run (the resume path) trains nothing now, so lastLoss was still its
  // NaN placeholder; the log line written with that checkpoint holds the real numbers.
  if (stepsRun === 0) {
    const logged = loggedAt(log, start);
    if (logged !== null) {
      lastLoss = logged.loss;
      heldOutLoss = logged.heldOutLoss;
    }
  }
  return { bert, head, stepsDone: Math.max(last, start), resumedFrom: start, lastLoss, heldOutLoss, secondsPerStep: stepsRun > 0 ? (Date.now() - t0) / 1000 / stepsRun : 0 };
}
