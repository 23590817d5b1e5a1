// Random padded inputs for a config, for tests, benchmarks and notebooks that need tensors of
// the right shapes without a data source (the data layer's `makeBatch` builds real ones).
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '../util/rng';
import type { ModelConfig } from './config';
import type { MirdInputs } from './mird';

export interface RandomInputSpec {
  /** real lengths per clip; the batch size is their count */
  textLengths: number[];
  audioLengths: number[];
  visualLengths: number[];
  /** padded lengths (default: the longest real length) */
  textPad?: number;
  audioPad?: number;
  visualPad?: number;
  /** token ids are drawn from [firstId, vocabSize) (default 1000 or 1 for small vocabularies) */
  firstId?: number;
  /** fill padded positions with random junk instead of zeros / [PAD] (padding-invariance tests) */
  junkPadding?: boolean;
  seed: number;
}

/**
 * [B, T] masks from lengths, and random data. Real values are drawn from one stream in
 * clip-major, position-major order so that the same spec with longer padding gives the same
 * real values; junk comes from a separate stream.
 */
export function randomInputs(config: ModelConfig, spec: RandomInputSpec): MirdInputs {
  const b = spec.textLengths.length;
  if (spec.audioLengths.length !== b || spec.visualLengths.length !== b) {
    throw new Error(`randomInputs: textLengths, audioLengths and visualLengths must have the same count (${b})`);
  }
  const rng = new Rng(spec.seed);
  const junk = new Rng(deriveSeed(spec.seed, 'randomInputs/junk'));
  const v = config.bert.vocabSize;
  const first = spec.firstId ?? (v > 2000 ? 1000 : 1);
  const pad = (lens: number[], p: number | undefined): number => p ?? Math.max(1, ...lens);
  const tl = pad(spec.textLengths, spec.textPad);
  const ta = pad(spec.audioLengths, spec.audioPad);
  const tv = pad(spec.visualLengths, spec.visualPad);
  const ids = new Int32Array(b * tl);
  const tMask = new Float32Array(b * tl);
  const seq = (lens: number[], t: number, dim: number): { data: Float32Array; mask: Float32Array } => {
    const data = new Float32Array(b * t * dim);
    const mask = new Float32Array(b * t);
    lens.forEach((len, r) => {
      if (len > t) throw new Error(`randomInputs: length ${len} exceeds padded length ${t}`);
      for (let s = 0; s < t; s++) {
        const real = s < len;
        if (real) mask[r * t + s] = 1;
        for (let k = 0; k < dim; k++) {
          const val = real ? rng.normal() : spec.junkPadding === true ? junk.normal() * 3 : 0;
          data[(r * t + s) * dim + k] = val;
        }
      }
    });
    return { data, mask };
  };
  spec.textLengths.forEach((len, r) => {
    if (len > tl) throw new Error(`randomInputs: text length ${len} exceeds padded length ${tl}`);
    for (let s = 0; s < tl; s++) {
      if (s < len) {
        ids[r * tl + s] = first + rng.int(v - first);
        tMask[r * tl + s] = 1;
      } else {
        ids[r * tl + s] = spec.junkPadding === true ? first + junk.int(v - first) : 0;
      }
    }
  });
  const a = seq(spec.audioLengths, ta, config.audioDim);
  const vis = seq(spec.visualLengths, tv, config.visualDim);
  return {
    textIds: tf.tensor2d(ids, [b, tl], 'int32'), // [B, T_L]
    textMask: tf.tensor2d(tMask, [b, tl]), // [B, T_L]
    audio: tf.tensor3d(a.data, [b, ta, config.audioDim]), // [B, T_A, d_A]
    audioMask: tf.tensor2d(a.mask, [b, ta]),
    visual: tf.tensor3d(vis.data, [b, tv, config.visualDim]), // [B, T_V, d_V]
    visualMask: tf.tensor2d(vis.mask, [b, tv]),
  };
}

export function disposeInputs(x: MirdInputs): void {
  tf.dispose([x.textIds, x.textMask, x.audio, x.audioMask, x.visual, x.visualMask]);
}
