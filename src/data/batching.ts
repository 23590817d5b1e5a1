// From clips to padded `Batch` tensors, and epochs of them.
//
// Padding: each modality is padded with zeros to the longest clip of the batch (or to a fixed
// length from the options, e.g. the paper's 50 / 400 / 55), with `lengths` and 0/1 `masks`, so
// models can ignore padded frames (the authors' code feeds them to the LSTMs and Sparsemax).
// Sequences are truncated only when a max length is asked for, and every cut is counted.
//
// Unlabeled mixing: each batch holds b labeled clips first, then round(splitRate · b)
// unlabeled ones (`labeled` = 0, label 0). The authors pair labeled clip i with the fixed
// unlabeled clips i + k·N (k < splitRate), so only the first splitRate·N pool clips are ever
// used and always with the same partners. Here unlabeled clips are read from one endless
// stream over the pool: the stream walks a fresh seeded permutation of the whole pool per
// cycle, and epoch e continues where epoch e−1 stopped. Every pool clip is used once per cycle,
// all of them get used over epochs, pairings change every epoch, and the stream position is a
// pure function of (seed, epoch): resuming at any epoch reproduces the same batches.
import * as tf from '@tensorflow/tfjs';
import type { Batch, Clip, Sequence, TextTokenizer } from './types';
import { asPool, type UnlabeledPool } from './pool';
import { normalizeSequence, type NormStats } from './normalize';
import { deriveSeed, Rng } from '../util/rng';

export interface BatchOptions {
  /** token budget incl. [CLS]/[SEP] (paper: 50); longer transcripts are truncated and counted */
  maxTextLength: number;
  /** pad text to maxTextLength instead of the batch's longest */
  padTextToMax?: boolean;
  /** pad audio / visual to this many frames instead of the batch's longest */
  audioPadLength?: number | null;
  visualPadLength?: number | null;
  /** truncate longer audio / visual to this many frames (counted); otherwise never truncate */
  maxAudioLength?: number | null;
  maxVisualLength?: number | null;
  /** feature dims for batches whose clips have no frames (text-only sources); else inferred */
  audioDim?: number;
  visualDim?: number;
  /** standardise audio / visual frames with these (train-fitted) stats while copying */
  norm?: NormStats | null;
  /**
   * Diagnostic: attach each clip's true shared factor s, zero-padded to this width, as
   * `oracleShared` (clips without factors are an error naming the clip). Default: none.
   */
  oracleSharedDim?: number | null;
}

export const DEFAULT_BATCH_OPTIONS: Readonly<BatchOptions> = Object.freeze({ maxTextLength: 50 });

/** What batching had to cut, accumulated over every batch built with the same object. */
export interface BatchCounters {
  clips: number;
  textTruncated: number;
  audioTruncated: number;
  visualTruncated: number;
}

export function newBatchCounters(): BatchCounters {
  return { clips: 0, textTruncated: 0, audioTruncated: 0, visualTruncated: 0 };
}

function encodeText(clip: Clip, tokenizer: TextTokenizer, max: number, counters: BatchCounters): Int32Array {
  if (clip.tokenIds !== undefined) {
    if (clip.tokenIds.length <= max) return clip.tokenIds;
    counters.textTruncated += 1;
    // pre-tokenized ids end in [SEP]: keep the first max−1 and the final one
    const out = new Int32Array(max);
    out.set(clip.tokenIds.subarray(0, max - 1), 0);
    out[max - 1] = clip.tokenIds[clip.tokenIds.length - 1] as number;
    return out;
  }
  // one extra token of budget tells whether the tokenizer had to cut
  const probe = tokenizer.encode(clip.text, max + 1);
  if (probe.length <= max) return probe;
  counters.textTruncated += 1;
  return tokenizer.encode(clip.text, max);
}

interface Padded {
  data: Float32Array; // [B, T, D]
  mask: Float32Array; // [B, T]
  lengths: Int32Array; // [B]
  T: number;
  D: number;
}

function padModality(
  clips: Clip[],
  pick: (c: Clip) => Sequence,
  name: 'audio' | 'visual',
  padLength: number | null | undefined,
  maxLength: number | null | undefined,
  dimHint: number | undefined,
  norm: NormStats | null | undefined,
): { padded: Padded; truncated: number } {
  let D = -1;
  for (const c of clips) {
    const s = pick(c);
    if (s.data.length < s.length * s.dim) {
      throw new Error(`batching: clip ${c.id} ${name} holds ${s.data.length} values, expected length ${s.length} × dim ${s.dim} = ${s.length * s.dim}`);
    }
    if (s.length === 0) continue;
    if (D < 0) D = s.dim;
    else if (s.dim !== D) throw new Error(`batching: clip ${c.id} has ${name} dim ${s.dim}, other clips in the batch have ${D}`);
  }
  if (D < 0) D = dimHint ?? 0;
  else if (dimHint !== undefined && dimHint !== D) throw new Error(`batching: ${name} dim ${D} in the batch, the dataset says ${dimHint}`);
  let truncated = 0;
  const lengths = new Int32Array(clips.length);
  clips.forEach((c, b) => {
    let n = pick(c).length;
    if (maxLength !== null && maxLength !== undefined && n > maxLength) {
      n = maxLength;
      truncated += 1;
    }
    lengths[b] = n;
  });
  const longest = lengths.reduce((a, x) => Math.max(a, x), 0);
  let T: number;
  if (padLength !== null && padLength !== undefined) {
    if (longest > padLength) {
      const b = lengths.findIndex((x) => x > padLength);
      throw new Error(
        `batching: clip ${clips[b]?.id} has ${lengths[b]} ${name} frames, more than the fixed pad length ${padLength}; ` +
          `set max${name === 'audio' ? 'Audio' : 'Visual'}Length to truncate (counted) or raise the pad length`,
      );
    }
    T = padLength;
  } else {
    // at least one (masked) step, so text-only batches still have well-formed [B, 1, D] tensors
    T = Math.max(1, longest);
  }
  const data = new Float32Array(clips.length * T * D);
  const mask = new Float32Array(clips.length * T);
  clips.forEach((c, b) => {
    let seq = pick(c);
    const n = lengths[b] as number;
    if (n === 0) return;
    if (norm) seq = normalizeSequence(seq, norm[name], `clip ${c.id} ${name}`);
    data.set(seq.data.subarray(0, n * D), b * T * D);
    mask.fill(1, b * T, b * T + n);
  });
  return { padded: { data, mask, lengths, T, D }, truncated };
}

/**
 * One padded batch: `labeledClips` first, then `unlabeledClips` (their labels are ignored).
 * The caller owns the returned tensors: dispose them with `disposeBatch`.
 */
export function makeBatch(
  labeledClips: Clip[],
  unlabeledClips: Clip[],
  tokenizer: TextTokenizer,
  options: BatchOptions = DEFAULT_BATCH_OPTIONS,
  counters: BatchCounters = newBatchCounters(),
): Batch {
  const clips = [...labeledClips, ...unlabeledClips];
  const B = clips.length;
  if (B === 0) throw new Error('batching: empty batch');
  const maxText = options.maxTextLength;
  if (!Number.isInteger(maxText) || maxText < 2) throw new Error(`batching: maxTextLength must be an integer ≥ 2, got ${maxText}`);
  labeledClips.forEach((c) => {
    if (c.label === null || !Number.isFinite(c.label)) throw new Error(`batching: labeled clip ${c.id} has no finite label`);
  });

  const ids = clips.map((c) => encodeText(c, tokenizer, maxText, counters));
  const L = options.padTextToMax === true ? maxText : Math.max(1, ...ids.map((x) => x.length));
  const textIds = new Int32Array(B * L).fill(tokenizer.padId);
  const textMask = new Float32Array(B * L);
  const textLength = new Int32Array(B);
  ids.forEach((x, b) => {
    textIds.set(x, b * L);
    textMask.fill(1, b * L, b * L + x.length);
    textLength[b] = x.length;
  });

  const textStates = padTextStates(clips, ids, L);
  const audio = padModality(clips, (c) => c.audio, 'audio', options.audioPadLength, options.maxAudioLength, options.audioDim, options.norm);
  const visual = padModality(clips, (c) => c.visual, 'visual', options.visualPadLength, options.maxVisualLength, options.visualDim, options.norm);
  counters.clips += B;
  counters.audioTruncated += audio.truncated;
  counters.visualTruncated += visual.truncated;

  const labels = new Float32Array(B);
  const labeled = new Float32Array(B);
  labeledClips.forEach((c, b) => {
    labels[b] = c.label as number;
    labeled[b] = 1;
  });
  const a = audio.padded;
  const v = visual.padded;
  const oracle = options.oracleSharedDim === undefined || options.oracleSharedDim === null ? null : oracleSharedOf(clips, options.oracleSharedDim);
  return {
    ids: clips.map((c) => c.id),
    textIds: tf.tensor2d(textIds, [B, L], 'int32'), // [B, L]
    textMask: tf.tensor2d(textMask, [B, L], 'float32'), // [B, L]
    textLength: tf.tensor1d(textLength, 'int32'), // [B]
    ...(textStates === null ? {} : { textStates: tf.tensor3d(textStates.data, [B, L, textStates.dim], 'float32') }), // [B, L, D_host]
    audio: tf.tensor3d(a.data, [B, a.T, a.D], 'float32'), // [B, T_A, d_A]
    audioMask: tf.tensor2d(a.mask, [B, a.T], 'float32'), // [B, T_A]
    audioLength: tf.tensor1d(a.lengths, 'int32'), // [B]
    visual: tf.tensor3d(v.data, [B, v.T, v.D], 'float32'), // [B, T_V, d_V]
    visualMask: tf.tensor2d(v.mask, [B, v.T], 'float32'), // [B, T_V]
    visualLength: tf.tensor1d(v.lengths, 'int32'), // [B]
    hostLengths: { text: textLength, audio: a.lengths, visual: v.lengths },
    ...(oracle === null ? {} : { oracleShared: tf.tensor2d(oracle, [B, options.oracleSharedDim as number], 'float32') }), // [B, d]
    labels: tf.tensor1d(labels, 'float32'), // [B]
    labeled: tf.tensor1d(labeled, 'float32'), // [B]
    numLabeled: labeledClips.length,
  };
}

/**
 * Frozen host states padded like the token ids: [B, L, D] with zeros past each clip's tokens.
 * Either every clip carries states for exactly its tokens, or none does (null).
 */
function padTextStates(clips: Clip[], ids: Int32Array[], L: number): { data: Float32Array; dim: number } | null {
  const withStates = clips.filter((c) => c.textStates !== undefined).length;
  if (withStates === 0) return null;
  if (withStates !== clips.length) {
    const missing = clips.find((c) => c.textStates === undefined) as Clip;
    throw new Error(`batching: clip ${missing.id} has no frozen text states but other clips of the batch have them`);
  }
  const dim = (clips[0] as Clip).textStates?.dim as number;
  const data = new Float32Array(clips.length * L * dim);
  clips.forEach((c, b) => {
    const s = c.textStates as Sequence;
    const n = (ids[b] as Int32Array).length;
    if (s.dim !== dim) throw new Error(`batching: clip ${c.id} has text states of width ${s.dim}, other clips ${dim}`);
    if (s.length !== n || s.data.length < n * dim) {
      throw new Error(`batching: clip ${c.id} has ${s.length} text states for ${n} tokens (states and tokenIds must come from the same tokenization, untruncated)`);
    }
    data.set(s.data.subarray(0, n * dim), b * L * dim);
  });
  return { data, dim };
}

/** The clips' true shared factors, zero-padded to `dim` columns: [B · dim] row-major. */
function oracleSharedOf(clips: Clip[], dim: number): Float32Array {
  const out = new Float32Array(clips.length * dim);
  clips.forEach((c, b) => {
    const s = c.factors?.shared;
    if (s === undefined) throw new Error(`batching: oracleShared needs the clips' true factors, and clip ${c.id} has none (only the synthetic benchmark keeps them)`);
    if (s.length > dim) throw new Error(`batching: clip ${c.id}'s shared factor has ${s.length} dimensions, more than the latent width ${dim}`);
    out.set(s, b * dim);
  });
  return out;
}

/** Disposes every tensor of a batch. */
export function disposeBatch(batch: Batch): void {
  if (batch.textStates !== undefined) batch.textStates.dispose();
  if (batch.oracleShared !== undefined) batch.oracleShared.dispose();
  tf.dispose([
    batch.textIds, batch.textMask, batch.textLength, batch.audio, batch.audioMask, batch.audioLength,
    batch.visual, batch.visualMask, batch.visualLength, batch.labels, batch.labeled,
  ]);
}

export interface EpochOptions extends BatchOptions {
  /** labeled clips per batch */
  batchSize: number;
  /** run seed; the shuffle and the unlabeled stream derive from it */
  seed: number;
  /** 0-based epoch number: selects the shuffle and the unlabeled stream position */
  epoch: number;
  /** shuffle labeled clips (default true; use false for valid / test) */
  shuffle?: boolean;
  /** drop a last, smaller batch (default false) */
  dropLast?: boolean;
  /** unlabeled clips per labeled clip (default 0: no unlabeled clips) */
  splitRate?: number;
}

/** Which clips go where in one epoch: indices into the labeled set and the unlabeled pool. */
export interface EpochPlan {
  labeled: number[][];
  unlabeled: number[][];
}

function batchSizes(numLabeled: number, batchSize: number, dropLast: boolean): number[] {
  const sizes: number[] = [];
  for (let start = 0; start < numLabeled; start += batchSize) {
    const n = Math.min(batchSize, numLabeled - start);
    if (n < batchSize && dropLast) break;
    sizes.push(n);
  }
  return sizes;
}

/**
 * The index plan of one epoch, without building tensors. The unlabeled stream position at the
 * start of epoch e is e × (unlabeled clips per epoch); position p maps to pool index
 * perm_c[p mod N] with c = floor(p / N) and perm_c a permutation seeded by (seed, c).
 */
export function planEpoch(numLabeled: number, poolSize: number, options: Pick<EpochOptions, 'batchSize' | 'seed' | 'epoch' | 'shuffle' | 'dropLast' | 'splitRate'>): EpochPlan {
  const { batchSize, seed, epoch } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batching: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`batching: epoch must be a non-negative integer, got ${epoch}`);
  const splitRate = options.splitRate ?? 0;
  if (!Number.isFinite(splitRate) || splitRate < 0) throw new Error(`batching: splitRate must be ≥ 0, got ${splitRate}`);
  const order = options.shuffle === false
    ? Array.from({ length: numLabeled }, (_, i) => i)
    : new Rng(deriveSeed(seed, `batching:shuffle:epoch:${epoch}`)).permutation(numLabeled);
  const sizes = batchSizes(numLabeled, batchSize, options.dropLast === true);
  const unlabeledPerBatch = sizes.map((b) => Math.round(splitRate * b));
  const perEpoch = unlabeledPerBatch.reduce((a, x) => a + x, 0);
  if (perEpoch > 0 && !(poolSize > 0)) throw new Error(`batching: splitRate ${splitRate} needs unlabeled clips, but the pool is empty`);

  const perms = new Map<number, number[]>();
  const poolIndex = (p: number): number => {
    if (!Number.isFinite(poolSize)) return p; // unlimited generator: every position is a fresh clip
    const cycle = Math.floor(p / poolSize);
    let perm = perms.get(cycle);
    if (perm === undefined) {
      perm = new Rng(deriveSeed(seed, `batching:unlabeled:cycle:${cycle}`)).permutation(poolSize);
      perms.set(cycle, perm);
    }
    return perm[p % poolSize] as number;
  };

  const labeled: number[][] = [];
  const unlabeled: number[][] = [];
  let start = 0;
  let position = epoch * perEpoch;
  sizes.forEach((b, k) => {
    labeled.push(order.slice(start, start + b));
    start += b;
    const u: number[] = [];
    for (let j = 0; j < (unlabeledPerBatch[k] as number); j++) u.push(poolIndex(position++));
    unlabeled.push(u);
  });
  return { labeled, unlabeled };
}

/**
 * Yields the batches of one epoch. Nothing is disposed here: the caller owns each batch and
 * disposes it (`disposeBatch`) when done. Truncations are added to `counters` when given.
 */
export function* epochBatches(
  labeledClips: Clip[],
  tokenizer: TextTokenizer,
  options: EpochOptions & { unlabeled?: Clip[] | UnlabeledPool; counters?: BatchCounters },
): Generator<Batch, void, void> {
  const pool = asPool(options.unlabeled ?? []);
  const plan = planEpoch(labeledClips.length, pool.size, options);
  const counters = options.counters ?? newBatchCounters();
  for (let k = 0; k < plan.labeled.length; k++) {
    const lab = (plan.labeled[k] as number[]).map((i) => labeledClips[i] as Clip);
    const unl = (plan.unlabeled[k] as number[]).map((i) => pool.clip(i));
    yield makeBatch(lab, unl, tokenizer, options, counters);
  }
}
